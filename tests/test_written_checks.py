"""Commands that build on a written plan check it first; `verify` checks every written column."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_round, project, school, staff

import matcher
from matcher.cli import main
from matcher.io.cluster_files import write_cluster_outputs
from matcher.io.write import write_round
from matcher.model import ClusterMember, ClusterPlan, Plan, Round
from matcher.verify import verify_plan

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def sample() -> Round:
    return matcher.load_round(SAMPLE)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planned")
    code, output = run("plan", str(SAMPLE), "--out", str(out), "--time-limit", "5", "--quiet")
    assert code == 0, output
    return out


def copy_of(planned: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "plan"
    shutil.copytree(planned, folder)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_first_row(path: Path, column: str, value: str) -> None:
    rows = read_rows(path)
    rows[0][column] = value
    write_rows(path, rows)


def add_own_school_pairing(folder: Path) -> None:
    # S001 works at 910001 (Brookside): put them on Brookside's own project, columns all true.
    with (folder / "pairings.csv").open("a", encoding="utf-8") as handle:
        handle.write("P01,910001,S001,910001,member,makaton and signing,0,2\n")


# --- ids that look like formulas, end to end --------------------------------------------------


def test_ids_that_look_like_formulas_survive_plan_verify_schedule_and_calendars(
    tmp_path: Path,
) -> None:
    round_ = make_round(
        [school("=A"), school("-B", lat_offset=0.05), school("@C", lat_offset=0.1)],
        [staff("+S1", "-B"), staff("-S2", "@C"), staff("=S3", "=A")],
        [project("=P1", "=A", visits=2, presentation=True), project("-P2", "-B")],
    )
    write_round(round_, tmp_path / "round")
    inputs, out = str(tmp_path / "round"), str(tmp_path / "out")
    assert run("plan", inputs, "--out", out, "--time-limit", "2", "--quiet")[0] == 0
    for path in (tmp_path / "out").glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], path.name
    first = snapshot(tmp_path / "out")
    ok = f"{out}: OK - 2 reviewer places, 0 unstaffed project(s), no hard rule broken.\n"
    assert run("verify", inputs, out) == (0, ok)
    assert run("schedule", inputs, out, "--time-limit", "2", "--quiet")[0] == 0
    # Read back and written again: the same pairings, so no id was changed on the way.
    dated = snapshot(tmp_path / "out")
    assert [dated[name] for name in ("pairings.csv", "unfilled.csv")] == [
        first[name] for name in ("pairings.csv", "unfilled.csv")
    ]
    assert run("calendars", inputs, out)[0] == 0
    assert snapshot(tmp_path / "out") == dated
    assert run("verify", inputs, out) == (0, ok)


# --- schedule and calendars refuse a plan that breaks a rule ----------------------------------


def test_schedule_refuses_pairings_that_break_a_rule_and_writes_nothing(
    planned: Path, tmp_path: Path
) -> None:
    folder = copy_of(planned, tmp_path)
    add_own_school_pairing(folder)
    before = snapshot(folder)
    code, output = run("schedule", str(SAMPLE), str(folder), "--quiet")
    assert code == 1
    assert "nothing was written" in output and "[own_school] S001 is on P01" in output
    assert snapshot(folder) == before
    code, _ = run("schedule", str(SAMPLE), str(folder), "--out", str(tmp_path / "elsewhere"))
    assert code == 1 and not (tmp_path / "elsewhere").exists()


def test_calendars_refuses_pairings_that_break_a_rule_and_writes_nothing(
    planned: Path, tmp_path: Path
) -> None:
    folder = copy_of(planned, tmp_path)
    add_own_school_pairing(folder)
    before = snapshot(folder)
    code, output = run("calendars", str(SAMPLE), str(folder))
    assert code == 1
    assert "nothing was written" in output and "[own_school] S001 is on P01" in output
    assert snapshot(folder) == before


def test_calendars_refuses_a_schedule_whose_team_is_not_the_pairings_team(
    planned: Path, tmp_path: Path
) -> None:
    folder = copy_of(planned, tmp_path)
    edit_first_row(folder / "schedule.csv", "staff_ids", "S001")
    before = snapshot(folder)
    code, output = run("calendars", str(SAMPLE), str(folder))
    assert code == 1 and "[whole_team]" in output
    assert snapshot(folder) == before


def test_calendars_accepts_an_untouched_plan(planned: Path, tmp_path: Path) -> None:
    folder = copy_of(planned, tmp_path)
    code, output = run("calendars", str(SAMPLE), str(folder))
    assert code == 0, output
    assert snapshot(folder) == snapshot(planned)


def test_schedule_dates_pairings_edited_within_the_rules_again(
    planned: Path, tmp_path: Path, sample: Round
) -> None:
    # Drop one team member where the plan still keeps every rule: schedule.csv no longer
    # matches the pairings, which is what re-dating is for.
    folder = copy_of(planned, tmp_path)
    rows = read_rows(folder / "pairings.csv")
    plan = matcher.read_written(folder).plan
    assert plan is not None
    for i, row in enumerate(rows):
        kept = tuple(a for a in plan.assignments if a != plan.assignments[i])
        if row["role"] == "member" and not verify_plan(
            sample, Plan(assignments=kept, unfilled=plan.unfilled)
        ):
            del rows[i]
            break
    else:
        pytest.fail("no team member can be dropped within the rules")
    write_rows(folder / "pairings.csv", rows)
    assert run("calendars", str(SAMPLE), str(folder))[0] == 1  # dates of the old team
    code, output = run("schedule", str(SAMPLE), str(folder), "--time-limit", "5", "--quiet")
    assert code == 0, output
    assert run("verify", str(SAMPLE), str(folder))[0] == 0


# --- verify checks every column people read ---------------------------------------------------


def test_verify_passes_an_untouched_plan(planned: Path, sample: Round) -> None:
    assert matcher.verify_written(sample, planned).violations == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("host_school_id", "910099"),
        ("staff_school_id", "910099"),
        ("area", "phonics"),
        ("travel_minutes", "1"),
        ("days", "9"),
        ("days", ""),
    ],
)
def test_verify_finds_an_edited_pairings_column(
    planned: Path, tmp_path: Path, sample: Round, column: str, value: str
) -> None:
    folder = copy_of(planned, tmp_path)
    edit_first_row(folder / "pairings.csv", column, value)
    found = matcher.verify_written(sample, folder).violations
    assert [v.rule for v in found] == ["column"]
    assert found[0].message.startswith(f"pairings.csv row 2, column {column}: ")
    assert f"'{value}'" in found[0].message or "empty" in found[0].message
    assert "expected '" in found[0].message


def test_verify_takes_a_number_a_spreadsheet_rewrote_and_a_dropped_column(
    planned: Path, tmp_path: Path, sample: Round
) -> None:
    folder = copy_of(planned, tmp_path)
    rows = read_rows(folder / "pairings.csv")
    for row in rows:
        row["travel_minutes"] = f"{row['travel_minutes']}.0"
        del row["area"]
    write_rows(folder / "pairings.csv", rows)
    assert matcher.verify_written(sample, folder).violations == []


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("host_school_id", "910099", "whole_team"),
        ("kind", "presentation", "complete"),
        ("start", "09:00", "visit_order"),
        ("end", "15:00", "visit_order"),
        ("staff_ids", "S001", "whole_team"),
    ],
)
def test_verify_finds_an_edited_schedule_column(
    planned: Path, tmp_path: Path, sample: Round, column: str, value: str, rule: str
) -> None:
    folder = copy_of(planned, tmp_path)
    rows = read_rows(folder / "schedule.csv")
    # The first visit day (the sample's earliest rows are scoping meetings).
    first = next(i for i, row in enumerate(rows) if row["kind"] == "visit")
    visit_id = rows[first]["visit_id"]
    rows[first][column] = value
    write_rows(folder / "schedule.csv", rows)
    found = matcher.verify_written(sample, folder).violations
    assert rule in {v.rule for v in found}
    assert any(visit_id in v.message for v in found if v.rule == rule)


def cluster_folder(tmp_path: Path) -> tuple[Round, Path]:
    round_ = make_round(
        [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.1)], [], []
    )
    plan = ClusterPlan(
        members=tuple(ClusterMember(cluster_id="K1", school_id=s) for s in ("A", "B", "C"))
    )
    longest = max(round_.travel_minutes(a, b) for a in "ABC" for b in "ABC")
    write_cluster_outputs(tmp_path, plan, longest={"K1": longest}, summary={"left_out": []})
    return round_, tmp_path


def column_findings(round_: Round, folder: Path) -> list[str]:
    return [
        v.message for v in matcher.verify_written(round_, folder).violations if v.rule == "column"
    ]


def test_verify_passes_untouched_cluster_columns(tmp_path: Path) -> None:
    assert column_findings(*cluster_folder(tmp_path)) == []


@pytest.mark.parametrize(("column", "value"), [("size", "4"), ("max_travel_minutes", "1")])
def test_verify_finds_an_edited_cluster_column(tmp_path: Path, column: str, value: str) -> None:
    round_, folder = cluster_folder(tmp_path)
    edit_first_row(folder / "clusters.csv", column, value)
    found = column_findings(round_, folder)
    assert len(found) == 1 and found[0].startswith(
        f"clusters.csv row 2, column {column}: '{value}'"
    )
