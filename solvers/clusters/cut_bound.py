"""A stronger bound for the capacitated p-median: the set-partitioning LP with subset-row cuts.

The Lagrangian bound (``solvers.clusters.lagrange``) is the LP of set partitioning over
clusters (a median and the points it holds within capacity), and on the generated 100-point
instances that LP is 2-3% below the optimum: it takes halves of clusters that overlap. Of any
three points at most one cluster of a plan holds two or more, so

    sum of x[c] over clusters c holding at least two of {a, b, c}  <=  1

(the rank-3 subset-row cuts of ``solvers.clusters.cuts``) cuts those halves off. Measured at
the root with exact pricing, three rounds of cuts raise gen100x10s7 from 1,078 to 1,101 and
s4 from 1,051 to 1,067 (their optima 1,113 and 1,074; benchmarks/README.md), more than the
median tree gains in the whole limit.

Column generation: a GLOP master (a row per point, the count of p clusters, a row per cut)
priced by a knapsack per median. A cluster holding two of a cut's points pays the cut's dual,
which the knapsack's tables cannot see: where the best knapsack pays a cut, a branch and
bound over that median's points (``_penalised``) finds the best cluster with the cuts paid.

The bound is read at every round as a Lagrangian value, never as the LP's: with ``pi`` the
points' duals and ``sigma >= 0`` the cuts',

    L = sum(pi) - sum(sigma) + the p least m[j],
    m[j] = least over clusters of median j of (cost - pi over its points + the cuts it pays),

a lower bound for every plan at any duals (each plan has p clusters of distinct medians,
covers each point once and pays each cut at most once). Where a median's search is cut short
its knapsack without the cuts bounds m[j] from below, so the bound stays valid whether or not
the column generation converged. The work is counted: simplex iterations, table cells and
search nodes, so the same problem and limit give the same bound.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import ortools.linear_solver.pywraplp as pywraplp

from solvers.clusters.cuts import Triple, separate
from solvers.clusters.lagrange import EPS, FloatArray, Lagrangian
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    CUT_ENTRIES_PER_SECOND,
    CUT_LP_CELLS_PER_SECOND,
    CUT_LP_ENTRIES_PER_SECOND,
    CUT_SEARCH_NODES_PER_SECOND,
    LAGRANGE_CELLS_PER_SECOND,
    LAGRANGE_SECONDS_PER_STEP,
    SEPARATION_TRIPLES_PER_SECOND,
)

# Cuts added per round, the most broken first: enough to move the LP, few enough that the
# columns' prices can follow.
CUTS_PER_ROUND = 120
# Cutting stops once a round of cuts raised the LP by less than this.
LEAST_RISE = 0.25
# Points a median's search takes at most (its depth): beyond, its knapsack bounds it.
MOST_ITEMS = 400
# Nodes of one median's branch and bound before its knapsack without the cuts bounds it.
NODE_CAP = 100_000
# A node's tighter bound looks at every open item and its cuts: charged one node per this
# many of them.
TIGHTER_ITEMS_PER_NODE = 2
# Columns kept when the pool is cut back before a round of cuts (least reduced cost first):
# GLOP prices every column at every iteration.
KEEP_COLUMNS = 3000
# Weight of the best duals so far in the duals priced first (0: the LP's alone). Off: 0.5
# was mixed (the cut bound alone, gen100x10s7 at 15 s of work 1,095.7 -> 1,099.9, s8 at 10 s
# 992.5 -> 990.5; benchmarks/README.md).
SMOOTHING = 0.0
# Reduced costs below this price a column in.
NEGATIVE = -1e-6


@dataclass(frozen=True)
class CutBound:
    """The best bound found, and what it took."""

    bound: float
    rounds: int  # LP solves
    cuts: int
    columns: int
    used: float  # the work the bound took


@dataclass
class _Master:
    """The restricted LP in GLOP: a row per point, the count of clusters, a row per cut."""

    n: int
    p: int
    solver: pywraplp.Solver = field(init=False)
    members: list[tuple[int, ...]] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.cover = [self.solver.Constraint(1.0, 1.0) for _ in range(self.n)]
        self.count = self.solver.Constraint(float(self.p), float(self.p))
        self.cut_rows: list[pywraplp.Constraint] = []
        self.vars: list[pywraplp.Variable] = []
        self.medians: list[int] = []
        self.costs: list[float] = []
        self.known: set[tuple[int, ...]] = set()
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        self.entries = 0
        # Cuts and columns by the points they hold: a column's cut rows are those holding two
        # of its points, a cut's columns those holding two of its points.
        self.cuts_of: dict[int, list[int]] = {}
        self.columns_of: dict[int, list[int]] = {}

    def add(self, median: int, members: tuple[int, ...], cost: float) -> bool:
        """Pool the cluster (``members`` ascending, the median among them); False if pooled."""
        key = (median, *members)
        if key in self.known:
            return False
        self.known.add(key)
        var = self.solver.NumVar(0.0, self.solver.infinity(), "")
        self.objective.SetCoefficient(var, cost)
        for i in members:
            self.cover[i].SetCoefficient(var, 1.0)
        self.count.SetCoefficient(var, 1.0)
        held = _held_twice(members, self.cuts_of)
        for t in held:
            self.cut_rows[t].SetCoefficient(var, 1.0)
        for i in members:
            self.columns_of.setdefault(i, []).append(len(self.vars))
        self.vars.append(var)
        self.members.append(members)
        self.medians.append(median)
        self.costs.append(cost)
        self.entries += len(members) + 1 + len(held)
        return True

    def cut_back(self, keep: int) -> _Master:
        """A new master with the ``keep`` columns of least reduced cost and every cut."""
        reduced = np.asarray([var.reduced_cost() for var in self.vars])
        kept = np.sort(np.argsort(reduced, kind="stable")[:keep])
        fresh = _Master(self.n, self.p)
        for triple in self.triples:
            fresh.add_cut(triple)
        for c in kept.tolist():
            members = self.members[c]
            fresh.add(self.medians[c], members, self.costs[c])
        return fresh

    def add_cut(self, triple: Triple) -> None:
        row = self.solver.Constraint(-self.solver.infinity(), 1.0)
        for c in _held_twice(triple, self.columns_of):
            row.SetCoefficient(self.vars[c], 1.0)
            self.entries += 1
        for i in triple:
            self.cuts_of.setdefault(i, []).append(len(self.triples))
        self.triples.append(triple)
        self.cut_rows.append(row)

    def solve(self, budget: Budget) -> tuple[FloatArray, FloatArray, list[float]] | None:
        """The points' duals, the cuts' prices (-dual >= 0) and the columns' values."""
        status = self.solver.Solve()
        rows = self.n + 1 + len(self.cut_rows)
        budget.spend(
            self.solver.iterations() * rows / CUT_LP_CELLS_PER_SECOND
            + self.entries / CUT_LP_ENTRIES_PER_SECOND
        )
        if status != pywraplp.Solver.OPTIMAL:
            return None
        pi = np.asarray([row.dual_value() for row in self.cover])
        sigma = np.maximum(0.0, -np.asarray([row.dual_value() for row in self.cut_rows]))
        return pi, sigma, [var.solution_value() for var in self.vars]


def _held_twice(points: tuple[int, ...], index: dict[int, list[int]]) -> list[int]:
    """The entries of ``index`` listed under two or more of ``points``, ascending."""
    seen: dict[int, int] = {}
    for i in points:
        for k in index.get(i, ()):
            seen[k] = seen.get(k, 0) + 1
    return sorted(k for k, times in seen.items() if times >= 2)


def cut_bound(
    problem: PMedianProblem,
    start: list[tuple[int, tuple[int, ...]]],
    multipliers: FloatArray,
    budget: Budget,
    *,
    upper: float,
    until: Callable[[], float | None] | None = None,
) -> CutBound:
    """The best bound the cut LP proves within ``budget``, stopping early at ``upper``.

    ``start``: clusters (median, members) of a plan, so the master is feasible from the first
    round; ``multipliers``: the Lagrangian's best, whose knapsacks are pooled too. ``until``,
    read after each round, may give less work to stop at (a step beside it has ended): the
    bound is then the best of the rounds ended within that work, however far this one had
    run when it read it, so the result does not depend on when it is read.
    """
    if problem.medians is None:
        raise ValueError("the cut bound needs a fixed number of medians")
    pricing = _Pricing(problem)
    master = _Master(problem.n, problem.medians)
    for median, members in start:
        master.add(median, tuple(sorted(members)), pricing.cost_of(median, members))
    pricing.pool(master, multipliers, np.zeros(0), np.inf, budget)
    best, rounds, last_lp = -np.inf, 0, -np.inf
    center: Duals | None = None
    history: list[tuple[float, float]] = []  # (work used, best bound) after each round
    stop: float | None = None
    while not budget.exhausted():
        solved = master.solve(budget)
        if solved is None:
            break
        rounds += 1
        pi, sigma, values = solved
        best, center, added = _priced_round(
            pricing, master, (pi, sigma, master.count.dual_value()), best, center, budget
        )
        history.append((budget.used, best))
        stop = None if until is None else until()
        ended = stop is not None and budget.used >= stop
        if ended or np.ceil(best - EPS) >= upper or budget.exhausted():
            break
        if added:
            continue
        lp = float(master.objective.Value())
        if lp - last_lp < LEAST_RISE:
            break
        last_lp = lp
        found = separate(master.members, values, known=set(master.triples), limit=CUTS_PER_ROUND)
        if len(master.vars) > KEEP_COLUMNS:
            master = master.cut_back(KEEP_COLUMNS)
            budget.spend(master.entries / CUT_ENTRIES_PER_SECOND)
        entries = master.entries
        for triple in found.triples:
            master.add_cut(triple)
        budget.spend(
            found.examined / SEPARATION_TRIPLES_PER_SECOND
            + (master.entries - entries) / CUT_ENTRIES_PER_SECOND
        )
        if not found.triples:
            break
    shape = (rounds, len(master.triples), len(master.vars))
    if stop is None:
        return CutBound(best, *shape, budget.used)
    # The best of the rounds ended within ``stop``'s work, whenever it was read.
    within = max((value for used, value in history if used <= stop), default=-np.inf)
    return CutBound(within, *shape, min(stop, budget.used))


Duals = tuple[FloatArray, FloatArray, float]  # the points', the cuts' and the count row's


def _priced_round(
    pricing: _Pricing,
    master: _Master,
    duals: Duals,
    best: float,
    center: Duals | None,
    budget: Budget,
) -> tuple[float, Duals | None, bool]:
    """One round's columns: priced first between the best duals so far (``center``) and the
    LP's (Wentges, where ``SMOOTHING``), and at the LP's own where that prices nothing in.
    The best bound, the duals that gave it, and whether a column was added."""
    pi, sigma, mu = duals
    added = False
    if center is not None and SMOOTHING > 0:
        c_pi, c_sigma, c_mu = center
        c_sigma = np.concatenate([c_sigma, np.zeros(len(sigma) - len(c_sigma))])
        near = (
            SMOOTHING * c_pi + (1 - SMOOTHING) * pi,
            SMOOTHING * c_sigma + (1 - SMOOTHING) * sigma,
            SMOOTHING * c_mu + (1 - SMOOTHING) * mu,
        )
        value, added = pricing.pool(master, *near, budget)
        if value > best:
            best, center = value, near
    if not added:
        value, added = pricing.pool(master, pi, sigma, mu, budget)
        if value > best:
            best, center = value, duals
    return best, center, added


class _Pricing:
    """Each median's cheapest cluster at the duals, the cuts paid (``m[j]`` above)."""

    def __init__(self, problem: PMedianProblem) -> None:
        self.problem = problem
        self.p = int(problem.medians or 0)
        self.relax = Lagrangian(problem)
        self.rows: IntArray = np.flatnonzero(self.relax.room >= 0)

    def cost_of(self, median: int, members: tuple[int, ...] | list[int]) -> float:
        return float(self.problem.distance[list(members), median].sum())

    def pool(
        self, master: _Master, pi: FloatArray, sigma: FloatArray, mu: float, budget: Budget
    ) -> tuple[float, bool]:
        """Add each median's cluster of negative reduced cost (``m[j]`` below ``mu``, the
        count row's dual); the Lagrangian value at ``pi``, ``sigma``, and whether a column
        was added."""
        relax = self.relax
        cells, steps = relax.cells, relax.steps
        profit = np.maximum(0.0, pi[None, :] - relax.cost)
        np.fill_diagonal(profit, 0.0)
        gain, taken = relax.knapsack_sets(profit, self.rows)
        budget.spend(
            (relax.cells - cells) / LAGRANGE_CELLS_PER_SECOND
            + (relax.steps - steps) * LAGRANGE_SECONDS_PER_STEP
        )
        base = relax.self_cost[self.rows] - pi[self.rows]
        least = base - gain  # m[j] without the cuts: a lower bound
        sets: list[list[int] | None] = [np.flatnonzero(row).tolist() for row in taken]
        cuts = _CutIndex(master.triples, sigma)
        if cuts.active:
            priced = _Priced(profit, least.copy(), gain, base, sets, cuts)
            searched = self._penalised_all(priced, mu, budget)
            least, sets = searched
        value = float(pi.sum() - sigma.sum() + np.sort(least)[: self.p].sum())
        added = False
        entries = master.entries
        for r, j in enumerate(self.rows.tolist()):
            held = sets[r]
            if least[r] - mu >= NEGATIVE or held is None:
                continue
            members = tuple(sorted([j, *held]))
            added |= master.add(j, members, self.cost_of(j, members))
        budget.spend((master.entries - entries) / CUT_ENTRIES_PER_SECOND)
        return value, added

    def _penalised_all(
        self, priced: _Priced, mu: float, budget: Budget
    ) -> tuple[FloatArray, list[list[int] | None]]:
        """``least`` and ``sets`` with the cuts paid, searched where a knapsack pays one."""
        least, sets, cuts = priced.least, priced.sets, priced.cuts
        nodes = 0
        # Only the medians that could price a column in or be among the p least need m[j]
        # exactly; elsewhere the knapsack without the cuts bounds it.
        kth = float(np.partition(least, self.p - 1)[self.p - 1])
        for r, j in enumerate(self.rows.tolist()):
            if least[r] - mu >= NEGATIVE and least[r] > kth + EPS:
                continue
            if cuts.paid(j, sets[r] or []) > 0:
                nodes += self._search(r, priced)
        budget.spend(nodes / CUT_SEARCH_NODES_PER_SECOND)
        return least, sets

    def _search(self, r: int, priced: _Priced) -> int:
        """Median ``rows[r]``'s cluster with the cuts paid, into ``priced.least`` and
        ``priced.sets``; the search's nodes."""
        profit, least, gain, base = priced.profit, priced.least, priced.gain, priced.base
        sets, cuts = priced.sets, priced.cuts
        j = int(self.rows[r])
        weight = self.relax.weight
        known = sets[r] or []
        items = np.flatnonzero(profit[j] > 0)
        items = items[weight[items] <= self.relax.room[j]]
        position = {int(i): k for k, i in enumerate(items)}
        found = _penalised(
            profit[j, items].tolist(),
            weight[items].tolist(),
            int(self.relax.room[j]),
            [cuts.of_point.get(int(i), []) for i in items],
            cuts.start_counts(j),
            cuts.price,
            lower=gain[r] - cuts.paid(j, known),
            lower_set=[position[i] for i in known],
        )
        sets[r] = [int(items[k]) for k in found.chosen]
        # The cuts paid, m[j] exact; else the knapsack without them bounds it.
        least[r] = base[r] - (found.value if found.proven else gain[r])
        return found.nodes


@dataclass(frozen=True)
class _Priced:
    """One round's pricing: each median's profits, its ``m[j]`` so far (``least``, searched
    in place), its knapsack's profit and cluster, its own cost, and the cuts' prices."""

    profit: FloatArray
    least: FloatArray
    gain: FloatArray
    base: FloatArray
    sets: list[list[int] | None]
    cuts: _CutIndex


class _CutIndex:
    """The cuts with a price, by point."""

    def __init__(self, triples: list[Triple], sigma: FloatArray) -> None:
        self.price = sigma.tolist()
        self.triples = triples
        self.of_point: dict[int, list[int]] = {}
        self.active = False
        for t, triple in enumerate(triples):
            if self.price[t] <= EPS:
                continue
            self.active = True
            for i in triple:
                self.of_point.setdefault(i, []).append(t)

    def start_counts(self, median: int) -> dict[int, int]:
        return {t: 1 for t in self.of_point.get(median, [])}

    def paid(self, median: int, members: list[int]) -> float:
        held: dict[int, int] = self.start_counts(median)
        for i in members:
            for t in self.of_point.get(i, []):
                held[t] = held.get(t, 0) + 1
        return float(sum(self.price[t] for t, c in held.items() if c >= 2))


@dataclass(frozen=True)
class _Searched:
    value: float
    chosen: list[int]
    proven: bool
    nodes: int


def _penalised(  # noqa: C901 (the search's bounds share its state)
    profit: list[float],
    weight: list[int],
    room: int,
    cuts_of: list[list[int]],
    counts: dict[int, int],
    price: list[float],
    *,
    lower: float,
    lower_set: list[int],
) -> _Searched:
    """The most profitable items within ``room`` when each cut holding two or more of the
    chosen (``counts`` starts at the median's own) costs its ``price``: depth first, by
    profit per unit of weight, each node bounded by the fractional knapsack of the rest
    (the cuts only take profit away). ``lower`` / ``lower_set``: a known selection."""
    order = sorted(range(len(profit)), key=lambda k: (-profit[k] / weight[k], k))
    gains = [profit[k] for k in order]
    weights = [weight[k] for k in order]
    held_w = [0]
    held_p = [0.0]
    for g, w in zip(gains, weights, strict=True):
        held_w.append(held_w[-1] + w)
        held_p.append(held_p[-1] + g)
    size = len(order)
    best = [lower]
    best_set = [list(lower_set)]
    counts = dict(counts)
    chosen: list[int] = []
    nodes = 0

    def ceiling(k: int, left: int) -> float:
        # Items k.. in order until one does not fit, then that one split.
        stop = bisect.bisect_right(held_w, held_w[k] + left, lo=k) - 1
        total = held_p[stop] - held_p[k]
        if stop < size:
            total += (left - (held_w[stop] - held_w[k])) * gains[stop] / weights[stop]
        return total

    where: dict[int, list[int]] = {}
    for position, item in enumerate(order):
        for t in cuts_of[item]:
            where.setdefault(t, []).append(position)
    # What the tighter bound looks at from each position on: the items and their cuts.
    looked = [0] * (size + 1)
    for position in range(size - 1, -1, -1):
        looked[position] = looked[position + 1] + 1 + len(cuts_of[order[position]])

    def tighter(k: int, left: int) -> float:
        # The fractional knapsack again, each item's profit less the cuts it must pay: a cut
        # already holding one chosen point is paid by the first of its other points taken,
        # so each of those still open is charged its share (what the rest can pay at least).
        ranked = []
        for position in range(k, size):
            gain = gains[position]
            for t in cuts_of[order[position]]:
                if counts.get(t, 0) == 1:
                    at = where[t]
                    gain -= price[t] / (len(at) - bisect.bisect_left(at, k))
            if gain > 0:
                ranked.append((gain / weights[position], gain, weights[position]))
        ranked.sort(reverse=True)
        total = 0.0
        for ratio, gain, w in ranked:
            if w > left:
                return total + left * ratio
            total += gain
            left -= w
        return total

    def dive(k: int, left: int, value: float) -> None:
        nonlocal nodes
        nodes += 1 + looked[k] // TIGHTER_ITEMS_PER_NODE
        if value > best[0] + EPS:
            best[0] = value
            best_set[0] = [order[c] for c in chosen]
        if k == size or nodes > NODE_CAP or value + ceiling(k, left) <= best[0] + EPS:
            return
        if value + tighter(k, left) <= best[0] + EPS:
            return
        if weights[k] <= left:
            paid = 0.0
            for t in cuts_of[order[k]]:
                counts[t] = counts.get(t, 0) + 1
                if counts[t] == 2:
                    paid += price[t]
            chosen.append(k)
            dive(k + 1, left - weights[k], value + gains[k] - paid)
            chosen.pop()
            for t in cuts_of[order[k]]:
                counts[t] -= 1
        dive(k + 1, left, value)

    if size > MOST_ITEMS:  # deeper than Python's recursion allows: bounded, not searched
        return _Searched(lower, list(lower_set), False, 0)
    dive(0, room, 0.0)
    return _Searched(best[0], best_set[0], nodes <= NODE_CAP, nodes)
