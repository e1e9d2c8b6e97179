"""A change re-solved in its neighbourhood (solvers.matching.neighbourhood): every plan it
returns is a plan of the whole round (the independent checker finds nothing), the change
holds in it, and its cost is the difference of the two plans' own objectives.

The cohort is small enough that every part would be re-solved whole; the tests ask for
neighbourhoods (``Reach(exact_pairs=0, ...)``) so that the rest of the plan is held.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pytest

import matcher
from matcher.model import Plan, Round
from solvers.engine.budget import Budget
from solvers.engine.decompose import IntArray, extend_parts, pair_parts
from solvers.engine.options import SolveOptions
from solvers.engine.result import SolveResult
from solvers.matching.decode import decode
from solvers.matching.eligibility import PairContext, Screen
from solvers.matching.encode import MatchingProblem, append_pairs, encode
from solvers.matching.neighbourhood import Reach, near_what_if, re_solve, ring
from solvers.matching.objective import objective_change, objective_of
from solvers.matching.strategy import MatchingSolution, solve_matching
from solvers.matching.whatif import Change

NEAR = Reach(exact_pairs=0, max_pairs=150)
Planned = tuple[Round, MatchingProblem, list[IntArray], tuple[int, ...], frozenset[int]]


@pytest.fixture(scope="module")
def planned() -> Planned:
    """A 120-school cohort, its problem, parts and a plan (pairs and lead pairs)."""
    round_ = matcher.generate_round(schools=120, seed=4)
    problem = encode(round_)
    solution = solve_matching(problem, Budget(5.0), options=SolveOptions(seed=0))
    return round_, problem, pair_parts(problem), solution.chosen, solution.leads


def _plan(problem: MatchingProblem, chosen: Collection[int], leads: Collection[int]) -> Plan:
    chosen = tuple(sorted(chosen))
    staffed = {int(problem.pair_project[k]) for k in chosen}
    solution = MatchingSolution(
        result=SolveResult("FEASIBLE", 0.0, None, 0.0, 0, 1),
        chosen=chosen,
        leads=frozenset(leads),
        staffed=tuple(j in staffed for j in range(len(problem.project_ids))),
    )
    return decode(problem, solution, {})


def test_ring_frees_the_project_and_stays_within_its_bound(planned: Planned) -> None:
    _round, problem, _parts, chosen, _leads = planned
    for j in range(0, len(problem.project_ids), 7):
        free = ring(problem, chosen, projects=[j], max_pairs=150)
        own = problem.pair_project == j
        assert free[own].all()
        assert free.sum() <= max(150, own.sum())
    bigger = ring(problem, chosen, projects=[0], max_pairs=600)
    assert bigger.sum() >= ring(problem, chosen, projects=[0], max_pairs=150).sum()


@pytest.mark.parametrize("kept", [False, True])
def test_a_pair_kept_out_or_forced_in_gives_a_checked_plan(planned: Planned, kept: bool) -> None:
    round_, problem, parts, chosen, leads = planned
    on = set(chosen)
    pairs = [k for k in range(0, problem.n_pairs, 11) if (k in on) != kept][:25]
    found_some = 0
    for k in pairs:
        change = Change(pair=k, chosen=kept)
        found = re_solve(problem, chosen, leads, change, seconds=2, parts=parts, reach=NEAR)
        assert found.scope == "neighbourhood" and found.cost_bound is None
        assert not found.proven
        if not found.found:
            assert found.status == "UNKNOWN"  # never "INFEASIBLE": the rest was held
            continue
        assert (k in found.chosen) == kept
        assert matcher.verify_plan(round_, _plan(problem, found.chosen, found.leads)) == []
        assert found.cost == objective_of(problem, found.chosen, parts) - objective_of(
            problem, chosen, parts
        )
        found_some += 1
    assert found_some >= 10


def test_a_project_staffed_in_its_neighbourhood_passes_the_checker(planned: Planned) -> None:
    round_, problem, parts, chosen, leads = planned
    staffed = {int(problem.pair_project[k]) for k in chosen}
    # The cohort's unstaffed projects that have candidates, and staffed ones (already met).
    projects = [j for j in range(len(problem.project_ids)) if (problem.pair_project == j).any()]
    tried = 0
    for j in [p for p in projects if p not in staffed][:10] + sorted(staffed)[:5]:
        found = near_what_if(
            problem, chosen, leads, Change(project=j), seconds=2, parts=parts, max_pairs=300
        )
        if found.found:
            assert j in {int(problem.pair_project[k]) for k in found.chosen}
            assert matcher.verify_plan(round_, _plan(problem, found.chosen, found.leads)) == []
            tried += 1
    assert tried >= 5


def test_objective_change_is_the_difference_of_objectives(planned: Planned) -> None:
    _round, problem, parts, chosen, _leads = planned
    rng = np.random.default_rng(7)
    before = objective_of(problem, chosen, parts)
    for _ in range(40):
        out = set(rng.choice(chosen, size=3, replace=False).tolist())
        extra = set(rng.integers(0, problem.n_pairs, size=4).tolist())
        after = tuple(sorted((set(chosen) - out) | extra))
        expected = objective_of(problem, after, parts) - before
        assert objective_change(problem, chosen, after, parts) == expected


def test_appended_pairs_are_the_relaxed_rounds_own(planned: Planned) -> None:
    """Allowing a longer journey: the pairs appended to one project are those encoding the
    relaxed round gives it, with the same columns, and the parts are the relaxed problem's."""
    round_, problem, parts, _chosen, _leads = planned
    rules = round_.settings.rules.model_copy(
        update={"max_travel_minutes": round_.settings.rules.max_travel_minutes + 30}
    )
    relaxed = round_.replace(settings=round_.settings.model_copy(update={"rules": rules}))
    wider = encode(relaxed)
    screen = Screen(PairContext.of(round_))
    checked = 0
    for j in range(0, len(problem.project_ids), 9):
        old = set(problem.pair_staff[problem.pair_project == j].tolist())
        mine = wider.pair_project == j
        new = sorted(set(wider.pair_staff[mine].tolist()) - old)
        if not new:
            continue
        grown = append_pairs(problem, screen, j, np.array(new, dtype=np.int64))
        added = np.arange(problem.n_pairs, grown.n_pairs)
        theirs = np.flatnonzero(mine & np.isin(wider.pair_staff, new))
        for column in ("pair_staff", "pair_days", "pair_travel", "pair_fit", "pair_preference"):
            assert getattr(grown, column)[added].tolist() == getattr(wider, column)[theirs].tolist()
        together = extend_parts(grown, parts, problem.n_pairs)
        assert [p.tolist() for p in together] == [p.tolist() for p in pair_parts(grown)]
        checked += 1
    assert checked >= 3
