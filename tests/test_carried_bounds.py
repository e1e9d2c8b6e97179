"""Bounds carried from a solved part to the same part with fewer pairs.

Each carried bound is checked against the optimum of the smaller part, found by a fresh
exact solve that knows nothing of the earlier one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matcher.synth.cohort import generate_round
from matcher.verify import verify_plan
from solvers.engine.budget import Budget
from solvers.engine.carried_bounds import CarriedBounds, frame
from solvers.engine.decompose import pair_parts, restrict
from solvers.engine.options import SolveOptions
from solvers.matching.decode import decode
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.strategy import SolvedMatchingParts, solve_matching


def largest_part(seed: int) -> MatchingProblem:
    problem = encode(generate_round(schools=40, seed=seed))
    return restrict(problem, max(pair_parts(problem), key=len))[0]


def keeping(problem: MatchingProblem, keep: np.ndarray) -> MatchingProblem:
    """The same problem with only the pairs marked in ``keep``."""
    return replace(
        problem,
        pair_staff=problem.pair_staff[keep],
        pair_project=problem.pair_project[keep],
        pair_days=problem.pair_days[keep],
        pair_travel=problem.pair_travel[keep],
        pair_fit=problem.pair_fit[keep],
        pair_preference=problem.pair_preference[keep],
        # Generated cohorts have projects with two areas: each pair keeps its own mask.
        pair_area_mask=None if problem.pair_area_mask is None else problem.pair_area_mask[keep],
    )


def optimum(problem: MatchingProblem) -> tuple[float, tuple[int, ...]]:
    solution = solve_matching(problem, Budget(30), options=SolveOptions(workers=1))
    assert solution.result.status == "OPTIMAL"
    assert solution.result.objective is not None
    return solution.result.objective, solution.chosen


def carried(problem: MatchingProblem, smaller: MatchingProblem, bound: float) -> float | None:
    bounds = CarriedBounds()
    bounds.remember(frame(problem), problem, np.arange(problem.n_pairs), bound)
    return bounds.bound_for(frame(smaller), smaller, np.arange(smaller.n_pairs))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pairs_the_optimum_does_not_use_leave_the_carried_bound_exact(seed: int) -> None:
    problem = largest_part(seed)
    best, chosen = optimum(problem)
    # Drop every other pair the optimum leaves out (of staffed projects and busy reviewers, so
    # that none is lost): the optimum stays, so must the bound.
    used = np.asarray(chosen)
    unused = np.flatnonzero(
        np.isin(problem.pair_project, problem.pair_project[used])
        & np.isin(problem.pair_staff, problem.pair_staff[used])
    )
    unused = np.setdiff1d(unused, used)
    keep = np.ones(problem.n_pairs, dtype=bool)
    keep[unused[::2]] = False
    smaller = keeping(problem, keep)
    assert len(np.unique(smaller.pair_project)) == len(np.unique(problem.pair_project))
    assert len(np.unique(smaller.pair_staff)) == len(np.unique(problem.pair_staff))
    assert carried(problem, smaller, best) == best
    assert optimum(smaller)[0] == best


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_carried_bound_never_exceeds_the_optimum_of_the_smaller_part(seed: int) -> None:
    problem = largest_part(seed)
    best, chosen = optimum(problem)
    rng = np.random.default_rng(seed)
    keep = rng.random(problem.n_pairs) > 0.15
    keep[np.asarray(chosen)[: len(chosen) // 3]] = False  # the optimum itself is hit
    keep[problem.pair_project == problem.pair_project[chosen[0]]] = False  # a project is lost
    # The SLE with the most days used earlier this year loses every pair.
    sles = np.flatnonzero(problem.staff_is_sle)
    busiest = sles[np.argmax(problem.sle_days_used[sles])]
    keep[problem.pair_staff == busiest] = False
    smaller = keeping(problem, keep)
    bound = carried(problem, smaller, best)
    assert bound is not None
    assert bound < best  # the lost project's penalty is taken off
    assert optimum(smaller)[0] >= bound


def test_a_part_with_a_new_or_changed_pair_carries_no_bound() -> None:
    problem = largest_part(1)
    fewer = keeping(problem, np.arange(problem.n_pairs) > 0)
    bounds = CarriedBounds()
    bounds.remember(frame(fewer), fewer, np.arange(fewer.n_pairs), 123.0)
    # Pair 0 is new to ``problem``: it is not a restriction of ``fewer``.
    assert bounds.bound_for(frame(problem), problem, np.arange(problem.n_pairs)) is None
    slower = replace(fewer, pair_travel=fewer.pair_travel + 1)
    assert bounds.bound_for(frame(slower), slower, np.arange(slower.n_pairs)) is None
    stricter = replace(fewer, school_release=fewer.school_release - 1)
    assert bounds.bound_for(frame(stricter), stricter, np.arange(stricter.n_pairs)) is None
    assert bounds.bound_for(frame(fewer), fewer, np.arange(fewer.n_pairs)) == 123.0


def test_a_second_call_with_pairs_forbidden_starts_from_the_carried_bounds() -> None:
    round_ = generate_round(schools=60, seed=5)
    memo = SolvedMatchingParts()
    first = solve_matching(
        encode(round_), Budget(30), options=SolveOptions(workers=1), solved_parts=memo
    )
    assert first.result.status == "OPTIMAL"
    problem = encode(round_)
    # Forbid one reviewer of every third staffed project, as a feedback round does.
    forbidden = {
        (problem.staff_ids[problem.pair_staff[k]], problem.project_ids[problem.pair_project[k]])
        for k in first.chosen[::3]
    }
    again = encode(round_, excluded_pairs=forbidden)
    second = solve_matching(
        again,
        Budget(30),
        options=SolveOptions(workers=1, gap_limit=0.01),
        hint=(),
        solved_parts=memo,
    )
    assert second.result.bound is not None and second.result.objective is not None
    assert second.result.gap is not None and second.result.gap <= 0.01
    plan = decode(again, second, {})
    assert verify_plan(round_, plan) == []
    assert not forbidden & {(a.staff_id, a.project_id) for a in plan.assignments}
    # The carried bounds were sound: a fresh exact solve reaches at least the bound.
    fresh = solve_matching(again, Budget(30), options=SolveOptions(workers=1))
    assert fresh.result.status == "OPTIMAL"
    assert fresh.result.objective is not None
    assert fresh.result.objective >= second.result.bound - 1e-6
