"""Progress reports and a quality-gap stop rule for CP-SAT solves.

Both models put a large penalty on what they leave undone (projects unstaffed, visits
undated). CP-SAT's own relative gap divides by the whole objective, which that penalty
dominates, so a 1% limit there would stop at almost any plan. Here the absolute gap is divided
by the quality part alone: the objective without the penalty of the current plan.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solvers.engine.result import quality_gap


@dataclass(frozen=True)
class Progress:
    """One improving solution, for progress display; or, with NaN objective and bound, the
    start of a step (``phase`` names it: "matching, round 2", "explaining unstaffed")."""

    seconds: float
    objective: float
    bound: float
    fixed_penalty: float = 0.0
    phase: str = ""

    @property
    def has_plan(self) -> bool:
        return math.isfinite(self.objective) and math.isfinite(self.bound)

    @property
    def gap(self) -> float:
        """Relative gap on the quality terms (the unstaffed penalty taken off both sides)."""
        return quality_gap(self.objective, self.bound, self.fixed_penalty)


class GapWatch(cp_model.CpSolverSolutionCallback):
    """Stops the search once the quality gap is within the limit, and reports progress.

    ``flags`` are the done/undone literals (staffed, scheduled); each 0 costs
    ``penalty_per_item`` in the objective.
    """

    def __init__(
        self,
        solver: cp_model.CpSolver,
        flags: Sequence[cp_model.IntVar],
        penalty_per_item: int,
        gap_limit: float,
        report: Callable[[Progress], None] | None,
        incumbent: tuple[float, float] | None = None,
        bound: float | None = None,
    ) -> None:
        """``incumbent`` is a plan known before the search, as (objective, its penalty for
        undone items): the gap is measured against it until the search finds better.
        ``bound`` is one proven before the search (the search's own bounds may beat it)."""
        super().__init__()
        self._solver = solver
        self._flags = flags
        self._penalty = penalty_per_item
        self._gap_limit = gap_limit
        self._report = report
        self._started = time.perf_counter()
        self._objective: float | None = incumbent[0] if incumbent else None
        self._fixed = incumbent[1] if incumbent else 0.0
        self.bound: float | None = bound  # the best bound proven so far, solution or not
        solver.best_bound_callback = self._on_bound

    def on_solution_callback(self) -> None:
        # CP-SAT reports only plans better than its own last, so each one is progress.
        if self._objective is not None and self.objective_value >= self._objective:
            self._on_bound(self.best_objective_bound)
            return
        undone = sum(1 - self.value(s) for s in self._flags)
        self._fixed = float(self._penalty * undone)
        self._objective = self.objective_value
        self._on_bound(self.best_objective_bound)

    def _on_bound(self, bound: float) -> None:
        self.bound = bound if self.bound is None else max(self.bound, bound)
        self._check(self.bound)

    def _check(self, bound: float) -> None:
        if self._objective is None:
            return
        step = Progress(
            seconds=time.perf_counter() - self._started,
            objective=self._objective,
            bound=bound,
            fixed_penalty=self._fixed,
        )
        if self._report:
            self._report(step)
        if self._gap_limit > 0 and step.gap <= self._gap_limit:
            self._solver.stop_search()
