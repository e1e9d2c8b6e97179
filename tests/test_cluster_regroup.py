"""Regrouping neighbouring clusters: never worse, rules kept, the best partition of a group."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from cluster_regions import place, region
from test_cluster_cuts import component
from test_partition import partitions, scattered

from solvers.clusters.component import Component, build_component
from solvers.clusters.encode import encode_clusters
from solvers.clusters.exchange import exchange
from solvers.clusters.partition import clusterable
from solvers.clusters.regroup import GROUP_SCHOOLS, regroup
from solvers.clusters.rules import school_graph
from solvers.clusters.start import start_partition
from solvers.engine.budget import Budget


def _price(comp: Component, plan: Sequence[tuple[int, ...]]) -> int:
    return sum(comp.cost(c) for c in plan)


def test_three_towns_mixed_in_a_ring_are_regrouped_by_town() -> None:
    # Three towns 10 km apart, three schools each; every cluster holds one school of each
    # town.
    towns = [[place(f"{t}{k}", 10 * n + k) for k in range(3)] for n, t in enumerate("ABC")]
    problem = encode_clusters(region([s for town in towns for s in town], max_travel_minutes=120))
    graph = school_graph(problem)
    parts, _ = clusterable(problem, graph)
    comp = build_component(problem, graph, parts[0])
    mixed = [(0, 3, 6), (1, 4, 7), (2, 5, 8)]
    assert sorted(regroup(comp, mixed, Budget(5), seed=1)) == [(0, 1, 2), (3, 4, 5), (6, 7, 8)]


def test_three_clusters_that_exchanges_leave_short_of_the_best_are_regrouped_at_best() -> None:
    comp, best = component(10, 2)
    start = [(0, 1, 2), (3, 4, 5), (6, 7, 8, 9)]
    assert _price(comp, exchange(comp, start, Budget(5))) > best  # every pair split at best
    assert _price(comp, regroup(comp, start, Budget(5), seed=1)) == best


def test_a_region_that_fits_one_group_is_partitioned_at_best_from_any_start() -> None:
    comp, best = component(12, 3)  # every school within reach: one group of all clusters
    assert comp.size <= GROUP_SCHOOLS
    for start in itertools.islice(partitions(list(range(12)), 3, 4), 0, 400, 37):
        plan = regroup(comp, start, Budget(5), seed=1)
        assert _price(comp, plan) == best


def test_regrouping_never_worsens_and_keeps_sizes_cliques_and_schools() -> None:
    # More schools than a group holds, in a wider area: not every pair may share a cluster.
    problem = encode_clusters(scattered(22, 5, span_km=40.0))
    graph = school_graph(problem)
    parts, _ = clusterable(problem, graph)
    comp = build_component(problem, graph, max(parts, key=len))
    assert comp.size > GROUP_SCHOOLS
    starts = [start_partition(comp, method=m, seed=1) for m in ("louvain", "greedy")]
    for start in starts:
        before = _price(comp, start)
        plan = regroup(comp, start, Budget(5), seed=1)
        assert _price(comp, plan) <= before
        assert sorted(s for c in plan for s in c) == sorted(s for c in start for s in c)
        assert all(3 <= len(c) <= 4 and comp.is_clique(c) for c in plan)
        assert regroup(comp, start, Budget(5), seed=1) == plan  # the same every time
