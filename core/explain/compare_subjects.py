"""Compare 2–4 subjects of one kind side by side, in the one attribution (:mod:`core.scoring.shares`).

A *subject* is a group of rows that each carry the signed ``share_<p>`` and ``lift_<p>`` of every
score part: the recommended products of one customer (:meth:`core.scoring.PartScores.wide`), the
customers of a segment or of a pasted customer list, the customers who get a product
(:func:`core.explain.product.audience_from_top`), every customer under a trained run, or every
customer at one "now" date (:func:`population_at`), each customer row being that customer's mean
over their top-K (:func:`core.explain.population.population_shares`). Kinds are the keys of
:data:`KINDS`.

:func:`compare_frames` turns the subjects' rows into one row per subject × part (mean share with a
bootstrap interval over the rows, mean lift) and one row per part saying which subject takes the
most and which the least of it, by how many percentage points and with what interval
(:func:`core.evaluation.intervals.bootstrap_difference_interval`: independent groups resampled on
their own, the same customers under two runs or at two dates resampled together). The sentences are
those of :mod:`core.explain.sentences`, written from exactly these numbers.

Runs whose models split their scores into different parts are compared on the two families they
share (:data:`core.explain.words.PART_FAMILIES`, by part name): :func:`family_frame` adds up the
shares and lifts of a family's parts (signed shares add up, so HM4SR's text and image shares give
its "from product content" share).

Links: a subject is written in a link as :func:`subject_link` writes it and read back by the
parsers here (:func:`parse_date`, :func:`parse_list`); the page documents the format.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from core.evaluation.intervals import bootstrap_difference_interval, percentile_interval, resampled_means
from core.explain.population import category_segments, mean_frame, persona_segments
from core.explain.sentences import difference_row_sentence, families_sentence, mix_sentence
from core.explain.words import FAMILIES, capital, count, day, part_family
from core.training.runs import TrainedRun

KINDS = {"segment": "Customer segments", "customer": "Customers", "product": "Products",
         "run": "Trained models", "date": "Dates"}
MAX_SUBJECTS = 4
LEVEL = 0.95
RESAMPLES = 2_000  # bootstrap samples: interval ends move by well under a percentage point between seeds
LINK_LIST_LIMIT = 500  # the most customer ids a pasted list carries in a link
SEGMENT_KINDS = ("persona", "category")
SUBJECT_COLUMNS = ["subject", "units", "part", "share", "low", "high", "lift"]
DIFFERENCE_COLUMNS = ["part", "more", "less", "more_share", "less_share", "gap", "low", "high", "more_units",
                      "less_units", "within_noise"]


@dataclass(frozen=True)
class Comparison:
    """Subjects compared part by part (:func:`compare_frames`).

    Attributes:
        parts: The parts (or families) compared, in chart order.
        unit: What each subject's rows are ("customers", "recommended products").
        paired: Whether the subjects are the same customers (two runs, two dates).
        subjects: :data:`SUBJECT_COLUMNS`, one row per subject × part: ``units`` rows behind the
            subject, the mean signed ``share`` (-1..1) with its bootstrap interval ``low``-``high``
            and the mean ``lift`` (points over the average product).
        differences: :data:`DIFFERENCE_COLUMNS`, one row per part, the largest ``gap`` first: the
            subject taking the most of it (``more``) and the least (``less``), their mean shares,
            ``gap`` = ``more_share - less_share`` (>= 0), the interval ``low``-``high`` of that gap
            and ``within_noise`` (the interval holds 0).
        sentences: One :func:`~core.explain.sentences.mix_sentence` per subject, in order.
        difference: The :func:`~core.explain.sentences.difference_sentence` of the first row of
            ``differences``.
    """

    parts: tuple[str, ...]
    unit: str
    paired: bool
    subjects: pd.DataFrame
    differences: pd.DataFrame
    sentences: tuple[str, ...]
    difference: str


# ---------------------------------------------------------------- the comparison (pure)
def compare_frames(frames: Mapping[str, pd.DataFrame], parts: Sequence[str], unit: str = "customers",
                   paired: bool = False, level: float = LEVEL, resamples: int = RESAMPLES,
                   seed: int = 0) -> Comparison:
    """Compare subjects on every part: mean shares with intervals, and who takes the most of each part.

    O(resamples · rows · parts) time (the bootstrap), vectorised over rows and parts; no Python loop
    over customers.

    Args:
        frames: Subject label (as it reads inside a sentence, e.g. "visual shoppers") -> its rows,
            each with ``share_<p>`` and ``lift_<p>`` for every part (``user_id`` too when ``paired``);
            2 to :data:`MAX_SUBJECTS` subjects, in the order they are shown.
        parts: The parts compared (the frames' part columns).
        unit: What a row is, for the sentences.
        paired: The subjects are the same customers (runs, dates): only the customers every frame
            holds are kept, and the gaps are bootstrapped per customer.
        level: Coverage of the intervals.
        resamples: Bootstrap samples.
        seed: Seed of the draws (same seed, same intervals).

    Returns:
        The :class:`Comparison`.

    Raises:
        ValueError: For fewer than 2 or more than :data:`MAX_SUBJECTS` subjects, a subject without
            rows (named), or a frame lacking a part's columns.
    """
    if not 2 <= len(frames) <= MAX_SUBJECTS:
        raise ValueError(f"compare 2 to {MAX_SUBJECTS} subjects, got {len(frames)}")
    parts = tuple(parts)
    columns = [f"share_{p}" for p in parts]
    for label, frame in frames.items():
        missing = [c for c in [*columns, *(f"lift_{p}" for p in parts)] if c not in frame]
        if missing:
            raise ValueError(f"the rows of {label!r} lack the columns {missing}")
    if paired:
        frames = _common_customers(frames)
    empty = [label for label, frame in frames.items() if len(frame) == 0]
    if empty:
        raise ValueError(f"nothing to compare for {', '.join(empty)}: no {unit} in it")
    labels = list(frames)
    shares = {s: frames[s][columns].to_numpy(dtype=np.float64) for s in labels}  # (N_s, P) each
    lifts = {s: frames[s][[f"lift_{p}" for p in parts]].to_numpy(dtype=np.float64) for s in labels}
    rows = []
    for n, s in enumerate(labels):
        means = resampled_means(shares[s], resamples, np.random.default_rng(seed + n))  # (R, P)
        low, high = percentile_interval(means, level)  # (P,) each
        mean, lift = shares[s].mean(0), lifts[s].mean(0)
        rows += [(s, len(shares[s]), p, mean[i], low[i], high[i], lift[i]) for i, p in enumerate(parts)]
    subjects = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    differences = _differences(subjects, shares, parts, paired, level, resamples, seed)
    sentences = tuple(mix_sentence(f"{capital(s)} ({count(len(shares[s]))} {unit})",
                                   dict(zip(parts, shares[s].mean(0)))) for s in labels)
    return Comparison(parts=parts, unit=unit, paired=paired, subjects=subjects, differences=differences,
                      sentences=sentences, difference=difference_row_sentence(differences.iloc[0], unit, level))


def _common_customers(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every frame restricted to the customers all of them hold, in the first frame's order. O(rows)."""
    common = None
    for frame in frames.values():
        ids = pd.Index(frame["user_id"])
        common = ids if common is None else common.intersection(ids, sort=False)
    first = next(iter(frames.values()))
    order = pd.Index(first["user_id"][first["user_id"].isin(common)])
    return {s: f.set_index("user_id").loc[order].reset_index() for s, f in frames.items()}


def _differences(subjects: pd.DataFrame, shares: dict[str, np.ndarray], parts: tuple[str, ...], paired: bool,
                 level: float, resamples: int, seed: int) -> pd.DataFrame:
    """One row per part: the subjects taking the most and the least of it, the gap and its interval."""
    rows = []
    for i, p in enumerate(parts):  # at most a handful of parts; every step inside is vectorised over rows
        means = subjects.loc[subjects["part"] == p].set_index("subject")["share"]
        more, less = means.idxmax(), means.idxmin()
        if more == less:  # every subject takes exactly the same share
            more, less = means.index[0], means.index[1]
        low, high = bootstrap_difference_interval(shares[more][:, i], shares[less][:, i], level, resamples, seed,
                                                  paired=paired)
        rows.append((p, more, less, means[more], means[less], means[more] - means[less], float(low), float(high),
                     len(shares[more]), len(shares[less]), bool(low <= 0.0 <= high)))
    frame = pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)
    return frame.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- parts of different models
@dataclass(frozen=True)
class SharedParts:
    """What subjects under different models are compared on (:func:`shared_parts`).

    Attributes:
        parts: The parts compared: the subjects' own, or the families they share.
        families: Whether ``parts`` are families (each subject's rows then go through :func:`family_frame`).
        note: The :func:`~core.explain.sentences.families_sentence` to show when they are families, else None.
        left_out: Subjects left out: their model has a part in no family (e.g. one undivided score) while
            the others split their scores differently.
    """

    parts: tuple[str, ...]
    families: bool
    note: str | None
    left_out: tuple[str, ...]


def shared_parts(parts_by_subject: Mapping[str, Sequence[str]]) -> SharedParts:
    """The parts subjects are compared on: their own when every subject has the same ones, else the
    families they share (:data:`core.explain.words.PART_FAMILIES`, by part name), with the sentence
    that says so. When the parts differ, subjects with a part in no family are left out first.
    """
    lists = {who: tuple(parts) for who, parts in parts_by_subject.items()}
    if len(set(lists.values())) <= 1:
        return SharedParts(next(iter(lists.values()), ()), False, None, ())
    left_out = tuple(who for who, parts in lists.items() if any(part_family(p) is None for p in parts))
    kept = {who: parts for who, parts in lists.items() if who not in left_out}
    if len(set(kept.values())) <= 1:  # what is left splits its scores one way: compare its own parts
        return SharedParts(next(iter(kept.values()), ()), False, None, left_out)
    used = {part_family(p) for parts in kept.values() for p in parts}
    return SharedParts(tuple(f for f in FAMILIES if f in used), True, families_sentence(kept), left_out)


def family_frame(frame: pd.DataFrame, parts: Sequence[str]) -> pd.DataFrame:
    """``frame`` with the ``share_``/``lift_`` columns of each family (the sum of its parts' columns)
    instead of the parts' own; other columns kept. O(rows · parts).

    Raises:
        ValueError: For a part in no family.
    """
    out = frame.drop(columns=[c for p in parts for c in (f"share_{p}", f"lift_{p}")], errors="ignore")
    for family in FAMILIES:
        members = [p for p in parts if part_family(p) == family]
        if members:
            out[f"share_{family}"] = frame[[f"share_{p}" for p in members]].sum(axis=1).to_numpy(dtype=np.float64)
            out[f"lift_{family}"] = frame[[f"lift_{p}" for p in members]].sum(axis=1).to_numpy(dtype=np.float64)
    loose = [p for p in parts if part_family(p) is None]
    if loose:
        raise ValueError(f"the part(s) {', '.join(loose)} belong to no family (see core.explain.words.PART_FAMILIES)")
    return out


# ---------------------------------------------------------------- segments and customer lists
def segment_table(trained: TrainedRun) -> pd.DataFrame:
    """``user_id``, ``persona`` (the sample's planted persona; absent without a truth file) and
    ``category`` (the top-level category bought most), one row per customer. O(purchases)."""
    frame = pd.DataFrame({"user_id": list(trained.data.user_ids)})
    personas = persona_segments(trained.data.root)
    if personas is not None:
        frame["persona"] = frame["user_id"].map(personas).astype(object)
    frame["category"] = frame["user_id"].map(category_segments(trained)).astype(object)
    return frame


def segment_choices(table: pd.DataFrame) -> list[str]:
    """Every segment a link or the picker can name: ``persona:<name>`` then ``category:<name>``, sorted."""
    return [f"{kind}:{value}" for kind in SEGMENT_KINDS if kind in table
            for value in sorted(table[kind].dropna().astype(str).unique())]


def segment_members(table: pd.DataFrame, spec: str) -> list[str]:
    """The customers of ``persona:<name>``, ``category:<name>`` or ``list:[<name>=]<id>,<id>,…``.

    Raises:
        ValueError: For a spec of no known form, or a persona / category nobody is in (naming the choices).
    """
    kind, _, value = str(spec).partition(":")
    if kind == "list":
        return parse_list(value)[1]
    if kind not in SEGMENT_KINDS or kind not in table:
        known = " or ".join(f"“{k}:…”" for k in (*[k for k in SEGMENT_KINDS if k in table], "list"))
        raise ValueError(f"a segment reads {known}, e.g. “{segment_choices(table)[0]}”; got “{spec}”")
    members = table.loc[table[kind].astype(str) == value, "user_id"]
    if members.empty:
        names = ", ".join(s.partition(":")[2] for s in segment_choices(table) if s.startswith(kind))
        raise ValueError(f"no customer is in the {kind} “{value}”; the {kind}s are {names}")
    return members.tolist()


def segment_label(spec: str) -> str:
    """How a segment reads inside a sentence: "visual shoppers", "customers buying mostly Dresses",
    "customers in “VIP”"."""
    kind, _, value = str(spec).partition(":")
    if kind == "persona":
        return f"{value} shoppers"
    if kind == "category":
        return f"customers buying mostly {value}"
    return f"customers in “{parse_list(value)[0]}”"


def parse_list(value: str) -> tuple[str, list[str]]:
    """A customer list as a link carries it, ``[<name>=]<id>,<id>,…`` -> ``(name, ids)`` (name
    "pasted list" when absent; ids stripped, empty ones and repeats left out).

    Raises:
        ValueError: For a list without ids.
    """
    name, sep, ids = str(value).partition("=")
    if not sep:
        name, ids = "pasted list", name
    members = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip()))
    if not members:
        raise ValueError("a customer list needs at least one customer id, e.g. “list:VIP=C0001,C0002”")
    return name.strip() or "pasted list", members


def customer_lists(text: str, known: pd.Index) -> tuple[dict[str, list[str]], list[str]]:
    """Customer lists pasted or uploaded as CSV: a ``user_id`` column (or the first column), and
    optionally a ``list`` column naming the list each customer belongs to (one list otherwise).
    A file without a header row is read as ids. O(rows).

    Args:
        text: The CSV text.
        known: The dataset's customer ids.

    Returns:
        ``(lists, unknown)``: list name -> known ids (in file order, without repeats), and the ids
        that are not customers of the dataset.

    Raises:
        ValueError: When the text holds no ids, or more lists than :data:`MAX_SUBJECTS`.
    """
    frame = pd.read_csv(io.StringIO(text), dtype=str, header=None, skipinitialspace=True).fillna("")
    if frame.empty:
        raise ValueError("the customer list is empty: paste one customer id per line (and optionally a "
                         "second column naming the list)")
    head = [str(v).strip().lower() for v in frame.iloc[0]]
    id_col = head.index("user_id") if "user_id" in head else 0
    list_col = head.index("list") if "list" in head else (1 if frame.shape[1] > 1 and "user_id" not in head
                                                         else None)
    if "user_id" in head:
        frame = frame.iloc[1:]
    ids = frame.iloc[:, id_col].str.strip()
    names = frame.iloc[:, list_col].str.strip() if list_col is not None else pd.Series("pasted list", index=ids.index)
    names = names.where(names != "", "pasted list")
    keep = ids != ""
    ids, names = ids[keep], names[keep]
    found = ids.isin(known)
    lists = {str(n): list(dict.fromkeys(g.tolist())) for n, g in ids[found].groupby(names[found], sort=False)}
    if len(lists) > MAX_SUBJECTS:
        raise ValueError(f"the file names {len(lists)} lists; compare at most {MAX_SUBJECTS} at once")
    return lists, list(dict.fromkeys(ids[~found].tolist()))


def list_link(name: str, ids: Sequence[str]) -> str | None:
    """``list:<name>=<id>,…`` for a link, or None when the list is longer than :data:`LINK_LIST_LIMIT`."""
    if len(ids) > LINK_LIST_LIMIT:
        return None
    return f"list:{name.replace('=', ' ').replace(',', ' ')}={','.join(ids)}"


# ---------------------------------------------------------------- dates
def parse_date(text: str) -> int:
    """A link's date (``2024-11-01``) as unix seconds at midnight UTC.

    Raises:
        ValueError: Naming the expected form.
    """
    try:
        return int(datetime.combine(date.fromisoformat(str(text).strip()), datetime.min.time(), UTC).timestamp())
    except ValueError:
        raise ValueError(f"a date reads year-month-day, e.g. “2024-11-01”; got “{text}”") from None


def date_link(seconds: int) -> str:
    """Unix seconds as the date a link carries (``2024-11-01``)."""
    return datetime.fromtimestamp(int(seconds), tz=UTC).date().isoformat()


def month_starts(times: np.ndarray) -> list[int]:
    """The first day of every month after the first purchase up to the month after the last one (unix
    seconds, midnight UTC): the dates a comparison over time offers. O(purchases)."""
    first = datetime.fromtimestamp(int(np.min(times)), tz=UTC)
    last = datetime.fromtimestamp(int(np.max(times)), tz=UTC)
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
        out.append(int(datetime(year, month, 1, tzinfo=UTC).timestamp()))
    return out


def date_label(seconds: int) -> str:
    """How a date reads inside a sentence: "customers on 1 Dec 2024"."""
    return f"customers on {day(seconds)}"


def known_purchases(offsets: np.ndarray, flat_times: np.ndarray, when: int) -> np.ndarray:
    """``(U,)`` how many purchases each customer made before ``when`` (histories in time order). O(purchases)."""
    before = np.concatenate([[0], np.cumsum(np.asarray(flat_times) < int(when))])  # (I + 1,)
    return before[offsets[1:]] - before[offsets[:-1]]


def population_at(trained: TrainedRun, when: int, k: int, users: np.ndarray | None = None) -> pd.DataFrame:
    """Each customer's mean share and lift over the top-``k`` the model gives at ``when``, from the
    purchases made before it ("now" = ``when`` for everybody; customers with no purchase before it
    are left out). The frame of :func:`core.explain.population.population_shares`.

    O(purchases) to cut the histories, then O(customers × products) through the scoring service
    (batched); products bought later are still left out of the lists, as the scoring service leaves
    out everything a customer bought.

    Args:
        trained: The run.
        when: Unix seconds.
        k: Items per customer.
        users: User indices to score (default every customer).
    """
    data = trained.data
    users = np.arange(data.n_users) if users is None else np.asarray(users, dtype=np.int64)
    before = known_purchases(data.offsets, data.flat_times, when)[users]  # (B,)
    kept = users[before > 0]
    if len(kept) == 0:  # nobody had bought anything yet
        parts = trained.scorer.capabilities.parts
        return pd.DataFrame(columns=["user_id", *(f"share_{p}" for p in parts), *(f"lift_{p}" for p in parts)])
    top = trained.scorer.top(kept, k, now=np.full(len(kept), int(when), dtype=np.int64),
                             ends=data.offsets[kept] + before[before > 0])
    return mean_frame(np.asarray(data.user_ids, dtype=object)[kept].tolist(), top)


def sample_users(n_users: int, limit: int, seed: int = 0) -> np.ndarray | None:
    """A fixed random sample of ``limit`` user indices (sorted), or None when every customer fits."""
    if n_users <= limit:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_users, size=limit, replace=False))
