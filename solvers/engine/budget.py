"""A job's time limit counted in work, so that the same input and seed give the same plan.

Every choice that used to read the wall clock (how long a part may search, whether another
feedback round or window pass starts) reads CP-SAT's deterministic time instead: a count of
the work a search has done, the same on every run of the same model with the same seed and
limits, however loaded the machine. A user's ``--time-limit`` in seconds becomes work at
``WORK_PER_CORE_SECOND`` per core, and the wall clock stays on as a guard: every search also
stops at the job's deadline, ``CLOCK_GUARD`` times the limit. A run the guard cut short (a
machine far slower or busier than this rate assumes) may not repeat, and says so
(``Budget.repeatable``).

Amounts are kept in nominal seconds: work divided by the rate, so shares, floors and the
limits users give stay in the unit they know.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solvers.engine.calibration import (
    CLOCK_GUARD,
    CLOCK_MARGIN,
    WORK_PER_CORE_SECOND,
)


@dataclass
class _Guard:
    tripped: bool = False


class Budget:
    """Nominal seconds of work for a job or a part of it, and the wall-clock deadline guarding
    the whole job (shared by every part carved from it)."""

    def __init__(
        self, seconds: float, *, deadline: float | None = None, guard: _Guard | None = None
    ) -> None:
        self.seconds = max(0.0, float(seconds))
        self.used = 0.0
        if deadline is None:
            deadline = time.perf_counter() + CLOCK_GUARD * self.seconds
        self.deadline = deadline
        self._guard = _Guard() if guard is None else guard

    @property
    def left(self) -> float:
        """Nominal seconds not yet used."""
        return max(0.0, self.seconds - self.used)

    @property
    def repeatable(self) -> bool:
        """False once the wall clock, not the work, stopped a search or a loop of this job."""
        return not self._guard.tripped

    def part(self, seconds: float) -> Budget:
        """A share of ``seconds`` for one step, under the same deadline; what it uses is not
        taken from this budget until ``spend``."""
        return Budget(seconds, deadline=self.deadline, guard=self._guard)

    def last_step(self, seconds: float) -> Budget:
        """``seconds`` for a step after the job's own work (explanations): its deadline is at
        least the guard's multiple of that off, even when the job's has passed."""
        deadline = max(self.deadline, time.perf_counter() + CLOCK_GUARD * seconds)
        return Budget(seconds, deadline=deadline, guard=self._guard)

    def spend(self, seconds: float) -> None:
        self.used += max(0.0, seconds)

    def trip(self) -> None:
        """Mark the job as stopped by the clock: a part of it run elsewhere (another process,
        with a copy of this budget) was."""
        self._guard.tripped = True

    def exhausted(self, floor: float = 0.0) -> bool:
        """Less than ``floor`` seconds of work left, or the job's deadline passed (which marks
        the run as not repeatable)."""
        if self.left <= 0.0 or self.left < floor:
            return True
        if time.perf_counter() >= self.deadline:
            self._guard.tripped = True
            return True
        return False

    def limit(
        self,
        solver: cp_model.CpSolver,
        workers: int,
        seconds: float | None = None,
        rate: float = WORK_PER_CORE_SECOND,
    ) -> None:
        """Stop ``solver`` after ``seconds`` of work (default: all that is left) on ``workers``
        workers, or at the deadline, whichever comes first. ``rate``: the model's work per
        second per core, where it is known to differ from ``WORK_PER_CORE_SECOND``."""
        work = self.left if seconds is None else min(self.left, seconds)
        solver.parameters.max_deterministic_time = max(0.0, work) * rate * workers
        solver.parameters.max_time_in_seconds = max(0.05, self.deadline - time.perf_counter())

    def charge(
        self, solver: cp_model.CpSolver, workers: int, rate: float = WORK_PER_CORE_SECOND
    ) -> None:
        """Count the work ``solver`` did (after ``limit`` and a solve); note a clock stop."""
        self.spend(solver.deterministic_time / (rate * max(1, workers)))
        stopped_by_clock = solver.wall_time >= CLOCK_MARGIN * solver.parameters.max_time_in_seconds
        stopped_by_work = (
            solver.deterministic_time >= CLOCK_MARGIN * solver.parameters.max_deterministic_time
        )
        if stopped_by_clock and not stopped_by_work:
            self._guard.tripped = True
