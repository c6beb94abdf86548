"""Golden output of ``python -m core explain`` / ``recommend`` on three sample customers.

The golden file ``tests/golden/explain.json`` was written by this module (``python -m
tests.test_golden_explain``) at commit 262e978, before the scoring path was redesigned; the
redesign must print the same numbers. Keys added since then, with the value the pinned models
give (``bought_before_offset``: null, the HM4SR here has no offset; ``gates.fusion_weights``: null,
its streams are trained jointly), were added to the file by hand.

Regenerated once at the change to one signed attribution (issue 30): every score, part, rank,
gate and what-if number stayed as it was (checked key by key to 1e-4); the signed shares replace
the clipped ones, and each recommendation gained ``baseline``, ``lift_<part>``, ``lacks`` and
``why``, each explanation a ``summary``.

Two tiny models are trained for one epoch on the shipped sample with a fixed seed: HM4SR (three
modality parts, gates, time routes) and STAIR (two bands).
Every setting that shapes them is pinned (HM4SR trains on the main loss alone), so a later change
of a model's defaults or auxiliary losses does not move what this file guards: the road from a
trained model to the printed numbers.
Item ids and ranks must match exactly; floats to 1e-4 (the CPU kernels of another machine may
round differently in the last digits).
"""

from __future__ import annotations

import json
import math
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "explain.json"
CUSTOMERS = ("C0001", "C0002", "C0003")  # collaborative, textual, seasonal personas
MODELS = {
    "hm4sr": ["dim=8", "n_layers=1", "n_heads=1", "ffn_dim=16", "max_len=12", "n_experts=2", "dropout=0.0",
              "cp_weight=0", "idcl_weight=0", "pcl_weight=0", "use_imoe=true", "use_tmoe=true",
              "use_query_time=true", "absolute_time=calendar", "normalize_features=true",
              "repeat_offset=false", "fusion=joint", "stream_weight=0"],
    "stair": ["dim=16", "n_layers=2", "gamma=12", "use_mi=true", "use_fsc=true", "use_bsc=true"],
}


def _cli(args: list[str]) -> str:
    from core.cli import main

    out = StringIO()
    with redirect_stdout(out):
        assert main(args) == 0
    return out.getvalue()


def outputs(runs: Path) -> dict:
    """Train both tiny models under ``runs`` and collect the CLI's JSON outputs."""
    result = {}
    for model, sets in MODELS.items():
        run = runs / model
        _cli(["train", "--data", str(ROOT / "sample_data"), "--model", model, "--out", str(run), "--epochs", "1",
              "--device", "cpu", "--seed", "0", *[a for s in sets for a in ("--set", s)]])
        for user in CUSTOMERS:
            result[f"{model}/explain/{user}"] = json.loads(_cli(["explain", str(run), "--user", user, "--json"]))
            result[f"{model}/recommend/{user}"] = json.loads(_cli(["recommend", str(run), "--user", user, "-k", "10",
                                                                   "--json"]))
    return result


def _compare(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{where}: keys {sorted(got)} != {sorted(want)}"
        for key in want:
            _compare(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for n, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, f"{where}[{n}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, (int, float)), f"{where}: {got!r} is not a number"
        assert math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-4), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def test_the_golden_explanations_add_up_from_the_average_product():
    """baseline + Σ lift_<part> = score for every recommendation, each with its sentence, and at
    least one part counting against a product (shown negative, never clipped)."""
    want = json.loads(GOLDEN.read_text())
    negative = 0
    for key, explanation in want.items():
        if "/explain/" not in key:
            continue
        assert explanation["summary"].startswith(f"{explanation['user_id']}'s top ")
        for row in explanation["recommendations"]:
            lifts = [row[f"lift_{p}"] for p in explanation["parts"]]
            assert math.isclose(row["baseline"] + sum(lifts), row["score"], abs_tol=1e-3), (key, row["item_id"])
            assert row["why"] and row["why"].endswith(".")
            negative += sum(v < 0 for v in lifts)
    assert negative > 0


@pytest.mark.slow
def test_explain_and_recommend_print_the_golden_numbers(tmp_path):
    want = json.loads(GOLDEN.read_text())
    got = outputs(tmp_path)
    assert set(got) == set(want)
    for key in want:
        _compare(got[key], want[key], key)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        data = outputs(Path(tmp))
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")
