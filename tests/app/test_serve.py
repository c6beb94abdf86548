"""`make app`'s launcher: streamlit run app.py, with the first page's work done while the browser loads."""

from __future__ import annotations

import sys
import threading

from core.data import DEFAULT_K_CORE
from pages.common import loaders, serve


def test_warm_start_leaves_the_first_dataset_in_the_pages_cache(monkeypatch, shop_dir):
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    loaders.dataset.clear()
    worker = threading.Thread(target=serve.warm_start)  # as the launcher does: another thread
    worker.start()
    worker.join()
    calls = []
    monkeypatch.setattr(loaders, "load_dataset", lambda *a, **k: calls.append(a))
    data = loaders.dataset(str(shop_dir), DEFAULT_K_CORE)  # what the sidebar asks for on a first visit
    assert calls == [] and data.name == "tiny_shop"  # served from the cache, not loaded again
    loaders.dataset.clear()


def test_warm_start_leaves_an_unreadable_dataset_to_the_page(monkeypatch, tmp_path):
    monkeypatch.setenv("MODALITY_LENS_DATA", str(tmp_path / "missing"))
    serve.warm_start()  # no exception: the page shows the error with its own message


def test_the_launcher_runs_streamlit_on_app_py_with_the_given_options(monkeypatch):
    from streamlit.web import cli

    seen = []
    monkeypatch.setattr(cli, "main", lambda: seen.append(list(sys.argv)))
    monkeypatch.setattr(serve, "warm_start", lambda: None)
    monkeypatch.setattr(sys, "argv", ["serve"])
    serve.main(["--server.port", "8600"])
    assert seen == [["streamlit", "run", str(serve.APP), "--server.port", "8600"]]
    assert serve.APP.name == "app.py" and serve.APP.is_file()


def test_warm_start_prints_no_missing_context_warning(monkeypatch, shop_dir):
    import logging

    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    loaders.dataset.clear()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(serve.CONTEXT_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    try:
        worker = threading.Thread(target=serve.warm_start)  # a bare thread, as in the launcher
        worker.start()
        worker.join()
    finally:
        logger.removeHandler(handler)
        loaders.dataset.clear()
    assert not [r for r in records if "ScriptRunContext" in r.getMessage()]
    assert logger.level == level  # the logger's level is given back
