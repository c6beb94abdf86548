"""docs/results.md is the render of benchmarks/results/, and every result file says how it was measured."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture
def benchmarks(monkeypatch):
    """The benchmark scripts' folder on the import path, as `python benchmarks/<script>.py` has it."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))


def test_docs_results_is_the_render_of_the_result_files(benchmarks):
    import report

    committed = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    assert committed == report.render(), "docs/results.md is out of date: run `python benchmarks/report.py`"


def test_every_table_names_its_source_file_and_the_file_exists(benchmarks):
    page = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    sources = re.findall(r"\*Source: `(benchmarks/results/[^`]+)`", page)
    assert len(sources) >= 20
    assert all((ROOT / s).is_file() for s in sources)
    tables = [block for block in page.split("\n\n") if block.startswith("| ")]
    assert tables and all("*Source:" in page.split(block, 1)[1].split("\n## ", 1)[0] for block in tables)


def test_a_result_file_written_now_records_command_commit_cores_load_and_threads(benchmarks, tmp_path):
    import harness
    import torch

    path = harness.write_json(tmp_path / "figures.json", {"seconds": 1.5})
    record = json.loads(path.read_text())
    assert record["seconds"] == 1.5
    measured = record["measured"]
    assert {"command", "commit", "date", "cores", "load_average", "torch_threads"} <= set(measured)
    assert len(measured["load_average"]) == 3 and measured["torch_threads"] == torch.get_num_threads()
    assert re.fullmatch(r"[0-9a-f]{12}(-dirty)?", measured["commit"])
    assert not list(tmp_path.glob("*.tmp"))  # written atomically


def test_every_benchmark_script_writes_its_results_through_the_harness():
    scripts = [p for p in BENCHMARKS.glob("*.py") if not p.name.startswith(("harness", "report"))]
    by_hand = [p.name for p in scripts if re.search(r"write_text\(json\.dumps", p.read_text())]
    assert by_hand == [], f"these scripts write JSON without benchmarks/harness.py: {by_hand}"
    listed = (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in scripts if f"`{p.name}`" not in listed] == [], "benchmarks/README.md lists every script"
