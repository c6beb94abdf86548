"""Explanations computed from trained models and their training runs."""

from core.explain.compare import (
                                  list_overlap,
                                  matrix_from_pairs,
                                  overlap_by_segment,
                                  overlap_matrix,
                                  overlap_summary,
                                  pairwise_overlap,
                                  run_labels,
                                  top_k_lists,
                                  topk_overlap,
                                  topk_table,
)
from core.explain.counterfactuals import drop_modality, drop_purchase, faithfulness
from core.explain.drift import (
                                  aligned_pca,
                                  aligned_umap,
                                  drift_statistics,
                                  drift_table,
                                  find_ablation_pair,
                                  item_labels,
                                  projection_is_cached,
                                  projections,
                                  umap_epochs,
)
from core.explain.evidence import evidence
from core.explain.forgetting import forgetting_curve
from core.explain.gates import GateView, gates, routing_by_interval
from core.explain.launch import (
                                  EditComparison,
                                  LaunchBaseline,
                                  LaunchResult,
                                  LaunchUnavailable,
                                  cannot_launch,
                                  launch_baseline,
                                  simulate_launch,
)
from core.explain.population import (
                                  category_segments,
                                  persona_segments,
                                  population_shares,
                                  share_histogram,
                                  shares_by_segment,
)
from core.explain.product import (
                                  audience_by_segment,
                                  audience_from_batch,
                                  audience_from_top,
                                  audience_source,
                                  calendar_rank,
                                  everyone_top,
                                  preceding_purchases,
                                  share_summary,
                                  similar_products,
)
from core.explain.recommend import customer_top, recommendations
from core.explain.report import CustomerExplanation, explain_customer
from core.explain.report_html import customer_report_html, render_customer_report
from core.explain.sentences import audience_sentence, difference_sentence, mix_sentence, recommendation_sentence
from core.explain.time_effects import time_shift

__all__ = [
                                  "CustomerExplanation",
                                  "EditComparison",
                                  "GateView",
                                  "LaunchBaseline",
                                  "LaunchResult",
                                  "LaunchUnavailable",
                                  "aligned_pca",
                                  "aligned_umap",
                                  "audience_by_segment",
                                  "audience_from_batch",
                                  "audience_from_top",
                                  "audience_sentence",
                                  "audience_source",
                                  "calendar_rank",
                                  "cannot_launch",
                                  "category_segments",
                                  "customer_report_html",
                                  "customer_top",
                                  "difference_sentence",
                                  "drift_statistics",
                                  "drift_table",
                                  "drop_modality",
                                  "drop_purchase",
                                  "everyone_top",
                                  "evidence",
                                  "explain_customer",
                                  "faithfulness",
                                  "find_ablation_pair",
                                  "forgetting_curve",
                                  "gates",
                                  "item_labels",
                                  "launch_baseline",
                                  "list_overlap",
                                  "matrix_from_pairs",
                                  "mix_sentence",
                                  "overlap_by_segment",
                                  "overlap_matrix",
                                  "overlap_summary",
                                  "pairwise_overlap",
                                  "persona_segments",
                                  "population_shares",
                                  "preceding_purchases",
                                  "projection_is_cached",
                                  "projections",
                                  "recommendation_sentence",
                                  "recommendations",
                                  "render_customer_report",
                                  "routing_by_interval",
                                  "run_labels",
                                  "share_histogram",
                                  "share_summary",
                                  "shares_by_segment",
                                  "similar_products",
                                  "simulate_launch",
                                  "time_shift",
                                  "top_k_lists",
                                  "topk_overlap",
                                  "topk_table",
                                  "umap_epochs",
]
