"""Modality Lens dashboard: `streamlit run app.py` (or `make app`).

Deep links: ``/explorer?run=sample_data/hm4sr&user=C0001&item=P0042`` (``/?run=…&user=…`` is sent on to
the explorer too) and ``/product?run=sample_data/hm4sr&item=P0042`` (the product lens);
``?present=1`` presents the deck (``/deck``).
Compare: ``/compare?run=sample_data/hm4sr&kind=segment&a=persona:visual&b=persona:textual`` (``kind``: segment,
customer, product, run or date; subjects ``a`` to ``d``; ``k``; the format is in ``pages/compare.py``).
"""

import streamlit as st

from core.data import DataError

st.set_page_config(page_title="Modality Lens", page_icon="🔎", layout="wide")

overview = st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)
explorer = st.Page("pages/explorer.py", title="Customer explorer", icon=":material/person_search:")
deck = st.Page("pages/deck.py", title="Deck", icon=":material/slideshow:")
# The product's name heads the sidebar as the title of its one section of pages (an st.logo image
# delayed the first page by about 0.5 s: benchmarks/app_cold_start.py).
navigation = st.navigation({"Modality Lens": [
    overview,
    explorer,
    st.Page("pages/product.py", title="Product lens", icon=":material/sell:"),
    st.Page("pages/experts.py", title="Experts & modalities", icon=":material/hub:"),
    st.Page("pages/time_effects.py", title="Time effects", icon=":material/schedule:"),
    st.Page("pages/drift.py", title="Embedding drift", icon=":material/scatter_plot:"),
    st.Page("pages/comparison.py", title="Model comparison", icon=":material/compare_arrows:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    deck,
]})
if navigation.url_path == overview.url_path and ("user" in st.query_params or "item" in st.query_params):
    st.switch_page(explorer, query_params=st.query_params.to_dict())  # a customer link opens the explorer
if st.query_params.get("present") == "1" and navigation.url_path != deck.url_path:
    st.switch_page(deck, query_params={"present": "1"})  # present mode shows the deck, from any page
st.sidebar.caption("Why did the recommender show this item to this customer?")
try:
    navigation.run()
except DataError as exc:  # a damaged file found deep inside a page: its message (file, problem, fix), no traceback
    st.error(f"This view cannot be shown. {exc}", icon=":material/error:")
