"""The dashboard's server settings (.streamlit/config.toml, read by `streamlit run app.py`)."""

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_file_watcher_is_off():
    # Streamlit's source watcher kept a core at 100 % while a tab was open, halving in-app training.
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["fileWatcherType"] == "none"
    assert server["runOnSave"] is False
