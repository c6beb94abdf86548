"""Explanations computed from trained models and their training runs.

The public names below load on first use (PEP 562), so a page that needs only the words and
sentences (:mod:`core.explain.words`, :mod:`core.explain.sentences`) does not import torch and every
model with them: the dashboard's first page stays quick to open.
"""

from __future__ import annotations

import importlib
import sys
import types

_EXPORTS: dict[str, str] = {
    "CustomerExplanation": "core.explain.report",
    "EditComparison": "core.explain.launch",
    "GateView": "core.explain.gates",
    "LaunchBaseline": "core.explain.launch",
    "LaunchResult": "core.explain.launch",
    "LaunchUnavailable": "core.explain.launch",
    "aligned_pca": "core.explain.drift",
    "aligned_umap": "core.explain.drift",
    "audience_by_segment": "core.explain.product",
    "audience_from_batch": "core.explain.product",
    "audience_from_top": "core.explain.product",
    "audience_sentence": "core.explain.sentences",
    "audience_source": "core.explain.product",
    "calendar_rank": "core.explain.product",
    "cannot_launch": "core.explain.launch",
    "category_segments": "core.explain.population",
    "compare_frames": "core.explain.compare_subjects",
    "customer_report_html": "core.explain.report_html",
    "customer_top": "core.explain.recommend",
    "difference_sentence": "core.explain.sentences",
    "drift_statistics": "core.explain.drift",
    "drift_table": "core.explain.drift",
    "drop_modality": "core.explain.counterfactuals",
    "drop_purchase": "core.explain.counterfactuals",
    "everyone_top": "core.explain.product",
    "evidence": "core.explain.evidence",
    "explain_customer": "core.explain.report",
    "faithfulness": "core.explain.counterfactuals",
    "families_sentence": "core.explain.sentences",
    "family_frame": "core.explain.compare_subjects",
    "find_ablation_pair": "core.explain.drift",
    "forgetting_curve": "core.explain.forgetting",
    "gates": "core.explain.gates",
    "item_labels": "core.explain.drift",
    "launch_baseline": "core.explain.launch",
    "list_overlap": "core.explain.compare",
    "matrix_from_pairs": "core.explain.compare",
    "mix_sentence": "core.explain.sentences",
    "overlap_by_segment": "core.explain.compare",
    "overlap_matrix": "core.explain.compare",
    "overlap_summary": "core.explain.compare",
    "pairwise_overlap": "core.explain.compare",
    "persona_segments": "core.explain.population",
    "population_at": "core.explain.compare_subjects",
    "population_shares": "core.explain.population",
    "preceding_purchases": "core.explain.product",
    "projection_is_cached": "core.explain.drift",
    "projections": "core.explain.drift",
    "recommendation_sentence": "core.explain.sentences",
    "recommendations": "core.explain.recommend",
    "render_customer_report": "core.explain.report_html",
    "routing_by_interval": "core.explain.gates",
    "run_labels": "core.explain.compare",
    "segment_table": "core.explain.compare_subjects",
    "share_histogram": "core.explain.population",
    "share_summary": "core.explain.product",
    "shared_parts": "core.explain.compare_subjects",
    "shares_by_segment": "core.explain.population",
    "similar_products": "core.explain.product",
    "simulate_launch": "core.explain.launch",
    "time_shift": "core.explain.time_effects",
    "top_k_lists": "core.explain.compare",
    "topk_overlap": "core.explain.compare",
    "topk_table": "core.explain.compare",
    "umap_epochs": "core.explain.drift",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import the module that defines ``name`` when it is first asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


class _Package(types.ModuleType):
    """Keeps a public function named like its own module (``gates``, ``evidence``) when that module
    is imported: Python's import sets ``core.explain.<module>`` to the module, which without this
    would hide the function of the same name from ``core.explain.gates(...)`` callers."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
