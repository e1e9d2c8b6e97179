"""Naming the rule behind a clash: one guarded model per part names what a model per dropped
rule named, and is built once for all the part's clashing projects.

Other projects of a part may go undated while a clash is named, so each round here locks P1's
visit on Wednesday (locks.csv): P2, which can only come on Wednesday, then clashes with it by
whichever rules the case sets up.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import make_round, project, school, staff
from ortools.sat.python import cp_model

from matcher.days import SchoolCalendar
from matcher.model import Assignment, Lock, Plan, Round
from matcher.pipeline import DATING_BUILT_PER_SECOND, _diagnoses
from solvers.dating import model as dating_model
from solvers.dating.encode import SchedulingProblem, encode_schedule
from solvers.dating.explain import (
    CLASH_LOADED_PER_SECOND,
    LINKING,
    ClashModels,
    _clashing_rule,
    diagnose,
)
from solvers.dating.strategy import components
from solvers.engine.budget import Budget
from solvers.engine.rules import model_rule

WED = dt.date(2026, 1, 14)
THU = dt.date(2026, 1, 15)


def _round(cases: list[tuple[str, str, str]], **b_limits: int) -> tuple[Round, Plan]:
    """P1 at A staffed by S1, locked on Wednesday; then (project, host, reviewer) for the
    others, all on Wednesday only. S1 and S2 are senior leaders at B (``b_limits``: B's
    per-day caps), S3 works at C."""
    schools = [
        school("A"),
        school("B", lat_offset=0.05, **b_limits),
        school("C", lat_offset=0.02),
        school("D", lat_offset=0.03),
    ]
    people = [
        staff("S1", "B", role="senior_leader"),
        staff("S2", "B", role="senior_leader"),
        staff("S3", "C"),
    ]
    projects = [project("P1", "A", earliest=WED, latest=THU)]
    projects += [project(p, host, earliest=WED, latest=WED) for p, host, _s in cases]
    round_ = make_round(
        schools, people, projects, locks=[Lock(project_id="P1", visit_no=1, date=WED)]
    )
    rows = [("P1", "S1"), *((p, s) for p, _h, s in cases)]
    plan_ = Plan(assignments=tuple(Assignment(project_id=p, staff_id=s) for p, s in rows))
    return round_, plan_


def _part(round_: Round, plan_: Plan, project_id: str) -> SchedulingProblem:
    problem = encode_schedule(round_, plan_)
    return next(
        part for part in components(problem) if project_id in {p.project_id for p in part.projects}
    )


def _rule_by_rebuilding(part: SchedulingProblem, project_id: str, seconds: float) -> str | None:
    """How the rule was named before: the part's whole model rebuilt without each rule."""
    index = next(j for j, p in enumerate(part.projects) if p.project_id == project_id)
    for dropped in LINKING:
        rules = tuple(r for r in dating_model.HARD_RULES if r.name != dropped)
        m = dating_model.build_schedule_model(part, hard_rules=rules)
        m.model.add(m.scheduled[index] == 1)
        m.model.clear_objective()
        solver = cp_model.CpSolver()
        Budget(seconds).limit(solver, 1)
        solver.parameters.num_workers = 1
        if solver.solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return dropped
    return None


# (the other projects: project, host, reviewer), B's caps, the rule named for P2.
CASES: dict[str, tuple[list[tuple[str, str, str]], dict[str, int], str | None]] = {
    # S1 on P1 at A already: one person, one place a day.
    "one_place": ([("P2", "C", "S1")], {}, "one_place"),
    # S2 from B, which releases one person a day and has S1 out.
    "release_per_day": ([("P2", "C", "S2")], {"max_staff_out_per_day": 1}, "release_per_day"),
    # S2 again, B releasing two but only one senior leader a day.
    "leaders_per_day": ([("P2", "C", "S2")], {"max_leaders_out_per_day": 1}, "leaders_per_day"),
    # S3 from C, but A receives one team a day.
    "host_per_day": ([("P2", "A", "S3")], {}, "host_per_day"),
    # S1 again, and at A: dropping either rule alone leaves the other, so none is named.
    "two rules": ([("P2", "A", "S1")], {}, None),
}


@pytest.mark.parametrize("case", ["one_place", "host_per_day", "two rules"])
def test_every_rule_search_is_charged(case: str) -> None:
    """A rule found on a later search, or none found, costs every search made: the charge
    is what naming did, so a large round's naming stops at its share of the limit."""
    others, b_limits, expected = CASES[case]
    round_, plan_ = _round(others, **b_limits)
    part = _part(round_, plan_, "P2")
    models = ClashModels()
    _clashing_rule(part, "P2", Budget(0.5), models)
    searches = len(LINKING) if expected is None else LINKING.index(expected) + 1
    per_search = 0.5 + len(part.projects) / CLASH_LOADED_PER_SECOND
    assert models.searched == pytest.approx(searches * per_search)


@pytest.mark.parametrize("case", CASES)
def test_guarded_model_names_what_rebuilding_named(case: str) -> None:
    others, b_limits, expected = CASES[case]
    round_, plan_ = _round(others, **b_limits)
    part = _part(round_, plan_, "P2")
    named = _clashing_rule(part, "P2", Budget(5.0), ClashModels())
    assert named == _rule_by_rebuilding(part, "P2", 5.0) == expected
    # With every rule kept the project cannot be dated: the clash is real.
    alone = dating_model.build_schedule_model(part, objective=False)
    alone.model.add(alone.scheduled[[p.project_id for p in part.projects].index("P2")] == 1)
    assert cp_model.CpSolver().solve(alone.model) == cp_model.INFEASIBLE


def test_reason_names_the_rule() -> None:
    others, b_limits, _ = CASES["host_per_day"]
    round_, plan_ = _round(others, **b_limits)
    calendar = SchoolCalendar(round_.settings, round_.availability)
    part = _part(round_, plan_, "P2")
    why = diagnose(round_, calendar, round_.project_by_id["P2"], ["S3"], part)
    assert why.kind == "contention"
    assert why.reason.endswith(
        "the host already receives its most teams per day on every date left"
    )
    blocked = diagnose(round_, calendar, round_.project_by_id["P2"], ["S3"], None)
    assert blocked.reason.endswith("the dates left are all taken")


def test_one_model_per_part_for_its_clashing_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    """P2 and P3 both clash with P1 (S1 on all three): their part's model is built once, and
    charged once, with each project's searches (their allowance and loading the part)."""
    round_, plan_ = _round([("P2", "C", "S1"), ("P3", "D", "S1")])
    problem = encode_schedule(round_, plan_)
    built: list[int] = []
    build = dating_model.build_schedule_model

    def counting(part: SchedulingProblem, **kwargs: object) -> dating_model.SchedulingModel:
        built.append(len(part.projects))
        return build(part, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dating_model, "build_schedule_model", counting)
    budget = Budget(10.0)
    found = _diagnoses(round_, plan_, ["P2", "P3"], problem, budget)
    assert built == [3]
    assert {p: found[p][1] for p in ("P2", "P3")} == dict.fromkeys(
        ("P2", "P3"),
        "clashes with other visits: a team member is already on other visits on every date left",
    )
    # Each project found its rule (one_place) on the first search: that search's allowance
    # (the project's share, 5 s) and loading the 3-project part, then the part's build once.
    search = 5.0 + 3 / CLASH_LOADED_PER_SECOND
    assert budget.used == pytest.approx(2 * search + 3 / DATING_BUILT_PER_SECOND)
    # Without the cache, each project builds the part again.
    built.clear()
    calendar = SchoolCalendar(round_.settings, round_.availability)
    part = components(problem)[0]
    for p in ("P2", "P3"):
        diagnose(round_, calendar, round_.project_by_id[p], ["S1"], part)
    assert built == [3, 3]


def test_a_rule_cp_sat_cannot_guard_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """A linking rule adding a constraint CP-SAT does not enforce under a literal would be
    kept while dropped, naming the wrong rule: building the model refuses it."""

    def at_most_one_visit(m: dating_model.SchedulingModel) -> None:
        m.model.add_at_most_one([m.scheduled[0], m.scheduled[1]])

    rules = tuple(
        model_rule("dating", "host_per_day", at_most_one_visit) if r.name == "host_per_day" else r
        for r in dating_model.HARD_RULES
    )
    monkeypatch.setattr(dating_model, "HARD_RULES", rules)
    round_, plan_ = _round([("P2", "A", "S3")])
    with pytest.raises(ValueError, match="host_per_day"):
        _clashing_rule(_part(round_, plan_, "P2"), "P2", Budget(1.0), ClashModels())
