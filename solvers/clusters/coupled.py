"""The Lagrangian subproblem with the open medians' loads summing to the total demand.

Relaxing "every point attached once" (``solvers.clusters.lagrange``) lets each open median
fill its knapsack on its own, so the relaxation's medians may serve far more or less demand
than there is, and the best bound over the multipliers is only the set-partitioning LP. Every
plan attaches the whole demand ``D``, so the subproblem may also ask that the ``p`` knapsacks'
loads (medians' own demand included) sum to exactly ``D``: that removes the integrality
property, and the bound can rise above the set-partitioning one (measured in
benchmarks/README.md).

The coupled subproblem is solved exactly in two dynamic programs:

1. **exact-load knapsacks**: ``best[j, c]``, the most profit median ``j`` gets from points
   weighing exactly ``c`` (every point it may take is offered, not only the profitable ones:
   a median may have to take a dear point to reach its share of the demand);
2. **the medians' loads**: with ``slack = p * capacity - D``, each open median leaves
   ``capacity - load`` of its capacity unused, and those must sum to ``slack``; a table over
   (medians opened, unused capacity so far) picks the ``p`` medians and their loads.

Only medians that could be in the optimum get exact tables: a median whose uncoupled value
(a bound on every load it can take) already lifts the bound above a coupled solution among
the cheapest medians cannot be part of the optimum.

The work is counted as table cells like the uncoupled knapsacks: items x medians x
capacity for the exact tables, medians x p x (slack + 1)^2 for the loads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from solvers.clusters.pmedian_problem import BoolArray, IntArray

FloatArray = npt.NDArray[np.float64]
# Free medians beyond the ones the uncoupled relaxation opens that get exact tables at once
# (more are added only when the first coupled solution cannot rule them out).
EXTRA = 6
# Loads of each median offered to the first choice, whose value then rules loads out.
FIRST_LOADS = 8
# Tolerance for floating point when ruling medians and loads out.
PRUNE_EPS = 1e-9


@dataclass(frozen=True)
class ExactTables:
    """``profit[r, c]``: the most profit row ``r``'s median gets from points weighing exactly
    ``c`` (-inf where no set weighs ``c``); ``better[i, r, c]``: point ``i`` raised it."""

    profit: FloatArray
    better: BoolArray


def exact_tables(gain: FloatArray, weight: IntArray, width: int) -> ExactTables:
    """Exact-load 0/1 knapsacks of several medians at once, one point at a time.

    ``gain[r, i]``: what point ``i`` brings to row ``r``'s median (-inf: it may not attach).
    """
    rows, n = gain.shape
    profit = np.full((rows, width), -np.inf)
    profit[:, 0] = 0.0
    better = np.zeros((n, rows, width), dtype=np.bool_)
    for i in range(n):
        w = int(weight[i])
        if w >= width or not np.isfinite(gain[:, i]).any():
            continue
        candidate = profit[:, : width - w] + gain[:, i][:, None]
        raised = candidate > profit[:, w:]
        better[i, :, w:] = raised
        profit[:, w:] = np.where(raised, candidate, profit[:, w:])
    return ExactTables(profit, better)


def taken_points(
    tables: ExactTables, rows: IntArray, loads: IntArray, weight: IntArray
) -> IntArray:
    """How often each point is taken by the knapsacks ``rows`` filled to ``loads``."""
    n = tables.better.shape[0]
    count = np.zeros(n, dtype=np.int64)
    load = loads.astype(np.int64).copy()
    for i in range(n - 1, -1, -1):
        took = tables.better[i, rows, load]
        count[i] += int(took.sum())
        load = load - weight[i] * took
    return count


@dataclass(frozen=True)
class Loads:
    """The medians the coupled subproblem opens and the capacity each leaves unused."""

    value: float  # sum of the medians' values at those loads (inf: no such choice)
    rows: IntArray
    unused: IntArray
    cells: int


def choose_loads(value: FloatArray, p: int, held: BoolArray) -> Loads:
    """The ``p`` rows (every ``held`` one among them) whose unused capacities sum to the
    slack, at least total value.

    ``value[r, u]``: row ``r``'s median with ``u`` of its capacity unused (``u`` in
    0..slack; inf where it cannot be or is ruled out): the work is the finite entries times
    the table of counts and unused capacity.
    """
    rows, width = value.shape
    slack = width - 1
    best = np.full((p + 1, width), np.inf)
    best[0, 0] = 0.0
    shift = np.arange(width)[:, None] - np.arange(width)[None, :]  # [s, u]: s - u
    fits = shift >= 0
    shift = np.clip(shift, 0, None)
    taken: list[tuple[int, int, IntArray]] = []  # row, least count it changed, chosen u
    cells = 0
    order = np.concatenate([np.flatnonzero(held), np.flatnonzero(~held)])
    for done, r in enumerate(order.tolist()):
        left = rows - done  # rows still to offer, this one included
        low, high = max(0, p - left), min(done, p - 1)  # counts worth extending
        usable = np.flatnonzero(np.isfinite(value[r]))  # only these loads are offered
        if low > high or len(usable) == 0:
            if held[r]:  # a held median that cannot be taken: no choice at all
                best[:] = np.inf
            taken.append((r, low, np.full((0, width), -1)))
            continue
        before = best[low : high + 1][:, shift[:, usable]]
        total = np.where(fits[None][:, :, usable], before, np.inf) + value[r, usable]
        pick = total.argmin(axis=2)
        candidate = np.take_along_axis(total, pick[..., None], axis=2)[..., 0]
        u = usable[pick]
        cells += total.size
        if held[r]:
            # A held median is in every choice: the counts it does not extend are dropped.
            best[: low + 1] = np.inf
            best[high + 2 :] = np.inf
            best[low + 1 : high + 2] = candidate
            chosen = np.where(np.isfinite(candidate), u, -1)
        else:
            raised = candidate < best[low + 1 : high + 2]
            best[low + 1 : high + 2] = np.where(raised, candidate, best[low + 1 : high + 2])
            chosen = np.where(raised, u, -1)
        taken.append((r, low, chosen))
    total_value = float(best[p, slack])
    if not np.isfinite(total_value):
        empty = np.zeros(0, dtype=np.int64)
        return Loads(np.inf, empty, empty, cells)
    # Walk back: the last row that set (count, unused) is the one the optimum took.
    count, unused = p, slack
    picked: list[tuple[int, int]] = []
    for r, low, chosen in reversed(taken):
        if count == 0:
            break
        k = count - 1 - low
        if 0 <= k < len(chosen) and chosen[k, unused] >= 0:
            u = int(chosen[k, unused])
            picked.append((r, u))
            count, unused = count - 1, unused - u
    picked.reverse()
    return Loads(
        total_value,
        np.array([r for r, _ in picked], dtype=np.int64),
        np.array([u for _, u in picked], dtype=np.int64),
        cells,
    )


@dataclass(frozen=True)
class Tied:
    """The coupled subproblem's optimum (without the multipliers' sum): its value, medians
    and how often each point is attached; ``cells``, ``steps``: the work it took."""

    value: float
    chosen: IntArray
    covered: IntArray
    cells: int
    steps: int


@dataclass(frozen=True)
class Knapsacks:
    """What the coupled subproblem reads of a problem: ``cost[j, i]`` (inf where ``i`` may not
    attach to ``j``), each median's own cost and each point's demand, the room each median has
    besides itself, ``p`` and the slack (``p * capacity`` less the total demand)."""

    cost: FloatArray
    self_cost: FloatArray
    weight: IntArray
    room: IntArray
    p: int
    slack: int


def tie(data: Knapsacks, lam: FloatArray, median_value: FloatArray, state: IntArray | None) -> Tied:
    """The coupled subproblem at ``lam``, exactly.

    ``median_value``: each median's uncoupled value (inf where it cannot open); ``state``:
    +1 for a median held open, -1 closed, 0 free (``solvers.clusters.branch``).
    """
    n = len(lam)
    status = np.zeros(n, dtype=np.int64) if state is None else state
    held = np.flatnonzero((status > 0) & np.isfinite(median_value))
    free = np.flatnonzero((status == 0) & np.isfinite(median_value))
    free = free[np.argsort(median_value[free], kind="stable")]
    wanted = data.p - len(held)
    if wanted < 0 or wanted > len(free):
        return Tied(np.inf, np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.int64), 0, 0)
    # A choice with a free median outside the uncoupled one is worth at least ``separate``
    # less the dearest free median chosen plus its own value.
    separate = float(median_value[held].sum() + median_value[free[:wanted]].sum())
    last = float(median_value[free[wanted - 1]]) if wanted > 0 else np.inf
    rows = np.concatenate([held, free[: wanted + EXTRA]])
    cells = steps = 0
    while True:
        tables = _tables(data, lam, rows)
        cells += tables.better.size
        steps += n
        value = _load_values(data, lam, rows, tables.profit)
        is_held = np.isin(rows, held)
        # Least value of the other medians of any choice with this row in it.
        separate_pick = np.isin(rows, free[:wanted]) | is_held
        rest = np.where(separate_pick, separate - median_value[rows], separate - last)
        loads = _pruned_choice(value, rest, data.p, is_held)
        cells += loads.cells
        steps += 2 * len(rows)
        # Free medians some choice at most as dear as this one could still use.
        if wanted == 0:
            break
        could = free[separate - last + median_value[free] <= loads.value + PRUNE_EPS]
        missing = np.setdiff1d(could, rows)
        if len(missing) == 0:
            break
        rows = np.concatenate([rows, missing])
    if not np.isfinite(loads.value):
        return Tied(np.inf, np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.int64), cells, steps)
    chosen = rows[loads.rows]
    covered = taken_points(tables, loads.rows, data.room[chosen] - loads.unused, data.weight)
    covered[chosen] += 1
    steps += n
    return Tied(loads.value, chosen, covered, cells, steps)


def _pruned_choice(value: FloatArray, rest: FloatArray, p: int, held: BoolArray) -> Loads:
    """``choose_loads`` on the loads that can be in its optimum.

    First only each row's ``FIRST_LOADS`` cheapest loads are offered: any choice found is a
    value ``upper`` the optimum is at most. Then a load whose value plus ``rest`` (the least
    the other rows of any choice with it are worth) exceeds ``upper`` cannot be in the
    optimum, and the rest are offered; with no first choice, every load is.
    """
    cut = np.sort(value, axis=1)[:, min(FIRST_LOADS, value.shape[1]) - 1]
    first = choose_loads(np.where(value <= cut[:, None], value, np.inf), p, held)
    upper = first.value
    if not np.isfinite(upper):
        exact = choose_loads(value, p, held)
    else:
        exact = choose_loads(
            np.where(value + rest[:, None] <= upper + PRUNE_EPS, value, np.inf), p, held
        )
    return replace(exact, cells=exact.cells + first.cells)


def _tables(data: Knapsacks, lam: FloatArray, rows: IntArray) -> ExactTables:
    gain = lam[None, :] - data.cost[rows]
    gain[np.arange(len(rows)), rows] = -np.inf  # a median is counted as itself, not an item
    width = int(data.room[rows].max(initial=0)) + 1
    return exact_tables(gain, data.weight, width)


def _load_values(
    data: Knapsacks, lam: FloatArray, rows: IntArray, profit: FloatArray
) -> FloatArray:
    """value[r, u]: row ``r``'s median with ``u`` of its capacity unused (inf: cannot be)."""
    unused = np.arange(data.slack + 1)
    load = data.room[rows][:, None] - unused[None, :]
    got = np.where(
        load >= 0, profit[np.arange(len(rows))[:, None], np.clip(load, 0, None)], -np.inf
    )
    return (data.self_cost[rows] - lam[rows])[:, None] - got
