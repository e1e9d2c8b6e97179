"""What the commands promise about --out: whole, theirs alone, repeatable, never the input."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import matcher.pipeline
from matcher.cli import main
from matcher.io.atomic import leftovers

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
PLAN = ("--time-limit", "5", "--quiet")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planned") / "out"
    code, output = run("plan", str(SAMPLE), "--out", str(out), *PLAN)
    assert code == 0, output
    return out


def test_two_plan_runs_give_byte_identical_folders_but_run_json(
    planned: Path, tmp_path: Path
) -> None:
    code, output = run("plan", str(SAMPLE), "--out", str(tmp_path / "again"), *PLAN)
    assert code == 0, output
    first, second = files(planned), files(tmp_path / "again")
    assert first.keys() == second.keys()
    assert {name for name in first if first[name] != second[name]} <= {"run.json"}
    # The run times are in run.json, and nowhere in summary.json.
    times = json.loads(first["run.json"])
    assert set(times) == {
        "wall_time_seconds",
        "planning_seconds",
        "matching_wall_time_seconds",
        "bound_seconds",
        "scheduling",
    }
    # The top-level time is the whole run's (reading and writing too), its steps' inside it.
    steps = times["matching_wall_time_seconds"] + times["scheduling"]["wall_time_seconds"]
    assert times["wall_time_seconds"] > times["planning_seconds"] >= steps
    assert "seconds" not in first["summary.json"].decode()


def _named_alike(tmp_path: Path) -> Path:
    """The sample with its schools sharing three names, as St Anne's and St Mary's do in life."""
    copy = tmp_path / "alike"
    shutil.copytree(SAMPLE, copy)
    schools = copy / "schools.csv"
    with schools.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = ("St Anne's CofE Primary School", "St Mary's Catholic Primary", "Oakfield School")
    for i, row in enumerate(rows):
        row["name"] = names[i % len(names)]
    with schools.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return copy


def test_plan_folders_are_identical_across_processes_whatever_their_hash_seed(
    tmp_path: Path,
) -> None:
    """Sweep workers and re-runs are fresh processes: nothing written may follow set order."""
    source = _named_alike(tmp_path)
    written = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"hash-{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-m", "matcher", "plan", str(source), "--out", str(out), *PLAN]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        written.append(files(out))
    first, second = written
    assert first.keys() == second.keys()
    assert {name for name in first if first[name] != second[name]} <= {"run.json"}


def test_match_into_an_old_plan_folder_leaves_no_schedule_or_calendars_and_keeps_user_files(
    planned: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(planned, out)
    (out / "clusters.csv").write_text("cluster_id,school_id\n")  # an earlier run's clusters
    (out / "notes.xlsx").write_bytes(b"the coordinator's notes")
    (out / "letters").mkdir()
    (out / "letters" / "to-heads.docx").write_bytes(b"a letter")
    code, output = run("match", str(SAMPLE), "--out", str(out), *PLAN)
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        "letters",
        "notes.xlsx",
        "pairings.csv",
        "plan.xlsx",
        "report.html",
        "run.json",
        "summary.json",
        "unfilled.csv",
    ]
    assert (out / "notes.xlsx").read_bytes() == b"the coordinator's notes"
    assert (out / "letters" / "to-heads.docx").read_bytes() == b"a letter"
    code, output = run("verify", str(SAMPLE), str(out))
    assert code == 0, output


def test_calendars_rewrites_calendars_alone_and_keeps_every_other_file(
    planned: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(planned, out)
    (out / "notes.xlsx").write_bytes(b"the coordinator's notes")
    shutil.rmtree(out / "calendars" / "staff")
    before = files(out)
    code, output = run("calendars", str(SAMPLE), str(out))
    assert code == 0, output
    after = files(out)
    assert {k: v for k, v in after.items() if not k.startswith("calendars/")} == {
        k: v for k, v in before.items() if not k.startswith("calendars/")
    }
    assert after == files(planned) | {"notes.xlsx": b"the coordinator's notes"}


def test_clusters_into_a_plan_folder_keeps_the_plan(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(planned, out)
    code, output = run("clusters", str(SAMPLE), "--out", str(out), *PLAN)
    assert code == 0, output
    assert files(out).items() >= files(planned).items()
    assert (out / "clusters.csv").exists() and (out / "clusters_run.json").exists()
    assert "seconds" not in (out / "clusters_summary.json").read_text()


def test_leftovers_of_killed_runs_are_removed_by_the_next_run(
    planned: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(planned, out)
    (tmp_path / ".out.matcher-tmp-0123abcd").mkdir()
    (tmp_path / ".out.matcher-old-0123abcd").mkdir()
    (out / ".staging-k9x_2m4q").mkdir()
    assert len(leftovers(out)) == 3
    code, output = run("plan", str(SAMPLE), "--out", str(out), *PLAN)
    assert code == 0, output
    assert leftovers(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def copy_of_sample(tmp_path: Path) -> Path:
    copy = tmp_path / "round"
    shutil.copytree(SAMPLE, copy)
    return copy


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("round", "is the input folder"),
        ("round/out", "is inside the input folder"),
        (".", "holds the input folder"),
    ],
)
def test_out_that_is_sits_in_or_holds_the_input_is_refused_before_any_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, problem: str
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved despite a refused --out")

    monkeypatch.setattr(matcher.pipeline, "plan", never)
    round_ = copy_of_sample(tmp_path)
    before = files(tmp_path)
    code, output = run("plan", str(round_), "--out", str(tmp_path / where), *PLAN)
    assert code == 2
    assert problem in output
    assert files(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round"]


def test_out_that_is_or_holds_an_input_workbook_is_refused(tmp_path: Path) -> None:
    workbook = tmp_path / "round.xlsx"
    workbook.write_bytes(b"a workbook")
    for out in (workbook, tmp_path):
        code, output = run("match", str(workbook), "--out", str(out), *PLAN)
        assert code == 2
        assert "Traceback" not in output
        assert list(tmp_path.iterdir()) == [workbook]
        assert workbook.read_bytes() == b"a workbook"
    assert "holds the input workbook" in output


def test_out_that_holds_the_current_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path / "out")
    code, output = run("plan", str(SAMPLE), "--out", ".", *PLAN)
    assert code == 2
    assert "is the current folder or holds it" in output
    assert list((tmp_path / "out").iterdir()) == []


def test_verify_finishes_a_swap_stopped_between_its_two_renames(
    planned: Path, tmp_path: Path
) -> None:
    # Where there is no atomic exchange, a run killed between its two renames leaves the new
    # folder complete beside a missing --out, and the old one moved aside.
    shutil.copytree(planned, tmp_path / ".out.matcher-ready-0123abcd")
    shutil.copytree(planned, tmp_path / ".out.matcher-old-0123abcd")
    code, output = run("verify", str(SAMPLE), str(tmp_path / "out"))
    assert code == 0, output
    assert files(tmp_path / "out") == files(planned)
