"""Models are named as people write them, in one place (footnotes of slides, the Compare page)."""

from core.models import model_title


def test_a_model_is_named_by_its_class_and_an_unknown_one_as_it_is():
    assert model_title("hm4sr") == "HM4SR" and model_title("stair") == "STAIR" and model_title("sasrec") == "SASRec"
    assert model_title("my_model") == "my_model" and model_title(None) is None
