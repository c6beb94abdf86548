"""The offer to explain every customer once (``explain-all``), shown where a population view has
neither batch files to read nor a catalogue small enough to compute on the spot."""

from __future__ import annotations

import streamlit as st

from pages.common import loaders


def offer_explain_all(trained, button_key: str) -> None:
    """Say why the population view is missing and offer a button that writes the batch files
    (progress bar, then a rerun that reads them). ``button_key`` is page-prefixed."""
    st.info(f"This catalogue has {trained.data.n_users:,} customers, too many to explain on the spot. Explain "
            f"every customer once (`python -m core explain-all {trained.run.root}` does the same) and this view "
            "reads the results in a moment from then on.",
            icon=":material/info:")
    if st.button("Explain every customer now", key=button_key):
        bar = st.progress(0.0, text="Explaining every customer…")
        loaders.explain_all(trained, lambda done, total: bar.progress(done / total, text=f"Chunk {done} of {total}"))
        st.rerun()
