"""Names beside the ids (issue #18): written in every table people read, checked by verify."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from matcher.model import Assignment, Plan, Round, Schedule, ScheduledEvent
from matcher.pipeline import write_outputs
from matcher.written import read_written, verify_written

PLAN = Plan(assignments=(Assignment(project_id="P1", staff_id="S1", role="lead"),))
SCHEDULE = Schedule(
    events=(
        ScheduledEvent(
            visit_id="P1-v1-d1",
            project_id="P1",
            visit_no=1,
            kind="visit",
            date=dt.date(2026, 1, 20),
            start=dt.time(8, 45),
            end=dt.time(15, 15),
            host_school_id="A",
            staff_ids=("S1",),
        ),
    )
)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rewrite(path: Path, column: str, value: str) -> None:
    table = rows(path)
    table[0][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)


def test_names_sit_beside_the_ids(tmp_path: Path, two_school_round: Round) -> None:
    write_outputs(tmp_path, two_school_round, PLAN, {"status": "OPTIMAL"}, SCHEDULE)
    [pairing] = rows(tmp_path / "pairings.csv")
    assert pairing["staff_name"] == "Person S1"
    assert pairing["staff_school_name"] == "School B"
    assert pairing["host_school_name"] == "School A"
    assert pairing["project_title"] == "Oracy review P1"
    [visit] = rows(tmp_path / "schedule.csv")
    assert (visit["host_school_name"], visit["project_title"], visit["staff_names"]) == (
        "School A",
        "Oracy review P1",
        "Person S1",
    )
    # The old columns keep their order, the names come last.
    assert list(pairing)[:8] == [
        "project_id",
        "host_school_id",
        "staff_id",
        "staff_school_id",
        "role",
        "area",
        "travel_minutes",
        "days",
    ]
    assert read_written(tmp_path).plan == PLAN
    assert verify_written(two_school_round, tmp_path).violations == []


def test_verify_reports_a_wrong_name_without_saying_it(
    tmp_path: Path, two_school_round: Round
) -> None:
    write_outputs(tmp_path, two_school_round, PLAN, {"status": "OPTIMAL"}, SCHEDULE)
    rewrite(tmp_path / "pairings.csv", "staff_name", "Secret Person")
    rewrite(tmp_path / "schedule.csv", "project_title", "Another title")
    violations = verify_written(two_school_round, tmp_path).violations
    assert [v.rule for v in violations] == ["column", "column"]
    name, title = violations
    assert "pairings.csv row 2, column staff_name" in name.message
    assert "Secret Person" not in name.message and "Person S1" not in name.message
    assert getattr(name, "staff_id", None) == "S1"
    assert "schedule.csv row 2, column project_title" in title.message
    assert "'Oracy review P1'" in title.message


def test_files_without_the_name_columns_still_read(
    tmp_path: Path, two_school_round: Round
) -> None:
    write_outputs(tmp_path, two_school_round, PLAN, {"status": "OPTIMAL"}, SCHEDULE)
    for name, keep in (("pairings.csv", 8), ("schedule.csv", 9), ("unfilled.csv", 2)):
        path = tmp_path / name
        lines = path.read_text(encoding="utf-8").splitlines()
        narrowed = [",".join(next(csv.reader([line]))[:keep]) for line in lines]
        path.write_text("\n".join(narrowed) + "\n", encoding="utf-8")
    written = read_written(tmp_path)
    assert written.plan == PLAN
    assert written.schedule is not None and len(written.schedule.events) == 1
    assert verify_written(two_school_round, tmp_path).violations == []
