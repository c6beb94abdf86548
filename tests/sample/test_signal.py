"""The planted persona signals are really in the data, with meaningful effect sizes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.sample import BRANDS, COLOURS, MATERIALS, PATTERNS
from core.sample.texts import FORBIDDEN_WORDS
from core.sample.thumbnails import BACKGROUND
from tests.sample.support import Sample


def _persona(sample: Sample, persona: str) -> pd.DataFrame:
    frame = sample.joined()
    return frame[frame["persona"] == persona].sort_values(["user_id", "timestamp"])


def _consecutive(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``column`` at each purchase and at the customer's next purchase."""
    nxt = frame.groupby("user_id")[column].shift(-1)
    keep = nxt.notna().to_numpy()
    return frame[column].to_numpy()[keep], nxt.to_numpy()[keep]


def _chance_both(followed: pd.Series, all_purchases: pd.Series) -> float:
    """Chance that two random purchases both carry the customer's followed value."""
    freq = all_purchases.value_counts(normalize=True)
    per_row = followed.map(freq).fillna(0.0).to_numpy()
    return float(np.mean(per_row ** 2))


def _share_rate(frame: pd.DataFrame, column: str) -> float:
    cur, nxt = _consecutive(frame, column)
    return float(np.mean(cur == nxt))


def _chance_share(all_purchases: pd.Series) -> float:
    """Chance that two random purchases share a value: sum of squared frequencies."""
    return float((all_purchases.value_counts(normalize=True) ** 2).sum())


@pytest.mark.parametrize("persona,columns", [("visual", ("colour", "pattern")),
                                             ("textual", ("brand", "material"))])
def test_consecutive_purchases_follow_the_pair(sample: Sample, persona: str,
                                               columns: tuple[str, str]) -> None:
    frame = _persona(sample, persona).copy()
    everyone = sample.joined()
    first, second = columns
    frame["pair"] = frame[first] + "/" + frame[second]
    followed = frame["attribute"]
    both = (frame["pair"] == followed).astype(float)
    frame["hit"] = both
    cur, nxt = _consecutive(frame, "hit")
    observed = float(np.mean((cur == 1.0) & (nxt == 1.0)))
    chance = _chance_both(followed, everyone[first] + "/" + everyone[second])
    assert observed > 10 * chance, (observed, chance)
    assert both.mean() > 0.5, "most purchases follow the persona (about 3/4 unless exhausted)"
    # each attribute alone too: colour and pattern for visual, brand and material for textual
    for position, column in enumerate(columns):
        followed_one = followed.str.split("/").str[position]
        frame["hit_one"] = (frame[column] == followed_one).astype(float)
        cur, nxt = _consecutive(frame, "hit_one")
        observed_one = float(np.mean((cur == 1.0) & (nxt == 1.0)))
        chance_one = _chance_both(followed_one, everyone[column])
        assert observed_one > 3 * chance_one, (column, observed_one, chance_one)
        assert _share_rate(frame, column) > 2 * _chance_share(everyone[column]), column


def test_seasonal_customers_follow_the_calendar(sample: Sample) -> None:
    frame = _persona(sample, "seasonal")
    month = pd.to_datetime(frame["timestamp"], unit="s", utc=True).dt.month
    winter_months = frame[month.isin([12, 1])]
    summer_months = frame[month.isin([6, 7])]
    assert len(winter_months) > 100 and len(summer_months) > 100
    assert (winter_months["season"] == "winter").mean() > 0.75
    assert (summer_months["season"] == "summer").mean() > 0.75
    # and the same months look nothing like that for everybody else
    others = sample.joined()
    others = others[others["persona"] != "seasonal"]
    other_month = pd.to_datetime(others["timestamp"], unit="s", utc=True).dt.month
    assert (others[other_month.isin([12, 1])]["season"] == "winter").mean() < 0.5
    # each seasonal customer with several sessions is active across seasons
    span_days = frame.groupby("user_id")["timestamp"].agg(lambda t: (t.max() - t.min()) / 86_400)
    assert (span_days > 180).mean() > 0.9


def test_seasonal_customers_buy_the_seasons_bestsellers(sample: Sample) -> None:
    # Rank each season's items by how often non-seasonal customers buy them (their off-persona
    # purchases follow global popularity), then check where seasonal customers' in-season buys land.
    frame = sample.joined()
    others = frame[frame["persona"] != "seasonal"]
    seasonal = _persona(sample, "seasonal")
    month = pd.to_datetime(seasonal["timestamp"], unit="s", utc=True).dt.month
    for season, months in (("winter", [12, 1]), ("summer", [6, 7])):
        season_items = sample.truth_items.loc[sample.truth_items["season"] == season, "item_id"]
        counts = others["item_id"].value_counts().reindex(season_items, fill_value=0)
        top = set(counts.sort_values(ascending=False, kind="stable").index[: len(counts) // 10])
        bought = seasonal[month.isin(months) & (seasonal["season"] == season)]["item_id"]
        other_bought = others[others["season"] == season]["item_id"]
        # a tenth of the season's items takes most seasonal purchases, far more than others' share
        assert bought.isin(top).mean() > 0.5
        assert bought.isin(top).mean() > 1.5 * other_bought.isin(top).mean()


def test_collaborative_customers_buy_in_their_cluster_without_content_signal(
        sample: Sample) -> None:
    frame = _persona(sample, "collaborative")
    everyone = sample.joined()
    in_cluster = (frame["cluster"].astype(str) == frame["attribute"]).mean()
    assert in_cluster > 0.6
    base = 1.0 / sample.truth_items["cluster"].nunique()
    assert in_cluster > 10 * base
    for column in ("colour", "pattern", "brand", "material"):
        ratio = _share_rate(frame, column) / _chance_share(everyone[column])
        assert 0.7 < ratio < 1.4, (column, ratio)


def test_clusters_are_independent_of_content(sample: Sample) -> None:
    truth = sample.truth_items
    for column in ("colour", "pattern", "brand", "material", "product_type"):
        table = pd.crosstab(truth["cluster"], truth[column])
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.to_numpy().sum()
        chi2 = float(((table.to_numpy() - expected) ** 2 / expected).sum())
        dof = (table.shape[0] - 1) * (table.shape[1] - 1)
        assert chi2 < dof + 5 * np.sqrt(2 * dof), (column, chi2, dof)


def test_popular_items_are_bought_more(sample: Sample) -> None:
    counts = sample.interactions["item_id"].value_counts()
    top_share = counts.iloc[: len(counts) // 10].sum() / counts.sum()
    assert top_share > 0.2, "popularity should be skewed (Zipf-like), not uniform"


def test_text_names_brand_material_type_but_never_colour_or_pattern(sample: Sample) -> None:
    truth = sample.truth_items.set_index("item_id")
    forbidden = re.compile(r"\b(" + "|".join(sorted(FORBIDDEN_WORDS | set(COLOURS) |
                                                     set(PATTERNS))) + r")\b", re.IGNORECASE)
    for item_id, title, description in zip(sample.items["item_id"], sample.items["title"],
                                           sample.items["description"]):
        text = f"{title} {description}"
        hit = forbidden.search(text)
        assert hit is None, (item_id, hit.group(0) if hit else None, text)
        row = truth.loc[item_id]
        assert row["brand"] in title and row["brand"] in description
        assert row["material"] in title.lower() and row["material"] in description.lower()
        noun = row["product_type"].replace("_", " ")
        assert noun in title.lower() and noun in description.lower()
    assert set(truth["brand"]) <= set(BRANDS) and set(truth["material"]) <= set(MATERIALS)
    # several templates, not one
    shapes = sample.items["title"].str.replace(r"[A-Z][a-z]+", "W", regex=True).nunique()
    assert shapes >= 3


def test_image_colour_is_recoverable_from_pixels(sample: Sample) -> None:
    names = list(COLOURS)
    palette = np.array([COLOURS[c] for c in names], dtype=float)
    background = np.array(BACKGROUND, dtype=float)
    truth = sample.truth_items.set_index("item_id")
    correct = 0
    for item_id, rel in zip(sample.items["item_id"], sample.items["image"]):
        pixels = np.asarray(Image.open(sample.root / rel).convert("RGB"), dtype=float)
        shape = np.abs(pixels - background).max(axis=-1) > 12
        assert shape.mean() > 0.15, f"{item_id}: silhouette too small to see"
        mean = pixels[shape].mean(axis=0)
        nearest = names[int(np.argmin(np.linalg.norm(palette - mean, axis=1)))]
        correct += nearest == truth.loc[item_id, "colour"]
    assert correct / len(sample.items) > 0.97


def test_image_pattern_is_visible(sample: Sample) -> None:
    """Patterned items show a second, lighter tone inside the silhouette; solid ones do not."""
    truth = sample.truth_items.set_index("item_id")
    background = np.array(BACKGROUND, dtype=float)
    lighter_share: dict[str, list[float]] = {p: [] for p in PATTERNS}
    for item_id, rel in zip(sample.items["item_id"], sample.items["image"]):
        pixels = np.asarray(Image.open(sample.root / rel).convert("RGB"), dtype=float)
        shape = np.abs(pixels - background).max(axis=-1) > 12
        interior = shape.copy()  # erode by 2 px to drop the outline and the soft edge
        for shift in (1, 2):
            interior[shift:] &= shape[:-shift]
            interior[:-shift] &= shape[shift:]
            interior[:, shift:] &= shape[:, :-shift]
            interior[:, :-shift] &= shape[:, shift:]
        fill_brightness = float(np.sum(COLOURS[truth.loc[item_id, "colour"]]))
        lighter = pixels.sum(axis=-1) > fill_brightness + 60
        share = float((lighter & interior).sum() / max(1, interior.sum()))
        lighter_share[truth.loc[item_id, "pattern"]].append(share)
    assert np.quantile(lighter_share["solid"], 0.95) < 0.03
    for pattern in ("stripes", "dots", "checks"):
        assert np.quantile(lighter_share[pattern], 0.05) > 0.08, pattern
        assert np.median(lighter_share[pattern]) > 0.15, pattern
