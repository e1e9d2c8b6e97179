"""The plan moves of the p-median (``solvers.clusters.moves``): shifts and exchanges within
capacity, medians moved inside their clusters, and ``polish`` from given medians.

Small instances (7 points, demands 1..6) come from ``tests/test_pmedian_bounded.py`` and are
checked against brute force; every plan is re-checked by the independent checker.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from test_pmedian_bounded import brute_force, small_problem

from matcher.bench.pmedgen import generate_pmedcap
from matcher.bench.pmedian_check import pmedian_problems
from solvers.clusters.assign import Attached, plan_cost, round_flow, transport
from solvers.clusters.moves import improve, polish, relocate
from solvers.clusters.pmedian import PMedianSolution
from solvers.clusters.pmedian_problem import PMedianProblem
from solvers.clusters.swap import incumbent_of, swap_search
from solvers.engine.budget import Budget


def _loads(problem: PMedianProblem, of: np.ndarray) -> np.ndarray:
    load = np.zeros(problem.n, dtype=np.int64)
    np.add.at(load, of, problem.demand)
    return load


def _checked(problem: PMedianProblem, plan: Attached) -> list[str]:
    of = plan.median_of
    medians = tuple(j for j, k in enumerate(of) if j == k)
    solution = PMedianSolution(
        status="FEASIBLE",
        medians=medians,
        median_of=of,
        objective=float(plan.cost),
        bound=None,
        seconds=0.0,
    )
    return pmedian_problems(problem, solution)


def _generated(seed: int) -> PMedianProblem:
    instance = generate_pmedcap(points=60, medians=6, seed=seed)
    return PMedianProblem(
        distance=instance.distance(),
        demand=instance.demand,
        capacity=instance.capacity,
        medians=instance.medians,
    )


@pytest.mark.parametrize("seed", range(4))
def test_improve_keeps_every_median_within_capacity_and_never_worsens(seed: int) -> None:
    """From the flow rounded (each split point to the nearest median with room), on one
    median more than the instance has, so rounding always finds room."""
    problem = _generated(seed)
    medians = list(range(0, problem.n, problem.n // 7))[:7]
    flow = transport(problem, medians, Budget(1))
    assert flow is not None
    whole = flow.amounts == problem.demand[flow.points]
    fixed = dict(zip(flow.points[whole].tolist(), flow.medians[whole].tolist(), strict=True))
    rounded = round_flow(problem, medians, flow, fixed)
    assert rounded is not None
    of = np.asarray(rounded.median_of, dtype=np.int64)
    better = improve(problem, of, Budget(10))
    assert plan_cost(problem, tuple(better.tolist())) <= rounded.cost
    assert plan_cost(problem, tuple(better.tolist())) >= flow.cost - 1e-9
    assert (_loads(problem, better) <= problem.capacity).all()
    assert set(better[better == np.arange(problem.n)].tolist()) == set(medians)


def test_an_exchange_helps_where_no_shift_fits() -> None:
    """Two full medians, each holding the other's near point: only trading them helps."""
    positions = np.array([0, 1, 10, 11])
    distance = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    problem = PMedianProblem(
        distance=distance, demand=np.ones(4, dtype=np.int64), capacity=2, medians=2
    )
    crossed = np.array([0, 2, 2, 0])  # 1 goes to 2's median, 3 to 0's
    better = improve(problem, crossed, Budget(1))
    assert better.tolist() == [0, 0, 2, 2]


def test_relocate_moves_a_median_to_the_middle_of_its_cluster_and_keeps_its_load() -> None:
    positions = np.array([0, 1, 2, 3, 4])
    distance = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    problem = PMedianProblem(
        distance=distance, demand=np.array([1, 2, 3, 2, 1]), capacity=9, medians=1
    )
    moved = relocate(problem, np.zeros(5, dtype=np.int64), Budget(1))
    assert moved.tolist() == [2] * 5
    assert _loads(problem, moved).max() == 9


@pytest.mark.parametrize("seed", range(6))
def test_polish_gives_a_checked_plan_no_better_than_brute_force(seed: int) -> None:
    problem = small_problem(seed)
    truth, _ = brute_force(problem)
    plan = polish(problem, [0, 1, 2], Budget(5))
    if plan is None:  # the flow found these medians too small
        return
    assert _checked(problem, plan) == []
    assert plan.cost >= truth


def test_polish_repeats() -> None:
    problem = _generated(7)
    first = polish(problem, [0, 10, 20, 30, 40, 50], Budget(5))
    second = polish(problem, [0, 10, 20, 30, 40, 50], Budget(5))
    assert first is not None and first == second


def test_swap_search_with_kicks_repeats_never_worsens_and_keeps_capacity() -> None:
    """The kicks draw from the seed: the same seed and work give the same medians."""
    problem = _generated(5)
    start = polish(problem, [0, 10, 20, 30, 40, 50], Budget(5))
    assert start is not None
    found = []
    for _ in range(2):
        # A far deadline: the work, not a busy machine's clock, ends the search.
        budget = Budget(1.0, deadline=time.perf_counter() + 120)
        found.append(
            swap_search(problem, incumbent_of(start), budget, rank=np.arange(problem.n), seed=3)
        )
    assert found[0] == found[1]
    assert found[0].plan.cost <= start.cost
    assert _checked(problem, found[0].plan) == []
