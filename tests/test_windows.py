"""Improving a plan of a very large round window by window (solvers.search.windows)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from ortools.sat.python import cp_model

import solvers.engine.decompose as decompose
from matcher.model import Round, Weights
from matcher.synth.cohort import generate_round
from matcher.verify import verify_plan
from solvers.engine.budget import Budget
from solvers.engine.decompose import dropped_pairs, pair_parts, school_labels, school_windows
from solvers.engine.options import SolveOptions
from solvers.engine.result import SolveResult
from solvers.matching.decode import decode
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.greedy import greedy
from solvers.matching.model import build_model
from solvers.matching.objective import objective_of
from solvers.matching.strategy import MatchingSolution, _first_leads, solve_matching
from solvers.search.windows import _staffable, open_windows, windows_around_unstaffed


@pytest.fixture(scope="module")
def cohort() -> tuple[Round, MatchingProblem]:
    round_ = generate_round(schools=120, seed=4)
    return round_, encode(round_)


@pytest.fixture(scope="module")
def cohort_without_sle_balance(cohort: tuple[Round, MatchingProblem]) -> MatchingProblem:
    """The cohort with SLE balance off: inside a window it is measured over the window's SLEs,
    so with it on a window's objective need not move as the whole round's does."""
    round_, _problem = cohort
    settings = round_.settings.model_copy(update={"weights": Weights(sle_balance=0)})
    return encode(round_.model_copy(update={"settings": settings}))


def plan_errors(round_: Round, problem: MatchingProblem, chosen: Sequence[int]) -> list[str]:
    """What the independent plan checker finds wrong with a plan given as pair indices."""
    chosen = tuple(sorted(chosen))
    staffed = {int(problem.pair_project[k]) for k in chosen}
    solution = MatchingSolution(
        result=SolveResult("FEASIBLE", float(objective_of(problem, chosen)), None, 0.0, 0, 1),
        chosen=chosen,
        leads=_first_leads(problem, chosen),
        staffed=tuple(j in staffed for j in range(len(problem.project_ids))),
    )
    return [str(v) for v in verify_plan(round_, decode(problem, solution, {}))]


@pytest.mark.parametrize("turned", [False, True])
def test_windows_share_no_school_and_none_is_too_large(
    cohort: tuple[Round, MatchingProblem], turned: bool
) -> None:
    _round, problem = cohort
    limit = problem.n_pairs // 6
    window = school_windows(problem, turned=turned, max_pairs=limit)
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    inside = (window[giving] == window[hosting]) & (window[giving] >= 0)
    sizes = np.bincount(window[giving][inside])
    assert len(sizes) >= 6 and sizes.max() <= limit
    assert (window >= 0).sum() >= 0.95 * len(problem.school_ids)  # most schools in a window


def test_unturned_windows_are_the_regions_of_pair_parts(
    cohort: tuple[Round, MatchingProblem],
) -> None:
    _round, problem = cohort
    limit = problem.n_pairs // 6
    regions = school_labels(problem, pair_parts(problem, max_pairs=limit))
    windows = school_windows(problem, turned=False, max_pairs=limit)
    # The same grouping of schools, whatever each group's number.
    assert ((regions < 0) == (windows < 0)).all()
    matched = set(zip(regions.tolist(), windows.tolist(), strict=True))
    assert len(matched) == len(set(regions.tolist())) == len(set(windows.tolist())) > 6


def test_turned_windows_hold_pairs_between_regions(cohort: tuple[Round, MatchingProblem]) -> None:
    """The turned windows' boundaries cross the regions': pairs the regions leave out lie
    inside a turned window (47% of them on the national cohort, 18% on this tiny one)."""
    _round, problem = cohort
    limit = problem.n_pairs // 6
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    regions = school_windows(problem, turned=False, max_pairs=limit)
    turned = school_windows(problem, turned=True, max_pairs=limit)
    between = regions[giving] != regions[hosting]
    assert between.sum() == dropped_pairs(problem, pair_parts(problem, max_pairs=limit)) > 0
    caught = between & (turned[giving] == turned[hosting]) & (turned[giving] >= 0)
    assert caught.sum() >= 0.1 * between.sum()


@pytest.mark.parametrize("turned", [False, True])
def test_any_plan_of_the_free_part_is_a_plan_of_the_round(
    cohort: tuple[Round, MatchingProblem], turned: bool
) -> None:
    """Free teams re-staffed by the solver from scratch, beside the fixed ones: no rule broken,
    by the independent checker; and the start plan put back is the plan itself."""
    round_, problem = cohort
    plan = greedy(problem).chosen
    window = school_windows(problem, turned=turned, max_pairs=problem.n_pairs // 6)
    opened = open_windows(problem, plan, window)
    assert opened.close(opened.start.tolist()) == plan
    assert len(opened.fixed) > 0 and len(opened.start) > 0
    other = opened.close(solve_matching(opened.problem, Budget(5)).chosen)
    assert other != plan
    assert plan_errors(round_, problem, other) == []


def test_the_free_part_scores_changes_as_the_whole_round_does(
    cohort_without_sle_balance: MatchingProblem,
) -> None:
    """With SLE balance off (measured per window, not per region), a change to the free part
    moves its objective exactly as much as the whole round's: what fixed teams use, days,
    release and give-and-take included, is accounted for."""
    problem = cohort_without_sle_balance
    plan = greedy(problem).chosen
    window = school_windows(problem, turned=True, max_pairs=problem.n_pairs // 6)
    opened = open_windows(problem, plan, window)
    other = solve_matching(opened.problem, Budget(5)).chosen
    start = tuple(opened.start.tolist())
    free_change = objective_of(opened.problem, other) - objective_of(opened.problem, start)
    whole_change = objective_of(problem, opened.close(other)) - objective_of(problem, plan)
    assert free_change != 0
    assert free_change == whole_change


def test_a_round_split_into_regions_is_solved_window_by_window(
    cohort: tuple[Round, MatchingProblem], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never worse than greedy on the whole round, usually better; no rule broken; the bound
    is the whole round's, proven apart from the windows, and the summary says how."""
    round_, problem = cohort
    monkeypatch.setattr(decompose, "MAX_PART_PAIRS", problem.n_pairs // 6)
    assert dropped_pairs(problem, pair_parts(problem)) > 0
    solution = solve_matching(problem, Budget(30), options=SolveOptions(workers=2, gap_limit=0.01))
    result = solution.result
    assert result.objective is not None
    greedy_objective = greedy(problem).objective
    assert greedy_objective is not None
    assert result.objective < greedy_objective
    assert result.objective == objective_of(problem, solution.chosen)
    assert result.counts["greedy_objective"] == greedy(problem).objective
    assert result.counts["window_passes"] >= 2
    assert plan_errors(round_, problem, solution.chosen) == []
    assert result.bound is not None and result.bound <= result.objective
    assert result.gap is not None and result.bound_method is not None
    assert result.bound_method in result.summary()
    # Quoted for the whole round: the unstaffed penalty stays on both sides.
    assert result.objective > 0
    whole = (result.objective - result.bound) / result.objective
    assert result.objective_gap == pytest.approx(whole)
    assert f"{100 * whole:.2f}% on the whole objective" in result.summary()


def test_every_project_left_unstaffed_that_a_team_could_staff_gets_a_window(
    cohort: tuple[Round, MatchingProblem],
) -> None:
    _round, problem = cohort
    plan = greedy(problem).chosen
    limit = problem.n_pairs // 10
    window = windows_around_unstaffed(problem, plan, max_pairs=limit)
    staffed = set(problem.pair_project[list(plan)].tolist())
    wanted = [j for j in np.flatnonzero(_staffable(problem)).tolist() if j not in staffed]
    assert wanted  # greedy leaves some staffable project unstaffed in this cohort
    assert all(window[problem.project_host[j]] >= 0 for j in wanted)
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    inside = (window[giving] == window[hosting]) & (window[giving] >= 0)
    assert np.bincount(window[giving][inside]).max() <= limit


def test_staffable_means_enough_candidates_with_a_lead_and_an_sle_where_needed(
    cohort: tuple[Round, MatchingProblem],
) -> None:
    _round, problem = cohort
    staffable = _staffable(problem)
    for j, pairs in enumerate(problem.pairs_of_project()):
        people = problem.pair_staff[pairs]
        expected = (
            len(set(people.tolist())) >= problem.project_min[j]
            and (not problem.project_needs_lead[j] or bool(problem.staff_is_lead[people].any()))
            and (not problem.project_needs_sle[j] or bool(problem.staff_is_sle[people].any()))
        )
        assert staffable[j] == expected


def test_the_model_of_a_free_part_scores_a_plan_as_the_plan_checker_does(
    cohort_without_sle_balance: MatchingProblem,
) -> None:
    """Give-and-take left by fixed teams is in the CP-SAT objective too, schools with no free
    pair included: a plan fixed in the model scores exactly its ``objective_of``. (SLE balance
    is off: the model takes one largest share over all its SLEs, ``objective_of`` one per
    independent part, and this free part has several; solving splits it into parts first.)"""
    problem = cohort_without_sle_balance
    plan = greedy(problem).chosen
    window = school_windows(problem, turned=True, max_pairs=problem.n_pairs // 6)
    free = open_windows(problem, plan, window)
    assert free.problem.school_days_offset is not None and free.problem.school_days_offset.any()
    m = build_model(free.problem)
    chosen = set(free.start.tolist())
    for k, var in enumerate(m.assign):
        m.model.add(var == (k in chosen))
    solver = cp_model.CpSolver()
    assert solver.solve(m.model) == cp_model.OPTIMAL
    assert round(solver.objective_value) == objective_of(free.problem, tuple(sorted(chosen)))


def test_a_fixed_team_rules_out_the_free_pair_that_would_swap_with_it(
    cohort: tuple[Round, MatchingProblem],
) -> None:
    """No-swap across the window's edge: a fixed team from school a at host b leaves no free
    pair from b at a, and in this cohort there are such pairs to take out."""
    _round, problem = cohort
    plan = greedy(problem).chosen
    window = school_windows(problem, turned=True, max_pairs=problem.n_pairs // 6)
    opened = open_windows(problem, plan, window)
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    served = set(zip(giving[opened.fixed].tolist(), hosting[opened.fixed].tolist(), strict=True))
    free = set(zip(hosting[opened.pairs].tolist(), giving[opened.pairs].tolist(), strict=True))
    assert not served & free
    inside = (window[giving] == window[hosting]) & (window[giving] >= 0)
    held = set(problem.pair_project[opened.fixed].tolist())
    candidates = [
        k for k in np.flatnonzero(inside).tolist() if int(problem.pair_project[k]) not in held
    ]
    swapping = [k for k in candidates if (int(hosting[k]), int(giving[k])) in served]
    assert swapping  # the rule bites here
    assert not set(swapping) & set(opened.pairs.tolist())
