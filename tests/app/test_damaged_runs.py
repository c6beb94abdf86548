"""Damaged and missing run files: a message naming the file, what is wrong and the fix, in the CLI
and on the pages (AppTest), while the other runs keep opening.

Each test damages a copy of the tiny shop's runs (``tiny_shop/hm4sr`` and ``tiny_shop/popularity``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.cli import main
from core.training import RunDir
from tests.app.helpers import choose_run, messages, open_page, shown, table_with

USER = "U005"


@pytest.fixture()
def runs(private_runs) -> Path:
    return private_runs


def hm4sr(runs: Path) -> RunDir:
    return RunDir(runs / "tiny_shop" / "hm4sr")


def truncate(path: Path, keep: float = 0.5) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep)])


def cli(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def page_error(at) -> str:
    assert not at.exception, at.exception
    return messages(at)


# ------------------------------------------------------------------ truncated checkpoint
def test_truncated_checkpoint_is_named_in_the_cli_and_on_the_page(runs, capsys):
    run = hm4sr(runs)
    truncate(run.best_path)
    code, err = cli(capsys, "recommend", str(run.root), "--user", USER)
    assert code == 2
    assert f"{run.best_path}: the checkpoint is damaged or incomplete" in err
    assert f"Fix: delete the run directory {run.root} and train it again" in err
    assert "--model hm4sr" in err  # the retrain command is filled in from run.json
    assert cli(capsys, "recommend", str(runs / "tiny_shop" / "popularity"), "--user", USER)[0] == 0

    at = open_page("pages/explorer.py")
    choose_run(at, "hm4sr")
    text = page_error(at)
    assert f"This trained model cannot be opened: {run.best_path}: the checkpoint is damaged" in text
    assert "Fix: delete the run directory" in text
    choose_run(at, "popularity")  # the other run still opens on the same page
    assert not at.exception and not at.error
    assert len(table_with(at, "item_id", "score")) == 10

    at = open_page("pages/overview.py")  # listed with its problem, not hidden
    table = table_with(at, "run", "problem")  # the details table gains a problem column when a run has one
    problems = dict(zip(table["run"], table["problem"]))  # runs by their folder name
    assert "damaged or incomplete" in problems["hm4sr"] and problems["popularity"] == ""
    assert "Trained model “tiny_shop/hm4sr” is damaged" in page_error(at)


# ------------------------------------------------------------------ invalid run.json
def test_invalid_run_json_is_named_and_the_run_listed(runs, capsys):
    run = hm4sr(runs)
    run.info_path.write_text('{"model": "hm4sr", model_config: {}}')
    for command in (["evaluate", str(run.root)], ["recommend", str(run.root), "--user", USER]):
        code, err = cli(capsys, *command)
        assert code == 2
        assert (f"{run.info_path}, line 1: the file is not valid JSON (Expecting property name enclosed in "
                "double quotes, column 20)") in err
        assert f"Fix: delete the run directory {run.root}" in err

    at = open_page("pages/overview.py")
    text = page_error(at)
    assert (f"Trained model “tiny_shop/hm4sr” cannot be read: {run.info_path}, line 1: the file is not valid "
            "JSON") in text
    table = table_with(at, "run", "model")  # no problem column: the readable run has none
    assert table["run"].tolist() == ["popularity"] and "problem" not in table

    at = open_page("pages/explorer.py", USER)  # the other run opens; the sidebar names the broken one
    assert not at.exception and not at.error
    assert at.selectbox(key="sidebar_run").options == ["tiny_shop/popularity"]
    assert any("run.json, line 1: the file is not valid JSON" in shown(w.value) for w in at.sidebar.warning)


def test_run_json_without_a_field_says_which(runs, capsys):
    run = hm4sr(runs)
    run.info_path.write_text('{"model": "hm4sr", "model_config": {}, "data": {"name": "tiny_shop"}}')
    code, err = cli(capsys, "evaluate", str(run.root))
    assert code == 2
    assert f"{run.info_path}, field 'data.path': the field 'data.path' is missing." in err


# ------------------------------------------------------------------ missing and damaged snapshots
def test_missing_snapshots_are_named_on_the_drift_page_and_in_the_cli(runs, capsys):
    run = hm4sr(runs)
    shutil.rmtree(run.snapshot_dir)
    code, err = cli(capsys, "drift", str(run.root))
    assert code == 2
    assert f"{run.snapshot_dir}: the item-embedding snapshots of epoch(s) 0, 1 are missing" in err
    assert "Fix: delete the run directory" in err

    at = open_page("pages/drift.py")
    choose_run(at, "hm4sr")
    text = page_error(at)
    assert f"{run.snapshot_dir}: the item-embedding snapshots of epoch(s) 0, 1 are missing" in text
    choose_run(at, "popularity")  # the page keeps working for the other run
    assert not at.exception and not at.error
    assert "no product embeddings that change during training" in messages(at)


def test_truncated_snapshot_is_named(runs, capsys):
    run = hm4sr(runs)
    truncate(run.snapshot_path(1))
    code, err = cli(capsys, "drift", str(run.root))
    assert code == 2
    assert f"{run.snapshot_path(1)}: the snapshot is damaged or incomplete" in err


# ------------------------------------------------------------------ metrics, history, explanation caches
def test_damaged_metrics_and_history_are_named(runs, capsys):
    run = hm4sr(runs)
    run.metrics_path.write_text('{"best_epoch": 1, "valid": {}, "te')
    code, err = cli(capsys, "evaluate", str(run.root))
    assert code == 2
    assert f"{run.metrics_path}, line 1: the file is not valid JSON" in err
    assert "Fix: run `python -m core train` again with the same --out" in err
    assert run.problem().startswith(f"{run.metrics_path}, line 1: the file is not valid JSON")

    run.metrics_path.unlink()
    assert run.problem().startswith(f"{run.metrics_path}: the file is missing although training finished.")
    run.history_path.write_text('[{"epoch": 1}, "two"]')
    assert run.problem() == (f"{run.history_path}, field 'epoch': record 2 is not an epoch record (an object with an "
                             f"integer 'epoch'). Fix: delete {run.history_path} and {run.last_path} and train "
                             "again with the same --out (training restarts from the first epoch).")


def test_damaged_explanation_cache_says_delete_the_cache(runs, capsys):
    run = hm4sr(runs)
    assert cli(capsys, "drift", str(run.root))[0] == 0  # fills RUN/explain/
    meta = sorted(run.explain_dir.glob("drift_stats-*.json")) or sorted(run.explain_dir.glob("*.json"))
    truncate(meta[0])
    code, err = cli(capsys, "drift", str(run.root))
    assert code == 2
    assert f"{meta[0]}: the cached explanation is damaged" in err
    assert f"Fix: delete the cache folder {run.explain_dir} (it is rebuilt when next needed)" in err
    assert cli(capsys, "drift", str(run.root), "--recompute")[0] == 0  # the fix it names works
