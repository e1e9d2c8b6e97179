"""A proven lower bound on the best partition: column generation on the set-partitioning LP.

Choose clusters so that every school is covered exactly once, except a given number ``L`` of
schools left out, at least total price. The LP over *all* clusters is a strong bound but has
too many columns to write down, so it is solved on a pool that grows: GLOP gives a price per
school, and ``solvers.clusters.pricing`` adds the clusters cheaper than their members' prices.

Fixing how many schools are left out (rather than pricing a left-out school at a large
penalty) keeps the prices in minutes, which keeps the pricing search small and makes the bound
speak about travel among plans that leave out as many schools. Any prices give a valid bound
(Lagrangian): a plan uses at most (m - L) / min_size clusters, so

    best plan >= sum of prices + (m - L) / min_size x min(0, most negative reduced cost)
                 - (sum of the L largest prices)

and when no cluster prices out the bound is the LP optimum itself. The pool is kept for the
CP-SAT master (``solvers.clusters.partition``), which picks the actual clusters from it.

Once no cluster prices out, the LP solution is searched for broken subset-row cuts on triples
of schools (``solvers.clusters.cuts``, valid for every partition); they join the LP as rows, the
pricing charges their duals, and column generation goes on. A cut's dual ``sigma <= 0`` enters
the bound above as ``+ sigma`` (at most one chosen cluster holds two of its schools), so the
bound stays proven for whatever prices the LP gives.

Each round's LP and pricing are counted as work by their size (``solvers.clusters.work``), not
timed, so the round that is last is the same on every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from solvers.clusters.component import Component
from solvers.clusters.cuts import CutPrices, separate
from solvers.clusters.master import Master
from solvers.clusters.pricing import MAX_PARTIALS, price_columns
from solvers.clusters.work import pricing_seconds
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    COLUMNS_ADDED_PER_SECOND,
    CUTS_PER_SCHOOL,
    SEPARATION_TRIPLES_PER_SECOND,
)

# Columns added per school and round of pricing: enough to converge in few rounds, few enough
# to keep each LP small.
COLUMNS_PER_ANCHOR = 10
# Stop once the bound is this close to the LP value (relative): the rest is tailing off.
CLOSE_ENOUGH = 1e-4
# Partial clusters per anchor in the early, inexact rounds: the first prices are poor and an
# exact search under them is slow, while any negative columns will do to improve them.
EARLY_PARTIALS = 300


@dataclass
class ColumnPool:
    """Clusters (local index tuples, sorted) and their integer costs, without duplicates."""

    members: list[tuple[int, ...]] = field(default_factory=list)
    cost: list[int] = field(default_factory=list)
    _index: dict[tuple[int, ...], int] = field(default_factory=dict)

    def add(self, cluster: tuple[int, ...], cost: int) -> bool:
        """Add a cluster; False if it is already in the pool."""
        key = tuple(sorted(cluster))
        if key in self._index:
            return False
        self._index[key] = len(self.members)
        self.members.append(key)
        self.cost.append(int(cost))
        return True

    def position(self, cluster: tuple[int, ...]) -> int:
        return self._index[tuple(sorted(cluster))]

    def __len__(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class LpBound:
    """What column generation proved: a lower bound, the LP value and the final prices."""

    bound: float  # valid lower bound on the best partition of the component
    lp_value: float  # LP value on the final pool (equals ``bound`` when converged)
    duals: np.ndarray
    converged: bool
    rounds: int
    seconds: float  # wall clock, for reports only
    # The prices of the LP's other rows (count row, subset-row cuts), which the pricing must
    # charge with ``duals`` (None: no such rows).
    cuts: CutPrices | None = None
    # The LP value before the count row and any cut, for reports.
    uncut_value: float | None = None


def lagrangian_bound(
    comp: Component,
    duals: np.ndarray,
    most_negative: float,
    left_out: int,
    cuts: CutPrices | None = None,
) -> float:
    """A valid lower bound from any prices, given the most negative reduced cost of any cluster
    (priced with ``cuts`` too, when given)."""
    clusters_at_most = (comp.size - left_out) // comp.problem.settings.min_size
    # The schools left out pay no price: at worst the dearest ones.
    dearest = np.sort(duals)[::-1][:left_out].sum() if left_out else 0.0
    rows = 0.0 if cuts is None else cuts.dual_part
    return float(duals.sum() - dearest + rows + clusters_at_most * min(0.0, most_negative))


def column_generation(
    comp: Component,
    pool: ColumnPool,
    *,
    left_out: int,
    budget: Budget,
    cut_rounds: int = 0,
) -> LpBound | None:
    """Grow ``pool`` (in place) until no cluster prices out, or until ``budget`` is spent.

    Parameters
    ----------
    comp
        The component.
    pool
        Starting clusters, including a partition that leaves out ``left_out`` schools; new
        columns are added to it.
    left_out
        How many schools the plans compared against leave out.
    budget
        Work for the rounds: each is charged by its size, and no new round starts once it is
        spent (or once the job's clock guard has passed, which marks the run not repeatable).
    cut_rounds
        Rounds of subset-row cuts after the LP is solved (``ColumnGeneration.run``).

    Returns
    -------
    LpBound or None
        None if the pool cannot leave out exactly ``left_out`` schools (no bound then).
    """
    generation = ColumnGeneration(comp, pool, left_out=left_out, budget=budget)
    return generation.run(budget, cut_rounds=cut_rounds)


class ColumnGeneration:
    """Column generation on one component that can be resumed: first solved without cuts for
    every component, then strengthened by cuts with the work the first pass left."""

    def __init__(self, comp: Component, pool: ColumnPool, *, left_out: int, budget: Budget):
        self.comp, self.pool, self.left_out = comp, pool, left_out
        self.master = Master(comp, left_out)
        for members, cost in zip(pool.members, pool.cost, strict=True):
            self.master.add(members, cost)
        budget.spend(len(pool) / COLUMNS_ADDED_PER_SECOND)
        self.best = 0.0  # prices are never negative, so no plan costs less than nothing
        self.rounds = self.cut_rounds = 0
        self.partials = EARLY_PARTIALS
        self.uncut: float | None = None
        self.last: LpBound | None = None
        self.seconds = 0.0
        self.stalled = False  # the exact pricing was cut short: no proof can follow

    def run(self, budget: Budget, *, cut_rounds: int) -> LpBound | None:
        """Price until the LP over every cluster is solved, then add cuts (up to ``cut_rounds``
        rounds in all, each priced to the end again), while ``budget`` lasts. May be called
        again to go on, with more rounds of cuts."""
        started = time.perf_counter()
        # Clusters added to the pool since the last run (the widening) join the LP first:
        # the master's columns are always the pool's first ones, in the pool's order.
        for members, cost in zip(
            self.pool.members[self.master.columns :],
            self.pool.cost[self.master.columns :],
            strict=True,
        ):
            self.master.add(members, cost)
        try:
            while not self.stalled:
                if self.last is not None and self._settled():
                    if self.uncut is None:
                        self.uncut = self.last.lp_value
                    if self.cut_rounds >= cut_rounds or budget.exhausted():
                        break
                    if not _add_cuts(self.master, budget):
                        break
                    self.cut_rounds += 1
                    # New rows move the prices little: cheap searches find the columns they
                    # call for, and one exact search at the end proves the bound again.
                    self.partials = EARLY_PARTIALS
                added = self._round(budget)
                if added is None:
                    return None
                if budget.exhausted():
                    break
                if not added and not self._settled():
                    if self.partials == MAX_PARTIALS:
                        self.stalled = True  # even the full search is cut short: no proof
                        break
                    self.partials = MAX_PARTIALS  # the cheap search ran dry: only exact now
        finally:
            self.seconds += time.perf_counter() - started
        return self.last

    def _settled(self) -> bool:
        """The LP over every cluster is solved, or its bound is within CLOSE_ENOUGH of it."""
        assert self.last is not None
        value = self.last.lp_value
        return self.last.converged or value - self.best <= CLOSE_ENOUGH * max(1.0, abs(value))

    def _round(self, budget: Budget) -> int | None:
        """One LP solve and pricing: the columns added (None: the pool cannot cover)."""
        solved = self.master.solve(budget)
        if solved is None:
            return None
        value, duals, cuts = solved
        priced = price_columns(
            self.comp,
            duals,
            threshold=-1e-6,
            per_anchor=COLUMNS_PER_ANCHOR,
            max_partials=self.partials,
            cuts=cuts,
        )
        budget.spend(pricing_seconds(priced))
        self.rounds += 1
        if priced.exact:
            bound = lagrangian_bound(self.comp, duals, priced.most_negative, self.left_out, cuts)
            self.best = max(self.best, bound)
        added = 0
        for members, cost in zip(priced.members, priced.cost, strict=True):
            if self.pool.add(members, cost):
                self.master.add(members, cost)
                added += 1
        budget.spend(added / COLUMNS_ADDED_PER_SECOND)
        converged = priced.exact and not added
        if converged:
            # The LP over every cluster, with these cuts, is solved: a proven bound.
            self.best = max(self.best, value)
        self.last = LpBound(
            bound=self.best,
            lp_value=value,
            duals=duals,
            converged=converged,
            rounds=self.rounds,
            seconds=self.seconds,
            cuts=cuts,
            uncut_value=value if self.uncut is None else self.uncut,
        )
        return added


def _add_cuts(master: Master, budget: Budget) -> bool:
    """Add the count row first (one row, the most it adds to the bound on the 2,000-school
    region), then the subset-row cuts the LP solution breaks most; False if it breaks none."""
    entries = master.entries
    if master.count is None:
        master.add_count_row()
        budget.spend(master.entries / COLUMNS_ADDED_PER_SECOND)
        return True
    found = separate(
        master.members,
        master.values(),
        known=set(master.triples),
        limit=max(1, round(CUTS_PER_SCHOOL * master.size)),
    )
    for triple in found.triples:
        master.add_cut(triple)
    budget.spend(
        found.examined / SEPARATION_TRIPLES_PER_SECOND
        + (master.entries - entries + master.columns) / COLUMNS_ADDED_PER_SECOND
    )
    return bool(found.triples)
