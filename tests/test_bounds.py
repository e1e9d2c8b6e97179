"""The proven bound of a whole round (solvers.bounds): never above the optimum CP-SAT proves,
the LP relaxation's value the same whichever LP solver finds it, and any dual a bound."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from conftest import make_round, project, school, staff
from hypothesis import HealthCheck, given, settings, strategies as st
from test_properties import rounds
from test_windows import plan_errors

import solvers.bounds.by_region as by_region
import solvers.engine.decompose as decompose
from matcher.model import Round
from matcher.synth.cohort import generate_round
from solvers.bounds.by_region import regional_duals
from solvers.bounds.lp_dual import proven_bound, solve_relaxation
from solvers.bounds.most_staffed import staffing_caps
from solvers.bounds.relaxation import may_staff, relaxation, usable_pairs
from solvers.bounds.round_bound import round_bound
from solvers.engine.budget import Budget
from solvers.engine.decompose import dropped_pairs, pair_parts
from solvers.engine.options import SolveOptions
from solvers.engine.result import quality_gap
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.greedy import greedy
from solvers.matching.objective import objective_of
from solvers.matching.strategy import solve_matching

ONE_CORE = SolveOptions(workers=1)
# The bound's gap on the quality terms on 60-school cohorts (measured: 4.0 to 6.0%).
GAP_AT_MOST = 0.10


def optimum(problem: MatchingProblem) -> float:
    """The optimum CP-SAT proves on ``problem`` (the test needs it proven)."""
    result = solve_matching(problem, Budget(20), options=ONE_CORE).result
    assert result.status == "OPTIMAL" and result.objective is not None
    return result.objective


def bound_of(problem: MatchingProblem, plan: Sequence[int], backend: str = "glop") -> float:
    return round_bound(
        problem, pair_parts(problem), plan, budget=Budget(10), options=ONE_CORE, backend=backend
    ).bound


@pytest.fixture(scope="module")
def cohort() -> tuple[Round, MatchingProblem]:
    round_ = generate_round(schools=60, seed=2)
    return round_, encode(round_)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_the_bound_is_never_above_the_proven_optimum(round_: Round) -> None:
    problem = encode(round_)
    best = optimum(problem)
    assert bound_of(problem, greedy(problem).chosen) <= best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bound_is_below_the_optimum_of_a_generated_cohort_and_close_to_it(
    seed: int,
) -> None:
    problem = encode(generate_round(schools=60, seed=seed))
    solution = solve_matching(problem, Budget(20), options=ONE_CORE)
    best = solution.result
    assert best.status == "OPTIMAL" and best.objective is not None
    bound = bound_of(problem, greedy(problem).chosen)
    assert bound <= best.objective
    # The unstaffed penalty settled, the LP is within a few percent on the quality terms
    # (4 to 6% on these, 3.3% on a 300-school cohort, where without the staffing caps it
    # was 84%). On 30 schools the quality terms are a few hundred, and 300 units are 30%.
    assert quality_gap(best.objective, bound, best.fixed_penalty) < GAP_AT_MOST


def test_pdlp_and_glop_find_the_same_relaxation_value(
    cohort: tuple[Round, MatchingProblem],
) -> None:
    _round, problem = cohort
    lp = relaxation(problem, pair_parts(problem))
    exact = solve_relaxation(lp, backend="glop")
    first_order = solve_relaxation(lp, backend="pdlp", tolerance=1e-8)
    assert exact.lp_objective is not None
    # GLOP's duals prove its own optimum (rounded up); PDLP's prove the same within tolerance.
    assert exact.bound == pytest.approx(exact.lp_objective, abs=1.0)
    assert first_order.bound == pytest.approx(exact.bound, rel=1e-5)
    assert first_order.bound <= exact.bound


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_any_dual_vector_proves_no_more_than_the_lp_optimum(data: st.DataObject) -> None:
    """Weak duality, which is all the bound rests on: a dual PDLP stopped early on, or any
    other, gives a number at most the relaxation's optimum."""
    problem = encode(generate_round(schools=12, seed=data.draw(st.integers(0, 5))))
    lp = relaxation(problem, pair_parts(problem))
    exact = solve_relaxation(lp, backend="glop")
    assert exact.lp_objective is not None
    scale = data.draw(st.sampled_from([1.0, 100.0, 1e5]))
    seed = data.draw(st.integers(0, 1000))
    duals = np.random.default_rng(seed).normal(0.0, scale, lp.n_rows)
    assert proven_bound(lp, duals) <= exact.lp_objective + 1e-6


def contested_round() -> Round:
    """Two projects that each need an SLE for 2 days, and one SLE, with 3 days: for only one
    of them, though the LP can give each one and a half days."""
    return make_round(
        [school("A"), school("B"), school("C", lat_offset=0.02)],
        [
            staff("S1", "A", is_sle=True, lead_reviewer=False, max_days=3),
            staff("S2", "A", lead_reviewer=False),
            staff("S3", "A", lead_reviewer=False),
        ],
        [
            project("P1", "B", needs_sle=True, visit_days=2),
            project("P2", "C", needs_sle=True, visit_days=2),
        ],
    )


def test_staffing_caps_settle_a_conflict_the_lp_would_split() -> None:
    """Forbidden: the LP staffs both projects half-way over the one SLE's days. Allowed: the
    group around the project left unstaffed proves one of the two at most, and the bound
    then meets the optimum."""
    problem = encode(contested_round())
    plan = greedy(problem).chosen
    parts = pair_parts(problem)
    uncapped = solve_relaxation(relaxation(problem, parts), backend="glop").bound
    caps = staffing_caps(
        problem,
        plan,
        may_staff(problem, usable_pairs(problem)),
        max_pairs=100,
        budget=Budget(5),
        options=ONE_CORE,
    )
    assert [(sorted(c.projects.tolist()), c.most) for c in caps] == [([0, 1], 1)]
    capped = solve_relaxation(relaxation(problem, parts, [(c.projects, c.most) for c in caps]))
    best = optimum(problem)
    assert uncapped < best - problem.weights.unstaffed / 4  # half a project: 50,000 off
    assert capped.bound <= best
    assert capped.bound == best


def test_a_round_solved_window_by_window_reports_a_proven_bound(
    cohort: tuple[Round, MatchingProblem], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound is on the objective the plan reports, SLE balance measured per region: no
    plan scores below it that way, the whole round's optimum (one model) included."""
    round_, problem = cohort
    best = solve_matching(problem, Budget(20), options=ONE_CORE)
    assert best.result.status == "OPTIMAL"
    monkeypatch.setattr(decompose, "MAX_PART_PAIRS", problem.n_pairs // 4)
    regions = pair_parts(problem)
    assert dropped_pairs(problem, regions) > 0
    solution = solve_matching(problem, Budget(30), options=SolveOptions(workers=2))
    result = solution.result
    assert plan_errors(round_, problem, solution.chosen) == []
    assert result.bound is not None and result.objective is not None and result.gap is not None
    assert result.bound <= result.objective
    assert result.bound <= objective_of(problem, best.chosen, regions)
    assert result.bound_method == "lp-dual:glop-by-region+staffing-caps"
    assert result.bound_seconds is not None and result.bound_seconds > 0
    assert "bound: lp-dual:glop-by-region" in result.summary()


def test_one_region_s_duals_prove_the_whole_lp_s_optimum(
    cohort: tuple[Round, MatchingProblem],
) -> None:
    """Allowed: with the round in one region, the regional LP is the whole LP, and its duals,
    cheapest pairs first and the rest priced in, prove the LP's own optimum."""
    _round, problem = cohort
    lp = relaxation(problem, [np.arange(problem.n_pairs)])
    exact = solve_relaxation(lp, backend="glop")
    start = np.zeros(lp.n_columns, dtype=np.bool_)
    start[problem.n_pairs :] = True
    start[: problem.n_pairs : 5] = True
    solved = regional_duals(lp, start)
    assert solved.regions == solved.settled == 1
    assert proven_bound(lp, solved.duals) == exact.bound


def test_regions_duals_prove_a_bound_near_the_whole_lp_s(
    cohort: tuple[Round, MatchingProblem], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regions solved apart: the pairs across borders, which no region's LP saw, lower the
    bound only a little, and it never passes the whole LP's optimum; a region left unsolved
    (no time) keeps zero duals, a weaker bound but still one."""
    _round, problem = cohort
    monkeypatch.setattr(decompose, "MAX_PART_PAIRS", problem.n_pairs // 4)
    regions = pair_parts(problem)
    assert dropped_pairs(problem, regions) > 0
    lp = relaxation(problem, regions)
    exact = solve_relaxation(lp, backend="glop")
    assert exact.lp_objective is not None
    start = np.ones(lp.n_columns, dtype=np.bool_)
    solved = regional_duals(lp, start)
    assert solved.regions > 1 and solved.settled == solved.regions
    bound = proven_bound(lp, solved.duals)
    assert bound <= exact.bound
    assert bound >= exact.bound - 0.01 * abs(exact.bound)
    none = regional_duals(lp, start, time_limit=0.0)
    assert none.solves == 0
    assert proven_bound(lp, none.duals) <= bound


def test_regions_take_turns_so_each_has_duals_before_any_is_refined(
    cohort: tuple[Round, MatchingProblem], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One round of turns: every region solved once on its starting columns, none twice,
    and the duals, unfinished, still prove no more than the whole LP's optimum."""
    _round, problem = cohort
    monkeypatch.setattr(decompose, "MAX_PART_PAIRS", problem.n_pairs // 4)
    lp = relaxation(problem, pair_parts(problem))
    exact = solve_relaxation(lp, backend="glop")
    start = np.zeros(lp.n_columns, dtype=np.bool_)
    start[problem.n_pairs :] = True
    start[: problem.n_pairs : 7] = True
    monkeypatch.setattr(by_region, "MAX_ROUNDS", 1)
    solved = by_region.regional_duals(lp, start)
    assert solved.solves == solved.regions > 1
    assert proven_bound(lp, solved.duals) <= exact.bound
