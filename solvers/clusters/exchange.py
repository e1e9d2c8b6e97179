"""Exchanges between neighbouring clusters: the schools of two clusters split again, at best.

CP-SAT picks clusters from a pool; a better plan may need a cluster the pool lacks. Two
clusters with an allowed pair between them hold 6 to 8 schools, which split into two clusters
of allowed size in at most 35 ways: all are priced (every cluster a clique of the school
graph) and the cheapest taken. Passes repeat, in a fixed order, while one improves the plan
and the work lasts; the work is counted in splits priced, so the result repeats.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from solvers.clusters.component import Component
from solvers.clusters.start import Cluster
from solvers.engine.budget import Budget
from solvers.engine.calibration import EXCHANGE_SPLITS_PER_SECOND

# Splits priced between two looks at the budget: a look per pair would cost more than a pair.
_BATCH = 2_000


class _Prices:
    """Cluster prices, remembered (a split's two halves recur across pairs)."""

    def __init__(self, comp: Component) -> None:
        self.comp = comp
        self.allowed = comp.allowed.tolist()
        self.pair = comp.pair_cost.tolist()
        self.fast = comp.staffing is None and not comp.problem.rated
        self.known: dict[Cluster, float | None] = {}

    def price(self, members: Cluster) -> float | None:
        """The cluster's price, or None if two of its schools may not share a cluster."""
        if members in self.known:
            return self.known[members]
        price: float | None = 0.0
        for a, b in itertools.combinations(members, 2):
            if not self.allowed[a][b]:
                price = None
                break
            price += self.pair[a][b]  # type: ignore[operator]
        if price is not None and not self.fast:
            price = float(self.comp.cost(members))
        self.known[members] = price
        return price


def exchange(comp: Component, plan: Sequence[Cluster], budget: Budget) -> list[Cluster]:
    """``plan`` (local indices) improved by re-splitting pairs of neighbouring clusters.

    Sizes and pair rules are kept; every exchange strictly lowers the total price, so the
    search ends. Charged to ``budget`` by splits priced.
    """
    settings = comp.problem.settings
    low, high = settings.min_size, settings.max_size
    prices = _Prices(comp)
    clusters = [tuple(sorted(c)) for c in plan]
    improved = True
    priced = 0
    while improved and not budget.exhausted():
        improved = False
        for i, j in _neighbouring(comp, clusters):
            current = prices.price(clusters[i]), prices.price(clusters[j])
            if current[0] is None or current[1] is None:
                continue
            best = _best_split(prices, clusters[i] + clusters[j], low, high)
            priced += best[2]
            if best[0] is not None and best[1] < current[0] + current[1] - 1e-9:
                clusters[i], clusters[j] = best[0]
                improved = True
            if priced >= _BATCH:
                budget.spend(priced / EXCHANGE_SPLITS_PER_SECOND)
                priced = 0
                if budget.exhausted():
                    break
    budget.spend(priced / EXCHANGE_SPLITS_PER_SECOND)
    return clusters


def _neighbouring(comp: Component, clusters: list[Cluster]) -> list[tuple[int, int]]:
    """Pairs of clusters (by position) with at least one allowed pair of schools between."""
    where = {s: k for k, c in enumerate(clusters) for s in c}
    pairs: set[tuple[int, int]] = set()
    for k, cluster in enumerate(clusters):
        for s in cluster:
            for other in comp.allowed[s].nonzero()[0].tolist():
                j = where.get(other)
                if j is not None and j > k:
                    pairs.add((k, j))
    return sorted(pairs)


def _best_split(
    prices: _Prices, schools: tuple[int, ...], low: int, high: int
) -> tuple[tuple[Cluster, Cluster] | None, float, int]:
    """The cheapest split of ``schools`` into two clusters of ``low``..``high``, its price and
    the splits priced (the first school anchors one half, so each split is seen once)."""
    first, rest = schools[0], sorted(schools[1:])
    best: tuple[Cluster, Cluster] | None = None
    best_price = float("inf")
    count = 0
    for size in range(low, high + 1):
        if not low <= len(schools) - size <= high:
            continue
        for others in itertools.combinations(rest, size - 1):
            count += 1
            one = tuple(sorted((first, *others)))
            two = tuple(s for s in rest if s not in others)
            a = prices.price(one)
            if a is None or a >= best_price:
                continue
            b = prices.price(two)
            if b is not None and a + b < best_price:
                best, best_price = (one, two), a + b
    return best, best_price, count
