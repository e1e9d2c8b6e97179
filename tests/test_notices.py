"""Notices after a re-plan: who is told, what they read, and nothing for an unchanged plan."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_round, project, school, staff

import matcher
from matcher.changes import Change, diff_plans
from matcher.cli import main
from matcher.model import Assignment, Plan, Schedule, ScheduledEvent
from matcher.notices import build_notices, nice_date

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
# A sample reviewer on one team of two whose drop-out the team absorbs (P10 at 910011).
DROPPED = "S102"


def _plan(source: Path, out: Path, *extra: str) -> None:
    args = ["plan", str(source), "--out", str(out), "--time-limit", "5", "--quiet", *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _drop(source: Path, folder: Path, staff_id: str) -> Path:
    shutil.copytree(source, folder)
    rows = _rows(folder / "staff.csv")
    for row in rows:
        if row["staff_id"] == staff_id:
            row["max_days"] = "0"
    with (folder / "staff.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("old") / "out"
    _plan(SAMPLE, out)
    return out


@pytest.fixture(scope="module")
def dropped(tmp_path_factory: pytest.TempPathFactory, published: Path) -> tuple[Path, Path]:
    """The drop-out re-planned twice, into two folders."""
    base = tmp_path_factory.mktemp("new")
    source = _drop(SAMPLE, base / "in", DROPPED)
    for name in ("a", "b"):
        _plan(source, base / name, "--previous", str(published))
    return base / "a", base / "b"


def test_a_drop_out_tells_the_reviewer_the_host_and_the_reviewers_school_only(
    published: Path, dropped: tuple[Path, Path]
) -> None:
    round_ = matcher.load_round(SAMPLE)
    person = round_.staff_by_id[DROPPED]
    (team,) = [r for r in _rows(published / "pairings.csv") if r["staff_id"] == DROPPED]
    rows = _rows(dropped[0] / "notices.csv")
    told = {(r["recipient_kind"], r["recipient_id"]) for r in rows}
    assert told == {
        ("staff", DROPPED),
        ("school", team["host_school_id"]),
        ("school", person.school_id),
    }
    mine = next(r for r in rows if r["recipient_kind"] == "staff")
    assert (mine["name"], mine["email"], mine["changes"]) == (person.name, person.email, "1")
    assert all(r["email"] == "" for r in rows if r["recipient_kind"] == "school")
    days = [
        dt.date.fromisoformat(r["date"])
        for r in _rows(published / "schedule.csv")
        if r["project_id"] == team["project_id"] and DROPPED in r["staff_ids"].split(";")
    ]
    assert days
    for row in rows:
        text = (dropped[0] / row["file"]).read_text(encoding="utf-8")
        assert team["project_title"] in text
        assert team["host_school_name"] in text
        assert all(nice_date(d) in text for d in days)
        assert "withdrawn" in text
    host = next(r for r in rows if r["recipient_id"] == team["host_school_id"])
    assert person.name in (dropped[0] / host["file"]).read_text(encoding="utf-8")
    # Nobody's email is in a message, not even the recipient's own.
    for row in rows:
        text = (dropped[0] / row["file"]).read_text(encoding="utf-8")
        assert not any(s.email in text for s in round_.staff)


def test_two_runs_write_identical_notices(dropped: tuple[Path, Path]) -> None:
    first, second = dropped
    files = sorted(p.relative_to(first) for p in (first / "notices").rglob("*") if p.is_file())
    assert files and files == sorted(
        p.relative_to(second) for p in (second / "notices").rglob("*") if p.is_file()
    )
    for name in [Path("notices.csv"), *files]:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_an_unchanged_replan_writes_no_notices(published: Path, tmp_path: Path) -> None:
    _plan(SAMPLE, tmp_path / "new", "--previous", str(published))
    assert (tmp_path / "new" / "notices.csv").read_text(encoding="utf-8").splitlines() == [
        "recipient_kind,recipient_id,name,email,changes,file"
    ]
    assert not (tmp_path / "new" / "notices").exists()


def test_a_plan_without_previous_removes_earlier_notices(
    dropped: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    shutil.copytree(dropped[0], folder)
    _plan(SAMPLE, folder)
    assert not (folder / "notices.csv").exists()
    assert not (folder / "notices").exists()


def _event(project_id: str, day: dt.date, team: tuple[str, ...]) -> ScheduledEvent:
    return ScheduledEvent(
        visit_id=f"{project_id}-v1-d1",
        project_id=project_id,
        visit_no=1,
        kind="visit",
        date=day,
        start=dt.time(8, 45),
        end=dt.time(15, 15),
        host_school_id="A",
        staff_ids=team,
    )


def test_a_moved_visit_tells_its_team_their_schools_and_the_host_only() -> None:
    round_ = make_round(
        [school(s) for s in "ABC"],
        [staff("S1", "B"), staff("S2", "C"), staff("S3", "C")],
        [project("PA", "A", max_reviewers=2)],
    )
    plan = Plan(
        assignments=(
            Assignment(project_id="PA", staff_id="S1"),
            Assignment(project_id="PA", staff_id="S2"),
        )
    )
    before = Schedule(events=(_event("PA", dt.date(2026, 1, 12), ("S1", "S2")),))
    after = Schedule(events=(_event("PA", dt.date(2026, 1, 14), ("S1", "S2")),))
    changes = diff_plans(round_, (plan, before), (plan, after))
    assert [c.kind for c in changes] == ["visit_moved"]
    notices = build_notices(round_, changes, before, after)
    told = [(n.recipient_kind, n.recipient_id, n.changes) for n in notices]
    assert told == [
        ("staff", "S1", 1),
        ("staff", "S2", 1),
        ("school", "A", 1),
        ("school", "B", 1),
        ("school", "C", 1),
    ]
    text = notices[0].text
    assert "Mon 12 Jan 2026" in text and "moves to Wed 14 Jan 2026" in text
    assert text.startswith("Dear Person S1,")


def test_a_notice_gathers_its_recipients_changes_in_date_order() -> None:
    round_ = make_round(
        [school(s) for s in "ABC"],
        [staff("S1", "C")],
        [project("PA", "A"), project("PB", "B")],
    )
    before = Schedule(
        events=(
            _event("PA", dt.date(2026, 2, 2), ("S1",)),
            _event("PB", dt.date(2026, 1, 12), ("S1",)),
        )
    )
    changes = [
        Change("reviewer_removed", "PA", "S1", reason="drop-out: max_days is 0"),
        Change("reviewer_removed", "PB", "S1", reason="drop-out: max_days is 0"),
    ]
    notices = {n.recipient_id: n for n in build_notices(round_, changes, before, None)}
    assert sorted(notices) == ["A", "B", "C", "S1"]
    assert notices["S1"].changes == 2 == notices["C"].changes
    text = notices["S1"].text
    assert text.index("Mon 12 Jan 2026") < text.index("Mon 2 Feb 2026")
    assert "(you have withdrawn)" in text
    assert "Person S1 has withdrawn" in notices["A"].text
