"""A run killed (SIGKILL) at any instant leaves --out whole: the old folder or the new one.

Two ways in: every step of the swap, by a writer that kills itself there; and `matcher plan`
itself, killed from outside at seeded random instants over its whole run, at random instants
while it builds its new folder, and the moment --out is seen to change (the swap itself).

`matcher plan` runs in processes forked from a server that has imported matcher already, so a
run takes a fraction of a second instead of the second or two Python spends importing
OR-Tools, and many kills fit in a short test; each is still a separate process, killed hard.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.cli import main
from matcher.io.atomic import leftovers, recover_interrupted_swap

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "alliance"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
RUN_FILE = "run.json"  # run times: present in both, its content differs run to run

# A writer that kills itself when it reaches the step named on its command line.
WRITER = """
import os, signal, sys
from matcher.io import atomic, swap

target, stop_at, way = sys.argv[1:4]
if way == "two renames":
    swap.exchange = lambda first, second: False

def stop(step):
    if step == stop_at:
        os.kill(os.getpid(), signal.SIGKILL)

atomic._at_step = stop
with atomic.atomic_output(target, owns={"pairings.csv", "schedule.csv", "calendars"}) as build:
    (build / "pairings.csv").write_text("new pairings\\n")
    stop("half written")
    (build / "calendars").mkdir()
    (build / "calendars" / "round.ics").write_text("new calendar\\n")
"""
STEPS = ["half written", "written", "built", "swapped"]
RENAME_STEPS = ["ready", "moved aside"]


def state(folder: Path) -> dict[str, bytes] | None:
    """Every file by relative path and bytes (run.json's bytes blanked); None if no folder."""
    if not folder.is_dir():
        return None
    return {
        str(p.relative_to(folder)): b"" if p.name == RUN_FILE else p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def make_old(folder: Path) -> None:
    (folder / "calendars").mkdir(parents=True)
    (folder / "calendars" / "round.ics").write_text("old calendar\n")
    (folder / "pairings.csv").write_text("old pairings\n")
    (folder / "schedule.csv").write_text("old schedule\n")
    (folder / "notes.xlsx").write_bytes(b"the coordinator's notes")


def write(out: Path, stop_at: str, way: str) -> int:
    command = [sys.executable, "-c", WRITER, str(out), stop_at, way]
    return subprocess.run(command, env=ENV, check=False, timeout=60).returncode


@pytest.mark.parametrize(
    ("way", "steps"),
    [("exchange", STEPS), ("two renames", STEPS[:-1] + RENAME_STEPS + STEPS[-1:])],
)
def test_killed_at_every_step_of_the_swap_the_folder_is_old_or_new(
    tmp_path: Path, way: str, steps: list[str]
) -> None:
    old_folder, new_folder = tmp_path / "old", tmp_path / "new"
    make_old(old_folder)
    shutil.copytree(old_folder, new_folder)
    assert write(new_folder, "nowhere", way) == 0
    old, new = state(old_folder), state(new_folder)
    assert old != new and new is not None and "schedule.csv" not in new
    for step in steps:
        out = tmp_path / step.replace(" ", "-")
        shutil.copytree(old_folder, out)
        assert write(out, step, way) == -signal.SIGKILL
        found = state(out)
        if found is None:
            # Only the two-rename swap leaves a gap, between its renames; readers close it.
            assert (way, step) == ("two renames", "moved aside")
            recover_interrupted_swap(out)
            found = state(out)
        assert found in (old, new), step
        assert write(out, "nowhere", way) == 0
        assert state(out) == new
        assert leftovers(out) == []


def forks() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    # Imported once by the server, not by every run (ignored if the server runs already).
    context.set_forkserver_preload(["matcher.cli", "matcher.pipeline", "matcher.io.calendar"])
    return context


def start_server() -> None:
    """Start the server (it imports matcher) before a run is timed: a run is then just a run."""
    process = forks().Process(target=exec, args=("", {}))
    process.start()
    process.join()


def start_plan(out: Path) -> BaseProcess:
    """`matcher plan` on the sample into ``out``, in a process of its own."""
    # A limit the sample's plan is proven optimal well within: the same plan however busy the
    # machine, so every run that ends writes the very same new folder.
    command = ["plan", str(SAMPLE), "--out", str(out), "--time-limit", "5", "--quiet"]
    # The command line as `python -m matcher` runs it (click's group itself does not pickle).
    code = f"from matcher.cli import main\nmain({command!r})"
    process = forks().Process(target=exec, args=(code, {}))
    process.start()
    return process


def ended(process: BaseProcess, timeout: float = 120) -> int | None:
    process.join(timeout)
    return process.exitcode


def hidden_siblings(out: Path) -> set[str]:
    return {p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.matcher-")}


def wait_for_build(process: BaseProcess, out: Path) -> float:
    """Seconds from now until the run starts building its new folder (or ends)."""
    started = time.perf_counter()
    earlier = hidden_siblings(out)  # left by runs killed before
    while process.is_alive() and not hidden_siblings(out) - earlier:
        time.sleep(0.0005)
    return time.perf_counter() - started


def identity(out: Path) -> tuple[int, ...]:
    """What changes the moment anything in --out is replaced: the folder or a file in it."""
    try:
        return tuple(os.stat(path).st_ino for path in (out, out / "pairings.csv"))
    except FileNotFoundError:
        return ()


def wait_for_change(process: BaseProcess, out: Path) -> None:
    before = identity(out)
    while process.is_alive() and identity(out) == before:
        time.sleep(0.0002)


def test_plan_killed_at_random_instants_leaves_the_old_or_the_new_folder_whole(
    tmp_path: Path,
) -> None:
    # The old folder: a plan of the round before staff stated preferences (other teams, other
    # dates), with a coordinator's file beside it.
    earlier = tmp_path / "earlier"
    shutil.copytree(SAMPLE, earlier)
    (earlier / "preferences.csv").unlink()
    old_folder = tmp_path / "old"
    command = ["plan", str(earlier), "--out", str(old_folder), "--time-limit", "5", "--quiet"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    (old_folder / "notes.xlsx").write_bytes(b"the coordinator's notes")
    old = state(old_folder)

    # The new folder, from a whole run over a copy of it; how long a run takes, and how long
    # its last part, from building the folder to the end.
    out = tmp_path / "out"
    shutil.copytree(old_folder, out)
    start_server()
    started = time.perf_counter()
    process = start_plan(out)
    to_build = wait_for_build(process, out)
    assert ended(process) == 0
    whole = time.perf_counter() - started
    writing = max(whole - to_build, 0.05)
    new = state(out)
    assert new is not None and old is not None and new["notes.xlsx"] == old["notes.xlsx"]
    changed = ["calendars/round.ics", "pairings.csv", "schedule.csv", "summary.json"]
    assert all(new[name] != old[name] for name in changed)  # so a mixture would show

    chance = random.Random(15)
    seen: list[str] = []
    for kill in range(15):
        shutil.rmtree(out)
        shutil.copytree(old_folder, out)
        process = start_plan(out)
        if kill % 3 == 0:  # anywhere in the run, or just after it: one kill in each fifth
            time.sleep(1.1 * whole * (kill // 3 + chance.random()) / 5)
        elif kill % 3 == 1:  # while it builds the new folder and carries the notes over
            wait_for_build(process, out)
            time.sleep(chance.uniform(0, writing))
        else:  # the swap: the moment anything in --out is seen to change
            wait_for_change(process, out)
        process.kill()
        ended(process)
        found = state(out)
        assert found in (old, new), f"kill {kill}: neither the old folder nor the new one"
        seen.append("old" if found == old else "new")

    # The next whole run removes whatever the killed ones left beside --out.
    shutil.rmtree(out)
    shutil.copytree(old_folder, out)
    assert ended(start_plan(out)) == 0
    assert state(out) == new
    assert leftovers(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier", "old", "out"], seen
