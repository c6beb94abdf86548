"""The shared sidebar: dataset, run and customer pickers, and deep links.

Session-state keys are prefixed ``sidebar_``. Deep links: ``?run=…&user=…&item=…`` (``run`` is the
run's path under the runs folder, e.g. ``sample_data/hm4sr``, or its folder name). A link value is
applied once (when it first appears or changes), then the pickers write the current choice back to
the URL, so a reload shows the same view. An unknown id leaves the picker as it was and shows a
friendly message until the customer is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from core.data import DEFAULT_K_CORE, DataError
from pages.common import job_status, loaders, products, routing

NOTE_KEY = "sidebar_link_note"


def selected_dataset():
    """Render the dataset picker; return the loaded dataset, or None (with a message shown)."""
    routing.leave_legacy_pages_mode()  # every page starts here (see pages/common/routing.py)
    dirs = loaders.data_dirs()
    choice = st.sidebar.selectbox("Dataset", dirs, key="sidebar_dataset",
                                  format_func=lambda p: Path(p).name or p, persist_state="session")
    with st.sidebar.expander("Data settings", icon=":material/tune:"):  # rarely changed: folded away
        k_core = st.number_input("Min. purchases per customer and product", min_value=1,
                                 max_value=50, value=DEFAULT_K_CORE, key="sidebar_k_core", persist_state="session",
                                 help="Customers and products with fewer purchases are left out, as in training "
                                      "(technical name: k-core).")
    try:
        data = loaders.dataset(choice, int(k_core))
    except DataError as exc:
        st.error(f"This dataset cannot be read. {products.text(exc)}")
        return None
    except OSError as exc:
        st.error(f"This dataset cannot be opened: {products.text(exc)}")
        return None
    job_status.sidebar(data)  # training jobs of this dataset: live progress, cancel, resume, on every page
    return data


@contextmanager
def reported(what: str) -> Iterator[None]:
    """Run a page's step; a damaged or missing file (:class:`DataError`, e.g. a ``RunError``) shows its
    message (file, problem, fix) instead of a traceback, and the page stops there (the sidebar stays)."""
    try:
        yield
    except DataError as exc:
        st.error(f"{what} cannot be shown. {products.text(exc)}", icon=":material/error:")
        st.stop()


def link_value(name: str) -> str | None:
    """The URL's ``name`` parameter if it is new (not yet applied nor written by the app), else None."""
    value = st.query_params.get(name)
    seen_key = f"sidebar_seen_{name}"
    if value is None or st.session_state.get(seen_key) == value:
        return None
    st.session_state[seen_key] = value
    return value


def write_link(name: str, value: str | None) -> None:
    """Put the current choice in the URL (so a reload or a shared link shows the same view)."""
    seen_key = f"sidebar_seen_{name}"
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
        st.session_state.pop(seen_key, None)
        return
    if st.query_params.get(name) != value:
        st.query_params[name] = value
    st.session_state[seen_key] = value


def add_note(text: str) -> None:
    """Keep a friendly message about a link on screen until the customer is changed."""
    notes = st.session_state.setdefault(NOTE_KEY, [])
    if text not in notes:
        notes.append(text)


def show_notes() -> None:
    """Show the link messages (called by pages right under their title)."""
    for text in st.session_state.get(NOTE_KEY, []):
        st.warning(text, icon="🔗")


def _clear_notes() -> None:
    st.session_state.pop(NOTE_KEY, None)


def selected_run(data, sync_url: bool = False) -> str | None:
    """Render the run picker for ``data``; return the chosen run directory or None.

    Args:
        data: The selected dataset.
        sync_url: Apply a ``run`` link and write the choice back to the URL.
    """
    runs = job_status.openable_runs(data)  # complete runs, then runs still training with a best epoch so far
    for run_dir, problem in loaders.unreadable_runs():  # listed, not hidden: the user can repair them
        st.sidebar.warning(f"Trained model “{products.text(loaders.run_label(run_dir))}” cannot be read: "
                           f"{products.text(problem)}",
                           icon=":material/build:")
    if not runs:
        st.sidebar.caption("No trained run for this dataset yet.")
        return None
    labels = {r: loaders.run_label(r) for r in runs}
    wanted = link_value("run") if sync_url else None
    if wanted is not None:
        match = [r for r in runs if labels[r] == wanted] or [r for r in runs if Path(r).name == wanted]
        if len(match) == 1:
            st.session_state["sidebar_run"] = match[0]
        else:
            current = st.session_state.get("sidebar_run")
            current = current if current in runs else runs[0]
            known = ", ".join(products.text(label) for label in labels.values())
            add_note(f"The link asks for the trained model “{products.text(wanted)}”, which is not among the models "
                     f"trained on {products.text(data.name)} ({known}). "
                     f"Showing “{products.text(labels[current])}” instead.")
    if st.session_state.get("sidebar_run") not in runs:
        st.session_state.pop("sidebar_run", None)
    choice = st.sidebar.selectbox("Trained model", runs, key="sidebar_run", persist_state="session",
                                  format_func=lambda p: f"{labels[p]}", on_change=_clear_notes,
                                  help="A trained run: the model and the dataset it was trained on.")
    if sync_url:
        write_link("run", labels[choice])
    return choice


def selected_trained(data, sync_url: bool = False):
    """Run picker plus loading; returns the reopened :class:`~core.training.TrainedRun` or None
    (with a message shown when the run cannot be opened)."""
    run_dir = selected_run(data, sync_url=sync_url)
    if run_dir is None:
        return None
    try:
        trained = loaders.trained_run(run_dir, data, loaders.run_stamp(run_dir))
        job_status.training_note(trained)  # "still training — epoch 4 of 15, explanations will change"
        return trained
    except (OSError, ValueError) as exc:  # RunError (a DataError) included: file, problem and fix
        st.error(f"This trained model cannot be opened: {products.text(exc)} Other trained models can be picked in "
                 "the sidebar.")
        return None


def selected_customer(data, sync_url: bool = False) -> str | None:
    """Render the customer search and picker; return the raw user id.

    Part of an id (any case), a segment and a category a customer bought in narrow the customers
    (:func:`core.data.browse.search_customers`, O(customers) per keystroke); the picker lists at most
    :data:`~core.data.browse.MATCH_LIMIT` of them, and the current customer (from a link or an
    earlier choice) always stays in it. Widget keys: ``sidebar_customer_search``,
    ``sidebar_customer_segment``, ``sidebar_customer_category`` and ``sidebar_user`` (the choice).

    Args:
        data: The selected dataset.
        sync_url: Apply a ``user`` link and write the choice back to the URL.
    """
    from core.data.browse import MATCH_LIMIT, search_customers

    key = loaders.data_key(data)
    directory = loaders.customer_directory(data, key)
    segments, categories = loaders.customer_search_choices(data, key)
    if sync_url:
        _follow_link("user", data.find_user, directory["user_id"], "sidebar_user", "customer", data.name)
    current = st.session_state.get("sidebar_user")

    # The picker comes first, high in the sidebar, so its list opens on the first click (at the bottom
    # of a laptop screen the browser scrolled it and the list closed at once); the search that narrows
    # it is folded below. The filters' values are read from the session before their widgets are drawn.
    for name, values in (("sidebar_customer_segment", segments), ("sidebar_customer_category", categories)):
        if st.session_state.get(name, "") not in ("", *values):  # from another dataset
            st.session_state.pop(name, None)
    text = st.session_state.get("sidebar_customer_search", "") or ""
    segment = st.session_state.get("sidebar_customer_segment", "") or ""
    category = st.session_state.get("sidebar_customer_category", "") or ""
    found = search_customers(directory, text, segment, category, current=current, limit=MATCH_LIMIT,
                             locate=data.find_user)
    user = _pick(found, directory, "user_id", "sidebar_user", "customer", current, bool(text or segment or category),
                 help=f"At most {MATCH_LIMIT} customers are listed; type part of an id below, or pick a segment or "
                      "category, to find others.")
    with st.sidebar.expander("Find a customer", expanded=bool(text or segment or category),
                             icon=":material/search:"):
        st.text_input("Part of a customer id", key="sidebar_customer_search", persist_state="session",
                      placeholder="e.g. 042", help="Any part of a customer id, upper or lower case.")
        left, right = st.columns(2)
        left.selectbox("Segment", ["", *segments], key="sidebar_customer_segment", persist_state="session",
                       format_func=lambda s: s or "any",
                       help="The planted persona (sample catalogue), else the category bought most.")
        right.selectbox("Bought in", ["", *categories], key="sidebar_customer_category", persist_state="session",
                        format_func=lambda c: c or "any category",
                        help="Customers who bought at least once in this top-level category.")
    if sync_url:
        write_link("user", user)
    return user


def _follow_link(param: str, locate, ids, state_key: str, noun: str, dataset: str) -> None:
    """Choose the id a link names (query parameter ``param``; found by ``locate``, O(1)), or say why
    it cannot be chosen (``ids``: the directory's ids, three of them quoted as examples)."""
    wanted = link_value(param)
    if wanted is None:
        return
    if locate(wanted) is not None:
        st.session_state[state_key] = wanted
    else:
        add_note(f"No {noun} with the id “{products.text(wanted)}” in {products.text(dataset)}: the link may be "
                 f"from another dataset, or the {noun} has too few purchases to be kept. Pick a {noun} in the "
                 f"sidebar (ids look like {', '.join(products.text(i) for i in ids.iloc[:3])}).")


def _pick(found, directory, id_column: str, state_key: str, noun: str, current: str | None, filtered: bool,
          help: str) -> str:
    """The sidebar picker over a search's matches (``found``: :class:`core.data.browse.Matches`), with
    the caption saying how many match; labels are read from the listed rows only, O(listed)."""
    options = found.ids or directory[id_column].iloc[:1].tolist()  # nothing matches, nothing chosen: the first
    if st.session_state.get(state_key) not in options:
        st.session_state.pop(state_key, None)
    rows = directory.iloc[found.positions or [0], [directory.columns.get_loc(id_column),
                                                   directory.columns.get_loc("label")]]
    labels = dict(zip(rows[id_column], rows["label"]))
    if current in labels and not found.current_matches and filtered:
        labels[current] = f"{labels[current]} (current, not matching)"
    choice = st.sidebar.selectbox(noun.capitalize(), options, key=state_key, format_func=labels.get,
                                  persist_state="session", on_change=_clear_notes, filter_mode="contains", help=help)
    if found.capped:
        st.sidebar.caption(f"Showing {found.listed:,} of {found.total:,} {noun}s — type more to narrow.")
    elif found.total == 0:
        st.sidebar.caption(f"No {noun} matches the search.")
    elif filtered:
        st.sidebar.caption(f"{found.total:,} of {len(directory):,} {noun}s match.")
    return choice


def selected_k() -> int:
    """How many recommendations the customer pages list (K)."""
    return int(st.sidebar.slider("Recommendations per customer (K)", min_value=3, max_value=30, value=10,
                                 key="sidebar_k", persist_state="session"))


def dataset_and_run(train_key: str):
    """The dataset and trained-run pickers every customer page starts with.

    Stops the page when no dataset can be read, or when no run is picked; if the dataset has no
    trained run at all, first offers to train the starter models (button key ``train_key``).

    Returns:
        ``(data, trained)``: the run's dataset (the loaded one; for a ``--split new-items`` run the
        data it trained on, with its own item index) and the reopened run.
    """
    from pages.common import first_run

    data = selected_dataset()
    if data is None:
        st.stop()
    trained = selected_trained(data, sync_url=True)
    if trained is None:
        show_notes()
        if not loaders.run_dirs_for(data):
            first_run.offer_training(data, train_key)
        st.stop()
    return trained.data, trained


def customer_page(train_key: str, notes: bool = True):
    """The pickers a customer page opens with: dataset, trained run, customer and K.

    Args:
        train_key: Button key of the first-run training offer (see :func:`dataset_and_run`).
        notes: Show the link messages right away; the explorer passes False and shows them itself
            once it has checked its own ``item`` link.

    Returns:
        ``(data, trained, user, k)``; the run and customer follow the URL's ``run`` and ``user``.
    """
    data, trained = dataset_and_run(train_key)
    user = selected_customer(data, sync_url=True)
    k = selected_k()
    if notes:
        show_notes()
    return data, trained, user, k


def selected_product(data, sync_url: bool = False) -> str:
    """Render the product search and picker; return the raw item id.

    Part of an id or a title (any case) and a top-level category narrow the products
    (:func:`core.data.browse.search_products`, O(products) per keystroke); the picker lists at most
    :data:`~core.data.browse.MATCH_LIMIT` of them, and the current product (from a link or an earlier
    choice) always stays in it. Widget keys: ``product_search``, ``product_category`` and
    ``product_item`` (the choice).

    Args:
        data: The selected dataset.
        sync_url: Apply an ``item`` link and write the choice back to the URL.
    """
    from core.data.browse import MATCH_LIMIT, search_products

    key = loaders.data_key(data)
    directory = loaders.product_directory(data, key)
    categories = loaders.product_categories(data, key)
    if sync_url:
        _follow_link("item", data.find_item, directory["item_id"], "product_item", "product", data.name)
    current = st.session_state.get("product_item")
    text = st.sidebar.text_input("Find a product", key="product_search", persist_state="session",
                                 placeholder="part of an id or a title",
                                 help="Any part of a product id or title, upper or lower case.")
    if st.session_state.get("product_category", "") not in ("", *categories):  # from another dataset
        st.session_state.pop("product_category", None)
    category = st.sidebar.selectbox("Category", ["", *categories], key="product_category", persist_state="session",
                                    format_func=lambda c: c or "any category",
                                    help="The product's top-level category.")
    found = search_products(directory, text, category, current=current, limit=MATCH_LIMIT, locate=data.find_item)
    item = _pick(found, directory, "item_id", "product_item", "product", current, bool(text or category),
                 help=f"At most {MATCH_LIMIT} products are listed; type part of an id or title or pick a "
                      "category above to find others.")
    if sync_url:
        write_link("item", item)
    return item
