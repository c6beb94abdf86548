"""Compare: 2 to 4 customer segments, customers, products, trained models or dates side by side, in the
one attribution every page shows (each score = the average product's score + one signed lead per
part), each with its sentence, plus one sentence on the difference and whether it is more than noise.

Deep links reopen a view exactly: ``/compare?run=<run>&kind=<kind>&a=<subject>&b=<subject>[&c=…][&d=…][&k=<K>]``

- ``kind=segment``: ``persona:visual``, ``category:Dresses`` or a customer list ``list:VIP=C0001,C0002``
  (up to 500 ids; longer lists stay in the session);
- ``kind=customer``: customer ids (``a=C0001&b=C0002``); ``kind=product``: product ids;
- ``kind=run``: trained models of the same dataset (``a=sample_data/hm4sr&b=sample_data/stair``);
- ``kind=date``: "now" dates of the run picked in the sidebar (``a=2024-11-01&b=2024-12-01``);
- ``part``: the part the difference sentence is about (``part=image``; default: the largest gap).

For example ``/compare?run=sample_data/hm4sr&kind=segment&a=persona:visual&b=persona:textual``.
A value that names nothing here leaves a plain note and the page falls back to its defaults.
"""

from __future__ import annotations

import streamlit as st

from core.explain.sentences import difference_row_sentence
from core.explain.words import pct, share_points
from pages.common import charts, compare_pickers, export, labels, loaders, products, sidebar

st.title("Compare")
compare_pickers.apply_k_link()
data, trained = sidebar.dataset_and_run("compare_train")
k = sidebar.selected_k()
key = loaders.run_key(trained)
kind = compare_pickers.selected_kind()
subjects = compare_pickers.selected_subjects(kind, data, trained, key)
sidebar.show_notes()
if len(subjects) < 2:
    export.note(text="Pick at least two to compare: the picker above takes 2 to 4.")
    st.stop()
rows = compare_pickers.subject_frames(kind, subjects, data, trained, key, k)
if rows.note is not None:
    st.info(products.text(rows.note), icon=":material/join_inner:")
if len(rows.frames) < 2:
    export.note(text="Fewer than two of the picked subjects can be shown; pick others above.")
    st.stop()
if len(rows.parts) < 2:
    export.note(text=f"This model ({trained.info.get('model', 'this model')}) gives one undivided score, with no "
                     "split by modality to compare. Pick a model with parts (HM4SR, STAIR) in the sidebar.")
    st.stop()
result = loaders.comparison(rows.frames, rows.parts, rows.unit, rows.paired)
k_shown = rows.k or k
unit_header = rows.unit.capitalize()
names = rows.names  # short names for charts and tables; the sentences use the full labels

order = result.differences["part"].tolist()  # the largest gap first
wanted = sidebar.link_value("part")
if wanted is not None and wanted in order:
    st.session_state["compare_part"] = wanted
elif wanted is not None:
    st.warning(f"The link's part “{products.text(wanted)}” is not compared here; the sentence is about "
               f"{products.text(labels.part_label(order[0]).lower())}, the largest gap.", icon="🔗")
if st.session_state.get("compare_part") not in order:
    st.session_state.pop("compare_part", None)
left, right = st.columns([3, 1])
part = right.selectbox("The sentence is about", order, format_func=labels.part_label, key="compare_part",
                       help="The part of the score whose difference the sentence states; first: the largest gap.")
sidebar.write_link("part", part)
sentence = difference_row_sentence(result.differences.iloc[order.index(part)], rows.unit)
left.markdown(f"**{products.text(sentence)}**")
how = ("the same customers, resampled together" if rows.paired else "each group resampled on its own")
st.caption(f"Intervals: 95% bootstrap over the {rows.unit} ({how}); an interval that holds 0 is within noise. "
           f"Lists of {k_shown} products.")

wide = result.subjects.pivot(index="subject", columns="part", values=["share", "low", "high", "lift"]).reindex(
    list(rows.frames))
wide.columns = [f"{measure}_{part}" for measure, part in wide.columns]
wide = wide.reset_index().assign(subject=lambda f: f["subject"].map(names))
tab_shares, tab_points, tab_tables = st.tabs(["Shares", "Points", "Tables"])
versus = " vs ".join(products.plotly_text(n) for n in wide["subject"])  # a slide's title names what it compares
export.chart(charts.compare_shares(wide, rows.parts, f"What sets the recommendations apart: {versus}"),
             "compare_shares", "Average signed share of each part, one bar per subject on one axis; right of 0: for "
                               "the products, left: against; the whisker at the end of a part's bar: how much longer "
                               "or shorter it could be (95% interval). The same parts have the same colours on every "
                               "page.",
             tab_shares, sentence="\n".join([sentence, *result.sentences]))
tab_shares.markdown("\n".join(f"- {products.text(s)}" for s in result.sentences))
export.chart(charts.compare_lifts(wide, rows.parts, f"What each part adds: {versus}"), "compare_lifts",
             "Points above an average product, averaged over each subject's recommendations; the same numbers as "
             "every single explanation.", tab_points)

differences = result.differences.assign(
    part_label=result.differences["part"].map(labels.part_label),
    more_label=result.differences["more"].map(names), less_label=result.differences["less"].map(names),
    gap_points=[int(share_points(v)) for v in result.differences["gap"]],
    interval=[f"{share_points(lo)} to {share_points(hi)}"
              for lo, hi in zip(result.differences["low"], result.differences["high"])],
    noise=["Yes" if v else "No" for v in result.differences["within_noise"]])
tab_tables.markdown(f"**{products.text(sentence)}**")
export.table(differences, "compare_differences_table",
             "For each part: who takes the most and the least of it, the gap in percentage points and its 95% "
             "interval (the sentence above says one row).", f"compare {kind} differences", tab_tables,
             sentence=sentence,
             column_order=["part_label", "more_label", "less_label", "gap_points", "interval", "noise"],
             column_config={"part_label": st.column_config.TextColumn("Part of the score"),
                            "more_label": st.column_config.TextColumn("Takes the most"),
                            "less_label": st.column_config.TextColumn("Takes the least"),
                            "gap_points": st.column_config.NumberColumn(
                                "Gap (points)", format="%d", help="Percentage points between the two average "
                                                                  "shares (technical name: gap)."),
                            "interval": st.column_config.TextColumn(
                                "95% interval", help="The gap's 95% bootstrap interval, percentage points "
                                                     "(technical names: low, high)."),
                            "noise": st.column_config.TextColumn("Within noise",
                                                                 help="Yes when the interval holds 0: these "
                                                                      f"{rows.unit} do not tell the two apart.")})
per_subject = result.subjects.assign(
    subject_label=result.subjects["subject"].map(names), part_label=result.subjects["part"].map(labels.part_label),
    share_pct=(100.0 * result.subjects["share"]).round(),
    interval=[f"{pct(lo)} to {pct(hi)}" for lo, hi in zip(result.subjects["low"], result.subjects["high"])])
export.table(per_subject, "compare_subjects_table", f"Each subject's average share and lead per part, over its "
                                                    f"{rows.unit}.", f"compare {kind} subjects", tab_tables,
             sentence="\n".join(result.sentences),
             column_order=["subject_label", "part_label", "share_pct", "interval", "lift", "units"],
             column_config={"subject_label": st.column_config.TextColumn("Compared", width="medium"),
                            "part_label": st.column_config.TextColumn("Part of the score", width="medium"),
                            "share_pct": st.column_config.NumberColumn(
                                "Share of the lead (%)", format="%d%%",
                                help=labels.GLOSSARY["Share of the lead (%)"] + " Averaged; technical name: share."),
                            "interval": st.column_config.TextColumn("95% interval", width="small",
                                                                    help="Bootstrap interval of the average share."),
                            "lift": st.column_config.NumberColumn("Lead (points)", format="%+.2f",
                                                                  help=labels.GLOSSARY["Lead (points)"]
                                                                  + " Averaged; technical name: lift."),
                            "units": st.column_config.NumberColumn(unit_header, format="%d")})
labels.glossary()
