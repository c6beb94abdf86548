"""The README is short, and its commands are the ones that work: the two `make` targets, every
`python -m core` line (parsed by the CLI), and the bring-your-own-data example, run for real."""

from __future__ import annotations

import gzip
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _bash(section: str) -> list[str]:
    """The command lines of a section's ```bash blocks, comments stripped."""
    blocks = re.findall(r"```bash\n(.*?)```", _section(section), flags=re.S)
    lines = [line.split("  #", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_readme_stays_short():
    assert len(README.splitlines()) <= 300


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one():
    assert _bash("Two commands") == ["make app", "make test"]
    app = subprocess.run(["make", "-n", "app", "OPEN=0"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "pages.common.serve" in app and "http://localhost:8501" in app
    test = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "pytest" in test and "ruff check" in test and "lint-imports" in test
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_core_command_in_the_readme_parses():
    from core.cli import build_parser

    placeholders = {"F": "amazon", "SOURCES": "dump.json.gz", "DATA": "sample_data", "M": "hm4sr",
                    "RUN": "runs/sample_data/hm4sr", "[--item P0042]": "--item P0042", "[--umap]": "--umap"}
    lines = re.findall(r"`(python -m core [^`]+)`", README)
    lines += [line for line in _bash("Bring your own data") if line.startswith("python -m core")]
    assert len(lines) >= 10
    for line in lines:
        for key, value in placeholders.items():
            line = re.sub(rf"(?<![\w-]){re.escape(key)}(?![\w-])", value, line)
        if "<command>" in line:  # "python -m core <command> --help" in the prose
            continue
        build_parser().parse_args(shlex.split(line)[3:])  # SystemExit (a failed test) for an unknown flag


def _amazon_dump(folder: Path, users: int = 24, items: int = 12, per_user: int = 6) -> None:
    """A small 2018-layout Amazon dump under the README's file names, dense enough for the 5-core."""
    reviews, t0 = [], 1_500_000_000
    for u in range(users):
        for step in range(per_user):
            reviews.append({"reviewerID": f"U{u}", "asin": f"B{(u + step) % items:03d}", "overall": 5.0,
                            "unixReviewTime": t0 + (u * per_user + step) * 86_400})
    meta = [{"asin": f"B{i:03d}", "title": f"Lipstick {i}", "description": [f"A shade called {i}."],
             "category": ["Beauty", "Makeup"], "brand": "Acme"} for i in range(items)]
    for name, rows in (("reviews_Beauty_5.json.gz", reviews), ("meta_Beauty.json.gz", meta)):
        (folder / name).write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))


@pytest.mark.slow
def test_the_bring_your_own_data_example_runs(tmp_path, monkeypatch):
    from core.cli import main

    _amazon_dump(tmp_path)
    monkeypatch.chdir(tmp_path)
    steps = [line for line in _bash("Bring your own data") if line.startswith("python -m core")]
    assert [shlex.split(s)[3] for s in steps] == ["import", "features", "train"]
    for line in steps:
        args = shlex.split(line)[3:]
        if args[0] == "train":
            args += ["--epochs", "1", "--device", "cpu"]  # the README's command, a shorter budget
        assert main(args) == 0, line
    assert (tmp_path / "data" / "beauty" / "features" / "text.npy").is_file()
    assert (tmp_path / "runs" / "beauty" / "hm4sr" / "metrics.json").is_file()
