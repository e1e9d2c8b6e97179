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

from solvers.clusters.lagrange import EPS

# Items a search takes at most: beyond, the caller's knapsack without the cuts bounds it.
MOST_ITEMS = 400
# Nodes of one search before it gives up (unproven: its knapsack without the cuts bounds it).
NODE_CAP = 100_000
# A node's tighter bound looks at every open item and its cuts: charged one node per this
# many of them.
TIGHTER_ITEMS_PER_NODE = 2


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
    cuts the median already holds (1 each); ``lower`` / ``lower_set``: a known selection."""
    size = len(profit)
    if size > MOST_ITEMS:
        return Searched(lower, list(lower_set), False, 0)
    gain_of = np.asarray(profit, dtype=np.float64)
    weight_of = np.asarray(weight, dtype=np.int64)
    index = np.arange(size)
    order = np.lexsort((index, -gain_of / np.maximum(weight_of, 1))) if size else index
    gains, weights = gain_of[order], weight_of[order]
    # The cuts of each position, as one flat array and where each position's begin.
    per_position = [list(cuts_of[k]) for k in order.tolist()]
    cut_start = np.zeros(size + 1, dtype=np.int64)
    cut_start[1:] = np.cumsum([len(c) for c in per_position])
    flat = [t for c in per_position for t in c]
    cut_ids = np.asarray(flat, dtype=np.int64)
    # The positions holding each cut, ascending, the same way.
    cuts = len(price)
    at_count = np.bincount(cut_ids, minlength=cuts) if flat else np.zeros(cuts, dtype=np.int64)
    where_start = np.zeros(cuts + 1, dtype=np.int64)
    where_start[1:] = np.cumsum(at_count)
    positions = np.repeat(np.arange(size, dtype=np.int64), np.diff(cut_start))
    by_cut = np.argsort(cut_ids, kind="stable")
    where = positions[by_cut]
    held = np.zeros(cuts, dtype=np.int64)
    for t, times in counts.items():
        held[t] = times
    rank = np.empty(size, dtype=np.int64)
    rank[order] = index
    start = np.asarray([rank[k] for k in lower_set], dtype=np.int64)
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
        start,
        NODE_CAP,
        TIGHTER_ITEMS_PER_NODE,
        EPS,
    )
    return Searched(float(value), [int(order[c]) for c in best], nodes <= NODE_CAP, int(nodes))


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
