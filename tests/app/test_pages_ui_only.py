"""The pages hold UI only: figures come from ``pages/common/charts.py``, computations from the cached
loaders, run paths from ``RunDir``."""

from __future__ import annotations

import re
from pathlib import Path

from core.explain.report_html import customer_report_html
from core.training.run_dir import RunDir
from pages.common import loaders

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _page_sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("*.py"))}


def test_pages_draw_no_figures_of_their_own():
    for name, source in _page_sources().items():
        assert not re.search(r"^\s*(import|from) plotly", source, re.M), f"{name} builds Plotly figures inline"


# Pure wording of numbers a page already holds (no model, no scoring): pages may call these directly.
WORDING = ("words", "sentences", "why", "screen_sentences")


def test_pages_call_no_explanation_code_directly():
    for name, source in _page_sources().items():
        for module in re.findall(r"^\s*from core\.explain(\.\w+)?", source, re.M):
            assert module.lstrip(".") in WORDING, f"{name} bypasses pages/common/loaders.py (core.explain{module})"


def test_no_hard_coded_run_directory_paths_in_pages():
    sources = {p: p.read_text(encoding="utf-8") for p in [*PAGES.glob("*.py"), *PAGES.glob("common/*.py")]}
    for path, source in sources.items():
        for name in ('"checkpoints"', '"best.pt"', '"run.json"', '"snapshots"', '"metrics.json"', '"history.json"'):
            assert name not in source, f"{path.name} spells the run directory's {name}; use RunDir"


def test_run_stamp_reads_the_files_a_reopened_run_reads(shop_runs):
    run = RunDir(shop_runs / "tiny_shop" / "hm4sr")
    stamp = loaders.run_stamp(str(run.root))
    best = run.best_path.stat()
    assert ("best.pt", best.st_size, best.st_mtime_ns) in stamp
    assert [name for name, _, _ in stamp] == ["run.json", "metrics.json", "history.json", "best.pt"]
    assert loaders.run_stamp(str(shop_runs / "absent")) == ()


def test_the_customer_report_is_one_cached_loader(shop_trained, monkeypatch):
    from core.explain import report_html

    calls = []

    def counted(*args, **kwargs):
        calls.append((args[1:], kwargs))
        return customer_report_html(*args, **kwargs)

    monkeypatch.setattr(report_html, "customer_report_html", counted)
    loaders.customer_report.clear()
    key = loaders.run_key(shop_trained)
    page = loaders.customer_report(shop_trained, key, "U001", None, 5)
    assert page == customer_report_html(shop_trained, "U001", k=5)
    assert loaders.customer_report(shop_trained, key, "U001", None, 5) == page
    assert len(calls) == 1  # the second call came from the cache
    loaders.customer_report(shop_trained, key, "U001", None, 4)
    loaders.customer_report(shop_trained, (key[0], (*key[1], ("best.pt", 1, 1))), "U001", None, 5)  # retrained run
    assert len(calls) == 3
    loaders.customer_report.clear()


def test_window_start_is_the_first_purchase_core_lets_the_page_move(shop_trained):
    import pytest

    from core import explain

    key = loaders.run_key(shop_trained)
    for user in ("U001", "U006"):
        first = loaders.window_start(shop_trained, key, user)
        explain.time_shift(shop_trained, user, months=[0, 1], purchase=first, k=5)  # accepted
        if first > 0:
            with pytest.raises(ValueError, match="history position the model reads"):
                explain.time_shift(shop_trained, user, months=[0, 1], purchase=first - 1, k=5)
