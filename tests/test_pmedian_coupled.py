"""The coupled Lagrangian subproblem (``solvers.clusters.coupled``): the p knapsacks' loads sum
to the total demand.

On 7-point problems the subproblem is solved by enumeration too (every subset of points for
every median, then every set of p medians with loads summing to the demand), so its value is
checked exactly; the bound it gives is checked against the brute-force optimum
(``test_pmedian_bounded.brute_force``) and against the uncoupled bound at the same multipliers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_pmedian_bounded import brute_force, small_problem
from test_pmedian_branch import assert_closed_at, worst_start

from solvers.clusters.branch import branch_and_bound
from solvers.clusters.coupled import choose_loads
from solvers.clusters.lagrange import Lagrangian, subgradient
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget

FloatArray = np.ndarray


def enumerated(problem: PMedianProblem, lam: FloatArray, state: IntArray | None) -> float:
    """The coupled subproblem's value by enumeration."""
    n, demand, cost = problem.n, problem.demand, problem.distance
    assert problem.medians is not None
    exact: list[dict[int, float]] = []  # per median: least value at each exact load
    for j in range(n):
        best: dict[int, float] = {}
        others = [i for i in range(n) if i != j]
        for size in range(len(others) + 1):
            for taken in itertools.combinations(others, size):
                load = int(demand[j] + demand[list(taken)].sum())
                value = float(cost[j, j] - lam[j] + sum(cost[i, j] - lam[i] for i in taken))
                if load <= problem.capacity and value < best.get(load, np.inf):
                    best[load] = value
        exact.append(best)
    total = int(demand.sum())
    least = np.inf
    for opened in itertools.combinations(range(n), problem.medians):
        if state is not None and (
            (state[list(opened)] < 0).any() or (state > 0).sum() > (state[list(opened)] > 0).sum()
        ):
            continue
        reach = {0: 0.0}
        for j in opened:
            reach = _extend(reach, exact[j], total)
        least = min(least, reach.get(total, np.inf))
    return float(lam.sum() + least)


def _extend(reach: dict[int, float], loads: dict[int, float], most: int) -> dict[int, float]:
    out: dict[int, float] = {}
    for load, value in reach.items():
        for more, extra in loads.items():
            if load + more <= most and value + extra < out.get(load + more, np.inf):
                out[load + more] = value + extra
    return out


def _state(problem: PMedianProblem, rng: np.random.Generator) -> IntArray:
    state = np.zeros(problem.n, dtype=np.int64)
    held, shut = rng.choice(problem.n, size=2, replace=False)
    state[held], state[shut] = 1, -1
    return state


@pytest.mark.parametrize("seed", range(6))
def test_coupled_subproblem_equals_enumeration(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 2 == 0)
    coupled, separate = Lagrangian(problem, coupled=True), Lagrangian(problem)
    rng = np.random.default_rng(seed)
    for trial in range(4):
        lam = rng.uniform(-5, 40, size=problem.n)
        state = _state(problem, rng) if trial % 2 else None
        relaxed = coupled.evaluate(lam, state)
        # The coupled optimum, never below the separate knapsacks at the same multipliers.
        assert relaxed.value == pytest.approx(enumerated(problem, lam, state))
        assert relaxed.value >= separate.evaluate(lam, state).value - 1e-9
        assert relaxed.separate == pytest.approx(separate.evaluate(lam, state).value)
        # Its medians (each attached to itself) and points attached weigh the whole demand.
        assert len(relaxed.chosen) == problem.medians
        assert int(relaxed.covered @ problem.demand) == int(problem.demand.sum())


@pytest.mark.parametrize("seed", range(8))
def test_coupled_bound_is_valid_and_at_least_the_separate_one(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 2 == 1)
    optimum, _ = brute_force(problem)
    separate = subgradient(Lagrangian(problem), Budget(2), upper=lambda: float(optimum) + 5)
    coupled = subgradient(
        Lagrangian(problem, coupled=True),
        Budget(2),
        upper=lambda: float(optimum) + 5,
        start=separate.best.multipliers,
    )
    assert coupled.bound <= optimum + 1e-6
    assert coupled.bound >= separate.bound - 1e-6


def test_choose_loads_takes_the_held_median_and_meets_the_slack() -> None:
    """Three medians, two to open, 2 units of capacity to leave unused between them."""
    inf = np.inf
    value = np.array(
        [
            [5.0, 1.0, 0.0],  # cheapest when it leaves 2 unused
            [3.0, 2.0, inf],
            [4.0, 4.0, 0.5],
        ]
    )
    free = choose_loads(value, 2, np.zeros(3, dtype=np.bool_))
    assert free.value == pytest.approx(3.0)  # rows 0 and 1 leave 1 each: 1 + 2
    assert sorted(free.rows.tolist()) == [0, 1]
    assert int(free.unused.sum()) == 2
    held = choose_loads(value, 2, np.array([False, False, True]))
    assert 2 in held.rows.tolist()
    assert held.value == pytest.approx(3.5)  # row 2 leaves 2 (0.5), row 1 none (3.0)
    assert int(held.unused.sum()) == 2


@pytest.mark.parametrize("seed", range(6))
def test_tree_on_the_coupled_relaxation_closes_at_the_optimum(seed: int) -> None:
    start, optimum, problem = worst_start(seed, unit=seed % 3 == 0)
    relax = Lagrangian(problem)
    root = subgradient(relax, Budget(1), upper=lambda: float(start.plan.cost))
    tree = branch_and_bound(problem, relax, root, start, Budget(20), seed=1, coupled=True)
    assert_closed_at(problem, tree, optimum)
