"""The plan rounded from the LP: whole clusters kept, the rest at best, given up if stuck;
a large component rounded to its bound is not searched."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import pytest
from test_cluster_cuts import component, every_cluster
from test_partition import scattered

from solvers.clusters import rounding
from solvers.clusters.component import Component
from solvers.clusters.encode import encode_clusters
from solvers.clusters.lp import ColumnPool
from solvers.clusters.partition import PartitionSolution, solve_partition
from solvers.clusters.rounding import rounded_plan
from solvers.clusters.work import LNS_GAP
from solvers.engine import budget as budget_module
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

Cluster = tuple[int, ...]


def _pool(comp: Component, clusters: Sequence[Cluster]) -> ColumnPool:
    pool = ColumnPool()
    for cluster in clusters:
        pool.add(cluster, comp.cost(cluster))
    return pool


def _best(pool: ColumnPool, schools: set[int], left: int) -> int:
    """The cheapest split of ``schools`` into pooled clusters, ``left`` of them out (brute
    force over the pool, remembered by the schools still to place)."""

    @functools.cache
    def least(todo: frozenset[int], out: int) -> float:
        if not todo:
            return 0 if out == 0 else math.inf
        first = min(todo)
        best = least(todo - {first}, out - 1) if out > 0 else math.inf
        for members, price in zip(pool.members, pool.cost, strict=True):
            if first in members and todo.issuperset(members):
                best = min(best, price + least(todo - set(members), out))
        return best

    found = least(frozenset(schools), left)
    assert math.isfinite(found)
    return int(found)


def _price(comp: Component, plan: Sequence[Cluster]) -> int:
    return sum(comp.cost(c) for c in plan)


def _check(comp: Component, plan: Sequence[Cluster], left: int) -> None:
    held = [s for c in plan for s in c]
    assert len(held) == len(set(held)) == comp.size - left
    assert all(comp.is_clique(c) and 3 <= len(c) <= 4 for c in plan)


def test_whole_clusters_are_kept_and_the_other_schools_split_at_best(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rounding, "GROW_UP_TO", 0)  # no larger rest searched afterwards
    comp, _ = component(11, 4)
    clusters = every_cluster(comp)
    pool = _pool(comp, clusters)
    whole = clusters[0]
    # A whole cluster and some halves (the LP's values; only the whole one is kept).
    plan = rounded_plan(
        comp,
        pool,
        [whole, *clusters[1:3]],
        [1.0, 0.5, 0.5],
        left_count=0,
        budget=Budget(5),
        seed=1,
    )
    assert plan is not None
    _check(comp, plan, 0)
    assert whole in plan
    rest = set(range(comp.size)) - set(whole)
    assert _price(comp, plan) == comp.cost(whole) + _best(pool, rest, 0)


@pytest.mark.parametrize("left", [0, 1])
def test_a_whole_cluster_the_best_plan_lacks_is_given_up_by_the_larger_rest(left: int) -> None:
    comp, _ = component(11, 4)
    pool = _pool(comp, every_cluster(comp))
    everyone = set(range(comp.size))
    whole = (0, 1, 2)
    rest = everyone - set(whole)
    # Keeping the whole cluster costs more than the best plan, which the rest grown to every
    # school (fewer than GROW_UP_TO) finds.
    assert comp.cost(whole) + _best(pool, rest, left) > _best(pool, everyone, left)
    plan = rounded_plan(comp, pool, [whole], [1.0], left_count=left, budget=Budget(5), seed=1)
    assert plan is not None
    _check(comp, plan, left)
    assert whole not in plan
    assert _price(comp, plan) == _best(pool, everyone, left)


def test_a_whole_cluster_is_given_up_when_the_schools_it_leaves_cannot_be_split() -> None:
    # Seven schools: the whole triad leaves four, and the pool lacks their one quad, so
    # keeping the triad allows no plan; giving it up does.
    comp, _ = component(7, 3)
    triad = (0, 1, 2)
    quad = (3, 4, 5, 6)
    pool = _pool(comp, [c for c in every_cluster(comp) if c != quad])
    assert triad in pool.members and comp.is_clique(quad)
    plan = rounded_plan(comp, pool, [triad], [1.0], left_count=0, budget=Budget(5), seed=1)
    assert plan is not None
    _check(comp, plan, 0)
    assert quad not in plan and triad not in plan
    assert _price(comp, plan) == _best(pool, set(range(7)), 0)


def test_no_plan_when_no_split_exists_at_all() -> None:
    comp, _ = component(7, 3)
    # Only triads: seven schools cannot be split into them.
    pool = _pool(comp, [c for c in every_cluster(comp) if len(c) == 3])
    plan = rounded_plan(comp, pool, [(0, 1, 2)], [1.0], left_count=0, budget=Budget(5), seed=1)
    assert plan is None


def _solve(
    monkeypatch: pytest.MonkeyPatch, count: int, seed: int, span_km: float, limit: float
) -> tuple[PartitionSolution, float]:
    # The work, not a busy machine's clock, decides where the search stops.
    monkeypatch.setattr(budget_module, "CLOCK_GUARD", 10.0)
    budget = Budget(limit)
    problem = encode_clusters(scattered(count, seed, span_km=span_km))
    solution = solve_partition(problem, budget, options=SolveOptions(seed=1, workers=1))
    return solution, budget.used


def test_a_large_component_rounded_to_its_bound_is_not_searched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 100 schools, all within reach: one component, searched by LNS were it not settled.
    solution, used = _solve(monkeypatch, 100, 3, 30.0, 10.0)
    assert solution.status == "OPTIMAL" and solution.objective == solution.bound
    assert used < 0.3 * 10.0  # the work its search would have had is left over


def test_a_large_component_short_of_its_bound_is_searched_with_its_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solution, used = _solve(monkeypatch, 90, 1, 8.0, 4.0)
    assert solution.objective > solution.bound  # 0.3% over: more than LNS_GAP
    assert (solution.objective - solution.bound) / solution.objective > LNS_GAP
    assert used > 0.8 * 4.0
