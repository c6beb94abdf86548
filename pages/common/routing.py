"""Make sure the app runs through ``app.py``'s ``st.navigation``, even after a deep link.

Streamlit starts every server in its legacy "pages/ folder" mode because a ``pages/`` folder sits
next to ``app.py``; it leaves that mode only once ``st.navigation`` is called. If the very first
visit after a start is a deep link such as ``/explorer?user=…``, Streamlit would run
``pages/explorer.py`` on its own (no ``app.py``: wrong page list, no wide layout) and stay in
that mode. Every page's first sidebar call (:func:`pages.common.sidebar.selected_dataset`)
therefore runs :func:`leave_legacy_pages_mode`, which switches the mode off and reruns, so
``app.py`` runs and routes the link to its page. (It used to run on importing ``pages.common``;
a call is explicit and does not depend on who imported the package first.)
"""

from __future__ import annotations

import streamlit as st


def leave_legacy_pages_mode() -> None:
    """Leave Streamlit's pages/-folder mode and rerun through ``app.py``.

    Acts once per server process, in the first page run that reaches it (Streamlit's mode flag is
    per process too; ``streamlit.testing``'s AppTest resets it on every run, where a second
    rerun would swallow a button click).
    """
    if _DONE:
        return
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # another Streamlit layout: nothing to do
        _DONE.append(True)
        return
    if get_script_run_ctx() is None:
        return
    _DONE.append(True)
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_DONE: list[bool] = []  # the once-per-process latch (Streamlit's own flag is process-wide as well)
