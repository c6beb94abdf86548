"""Explanations computed from trained models and their training runs."""

from core.explain.forgetting import forgetting_curve
from core.explain.counterfactuals import drop_modality, drop_purchase, faithfulness
from core.explain.evidence import evidence
from core.explain.gates import GateView, gates, routing_by_interval
from core.explain.parts import part_names, part_shares
from core.explain.population import category_segments, persona_segments, population_shares, shares_by_segment
from core.explain.ranks import overlap_fraction, rank_of
from core.explain.recommend import recommendations
from core.explain.report import CustomerExplanation, explain_customer
from core.explain.time_effects import time_shift
from core.explain.report_html import customer_report_html, render_customer_report
from core.explain.compare import (list_overlap, matrix_from_pairs, overlap_by_segment, overlap_matrix,
                                  overlap_summary, pairwise_overlap, run_labels, top_k_lists, topk_overlap, topk_table)
from core.explain.drift import (aligned_pca, aligned_umap, drift_statistics, drift_table,
                                find_ablation_pair, item_labels, projection_is_cached, projections, umap_epochs)

__all__ = ["forgetting_curve",
           "CustomerExplanation", "GateView", "category_segments", "drop_modality", "drop_purchase", "evidence",
           "explain_customer", "faithfulness", "gates", "overlap_fraction", "part_names", "part_shares",
           "persona_segments", "population_shares", "rank_of", "recommendations", "routing_by_interval",
           "shares_by_segment", "time_shift",
           "customer_report_html", "render_customer_report",
           "list_overlap", "matrix_from_pairs", "overlap_by_segment", "overlap_matrix", "overlap_summary",
           "pairwise_overlap", "run_labels", "top_k_lists", "topk_overlap", "topk_table",
           "aligned_pca", "aligned_umap", "drift_statistics", "drift_table",
           "find_ablation_pair", "item_labels", "projection_is_cached", "projections", "umap_epochs"]
