"""A median's best cluster when subset-row cuts are paid: a knapsack with a price per cut.

The cut bound (``solvers.clusters.cut_bound``) prices each median's cluster at the points'
duals; a cluster holding two or more points of a cut (the median's own counted) pays that
cut's price. The knapsack's tables cannot see these prices, so a depth-first branch and bound
finds the best selection: items by profit per unit of weight, each node bounded first by the
fractional knapsack of the items left (cuts only take profit away), then by the same with
each open item charged its share of the cuts one chosen point has started (what the rest
must pay at least).

The search is the cut bound's inner loop: hundreds of thousands of nodes a round, so it runs
compiled (numba), on arrays, with an explicit stack in place of recursion. It visits the
nodes the recursive search visited in the same order, so its node count, the work it is
charged, is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from solvers.clusters.pmedian_problem import EPS, FloatArray, IntArray

# Items a search takes at most: beyond, the caller's knapsack without the cuts bounds it.
MOST_ITEMS = 400
# Nodes of one search before it gives up (unproven: its knapsack without the cuts bounds it).
NODE_CAP = 2_000_000
# A node's tighter bound looks at every open item and its cuts: charged one node per this
# many of them.
TIGHTER_ITEMS_PER_NODE = 2


Triple = tuple[int, int, int]


class CutsByPoint:
    """The cuts with a price (``sigma``, one per triple of ``points`` points), by point."""

    def __init__(self, triples: Sequence[Triple], sigma: FloatArray, points: int) -> None:
        self.price = sigma.tolist()
        self.prices = np.asarray(sigma, dtype=np.float64)
        self.triples = list(triples)
        self.of_point: dict[int, list[int]] = {}
        self.active = False
        for t, triple in enumerate(self.triples):
            if self.price[t] <= EPS:
                continue
            self.active = True
            for i in triple:
                self.of_point.setdefault(i, []).append(t)
        # The same as arrays for the compiled search: point i's cuts are
        # cut_of[start[i]:start[i + 1]].
        self.start = np.zeros(points + 1, dtype=np.int64)
        self.start[1:] = np.cumsum([len(self.of_point.get(i, ())) for i in range(points)])
        self.cut_of = np.asarray(
            [t for i in range(points) for t in self.of_point.get(i, ())], dtype=np.int64
        )

    def start_counts(self, median: int) -> dict[int, int]:
        """The cuts a cluster of ``median`` holds one point of before any other: its own."""
        return {t: 1 for t in self.of_point.get(median, [])}

    def paid(self, median: int, members: Sequence[int]) -> float:
        """What the cluster of ``median`` and ``members`` pays for the cuts."""
        held: dict[int, int] = self.start_counts(median)
        for i in members:
            for t in self.of_point.get(i, []):
                held[t] = held.get(t, 0) + 1
        return float(sum(self.price[t] for t, c in held.items() if c >= 2))


@dataclass(frozen=True)
class Priced:
    """A median's best cluster with the cuts paid: its profit (the points' profits less the
    cuts, proven best where ``proven``), its points, and the search's nodes."""

    profit: float
    members: list[int]
    proven: bool
    nodes: int


def priced_cluster(
    profit: FloatArray,
    weight: IntArray,
    room: int,
    median: int,
    cuts: CutsByPoint,
    known: Sequence[int],
    gain: float,
) -> Priced:
    """The best cluster of ``median`` at ``profit`` (each point's, 0 for the median) within
    ``room`` when the cuts are paid; ``known``: its best knapsack without the cuts, worth
    ``gain`` before them (the search's start)."""
    value, chosen, proven, nodes = _price(
        np.asarray(profit, dtype=np.float64),
        np.asarray(weight, dtype=np.int64),
        int(room),
        int(median),
        cuts.start,
        cuts.cut_of,
        cuts.prices,
        np.asarray(known, dtype=np.int64),
        float(gain),
        MOST_ITEMS,
        NODE_CAP,
        TIGHTER_ITEMS_PER_NODE,
        EPS,
    )
    return Priced(float(value), sorted(chosen.tolist()), bool(proven), int(nodes))


@numba.njit(cache=True)  # type: ignore[misc]
def _price(  # noqa: PLR0913 (the compiled kernel takes arrays, not objects)
    profit: np.ndarray,
    weight: np.ndarray,
    room: int,
    median: int,
    start: np.ndarray,
    cut_of: np.ndarray,
    price: np.ndarray,
    known: np.ndarray,
    gain: float,
    most_items: int,
    node_cap: int,
    per_node: int,
    eps: float,
) -> tuple[float, np.ndarray, bool, int]:
    """``priced_cluster`` on arrays: the items, their order and their cuts, then the search."""
    held = np.zeros(price.shape[0], dtype=np.int64)
    for c in range(start[median], start[median + 1]):
        held[cut_of[c]] = 1
    lower = gain - _paid(held, known, start, cut_of, price)
    if lower >= gain:  # the knapsack's best pays no cut: no selection does better
        return lower, known.copy(), True, 0
    fits = (profit > 0) & (weight <= room)
    if fits.sum() > most_items:
        return lower, known.copy(), False, 0
    items = np.flatnonzero(fits)
    # By profit per unit of weight, ties by point (a stable sort), as the recursion had.
    order = items[np.argsort(-profit[items] / weight[items], kind="mergesort")]
    gains = profit[order]
    weights = weight[order]
    size = order.shape[0]
    cut_start, cut_ids, where_start, where = _cut_lists(order, start, cut_of, price.shape[0])
    position = np.full(profit.shape[0], -1, dtype=np.int64)
    for k in range(size):
        position[order[k]] = k
    lower_set = np.empty(known.shape[0], dtype=np.int64)
    for k in range(known.shape[0]):
        lower_set[k] = position[known[k]]
    value, best, nodes = _search(
        gains,
        weights,
        room,
        cut_start,
        cut_ids,
        where_start,
        where,
        held,
        price,
        lower,
        lower_set,
        node_cap,
        per_node,
        eps,
    )
    return value, order[best], nodes <= node_cap, nodes


@dataclass(frozen=True)
class Searched:
    """The best selection's value and items, whether it is proven best, and the nodes."""

    value: float
    chosen: list[int]
    proven: bool
    nodes: int


def penalised(
    profit: Sequence[float],
    weight: Sequence[int],
    room: int,
    cuts_of: Sequence[Sequence[int]],
    counts: dict[int, int],
    price: Sequence[float],
    *,
    lower: float,
    lower_set: Sequence[int],
) -> Searched:
    """The most profitable items within ``room`` when each cut holding two or more of the
    chosen costs its ``price``; ``cuts_of[k]``: the cuts item ``k`` is in; ``counts``: the
    cuts the median already holds (1 each); ``lower`` / ``lower_set``: a known selection.

    The same search as ``priced_cluster`` on items given one by one rather than a median's
    row of points, so a test can state any cuts and start."""
    size = len(profit)
    if size > MOST_ITEMS:
        return Searched(lower, list(lower_set), False, 0)
    gain_of = np.asarray(profit, dtype=np.float64)
    weight_of = np.asarray(weight, dtype=np.int64)
    index = np.arange(size)
    order = np.lexsort((index, -gain_of / np.maximum(weight_of, 1))) if size else index
    gains, weights = gain_of[order], weight_of[order]
    # Each item's cuts as one flat array, item k's from start[k].
    start = np.zeros(size + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(cuts_of[k]) for k in range(size)])
    cut_of = np.asarray([t for k in range(size) for t in cuts_of[k]], dtype=np.int64)
    cuts = len(price)
    cut_start, cut_ids, where_start, where = _cut_lists(order, start, cut_of, cuts)
    held = np.zeros(cuts, dtype=np.int64)
    for t, times in counts.items():
        held[t] = times
    rank = np.empty(size, dtype=np.int64)
    rank[order] = index
    known = np.asarray([rank[k] for k in lower_set], dtype=np.int64)
    value, best, nodes = _search(
        gains,
        weights,
        int(room),
        cut_start,
        cut_ids,
        where_start,
        where,
        held,
        np.asarray(price, dtype=np.float64),
        float(lower),
        known,
        NODE_CAP,
        TIGHTER_ITEMS_PER_NODE,
        EPS,
    )
    return Searched(float(value), [int(order[c]) for c in best], nodes <= NODE_CAP, int(nodes))


@numba.njit(cache=True)  # type: ignore[misc]
def _paid(
    held: np.ndarray, known: np.ndarray, start: np.ndarray, cut_of: np.ndarray, price: np.ndarray
) -> float:
    """What a cluster holding ``known`` pays for the cuts, ``held`` those its median holds."""
    counts = held.copy()
    for i in known:
        for c in range(start[i], start[i + 1]):
            counts[cut_of[c]] += 1
    paid = 0.0
    for t in range(price.shape[0]):
        if counts[t] >= 2:
            paid += price[t]
    return paid


@numba.njit(cache=True)  # type: ignore[misc]
def _cut_lists(
    order: np.ndarray, start: np.ndarray, cut_of: np.ndarray, cuts: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cuts of each position of ``order`` (``cut_ids[cut_start[k]:cut_start[k + 1]]``)
    and the positions of each cut, ascending (``where[where_start[t]:where_start[t + 1]]``)."""
    size = order.shape[0]
    cut_start = np.zeros(size + 1, dtype=np.int64)
    for k in range(size):
        i = order[k]
        cut_start[k + 1] = cut_start[k] + start[i + 1] - start[i]
    cut_ids = np.empty(cut_start[size], dtype=np.int64)
    at_count = np.zeros(cuts + 1, dtype=np.int64)
    for k in range(size):
        i = order[k]
        for c in range(start[i], start[i + 1]):
            t = cut_of[c]
            cut_ids[cut_start[k] + c - start[i]] = t
            at_count[t + 1] += 1
    where_start = np.cumsum(at_count)
    where = np.empty(cut_start[size], dtype=np.int64)
    filled = where_start[:-1].copy()
    for k in range(size):
        for c in range(cut_start[k], cut_start[k + 1]):
            t = cut_ids[c]
            where[filled[t]] = k
            filled[t] += 1
    return cut_start, cut_ids, where_start, where


@numba.njit(cache=True)  # type: ignore[misc]
def _search(  # noqa: C901, PLR0913 (one compiled loop: its state stays in locals)
    gains: np.ndarray,
    weights: np.ndarray,
    room: int,
    cut_start: np.ndarray,
    cut_ids: np.ndarray,
    where_start: np.ndarray,
    where: np.ndarray,
    counts: np.ndarray,
    price: np.ndarray,
    lower: float,
    lower_set: np.ndarray,
    node_cap: int,
    per_node: int,
    eps: float,
) -> tuple[float, np.ndarray, int]:
    size = gains.shape[0]
    held_w = np.zeros(size + 1, dtype=np.int64)
    held_p = np.zeros(size + 1, dtype=np.float64)
    for k in range(size):
        held_w[k + 1] = held_w[k] + weights[k]
        held_p[k + 1] = held_p[k] + gains[k]
    looked = np.zeros(size + 1, dtype=np.int64)
    for k in range(size - 1, -1, -1):
        looked[k] = looked[k + 1] + 1 + (cut_start[k + 1] - cut_start[k])
    best = lower
    best_set = lower_set.copy()
    chosen = np.empty(size, dtype=np.int64)
    taken = 0
    nodes = 0
    # The stack of open nodes: position, room left, value, and what is left to do there
    # (0: enter; 1: the take branch returned, undo it and skip; 2: both branches done).
    at_k = np.empty(size + 2, dtype=np.int64)
    at_left = np.empty(size + 2, dtype=np.int64)
    at_value = np.empty(size + 2, dtype=np.float64)
    at_step = np.empty(size + 2, dtype=np.int64)
    ratio = np.empty(size, dtype=np.float64)
    open_gain = np.empty(size, dtype=np.float64)
    open_weight = np.empty(size, dtype=np.int64)
    top = 0
    at_k[0], at_left[0], at_value[0], at_step[0] = 0, room, 0.0, 0
    while top >= 0:
        k, left, value, step = at_k[top], at_left[top], at_value[top], at_step[top]
        if step == 1:
            taken -= 1
            for c in range(cut_start[k], cut_start[k + 1]):
                counts[cut_ids[c]] -= 1
            at_step[top] = 2
            top += 1
            at_k[top], at_left[top], at_value[top], at_step[top] = k + 1, left, value, 0
            continue
        if step == 2:
            top -= 1
            continue
        nodes += 1 + looked[k] // per_node
        if value > best + eps:
            best = value
            best_set = chosen[:taken].copy()
        if k == size or nodes > node_cap:
            top -= 1
            continue
        # The fractional knapsack of items k.. in order.
        target = held_w[k] + left
        stop = k
        while stop < size and held_w[stop + 1] <= target:
            stop += 1
        ceiling = held_p[stop] - held_p[k]
        if stop < size:
            ceiling += (left - (held_w[stop] - held_w[k])) * gains[stop] / weights[stop]
        if value + ceiling <= best + eps:
            top -= 1
            continue
        # The same with each open item charged its share of the cuts already started.
        m = 0
        for position in range(k, size):
            gain = gains[position]
            for c in range(cut_start[position], cut_start[position + 1]):
                t = cut_ids[c]
                if counts[t] == 1:
                    first = where_start[t]
                    end = where_start[t + 1]
                    while first < end and where[first] < k:
                        first += 1
                    gain -= price[t] / (end - first)
            if gain > 0:
                # Insert keeping (ratio, gain, weight) descending.
                r = gain / weights[position]
                w = weights[position]
                i = m
                while i > 0 and (
                    ratio[i - 1] < r
                    or (
                        ratio[i - 1] == r
                        and (
                            open_gain[i - 1] < gain
                            or (open_gain[i - 1] == gain and open_weight[i - 1] < w)
                        )
                    )
                ):
                    ratio[i] = ratio[i - 1]
                    open_gain[i] = open_gain[i - 1]
                    open_weight[i] = open_weight[i - 1]
                    i -= 1
                ratio[i], open_gain[i], open_weight[i] = r, gain, w
                m += 1
        tighter = 0.0
        room_left = left
        for i in range(m):
            if open_weight[i] > room_left:
                tighter += room_left * ratio[i]
                break
            tighter += open_gain[i]
            room_left -= open_weight[i]
        if value + tighter <= best + eps:
            top -= 1
            continue
        if weights[k] <= left:
            paid = 0.0
            for c in range(cut_start[k], cut_start[k + 1]):
                t = cut_ids[c]
                counts[t] += 1
                if counts[t] == 2:
                    paid += price[t]
            chosen[taken] = k
            taken += 1
            at_step[top] = 1
            top += 1
            at_k[top], at_left[top] = k + 1, left - weights[k]
            at_value[top], at_step[top] = value + gains[k] - paid, 0
        else:
            at_step[top] = 2
            top += 1
            at_k[top], at_left[top], at_value[top], at_step[top] = k + 1, left, value, 0
    return best, best_set, nodes
