"""Subset-row cuts on triples of schools: a stronger bound for the set-partitioning LP.

The LP relaxation of clustering is fractional wherever triads form odd cycles: half of each of
{a, b, c}, {c, d, e} and {e, f, a} covers every school once, yet no partition picks them. For
any three schools ``t = {i, j, k}``, at most one cluster of a partition holds two or more of
them (two such clusters would share a school), so

    sum of x[c] over clusters c holding at least two of t  <=  1

holds for every partition, and the half-triads above break it (1.5 > 1). These are the
subset-row cuts of rank 3 (Jepsen, Petersen, Spoorendonk and Pisinger, 2008).

A cut's dual ``sigma <= 0`` is a price the pricing must charge a cluster holding two or more
of its schools. ``CutPrices`` gives it in the shape the pricing grows clusters in: a pair
table (the price of each cut on both of two schools) and, for a cluster holding all three of
a cut's schools, a correction taking off the twice it was counted too often.

One more row is valid for every partition: it has a whole number of clusters, so the ``n``
schools clustered make at most floor(n / min_size) and at least ceil(n / max_size) of them.
The LP, free to take thirds of triads, ignores this: 49 schools in triads "make" 16 1/3, where
a partition needs a quad. Its dual is a price every cluster pays alike (``per_cluster``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A cut is added only if the LP solution breaks it by more than this: smaller breaches barely
# move the bound and each cut is one more row to solve.
MIN_VIOLATION = 0.05
# Primal values below this count as zero when looking for broken cuts.
SUPPORT = 1e-6

Triple = tuple[int, int, int]


def holds_two(cluster: Sequence[int], triple: Triple) -> bool:
    """Whether ``cluster`` holds at least two schools of ``triple`` (its row coefficient)."""
    inside = set(cluster)
    return sum(s in inside for s in triple) >= 2


@dataclass(frozen=True)
class Separated:
    """Cuts the LP solution breaks (most broken first) and the triples looked at (work)."""

    triples: list[Triple]
    violation: list[float]
    examined: int


def separate(
    clusters: Sequence[Sequence[int]],
    values: Sequence[float],
    *,
    known: set[Triple],
    limit: int,
) -> Separated:
    """The triples whose cut the LP solution breaks by more than ``MIN_VIOLATION``.

    A triple's left side is w_ij + w_ik + w_jk - 2 w_ijk, where w_S sums the values of the
    clusters holding all of S; it exceeds 1 only if at least two of its pairs share a
    fractional cluster, so triples are built around each school from the partners it shares
    fractional clusters with. At most ``limit`` cuts, the most broken first (ties by triple).
    """
    pair, whole, partners = _fractional_weights(clusters, values)
    found: dict[Triple, float] = {}
    examined = 0
    for middle, around in partners.items():
        near = sorted(around)
        for p, i in enumerate(near):
            for k in near[p + 1 :]:
                examined += 1
                a, b, c = sorted((i, middle, k))
                triple = (a, b, c)
                if triple in found or triple in known:
                    continue
                lhs = pair[(a, b)] + pair[(a, c)] + pair[(b, c)] - 2 * whole[triple]
                if lhs > 1 + MIN_VIOLATION:
                    found[triple] = lhs - 1
    ranked = sorted(found, key=lambda t: (-found[t], t))[:limit]
    return Separated(ranked, [found[t] for t in ranked], examined)


def _fractional_weights(
    clusters: Sequence[Sequence[int]], values: Sequence[float]
) -> tuple[dict[tuple[int, int], float], dict[Triple, float], dict[int, set[int]]]:
    """Over the fractional clusters: the value holding each pair, each triple, and each
    school's partners (an integral column never takes part in a broken cut)."""
    pair: dict[tuple[int, int], float] = defaultdict(float)
    whole: dict[Triple, float] = defaultdict(float)
    partners: dict[int, set[int]] = defaultdict(set)
    for cluster, value in zip(clusters, values, strict=True):
        if value <= SUPPORT or value >= 1 - SUPPORT:
            continue
        members = sorted(cluster)
        for a, b in itertools.combinations(members, 2):
            pair[(a, b)] += value
            partners[a].add(b)
            partners[b].add(a)
        for a, b, c in itertools.combinations(members, 3):
            whole[(a, b, c)] += value
    return pair, whole, partners


@dataclass(frozen=True)
class CutPrices:
    """The cuts' duals as the pricing charges them (local school indices 0..m-1).

    A cluster ``S`` pays ``sum over cuts t of price[t] x [|S & t| >= 2]``, which is
    ``sum over pairs of S of pair[a, b] - 2 x sum over cuts inside S of price[t]``: a cut
    with two of its schools in S is counted by one pair, with all three by three.
    """

    triples: np.ndarray  # (cuts, 3), each row ascending
    price: np.ndarray  # -dual >= 0, per cut
    pair: np.ndarray  # (m, m) symmetric: the prices of the cuts holding both schools
    keys: np.ndarray  # sorted triple keys (a*m*m + b*m + c), for ``inside``
    key_price: np.ndarray  # price per sorted key
    size: int  # m
    per_cluster: float = 0.0  # the count row's price, paid by every cluster
    # What these rows add to the dual objective for a plan that respects them: minus each
    # cut's price (paid at most once), and the count row's dual times its binding side.
    dual_part: float = 0.0

    @staticmethod
    def build(
        size: int,
        triples: Sequence[Triple],
        duals: np.ndarray,
        *,
        count_dual: float = 0.0,
        count_range: tuple[int, int] = (0, 0),
    ) -> CutPrices:
        """Prices from the duals of the cuts (clipped at zero: any sigma <= 0 keeps the
        bound) and of the count row, whose clusters number ``count_range`` (fewest, most)."""
        price = np.maximum(0.0, -np.asarray(duals, dtype=np.float64))
        rows = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
        pair = np.zeros((size, size))
        for x, y in ((0, 1), (0, 2), (1, 2)):
            np.add.at(pair, (rows[:, x], rows[:, y]), price)
        pair = pair + pair.T
        keys = (rows[:, 0] * size + rows[:, 1]) * size + rows[:, 2]
        order = np.argsort(keys, kind="stable")
        # A negative dual prices clusters up, against the most a plan may have; a positive
        # one down, against the fewest: either way a plan pays at least this.
        fewest, most = count_range
        count_part = count_dual * (most if count_dual < 0 else fewest)
        return CutPrices(
            rows,
            price,
            pair,
            keys[order],
            price[order],
            size,
            per_cluster=-float(count_dual),
            dual_part=float(count_part - price.sum()),
        )

    @property
    def count(self) -> int:
        return len(self.price)

    def inside(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """The price of the cut on each triple ``a < b < c`` (0 where there is none)."""
        out = np.zeros(len(a))
        if not len(self.keys):
            return out
        # Only a triple whose three pairs all carry a price can be a priced cut: three
        # reads of the pair table spare most of the binary searches.
        maybe = np.flatnonzero(
            (self.pair[a, b] > 0) & (self.pair[a, c] > 0) & (self.pair[b, c] > 0)
        )
        keys = (a[maybe] * self.size + b[maybe]) * self.size + c[maybe]
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        out[maybe] = np.where(self.keys[at] == keys, self.key_price[at], 0.0)
        return out

    def paid(self, clusters: np.ndarray) -> np.ndarray:
        """What each cluster (rows of ascending local indices, all of one size) pays for the
        cuts and the count row: its pairs' prices, less twice each cut it holds whole."""
        paid = np.full(len(clusters), self.per_cluster)
        if not self.count:
            return paid
        width = clusters.shape[1]
        for i in range(width):
            for j in range(i + 1, width):
                paid += self.pair[clusters[:, i], clusters[:, j]]
                for k in range(j + 1, width):
                    paid -= 2 * self.inside(clusters[:, i], clusters[:, j], clusters[:, k])
        return paid
