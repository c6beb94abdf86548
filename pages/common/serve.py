"""Start the dashboard with the first page's imports warmed up while the browser loads.

``python -m pages.common.serve [streamlit run options]`` is ``streamlit run app.py [options]``
plus a background thread that, once the server listens, imports what the first page needs (numpy,
pandas, Altair, Plotly, the data layer) and loads the first dataset while the browser fetches its frontend;
the first page then skips about 2 s of imports and loading on a 2-core machine. ``make app`` and
``benchmarks/app_cold_start.py`` start the dashboard this way. Torch is not warmed: the Overview
does not need it, and the explorer loads it with the first trained run.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"
WARM_MODULES: tuple[str, ...] = ("numpy", "pandas", "altair", "plotly.graph_objects", "core.data",
                                 "core.data.summary", "core.data.browse", "core.training.run_dir")


def warm_imports(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import ``modules`` (already imported ones cost nothing)."""
    for name in modules:
        importlib.import_module(name)


# Streamlit warns "missing ScriptRunContext! This warning can be ignored..." when a cached function
# runs outside a page, as the warm-up's does by design; a new user should not read that as a fault.
CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def warm_start() -> None:
    """Import the first page's modules, then load the first dataset into the loaders' cache
    (``st.cache_resource`` is process-wide, so the first session finds it there). A dataset that
    cannot be read is left for the page to report."""
    warm_imports()
    from core.data import DEFAULT_K_CORE, DataError
    from pages.common import loaders

    logger = logging.getLogger(CONTEXT_LOGGER)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        loaders.dataset(loaders.data_dirs()[0], DEFAULT_K_CORE)  # the page's call, so the same cache key
    except (DataError, OSError, IndexError):
        pass
    finally:
        logger.setLevel(level)


def warm_when_listening(timeout_s: float = 30.0) -> None:
    """Wait until the dashboard's port accepts connections (at most ``timeout_s``), then :func:`warm_start`.

    Importing while Streamlit itself starts competes with it for the interpreter: the server answered
    0.3 s later and the first page showed 0.4 s later (median of 5 cold starts each, alternating,
    ``benchmarks/app_cold_start.py``'s protocol). Once the server listens, the browser spends about a
    second fetching Streamlit's frontend, which needs little of this process: that is when the imports run.
    """
    import socket
    import time

    import streamlit as st

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        host = st.get_option("server.address") or "127.0.0.1"
        host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # listening everywhere: ask locally
        try:
            with socket.create_connection((host, st.get_option("server.port")), timeout=0.2):
                break
        except OSError:
            time.sleep(0.02)
    warm_start()


def main(argv: list[str] | None = None) -> None:
    """Run ``streamlit run app.py`` with ``argv`` (default: this process's arguments)."""
    from streamlit.web import cli

    threading.Thread(target=warm_when_listening, name="warm-start", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
