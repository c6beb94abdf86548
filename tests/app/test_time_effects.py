"""The time effects page on tiny trained runs (streamlit AppTest)."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from core import explain
from core.explain.gates import gap_labels, name_time_experts
from core.explain.gates import gates as gate_view
from core.explain.screen_sentences import rank_shift_sentence, routing_sentence, shift_sentence
from core.explain.words import pct
from tests.app.conftest import APP
from tests.app.headers import jargon_on_screen
from tests.app.helpers import chart, charts, choose_run, messages, open_page, values
from tests.app.helpers import shown as shown_text

MONTHS = range(-12, 13)


def test_moving_now_re_ranks_with_the_cores_numbers(shop_app, shop_trained):
    at = open_page("pages/time_effects.py", "U004")
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Recommendations unchanged"] == "100%"  # no shift yet
    followed = at.selectbox(key="time_item").value
    assert followed in explain.recommendations(shop_trained, "U004", k=10)["item_id"].tolist()
    expected = explain.time_shift(shop_trained, "U004", months=MONTHS, k=10, item_id=followed).set_index("months")
    at.slider(key="time_months").set_value(-9).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Recommendations unchanged"] == pct(expected.loc[-9, "overlap"])
    assert shown["Rank of the followed product"] == f"#{int(expected.loc[-9, 'item_rank'])}"
    now_list, shifted = (d.value for d in at.dataframe if "new" in d.value.columns)
    assert now_list["item_id"].tolist() == list(expected.loc[0, "top_k"])
    assert shifted["item_id"].tolist() == list(expected.loc[-9, "top_k"])
    title_of = dict(zip(shop_trained.data.item_ids, shop_trained.data.items["title"]))
    assert shifted["title"].tolist() == [title_of[i] for i in shifted["item_id"]]  # each product's own title
    assert (shifted["new"] == "new").sum() == round(10 * (1 - expected.loc[-9, "overlap"]))
    titles = list(charts(at))
    if (expected["overlap"] >= 1).all():  # a flat line at 100 % is replaced by its sentence
        assert not [t for t in titles if t.startswith("How much the top list changes")]
    else:
        curve = chart(at, "How much the top list changes when “now” moves")
        assert values(curve["data"][0]["y"]).tolist() == [100 * v for v in expected["overlap"]]
    assert bool([t for t in titles if t.startswith("Rank of ")]) == (expected["item_rank"].nunique() > 1)
    # the sentences beside the charts are made from the frames drawn
    text = [shown_text(m.value).strip("*") for m in at.markdown]
    assert shift_sentence("U004", "“now”", expected.index, expected["overlap"], -9, 10) in text
    title = title_of[followed]
    assert rank_shift_sentence(title, expected.index, expected["item_rank"], -9) in text
    routing = chart(at, "Which time expert handles which gap between purchases")
    assert routing["layout"]["xaxis"]["title"]["text"] == "Days since the previous purchase"
    population = explain.routing_by_interval(shop_trained)
    names = dict(zip(*name_time_experts(population)[["expert", "name"]].to_numpy().T))
    assert sorted(t["name"] for t in routing["data"]) == sorted(names.values())  # experts named, not numbered
    assert all(n.startswith("Time expert ") and " — " in n for n in names.values())
    top = population.loc[population.groupby("interval_days")["weight"].idxmax()].sort_values("interval_days")
    gaps = gap_labels(population["interval_days"].unique())
    assert routing_sentence([gaps[d] for d in top["interval_days"]], [f"Time expert {e + 1}" for e in top["expert"]],
                            top["weight"].tolist()) in text
    per_purchase = chart(at, "Time experts chosen for each purchase of U004")
    assert all(re.match(r"\d{1,2} [A-Z][a-z]{2} \d{4} \(\d+ d\)", x) for x in per_purchase["data"][0]["x"])
    heights = {}  # one bar per purchase, each adding up to 100 %
    for trace in per_purchase["data"]:
        for x, y in zip(trace["x"], values(trace["y"])):
            heights[x] = heights.get(x, 0.0) + y
    assert len(heights) == len(gate_view(shop_trained, "U004").routes["position"].unique())
    assert all(abs(h - 100.0) < 1e-3 for h in heights.values())
    assert not jargon_on_screen(at), jargon_on_screen(at)


def test_moving_one_purchase_date(shop_app, shop_trained):
    at = open_page("pages/time_effects.py", "U006")
    at.radio(key="time_mode").set_value("The date of one past purchase").run()
    at.selectbox(key="time_purchase").set_value(7).run()
    at.slider(key="time_months").set_value(12).run()
    assert not at.exception
    followed = at.selectbox(key="time_item").value
    assert followed in explain.recommendations(shop_trained, "U006", k=10)["item_id"].tolist()
    expected = explain.time_shift(shop_trained, "U006", months=MONTHS, purchase=7, k=10, item_id=followed)
    row = expected.loc[expected["months"] == 12].iloc[0]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Recommendations unchanged"] == pct(row["overlap"])
    assert shown["Rank of the followed product"] == f"#{int(row['item_rank'])}"
    if (expected["overlap"] >= 1).all():
        assert "no shift between" in " ".join(m.value for m in at.markdown)
    else:
        assert chart(at, "How much the top list changes when the purchase")


def test_models_without_time_get_a_friendly_note(shop_app):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/time_effects.py").run()
    choose_run(at, "popularity")
    assert not at.exception
    text = messages(at)
    assert "does not use purchase times" in text
    assert "has no time experts" in text
