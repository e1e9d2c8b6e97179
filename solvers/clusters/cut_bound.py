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

Column generation: a HiGHS master (a row per point, the count of p clusters, a row per cut)
priced by a knapsack per median. A cluster holding two of a cut's points pays the cut's dual,
which the knapsack's tables cannot see: where the best knapsack pays a cut, a branch and
bound over that median's points (``solvers.clusters.penalised``) finds the best cluster with
the cuts paid.

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

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np

from solvers.clusters.cuts import Triple, separate
from solvers.clusters.lagrange import EPS, FloatArray, Lagrangian
from solvers.clusters.penalised import CutsByPoint, priced_cluster
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    CUT_ENTRIES_PER_SECOND,
    CUT_LP_CELLS_PER_SECOND,
    CUT_LP_SECONDS_PER_SOLVE,
    CUT_SEARCH_NODES_PER_SECOND,
    CUT_SEARCH_SECONDS_PER_CALL,
    LAGRANGE_CELLS_PER_SECOND,
    LAGRANGE_SECONDS_PER_STEP,
    SEPARATION_TRIPLES_PER_SECOND,
)

# Cuts added per round, the most broken first: enough to move the LP, few enough that the
# columns' prices can follow.
CUTS_PER_ROUND = 120
# Cutting stops once a round of cuts raised the LP by less than this.
LEAST_RISE = 0.25
# Columns kept when the pool is cut back before a round of cuts (least reduced cost first):
# the simplex prices every column at every iteration.
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
    # The duals that gave ``bound``: the points' and the cuts' on ``triples`` (None: no
    # round ended), for the median tree's relaxation (``Lagrangian(cuts=...)``).
    duals: FoundDuals | None = None


@dataclass(frozen=True)
class FoundDuals:
    """Multipliers of the points and prices of the cuts on ``triples`` (one each)."""

    points: FloatArray
    prices: FloatArray
    triples: list[Triple]


@dataclass
class _Master:
    """The restricted LP in HiGHS: a row per point, the count of clusters, a row per cut.

    HiGHS keeps its model and basis between solves: a round adds columns or cut rows and
    the simplex goes on from the last basis (GLOP, through OR-Tools' wrapper, loaded the
    whole model again at every solve, which took most of the cut bound's time)."""

    n: int
    p: int
    members: list[tuple[int, ...]] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.highs = _quiet_highs()
        rows = self.n + 1
        bounds = np.ones(rows)
        bounds[self.n] = float(self.p)
        self.highs.addRows(rows, bounds, bounds, 0, np.zeros(rows, np.int32), _NO_INT, _NO_FLOAT)
        self.medians: list[int] = []
        self.costs: list[float] = []
        self.known: set[tuple[int, ...]] = set()
        self.entries = 0
        self.value = 0.0
        # Cuts and columns by the points they hold: a column's cut rows are those holding two
        # of its points, a cut's columns those holding two of its points.
        self.cuts_of: dict[int, list[int]] = {}
        self.columns_of: dict[int, list[int]] = {}
        self._reduced = np.zeros(0)

    @property
    def columns(self) -> int:
        return len(self.members)

    def add(self, median: int, members: tuple[int, ...], cost: float) -> bool:
        """Pool the cluster (``members`` ascending, the median among them); False if pooled."""
        key = (median, *members)
        if key in self.known:
            return False
        self.known.add(key)
        held = _held_twice(members, self.cuts_of)
        rows = [*members, self.n, *(self.n + 1 + t for t in held)]
        self.highs.addCol(
            cost, 0.0, highspy.kHighsInf, len(rows), np.asarray(rows, np.int32), np.ones(len(rows))
        )
        for i in members:
            self.columns_of.setdefault(i, []).append(len(self.members))
        self.members.append(members)
        self.medians.append(median)
        self.costs.append(cost)
        self.entries += len(rows)
        return True

    def cut_back(self, keep: int) -> _Master:
        """A new master with the ``keep`` columns of least reduced cost and every cut."""
        kept = np.sort(np.argsort(self._reduced, kind="stable")[:keep])
        fresh = _Master(self.n, self.p)
        for triple in self.triples:
            fresh.add_cut(triple)
        for c in kept.tolist():
            fresh.add(self.medians[c], self.members[c], self.costs[c])
        return fresh

    def add_cut(self, triple: Triple) -> None:
        columns = _held_twice(triple, self.columns_of)
        self.highs.addRow(
            -highspy.kHighsInf,
            1.0,
            len(columns),
            np.asarray(columns, np.int32),
            np.ones(len(columns)),
        )
        self.entries += len(columns)
        for i in triple:
            self.cuts_of.setdefault(i, []).append(len(self.triples))
        self.triples.append(triple)

    def solve(self, budget: Budget) -> tuple[FloatArray, FloatArray, float, list[float]] | None:
        """The points' duals, the cuts' prices (-dual >= 0), the count row's dual and the
        columns' values."""
        self.highs.run()
        info = self.highs.getInfo()
        rows = self.n + 1 + len(self.triples)
        budget.spend(
            info.simplex_iteration_count * rows / CUT_LP_CELLS_PER_SECOND + CUT_LP_SECONDS_PER_SOLVE
        )
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = self.highs.getSolution()
        dual = np.asarray(solution.row_dual)
        self._reduced = np.asarray(solution.col_dual)
        self.value = float(info.objective_function_value)
        sigma = np.maximum(0.0, -dual[self.n + 1 :])
        return dual[: self.n], sigma, float(dual[self.n]), list(solution.col_value)


_NO_INT = np.zeros(0, np.int32)
_NO_FLOAT = np.zeros(0)


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance that writes nothing: its first one in a process prints a banner on
    the C library's standard output, which the command line's own output must not carry."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        _BANNER_SHOWN = True
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    else:
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    return highs


_BANNER_SHOWN = False


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
    # (work used, best bound, its duals) after each round
    history: list[tuple[float, float, Duals | None]] = []
    stop: float | None = None
    while not budget.exhausted():
        solved = master.solve(budget)
        if solved is None:
            break
        rounds += 1
        pi, sigma, mu, values = solved
        best, center, added = _priced_round(pricing, master, (pi, sigma, mu), best, center, budget)
        history.append((budget.used, best, center))
        stop = None if until is None else until()
        ended = stop is not None and budget.used >= stop
        if ended or np.ceil(best - EPS) >= upper or budget.exhausted():
            break
        if added:
            continue
        lp = master.value
        if lp - last_lp < LEAST_RISE:
            break
        last_lp = lp
        found = separate(master.members, values, known=set(master.triples), limit=CUTS_PER_ROUND)
        if master.columns > KEEP_COLUMNS:
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
    shape = (rounds, len(master.triples), master.columns)
    if stop is None:
        return CutBound(best, *shape, budget.used, _found(center, master.triples))
    # The best of the rounds ended within ``stop``'s work, whenever it was read (the bound
    # never falls, so the last of them).
    within = [(value, duals) for used, value, duals in history if used <= stop]
    value, duals = within[-1] if within else (-np.inf, None)
    return CutBound(value, *shape, min(stop, budget.used), _found(duals, master.triples))


def _found(center: Duals | None, triples: list[Triple]) -> FoundDuals | None:
    """``center`` as the tree reads it: cuts only ever join the master, so its prices are
    those of the first ``len(sigma)`` triples."""
    if center is None:
        return None
    pi, sigma, _ = center
    return FoundDuals(pi, sigma, triples[: len(sigma)])


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
        cuts = CutsByPoint(master.triples, sigma, master.n)
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
        nodes, searches = 0, 0
        # Only the medians that could price a column in or be among the p least need m[j]
        # exactly; elsewhere the knapsack without the cuts bounds it.
        kth = float(np.partition(least, self.p - 1)[self.p - 1])
        for r, j in enumerate(self.rows.tolist()):
            if least[r] - mu >= NEGATIVE and least[r] > kth + EPS:
                continue
            if cuts.paid(j, sets[r] or []) > 0:
                nodes += self._search(r, priced)
                searches += 1
        budget.spend(nodes / CUT_SEARCH_NODES_PER_SECOND + searches * CUT_SEARCH_SECONDS_PER_CALL)
        return least, sets

    def _search(self, r: int, priced: _Priced) -> int:
        """Median ``rows[r]``'s cluster with the cuts paid, into ``priced.least`` and
        ``priced.sets``; the search's nodes."""
        profit, least, gain, base = priced.profit, priced.least, priced.gain, priced.base
        sets, cuts = priced.sets, priced.cuts
        j = int(self.rows[r])
        found = priced_cluster(
            profit[j],
            self.relax.weight,
            int(self.relax.room[j]),
            j,
            cuts,
            sets[r] or [],
            float(gain[r]),
        )
        sets[r] = found.members
        # The cuts paid, m[j] exact; else the knapsack without them bounds it.
        least[r] = base[r] - (found.profit if found.proven else gain[r])
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
    cuts: CutsByPoint
