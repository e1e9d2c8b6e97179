"""Baselines: greedy plans obey every hard rule; MILP agrees with CP-SAT; the LP bounds both."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_properties import rounds

from matcher.model import Plan, Round
from matcher.synth.cohort import generate_round
from matcher.verify import verify_plan
from solvers.baselines import solve_linear
from solvers.baselines_hubs import solve_pmedian_milp
from solvers.clusters.pmedian import PMedianProblem
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.matching.decode import decode
from solvers.matching.encode import encode
from solvers.matching.greedy import greedy
from solvers.matching.objective import objective_of
from solvers.matching.strategy import MatchingSolution, solve_matching


def as_plan(round_: Round, chosen: tuple[int, ...]) -> Plan:
    problem = encode(round_)
    leads = {
        k
        for k in chosen
        if problem.project_needs_lead[problem.pair_project[k]]
        and problem.staff_is_lead[problem.pair_staff[k]]
    }
    # One lead per project: keep the first trained lead of each team.
    first_lead: dict[int, int] = {}
    for k in sorted(leads):
        first_lead.setdefault(int(problem.pair_project[k]), k)
    staffed = {int(problem.pair_project[k]) for k in chosen}
    solution = MatchingSolution(
        result=solve_matching(problem, Budget(1), options=SolveOptions(workers=1)).result,
        chosen=chosen,
        leads=frozenset(first_lead.values()),
        staffed=tuple(j in staffed for j in range(len(problem.project_ids))),
    )
    return decode(problem, solution, {})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_greedy_plans_break_no_rule(round_: Round) -> None:
    result = greedy(encode(round_))
    assert verify_plan(round_, as_plan(round_, result.chosen)) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_greedy_around_kept_teams_keeps_them_and_breaks_no_rule(round_: Round) -> None:
    """A plan repaired around teams it must keep (a feedback round's start) is still valid."""
    problem = encode(round_)
    first = greedy(problem).chosen
    staffed = sorted({int(problem.pair_project[k]) for k in first})
    kept_projects = set(staffed[::2])
    keep = tuple(k for k in first if int(problem.pair_project[k]) in kept_projects)
    repaired = greedy(problem, keep=keep).chosen
    assert set(keep) <= set(repaired)
    assert verify_plan(round_, as_plan(round_, repaired)) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_milp_matches_cp_sat_and_lp_bounds_both(round_: Round) -> None:
    problem = encode(round_)
    cp = solve_matching(problem, Budget(10), options=SolveOptions(workers=1)).result
    milp = solve_linear(problem, time_limit=10)
    lp = solve_linear(problem, relax=True)
    assert cp.status == milp.status == "OPTIMAL"
    assert milp.objective is not None and lp.objective is not None
    assert round(milp.objective) == cp.objective == objective_of(problem, milp.chosen)
    assert lp.objective <= cp.objective + 1e-6
    assert cp.objective <= objective_of(problem, greedy(problem).chosen)


def test_the_milp_peers_write_nothing_to_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    """`matcher bench ... --json` writes its JSON to stdout: a solver's banner there breaks it."""
    round_ = generate_round(schools=30, seed=1)
    matching = solve_linear(encode(round_), backend="HIGHS", time_limit=10)
    hubs = solve_pmedian_milp(
        PMedianProblem(
            distance=np.array([[0, 4, 9], [4, 0, 5], [9, 5, 0]]),
            demand=np.array([1, 1, 1]),
            capacity=2,
            medians=2,
        ),
        backend="HIGHS",
        time_limit=10,
    )
    assert matching.objective is not None and hubs.objective == 4
    assert capfd.readouterr().out == ""
