"""Output folders replaced whole (matcher.io.atomic): what is kept, removed, cleaned, refused."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from matcher.io import atomic, swap
from matcher.io.atomic import atomic_output, leftovers, reading, recover_interrupted_swap
from matcher.io.out_folder import OutputFolderError, out_folder_problems
from matcher.io.run_times import split_run_times

OWNS = {"pairings.csv", "schedule.csv", "calendars"}


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def old_plan(folder: Path) -> Path:
    """A folder as an earlier run and its coordinator left it."""
    (folder / "calendars").mkdir(parents=True)
    (folder / "calendars" / "round.ics").write_text("old calendar\n")
    (folder / "pairings.csv").write_text("old pairings\n")
    (folder / "schedule.csv").write_text("old schedule\n")
    (folder / "notes.xlsx").write_bytes(b"the coordinator's notes")
    (folder / "mine").mkdir()
    (folder / "mine" / "letter.txt").write_text("a letter\n")
    (folder / "shortcut").symlink_to("notes.xlsx")
    return folder


def write_new(folder: Path) -> None:
    with atomic_output(folder, owns=OWNS) as build:
        (build / "pairings.csv").write_text("new pairings\n")


def test_a_rewrite_replaces_owned_files_removes_unwritten_ones_and_carries_the_rest(
    tmp_path: Path,
) -> None:
    out = old_plan(tmp_path / "out")
    write_new(out)
    assert files(out) == {
        "mine/letter.txt": b"a letter\n",
        "notes.xlsx": b"the coordinator's notes",
        "pairings.csv": b"new pairings\n",
    }
    assert os.readlink(out / "shortcut") == "notes.xlsx"
    assert leftovers(out) == []


def test_a_failed_write_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out = old_plan(tmp_path / "out")
    before = files(out)
    with pytest.raises(RuntimeError, match="half way"), atomic_output(out, owns=OWNS) as build:
        (build / "pairings.csv").write_text("new pairings\n")
        raise RuntimeError("half way")
    assert files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_write_into_a_new_folder_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "new" / "deeper" / "out"):
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_killed_runs_beside_and_inside_are_removed_by_the_next_write(
    tmp_path: Path,
) -> None:
    out = old_plan(tmp_path / "out")
    ours = [
        tmp_path / ".out.matcher-tmp-0123abcd",
        tmp_path / ".out.matcher-old-89abcdef",
        tmp_path / ".out.matcher-ready-00ff00ff",
        out / ".staging-a1b2_c3d",  # what earlier versions left inside
    ]
    not_ours = [
        tmp_path / ".out.matcher-tmp-notours",
        tmp_path / ".other.matcher-tmp-0123abcd",
        tmp_path / "out.matcher-tmp-0123abcd",
        out / ".staging-notes",
    ]
    for folder in ours + not_ours:
        folder.mkdir()
        (folder / "file").write_text("x")
    assert leftovers(out) == sorted(ours)
    write_new(out)
    assert leftovers(out) == []
    assert all(folder.is_dir() for folder in not_ours)


def test_without_an_atomic_exchange_two_renames_give_the_same_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_new(old_plan(tmp_path / "exchanged"))
    monkeypatch.setattr(swap, "exchange", lambda first, second: False)
    write_new(old_plan(tmp_path / "renamed"))
    assert files(tmp_path / "renamed") == files(tmp_path / "exchanged")
    assert leftovers(tmp_path / "renamed") == []


def test_a_swap_stopped_between_its_two_renames_is_finished_by_the_next_reader(
    tmp_path: Path,
) -> None:
    # What a run without the atomic exchange leaves when killed between its renames.
    ready = tmp_path / ".out.matcher-ready-0123abcd"
    ready.mkdir()
    (ready / "pairings.csv").write_text("new pairings\n")
    old = tmp_path / ".out.matcher-old-0123abcd"
    old.mkdir()
    (old / "pairings.csv").write_text("old pairings\n")
    recover_interrupted_swap(tmp_path / "out")
    assert files(tmp_path / "out") == {"pairings.csv": b"new pairings\n"}
    write_new(tmp_path / "out")  # and the next writer removes the old folder
    assert leftovers(tmp_path / "out") == []


def test_a_symlinked_out_keeps_its_link_and_replaces_the_folder_it_points_to(
    tmp_path: Path,
) -> None:
    real = old_plan(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real)
    write_new(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert (real / "pairings.csv").read_text() == "new pairings\n"
    assert leftovers(real) == []


def test_the_folder_keeps_its_permissions(tmp_path: Path) -> None:
    out = old_plan(tmp_path / "out")
    out.chmod(0o750)
    write_new(out)
    assert out.stat().st_mode & 0o777 == 0o750


def test_a_filesystem_error_is_an_output_folder_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = old_plan(tmp_path / "out")
    before = files(out)

    def refuse(first: Path, second: Path) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(swap, "exchange", refuse)
    with pytest.raises(OutputFolderError, match=r"could not write it \(Permission denied\)"):
        write_new(out)
    assert files(out) == before
    assert leftovers(out) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
@pytest.mark.parametrize("way", ["glibc", "syscall"])
def test_renameat2_exchanges_two_folders(tmp_path: Path, way: str) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    call = swap.via_glibc(libc) if way == "glibc" else swap.via_syscall(libc, platform.machine())
    if call is None:
        pytest.skip(f"no renameat2 through {way} here")
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / name).write_text(name)
    assert call(bytes(tmp_path / "a"), bytes(tmp_path / "b")) == 0
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["a"]


def test_out_may_not_be_hold_or_sit_in_the_input(tmp_path: Path) -> None:
    round_ = tmp_path / "round"
    round_.mkdir()
    workbook = tmp_path / "book" / "round.xlsx"
    workbook.parent.mkdir()
    workbook.write_bytes(b"")
    cases = {
        round_: "is the input folder",
        round_ / "out": "is inside the input folder",
        tmp_path: "holds the input folder",
        workbook: "is the input workbook",
        workbook.parent: "holds the input workbook",
    }
    for out, problem in cases.items():
        found = out_folder_problems(out, inputs=[round_, workbook])
        assert any(problem in p for p in found), (out, found)
    assert out_folder_problems(tmp_path / "out", inputs=[round_, workbook]) == []


def test_out_may_not_be_or_hold_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out" / "calendars").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "out" / "calendars")
    for out in (Path("."), Path(".."), tmp_path / "out"):
        assert any("is the current folder or holds it" in p for p in out_folder_problems(out))
    with pytest.raises(OutputFolderError), atomic_output("."):
        pass
    assert out_folder_problems(Path("new")) == []


def test_a_current_folder_that_no_longer_exists_is_a_problem_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A shell left inside a folder an earlier run replaced.
    def gone() -> str:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(os, "getcwd", gone)
    (problem,) = out_folder_problems("out")
    assert "the current folder no longer exists" in problem


def test_out_may_not_be_a_file_or_a_mount_point(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert "is a file" in out_folder_problems(tmp_path / "file")[0]
    assert any("mount point" in p for p in out_folder_problems(Path("/")))


def test_run_times_leave_the_summary_at_every_level() -> None:
    summary = {
        "status": "OPTIMAL",
        "wall_time_seconds": 0.5,
        "scheduling": {"objective": 3, "seconds": 0.25, "terms": {"a": 1}},
    }
    kept, times = split_run_times(summary)
    assert kept == {"status": "OPTIMAL", "scheduling": {"objective": 3, "terms": {"a": 1}}}
    assert times == {"wall_time_seconds": 0.5, "scheduling": {"seconds": 0.25}}


def test_nested_writes_beside_the_same_folder_do_not_wait_for_each_other(tmp_path: Path) -> None:
    # The lock is per process: a second write beside the first one (a bench writing a round
    # while writing its results, say) must not wait for a lock its own process holds.
    with atomic_output(tmp_path / "one") as first:
        (first / "a").write_text("a")
        with atomic_output(tmp_path / "two") as second:
            (second / "b").write_text("b")
    assert (tmp_path / "one" / "a").exists() and (tmp_path / "two" / "b").exists()
    assert atomic._held == set()


# Whether another process could take the lock a writer takes (exclusive) or a reader (shared).
TRY_LOCK = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDONLY)
mode = fcntl.LOCK_EX if sys.argv[2] == "write" else fcntl.LOCK_SH
try:
    fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
except BlockingIOError:
    print("blocked")
else:
    print("free")
"""


def other_process_could(action: str, folder: Path) -> bool:
    command = [sys.executable, "-c", TRY_LOCK, str(folder.parent), action]
    answer = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return answer.strip() == "free"


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows")
def test_a_reader_holds_off_writers_but_not_other_readers(tmp_path: Path) -> None:
    out = old_plan(tmp_path / "out")
    with reading(out):
        assert not other_process_could("write", out)
        assert other_process_could("read", out)
    assert other_process_could("write", out)
    with atomic_output(out, owns=OWNS) as build:
        (build / "pairings.csv").write_text("new pairings\n")
        assert not other_process_could("read", out)  # so a reader never sees half a swap
