"""Branch and bound over the medians (``solvers.clusters.branch``) and flow rounding.

Small problems (7 points) are solved by brute force (``test_pmedian_bounded.brute_force``), so
the tree's optimum, its bound and the medians it fixes are checked against the truth; every
plan goes through the independent checker.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_pmedian_bounded import brute_force, checked, small_problem

from solvers.clusters.assign import attach, round_flow, transport
from solvers.clusters.branch import CLOSED, FREE, OPEN, Tree, branch_and_bound, fix_medians
from solvers.clusters.lagrange import Lagrangian, subgradient
from solvers.clusters.pmedian import PMedianSolution
from solvers.clusters.pmedian_problem import PMedianProblem
from solvers.clusters.swap import Incumbent
from solvers.engine.budget import Budget


def worst_start(seed: int, unit: bool) -> tuple[Incumbent, int, PMedianProblem]:
    """The problem's dearest plan over a few median sets: a poor start for the tree."""
    problem = small_problem(seed, unit=unit)
    optimum, _ = brute_force(problem)
    plans = []
    for medians in ([0, 1, 2], [2, 4, 6], [1, 3, 5], [0, 3, 6]):
        plan = attach(problem, medians, Budget(5))
        if plan is not None:
            plans.append(Incumbent(tuple(medians), plan))
    assert plans, "some median set fits"
    return max(plans, key=lambda found: found.plan.cost), optimum, problem


@pytest.mark.parametrize("seed", range(8))
def test_tree_closes_at_the_brute_force_optimum(seed: int) -> None:
    start, optimum, problem = worst_start(seed, unit=seed % 3 == 0)
    relax = Lagrangian(problem)
    root = subgradient(relax, Budget(1), upper=lambda: float(start.plan.cost))
    tree = branch_and_bound(problem, relax, root, start, Budget(20), seed=1)
    assert_closed_at(problem, tree, optimum)


def solution_of(tree: Tree) -> PMedianSolution:
    """The tree's best plan and bound as a solution, for the independent checker."""
    return PMedianSolution(
        status="OPTIMAL" if tree.closed else "FEASIBLE",
        medians=tree.incumbent.medians,
        median_of=tree.incumbent.plan.median_of,
        objective=float(tree.incumbent.plan.cost),
        bound=tree.bound,
        seconds=0.0,
    )


def assert_closed_at(problem: PMedianProblem, tree: Tree, optimum: int) -> None:
    """The tree proved ``optimum`` and its plan passes the independent checker."""
    checked(problem, solution_of(tree))
    assert tree.closed
    assert tree.incumbent.plan.cost == optimum
    assert tree.bound == optimum


@pytest.mark.parametrize("seed", range(6))
def test_fixed_medians_keep_every_optimal_plan(seed: int) -> None:
    problem = small_problem(seed, unit=seed % 2 == 0)
    optimum, used = brute_force(problem)
    assert problem.medians is not None
    relax = Lagrangian(problem)
    dual = subgradient(relax, Budget(2), upper=lambda: float(optimum))
    # Plans strictly below optimum + 1: every optimal plan must survive the fixing.
    state = fix_medians(np.zeros(problem.n, dtype=np.int64), dual, problem.medians, optimum + 1)
    optimal_medians = {j for _, j in used}
    for j in optimal_medians:
        assert state[j] != CLOSED, j
    assert set(np.unique(state).tolist()) <= {OPEN, FREE, CLOSED}


def test_fixing_below_the_optimum_closes_or_opens_something() -> None:
    """Asking for plans below the optimum itself: the bound rules medians in or out."""
    problem = small_problem(2, unit=True)
    optimum, _ = brute_force(problem)
    assert problem.medians is not None
    relax = Lagrangian(problem)
    dual = subgradient(relax, Budget(2), upper=lambda: float(optimum))
    state = fix_medians(
        np.zeros(problem.n, dtype=np.int64), dual, problem.medians, int(np.ceil(dual.bound)) - 5
    )
    assert (state != FREE).all()


@pytest.mark.parametrize("seed", range(6))
def test_rounded_flow_fits_and_is_no_cheaper_than_the_flow(seed: int) -> None:
    problem = small_problem(seed)
    for medians in ([0, 1, 2], [2, 4, 6], [1, 3, 5]):
        flow = transport(problem, medians, Budget(5))
        if flow is None:
            continue
        whole = flow.amounts == problem.demand[flow.points]
        fixed = dict(zip(flow.points[whole].tolist(), flow.medians[whole].tolist(), strict=True))
        rounded = round_flow(problem, medians, flow, fixed)
        if rounded is None:
            continue
        of = np.asarray(rounded.median_of)
        load = np.bincount(of, weights=problem.demand, minlength=problem.n)
        assert (load <= problem.capacity).all()
        assert set(of.tolist()) <= set(medians)
        assert rounded.cost >= np.ceil(flow.cost - 1e-9)
        assert rounded.proven == (rounded.cost == np.ceil(flow.cost - 1e-9))
