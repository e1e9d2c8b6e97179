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

Each round's LP and pricing are counted as work by their size (``solvers.clusters.work``), not
timed, so the round that is last is the same on every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import ortools.linear_solver.pywraplp as pywraplp

from solvers.clusters.component import Component
from solvers.clusters.pricing import MAX_PARTIALS, price_columns
from solvers.clusters.work import lp_seconds, pricing_seconds
from solvers.engine.budget import Budget
from solvers.engine.calibration import COLUMNS_ADDED_PER_SECOND

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


class _Master:
    """The restricted LP in GLOP: one row per school, one column per pooled cluster."""

    def __init__(self, comp: Component, left_out: int) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.rows = [self.solver.Constraint(1.0, 1.0, f"cover[{i}]") for i in range(comp.size)]
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        leaving = self.solver.Constraint(float(left_out), float(left_out), "left_out")
        for i, row in enumerate(self.rows):
            # No upper bounds: the rows imply them, and a bound would take part of the price.
            slack = self.solver.NumVar(0.0, self.solver.infinity(), f"left_out[{i}]")
            row.SetCoefficient(slack, 1.0)
            leaving.SetCoefficient(slack, 1.0)
        self.columns = 0

    def add(self, members: tuple[int, ...], cost: int) -> None:
        var = self.solver.NumVar(0.0, self.solver.infinity(), f"cluster[{self.columns}]")
        self.columns += 1
        for i in members:
            self.rows[i].SetCoefficient(var, 1.0)
        self.objective.SetCoefficient(var, float(cost))

    def solve(self, budget: Budget) -> tuple[float, np.ndarray] | None:
        """The LP value and the price of each school; None if the pool cannot cover them.

        ``budget`` is charged by the simplex iterations (a count GLOP repeats exactly)."""
        status = self.solver.Solve()
        budget.spend(lp_seconds(self.solver.iterations(), len(self.rows), self.columns))
        if status != pywraplp.Solver.OPTIMAL:
            return None
        duals = np.asarray([row.dual_value() for row in self.rows])
        return self.objective.Value(), duals


def lagrangian_bound(
    comp: Component, duals: np.ndarray, most_negative: float, left_out: int
) -> float:
    """A valid lower bound from any prices, given the most negative reduced cost of any cluster."""
    clusters_at_most = (comp.size - left_out) / comp.problem.settings.min_size
    # The schools left out pay no price: at worst the dearest ones.
    dearest = np.sort(duals)[::-1][:left_out].sum() if left_out else 0.0
    return float(duals.sum() - dearest + clusters_at_most * min(0.0, most_negative))


def column_generation(
    comp: Component, pool: ColumnPool, *, left_out: int, budget: Budget
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

    Returns
    -------
    LpBound or None
        None if the pool cannot leave out exactly ``left_out`` schools (no bound then).
    """
    started = time.perf_counter()
    master = _Master(comp, left_out)
    for members, cost in zip(pool.members, pool.cost, strict=True):
        master.add(members, cost)
    budget.spend(len(pool) / COLUMNS_ADDED_PER_SECOND)
    best = 0.0  # prices are never negative, so no plan costs less than nothing
    rounds = 0
    partials = EARLY_PARTIALS
    while True:
        solved = master.solve(budget)
        if solved is None:
            return None
        value, duals = solved
        priced = price_columns(
            comp,
            duals,
            threshold=-1e-6,
            per_anchor=COLUMNS_PER_ANCHOR,
            max_partials=partials,
        )
        budget.spend(pricing_seconds(priced))
        rounds += 1
        if priced.exact:
            best = max(best, lagrangian_bound(comp, duals, priced.most_negative, left_out))
        added = 0
        for members, cost in zip(priced.members, priced.cost, strict=True):
            if pool.add(members, cost):
                master.add(members, cost)
                added += 1
        budget.spend(added / COLUMNS_ADDED_PER_SECOND)
        converged = priced.exact and not added
        close = value - best <= CLOSE_ENOUGH * max(1.0, abs(value))
        if converged or close or budget.exhausted():
            break
        if not added:
            if partials == MAX_PARTIALS:
                break  # even the full search is cut short: no proof of convergence
            partials = MAX_PARTIALS  # the cheap search ran dry: only an exact one can go on
    return LpBound(
        bound=max(best, value) if converged else best,
        lp_value=value,
        duals=duals,
        converged=converged,
        rounds=rounds,
        seconds=time.perf_counter() - started,
    )
