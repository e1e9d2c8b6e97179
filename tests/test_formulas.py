"""Formula injection: text a spreadsheet would run is written quoted and read back as it was."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from conftest import make_round, project, school, staff
from openpyxl import Workbook, load_workbook

from matcher.bench.results import write_results
from matcher.io.cluster_files import read_cluster_plan, write_cluster_outputs
from matcher.io.formulas import csv_cells, neutralise, put_cell, restore
from matcher.io.plan_files import read_plan, write_match_outputs
from matcher.io.schedule_files import read_schedule, write_schedule_csv
from matcher.model import (
    Assignment,
    ClusterMember,
    ClusterPlan,
    LeftOutSchool,
    Plan,
    RotationEdge,
    Round,
    Schedule,
    ScheduledEvent,
    UnfilledProject,
)

# What a spreadsheet would take for a formula (OWASP: = + - @ tab carriage return) ...
FORMULAS = ["=1+1", '=HYPERLINK("http://x","y")', "+44 161", "-5", "@SUM(A1)", "\tx", "\rx"]
# ... and texts it would not, some close to the quoted form.
PLAIN = ["S1", "", "'", "'abc", "a=b", "x-1", "2026-01-12", "08:45", "S1;S2", " =x"]
# Texts that start the way a quoted formula does: quoted again, so they come back intact.
LOOK_QUOTED = ["'=1", "''", "'-", "'@x", "''=x"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_is_quoted(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", PLAIN)
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


@pytest.mark.parametrize("text", LOOK_QUOTED)
def test_text_that_looks_already_quoted_comes_back_unchanged(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


def test_numbers_are_not_text() -> None:
    assert csv_cells([-5, 3.5, "-5", True, None]) == [-5, 3.5, "'-5", True, None]


def test_workbook_cells_hold_formula_like_text_as_strings(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    values: list[object] = ["=1+1", "-5 min", "@x", "Oak\x0bfield", -5, dt.date(2026, 1, 12)]
    for column, value in enumerate(values, start=1):
        put_cell(sheet, row=1, column=column, value=value)  # type: ignore[arg-type]
    book.save(tmp_path / "report.xlsx")
    cells = list(load_workbook(tmp_path / "report.xlsx").active[1])  # type: ignore[index]
    assert [c.value for c in cells[:4]] == ["=1+1", "-5 min", "@x", "Oakfield"]
    assert [c.data_type for c in cells[:4]] == ["s", "s", "s", "s"]
    assert [c.quotePrefix for c in cells[:4]] == [True, True, True, False]
    assert (cells[4].value, cells[4].data_type) == (-5, "n")
    assert cells[5].value == dt.datetime(2026, 1, 12)


# --- every CSV the product writes, and reading them back --------------------------------------


def formula_round() -> Round:
    """Ids that look like formulas everywhere: schools =A and -B, staff +S1, project @P1."""
    return make_round(
        [school("=A"), school("-B", lat_offset=0.05)],
        [staff("+S1", "-B")],
        [project("@P1", "=A"), project("-P2", "-B")],
    )


PLAN = Plan(
    assignments=(Assignment(project_id="@P1", staff_id="+S1", role="lead"),),
    unfilled=(UnfilledProject(project_id="-P2", reason="-no reviewer"),),
)
SCHEDULE = Schedule(
    events=(
        ScheduledEvent(
            visit_id="@P1-v1-d1",
            project_id="@P1",
            visit_no=1,
            kind="visit",
            date=dt.date(2026, 1, 20),
            start=dt.time(8, 45),
            end=dt.time(15, 15),
            host_school_id="=A",
            staff_ids=("+S1",),
        ),
    )
)
CLUSTERS = ClusterPlan(
    members=(
        ClusterMember(cluster_id="=C1", school_id="=A", hub=True),
        ClusterMember(cluster_id="=C1", school_id="-B"),
    ),
    rotation=(RotationEdge(cluster_id="=C1", reviewing_school_id="-B", host_school_id="=A"),),
    left_out=(LeftOutSchool(school_id="@Z", reason="-"),),
)


def cells(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            found += [cell for row in csv.reader(handle) for cell in row]
    return found


def test_csv_files_quote_formula_ids_and_read_them_back(tmp_path: Path) -> None:
    round_ = formula_round()
    write_match_outputs(tmp_path, round_, PLAN, {"status": "OPTIMAL"})
    write_schedule_csv(tmp_path, SCHEDULE)
    write_cluster_outputs(
        tmp_path, CLUSTERS, longest={"=C1": 7}, summary={"left_out": [{"school_id": "@Z"}]}
    )
    written = cells(tmp_path)
    assert "'@P1" in written and "'+S1" in written and "'=C1" in written
    assert not [cell for cell in written if cell.startswith(("=", "+", "-", "@"))]
    assert read_plan(tmp_path) == PLAN
    back = read_schedule(tmp_path)
    assert back is not None and back.events == SCHEDULE.events
    clusters = read_cluster_plan(tmp_path)
    assert set(clusters.members) == set(CLUSTERS.members)
    assert clusters.rotation == CLUSTERS.rotation


def test_benchmark_tables_quote_instance_names_that_look_like_formulas(tmp_path: Path) -> None:
    write_results(tmp_path, "gap", [{"instance": "=cmd()", "gap": -0.5}, {"instance": "c1"}])
    with (tmp_path / "gap.csv").open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [["instance", "gap"], ["'=cmd()", "-0.5"], ["c1", ""]]
