"""`matcher load`: the SLE manager's tables, from a written plan, history included."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import matcher
from matcher.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("load") / "out"
    result = CliRunner().invoke(
        main, ["plan", str(SAMPLE), "--out", str(out), "--time-limit", "10", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_sle_days_add_this_round_to_history_and_never_pass_the_allowance(planned: Path) -> None:
    round_ = matcher.load_round(SAMPLE)
    tables = matcher.load_tables(round_, planned)
    written = matcher.read_written(planned).plan
    assert written is not None
    sles = {s.staff_id for s in round_.staff if s.is_sle}
    assert {row.staff_id for row in tables.sles} == sles
    for row in tables.sles:
        mine = [a for a in written.assignments if a.staff_id == row.staff_id]
        days = sum(written.days_of(round_.project_by_id[a.project_id], a.staff_id) for a in mine)
        assert (row.days_this_round, row.projects) == (days, len(mine))
        assert row.days_earlier == round_.sle_days_used(row.staff_id)
        assert row.days_left >= 0
    # History counts: the sample has SLEs with days given earlier this year.
    assert any(row.days_earlier > 0 for row in tables.sles)


def test_school_release_stays_within_budget_and_gives_equal_takes(planned: Path) -> None:
    tables = matcher.load_tables(matcher.load_round(SAMPLE), planned)
    assert tables.over_budget == ()
    released = sum(s.days_released for s in tables.schools)
    received = sum(s.days_received for s in tables.schools)
    assert released == received > 0


def test_load_prints_both_tables_with_names(planned: Path) -> None:
    result = CliRunner().invoke(main, ["load", str(SAMPLE), str(planned), "--width", "160"])
    assert result.exit_code == 0, result.output
    round_ = matcher.load_round(SAMPLE)
    assert "SLE days this year against the allowance" in result.output
    assert "Staff-days each school releases and receives" in result.output
    for person in round_.staff:
        if person.is_sle:
            assert person.name in result.output
    assert all(school.name in result.output for school in round_.schools)


def test_cover_stays_within_a_schools_budget_and_the_budget_is_shown(planned: Path) -> None:
    round_ = matcher.load_round(SAMPLE)
    tables = matcher.load_tables(round_, planned)
    budgeted = [s for s in tables.schools if s.cover_budget is not None]
    assert [s.school_id for s in budgeted] == ["910008"]  # Oakwood Academy's £1,500
    (oakwood,) = budgeted
    assert oakwood.cover_budget is not None and oakwood.cover_cost <= oakwood.cover_budget
    # The budget binds: one more staff-day out at £220 would pass it.
    assert oakwood.cover_cost + 220 > oakwood.cover_budget
    result = CliRunner().invoke(main, ["load", str(SAMPLE), str(planned), "--width", "200"])
    assert "cover budget £" in result.output and "1,500" in result.output


def test_load_on_a_folder_without_a_plan_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["load", str(SAMPLE), str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
