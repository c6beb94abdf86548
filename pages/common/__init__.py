"""UI helpers shared by the pages: cached loaders, the sidebar, charts and exports.

Importing this package also makes sure the app runs through ``app.py``'s ``st.navigation``.
Streamlit starts every server in its legacy "pages/ folder" mode because a ``pages/`` folder sits
next to ``app.py``; it leaves that mode only once ``st.navigation`` is called. If the very first
visit after a start is a deep link such as ``/explorer?user=…``, Streamlit would run
``pages/explorer.py`` on its own (no ``app.py``: wrong page list, no wide layout) and stay in
that mode. The first page script to import this package therefore switches the mode off and
reruns, so ``app.py`` runs and routes the link to its page.
"""

from __future__ import annotations


def _leave_legacy_pages_mode() -> None:
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # another Streamlit layout: nothing to do
        return
    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        import streamlit as st

        st.rerun()


_leave_legacy_pages_mode()
