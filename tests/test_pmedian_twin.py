"""The tree with a twin (``solvers.clusters.twin``): a node's two children bounded at once.

Small problems (7 points) are checked against brute force; a generated 60-point, 6-median
problem (``medium``) has enough nodes for the two ways to differ: its optimum, 794, is the
one-worker tree's, closed. Budgets here get a far deadline, so a loaded machine cannot cut a
tree short and the counted work alone decides it.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from functools import cache

import numpy as np
import pytest
from test_pmedian_bounded import checked
from test_pmedian_branch import assert_closed_at, solution_of, worst_start

import solvers.clusters.bounded as bounded
import solvers.clusters.branch as branch
import solvers.clusters.twin as twin
from matcher.bench.pmedgen import generate_pmedcap
from solvers.clusters.assign import attach
from solvers.clusters.branch import NODE_PACE, Tree, branch_and_bound
from solvers.clusters.lagrange import Dual, Lagrangian, subgradient
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.clusters.swap import Incumbent
from solvers.clusters.twin import Bounded, Bounding, Twin, bound_child
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.engine.processes import LaneError

MEDIUM_OPTIMUM = 794


def far(seconds: float) -> Budget:
    """``seconds`` of work with a deadline no test machine reaches."""
    return Budget(seconds, deadline=time.perf_counter() + 600)


def _no_process_left() -> bool:
    return not multiprocessing.active_children()


@cache
def medium() -> PMedianProblem:
    inst = generate_pmedcap(points=60, medians=6, seed=3)
    return PMedianProblem(
        distance=inst.distance(), demand=inst.demand, capacity=inst.capacity, medians=inst.medians
    )


def medium_start() -> tuple[Lagrangian, Dual, Incumbent]:
    """The medium problem's relaxation, and its medians attached: a start to improve on."""
    problem = medium()
    relax = Lagrangian(problem)
    root = subgradient(relax, far(2), upper=lambda: np.inf)
    medians = sorted(root.best.chosen.tolist())
    plan = attach(problem, medians, far(5))
    assert plan is not None
    return relax, root, Incumbent(tuple(medians), plan)


def medium_tree(seconds: float, workers: int) -> Tree:
    """The tree from ``medium_start``."""
    relax, root, start = medium_start()
    return branch_and_bound(medium(), relax, root, start, far(seconds), seed=1, workers=workers)


def check(problem: PMedianProblem, tree: Tree) -> None:
    checked(problem, solution_of(tree))


@pytest.mark.parametrize("seed", range(8))
def test_tree_with_a_twin_closes_at_the_brute_force_optimum(seed: int) -> None:
    start, optimum, problem = worst_start(seed, unit=seed % 3 == 0)
    relax = Lagrangian(problem)
    root = subgradient(relax, far(1), upper=lambda: float(start.plan.cost))
    tree = branch_and_bound(problem, relax, root, start, far(20), seed=1, workers=2)
    assert_closed_at(problem, tree, optimum)
    assert _no_process_left()


def test_tree_with_a_twin_bounds_below_the_optimum_and_repeats() -> None:
    first = medium_tree(1, workers=2)
    second = medium_tree(1, workers=2)
    check(medium(), first)
    assert first.bound <= MEDIUM_OPTIMUM <= first.incumbent.plan.cost
    assert first.nodes > 10  # children were bounded side by side
    assert (first.bound, first.nodes, first.closed) == (second.bound, second.nodes, second.closed)
    assert first.incumbent.medians == second.incumbent.medians
    assert first.incumbent.plan.median_of == second.incumbent.plan.median_of
    assert _no_process_left()


def test_one_worker_tree_is_the_tree_before_twins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Measured at 727df20, before the twin (22 nodes, bound 790, plan 797), and again at
    576d1bd, where the Lagrangian's rates were refitted (1.75 times the work in 1 s)."""

    def no_twin(*args: object, **kwargs: object) -> None:
        raise AssertionError("one worker forks no twin")

    monkeypatch.setattr(Twin, "__init__", no_twin)
    tree = medium_tree(1, workers=1)
    assert (tree.nodes, tree.bound, tree.incumbent.plan.cost) == (43, 792.0, 794)
    assert medium_tree(2, workers=1).bound == MEDIUM_OPTIMUM


def test_without_fork_two_workers_take_the_one_worker_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a daemonic process (a sweep's Dask worker) no twin may be forked."""
    monkeypatch.setattr(twin, "can_fork", lambda: False)
    tree = medium_tree(1, workers=2)
    assert (tree.nodes, tree.bound, tree.incumbent.plan.cost) == (43, 792.0, 794)


def bounding_twin(relax: Lagrangian) -> Twin[Bounding, Bounded]:
    def bound(request: Bounding) -> Bounded:
        return bound_child(relax, request)

    return Twin(bound)


def _with_pid(k: int) -> tuple[int, int]:
    return k, os.getpid()


def _root_node() -> tuple[Lagrangian, branch._Node, list[IntArray]]:
    """The medium problem's root as a tree node, and its two children."""
    problem = medium()
    relax = Lagrangian(problem, screen=True)
    root = subgradient(relax, far(2), upper=lambda: np.inf)
    state = np.zeros(problem.n, dtype=np.int64)
    node = branch._Node(root.bound, 1, state, root.best.multipliers, root.opened)
    states = branch._children(node, relax.p)
    assert len(states) == 2
    return relax, node, states


def test_side_by_side_charges_the_longer_child_and_matches_each_alone() -> None:
    relax, node, states = _root_node()
    budget = far(10)
    with bounding_twin(relax) as pair:
        duals = branch._side_by_side(pair, relax, node, states, 900.0, budget)
    alone = [
        bound_child(relax, Bounding(node.multipliers, state, 900.0, far(10), NODE_PACE))
        for state in states
    ]
    assert [dual.bound for dual in duals] == [one.dual.bound for one in alone]
    assert budget.used == max(one.used for one in alone) < sum(one.used for one in alone)
    assert budget.repeatable
    assert _no_process_left()


def test_each_child_stops_at_the_work_left() -> None:
    relax, node, states = _root_node()
    budget = far(1e-9)
    with bounding_twin(relax) as pair:
        duals = branch._side_by_side(pair, relax, node, states, 900.0, budget)
    assert [dual.iterations for dual in duals] == [1, 1]


def test_the_twin_stops_at_the_jobs_deadline_and_says_so() -> None:
    relax, node, states = _root_node()
    passed = Budget(10, deadline=time.perf_counter() - 1)
    with bounding_twin(relax) as pair:
        pair.send(Bounding(node.multipliers, states[1], 900.0, passed.part(10), NODE_PACE))
        reply: Bounded = pair.receive()
    assert reply.dual.iterations == 1
    assert not reply.repeatable
    assert passed.repeatable  # the twin's copy tripped; the tree trips the job's (_side_by_side)


def test_a_twin_is_forked_once_and_answers_in_order() -> None:
    with Twin(_with_pid) as pair:
        replies = []
        for k in range(3):
            pair.send(k)
            replies.append(pair.receive())
    assert [k for k, _ in replies] == [0, 1, 2]
    assert len({pid for _, pid in replies}) == 1 and replies[0][1] != os.getpid()
    assert _no_process_left()


def test_a_failing_twin_raises_here_with_its_traceback() -> None:
    def fail(k: int) -> int:
        raise ValueError(f"request {k} broke")

    with pytest.raises(LaneError, match="request 7 broke"), Twin(fail) as pair:
        pair.send(7)
        pair.receive()
    assert _no_process_left()


def test_a_twin_that_dies_raises_here() -> None:
    with pytest.raises(LaneError, match="without its reply"), Twin(os._exit) as pair:
        pair.send(3)
        pair.receive()
    assert _no_process_left()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_no_twin_is_left_when_the_tree_fails(
    monkeypatch: pytest.MonkeyPatch, error: type[BaseException]
) -> None:
    calls = []

    def broken(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) > 3:  # inside the loop, the twin started
            raise error("stopped")

    monkeypatch.setattr(branch._Search, "try_plan", broken)
    with pytest.raises(error):
        medium_tree(1, workers=2)
    assert _no_process_left()


def test_a_twin_busy_with_a_request_is_stopped_at_once_on_an_error() -> None:
    started = time.perf_counter()
    with pytest.raises(RuntimeError), Twin(time.sleep) as pair:
        pair.send(60)
        raise RuntimeError("the tree failed")
    assert time.perf_counter() - started < 10
    assert _no_process_left()


def _plan_search(seed: int = 1) -> bounded._PlanSearch:
    """``medium_start``'s plan, to be improved by the swaps."""
    _, root, start = medium_start()
    rank = np.argsort(root.best.median_value, kind="stable")
    bound = int(np.ceil(root.bound - 1e-6))
    return bounded._PlanSearch(start, bound, rank, far(3), far(1), seed)


def _two_sides(seconds: float) -> tuple[tuple[Incumbent, int], Budget]:
    relax, root, _ = medium_start()
    budget = far(seconds)
    return bounded._two_sides(medium(), relax, root, _plan_search(1), budget), budget


def test_two_sides_bound_below_the_optimum_repeat_and_charge_the_longer() -> None:
    problem = medium()
    alone = bounded._search_plans(problem, _plan_search(1))
    (plan, bound), budget = _two_sides(4)
    checked(problem, bounded._solution(problem, plan, bound, time.perf_counter(), budget))
    # At least the plan search's plan; a bound no plan beats, above the relaxation's.
    _, root, _ = medium_start()
    assert plan.plan.cost <= alone.incumbent.plan.cost
    assert math.ceil(root.bound - 1e-6) <= bound <= MEDIUM_OPTIMUM <= plan.plan.cost
    # Each side had all the work: charged the longer, not both; a side that proved the plan
    # optimal stopped the other.
    assert budget.used < 4 * 1.25
    assert bound == plan.plan.cost or budget.used >= 4
    (again, bound_again), _ = _two_sides(4)
    assert (again.medians, again.plan.median_of, bound_again) == (
        plan.medians,
        plan.plan.median_of,
        bound,
    )
    assert _no_process_left()


def _no_twin(*args: object, **kwargs: object) -> None:
    raise AssertionError("no twin was to be forked")


def test_one_worker_solves_without_a_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded, "Twin", _no_twin)
    solution = bounded.solve_bounded(medium(), far(2), options=SolveOptions(seed=1, workers=1))
    checked(medium(), solution)
    assert solution.bound is not None and solution.objective is not None
    assert solution.bound <= MEDIUM_OPTIMUM <= solution.objective


def test_without_fork_two_workers_solve_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded, "can_fork", lambda: False)
    one = bounded.solve_bounded(medium(), far(2), options=SolveOptions(seed=1, workers=1))
    monkeypatch.setattr(bounded, "Twin", _no_twin)
    two = bounded.solve_bounded(medium(), far(2), options=SolveOptions(seed=1, workers=2))
    assert (two.objective, two.bound, two.median_of) == (one.objective, one.bound, one.median_of)
