"""A proven lower bound on the best partition: column generation on the set-partitioning LP.

Minimise the cost of the chosen clusters, each school covered exactly once (or left out at a
large penalty). The LP over *all* clusters is a strong bound but has too many columns to write
down, so it is solved on a pool that grows: GLOP gives a price per school, and
``solvers.cluster_pricing`` adds the clusters that are cheaper than their members' prices.

Any prices give a valid bound (Lagrangian): every plan uses at most m / min_size clusters, so

    best plan >= sum of prices + (m / min_size) x min(0, most negative reduced cost)

and when no cluster prices out the bound is the LP optimum itself. The pool is kept for the
CP-SAT master (``solvers.partition``), which picks the actual clusters from it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp

from solvers.cluster_component import Component
from solvers.cluster_pricing import price_columns

# Columns added per school and round of pricing: enough to converge in few rounds, few enough
# to keep each LP small.
COLUMNS_PER_ANCHOR = 4
# Stop once the bound is this close to the LP value (relative): the rest is tailing off.
CLOSE_ENOUGH = 1e-4


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
    seconds: float


class _Master:
    """The restricted LP in GLOP: one row per school, one column per pooled cluster."""

    def __init__(self, comp: Component, leave_out: int) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.rows = [self.solver.Constraint(1.0, 1.0, f"cover[{i}]") for i in range(comp.size)]
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        for i, row in enumerate(self.rows):
            slack = self.solver.NumVar(0.0, 1.0, f"left_out[{i}]")
            row.SetCoefficient(slack, 1.0)
            self.objective.SetCoefficient(slack, float(leave_out))
        self.columns = 0

    def add(self, members: tuple[int, ...], cost: int) -> None:
        var = self.solver.NumVar(0.0, 1.0, f"cluster[{self.columns}]")
        self.columns += 1
        for i in members:
            self.rows[i].SetCoefficient(var, 1.0)
        self.objective.SetCoefficient(var, float(cost))

    def solve(self) -> tuple[float, np.ndarray]:
        status = self.solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"the clustering LP did not solve (GLOP status {status})")
        duals = np.asarray([row.dual_value() for row in self.rows])
        return self.objective.Value(), duals


def lagrangian_bound(
    comp: Component, duals: np.ndarray, most_negative: float, leave_out: int
) -> float:
    """A valid lower bound from any prices, given the most negative reduced cost of any cluster."""
    clusters_at_most = comp.size / comp.problem.settings.min_size
    slack = np.minimum(0.0, leave_out - duals).sum()  # leaving a school out is a column too
    return float(duals.sum() + clusters_at_most * min(0.0, most_negative) + slack)


def column_generation(
    comp: Component, pool: ColumnPool, *, leave_out: int, deadline: float
) -> LpBound:
    """Grow ``pool`` (in place) until no cluster prices out, or until ``deadline``.

    Parameters
    ----------
    comp
        The component.
    pool
        Starting clusters (at least a valid partition's); new columns are added to it.
    leave_out
        The objective's penalty for a school in no cluster.
    deadline
        ``time.perf_counter()`` value after which no new round starts.
    """
    started = time.perf_counter()
    master = _Master(comp, leave_out)
    for members, cost in zip(pool.members, pool.cost, strict=True):
        master.add(members, cost)
    best = -math.inf
    rounds = 0
    while True:
        value, duals = master.solve()
        priced = price_columns(comp, duals, threshold=-1e-6, per_anchor=COLUMNS_PER_ANCHOR)
        rounds += 1
        if priced.exact:
            best = max(best, lagrangian_bound(comp, duals, priced.most_negative, leave_out))
        added = 0
        for members, cost in zip(priced.members, priced.cost, strict=True):
            if pool.add(members, cost):
                master.add(members, cost)
                added += 1
        converged = priced.exact and not added
        close = value - best <= CLOSE_ENOUGH * max(1.0, abs(value))
        if converged or close or time.perf_counter() > deadline:
            break
    return LpBound(
        bound=max(best, value, 0.0) if converged else max(best, 0.0),
        lp_value=value,
        duals=duals,
        converged=converged,
        rounds=rounds,
        seconds=time.perf_counter() - started,
    )
