"""The Compare page's pickers and deep links (UI only; the comparison is :mod:`core.explain.compare_subjects`).

Link: ``/compare?run=<run>&kind=<kind>&a=<subject>&b=<subject>[&c=…][&d=…][&k=<K>]``, where ``kind``
is ``segment``, ``customer``, ``product``, ``run`` or ``date`` and a subject is written as
:func:`subject_hint` says (``persona:visual``, ``category:Dresses``, ``list:VIP=C0001,C0002``, a
customer id, a product id, a run such as ``sample_data/stair``, a date ``2024-11-01``). A link value
is applied once, as the sidebar's are (:func:`pages.common.sidebar.link_value`); the pickers then
write the current view back to the URL, so a reload or a deck's link reopens it. A value that names
nothing here leaves a plain note (:func:`pages.common.sidebar.add_note`) naming the field and the fix,
and the pickers fall back to the defaults. Session-state keys are prefixed ``compare_``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.explain.compare_subjects import (
    KINDS,
    LINK_LIST_LIMIT,
    MAX_SUBJECTS,
    customer_lists,
    date_label,
    date_link,
    family_frame,
    list_link,
    month_starts,
    parse_date,
    parse_list,
    segment_choices,
    segment_label,
    segment_members,
    shared_parts,
)
from core.explain.words import capital, count, day
from pages.common import loaders, products, sidebar

LETTERS = ("a", "b", "c", "d")
HINTS = {"segment": "“persona:visual”, “category:Dresses” or “list:VIP=C0001,C0002”",
         "customer": "a customer id such as “{example}”", "product": "a product id such as “{example}”",
         "run": "a trained model such as “{example}”", "date": "a date such as “2024-11-01”"}
LISTS_KEY = "compare_lists"  # pasted customer lists offered as segments: spec -> label


@dataclass(frozen=True)
class Rows:
    """The compared subjects' rows (:func:`subject_frames`).

    Attributes:
        frames: Subject label (as it reads in a sentence) -> its rows with ``share_<p>``, ``lift_<p>``.
        parts: The parts (or families) compared.
        unit: What a row is ("customers", "recommended products").
        paired: The subjects are the same customers (runs, dates).
        note: The sentence saying the runs are compared on the families they share, or None.
        names: Subject label -> its short name for charts and tables ("sample_data/stair", "1 Dec 2024").
        k: The list length the rows come from (a product's audience may be read at the batch files' K).
    """

    frames: dict[str, pd.DataFrame]
    parts: tuple[str, ...]
    unit: str
    paired: bool
    note: str | None
    names: dict[str, str]
    k: int | None = None


def apply_k_link() -> None:
    """Apply a link's ``k`` (3 to 30) to the sidebar's K slider before it is drawn, or note why not."""
    wanted = sidebar.link_value("k")
    if wanted is None:
        return
    if wanted.isdigit() and 3 <= int(wanted) <= 30:
        st.session_state["sidebar_k"] = int(wanted)
    else:
        sidebar.add_note(f"The link's list length k = “{products.text(wanted)}” is not a whole number from 3 to 30; "
                         "the slider in the sidebar keeps its value.")


def selected_kind() -> str:
    """Apply a ``kind`` link, draw the kind picker (``compare_kind``) and write the kind back to the URL."""
    wanted = sidebar.link_value("kind")
    if wanted is not None:
        if wanted in KINDS:
            st.session_state["compare_kind"] = wanted
        else:
            shown = KINDS.get(st.session_state.get("compare_kind"), KINDS["segment"]).lower()
            sidebar.add_note(f"The link's kind “{products.text(wanted)}” is not one this page compares "
                             f"({', '.join(KINDS)}); showing {shown} instead.")
    if st.session_state.get("compare_kind") not in KINDS:
        st.session_state["compare_kind"] = "segment"
    kind = st.segmented_control("Compare", list(KINDS), format_func=KINDS.get, key="compare_kind", required=True,
                                help="What to put side by side: 2 to 4 of one kind.")
    sidebar.write_link("kind", kind)
    return kind


def choices(kind: str, data, trained, key) -> tuple[list[str], dict[str, str], list[str]]:
    """The options of the subject picker of ``kind``: ``(options, labels, defaults)``.

    Customers and products list at most :data:`core.data.browse.MATCH_LIMIT` ids (more can be typed).
    """
    from core.data.browse import MATCH_LIMIT

    dkey = loaders.data_key(data)
    if kind == "segment":
        options = segment_choices(loaders.segment_table(trained, key)) + list(st.session_state.get(LISTS_KEY, {}))
        labels = {o: _segment_text(o) for o in options}
        personas = [o for o in options if o.startswith("persona:")]
        return options, labels, (personas or options)[:2]
    if kind == "customer":
        ids = loaders.customer_directory(data, dkey)["user_id"].iloc[:MATCH_LIMIT].tolist()
        return ids, {i: i for i in ids}, ids[:2]
    if kind == "product":
        directory = loaders.product_directory(data, dkey)
        top = directory.sort_values("purchases", ascending=False, kind="stable").iloc[:MATCH_LIMIT]
        return top["item_id"].tolist(), dict(zip(top["item_id"], top["label"])), top["item_id"].iloc[:2].tolist()
    if kind == "run":
        labels = {loaders.run_label(r): loaders.run_label(r) for r in loaders.run_dirs_for(data)}
        return list(labels), labels, list(labels)[:2]
    months = [date_link(t) for t in month_starts(data.flat_times)]
    last = int(data.flat_times.max())
    known = [m for m in months if parse_date(m) <= last] or months
    return months, {m: day(parse_date(m)) for m in months}, known[-2:]


def _segment_text(spec: str) -> str:
    label = segment_label(spec)
    if spec.startswith("list:"):
        label += f" ({count(len(parse_list(spec[5:])[1]))} customers)"
    return capital(label)


def problem(kind: str, value: str, data, trained, key, options: list[str]) -> str | None:
    """Why ``value`` names no subject of ``kind`` here (None when it does), with the fix."""
    if kind == "segment":
        try:
            segment_members(loaders.segment_table(trained, key), value)
        except ValueError as exc:
            return str(exc)
        return None
    if kind == "customer":
        return None if data.find_user(value) is not None else f"no customer has the id “{value}” in {data.name}"
    if kind == "product":
        return None if data.find_item(value) is not None else f"no product has the id “{value}” in {data.name}"
    if kind == "run":
        return None if value in options else (f"no trained model “{value}” was trained on {data.name} "
                                              f"(they are {', '.join(options)})")
    try:
        parse_date(value)
    except ValueError as exc:
        return str(exc)
    return None


def selected_subjects(kind: str, data, trained, key) -> list[str]:
    """Apply a link's subjects (``a`` to ``d``), draw the subject picker (``compare_<kind>``), write the
    choice back to the URL and return the valid subjects (2 to 4 when the page has them)."""
    options, labels, defaults = choices(kind, data, trained, key)
    state = f"compare_{kind}"
    fresh = [sidebar.link_value(letter) for letter in LETTERS]  # every letter: each is marked as applied
    if any(v is not None for v in fresh):
        wanted = [st.query_params[letter] for letter in LETTERS if letter in st.query_params]
        chosen = []
        for letter, value in zip(LETTERS, wanted):
            why = problem(kind, value, data, trained, key, options)
            if why is None:
                chosen.append(value)
            else:
                hint = HINTS[kind].format(example=(options or ["?"])[0])
                sidebar.add_note(f"The link's subject {letter} = “{products.text(value)}” cannot be shown: "
                                 f"{products.text(why)}. A subject here is {products.text(hint)}.")
        chosen = list(dict.fromkeys(chosen))
        chosen += [d for d in defaults if d not in chosen][:max(0, 2 - len(chosen))]
        st.session_state[state] = chosen
        if kind == "segment":
            st.session_state.setdefault(LISTS_KEY, {}).update({c: _segment_text(c) for c in chosen
                                                               if c.startswith("list:")})
    current = [v for v in st.session_state.get(state, defaults) if isinstance(v, str)]
    options = list(dict.fromkeys([*current, *options]))
    labels = {**labels, **{c: _segment_text(c) if kind == "segment" else labels.get(c, c) for c in current
                           if c not in labels}}
    st.session_state[state] = current
    picked = st.multiselect(f"{KINDS[kind]} to compare (2 to {MAX_SUBJECTS})", options, key=state,
                            max_selections=MAX_SUBJECTS, accept_new_options=kind in ("customer", "product", "date"),
                            format_func=lambda o: labels.get(o, o), on_change=_clear_notes,
                            help=f"Pick or type {HINTS[kind].format(example=(options or ['?'])[0])}.")
    if kind == "segment":
        _list_input(data)
    valid = []
    for value in picked:
        why = problem(kind, value, data, trained, key, options if kind == "run" else [])
        if why is None:
            valid.append(value)
        else:
            st.warning(f"“{products.text(value)}” is left out: {products.text(why)}.", icon=":material/info:")
    linked = [v for v in valid if not v.startswith("list:") or list_link(*parse_list(v[5:])) is not None]
    for letter, value in zip(LETTERS, [*linked, None, None, None, None]):
        sidebar.write_link(letter, value)
    return valid


def _clear_notes() -> None:
    st.session_state.pop(sidebar.NOTE_KEY, None)


def _list_input(data) -> None:
    """Paste or upload customer lists (CSV: ``user_id`` and optionally ``list``); each becomes a segment."""
    with st.expander("Compare your own customer lists", icon=":material/upload_file:"):
        st.text_area("Customer ids, one per line (a second column names the list)", key="compare_list_text",
                     placeholder="user_id,list\nC0001,VIP\nC0002,VIP\nC0010,Newsletter", height=120)
        st.file_uploader("…or a CSV file", type=["csv", "txt"], key="compare_list_file")
        st.button("Compare these lists", key="compare_list_add", on_click=_add_lists, args=(data,))
        st.caption(f"Lists of up to {count(LINK_LIST_LIMIT)} customers travel in the page's link; longer ones "
                   "stay in this browser session only.")


def _add_lists(data) -> None:
    """Read the pasted or uploaded lists and make them the compared segments (a button's callback)."""
    upload = st.session_state.get("compare_list_file")
    text = upload.getvalue().decode("utf-8", errors="replace") if upload is not None else \
        st.session_state.get("compare_list_text", "")
    try:
        lists, unknown = customer_lists(text or "", loaders.customer_directory(data, loaders.data_key(data))
                                        .set_index("user_id").index)
    except ValueError as exc:
        sidebar.add_note(f"The customer list cannot be read: {products.text(exc)}.")
        return
    if unknown:
        shown = ", ".join(f"“{products.text(u)}”" for u in unknown[:5])
        sidebar.add_note(f"{count(len(unknown))} id(s) of the list are not customers of {products.text(data.name)} "
                         f"and are left out: {shown}{'…' if len(unknown) > 5 else ''}.")
    specs = [list_link(name, ids) or f"list:{name}={','.join(ids)}" for name, ids in lists.items()]
    st.session_state.setdefault(LISTS_KEY, {}).update({s: _segment_text(s) for s in specs})
    st.session_state["compare_segment"] = specs[:MAX_SUBJECTS]


def subject_frames(kind: str, subjects: list[str], data, trained, key, k: int) -> Rows:
    """Each subject's rows (``share_<p>`` and ``lift_<p>`` columns) from the cached loaders, labelled as
    they read inside a sentence. A subject with no rows is left out with a warning; a population the
    catalogue is too large to explain on the spot offers ``explain-all`` and stops the page."""
    parts = loaders.part_names(trained, key)
    if kind == "customer":
        frames = {f"{u}'s top {k}": loaders.recommendations(trained, key, u, k) for u in subjects}
        return _non_empty(Rows(frames, parts, "recommended products", False, None, dict(zip(frames, subjects))))
    if kind == "product":
        frames, k_used = {}, k
        titles = loaders.product_directory(data, loaders.data_key(data)).set_index("item_id")["title"]
        for item in subjects:
            audience, k_used = loaders.product_audience(trained, key, item, k)
            if audience is None:
                _offer_batch(trained)
            frames[f"customers who get {titles.get(item, item)}"] = audience
        names = {label: f"{titles.get(item, item)} ({item})" for label, item in zip(frames, subjects)}
        return _non_empty(Rows(frames, parts, "customers", False, None, names, k_used))
    if kind == "run":
        return _non_empty(_run_rows(subjects, data, k))
    if kind == "date":
        from core.explain.batch import LIVE_LIMIT

        if data.n_users > LIVE_LIMIT:
            st.caption(f"Each date is scored on a fixed random sample of {count(LIVE_LIMIT)} of the "
                       f"{count(data.n_users)} customers.")
        frames = {date_label(parse_date(d)): loaders.population_at(trained, key, parse_date(d), k) for d in subjects}
        names = {label: day(parse_date(d)) for label, d in zip(frames, subjects)}
        return _non_empty(Rows(frames, parts, "customers", True, None, names))
    population = _population(trained, key, k)
    table = loaders.segment_table(trained, key)
    frames = {segment_label(s): population[population["user_id"].isin(segment_members(table, s))] for s in subjects}
    return _non_empty(Rows(frames, parts, "customers", False, None, {f: capital(f) for f in frames}))


def _population(trained, key, k: int):
    with sidebar.reported("The population view"):
        population = loaders.population_shares(trained, key, k)
    if population is None:
        _offer_batch(trained)
    return population


def _offer_batch(trained) -> None:
    from pages.common import batch_offer

    batch_offer.offer_explain_all(trained, "compare_explain_all")
    st.stop()


def _run_rows(labels: list[str], data, k: int) -> Rows:
    """Every customer under each run, on the parts they share (:func:`core.explain.compare_subjects.shared_parts`)."""
    dirs = {loaders.run_label(r): r for r in loaders.run_dirs_for(data)}
    opened = {}
    for label in labels:
        try:
            opened[label] = loaders.trained_run(dirs[label], data, loaders.run_stamp(dirs[label]))
        except (OSError, ValueError) as exc:
            st.warning(f"The trained model “{products.text(label)}” is left out: {products.text(exc)}",
                       icon=":material/info:")
    shared = shared_parts({label: loaders.part_names(run, loaders.run_key(run)) for label, run in opened.items()})
    for label in shared.left_out:
        st.warning(f"“{products.text(label)}” is left out: its model gives one undivided score, with no split into "
                   "product content and purchase behaviour to compare.", icon=":material/info:")
    frames, names = {}, _run_names(opened)
    for label, run in opened.items():
        if label in shared.left_out:
            continue
        rows = _population(run, loaders.run_key(run), k)
        frames[f"customers under {names[label]}"] = family_frame(rows, loaders.part_names(run, loaders.run_key(run))) \
            if shared.families else rows
    return Rows(frames, shared.parts, "customers", True, shared.note,
                {f"customers under {names[r]}": names[r] for r in opened})


def _run_names(opened: dict) -> dict[str, str]:
    """Each run's name as a marketer reads it: its model ("HM4SR"), with the run's id beside it when two of the
    compared runs hold the same model ("HM4SR (shop/hm4sr-long)")."""
    from core.models import model_title

    models = {label: model_title(run.info.get("model")) or label for label, run in opened.items()}
    counts = Counter(models.values())
    return {label: name if counts[name] == 1 else f"{name} ({label})" for label, name in models.items()}


def _non_empty(rows: Rows) -> Rows:
    empty = [label for label, frame in rows.frames.items() if frame is None or len(frame) == 0]
    for label in empty:
        st.warning(f"“{products.text(capital(label))}” is left out: there is no {rows.unit[:-1]} in "
                   "it to compare.", icon=":material/info:")
    return Rows({s: f for s, f in rows.frames.items() if s not in empty}, rows.parts, rows.unit, rows.paired,
                rows.note, rows.names, rows.k)
