"""The plan rounded from the LP: whole clusters kept, the rest at best, given up if stuck."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from test_cluster_cuts import component, every_cluster

from solvers.clusters import rounding
from solvers.clusters.component import Component
from solvers.clusters.lp import ColumnPool
from solvers.clusters.rounding import rounded_plan
from solvers.engine.budget import Budget

Cluster = tuple[int, ...]


def _pool(comp: Component, clusters: Sequence[Cluster]) -> ColumnPool:
    pool = ColumnPool()
    for cluster in clusters:
        pool.add(cluster, comp.cost(cluster))
    return pool


def _best(pool: ColumnPool, schools: set[int], left: int) -> int:
    """The cheapest split of ``schools`` into pooled clusters, ``left`` of them out (brute
    force over the pool)."""
    best: int | None = None

    def walk(todo: frozenset[int], out: int, cost: int) -> None:
        nonlocal best
        if not todo:
            if out == left and (best is None or cost < best):
                best = cost
            return
        first = min(todo)
        if out < left:
            walk(todo - {first}, out + 1, cost)
        for members, price in zip(pool.members, pool.cost, strict=True):
            if first in members and set(members) <= todo:
                walk(todo - set(members), out, cost + price)

    walk(frozenset(schools), 0, 0)
    assert best is not None
    return best


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
