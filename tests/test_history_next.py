"""history_next.csv: fed back as next round's history.csv, it blocks returns and counts SLE days."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import matcher
from matcher.io.history_files import next_history
from matcher.model import Assignment, Plan

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[matcher.model.Round, Plan, Path]:
    round_ = matcher.load_round(SAMPLE)
    outcome = matcher.plan(round_, time_limit=5, seed=0)
    out = tmp_path_factory.mktemp("plan")
    matcher.write_outputs(out, round_, outcome.plan, outcome.summary(), outcome.schedule)
    return round_, outcome.plan, out


def _next_round(tmp_path: Path, written: Path) -> matcher.model.Round:
    """The sample as next round: this plan's history_next.csv, round.number + 1."""
    folder = tmp_path / "next"
    shutil.copytree(SAMPLE, folder)
    shutil.copy(written / "history_next.csv", folder / "history.csv")
    toml = (folder / "round.toml").read_text(encoding="utf-8")
    (folder / "round.toml").write_text(
        re.sub(r"(?m)^number = 3$", "number = 4", toml), encoding="utf-8"
    )
    return matcher.load_round(folder)


def test_history_next_keeps_the_input_rows_and_adds_one_per_reviewer_and_host(
    planned: tuple[matcher.model.Round, Plan, Path],
) -> None:
    round_, plan, _out = planned
    rows = next_history(round_, plan)
    assert set(round_.history) <= set(rows)
    added = [h for h in rows if h.round == round_.settings.number]
    hosts = {
        (a.staff_id, round_.project_by_id[a.project_id].host_school_id) for a in plan.assignments
    }
    assert {(h.staff_id, h.host_school_id) for h in added} == hosts
    assert len(added) == len(hosts) == len(rows) - len(round_.history)
    assert sum(h.days for h in added) == sum(
        plan.days_of(round_.project_by_id[a.project_id], a.staff_id) for a in plan.assignments
    )
    assert {h.academic_year for h in added} == {round_.settings.academic_year}
    assert rows == sorted(rows, key=lambda h: (h.round, h.staff_id, h.host_school_id))


def test_days_are_summed_over_a_reviewers_projects_at_one_host(
    planned: tuple[matcher.model.Round, Plan, Path],
) -> None:
    round_, _plan, _out = planned
    host = round_.projects[0].host_school_id
    same_host = [p for p in round_.projects if p.host_school_id == host][:2]
    person = round_.staff[0].staff_id
    plan = Plan(
        assignments=tuple(Assignment(project_id=p.project_id, staff_id=person) for p in same_host)
    )
    added = [h for h in next_history(round_, plan) if h.round == round_.settings.number]
    assert [(h.staff_id, h.host_school_id, h.days) for h in added] == [
        (person, host, sum(plan.days_of(p, person) for p in same_host))
    ]


def test_fed_back_as_next_rounds_history_it_blocks_returns_and_counts_sle_days(
    planned: tuple[matcher.model.Round, Plan, Path], tmp_path: Path
) -> None:
    round_, plan, out = planned
    following = _next_round(tmp_path, out)
    assert following.settings.number == round_.settings.number + 1
    # Rotation: every reviewer going back to this round's host breaks the rule.
    violations = matcher.verify_plan(following, plan)
    returning = {(v.project_id, v.staff_id) for v in violations if v.rule == "rotation"}
    assert returning == {(a.project_id, a.staff_id) for a in plan.assignments}
    # SLE allowance: this round's days count towards the same academic year.
    for person in (s for s in round_.staff if s.is_sle):
        given = sum(
            plan.days_of(round_.project_by_id[a.project_id], a.staff_id)
            for a in plan.assignments
            if a.staff_id == person.staff_id
        )
        assert following.sle_days_used(person.staff_id) == (
            round_.sle_days_used(person.staff_id) + given
        )
    assert any(
        s.is_sle for s in round_.staff if any(a.staff_id == s.staff_id for a in plan.assignments)
    )


def test_fed_back_it_keeps_the_school_a_reviewer_came_from_for_the_school_rotation(
    planned: tuple[matcher.model.Round, Plan, Path], tmp_path: Path
) -> None:
    """A reviewer who moves school after this round still counts for the school they came
    from: history_next.csv names it, and the school rotation reads it."""
    round_, plan, out = planned
    following = _next_round(tmp_path, out)
    added = [h for h in following.history if h.round == round_.settings.number]
    assert all(h.school_id == round_.staff_by_id[h.staff_id].school_id for h in added)
    mover = plan.assignments[0]
    home = round_.staff_by_id[mover.staff_id].school_id
    host = round_.project_by_id[mover.project_id].host_school_id
    elsewhere = next(s.school_id for s in round_.schools if s.school_id not in (home, host))
    moved = following.replace(
        staff=tuple(
            p.model_copy(update={"school_id": elsewhere}) if p.staff_id == mover.staff_id else p
            for p in following.staff
        )
    )
    # Someone still at the old school, on a project of the host: the two schools are paired.
    colleague = next(
        (p for p in moved.staff if p.school_id == home and p.staff_id != mover.staff_id), None
    )
    assert colleague is not None
    pairing = Plan(
        assignments=(Assignment(project_id=mover.project_id, staff_id=colleague.staff_id),)
    )
    named = {v.rule for v in matcher.verify_plan(moved, pairing)}
    assert "school_rotation" in named
