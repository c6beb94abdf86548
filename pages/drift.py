"""Embedding drift: where the products sit in the model's space epoch by epoch, how far training moved
them away from their content, and (when both runs exist) STAIR with vs without backward smoothing."""

from __future__ import annotations

import streamlit as st

from core.explain.screen_sentences import bsc_sentence, drift_sentence, steps_sentence
from core.explain.words import count, pct
from pages.common import drift_charts, drift_loaders, export, loaders, products, sidebar

METHOD_NAMES = {"pca": "Straight-line view (PCA, every epoch, instant)",
                "umap": "Neighbourhood view (aligned UMAP, a few epochs)"}

st.title("Embedding drift")
data, trained = sidebar.dataset_and_run("drift_train")
sidebar.show_notes()
run_dir = str(trained.run.root)
model_name = trained.info.get("model", "this model")
st.caption("While a model trains, every product gets a position in the model's own space (its embedding). "
           "This page follows those positions from before training to the last epoch.")
with sidebar.reported("The drift views"):
    has_snapshots = drift_loaders.has_snapshots(trained)
if not has_snapshots:
    export.note(text=f"This model ({model_name}) has no product embeddings that change during training, so there "
                     "is no drift to show. Pick a model such as STAIR, HM4SR, SASRec or LightGCN in the sidebar.")
    st.stop()

key = drift_loaders.drift_key(run_dir)
labels = drift_loaders.item_labels(data, loaders.data_key(data))
colour_options = [c for c in labels.columns if c not in ("item_id", "title")]

with sidebar.reported("The drift measures"):
    stats = drift_loaders.drift_statistics(trained, run_dir, key)

# ----------------------------------------------------------------------------- positions
st.subheader("Where the products sit, epoch by epoch")
left, right = st.columns([2, 1])
umap_ready = drift_loaders.umap_ready(run_dir)
method = "pca"
if umap_ready:  # a choice only when there are two views to choose from
    method = left.radio("View", ["pca", "umap"], format_func=METHOD_NAMES.get, key="drift_method", horizontal=True)
else:
    left.caption("The map below is the straight-line view (PCA, every epoch). A neighbourhood view (aligned UMAP) "
                 "keeps close products close but takes a few minutes to compute once per run (or run "
                 "`python -m core drift RUN_DIR --umap` beforehand).")
    if left.button("Compute the neighbourhood view (a few minutes)", key="drift_umap_compute"):
        with st.spinner("Computing the aligned UMAP of a few epochs… (this happens once per run)"):
            drift_loaders.projection(trained, run_dir, key, "umap")
        st.rerun()
colour = right.selectbox("Colour products by", colour_options, format_func=drift_charts.colour_name, key="drift_colour")
with sidebar.reported("The drift views"):
    proj = drift_loaders.projection(trained, run_dir, key, method)
epochs = sorted(int(e) for e in proj["epoch"].unique())
followed = proj["item_id"].nunique()
if followed < data.n_items:
    st.caption(f"This run follows {followed:,} of its {data.n_items:,} products: a fixed sample drawn when training "
               "started, evenly across best-sellers and the long tail. The maps and measures below cover those "
               "products.")
if st.session_state.get("drift_epoch") not in epochs:
    st.session_state.pop("drift_epoch", None)
epoch = st.select_slider("Epoch", epochs, value=epochs[-1], key="drift_epoch", format_func=drift_charts.epoch_name,
                         help="0 is the starting point (for STAIR and HM4SR: the product content).")
at_epoch = stats.loc[stats["epoch"] == epoch]
if len(at_epoch) and epoch > 0:
    kept = float(at_epoch["knn_overlap_init"].iloc[0])
    where = (f"{count(followed)} products {drift_charts.epoch_name(epoch)}: {pct(kept)} of each product's nearest "
             "products were already its nearest before training.")
else:
    where = f"{count(followed)} products before training: where their content (or their random start) puts them."
st.markdown(f"**{where}**")
export.chart(drift_charts.embedding_map(proj, labels, epoch, colour, method,
                                 f"Products {drift_charts.epoch_name(epoch)} — {model_name}"), "drift_projection",
             "Each dot is a product; products the model finds similar sit close together. The axes stay the same "
             "for every epoch, so a dot that moves when you change the epoch really changed.", sentence=where)

# ----------------------------------------------------------------------------- curves
st.subheader("How far training moved the products")
last = stats.iloc[-1]
content = float(last["knn_overlap_content"]) if "knn_overlap_content" in stats else None
cols = st.columns(3)
for col, column in zip(cols, ["mean_cosine_to_init", "knn_overlap_init", "knn_overlap_content"]):
    if column in stats:
        header, help_text, _ = drift_loaders.stat_header(column)
        col.metric(header.removesuffix(" (%)"), pct(last[column]), help=help_text)
left, right = st.columns([3, 2])
sentence = drift_sentence(model_name, int(last["epoch"]), float(last["mean_cosine_to_init"]),
                          float(last["knn_overlap_init"]), content)
export.chart(drift_charts.drift_curves(stats, f"What each product keeps of its start and its content — {model_name}"),
             "drift_curves",
             "Lines near 100% mean training kept products where their start (and their text and image) put them; "
             "falling lines mean the model moved them to follow purchases instead.", left, sentence=sentence)
right.markdown(f"**{products.text(sentence)}**")
steps = stats.dropna(subset=["mean_step"])
left, right = st.columns([3, 2])
if len(steps):
    moved = steps_sentence(steps["epoch"].tolist(), steps["mean_step"].tolist())
    export.chart(drift_charts.drift_steps(stats, f"How far products moved in each epoch — {model_name}"), "drift_steps",
                 "Tall bars: training still moves products a lot; shrinking bars: the model is settling.", left,
                 sentence=moved)
    right.markdown(f"**{products.text(moved)}**")
else:
    st.markdown("**Only the starting point is stored, so there is no movement per epoch to show.**")
with st.expander("Drift measures per epoch (table)"):
    shown, config = drift_loaders.stat_table(stats)
    export.table(shown, "drift_stats_table", "Drift measures per epoch (shares in %; distances in embedding units).",
                 f"drift {trained.name}", column_config=config, sentence=sentence)

# ----------------------------------------------------------------------------- BSC ablation
st.subheader("STAIR with vs without backward smoothing")
pair = drift_loaders.bsc_pair(tuple(loaders.run_dirs_for(data)))
if pair is None:
    export.note(text="Backward smoothing (BSC) keeps STAIR's products close to their content neighbours while it "
                     "trains. To see its effect, train STAIR twice on this dataset, once with "
                     "`--set use_bsc=false`; both runs then appear here side by side.")
    st.stop()
try:
    with_run, without_run = (loaders.trained_run(p, data, loaders.run_stamp(p)) for p in pair)
except (OSError, ValueError) as exc:
    st.error(f"The runs with and without smoothing cannot be opened: {exc}")
    st.stop()
names = {with_run.run.root: f"with smoothing ({loaders.run_label(pair[0])})",
         without_run.run.root: f"without smoothing ({loaders.run_label(pair[1])})"}
short = {with_run.run.root: "With smoothing", without_run.run.root: "Without smoothing"}
both = drift_loaders.runs_drift_statistics([with_run, without_run], [names[with_run.run.root],
                                                                      names[without_run.run.root]])
left, right = st.columns([3, 2])
ends = both.sort_values("epoch").groupby("run").tail(1).set_index("run")
smoothing = None
if "knn_overlap_content" in ends and ends["knn_overlap_content"].notna().all():
    smoothing = bsc_sentence(float(ends.loc[names[with_run.run.root], "knn_overlap_content"]),
                             float(ends.loc[names[without_run.run.root], "knn_overlap_content"]),
                             int(ends["epoch"].min()))
    right.markdown(f"**{products.text(smoothing)}**")
export.chart(drift_charts.bsc_ablation_curves(both, "Content kept with and without backward smoothing"),
             "drift_bsc_curves",
             "One line per run: the higher a line stays, the more of the product content (left) and of the starting "
             "point (right) survives training. Each panel has its own scale.", left, sentence=smoothing)
with st.expander("Drift measures per epoch of both runs (table)"):
    shown, config = drift_loaders.stat_table(both)
    export.table(shown, "drift_bsc_table", "Drift measures per epoch of both runs (shares in %).",
                 "drift with vs without smoothing", column_config=config, sentence=smoothing)
projections = {t.run.root: drift_loaders.projection(t, str(t.run.root), drift_loaders.drift_key(str(t.run.root)),
                                                   "pca") for t in (with_run, without_run)}
shared = sorted(set.intersection(*({int(e) for e in p["epoch"].unique()} for p in projections.values())))
if st.session_state.get("drift_bsc_epoch") not in shared:
    st.session_state.pop("drift_bsc_epoch", None)
bsc_epoch = st.select_slider("Epoch (both runs)", shared, value=shared[-1], key="drift_bsc_epoch",
                             format_func=drift_charts.epoch_name)
columns = st.columns(2)
for column, t in zip(columns, (with_run, without_run)):
    export.chart(drift_charts.embedding_map(projections[t.run.root], labels, bsc_epoch, colour, "pca",
                                      f"{short[t.run.root]}, {drift_charts.epoch_name(bsc_epoch)}", legend_below=True),
                 f"drift_bsc_projection_{'with' if t is with_run else 'without'}",
                 f"{names[t.run.root].capitalize()}. Same colours as above; compare how tightly each colour stays "
                 "together in the two runs.", column)
