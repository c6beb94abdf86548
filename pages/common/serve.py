"""Start the dashboard with the first page's imports warmed up while the browser loads.

``python -m pages.common.serve [streamlit run options]`` is ``streamlit run app.py [options]``
plus a background thread that imports what the first page needs (numpy, pandas, Plotly, the data
layer) while Streamlit starts and the browser fetches its frontend; the first
page then skips about 1.3 s of imports on a 2-core machine. ``make app`` and
``benchmarks/app_cold_start.py`` start the dashboard this way. Torch is not warmed: the Overview
does not need it, and the explorer loads it with the first trained run.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"
WARM_MODULES: tuple[str, ...] = ("numpy", "pandas", "plotly.graph_objects", "core.data", "core.data.summary",
                                 "core.data.browse", "core.training.run_dir")


def warm_imports(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import ``modules`` (already imported ones cost nothing)."""
    for name in modules:
        importlib.import_module(name)


def main(argv: list[str] | None = None) -> None:
    """Run ``streamlit run app.py`` with ``argv`` (default: this process's arguments)."""
    from streamlit.web import cli

    threading.Thread(target=warm_imports, name="warm-imports", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
