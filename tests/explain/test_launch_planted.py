"""Planted truth (issue 16, "Done when"): a simulated new product reaches the sample's planted followers of
what it shows. A product drawn in a visual persona's colour and pattern gets the visual customers who follow
that colour as the majority of its top-100; one whose text names a textual persona's brand and material gets
the textual customers who follow that brand or material.

A compact HM4SR is trained on the whole shipped sample (2,000 customers; ~50 s on one thread), twice:
under the paper's loss and under the default one (see FLOORS). The 150 customers per persona of the
explanation tests' slice hold only ~19 followers of a colour, too few to fill a top-100 (the whole sample:
58-68 per colour). Measured with the paper's loss (12 epochs; top-100 by margin in SDs): colour followers
56 (black/solid coat), 58 (red/stripes shirt), 62 (yellow/dots dress), 53 (pink/checks bag);
brand-or-material followers 58 (Verano/cotton), 56 (Solenne/leather), 68 (Nordvik/denim). With the default
loss: 54, 50, 55, 46; 60, 52, 67. STAIR does not hold (colour followers 1-5, brand-or-material 32-39 of
100), so it is not asserted here. Fully trained models reach fewer (docs/results.md, "Each stream's own
cross-entropy"; ``benchmarks/launch_reach.py``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from core.data import load_dataset
from core.explain.launch import launch_baseline, simulate_launch
from core.features.draft import encode_draft
from core.sample import planted_launches
from tests.explain.planted import SAMPLE, train_compact

TOP = 100
CASES = planted_launches()
#: The least number of planted followers in a top-100, by the loss the compact model trains with.
#: Under the paper's loss (stream_weight 0) the majority (issue 16). Under the default, each stream
#: also learns to rank alone, which makes content more generic: measured 46-55 (visual) and
#: 52-67 (textual) after the same 12 epochs, against 53-62 and 56-68 under the paper's loss; still
#: 15x the share of a colour's followers among all customers (3 %).
FLOORS = {"paper loss": ({"stream_weight": 0.0}, TOP // 2), "default loss": ({}, 40)}

pytestmark = pytest.mark.skipif(not (SAMPLE / "truth" / "customers.csv").is_file(),
                                reason="needs the shipped sample catalogue")


@pytest.fixture(scope="module", params=list(FLOORS))
def loss(request):
    return request.param


@pytest.fixture(scope="module")
def sample_run(loss, tmp_path_factory):
    data = load_dataset(SAMPLE)
    return train_compact(data, tmp_path_factory.mktemp("launch_run"), **FLOORS[loss][0])


@pytest.fixture(scope="module")
def baseline(sample_run):
    return launch_baseline(sample_run, k=10)


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype=str).set_index("user_id")


def _launch(case, sample_run, baseline):
    return simulate_launch(sample_run, encode_draft(case.draft, sample_run.data), k=10, baseline=baseline)


@pytest.mark.parametrize("case", [c for c in CASES if c.persona == "visual"], ids=lambda c: c.name)
def test_a_product_drawn_in_a_colour_reaches_that_colours_visual_followers(sample_run, baseline, truth, loss,
                                                                          case):
    assert case.draft.image is not None and not case.draft.description  # a photo; no brand, no material
    result = _launch(case, sample_run, baseline)
    assert case.followers(result.top(TOP)["user_id"], truth) > FLOORS[loss][1]
    assert result.zero_parts == ("id",)  # HM4SR has no learned ID vector for a product it never saw


@pytest.mark.parametrize("case", [c for c in CASES if c.persona == "textual"], ids=lambda c: c.name)
def test_a_product_whose_text_names_a_brand_and_material_reaches_their_textual_followers(sample_run, baseline, truth,
                                                                                         loss, case):
    assert case.draft.image is None  # no photo
    result = _launch(case, sample_run, baseline)
    assert case.followers(result.top(TOP)["user_id"], truth) > FLOORS[loss][1]
    # the text carries it: a product without a photo gets no more from the image than an average product
    best = result.ranking.head(TOP)
    assert (best["share_text"] > best["share_image"]).all()
    assert best["share_image"].max() < 0.05
