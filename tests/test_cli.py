"""The command line end to end on a tiny dataset: train, evaluate, recommend, and readable errors."""

from __future__ import annotations

import json

import pytest

from core.cli import main


@pytest.fixture(scope="module")
def trained(cyclic_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "pop"
    assert main(["train", "--data", str(cyclic_dir), "--model", "popularity", "--out", str(out),
                 "--k-core", "2", "--device", "cpu"]) == 0
    return out


def test_evaluate_json_matches_the_run(trained, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(trained), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "popularity" and report["best_epoch"] == 0
    assert set(report["test"]) >= {"ndcg@10", "hr@20", "mrr@5"}


def test_recommend_lists_k_unseen_items(trained, cyclic_data, capsys):
    capsys.readouterr()
    assert main(["recommend", str(trained), "--user", "U000", "-k", "5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    seen = {cyclic_data.item_ids[i] for i in cyclic_data.user_sequence(cyclic_data.user_index("U000"))[0]}
    assert not seen & {r["item_id"] for r in rows}
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_unknown_customer_gets_a_readable_message(trained):
    with pytest.raises(SystemExit, match="user 'nobody' is not in dataset"):
        main(["recommend", str(trained), "--user", "nobody"])


def test_bad_data_is_reported_without_a_traceback(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "absent"), "--model", "sasrec"]) == 2
    assert "error:" in capsys.readouterr().err


def test_unknown_model_option_lists_valid_keys(cyclic_dir, tmp_path, capsys):
    code = main(["train", "--data", str(cyclic_dir), "--model", "sasrec", "--k-core", "2",
                 "--out", str(tmp_path / "x"), "--set", "dimm=8"])
    assert code == 2
    assert "unknown SASRecConfig key(s) ['dimm']; valid keys are" in capsys.readouterr().err


def test_help_names_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("make-sample", "features", "train", "evaluate", "recommend"):
        assert command in text


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"]])
def test_help_does_not_import_torch(argv):
    """``python -m core --help`` stays quick: building the parser loads no torch."""
    import subprocess
    import sys
    from pathlib import Path

    probe = ("import runpy, sys\n"
             f"sys.argv = ['python -m core', *{argv!r}]\n"
             "try:\n    runpy.run_module('core', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('TORCH', 'torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert "usage: python -m core" in done.stdout
    assert done.stdout.strip().endswith("TORCH False")


def test_model_names_are_the_registered_models():
    from core.cli import MODEL_NAMES
    from core.models import MODELS

    assert sorted(MODEL_NAMES) == sorted(MODELS)


def test_train_defaults_come_from_train_config(capsys):
    import dataclasses

    from core.cli import build_parser
    from core.training import TrainConfig

    args = build_parser().parse_args(["train", "--data", "d", "--model", "sasrec"])
    for name in ("epochs", "patience", "batch_size", "steps_per_epoch", "lr", "weight_decay", "seed", "device"):
        assert getattr(args, name) == getattr(TrainConfig(), name), name
    assert {f.name for f in dataclasses.fields(TrainConfig)} >= {"epochs", "lr", "batch_size"}
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"maximum epochs (default {TrainConfig.epochs})" in text
    assert f"learning rate (default {TrainConfig.lr:g})" in text
    assert f"training batch size (default {TrainConfig.batch_size})" in text


def test_evaluate_under_the_unmasked_protocol_re_ranks_the_best_checkpoint(trained, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(trained), "--json"]) == 0
    masked = json.loads(capsys.readouterr().out)
    assert main(["evaluate", str(trained), "--json", "--protocol", "unmasked"]) == 0
    unmasked = json.loads(capsys.readouterr().out)
    assert (masked["protocol"], unmasked["protocol"]) == ("masked", "unmasked")
    # popularity ranks bought items too when nothing is masked, so every target can only fall
    assert unmasked["test"]["ndcg@10"] < masked["test"]["ndcg@10"]
    assert unmasked["test"]["hr@50"] <= masked["test"]["hr@50"]


def test_a_named_preset_sets_the_model_config_and_set_still_wins(featured_dir, tmp_path, capsys):
    out = tmp_path / "paper"
    assert main(["train", "--data", str(featured_dir), "--model", "hm4sr", "--preset", "paper", "--out", str(out),
                 "--k-core", "2", "--epochs", "1", "--device", "cpu", "--set", "dim=8", "--set", "max_len=6"]) == 0
    config = json.loads((out / "run.json").read_text())["model_config"]
    assert config["absolute_time"] == "paper" and config["use_query_time"] is False and config["dim"] == 8
    assert config["dropout"] == 0.5 and config["pcl_weight"] == 1.0  # the paper's, not our defaults (0.4, 0)
    sasrec = tmp_path / "sasrec-paper"
    assert main(["train", "--data", str(featured_dir), "--model", "sasrec", "--preset", "paper", "--out", str(sasrec),
                 "--k-core", "2", "--epochs", "1", "--device", "cpu", "--set", "dim=8", "--set", "max_len=6"]) == 0
    assert json.loads((sasrec / "run.json").read_text())["model_config"]["repeat_offset"] is False  # published
    with pytest.raises(SystemExit, match="LightGCNConfig has no preset 'paper'; presets: none"):
        main(["train", "--data", str(featured_dir), "--model", "lightgcn", "--preset", "paper",
              "--out", str(tmp_path / "x"), "--k-core", "2"])
