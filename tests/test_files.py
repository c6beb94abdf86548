"""Crash-safe writes: the old file survives a failed write, and new files get normal permissions."""

import os
import stat

import pytest

from core.files import atomic_write, discard, stage


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")

    def half_then_crash(handle):
        handle.write("new, half written")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, half_then_crash, text=True)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_new_files_get_the_mode_open_would_give(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.bin", lambda handle: handle.write(b"\x00\x01"))
    finally:
        os.umask(umask)
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o644


def test_staged_files_stay_hidden_until_renamed_and_discard_removes_them(tmp_path):
    final = tmp_path / "sub" / "x.txt"
    tmp = stage(final, lambda handle: handle.write("hello"), text=True)
    assert tmp.parent == final.parent and tmp.name.startswith(".x.txt.") and not final.exists()
    discard([(tmp, final)])
    assert list(final.parent.iterdir()) == []
