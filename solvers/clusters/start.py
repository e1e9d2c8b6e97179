"""Starting partitions: networkx communities cut to size by a greedy, and the greedy alone.

Community detection (Louvain) finds groups of schools that are close to each other and far
from the rest, which is what a good set of clusters looks like at a larger scale. It ignores
the size bounds, so each community is then cut into clusters by a greedy: the school with the
fewest partners left goes first and takes its cheapest partners. The result is a valid
partition (every cluster a clique of allowed size) that seeds CP-SAT as a hint, and is the
baseline the benchmarks compare against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np

from solvers.clusters.component import Component

Cluster = tuple[int, ...]


def louvain_groups(comp: Component, seed: int) -> list[list[int]]:
    """Louvain communities of the component, on weights that grow as schools get closer."""
    limit = comp.problem.settings.max_travel_minutes
    graph = nx.Graph()
    graph.add_nodes_from(range(comp.size))
    rows, cols = np.nonzero(np.triu(comp.allowed, 1))
    closeness = limit + 1 - comp.minutes[rows, cols]
    graph.add_weighted_edges_from(
        zip(rows.tolist(), cols.tolist(), closeness.tolist(), strict=True), weight="closeness"
    )
    groups = nx.community.louvain_communities(graph, weight="closeness", seed=seed)
    return sorted((sorted(group) for group in groups), key=lambda g: (-len(g), g[0]))


def greedy_partition(comp: Component, groups: Iterable[Sequence[int]]) -> list[Cluster]:
    """Clusters of allowed size cut from each group; leftovers join a cluster or each other.

    Schools that end up in no cluster are simply absent from the result.
    """
    low = comp.problem.settings.min_size
    clusters: list[list[int]] = []
    leftovers: list[int] = []
    for group in groups:
        leftovers.extend(_cut(comp, set(group), clusters))
    stranded = [v for v in leftovers if not _join_cheapest(comp, v, clusters)]
    if len(stranded) >= low:
        # Leftovers of different groups may still make clusters of their own.
        rest = _cut(comp, set(stranded), clusters)
        for v in rest:
            _join_cheapest(comp, v, clusters)
    return [tuple(sorted(c)) for c in clusters]


def _cut(comp: Component, free: set[int], clusters: list[list[int]]) -> list[int]:
    """Cut clusters out of ``free`` (changed in place); the schools that fit none."""
    settings = comp.problem.settings
    low, high = settings.min_size, settings.max_size
    left: list[int] = []
    while len(free) >= low:
        if len(free) <= high and comp.is_clique(sorted(free)):
            clusters.append(sorted(free))
            free.clear()
            break
        # The school with the fewest partners left is the hardest to place later.
        seed = min(free, key=lambda v: (int(comp.allowed[v, sorted(free)].sum()), v))
        cluster = _grow(comp, seed, free, low)
        if cluster is None:
            free.discard(seed)
            left.append(seed)
            continue
        clusters.append(cluster)
        free.difference_update(cluster)
    return left + sorted(free)


def _grow(comp: Component, seed: int, free: set[int], size: int) -> list[int] | None:
    """``seed`` and its cheapest partners, one at a time, each allowed with all before it."""
    cluster = [seed]
    options = np.asarray(sorted(free - {seed}), dtype=np.int64)
    while len(cluster) < size:
        options = options[comp.allowed[cluster[-1], options]]
        if not len(options):
            return None
        added = comp.pair_cost[np.ix_(cluster, options)].sum(axis=0)
        added = added + comp.problem.settings.mix_penalty * np.asarray(
            [comp.mix([*cluster, v]) for v in options.tolist()]
        )
        # What the cluster so far could not staff with each partner (0 when not priced).
        grown = np.column_stack([np.tile(cluster, (len(options), 1)), options])
        added = added + comp.staffing_cost(grown)
        pick = int(options[int(np.argmin(added))])  # argmin takes the lowest index on ties
        cluster.append(pick)
        options = options[options != pick]
    return cluster


def _join_cheapest(comp: Component, school: int, clusters: list[list[int]]) -> bool:
    """Put ``school`` into the cluster with room where it adds least; False if none fits."""
    high = comp.problem.settings.max_size
    best: tuple[int, int] | None = None
    for k, cluster in enumerate(clusters):
        if len(cluster) < high and comp.allowed[school, cluster].all():
            extra = comp.cost([*cluster, school]) - comp.cost(cluster)
            if best is None or extra < best[0]:
                best = (extra, k)
    if best is None:
        return False
    clusters[best[1]].append(school)
    return True


def start_partition(comp: Component, *, method: str, seed: int) -> list[Cluster]:
    """A valid starting partition: ``"louvain"`` (communities, then greedy) or ``"greedy"``."""
    if method == "louvain":
        return greedy_partition(comp, louvain_groups(comp, seed))
    if method == "greedy":
        return greedy_partition(comp, [list(range(comp.size))])
    raise ValueError(f"unknown start method {method!r}; expected louvain or greedy")


def clique_with(comp: Component, school: int, size: int) -> Cluster | None:
    """Some cluster of ``size`` schools containing ``school`` (depth-first), or None."""

    def extend(chosen: list[int], options: np.ndarray) -> list[int] | None:
        if len(chosen) == size:
            return chosen
        for k, v in enumerate(options.tolist()):
            rest = options[k + 1 :]
            found = extend([*chosen, v], rest[comp.allowed[v, rest]])
            if found is not None:
                return found
        return None

    result = extend([school], np.flatnonzero(comp.allowed[school]))
    return None if result is None else tuple(sorted(result))
