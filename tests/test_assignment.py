"""The matching model: for each plan-wide hard rule, a case it lets through and one it blocks.

Every plan the solver makes here also passes the independent checker (``matcher.verify``):
``solve`` asserts it before returning.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import pytest
from conftest import make_round, project, school, staff
from test_baselines import as_plan

from matcher.model import Assignment, HistoryEntry, Plan, Preference, Round, UnfilledProject
from matcher.pipeline import MatchOutcome, match
from matcher.verify import verify_plan
from solvers.engine.options import SolveOptions
from solvers.matching.encode import encode
from solvers.matching.greedy import greedy
from solvers.matching.warm_start import keeps_hard_rules, warm_start


def solve(round_: Round) -> MatchOutcome:
    outcome = match(round_, time_limit=10, workers=1)
    assert verify_plan(round_, outcome.plan) == []
    assert outcome.result.status == "OPTIMAL"
    return outcome


def staffed(outcome: MatchOutcome) -> set[str]:
    unfilled = {u.project_id for u in outcome.plan.unfilled}
    return {p.project_id for p in outcome.round.projects} - unfilled


def team(outcome: MatchOutcome, project_id: str) -> dict[str, str]:
    return {a.staff_id: a.role for a in outcome.plan.team(project_id)}


THREE_SCHOOLS = [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.02)]


def test_team_size_minimum() -> None:
    two_needed = project("P1", "A", min_reviewers=2, max_reviewers=3)
    blocked = solve(make_round(THREE_SCHOOLS, [staff("S1", "B")], [two_needed]))
    assert staffed(blocked) == set()
    assert "needs 2 reviewers" in blocked.plan.unfilled[0].reason
    allowed = solve(make_round(THREE_SCHOOLS, [staff("S1", "B"), staff("S2", "C")], [two_needed]))
    assert set(team(allowed, "P1")) == {"S1", "S2"}


def test_team_size_maximum() -> None:
    people = [staff("S1", "B"), staff("S2", "C"), staff("S3", "B")]
    outcome = solve(make_round(THREE_SCHOOLS, people, [project("P1", "A", max_reviewers=2)]))
    assert 1 <= len(team(outcome, "P1")) <= 2


def test_lead_needed() -> None:
    needs_lead = project("P1", "A", needs_lead=True)
    blocked = solve(
        make_round(THREE_SCHOOLS, [staff("S1", "B", lead_reviewer=False)], [needs_lead])
    )
    assert staffed(blocked) == set()
    assert "lead" in blocked.plan.unfilled[0].reason
    allowed = solve(make_round(THREE_SCHOOLS, [staff("S1", "B")], [needs_lead]))
    assert team(allowed, "P1") == {"S1": "lead"}


def test_sle_needed() -> None:
    needs_sle = project("P1", "A", needs_sle=True)
    blocked = solve(make_round(THREE_SCHOOLS, [staff("S1", "B")], [needs_sle]))
    assert staffed(blocked) == set()
    assert "SLE" in blocked.plan.unfilled[0].reason
    allowed = solve(make_round(THREE_SCHOOLS, [staff("S1", "B", is_sle=True)], [needs_sle]))
    assert set(team(allowed, "P1")) == {"S1"}


def test_areas_covered() -> None:
    """A two-area project: each reviewer has one area or both; the team covers both."""
    two_areas = project("P1", "A", area="oracy;maths", min_reviewers=1, max_reviewers=2)
    blocked = solve(make_round(THREE_SCHOOLS, [staff("S1", "B")], [two_areas]))
    assert staffed(blocked) == set()
    assert "no team covers both oracy and maths" in blocked.plan.unfilled[0].reason
    mathematician = staff("S2", "C", specialisms={"maths"})
    allowed = solve(make_round(THREE_SCHOOLS, [staff("S1", "B"), mathematician], [two_areas]))
    assert set(team(allowed, "P1")) == {"S1", "S2"}
    both = staff("S3", "C", specialisms={"oracy", "maths"})
    alone = solve(make_round(THREE_SCHOOLS, [staff("S1", "B"), both], [two_areas]))
    assert "S3" in team(alone, "P1")


def test_areas_covered_when_capacity_decides() -> None:
    """The only mathematician is needed elsewhere: the plan rule, not the pair rule, blocks
    the two-area project, and the explanation names it."""
    people = [staff("S1", "B"), staff("S2", "C", specialisms={"maths"}, max_days=1)]
    projects = [
        project("P1", "A", area="oracy;maths", max_reviewers=2),
        project("P2", "B", area="maths"),
    ]
    # S2 would rather serve P2, so P2 takes their one day and P1 is left without maths.
    wish = [Preference(staff_id="S2", project_id="P2", preference=3)]
    outcome = solve(make_round(THREE_SCHOOLS, people, projects, preferences=wish))
    assert staffed(outcome) == {"P2"}
    reason = outcome.plan.unfilled[0].reason
    assert "project P1's team covers both oracy and maths" in reason, reason


def test_needs_role() -> None:
    needs_head = project("P1", "A", needs_role="headteacher", max_reviewers=2)
    blocked = solve(make_round(THREE_SCHOOLS, [staff("S1", "B")], [needs_head]))
    assert staffed(blocked) == set()
    assert "needs a headteacher on the team" in blocked.plan.unfilled[0].reason
    head = staff("S2", "C", role="headteacher", specialisms={"oracy"})
    allowed = solve(make_round(THREE_SCHOOLS, [staff("S1", "B"), head], [needs_head]))
    assert "S2" in team(allowed, "P1")


def test_a_missing_role_is_named_in_plain_words() -> None:
    needs_senior = project("P1", "A", needs_role="senior_leader", max_reviewers=2)
    blocked = solve(make_round(THREE_SCHOOLS, [staff("S1", "B")], [needs_senior]))
    assert "needs a senior leader on the team" in blocked.plan.unfilled[0].reason


def test_greedy_and_warm_start_teams_have_the_role_needed() -> None:
    schools = [*THREE_SCHOOLS, school("D", lat_offset=-0.03)]
    people = [
        staff("S1", "B"),
        staff("S2", "C", role="senior_leader", lead_reviewer=False),
        staff("S3", "D", role="senior_leader", specialisms={"maths"}),
        staff("S4", "B", specialisms={"maths"}),
    ]
    projects = [
        project("P1", "A", needs_role="senior_leader", needs_lead=True, max_reviewers=2),
        project("P2", "D", area="oracy;maths", needs_role="senior_leader", max_reviewers=3),
        project("P3", "C", needs_role="headteacher"),
    ]
    round_ = make_round(schools, people, projects)
    problem = encode(round_)
    for chosen in (greedy(problem).chosen, warm_start(problem)):
        assert chosen, "some project can be staffed"
        assert verify_plan(round_, as_plan(round_, chosen)) == []
    assert keeps_hard_rules(problem, warm_start(problem))


def test_greedy_and_warm_start_teams_cover_every_area() -> None:
    """The start heuristics pick an oracy and a maths reviewer, or none, never one area."""
    schools = [*THREE_SCHOOLS, school("D", lat_offset=-0.03)]
    people = [
        staff("S1", "B"),
        staff("S2", "C"),
        staff("S3", "D", specialisms={"maths"}),
        staff("S4", "B", specialisms={"maths", "reading"}),
    ]
    projects = [
        project("P1", "A", area="oracy;maths;reading", min_reviewers=1, max_reviewers=3),
        project("P2", "D", area="oracy;maths", min_reviewers=2, max_reviewers=2),
        project("P3", "C", area="maths;oracy", needs_lead=True),
    ]
    round_ = make_round(schools, people, projects)
    problem = encode(round_)
    for chosen in (greedy(problem).chosen, warm_start(problem)):
        assert chosen, "some project can be staffed"
        assert verify_plan(round_, as_plan(round_, chosen)) == []
    assert keeps_hard_rules(problem, warm_start(problem))


def test_staff_capacity() -> None:
    projects = [project("P1", "A", visits=2), project("P2", "C", visits=2)]
    blocked = solve(make_round(THREE_SCHOOLS, [staff("S1", "B", max_days=3)], projects))
    assert len(staffed(blocked)) == 1
    reason = blocked.plan.unfilled[0].reason
    assert "reviewer S1 works at most 3 days" in reason
    allowed = solve(make_round(THREE_SCHOOLS, [staff("S1", "B", max_days=4)], projects))
    assert staffed(allowed) == {"P1", "P2"}


@pytest.mark.parametrize(("used", "expected"), [(19, set()), (18, {"P1"})])
def test_sle_allowance_counts_days_used_this_year(used: int, expected: set[str]) -> None:
    # allowance 20 days a year; the project takes 2 days
    history = [HistoryEntry(round=1, staff_id="S1", host_school_id="C", days=used)]
    round_ = make_round(
        THREE_SCHOOLS,
        [staff("S1", "B", is_sle=True)],
        [project("P1", "A", visits=2)],
        history=history,
    )
    assert staffed(solve(round_)) == expected


@pytest.mark.parametrize(
    ("own", "expected"), [(None, set()), (21, {"P1"}), (1, set())], ids=["round's", "more", "less"]
)
def test_own_sle_allowance_replaces_the_rounds(own: int | None, expected: set[str]) -> None:
    """19 days used of the round's 20: the 2-day project fits only an allowance of 21."""
    history = [HistoryEntry(round=1, staff_id="S1", host_school_id="C", days=19)]
    person = staff("S1", "B", is_sle=True, sle_allowance_days=own)
    round_ = make_round(THREE_SCHOOLS, [person], [project("P1", "A", visits=2)], history=history)
    assert staffed(solve(round_)) == expected
    problem = encode(round_)
    start = greedy(problem).chosen
    assert verify_plan(round_, as_plan(round_, start)) == []
    assert bool(start) == bool(expected)


def test_school_release_days() -> None:
    people = [staff("S1", "B"), staff("S2", "B")]
    projects = [project("P1", "A", visits=2), project("P2", "C", visits=2)]
    stingy = [
        school("A"),
        school("B", lat_offset=0.05, release_days=3),
        school("C", lat_offset=0.02),
    ]
    blocked = solve(make_round(stingy, people, projects))
    assert len(staffed(blocked)) == 1
    assert "school B releases at most 3 staff-days" in blocked.plan.unfilled[0].reason
    allowed = solve(make_round(THREE_SCHOOLS, people, projects))
    assert staffed(allowed) == {"P1", "P2"}


def test_no_direct_swap() -> None:
    two = [school("A"), school("B", lat_offset=0.05)]
    people = [staff("SA", "A"), staff("SB", "B")]
    projects = [project("PA", "A"), project("PB", "B")]
    blocked = solve(make_round(two, people, projects))
    assert len(staffed(blocked)) == 1
    assert "do not review each other both ways" in blocked.plan.unfilled[0].reason
    allowed = solve(make_round(two, people, projects, rules={"no_direct_swap": False}))
    assert staffed(allowed) == {"PA", "PB"}


def test_preference_decides_between_equal_reviewers() -> None:
    people = [staff("S1", "B"), staff("S2", "B")]
    for keen in ("S1", "S2"):
        round_ = make_round(
            THREE_SCHOOLS,
            people,
            [project("P1", "A", max_reviewers=1)],
            preferences=[Preference(staff_id=keen, project_id="P1", preference=3)],
        )
        assert team(solve(round_), "P1") == {keen: "member"}


def test_nearer_reviewer_preferred() -> None:
    schools = [school("A"), school("B", lat_offset=0.2), school("C", lat_offset=0.02)]
    people = [staff("FAR", "B"), staff("NEAR", "C")]
    outcome = solve(make_round(schools, people, [project("P1", "A", max_reviewers=1)]))
    assert set(team(outcome, "P1")) == {"NEAR"}


def test_same_seed_same_plan() -> None:
    people = [staff(f"S{i}", "BC"[i % 2]) for i in range(6)]
    projects = [project("P1", "A", max_reviewers=3)]
    round_ = make_round(THREE_SCHOOLS, people, projects)
    plans = {match(round_, time_limit=5, seed=7, workers=2).plan for _ in range(3)}
    assert len(plans) == 1


# --- brute force ---------------------------------------------------------------------------


def objective(round_: Round, plan: Plan) -> int:
    """The documented objective, computed from its definition (docs/model.md), not the model."""
    w = round_.settings.weights
    schools = round_.school_by_id
    people = round_.staff_by_id
    projects = round_.project_by_id
    prefs = {(p.staff_id, p.project_id): p.preference for p in round_.preferences}
    fit = pref = travel = 0
    given = dict.fromkeys(schools, 0)
    received = dict.fromkeys(schools, 0)
    sle_days = {s.staff_id: round_.sle_days_used(s.staff_id) for s in round_.staff if s.is_sle}
    for a in plan.assignments:
        person, proj = people[a.staff_id], projects[a.project_id]
        days = proj.visits * proj.visit_days
        home, host = schools[person.school_id], schools[proj.host_school_id]
        fit += (
            2 * (home.phase == host.phase)
            + (proj.needs_lead and person.lead_reviewer)
            + (proj.needs_sle and person.is_sle)
        )
        pref += prefs.get((a.staff_id, a.project_id), 0)
        travel += round_.travel_minutes(home.school_id, host.school_id) * days
        given[home.school_id] += days
        received[host.school_id] += days
        if person.is_sle:
            sle_days[person.staff_id] += days
    allowance = round_.settings.rules.sle_allowance_days
    sle = max((math.ceil(100 * d / allowance) for d in sle_days.values()), default=0)
    balance = sum(abs(given[s] - received[s]) for s in schools)
    return (
        w.unstaffed * len(plan.unfilled)
        - w.expertise * fit
        - w.preference * pref
        + w.travel * travel
        + w.sle_balance * sle
        + w.give_take * balance
    )


def every_plan(round_: Round) -> Iterator[Plan]:
    pairs = [(s, p) for s in round_.staff for p in round_.projects]
    for chosen in itertools.product([False, True], repeat=len(pairs)):
        assignments = []
        for (person, proj), on in zip(pairs, chosen, strict=True):
            if on:
                assignments.append((proj, person))
        plan_assignments = []
        for proj in round_.projects:
            members = [person for p, person in assignments if p is proj]
            lead = next((m for m in members if m.lead_reviewer), None) if proj.needs_lead else None
            plan_assignments += [
                Assignment(
                    project_id=proj.project_id,
                    staff_id=m.staff_id,
                    role="lead" if m is lead else "member",
                )
                for m in members
            ]
        staffed_ids = {a.project_id for a in plan_assignments}
        unfilled = [
            UnfilledProject(project_id=p.project_id, reason="-")
            for p in round_.projects
            if p.project_id not in staffed_ids
        ]
        yield Plan(assignments=tuple(plan_assignments), unfilled=tuple(unfilled))


def test_optimum_equals_brute_force() -> None:
    """A 12-pair round: the solver's objective equals the best of all 4,096 plans."""
    schools = [
        school("A", trust="Oak"),
        school("B", lat_offset=0.05, phase="secondary"),
        school("C", lat_offset=0.02, trust="Oak"),
        school("D", lat_offset=-0.03),
    ]
    people = [
        staff("S1", "B", phases={"primary", "secondary"}, max_days=3, lead_reviewer=False),
        staff("S2", "C", is_sle=True, max_days=4),
        staff("S3", "D", specialisms={"oracy", "homework"}, max_days=2),
        staff("S4", "A", specialisms={"homework"}, phases={"secondary"}, lead_reviewer=False),
    ]
    projects = [
        project("P1", "A", needs_lead=True, visits=2),
        project("P2", "B", area="homework", min_reviewers=1, max_reviewers=2),
        project("P3", "D", needs_sle=True),
    ]
    round_ = make_round(
        schools,
        people,
        projects,
        history=[HistoryEntry(round=1, staff_id="S2", host_school_id="B", days=15)],
        preferences=[
            Preference(staff_id="S1", project_id="P1", preference=3),
            Preference(staff_id="S3", project_id="P2", preference=-2),
        ],
    )
    feasible = [p for p in every_plan(round_) if not verify_plan(round_, p)]
    best = min(objective(round_, p) for p in feasible)
    outcome = solve(round_)
    assert outcome.result.objective == best
    assert objective(round_, outcome.plan) == best


def test_a_part_given_no_time_still_returns_a_valid_plan() -> None:
    """A part whose share is used up still searches briefly from its start: a valid plan."""
    from solvers.engine.budget import Budget
    from solvers.engine.options import DEFAULT_OPTIONS
    from solvers.matching.decode import decode
    from solvers.matching.encode import encode
    from solvers.matching.strategy import _solve_part

    people = [staff("S1", "B"), staff("S2", "C", is_sle=True), staff("S3", "B")]
    projects = [project("P1", "A", needs_lead=True), project("P2", "A", needs_sle=True)]
    round_ = make_round(THREE_SCHOOLS, people, projects, rules={"no_direct_swap": False})
    problem = encode(round_)
    solution = _solve_part(problem, Budget(0.0), DEFAULT_OPTIONS)
    assert solution.result.status in {"FEASIBLE", "OPTIMAL"}
    plan = decode(problem, solution, {})
    assert {a.project_id for a in plan.assignments} == {"P1", "P2"}
    assert verify_plan(round_, plan) == []


def test_parts_reached_after_the_time_is_spent_are_counted_and_named() -> None:
    """Parts not searched keep valid start plans; the unknown gap says how many and why."""
    from matcher.synth.cohort import generate_round
    from solvers.engine.budget import Budget
    from solvers.matching.decode import decode
    from solvers.matching.encode import encode
    from solvers.matching.strategy import solve_matching

    round_ = generate_round(schools=40, seed=2)
    problem = encode(round_)
    # Less time than any part's floor: every part gives way to its start plan.
    solution = solve_matching(problem, Budget(0.01), options=SolveOptions(workers=1))
    counts = solution.result.counts
    assert counts["parts"] >= 1
    assert counts["parts_without_bound"] == counts["parts"]
    assert solution.result.gap is None
    assert f"{counts['parts']} of {counts['parts']} parts have no proven bound" in (
        solution.result.summary()
    )
    assert verify_plan(round_, decode(problem, solution, {})) == []


def test_a_start_team_that_lost_a_member_is_left_out() -> None:
    """A previous plan whose team lost a pair must not start the search under strength."""
    from solvers.matching.encode import encode
    from solvers.matching.strategy import _whole_teams

    people = [staff("S1", "B"), staff("S2", "C"), staff("S3", "B")]
    projects = [project("P1", "A", min_reviewers=2, max_reviewers=2), project("P2", "A")]
    round_ = make_round(THREE_SCHOOLS, people, projects, rules={"no_direct_swap": False})
    problem = encode(round_)
    pair = {
        (problem.staff_ids[i], problem.project_ids[j]): k
        for k, (i, j) in enumerate(zip(problem.pair_staff, problem.pair_project, strict=True))
    }
    whole = _whole_teams(problem, [pair[("S1", "P1")], pair[("S2", "P1")], pair[("S3", "P2")]])
    assert sorted(whole) == sorted([pair[("S1", "P1")], pair[("S2", "P1")], pair[("S3", "P2")]])
    short = _whole_teams(problem, [pair[("S1", "P1")], pair[("S3", "P2")]])
    assert short == (pair[("S3", "P2")],)


def test_explanations_not_started_by_the_deadline_say_so() -> None:
    """Past its deadline the explainer names no rule it has not proven, and says why."""
    from solvers.engine.budget import Budget
    from solvers.matching.encode import encode
    from solvers.matching.explain import OUT_OF_TIME, explain_unstaffed

    people = [staff("S1", "B", max_days=1)]
    projects = [project("P1", "A"), project("P2", "C")]
    round_ = make_round(THREE_SCHOOLS, people, projects, rules={"no_direct_swap": False})
    problem = encode(round_)
    past = Budget(5.0, deadline=0.0)
    late = explain_unstaffed(round_, problem, past, unstaffed=["P2"], staffed=["P1"])
    assert late == {"P2": OUT_OF_TIME}
    assert not past.repeatable
    in_time = explain_unstaffed(round_, problem, Budget(5.0), unstaffed=["P2"], staffed=["P1"])
    assert in_time["P2"].startswith("cannot be staffed while P1 is")


@pytest.mark.parametrize(("window", "expected"), [(2, set()), (0, {"P1"})])
def test_school_rotation(window: int, expected: set[str]) -> None:
    """S9 (of B) reviewed A last round; S1, also of B, may serve A only with the rule off."""
    history = [HistoryEntry(round=2, staff_id="S9", host_school_id="A", days=1)]
    round_ = make_round(
        THREE_SCHOOLS,
        [staff("S1", "B"), staff("S9", "B", specialisms={"homework"})],
        [project("P1", "A")],
        history=history,
        rules={"school_rotation_rounds": window},
    )
    outcome = solve(round_)
    assert staffed(outcome) == expected
    if not expected:
        assert "has not reviewed, or been reviewed by" in outcome.plan.unfilled[0].reason


@pytest.mark.parametrize(("budget", "expected"), [(1080, 2), (1079.5, 1), (None, 2)])
def test_cover_budget(budget: float | None, expected: int) -> None:
    """Two 3-day projects, one B reviewer each: 6 days at 180 a day cost 1,080; 1,079.50 pays
    for 5 days, one project."""
    people = [staff("S1", "B"), staff("S2", "B")]
    projects = [project("P1", "A", visits=3), project("P2", "C", visits=3)]
    budgeted = [
        school("A"),
        school("B", lat_offset=0.05, cover_budget=budget),
        school("C", lat_offset=0.02),
    ]
    outcome = solve(make_round(budgeted, people, projects))
    assert len(staffed(outcome)) == expected
    problem = encode(outcome.round)
    # Greedy and the warm start book the budget's days in the Ledger as the model counts them.
    for start in (greedy(problem).chosen, warm_start(problem)):
        assert verify_plan(outcome.round, as_plan(outcome.round, start)) == []
        assert keeps_hard_rules(problem, start)
        staffed_by_start = {problem.pair_project[k] for k in start}
        assert len(staffed_by_start) <= expected
    if expected == 1:
        reason = outcome.plan.unfilled[0].reason
        assert "cover_budget: 5 staff-day(s) at £180" in reason
        assert "£540 already committed by" in reason
