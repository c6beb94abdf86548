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
    monkeypatch.setattr(serve, "warm_when_listening", lambda: None)
    monkeypatch.setattr(sys, "argv", ["serve"])
    serve.main(["--server.port", "8600"])
    assert seen == [["streamlit", "run", str(serve.APP), "--server.port", "8600"]]
    assert serve.APP.name == "app.py" and serve.APP.is_file()


def test_the_warm_up_waits_until_the_server_listens(monkeypatch):
    import socket

    from streamlit import config

    warmed = threading.Event()
    monkeypatch.setattr(serve, "warm_start", warmed.set)
    before = {name: config.get_option(name) for name in ("server.port", "server.address")}
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        config.set_option("server.port", server.getsockname()[1])
        config.set_option("server.address", "127.0.0.1")
        try:
            worker = threading.Thread(target=serve.warm_when_listening, daemon=True)
            worker.start()
            assert not warmed.wait(0.5)  # the port is bound but not listening: no imports yet
            server.listen()
            assert warmed.wait(5)
            worker.join(5)
        finally:
            for name, value in before.items():
                config.set_option(name, value)


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


def test_the_overview_opens_without_loading_torch(shop_dir, tmp_path):
    """The first page a fresh dashboard shows never imports torch (about 3 s on 2 cores): only the
    pages that open a trained model do (issue 30, cold start). Run in a fresh interpreter."""
    import subprocess
    from pathlib import Path

    probe = ("import sys\n"
             "from streamlit.testing.v1 import AppTest\n"
             f"at = AppTest.from_file({str(serve.APP)!r}, default_timeout=120).run()\n"
             "assert not at.exception, at.exception\n"
             "assert at.title[0].value == 'Overview'\n"
             "print('TORCH', 'torch' in sys.modules)\n")
    env = {"MODALITY_LENS_DATA": str(shop_dir), "MODALITY_LENS_RUNS": str(tmp_path / "no_runs"), "PATH": ""}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                          cwd=Path(serve.APP).parent, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("TORCH False"), done.stdout[-500:]


def test_functions_named_like_their_module_stay_functions_after_the_module_is_imported():
    """core.explain loads lazily; importing its submodule ``gates``/``evidence`` must not replace the
    public function of the same name (``core.explain.gates(...)``) with the module."""
    import subprocess
    from pathlib import Path

    probe = ("import types\n"
             "import core.explain.gates, core.explain.evidence\n"
             "import core.explain as explain\n"
             "from core.explain import evidence\n"
             "assert callable(explain.gates) and not isinstance(explain.gates, types.ModuleType)\n"
             "assert callable(evidence) and evidence is explain.evidence\n"
             "print('OK')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                          cwd=Path(serve.APP).parent)
    assert done.returncode == 0 and done.stdout.strip() == "OK", done.stderr[-2000:]
