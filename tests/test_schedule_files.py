"""schedule.csv: byte-stable, read back exactly, and every problem named by row and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from matcher.io.schedule_files import (
    SCHEDULE_COLUMNS,
    ScheduleFileError,
    read_schedule,
    write_schedule_csv,
)
from matcher.model import Schedule, ScheduledEvent, UnfilledProject

HEADER = ",".join(SCHEDULE_COLUMNS) + "\n"


def event(visit_id: str, day: dt.date, **fields: object) -> ScheduledEvent:
    values: dict[str, object] = {
        "visit_id": visit_id,
        "project_id": visit_id.split("-")[0],
        "visit_no": 1,
        "day_no": 1,
        "kind": "visit",
        "date": day,
        "start": dt.time(8, 45),
        "end": dt.time(15, 15),
        "host_school_id": "A",
        "staff_ids": ("S1", "S2"),
    }
    return ScheduledEvent.model_validate({**values, **fields})


# P1: one 2-day visit and a presentation; P2: one day, on the same date as P1's first day.
# Listed out of order, with an unsorted team, to show the file puts both in order.
SCHEDULE = Schedule(
    events=(
        event(
            "P1-p",
            dt.date(2026, 1, 21),
            kind="presentation",
            start=dt.time(15, 45),
            end=dt.time(16, 45),
        ),
        event("P1-v1-d2", dt.date(2026, 1, 21), day_no=2),
        event("P2-v1-d1", dt.date(2026, 1, 20), host_school_id="B", staff_ids=("S4", "S3")),
        event("P1-v1-d1", dt.date(2026, 1, 20)),
    ),
    unscheduled=(UnfilledProject(project_id="P3", reason="no common free day"),),
)

EXPECTED = HEADER + (
    "P1-v1-d1,P1,1,visit,2026-01-20,08:45,15:15,A,S1;S2,,,\n"
    "P2-v1-d1,P2,1,visit,2026-01-20,08:45,15:15,B,S3;S4,,,\n"
    "P1-v1-d2,P1,1,visit,2026-01-21,08:45,15:15,A,S1;S2,,,\n"
    "P1-p,P1,1,presentation,2026-01-21,15:45,16:45,A,S1;S2,,,\n"
)


def by_visit(schedule: Schedule) -> dict[str, ScheduledEvent]:
    return {e.visit_id: e for e in schedule.events}


def test_writes_one_sorted_row_per_event(tmp_path: Path) -> None:
    assert write_schedule_csv(tmp_path, SCHEDULE) == tmp_path / "schedule.csv"
    assert (tmp_path / "schedule.csv").read_bytes() == EXPECTED.encode()


def test_rewriting_gives_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_schedule_csv(tmp_path / "a", SCHEDULE)
    second = write_schedule_csv(tmp_path / "b", Schedule(events=SCHEDULE.events[::-1]))
    assert first.read_bytes() == second.read_bytes()


def test_round_trip_gives_the_events_back(tmp_path: Path) -> None:
    write_schedule_csv(tmp_path, SCHEDULE)
    schedule = read_schedule(tmp_path)
    assert schedule is not None
    expected = {
        e.visit_id: e.model_copy(update={"staff_ids": tuple(sorted(e.staff_ids))})
        for e in SCHEDULE.events
    }
    assert by_visit(schedule) == expected  # day_no included, from the order of the dates
    assert schedule.unscheduled == ()  # those are in unfilled.csv


def test_no_schedule_csv_means_a_pairing_only_output(tmp_path: Path) -> None:
    assert read_schedule(tmp_path) is None


def test_spreadsheet_spellings_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "schedule.csv").write_text(
        "\ufeff" + HEADER + "P1-v1-d1, P1 ,1,Visit,2026-01-20,8:45,15:15,A,S2; S1;\n\n",
        encoding="utf-8",
    )
    schedule = read_schedule(tmp_path)
    assert schedule is not None
    assert schedule.events == (event("P1-v1-d1", dt.date(2026, 1, 20)),)


def test_bad_cells_are_all_reported_by_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "schedule.csv").write_text(
        HEADER
        + "P1-v1-d1,P1,0,visit,20/01/2026,08:45,15:15,A,S1\n"
        + "P1-v1-d2,,1,tour,2026-02-30,8.45,25:00,A,\n"
        + "P1-p,P1,1,presentation,2026-01-21,16:45,15:45,A,S1;S1\n"
        + "P1-v1-d1,P1,1,visit,2026-01-22,08:45,15:15,A,S1\n",
        encoding="utf-8",
    )
    with pytest.raises(ScheduleFileError) as caught:
        read_schedule(tmp_path)
    assert caught.value.problems == [
        "schedule.csv row 2, column visit_no: '0' is not a whole number, 1 or more",
        "schedule.csv row 2, column date: '20/01/2026' is not a date as YYYY-MM-DD",
        "schedule.csv row 3, column project_id: the value is empty; expected a project id",
        "schedule.csv row 3, column kind: 'tour' is not one of scoping, visit, presentation, "
        "governors",
        "schedule.csv row 3, column date: '2026-02-30' is not a date as YYYY-MM-DD",
        "schedule.csv row 3, column start: '8.45' is not a time as HH:MM (24-hour clock)",
        "schedule.csv row 3, column end: '25:00' is not a time as HH:MM (24-hour clock)",
        "schedule.csv row 3, column staff_ids: the value is empty; "
        "expected staff ids separated by ';'",
        "schedule.csv row 4, column staff_ids: 'S1;S1' is not staff ids separated by ';' "
        "(S1 twice)",
        "schedule.csv row 4, column end: '15:45' is not after start (16:45); "
        "expected an end time after the start time",
    ]


def test_a_visit_id_twice_is_reported_on_its_second_row(tmp_path: Path) -> None:
    (tmp_path / "schedule.csv").write_text(
        HEADER
        + "P1-v1-d1,P1,1,visit,2026-01-20,08:45,15:15,A,S1\n"
        + "P1-v1-d1,P1,1,visit,2026-01-22,08:45,15:15,A,S1\n",
        encoding="utf-8",
    )
    with pytest.raises(ScheduleFileError) as caught:
        read_schedule(tmp_path)
    assert caught.value.problems == [
        "schedule.csv row 3, column visit_id: 'P1-v1-d1' is already on row 2; "
        "expected each visit id once"
    ]


def test_a_missing_column_is_reported_on_the_header(tmp_path: Path) -> None:
    (tmp_path / "schedule.csv").write_text(
        "visit_id,project_id,visit_no,kind,date,start,end,host_school_id\n", encoding="utf-8"
    )
    with pytest.raises(ScheduleFileError, match=r"row 1 \(header\): missing column\(s\) staff_ids"):
        read_schedule(tmp_path)
