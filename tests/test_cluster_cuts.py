"""Subset-row cuts and the count row: valid for every partition, priced exactly, bounds proven.

Small scattered regions (every school within reach of every other) are listed partition by
partition, so each bound can be held against the true optimum.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_partition import cost, partitions, scattered

from solvers.clusters.component import Component, build_component
from solvers.clusters.cuts import CutPrices, holds_two, separate
from solvers.clusters.encode import encode_clusters
from solvers.clusters.lp import ColumnPool, column_generation, lagrangian_bound
from solvers.clusters.partition import clusterable
from solvers.clusters.pricing import price_columns
from solvers.clusters.rules import school_graph
from solvers.clusters.start import start_partition
from solvers.engine.budget import Budget


def component(count: int, seed: int) -> tuple[Component, int]:
    """The one component of a scattered region, and its best partition's travel."""
    round_ = scattered(count, seed)
    problem = encode_clusters(round_)
    graph = school_graph(problem)
    parts, hopeless = clusterable(problem, graph)
    assert hopeless == [] and len(parts) == 1
    best = min(cost(round_, p) for p in partitions(list(range(count)), 3, 4))
    return build_component(problem, graph, parts[0]), best


def every_cluster(comp: Component) -> list[tuple[int, ...]]:
    return [
        c
        for size in (3, 4)
        for c in itertools.combinations(range(comp.size), size)
        if comp.is_clique(c)
    ]


def test_half_triads_around_an_odd_cycle_break_the_cut_on_their_shared_schools() -> None:
    # {0,1,2}, {2,3,4}, {4,5,0} at a half each cover every school once, yet hold two of
    # {0, 2, 4} three times over: 1.5 > 1.
    found = separate([(0, 1, 2), (2, 3, 4), (0, 4, 5)], [0.5, 0.5, 0.5], known=set(), limit=5)
    assert found.triples == [(0, 2, 4)]
    assert found.violation == [pytest.approx(0.5)]


def test_an_integral_solution_breaks_no_cut() -> None:
    found = separate([(0, 1, 2), (3, 4, 5)], [1.0, 1.0], known=set(), limit=5)
    assert found.triples == []


def test_every_partition_keeps_every_cut() -> None:
    # At most one cluster of a partition holds two of any three schools.
    items = list(range(8))
    for plan in partitions(items, 3, 4):
        for triple in itertools.combinations(items, 3):
            assert sum(holds_two(c, triple) for c in plan) <= 1


def test_the_pricing_charges_cuts_and_the_count_row_exactly() -> None:
    comp, _ = component(9, 2)
    rng = np.random.default_rng(7)
    duals = rng.uniform(0, 40, comp.size)
    triples = [(0, 1, 2), (1, 3, 5), (2, 4, 8), (0, 5, 7)]
    cuts = CutPrices.build(
        comp.size, triples, -rng.uniform(1, 20, len(triples)), count_dual=-3.0, count_range=(3, 3)
    )
    priced = price_columns(comp, duals, threshold=np.inf, per_anchor=None, cuts=cuts)
    assert priced.exact
    assert sorted(priced.members) == sorted(every_cluster(comp))
    for members, price, reduced in zip(priced.members, priced.cost, priced.reduced, strict=True):
        paid = sum(p for t, p in zip(triples, cuts.price, strict=True) if holds_two(members, t))
        assert price == comp.cost(members)
        assert reduced == pytest.approx(price - duals[list(members)].sum() + paid + 3.0)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_any_prices_with_cuts_bound_the_best_partition(seed: int) -> None:
    # The Lagrangian bound holds for whatever prices: school prices, cut prices and a count
    # price of either sign, with the most negative reduced cost found exactly.
    comp, best = component(10, seed)
    rng = np.random.default_rng(seed)
    triples = sorted({tuple(sorted(rng.choice(comp.size, 3, replace=False))) for _ in range(6)})
    for count_dual in (-15.0, 0.0, 15.0):
        duals = rng.uniform(0, 60, comp.size)
        cuts = CutPrices.build(
            comp.size,
            triples,  # type: ignore[arg-type]
            -rng.uniform(0, 30, len(triples)),
            count_dual=count_dual,
            count_range=(3, 3),
        )
        priced = price_columns(comp, duals, threshold=0.0, per_anchor=None, cuts=cuts)
        assert priced.exact
        assert lagrangian_bound(comp, duals, priced.most_negative, 0, cuts) <= best + 1e-6


def bound_with_rows(count: int, seed: int) -> tuple[float, float, int]:
    """Column generation with the count row and cuts: its bound, the LP value without them,
    and the best partition's travel."""
    comp, best = component(count, seed)
    pool = ColumnPool()
    for cluster in start_partition(comp, method="greedy", seed=1):
        pool.add(cluster, comp.cost(cluster))
    lp = column_generation(comp, pool, left_out=0, budget=Budget(10), cut_rounds=8)
    assert lp is not None and lp.converged
    assert lp.cuts is not None and lp.cuts.size == comp.size
    assert lp.uncut_value is not None
    return lp.bound, lp.uncut_value, best


@pytest.mark.parametrize(("count", "seed"), [(10, 1), (10, 5), (11, 2), (11, 6), (12, 3)])
def test_column_generation_with_cuts_never_exceeds_the_best_partition(
    count: int, seed: int
) -> None:
    bound, uncut, best = bound_with_rows(count, seed)
    assert bound <= best + 1e-6
    # Rows valid for every partition can only raise the LP over every cluster.
    assert bound >= uncut - 1e-6


def test_the_rows_lift_the_bound_somewhere() -> None:
    # 10 and 11 schools cannot all be in triads: the count row asks for a quad.
    lifts = [bound - uncut for bound, uncut, _ in map(bound_with_rows, (10, 11), (1, 2))]
    assert max(lifts) > 1e-6
