"""Exchanges between neighbouring clusters: never worse, rules kept, the best split found."""

from __future__ import annotations

import itertools

from cluster_regions import place, region
from test_cluster_cuts import component
from test_partition import partitions

from solvers.clusters.component import build_component
from solvers.clusters.encode import encode_clusters
from solvers.clusters.exchange import exchange
from solvers.clusters.partition import clusterable
from solvers.clusters.rules import school_graph
from solvers.engine.budget import Budget


def test_two_crossed_triads_are_split_again_along_the_towns() -> None:
    # Two towns 10 km apart, three schools each; the plan mixes them, the exchange unmixes.
    schools = [place(f"A{k}", k) for k in range(3)] + [place(f"B{k}", 10 + k) for k in range(3)]
    problem = encode_clusters(region(schools))
    graph = school_graph(problem)
    parts, _ = clusterable(problem, graph)
    comp = build_component(problem, graph, parts[0])
    crossed = [(0, 1, 3), (2, 4, 5)]
    assert sorted(exchange(comp, crossed, Budget(5))) == [(0, 1, 2), (3, 4, 5)]


def test_the_best_two_cluster_split_of_a_region_is_found_from_any_start() -> None:
    comp, best = component(7, 1)  # 7 schools: one triad and one quad
    for first in itertools.combinations(range(1, 7), 2):
        start = [(0, *first), tuple(s for s in range(1, 7) if s not in first)]
        plan = exchange(comp, start, Budget(5))
        assert sum(comp.cost(c) for c in plan) == best


def test_exchanges_never_worsen_and_keep_sizes_cliques_and_schools() -> None:
    comp, best = component(12, 3)
    for start in itertools.islice(partitions(list(range(12)), 3, 4), 0, 400, 37):
        before = sum(comp.cost(c) for c in start)
        plan = exchange(comp, start, Budget(5))
        assert sum(comp.cost(c) for c in plan) <= before
        assert sum(comp.cost(c) for c in plan) >= best
        assert sorted(s for c in plan for s in c) == list(range(12))
        assert all(3 <= len(c) <= 4 and comp.is_clique(c) for c in plan)
        assert exchange(comp, start, Budget(5)) == plan  # the same every time
