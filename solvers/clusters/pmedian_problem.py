"""The data of a capacitated p-median problem, apart from any way of solving it.

``solvers.clusters.pmedian`` states it in CP-SAT; ``lagrange`` bounds it, ``assign`` attaches
points to given medians and ``swap`` searches medians: all read this one record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
# Tolerance for floating point in bounds compared with whole plan values.
EPS = 1e-6


@dataclass(frozen=True)
class PMedianProblem:
    """Index-level data of a capacitated p-median problem.

    Attributes
    ----------
    distance
        ``distance[i, j]``: what attaching point ``i`` to median ``j`` costs (n x n integers).
    demand
        Demand of each point; a median's attached demand includes its own.
    capacity
        Most demand one median serves.
    medians
        How many medians to open (``p``); None opens as few as the other rules allow.
    allowed
        ``allowed[i, j]``: point ``i`` may attach to median ``j``; None allows every pair.
    min_load
        Least demand an open median serves, its own included (0: no floor).
    leave_out_penalty
        None: every point is attached. Otherwise a point may stay unattached at this cost.
    names
        A name per point for the CP-SAT variables (ids), or None for numbers.
    """

    distance: IntArray
    demand: IntArray
    capacity: int
    medians: int | None
    allowed: BoolArray | None = None
    min_load: int = 0
    leave_out_penalty: int | None = None
    names: tuple[str, ...] | None = None

    @property
    def n(self) -> int:
        return len(self.demand)

    def name(self, i: int) -> str:
        return self.names[i] if self.names is not None else str(i)

    def arcs(self) -> list[tuple[int, int]]:
        """Every (point, median) pair that may be used, a point to itself included."""
        allowed = (
            np.ones((self.n, self.n), dtype=np.bool_) if self.allowed is None else self.allowed
        )
        allowed = allowed | np.eye(self.n, dtype=np.bool_)
        fits = self.demand[:, None] <= self.capacity
        rows, cols = np.nonzero(allowed & fits)
        return list(zip(rows.tolist(), cols.tolist(), strict=True))
