"""The restricted master LP of column generation, in GLOP: clusters as columns; schools, the
count of clusters and subset-row cuts as rows (``solvers.clusters.lp`` drives it)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import ortools.linear_solver.pywraplp as pywraplp

from solvers.clusters.component import Component
from solvers.clusters.cuts import CutPrices, Triple
from solvers.clusters.work import lp_seconds
from solvers.engine.budget import Budget


class Master:
    """The restricted LP in GLOP: one row per school and per cut, one column per pooled
    cluster (in the pool's order)."""

    def __init__(self, comp: Component, left_out: int) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.rows = [self.solver.Constraint(1.0, 1.0, f"cover[{i}]") for i in range(comp.size)]
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        leaving = self.solver.Constraint(float(left_out), float(left_out), "left_out")
        clustered = comp.size - left_out
        settings = comp.problem.settings
        self.count_range = (-(-clustered // settings.max_size), clustered // settings.min_size)
        self.count: pywraplp.Constraint | None = None
        for i, row in enumerate(self.rows):
            # No upper bounds: the rows imply them, and a bound would take part of the price.
            slack = self.solver.NumVar(0.0, self.solver.infinity(), f"left_out[{i}]")
            row.SetCoefficient(slack, 1.0)
            leaving.SetCoefficient(slack, 1.0)
        self.size = comp.size
        self.vars: list[pywraplp.Variable] = []
        self.members: list[tuple[int, ...]] = []
        # Columns by the pairs of schools they hold, and cuts by theirs: a cut's row has the
        # columns holding one of its three pairs.
        self.by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.triples: list[Triple] = []
        self.cut_rows: list[pywraplp.Constraint] = []
        self.cuts_by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.entries = 0  # cut coefficients set, counted as work
        self.solution: list[float] = []

    @property
    def columns(self) -> int:
        return len(self.vars)

    def add(self, members: tuple[int, ...], cost: int) -> None:
        var = self.solver.NumVar(0.0, self.solver.infinity(), f"cluster[{self.columns}]")
        for i in members:
            self.rows[i].SetCoefficient(var, 1.0)
        self.objective.SetCoefficient(var, float(cost))
        if self.count is not None:
            self.count.SetCoefficient(var, 1.0)
        cuts: set[int] = set()
        for pair in _pairs(members):
            self.by_pair[pair].append(self.columns)
            cuts.update(self.cuts_by_pair.get(pair, ()))
        for k in sorted(cuts):
            self.cut_rows[k].SetCoefficient(var, 1.0)
        self.entries += len(cuts)
        self.vars.append(var)
        self.members.append(members)

    def add_count_row(self) -> None:
        """A whole number of clusters (``solvers.clusters.cuts``): the LP's thirds of triads may
        not stand in for the quad that a count of schools not divisible by three needs."""
        self.count = self.solver.Constraint(*map(float, self.count_range), "clusters")
        for var in self.vars:
            self.count.SetCoefficient(var, 1.0)
        self.entries += len(self.vars)

    def add_cut(self, triple: Triple) -> None:
        """At most one chosen cluster holds two or more of ``triple``'s schools."""
        k = len(self.triples)
        row = self.solver.Constraint(-self.solver.infinity(), 1.0, f"subset_row[{k}]")
        a, b, c = triple
        holding: set[int] = set()
        for pair in ((a, b), (a, c), (b, c)):
            self.cuts_by_pair[pair].append(k)
            holding.update(self.by_pair.get(pair, ()))
        for column in sorted(holding):
            row.SetCoefficient(self.vars[column], 1.0)
        self.entries += len(holding)
        self.triples.append(triple)
        self.cut_rows.append(row)

    def values(self) -> list[float]:
        """The last LP solution, per pooled cluster (0 for those added since)."""
        return self.solution + [0.0] * (self.columns - len(self.solution))

    def solve(self, budget: Budget) -> tuple[float, np.ndarray, CutPrices] | None:
        """The LP value, the price of each school and the cuts' prices; None if the pool
        cannot cover the schools.

        ``budget`` is charged by the simplex iterations (a count GLOP repeats exactly)."""
        status = self.solver.Solve()
        rows = len(self.rows) + len(self.cut_rows)
        budget.spend(lp_seconds(self.solver.iterations(), rows, self.columns))
        if status != pywraplp.Solver.OPTIMAL:
            return None
        duals = np.asarray([row.dual_value() for row in self.rows])
        self.solution = [var.solution_value() for var in self.vars]
        sigma = np.asarray([row.dual_value() for row in self.cut_rows])
        cuts = CutPrices.build(
            self.size,
            self.triples,
            sigma,
            count_dual=0.0 if self.count is None else self.count.dual_value(),
            count_range=self.count_range,
        )
        return self.objective.Value(), duals, cuts


def _pairs(members: tuple[int, ...]) -> list[tuple[int, int]]:
    ordered = sorted(members)
    return [(a, b) for p, a in enumerate(ordered) for b in ordered[p + 1 :]]
