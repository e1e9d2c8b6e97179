"""Plan files: written all or nothing, byte-stable, read back exactly, with clear errors."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from conftest import make_round, project, school, staff

from matcher.io.plan_files import (
    PAIRINGS_COLUMNS,
    PlanFileError,
    read_plan,
    write_match_outputs,
)
from matcher.model import Assignment, Phase, Plan, Round, TravelTime, UnfilledProject


@pytest.fixture
def round_() -> Round:
    """A hosts P1 (two 2-day visits) and P10; S1 and S2 come from B, 25 minutes away."""
    return make_round(
        [school("A"), school("B", lat_offset=0.05)],
        [staff("S1", "B"), staff("S2", "B")],
        [project("P1", "A", visits=2, visit_days=2), project("P10", "A")],
        travel_times=[TravelTime(from_school_id="A", to_school_id="B", minutes=25)],
    )


# In the order the files list them: by project, lead first, then by staff id.
PLAN = Plan(
    assignments=(
        Assignment(project_id="P1", staff_id="S2", role="lead"),
        Assignment(project_id="P1", staff_id="S1", role="member"),
    ),
    unfilled=(UnfilledProject(project_id="P10", reason="no reviewer within 60 minutes"),),
)
SUMMARY = {"status": "OPTIMAL", "objective": 12, "solved_on": dt.date(2026, 1, 5)}


def write(out_dir: Path, round_: Round, plan: Plan = PLAN) -> list[Path]:
    return write_match_outputs(out_dir, round_, plan, SUMMARY)


def test_writes_the_three_files(tmp_path: Path, round_: Round) -> None:
    written = write(tmp_path, round_)
    assert written == [
        tmp_path / "pairings.csv",
        tmp_path / "unfilled.csv",
        tmp_path / "summary.json",
    ]
    assert (tmp_path / "pairings.csv").read_text(encoding="utf-8") == (
        "project_id,host_school_id,staff_id,staff_school_id,role,area,travel_minutes,days,"
        "staff_name,staff_school_name,host_school_name,project_title\n"
        "P1,A,S2,B,lead,oracy,25,4,Person S2,School B,School A,Oracy review P1\n"
        "P1,A,S1,B,member,oracy,25,4,Person S1,School B,School A,Oracy review P1\n"
    )
    assert (tmp_path / "unfilled.csv").read_text(encoding="utf-8") == (
        "project_id,reason,project_title,host_school_name\n"
        "P10,no reviewer within 60 minutes,Oracy review P10,School A\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in sorted(written)]


def test_pairings_are_sorted_whatever_the_plan_order(tmp_path: Path, round_: Round) -> None:
    shuffled = PLAN.model_copy(update={"assignments": PLAN.assignments[::-1]})
    write(tmp_path / "one", round_, PLAN)
    write(tmp_path / "two", round_, shuffled)
    for name in ("pairings.csv", "unfilled.csv", "summary.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_summary_is_sorted_pretty_json_with_dates_and_enums_as_strings(
    tmp_path: Path, round_: Round
) -> None:
    summary = {"phase": Phase.PRIMARY, "started": dt.datetime(2026, 1, 5, 9, 30), "gap": 0.0}
    write_match_outputs(tmp_path, round_, PLAN, summary)
    text = (tmp_path / "summary.json").read_text(encoding="utf-8")
    assert text == (
        '{\n  "gap": 0.0,\n  "phase": "primary",\n  "started": "2026-01-05T09:30:00"\n}\n'
    )


def test_names_only_in_the_name_columns_and_no_emails(tmp_path: Path, round_: Round) -> None:
    # Issue #18: coordinators write to heads from these files, so names sit beside the ids;
    # emails stay in the input files.
    for path in write(tmp_path, round_):
        assert "@" not in path.read_text(encoding="utf-8")
    with (tmp_path / "pairings.csv").open(encoding="utf-8", newline="") as handle:
        named = {"staff_name", "staff_school_name", "host_school_name", "project_title"}
        for row in csv.DictReader(handle):
            others = [value for column, value in row.items() if column not in named]
            assert not any("Person" in value or "School " in value for value in others)
            assert row["staff_name"] == f"Person {row['staff_id']}"


def test_round_trip_gives_the_same_plan(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_)
    assert read_plan(tmp_path) == PLAN


def test_round_trip_of_an_empty_plan(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_, Plan())
    assert read_plan(tmp_path) == Plan()


def test_a_failure_while_writing_leaves_no_files(tmp_path: Path, round_: Round) -> None:
    out_dir = tmp_path / "out"
    with pytest.raises(TypeError, match=r"summary\.json cannot hold a value of type object"):
        write_match_outputs(out_dir, round_, PLAN, {"bad": object()})
    assert list(out_dir.rglob("*")) == []


def test_a_failure_while_writing_keeps_the_previous_files(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(TypeError, match="type set"):
        write_match_outputs(tmp_path, round_, Plan(), {"bad": {1, 2}})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_plan_with_unknown_ids_is_refused_before_writing(tmp_path: Path, round_: Round) -> None:
    plan = Plan(assignments=(Assignment(project_id="P9", staff_id="S9"),))
    with pytest.raises(ValueError, match="not in the round: P9, S9"):
        write(tmp_path / "out", round_, plan)
    assert not (tmp_path / "out").exists()


# --- reading back what people may have edited ------------------------------------------------


def put(folder: Path, pairings: str | None, unfilled: str | None = None) -> Path:
    if pairings is not None:
        (folder / "pairings.csv").write_text(pairings, encoding="utf-8")
    if unfilled is not None:
        (folder / "unfilled.csv").write_text(unfilled, encoding="utf-8")
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(PlanFileError) as caught:
        read_plan(folder)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_reads_only_the_columns_it_needs_and_forgives_spreadsheet_habits(tmp_path: Path) -> None:
    # A hand edit: stale columns dropped, a byte-order mark, "Lead", spaces, blank rows.
    put(tmp_path, "\ufeffproject_id,staff_id,role\n P1 ,S2,Lead\n,,\nP1,S1,member\n\n")
    assert read_plan(tmp_path) == Plan(
        assignments=(
            Assignment(project_id="P1", staff_id="S2", role="lead"),
            Assignment(project_id="P1", staff_id="S1", role="member"),
        )
    )


def test_missing_unfilled_file_means_nothing_unfilled(tmp_path: Path) -> None:
    put(tmp_path, ",".join(PAIRINGS_COLUMNS) + "\n")
    assert read_plan(tmp_path) == Plan()


def test_missing_pairings_file(tmp_path: Path) -> None:
    assert problems(tmp_path) == [
        f"pairings.csv: not found in {tmp_path}; expected the file a match run writes"
    ]


def test_bad_values_name_file_row_column_value_and_expectation(tmp_path: Path) -> None:
    put(
        tmp_path,
        "project_id,staff_id,role\nP1,S1,lead\nP1,S2,leader\n,S3,member\nP2,S4,\n",
        "project_id,reason\nP3,too far\n,nobody\n",
    )
    assert problems(tmp_path) == [
        "pairings.csv row 3, column role: 'leader' is not one of lead, member",
        "pairings.csv row 4, column project_id: the value is empty; expected a project id",
        "pairings.csv row 5, column role: the value is empty; expected one of lead, member",
        "unfilled.csv row 3, column project_id: the value is empty; expected a project id",
    ]


def test_row_numbers_count_blank_rows_as_a_spreadsheet_does(tmp_path: Path) -> None:
    put(tmp_path, "project_id,staff_id,role\n\nP1,S1,boss\n")
    assert problems(tmp_path) == [
        "pairings.csv row 3, column role: 'boss' is not one of lead, member"
    ]


def test_missing_header_column(tmp_path: Path) -> None:
    put(tmp_path, "project_id,staff\nP1,S1\n")
    assert problems(tmp_path) == [
        "pairings.csv row 1 (header): missing column(s) staff_id, role; "
        "expected project_id, staff_id, role"
    ]


def test_doubled_header_column(tmp_path: Path) -> None:
    put(tmp_path, "project_id,staff_id,role,staff_id\nP1,S1,lead,S2\n")
    assert problems(tmp_path) == ["pairings.csv row 1 (header): column(s) staff_id appear twice"]


def test_too_many_cells(tmp_path: Path) -> None:
    put(tmp_path, "project_id,staff_id,role\nP1,S1,lead,extra\n")
    assert problems(tmp_path) == ["pairings.csv row 2: 4 cells but the header has 3 columns"]


def test_empty_file(tmp_path: Path) -> None:
    put(tmp_path, "")
    assert problems(tmp_path) == [
        "pairings.csv: the file is empty; expected a header row project_id,staff_id,role"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "pairings.csv").write_bytes(b"project_id,staff_id,role\nP1,S\xe91,lead\n")
    [problem] = problems(tmp_path)
    assert problem.startswith("pairings.csv: not UTF-8 text (invalid continuation byte")
