"""Every cached loader of the app lives here (data and models are loaded once per session/process).

Caches follow the files: a dataset is keyed by the stamps (size, modification time) of the files it
is read from (:func:`core.data.reader.dataset_stamp`), a run by those of its run.json, metrics,
history and best checkpoint (:meth:`RunDir.stamp`), so features recomputed, a dataset re-imported or
a run retrained while the dashboard runs are picked up on the next rerun. Explanations are cached
per (run and its stamp, customer, settings): changing customer and coming back is instant. The
trained run itself is passed as ``_trained`` (not hashed); ``key`` (see :func:`run_key`) stands
for it in the cache key.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from core.data import Dataset, load_dataset
from core.data.discover import DEFAULT_PLACES, find_datasets
from core.data.reader import dataset_stamp
from core.files import files_stamp
from core.training.errors import RunError
from core.training.run_dir import RunDir, find_runs
from core.training.run_table import runs_table


def data_dirs() -> list[str]:
    """Dataset directories offered in the sidebar (looked up on every rerun: a new import shows at once).

    By default ``sample_data`` and every dataset directory directly under ``data/`` (where the
    README's ``python -m core import ... --out data/<name>`` puts them; :func:`core.data.discover.find_datasets`).
    ``MODALITY_LENS_DATA`` (``:``-separated; ``make app DATA=...``) replaces those places: each entry
    is a dataset directory or a folder of them; an entry holding no dataset is offered as it is,
    so the page says what is wrong with it.
    """
    value = os.environ.get("MODALITY_LENS_DATA")
    if value is None:
        return find_datasets(DEFAULT_PLACES) or ["sample_data"]
    return [found for place in value.split(os.pathsep) if place for found in (find_datasets([place]) or [place])]


def runs_root() -> Path:
    """Where trained runs are looked for: ``MODALITY_LENS_RUNS`` or ``runs``."""
    return Path(os.environ.get("MODALITY_LENS_RUNS", "runs"))


def dataset(path: str, k_core: int) -> Dataset:
    """The prepared dataset at ``path`` with its ``k_core`` filter, reloaded when its files change.

    ``k_core`` has no default on purpose: the cache keys on the arguments as passed, so
    ``dataset(p)`` and ``dataset(p, 5)`` would be two entries and two loads.
    """
    return _dataset(path, k_core, dataset_stamp(path))


@st.cache_resource(show_spinner="Loading the catalogue…", max_entries=4)
def _dataset(path: str, k_core: int, stamp: tuple) -> Dataset:
    return load_dataset(path, k=k_core)


dataset.clear = _dataset.clear  # clearing works as on the other cached loaders


def run_dirs_for(data: Dataset) -> list[str]:
    """Complete runs under :func:`runs_root` trained on ``data`` (matched by resolved path).

    A run whose files are damaged is listed too when its run.json can be read (its problem shows
    in :func:`metrics_table` and when it is opened); see :func:`unreadable_runs` for the others.
    """
    target = str(Path(data.root).resolve())
    out = []
    for run in find_runs(runs_root()):
        try:
            info = run.info()
        except (OSError, ValueError):
            continue
        if info.get("status") == "complete" and info.get("data", {}).get("path") == target:
            out.append(str(run.root))
    return out


def unreadable_runs() -> list[tuple[str, str]]:
    """Runs under :func:`runs_root` whose run.json cannot be read: ``(run directory, problem and fix)``.

    They cannot be matched to a dataset, so every page that lists runs shows them all.
    """
    out = []
    for run in find_runs(runs_root()):
        try:
            run.info()
        except RunError as exc:
            out.append((str(run.root), str(exc)))
        except OSError as exc:
            out.append((str(run.root), f"{run.info_path}: the file cannot be read ({exc})."))
    return out


def run_label(run_dir: str) -> str:
    """The run's id in links and pickers: its path under :func:`runs_root` (e.g. ``sample_data/hm4sr``)."""
    path = Path(run_dir)
    try:
        return path.resolve().relative_to(runs_root().resolve()).as_posix()
    except ValueError:
        return path.name


def trained_run(run_dir: str, data: Dataset, stamp: tuple):
    """A reopened run; ``stamp`` (:func:`run_stamp`) and the dataset's key invalidate the cache when
    the run is retrained or the dataset's files change.

    Raises:
        RunError: If a file of the run is damaged or the run does not fit the dataset (page: show it).
    """
    return _trained_run(run_dir, data, stamp, data_key(data))


@st.cache_resource(show_spinner="Loading the trained model…", max_entries=8)
def _trained_run(run_dir: str, _data: Dataset, stamp: tuple, data_key: tuple):
    import torch

    from core.training.runs import open_run  # torch is imported on first use, not at app start

    # Explanations score one customer at a time: tiny ops where a second thread only adds
    # contention (measured 5x slower with 2 threads on a busy 2-core machine, equal when idle).
    torch.set_num_threads(1)
    return open_run(run_dir, data=_data)


def run_stamp(run_dir: str) -> tuple:
    """The stamps of the files a reopened run reads (:meth:`RunDir.stamp`): change when it is retrained."""
    return RunDir(Path(run_dir)).stamp()


def run_key(trained) -> tuple[str, tuple]:
    """What identifies a trained run in the explanation caches: its directory and file stamps."""
    return str(trained.run.root), run_stamp(str(trained.run.root))


@st.cache_data(show_spinner=False)
def metrics_table(run_dirs: tuple[str, ...], stamps: tuple[tuple, ...]) -> pd.DataFrame:
    """:func:`core.training.run_table.runs_table` (damaged runs keep a row with their ``problem``)."""
    return runs_table([Path(p) for p in run_dirs])


# ---------------------------------------------------------------- dataset tables (no model)
# The directories are shared, read-only objects (cache_resource): every rerun of every session reads
# the same frame instead of unpickling a 200,000-row copy; nothing may modify them in place.
@st.cache_resource(show_spinner="Listing the customers…", max_entries=8)
def customer_directory(_data: Dataset, key: tuple[str, int]) -> pd.DataFrame:
    """One row per customer (:func:`core.data.browse.customer_directory`), built once per dataset
    (O(purchases · log purchases), ~1 s at 200,000 customers); the sidebar's search filters it."""
    from core.data.browse import customer_directory as build

    return build(_data)


@st.cache_resource(show_spinner=False, max_entries=8)
def customer_segments(_data: Dataset, key: tuple[str, int]) -> pd.Series:
    """Each customer's segment indexed by customer id (shared, read-only; built once per dataset)."""
    directory = customer_directory(_data, key)
    return pd.Series(directory["segment"].to_numpy(), index=pd.Index(directory["user_id"]), name="segment")


@st.cache_data(show_spinner=False, max_entries=8)
def customer_search_choices(_data: Dataset, key: tuple[str, int]) -> tuple[list[str], list[str]]:
    """The segments and categories the customer search offers (:func:`core.data.browse.search_choices`)."""
    from core.data.browse import search_choices

    return search_choices(customer_directory(_data, key))


@st.cache_data(show_spinner=False, max_entries=256)
def purchase_history(_data: Dataset, key: tuple[str, int], user_id: str) -> pd.DataFrame:
    from core.data.browse import purchase_history as build

    return build(_data, user_id)


@st.cache_data(show_spinner=False, max_entries=8)
def catalogue_thumbnails(_data: Dataset, key: tuple[str, int], n: int) -> pd.DataFrame:
    from core.data.browse import catalogue_thumbnails as build

    return build(_data, n)


@st.cache_data(show_spinner=False, max_entries=8)
def dataset_summary(_data: Dataset, key: tuple[str, int]):
    """The overview's headline numbers (:func:`core.data.summary.summarize`)."""
    from core.data.summary import summarize

    return summarize(_data)


@st.cache_data(show_spinner=False, max_entries=8)
def category_mix(_data: Dataset, key: tuple[str, int]) -> pd.DataFrame:
    """Purchases per top-level category (:func:`core.data.summary.category_mix`)."""
    from core.data.summary import category_mix as build

    return build(_data)


@st.cache_data(show_spinner=False, max_entries=8)
def monthly_purchases(_data: Dataset, key: tuple[str, int]) -> pd.DataFrame:
    """Purchases per calendar month (:func:`core.data.summary.monthly_purchases`)."""
    from core.data.summary import monthly_purchases as build

    return build(_data)


def data_key(data: Dataset) -> tuple:
    """What identifies a prepared dataset in the caches: its directory, k-core, file stamps and size
    (a new-products run's data has the directory of the whole catalogue, but fewer products)."""
    return (str(Path(data.root).resolve()), data.report.k_core if data.report else 0, dataset_stamp(data.root),
            data.n_users, data.n_items)


# ---------------------------------------------------------------- explanations (core.explain)
@st.cache_data(show_spinner="Scoring the catalogue for this customer…", max_entries=512)
def customer_top(_trained, key, user_id: str, k: int, now: int | None = None):
    """The customer's top-K with every score's parts (:class:`core.scoring.PartScores`, one row)."""
    from core import explain

    return explain.customer_top(_trained, user_id, k=k, now=now)


def recommendations(trained, key, user_id: str, k: int, now: int | None = None) -> pd.DataFrame:
    """The customer's top-K as a table (``PartScores.wide`` of :func:`customer_top`)."""
    return customer_top(trained, key, user_id, k, now).wide(trained.data)


def part_names(trained, key) -> tuple[str, ...]:
    """The model's additive score parts, in order (declared by the model: ``Capabilities.parts``)."""
    return tuple(trained.scorer.capabilities.parts)


@st.cache_data(show_spinner="Reading the gates…", max_entries=256)
def gates(_trained, key, user_id: str, now: int | None = None):
    # from the module itself: once core.explain.gates is imported, ``core.explain.gates`` names the module
    from core.explain.gates import gates as read

    return read(_trained, user_id, now=now)


@st.cache_data(show_spinner="Re-scoring without each modality…", max_entries=512)
def drop_modality(_trained, key, user_id: str, item_id: str) -> pd.DataFrame:
    from core import explain

    return explain.drop_modality(_trained, user_id, item_id)


@st.cache_data(show_spinner="Re-scoring without each past purchase…", max_entries=512)
def drop_purchase(_trained, key, user_id: str, item_id: str) -> pd.DataFrame:
    from core import explain

    return explain.drop_purchase(_trained, user_id, item_id)


@st.cache_data(show_spinner="Finding the evidence in the history…", max_entries=512)
def evidence(_trained, key, user_id: str, item_id: str, per_space: int = 3) -> pd.DataFrame:
    from core import explain

    return explain.evidence(_trained, user_id, item_id, per_space=per_space)


@st.cache_data(show_spinner="Shifting the clock and re-ranking…", max_entries=256)
def time_shift(_trained, key, user_id: str, months: tuple[int, ...], purchase: int | None, k: int,
               item_id: str | None) -> pd.DataFrame:
    from core import explain

    return explain.time_shift(_trained, user_id, months=list(months), purchase=purchase, k=k, item_id=item_id)


def batch_stamp(trained) -> tuple:
    """The stamps of the run's batch files (manifest and every chunk): loaders reading them follow the files."""
    batch = trained.run.batch_dir
    return files_stamp([batch / "manifest.json", *sorted(batch.rglob("*.parquet"))])


def population_shares(trained, key, k: int) -> pd.DataFrame | None:
    """Every customer's mean share per part over the top-``k`` (:func:`core.explain.batch.population_view`):
    from the run's batch files when they fit, else computed for small catalogues, else None."""
    return _population_shares(trained, key, k, batch_stamp(trained))


@st.cache_data(show_spinner="Explaining the whole customer base (once per model)…", max_entries=8)
def _population_shares(_trained, key, k: int, batch_stamp: tuple) -> pd.DataFrame | None:
    from core.explain.batch import population_view

    return population_view(_trained, k)


def explain_all(trained, progress) -> None:
    """Write the run's batch explanations (``python -m core explain-all``), reporting ``progress(done, total)``."""
    from core.explain.batch import explain_all as write_all

    write_all(trained, progress=progress)


@st.cache_data(show_spinner=False, max_entries=8)
def share_histogram(frame: pd.DataFrame, parts: tuple[str, ...]) -> pd.DataFrame:
    from core import explain

    return explain.share_histogram(frame, parts)


@st.cache_data(show_spinner=False, max_entries=8)
def shares_by_segment(frame: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    from core import explain

    return explain.shares_by_segment(frame, segments)


def population_routing(trained, key) -> pd.DataFrame | None:
    """The routing of every customer's purchases by interval (:func:`core.explain.batch.population_routing`):
    from the run's batch files when they hold it, else computed for small catalogues, else None."""
    return _population_routing(trained, key, batch_stamp(trained))


@st.cache_data(show_spinner="Routing the whole customer base by time interval (once per model)…", max_entries=8)
def _population_routing(_trained, key, batch_stamp: tuple) -> pd.DataFrame | None:
    from core.explain.batch import population_routing

    return population_routing(_trained)


# No spinner: the explorer's download button calls this on click, in a thread of its own where a
# spinner (a Streamlit command) would only log a "missing ScriptRunContext" warning.
@st.cache_data(show_spinner=False, max_entries=64)
def customer_report(_trained, key, user_id: str, item_id: str | None, k: int) -> str:
    """The customer's one-page HTML report (:func:`core.explain.customer_report_html`).

    The report explains the customer at their last purchase ("now" is not a setting of the report),
    so (run and checkpoint time, customer, item, K) identify it.
    """
    from core.explain.report_html import customer_report_html

    return customer_report_html(_trained, user_id, item_id=item_id, k=k)


@st.cache_data(show_spinner=False, max_entries=512)
def window_start(_trained, key, user_id: str) -> int:
    """The first history position the model reads for this customer (``core.scoring.History.window_start``)."""
    return _trained.scorer.history(user_id).window_start


@st.cache_data(show_spinner=False, max_entries=4096)
def image_data_uri(path: str) -> str:
    """A thumbnail as a ``data:`` URI (for Plotly layout images and standalone exports); ``""`` if unreadable."""
    from core.explain.report_html import image_data_uri as encode

    return encode(path)


@st.cache_resource(show_spinner=False, max_entries=64)
def history_figure(_data: Dataset, key: tuple[str, int], user_id: str):
    """The explorer's purchase-history timeline of a customer (its thumbnails inlined), built once per
    customer: coming back to a customer skips the 40 image lookups and the figure's construction."""
    from pages.common import charts

    root = Path(_data.root)
    return charts.history_timeline(purchase_history(_data, key, user_id), user_id,
                                   lambda rel: image_data_uri(str(root / rel)))


# ---------------------------------------------------------------- the product lens (core.explain.product)
@st.cache_resource(show_spinner="Listing the products…", max_entries=8)
def product_directory(_data: Dataset, key: tuple[str, int]) -> pd.DataFrame:
    """One row per product (:func:`core.data.browse.product_directory`), built once per dataset
    (O(products + purchases)); the product search filters it."""
    from core.data.browse import product_directory as build

    return build(_data)


@st.cache_data(show_spinner=False, max_entries=8)
def product_categories(_data: Dataset, key: tuple[str, int]) -> list[str]:
    """The top-level categories the product search offers, sorted."""
    return sorted(str(c) for c in product_directory(_data, key)["category"].unique())


@st.cache_data(show_spinner=False, max_entries=8)
def item_truth(_data: Dataset, key: tuple[str, int]) -> pd.DataFrame | None:
    """The sample's hidden item attributes (:func:`core.data.browse.read_item_truth`), or None."""
    from core.data.browse import read_item_truth

    return read_item_truth(_data.root)


@st.cache_resource(show_spinner="Scoring every customer once for this model and K…", max_entries=4)
def everyone_top(_trained, key, k: int):
    """Every customer's top-K with its parts (:func:`core.explain.product.everyone_top`), once per run
    and K: O(customers × products), only for catalogues up to ``LIVE_LIMIT`` customers. Held as a
    resource (not copied per rerun); nobody writes to it."""
    from core.explain.product import everyone_top as build

    return build(_trained, k)


def product_audience(trained, key, item_id: str, k: int) -> tuple[pd.DataFrame | None, int]:
    """The customers who get ``item_id`` in their top-``k`` and the K counted
    (:func:`core.explain.product.audience_source`): from the cached :func:`everyone_top` on a small
    catalogue, from the run's batch files on a large one; ``(None, k)`` when neither exists."""
    from core.explain.product import audience_from_top, audience_source

    source, k_used = audience_source(trained, k)
    if source == "live":
        return audience_from_top(everyone_top(trained, key, k), trained.data, item_id, k), k
    if source == "batch":
        return _batch_audience(trained, key, item_id, k_used, batch_stamp(trained)), k_used
    return None, k


@st.cache_data(show_spinner="Reading who gets this product from the batch explanations…", max_entries=64)
def _batch_audience(_trained, key, item_id: str, k: int, batch_stamp: tuple) -> pd.DataFrame:
    from core.explain.product import audience_from_batch

    return audience_from_batch(_trained, item_id, k)


@st.cache_data(show_spinner="Finding the nearest products…", max_entries=256)
def similar_products(_trained, key, item_id: str, n: int) -> pd.DataFrame:
    from core.explain.product import similar_products as build

    return build(_trained, item_id, n)


@st.cache_data(show_spinner=False, max_entries=256)
def preceding_purchases(_data: Dataset, key: tuple[str, int], item_id: str) -> pd.DataFrame:
    from core.explain.product import preceding_purchases as build

    return build(_data, item_id)


@st.cache_data(show_spinner="Moving “now” across the year for its audience…", max_entries=64)
def calendar_rank(_trained, key, item_id: str, user_ids: tuple[str, ...], k: int) -> pd.DataFrame:
    from core.explain.product import calendar_rank as build

    return build(_trained, item_id, list(user_ids), k=k)


@st.cache_data(show_spinner=False, max_entries=64)
def audience_by_segment(audience: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """:func:`core.explain.product.audience_by_segment` (O(customers))."""
    from core.explain.product import audience_by_segment as build

    return build(audience, segments)


@st.cache_data(show_spinner=False, max_entries=64)
def share_summary(audience: pd.DataFrame, parts: tuple[str, ...]) -> pd.DataFrame:
    """:func:`core.explain.product.share_summary`."""
    from core.explain.product import share_summary as build

    return build(audience, parts)


@st.cache_data(show_spinner=False, max_entries=8)
def planted_attributes(_data: Dataset, key: tuple[str, int]) -> pd.Series | None:
    """The sample's planted persona attribute of every customer (e.g. ``red/stripes`` or
    ``Solenne/leather``, from ``truth/customers.csv``), indexed by ``user_id``; None without one."""
    from core.data.browse import read_personas

    personas = read_personas(_data.root)
    if personas is None or "attribute" not in personas.columns:
        return None
    return personas.drop_duplicates("user_id").set_index("user_id")["attribute"].fillna("")


# ---------------------------------------------------------------- launch simulator (core.explain.launch)
@st.cache_data(show_spinner=False, max_entries=8)
def launch_unavailable(_trained, key) -> str | None:
    """Why this model cannot simulate a launch (:func:`core.explain.launch.cannot_launch`), or None."""
    from core.explain.launch import cannot_launch

    return cannot_launch(_trained)


@st.cache_resource(show_spinner="Scoring every customer once: what a new product has to beat…", max_entries=4)
def launch_baseline(_trained, key, k: int, item_id: str | None):
    """:func:`core.explain.launch.launch_baseline`, once per run, K and edited product
    (O(customers × (history + products)); then every simulation reuses it)."""
    from core.explain.launch import launch_baseline as build

    return build(_trained, k, item_id)


@st.cache_data(show_spinner="Encoding the product with the catalogue's text and image encoders…", max_entries=32)
def launch_content(_data: Dataset, key: tuple, title: str, description: str, categories: tuple[str, ...],
                   photo: bytes | None, photo_name: str, item_id: str | None):
    """The product's content ``(before, after)`` (``before`` None for a new product): the upload decoded
    safely (:func:`core.features.upload.decode_image_upload`), the text and photo encoded
    (:func:`core.features.draft.encode_draft` / :func:`core.features.draft.encode_edit`).

    Raises:
        DataError: For an upload that cannot be used, or features the encoders cannot match.
    """
    from core.features.draft import ProductDraft, encode_draft, encode_edit
    from core.features.upload import decode_image_upload

    image = decode_image_upload(photo, photo_name) if photo else None
    if item_id is None:
        return None, encode_draft(ProductDraft(title, description, categories, image), _data)
    current = _data.items["description"].iloc[_data.item_index(item_id)] if "description" in _data.items else ""
    changed = description if description != ("" if pd.isna(current) else str(current)) else None
    return encode_edit(_data, item_id, description=changed, image=image)


@st.cache_data(show_spinner="Scoring the product for every customer…", max_entries=16)
def simulate_launch(_trained, key, k: int, after: dict, before: dict | None, item_id: str | None):
    """:func:`core.explain.launch.simulate_launch` against the cached :func:`launch_baseline`
    (O(customers × history))."""
    from core.explain.launch import simulate_launch as simulate

    return simulate(_trained, after, k, baseline=launch_baseline(_trained, key, k, item_id), before=before,
                    item_id=item_id)


# ---------------------------------------------------------------- experts named by what they do
@st.cache_data(show_spinner="Naming the experts from what they read…", max_entries=8)
def expert_names(_trained, key) -> pd.DataFrame:
    """:func:`core.explain.gates.name_experts` over the gates of the first 500 customers (empty: no gates)."""
    from core.explain.gates import PROFILE_COLUMNS, expert_profile, name_experts

    profile = expert_profile(_trained)
    return name_experts(profile) if len(profile) else pd.DataFrame(columns=PROFILE_COLUMNS)


@st.cache_data(show_spinner=False, max_entries=16)
def time_expert_names(routing: pd.DataFrame) -> pd.DataFrame:
    """:func:`core.explain.gates.name_time_experts` of a population routing curve (cached by its content)."""
    from core.explain.gates import name_time_experts

    return name_time_experts(routing)


def gap_labels(edges) -> dict[float, str]:
    """:func:`core.explain.gates.gap_labels`: the interval bins' names in words."""
    from core.explain.gates import gap_labels as labels

    return labels(edges)


# ---------------------------------------------------------------- compare (core.explain.compare_subjects)
@st.cache_data(show_spinner=False, max_entries=8)
def segment_table(_trained, key) -> pd.DataFrame:
    """Each customer's planted persona (sample) and favourite category
    (:func:`core.explain.compare_subjects.segment_table`), once per run's dataset."""
    from core.explain.compare_subjects import segment_table as build

    return build(_trained)


def population_at(trained, key, when: int, k: int) -> pd.DataFrame:
    """Every customer's mean shares over the top-``k`` recommended at ``when`` from the purchases known
    by then (:func:`core.explain.compare_subjects.population_at`); a catalogue above
    :data:`core.explain.batch.LIVE_LIMIT` customers is read on a fixed random sample of that many."""
    from core.explain.batch import LIVE_LIMIT

    return _population_at(trained, key, int(when), int(k), LIVE_LIMIT)


@st.cache_data(show_spinner="Recommending at that date for every customer (once per date)…", max_entries=16)
def _population_at(_trained, key, when: int, k: int, limit: int) -> pd.DataFrame:
    from core.explain.compare_subjects import population_at as build
    from core.explain.compare_subjects import sample_users

    return build(_trained, when, k, users=sample_users(_trained.data.n_users, limit))


@st.cache_data(show_spinner="Comparing, with bootstrap intervals…", max_entries=64)
def comparison(frames: dict[str, pd.DataFrame], parts: tuple[str, ...], unit: str, paired: bool):
    """:func:`core.explain.compare_subjects.compare_frames` (cached by the frames' content)."""
    from core.explain.compare_subjects import compare_frames

    return compare_frames(frames, parts, unit=unit, paired=paired)
