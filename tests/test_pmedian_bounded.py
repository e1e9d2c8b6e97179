"""The bounded p-median method: Lagrangian bound, assignment, swaps and the reduced CP-SAT model.

Small instances (7 points) are solved by brute force over every set of medians and every
attachment, so each claim (optimum, bound, arcs ruled out) is checked against the truth;
every plan is re-checked by the independent checker ``matcher.verify_pmedian``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.bench.pmedcap import read_pmedcap
from matcher.bench.pmedian_check import pmedian_problems
from solvers.clusters.assign import attach, plan_cost, transport
from solvers.clusters.bounded import solve_bounded
from solvers.clusters.lagrange import Lagrangian, nearest_multipliers, reduced_arcs, subgradient
from solvers.clusters.pmedian import PMedianSolution
from solvers.clusters.pmedian_problem import PMedianProblem
from solvers.clusters.swap import Incumbent, exact_descent, swap_search
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "pmedcap"


def small_problem(seed: int, *, n: int = 7, medians: int = 3, unit: bool = False) -> PMedianProblem:
    """Points on a 20 x 20 grid, demands 1..6 (or 1), capacity just above a fair share."""
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 21, size=(n, 2))
    delta = points[:, None, :] - points[None, :, :]
    distance = np.floor(np.hypot(delta[..., 0], delta[..., 1])).astype(np.int64)
    demand = np.ones(n, dtype=np.int64) if unit else rng.integers(1, 7, size=n).astype(np.int64)
    capacity = int(np.ceil(1.15 * demand.sum() / medians)) + int(demand.max()) // 2
    return PMedianProblem(distance=distance, demand=demand, capacity=capacity, medians=medians)


def brute_force(problem: PMedianProblem) -> tuple[int, set[tuple[int, int]]]:
    """The optimum, and every arc some optimal plan uses, by enumeration."""
    best: float = np.inf
    arcs: set[tuple[int, int]] = set()
    assert problem.medians is not None
    for opened in itertools.combinations(range(problem.n), problem.medians):
        others = [i for i in range(problem.n) if i not in opened]
        choices = np.array(list(itertools.product(opened, repeat=len(others))))
        of = np.tile(np.arange(problem.n), (len(choices), 1))
        of[:, others] = choices
        load = np.stack([np.where(of == j, problem.demand, 0).sum(axis=1) for j in opened])
        fits = (load <= problem.capacity).all(axis=0)
        cost = problem.distance[np.arange(problem.n), of].sum(axis=1)
        if not fits.any() or cost[fits].min() > best:
            continue
        if cost[fits].min() < best:
            best, arcs = int(cost[fits].min()), set()
        for k in np.flatnonzero(fits & (cost == best)):
            arcs |= {(i, int(j)) for i, j in enumerate(of[k])}
    return int(best), arcs


def checked(problem: PMedianProblem, solution: PMedianSolution) -> None:
    assert pmedian_problems(problem, solution) == []


@pytest.mark.parametrize("seed", range(6))
def test_bounded_finds_the_brute_force_optimum(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 2 == 0)
    optimum, _ = brute_force(problem)
    solution = solve_bounded(problem, Budget(5), options=SolveOptions(seed=1))
    checked(problem, solution)
    assert solution.objective == optimum
    assert solution.status == "OPTIMAL"
    assert solution.bound == optimum


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_bound_never_exceeds_the_optimum(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 2 == 1)
    optimum, _ = brute_force(problem)
    relax = Lagrangian(problem)
    rng = np.random.default_rng(seed)
    # Any multipliers bound from below: random ones, and the subgradient's best.
    for _ in range(20):
        assert relax.evaluate(rng.uniform(-5, 40, size=problem.n)).value <= optimum + 1e-6
    dual = subgradient(relax, Budget(2), upper=lambda: float(optimum))
    assert dual.bound <= optimum + 1e-6
    assert dual.bound >= relax.evaluate(nearest_multipliers(problem)).value - 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_reduced_arcs_keep_every_optimal_plan(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 3 == 0)
    optimum, used = brute_force(problem)
    relax = Lagrangian(problem)
    dual = subgradient(relax, Budget(2), upper=lambda: float(optimum))
    allowed, may_open = reduced_arcs(relax, dual.best, float(optimum))
    for i, j in used:
        assert allowed[i, j], (i, j)
        assert may_open[j], j


def test_reduced_arcs_rule_out_arcs_when_the_bound_is_close() -> None:
    """A pair of far-apart groups: the bound is exact, so cross-group arcs are ruled out."""
    positions = np.array([0, 1, 2, 50, 51, 52])
    distance = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    problem = PMedianProblem(
        distance=distance, demand=np.ones(6, dtype=np.int64), capacity=3, medians=2
    )
    relax = Lagrangian(problem)
    dual = subgradient(relax, Budget(2), upper=lambda: 4.0)
    allowed, _ = reduced_arcs(relax, dual.best, 4.0)
    assert not allowed[0, 4] and not allowed[3, 1]
    assert allowed[0, 1] and allowed[5, 4]


@pytest.mark.parametrize("seed", range(4))
def test_transport_bounds_and_attach_plans_for_given_medians(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 2 == 0)
    for opened in itertools.combinations(range(problem.n), 3):
        medians = list(opened)
        flow = transport(problem, medians, Budget(5))
        plan = attach(problem, medians, Budget(5))
        fixed = PMedianProblem(
            distance=np.where(
                np.isin(np.arange(problem.n), medians)[None, :], problem.distance, 10_000
            ),
            demand=problem.demand,
            capacity=problem.capacity,
            medians=3,
        )
        truth, _ = brute_force(fixed)
        if truth >= 10_000:
            assert plan is None
            continue
        assert flow is not None and plan is not None
        assert flow.cost <= truth <= plan.cost
        assert plan.cost == plan_cost(problem, plan.median_of)
        if plan.proven:
            assert plan.cost == truth


@pytest.mark.parametrize("search", [swap_search, exact_descent])
def test_swap_searches_never_worsen_and_find_the_better_median(search: Any) -> None:
    """Start from a poor median on a line: one swap, priced by the flow or attached exactly,
    moves it to the middle of its group."""
    positions = np.array([0, 1, 2, 3, 4, 30, 31, 32])
    distance = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    problem = PMedianProblem(
        distance=distance, demand=np.ones(8, dtype=np.int64), capacity=5, medians=2
    )
    start = attach(problem, [0, 6], Budget(5))
    assert start is not None
    found = search(problem, Incumbent((0, 6), start), Budget(5), rank=np.arange(8))
    assert found.plan.cost < start.cost
    assert found.medians == (2, 6)
    assert found.plan.cost == 6 + 2


def test_same_problem_and_seed_give_the_same_medians() -> None:
    problem = small_problem(11, n=7)
    first = solve_bounded(problem, Budget(2), options=SolveOptions(seed=3))
    second = solve_bounded(problem, Budget(2), options=SolveOptions(seed=3))
    assert first.median_of == second.median_of and first.bound == second.bound


@pytest.mark.parametrize("name", ["pmedcap02", "pmedcap04"])
def test_bounded_reaches_the_published_optimum(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/benchmarks/pmedcap is not available")
    instance = read_pmedcap(SHARED / "instances" / f"{name}.txt")
    problem = PMedianProblem(
        distance=instance.distance(),
        demand=instance.demand,
        capacity=instance.capacity,
        medians=instance.medians,
    )
    solution = solve_bounded(problem, Budget(20), options=SolveOptions(seed=1, workers=2))
    checked(problem, solution)
    assert solution.objective == instance.best
    assert solution.status == "OPTIMAL"


@pytest.mark.parametrize("seed", range(6))
def test_screened_relaxation_equals_the_full_one(seed: int) -> None:
    """Solving only the knapsacks the fractional bound cannot rule out gives the same bound
    and medians, a lower bound on every other median's value, and fewer table cells."""
    problem = small_problem(seed, n=40, medians=4)
    full, screened = Lagrangian(problem), Lagrangian(problem, screen=True)
    rng = np.random.default_rng(seed)
    for k in range(20):
        lam = rng.uniform(0, 30, size=problem.n)
        state = None
        if k % 2:  # a tree node: some medians held open, some closed
            state = rng.choice([-1, 0, 0, 0, 1], size=problem.n)
            state[np.flatnonzero(state == 1)[2:]] = 0
        want, got = full.evaluate(lam, state), screened.evaluate(lam, state)
        assert got.value == pytest.approx(want.value)
        assert sorted(got.median_value[got.chosen]) == pytest.approx(
            sorted(want.median_value[want.chosen])
        )
        assert got.exact[got.chosen].all()
        assert (got.median_value <= want.median_value + 1e-9).all()
        assert got.median_value[got.exact] == pytest.approx(want.median_value[got.exact])
    assert screened.cells < full.cells


def test_reduced_arcs_refuse_a_screened_relaxation() -> None:
    problem = small_problem(3, n=40, medians=4)
    relax = Lagrangian(problem, screen=True)
    at = relax.evaluate(np.full(problem.n, 20.0))
    assert not at.exact.all()
    with pytest.raises(ValueError, match="every knapsack"):
        reduced_arcs(relax, at, 1e9)


@pytest.mark.parametrize("seed", range(4))
def test_exact_descent_never_worsens_and_attaches_exactly(seed: int) -> None:
    """From a poor plan, each swap taken is attached exactly: the plan found is valid, no
    dearer than the start, and the best with its own medians."""
    problem = small_problem(seed, unit=seed % 2 == 0)
    optimum, _ = brute_force(problem)
    start = max(
        (
            Incumbent(tuple(medians), plan)
            for medians in ([0, 1, 2], [2, 4, 6], [1, 3, 5], [0, 3, 6])
            if (plan := attach(problem, medians, Budget(5))) is not None
        ),
        key=lambda found: found.plan.cost,
    )
    found = exact_descent(problem, start, Budget(5), rank=np.arange(problem.n), seed=1)
    assert optimum <= found.plan.cost <= start.plan.cost
    assert found.plan.cost == plan_cost(problem, found.plan.median_of)
    exact = attach(problem, list(found.medians), Budget(5), 1, beat=found.plan.cost + 1)
    assert exact is not None and found.plan.cost <= exact.cost
    solution = PMedianSolution(
        status="FEASIBLE",
        medians=found.medians,
        median_of=found.plan.median_of,
        objective=float(found.plan.cost),
        bound=0.0,
        seconds=0.0,
    )
    checked(problem, solution)
