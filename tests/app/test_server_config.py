"""The dashboard's server settings (.streamlit/config.toml, read by `streamlit run app.py`)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_OPTIONS = """
import json
from streamlit import config
config.get_config_options(force_reparse=True)
print(json.dumps({name: config.get_option(name) for name in
                  ("server.fileWatcherType", "server.runOnSave", "runner.postScriptGC", "server.address",
                  "server.maxUploadSize", "server.enableXsrfProtection")}))
"""


def streamlit_options() -> dict:
    """The options as Streamlit itself reads them from the repository root (a misspelt key in
    config.toml would be ignored there and show its default here)."""
    out = subprocess.run([sys.executable, "-c", READ_OPTIONS], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_streamlit_reads_the_speed_settings():
    options = streamlit_options()
    # The source watcher kept a core at 100 % while a tab was open, halving in-app training.
    assert options["server.fileWatcherType"] == "none"
    assert options["server.runOnSave"] is False
    # The forced full collection after every run cost 0.3-0.4 s per re-render with torch loaded.
    assert options["runner.postScriptGC"] is False


def test_streamlit_reads_the_shared_server_settings():
    options = streamlit_options()
    assert options["server.address"] == "127.0.0.1"  # this machine only; a proxy shares it (docs/scale.md)
    assert options["server.maxUploadSize"] == 10  # MB
    assert options["server.enableXsrfProtection"] is True
