"""A Lagrangian bound for the capacitated p-median problem, and what it proves about arcs.

Relaxing "every point attached exactly once" with a multiplier ``lam[i]`` per point leaves one
0/1 knapsack per candidate median: median ``j`` takes the points whose reduced cost
``distance[i, j] - lam[i]`` is negative, as many as its capacity holds, and the relaxation
opens the ``p`` medians whose knapsacks are cheapest. Its value

    L(lam) = sum(lam) + sum of the p smallest v[j] (+ min(0, penalty - lam[i]) per point that
    may be left out),  v[j] = distance[j, j] - lam[j] - best knapsack profit of j

is a lower bound for every lam, and the best over lam equals the bound of the set-partitioning
(column generation) formulation, which is stronger than the LP of the compact model because
the knapsacks keep their integrality. The multipliers are improved by subgradient steps
(Polyak's step towards the best plan known, halved when the bound stalls).

``Lagrangian(problem, coupled=True)`` asks the p knapsacks' loads to sum to the total demand
as well (``solvers.clusters.coupled``): no longer the set-partitioning bound, but above it.
The fixings below always read the separate knapsacks (``Relaxed.separate``), a bound at any
multipliers, so they stay valid either way.

At the best multipliers the same knapsack tables bound any plan that opens median ``j`` or
attaches ``i`` to ``j`` (``reduced_arcs``): when that bound exceeds the best plan's value, no
plan at least as good uses the arc, and it can be left out of the CP-SAT model.

``Lagrangian(problem, screen=True)`` solves only the knapsacks that could be among the p
cheapest: each median's fractional knapsack bounds its value from below, and a median whose
bound lies above the p-th least value solved cannot be opened. Same bound and medians, some
20 of 72 knapsacks solved at a tree node of the generated 100-point instances, about half
the work of an evaluation (benchmarks/README.md); the other medians' values are then only
lower bounds (``Relaxed.exact``), which the median fixings may read but ``reduced_arcs``
may not.

``Lagrangian(problem, cuts=CutsByPoint(...))`` also prices subset-row cuts (of three points, at
most one cluster holds two) at fixed prices, as the cut bound (``solvers.clusters.cut_bound``)
ends with them: each opened median's cluster pays the cuts it holds two points of, found by
``solvers.clusters.penalised``, and the bound is less the prices' sum. Every plan pays each
cut at most once, so this is a bound at any multipliers and prices; the median tree beside
the cut bound reads it at each node.

The work is counted, never timed: knapsack table cells (items x medians x capacity) become
nominal seconds at ``LAGRANGE_CELLS_PER_SECOND``, with ``LAGRANGE_SECONDS_PER_STEP`` for
each item offered to the tables and walked back, so the same problem and limit give the same
iterations on any machine; the fractional knapsacks are counted as profits sorted
(``LAGRANGE_SORTED_PER_SECOND``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solvers.clusters.coupled import Knapsacks, tie
from solvers.clusters.penalised import CutsByPoint, priced_cluster
from solvers.clusters.pmedian_problem import EPS, BoolArray, FloatArray, IntArray, PMedianProblem
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    CUT_SEARCH_NODES_PER_SECOND,
    CUT_SEARCH_SECONDS_PER_CALL,
    LAGRANGE_CELLS_PER_SECOND,
    LAGRANGE_SCREEN_STEPS,
    LAGRANGE_SECONDS_PER_STEP,
    LAGRANGE_SORTED_PER_SECOND,
)

# Subgradient: the step's share of (best plan - bound), halved after STALL steps without a
# better bound; the search ends when the share falls below LEAST_STEP.
FIRST_STEP = 2.0
STALL = 20
LEAST_STEP = 2e-3
# Weight of the newest relaxation in the running share of each median's openings (``Dual``).
SHARE_WEIGHT = 0.3
# Screening (``Lagrangian(screen=True)``): free medians solved at once beyond the number the
# relaxation opens, cheapest by their fractional bound first.
SCREEN_EXTRA = 10
SCREEN_TOLERANCE = 1e-9


@dataclass(frozen=True)
class _Slots:
    """The knapsack items of each computed median, slot by slot, and where each raised its
    table: ``better[k, r, c]`` for slot ``k`` of median ``rows[r]`` at capacity ``c``."""

    rows: IntArray
    items: IntArray  # rows x slots: point offered in that slot (padding never fits)
    weight: IntArray  # rows x slots
    better: BoolArray  # slots x rows x (capacity + 1)


@dataclass(frozen=True)
class Relaxed:
    """The relaxation at one set of multipliers.

    ``value``, ``chosen`` and ``covered`` are the coupled subproblem's where the relaxation
    is coupled (``solvers.clusters.coupled``); ``separate`` and ``separate_chosen`` are always
    the knapsacks' own (each median filled alone), which ``median_value`` and ``table``
    describe, so the fixings that read those stay valid.
    """

    value: float
    multipliers: FloatArray
    median_value: FloatArray  # v[j]; +inf where j cannot be a median
    chosen: IntArray  # the p medians of the relaxation
    covered: IntArray  # how often each point is attached (median of itself included)
    left: BoolArray  # points the relaxation leaves out
    table: FloatArray  # table[j, c]: best knapsack profit of median j within capacity c
    separate: float
    separate_chosen: IntArray  # the p medians of the separate knapsacks, cheapest first
    # Medians whose knapsack was solved: elsewhere ``median_value`` is only a lower bound
    # (the fractional knapsack's) and ``table`` is not filled (``Lagrangian(screen=True)``).
    exact: BoolArray


def reduced_cost_matrix(problem: PMedianProblem) -> FloatArray:
    """distance[j, i] per (median j, point i), +inf where ``i`` may not attach to ``j``."""
    distance = problem.distance.T.astype(np.float64)
    if problem.allowed is not None:
        distance = np.where(problem.allowed.T, distance, np.inf)
    return distance


class Lagrangian:
    """The knapsacks of one problem, evaluated at any multipliers (``evaluate``).

    ``coupled``: the p knapsacks' loads must also sum to the total demand
    (``solvers.clusters.coupled``; ignored where points may be left out).
    """

    def __init__(
        self,
        problem: PMedianProblem,
        *,
        coupled: bool = False,
        screen: bool = False,
        cuts: CutsByPoint | None = None,
    ) -> None:
        if problem.medians is None:
            raise ValueError("the Lagrangian bound needs a fixed number of medians")
        self.problem = problem
        self.p = problem.medians
        self.cost = reduced_cost_matrix(problem)  # medians x points
        self.self_cost = np.diag(problem.distance).astype(np.float64)
        self.weight = problem.demand.astype(np.int64)
        self.room = problem.capacity - self.weight  # what a median holds besides itself
        self.unit = bool((self.weight == 1).all())
        slack = problem.medians * problem.capacity - int(self.weight.sum())
        self.knapsacks = (
            Knapsacks(self.cost, self.self_cost, self.weight, self.room, self.p, slack)
            if coupled and problem.leave_out_penalty is None and slack >= 0
            else None
        )
        # Screening solves only the knapsacks whose fractional bound could open them.
        self.screen = screen and self.knapsacks is None and not self.unit
        self.cells = 0  # knapsack table cells computed so far (the work)
        self.steps = 0  # items offered to the tables and walked back (numpy calls: the rest)
        self.sorted = 0  # profits sorted for the fractional knapsacks (medians x points)
        # Subset-row cuts at fixed prices (``CutsByPoint``): the opened medians' clusters pay
        # them, searched (``solvers.clusters.penalised``), and the bound is less their sum.
        self.cuts = cuts if cuts is not None and cuts.active and self.knapsacks is None else None
        self.cut_total = 0.0 if self.cuts is None else float(sum(self.cuts.price))
        # With cuts every opened median is searched and others take its place: all tabled at
        # once costs less than screening's tables median by median as they come in.
        self.screen = self.screen and self.cuts is None
        self.searches = 0  # clusters searched with the cuts paid
        self.search_nodes = 0  # and the searches' nodes

    @property
    def n(self) -> int:
        return self.problem.n

    def evaluate(self, lam: FloatArray, state: IntArray | None = None) -> Relaxed:
        """L(lam), its medians, and how often each point is attached.

        ``state`` (branching): +1 for a median held open, -1 for one held closed, 0 free;
        held-closed medians are neither opened nor given a knapsack table.
        """
        profit = np.maximum(0.0, lam[None, :] - self.cost)
        np.fill_diagonal(profit, 0.0)  # a median is counted as itself, not as an item
        usable = self.room >= 0
        if state is not None:
            usable &= state >= 0
        room = np.clip(self.room, 0, None)
        if self.screen:
            table, slots, median_value, exact = self._screened(profit, lam, usable, state)
        else:
            table, one = self._tables(profit, np.flatnonzero(usable))
            slots = [] if one is None else [one]
            best = table[np.arange(self.n), room]
            median_value = np.where(usable, self.self_cost - lam - best, np.inf)
            exact = usable
        chosen = self._choose(median_value, state)
        paid: dict[int, list[int]] = {}
        if self.cuts is not None:
            median_value, chosen, paid = self._pay_cuts(
                profit, lam, table, slots, median_value, exact, state
            )
        left = np.zeros(self.n, dtype=np.bool_)
        value = float(lam.sum() + median_value[chosen].sum())
        if self.cuts is not None:
            value -= self.cut_total
        if self.problem.leave_out_penalty is not None:
            slack = self.problem.leave_out_penalty - lam
            left = slack < 0
            value += float(slack[left].sum())
        covered = self._covered(profit, slots, chosen, paid)
        if self.knapsacks is None:
            return Relaxed(
                value, lam.copy(), median_value, chosen, covered, left, table, value, chosen, exact
            )
        tied = tie(self.knapsacks, lam, median_value, state)
        self.cells += tied.cells
        self.steps += tied.steps
        total = float(lam.sum() + tied.value)
        return Relaxed(
            max(total, value),
            lam.copy(),
            median_value,
            tied.chosen,
            tied.covered,
            left,
            table,
            value,
            chosen,
            exact,
        )

    def _screened(
        self, profit: FloatArray, lam: FloatArray, usable: BoolArray, state: IntArray | None
    ) -> tuple[FloatArray, list[_Slots], FloatArray, BoolArray]:
        """The knapsack tables of the medians the relaxation may open, and a lower bound on
        every other median's value.

        Each median's fractional knapsack (points by profit per unit of demand, the last one
        split) bounds its profit from above, so its value from below. The medians held open
        and the cheapest free ones by that bound are solved first; then every free median
        whose bound is below the ``wanted``-th least solved value: the others cannot lower
        the p cheapest, so the relaxation, its medians and its value are those of solving
        every knapsack (ties aside).
        """
        n = self.n
        rows = np.flatnonzero(usable)
        room = np.clip(self.room, 0, None)
        low = np.full(n, np.inf)
        ceiling = self._fractional(profit, rows, room) + SCREEN_TOLERANCE  # rounding
        low[rows] = self.self_cost[rows] - lam[rows] - ceiling
        held = np.zeros(n, dtype=np.bool_) if state is None else usable & (state > 0)
        free = usable & ~held
        wanted = max(0, self.p - int(held.sum()))
        order = np.flatnonzero(free)
        order = order[np.argsort(low[order], kind="stable")]
        first = np.sort(np.concatenate([np.flatnonzero(held), order[: wanted + SCREEN_EXTRA]]))
        table = np.zeros((n, self.problem.capacity + 1))
        exact = np.zeros(n, dtype=np.bool_)
        value = low.copy()
        slots: list[_Slots] = []
        batch = first
        while len(batch):
            part, found = self._dynamic_program(profit, batch)
            table[batch] = part[batch]
            slots.append(found)
            exact[batch] = True
            value[batch] = self.self_cost[batch] - lam[batch] - part[batch, room[batch]]
            solved = np.flatnonzero(free & exact)
            if wanted == 0 or len(solved) < wanted:
                break
            kth = float(np.partition(value[solved], wanted - 1)[wanted - 1])
            rest = np.flatnonzero(free & ~exact)
            batch = rest[low[rest] <= kth]  # the others lie strictly above: never chosen
        return table, slots, value, exact

    def _fractional(self, profit: FloatArray, rows: IntArray, room: IntArray) -> FloatArray:
        """The fractional knapsack's profit of each median ``rows`` at its room: an upper
        bound on its 0/1 knapsack's."""
        sub = profit[rows]
        weight = self.weight.astype(np.float64)
        ratio = sub / weight[None, :]
        order = np.argsort(-ratio, axis=1, kind="stable")
        gains = np.take_along_axis(sub, order, axis=1)
        weights = np.where(gains > 0, weight[order], 0.0)
        held = np.cumsum(weights, axis=1)
        whole = held <= room[rows][:, None]
        total = np.where(whole, gains, 0.0).sum(axis=1)
        # The first point that does not fit, split: the room left times its profit per unit.
        count = whole.sum(axis=1)
        nxt = np.minimum(count, self.n - 1)
        line = np.arange(len(rows))
        used = np.where(count > 0, held[line, np.maximum(count - 1, 0)], 0.0)
        split = np.take_along_axis(ratio, order, axis=1)[line, nxt]
        total += np.where(count < self.n, (room[rows] - used) * split, 0.0)
        self.sorted += len(rows) * self.n
        self.steps += LAGRANGE_SCREEN_STEPS
        return total

    def _choose(self, median_value: FloatArray, state: IntArray | None) -> IntArray:
        """The p medians: those held open, then the cheapest free ones."""
        if state is None:
            return np.argsort(median_value, kind="stable")[: self.p]
        held = np.flatnonzero(state > 0)
        free = np.flatnonzero(state == 0)
        cheapest = free[np.argsort(median_value[free], kind="stable")]
        return np.concatenate([held, cheapest[: max(0, self.p - len(held))]])

    def _tables(self, profit: FloatArray, rows: IntArray) -> tuple[FloatArray, _Slots | None]:
        if self.unit:
            # Unit demands: the knapsack takes the most profitable points, as many as fit.
            ordered = -np.sort(-profit[rows], axis=1)
            width = self.problem.capacity + 1
            sums = np.zeros((self.n, max(width, self.n + 1)))
            sums[rows, 1 : self.n + 1] = np.cumsum(ordered, axis=1)
            sums[:, self.n + 1 :] = sums[:, [self.n]]
            self.cells += len(rows) * self.n
            return sums[:, :width], None
        return self._dynamic_program(profit, rows)

    def _dynamic_program(self, profit: FloatArray, rows: IntArray) -> tuple[FloatArray, _Slots]:
        """0/1 knapsack tables of the medians ``rows`` at once, one slot at a time.

        Slot ``k`` offers each median its ``k``-th profitable point (only points with a
        positive profit can raise a table), so the medians advance together and the numpy
        calls number the most profitable points any median has, not the points: a few dozen
        once the multipliers settle. Padding slots weigh more than any capacity.
        """
        capacity = self.problem.capacity
        width = capacity + 1
        sub = profit[rows]
        positive = sub > 0
        slots = int(positive.sum(axis=1).max(initial=0))
        items = np.argsort(~positive, axis=1, kind="stable")[:, :slots]
        gain = np.take_along_axis(sub, items, axis=1)
        weight = np.where(gain > 0, self.weight[items], width)
        part = np.zeros((len(rows), width))
        better = np.zeros((slots, len(rows), width), dtype=np.bool_)
        columns = np.arange(width)
        line = np.arange(len(rows))[:, None]
        for k in range(slots):
            source = columns[None, :] - weight[:, k][:, None]
            candidate = part[line, np.clip(source, 0, None)] + gain[:, k][:, None]
            better[k] = (source >= 0) & (candidate > part)
            part = np.where(better[k], candidate, part)
        self.cells += slots * len(rows) * width
        self.steps += 2 * slots
        table = np.zeros((self.n, width))
        table[rows] = part
        return table, _Slots(rows, items, weight, better)

    def knapsack_sets(self, profit: FloatArray, rows: IntArray) -> tuple[FloatArray, BoolArray]:
        """Each median ``rows``' best knapsack at its room: the profit, and the points taken
        (``taken[r, i]``). ``profit`` is medians x points, as ``evaluate`` builds it."""
        room = np.clip(self.room[rows], 0, None)
        table, found = self._dynamic_program(profit, rows)
        best = table[rows, room]
        taken = np.zeros((len(rows), self.n), dtype=np.bool_)
        line = np.arange(len(rows))
        for k in range(found.better.shape[0] - 1, -1, -1):
            took = found.better[k, line, room]
            room = room - found.weight[line, k] * took
            taken[line[took], found.items[line[took], k]] = True
        self.steps += found.better.shape[0]
        return best, taken

    def _pay_cuts(
        self,
        profit: FloatArray,
        lam: FloatArray,
        table: FloatArray,
        slots: list[_Slots],
        median_value: FloatArray,
        exact: BoolArray,
        state: IntArray | None,
    ) -> tuple[FloatArray, IntArray, dict[int, list[int]]]:
        """Each opened median's value with the cuts its cluster pays, and the medians again
        until every one opened is priced so; the clusters searched. Every median not opened
        keeps its value without the cuts, a lower bound.
        """
        assert self.cuts is not None
        value = median_value.copy()
        paid: dict[int, list[int]] = {}
        priced: set[int] = set()
        room = np.clip(self.room, 0, None)
        sets = self._knapsack_sets(profit, slots)
        chosen = self._choose(value, state)
        while True:
            todo = [j for j in chosen.tolist() if j not in priced and exact[j]]
            if not todo:
                return value, chosen, paid
            for j in todo:
                priced.add(j)
                found = priced_cluster(
                    profit[j], self.weight, int(room[j]), j, self.cuts, sets[j], table[j, room[j]]
                )
                if found.nodes == 0:  # its knapsack pays no cut (or is too large to search)
                    continue
                self.searches += 1
                self.search_nodes += found.nodes
                if found.proven:
                    value[j] = self.self_cost[j] - lam[j] - found.profit
                    paid[j] = found.members
            chosen = self._choose(value, state)

    def _knapsack_sets(self, profit: FloatArray, slots: list[_Slots]) -> list[list[int]]:
        """The points of each median's best knapsack, from the tables (none where untabled)."""
        if not slots:  # unit demands: the most profitable points, as many as fit
            order = np.argsort(-profit, axis=1, kind="stable")
            fitted: list[list[int]] = []
            for j in range(self.n):
                best = order[j, : max(0, int(self.room[j]))]
                fitted.append(sorted(best[profit[j, best] > 0].tolist()))
            return fitted
        sets: list[list[int]] = [[] for _ in range(self.n)]
        for batch in slots:
            line = np.arange(len(batch.rows))
            room = np.clip(self.room[batch.rows], 0, None)
            for k in range(batch.better.shape[0] - 1, -1, -1):
                took = batch.better[k, line, room]
                room = room - batch.weight[line, k] * took
                for r in np.flatnonzero(took).tolist():
                    sets[int(batch.rows[r])].append(int(batch.items[r, k]))
            self.steps += batch.better.shape[0]
        return [sorted(members) for members in sets]

    def _covered(
        self,
        profit: FloatArray,
        slots: list[_Slots],
        chosen: IntArray,
        paid: dict[int, list[int]],
    ) -> IntArray:
        covered = np.zeros(self.n, dtype=np.int64)
        covered[chosen] += 1
        for j in chosen.tolist():
            if j in paid:
                covered[paid[j]] += 1
        chosen = np.asarray([j for j in chosen.tolist() if j not in paid], dtype=np.int64)
        if not slots:
            for j in chosen.tolist():
                order = np.argsort(-profit[j], kind="stable")[: max(0, int(self.room[j]))]
                covered[order[profit[j, order] > 0]] += 1
            return covered
        # Walk the tables back from each chosen median's room, in the batch that solved it.
        for batch in slots:
            mine = chosen[np.isin(chosen, batch.rows)]
            line = np.searchsorted(batch.rows, mine)
            room = np.clip(self.room[mine], 0, None)
            for k in range(batch.better.shape[0] - 1, -1, -1):
                took = batch.better[k, line, room]
                room = room - batch.weight[line, k] * took
                np.add.at(covered, batch.items[line[took], k], 1)
        return covered


@dataclass(frozen=True)
class Dual:
    """The best bound found, the relaxation there, and the iterations it took.

    ``opened``: how often the relaxation opened each median, recent steps weighing most (an
    estimate of the fractional openings the bound stands on; branching splits near 0.5).
    """

    bound: float
    best: Relaxed
    iterations: int
    opened: FloatArray


@dataclass(frozen=True)
class Pace:
    """How the subgradient steps: the first step's share, halving it after ``stall`` steps
    without a better bound, and at most ``most`` steps (None: until it stalls out)."""

    first_step: float = FIRST_STEP
    stall: int = STALL
    most: int | None = None


def nearest_multipliers(problem: PMedianProblem) -> FloatArray:
    """A start: each point's distance to its nearest other point it may attach to."""
    cost = reduced_cost_matrix(problem).T.copy()
    np.fill_diagonal(cost, np.inf)
    nearest = cost.min(axis=1)
    return np.where(np.isfinite(nearest), nearest, 0.0)


def subgradient(
    relax: Lagrangian,
    budget: Budget,
    *,
    upper: Callable[[], float],
    on_relaxed: Callable[[Relaxed, int], None] | None = None,
    start: FloatArray | None = None,
    state: IntArray | None = None,
    pace: Pace = Pace(),
) -> Dual:
    """Raise L(lam) by subgradient steps until it stalls, proves ``upper()`` or spends ``budget``.

    ``upper`` gives the best plan value known at each step (``on_relaxed`` may improve it: it
    sees every relaxation, with its iteration, to build plans from). ``state`` holds medians
    open or closed (``Lagrangian.evaluate``), for a node of ``solvers.clusters.branch``.
    """
    lam = nearest_multipliers(relax.problem) if start is None else start.copy()
    step, stall, iteration = pace.first_step, 0, 0
    best: Relaxed | None = None
    opened = np.zeros(relax.n)
    while True:
        cells, steps, ordered = relax.cells, relax.steps, relax.sorted
        searches, nodes = relax.searches, relax.search_nodes
        current = relax.evaluate(lam, state)
        budget.spend(
            (relax.cells - cells) / LAGRANGE_CELLS_PER_SECOND
            + (relax.steps - steps) * LAGRANGE_SECONDS_PER_STEP
            + (relax.sorted - ordered) / LAGRANGE_SORTED_PER_SECOND
            + (relax.search_nodes - nodes) / CUT_SEARCH_NODES_PER_SECOND
            + (relax.searches - searches) * CUT_SEARCH_SECONDS_PER_CALL
        )
        iteration += 1
        opened *= 1.0 - (SHARE_WEIGHT if iteration > 1 else 1.0)
        opened[current.chosen] += SHARE_WEIGHT if iteration > 1 else 1.0
        if on_relaxed is not None:
            on_relaxed(current, iteration)
        if best is None or current.value > best.value + EPS:
            best, stall = current, 0
        else:
            stall += 1
            if stall >= pace.stall:
                step, stall = step / 2, 0
        target = upper()
        if (
            step < LEAST_STEP
            or np.ceil(best.value - EPS) >= target
            or budget.exhausted()
            or iteration == pace.most
        ):
            return Dual(best.value, best, iteration, opened)
        direction = 1.0 - current.covered - current.left
        norm = float(direction @ direction)
        if norm == 0:  # the relaxation is a plan: it is optimal
            return Dual(best.value, best, iteration, opened)
        # Without a plan yet, aim a little above the bound.
        aim = target if np.isfinite(target) else 1.05 * abs(best.value) + 1.0
        lam = lam + step * max(aim - current.value, 1.0) / norm * direction
        if relax.problem.leave_out_penalty is None:
            continue
        # Beyond the penalty a multiplier only leaves the point out: no higher bound.
        lam = np.minimum(lam, relax.problem.leave_out_penalty + 1.0)


def reduced_arcs(relax: Lagrangian, at: Relaxed, upper: float) -> tuple[BoolArray, BoolArray]:
    """Arcs and medians no plan of value at most ``upper`` can use, proved at ``at``.

    Returns ``(allowed, may_open)``: ``allowed[i, j]`` False where attaching ``i`` to ``j``
    forces the bound above ``upper``, ``may_open[j]`` False where opening ``j`` does.
    ``at`` must have every knapsack solved (not screened).
    """
    if not at.exact[np.isfinite(at.median_value)].all():
        raise ValueError("reduced_arcs needs every knapsack solved: evaluate without screening")
    chosen = at.separate_chosen
    last = float(at.median_value[chosen[-1]])
    in_chosen = np.zeros(relax.n, dtype=np.bool_)
    in_chosen[chosen] = True
    # What the relaxation pays for median j now: its own value if open, else the last one's.
    replaced = np.where(in_chosen, at.median_value, last)
    may_open = at.separate - replaced + at.median_value <= upper + EPS
    # Forcing i into j's knapsack: its reduced cost, plus the best of j's table in the room
    # left (a table with i in it still bounds one without i from below).
    room = relax.room[:, None] - relax.weight[None, :]  # median j, point i
    profit_left = at.table[np.arange(relax.n)[:, None], np.clip(room, 0, None)]
    forced = (
        relax.self_cost[:, None]
        - at.multipliers[:, None]
        + relax.cost
        - at.multipliers[None, :]
        - profit_left
    )
    forced = np.where(room >= 0, forced, np.inf)
    keep = at.separate - replaced[:, None] + forced <= upper + EPS  # median j, point i
    keep &= may_open[:, None]
    allowed = keep.T.copy()
    np.fill_diagonal(allowed, may_open)
    return allowed, may_open
