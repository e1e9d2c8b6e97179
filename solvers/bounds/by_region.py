"""Duals for a national round's LP relaxation, found region by region.

The whole round's LP (``solvers.bounds.relaxation``) has 2 million pair columns and 200,000
rows; solved whole, by GLOP with column generation, it took four solves of about 50 s. Yet
nearly all of it falls into the regions the round is planned in: a project's rows hold only
its own pairs, a reviewer's rows the reviewer's, and a pair lies in one region unless it
crosses a border. Each region's LP, its own rows and columns only, is solved on its own
(with its own column generation: each project's cheapest pairs first, then the pairs its
duals price below zero), and the regions' duals, put side by side, are one dual vector of the
whole LP. Its Lagrangian value (``solvers.bounds.lp_dual.proven_bound``) is a bound whatever
the vector, so the pairs across borders, which no region's LP saw, can only lower it, by
their own negative reduced costs. On a national round the bound came within 0.5% of the
whole LP's optimum, from 50 regional LPs in 43 s in all (docs/model.md).

A region not reached within the time limit keeps zero duals, which still prove a bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from solvers.bounds.lp_dual import fitting, model_duals, sparse_model
from solvers.bounds.relaxation import FloatArray, LinearRelaxation

# A column left out enters its region's LP when its reduced cost is below minus this.
PRICE_TOLERANCE = 1e-6
# Column generation rounds per region: the regions of a national round settled in 3 to 8.
MAX_ROUNDS = 20


@dataclass(frozen=True)
class RegionalDuals:
    """One dual per row of the whole LP, and how far the regions got."""

    duals: FloatArray
    regions: int
    settled: int  # regions whose LP was solved with no column left out pricing below zero
    solves: int


def regional_duals(
    lp: LinearRelaxation,
    start: npt.NDArray[np.bool_],
    *,
    backend: str = "glop",
    time_limit: float = 60.0,
) -> RegionalDuals:
    """Duals of ``lp`` from each region's LP on its own, each region's columns starting from
    those in ``start`` (every column not a pair's must be among them: a region's LP needs its
    staffed, gap and share columns to be feasible).

    The regions take turns, one solve each per round, so when time runs out every region has
    duals from its starting columns at least: a region with none leaves each of its projects'
    staffed columns pricing at the whole unstaffed weight (on a busy machine, 21 of 51 regions
    settled proved 7.2 million where all 51 prove 27.0).
    """
    started = time.perf_counter()
    local = lp.row_region[lp.rows] == lp.column_region[lp.columns]
    matrix = sparse.csr_matrix(
        (lp.values[local], (lp.rows[local], lp.columns[local])), shape=(lp.n_rows, lp.n_columns)
    )
    duals = np.zeros(lp.n_rows)
    regions = np.unique(np.concatenate([lp.row_region, lp.column_region]))
    waiting = [_Region.of(lp, matrix, region, start) for region in regions.tolist()]
    waiting = [r for r in waiting if len(r.rows) and len(r.columns)]
    solves = 0
    settled = len(regions) - len(waiting)  # a region with no rows or no columns has no LP
    for _ in range(MAX_ROUNDS):
        still: list[_Region] = []
        for region in waiting:
            left = time_limit - (time.perf_counter() - started)
            if left <= 0:
                return RegionalDuals(duals, len(regions), settled, solves)
            solves += 1
            if region.solve(lp, duals, backend, left):
                settled += 1
            elif not region.failed:
                still.append(region)
        if not still:
            break
        waiting = still
    return RegionalDuals(duals, len(regions), settled, solves)


@dataclass
class _Region:
    """One region's LP: its rows, its columns, and those of them in its LP so far."""

    rows: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    block: sparse.csc_matrix  # the region's own entries, its rows by its columns
    kept: npt.NDArray[np.bool_]
    failed: bool = False

    @staticmethod
    def of(
        lp: LinearRelaxation, matrix: sparse.csr_matrix, region: int, start: npt.NDArray[np.bool_]
    ) -> _Region:
        rows = np.flatnonzero(lp.row_region == region)
        columns = np.flatnonzero(lp.column_region == region)
        block = matrix[rows][:, columns].tocsc()
        return _Region(rows, columns, block, start[columns].copy())

    def solve(self, lp: LinearRelaxation, duals: FloatArray, backend: str, seconds: float) -> bool:
        """Solve on the kept columns and write the duals into ``duals``; add the columns they
        price below zero. True when none does (the region's LP is solved)."""
        chosen = self.columns[self.kept]
        found, _objective, status = model_duals(
            sparse_model(
                lp.lower[chosen],
                lp.upper[chosen],
                lp.objective[chosen],
                (lp.row_lower[self.rows], lp.row_upper[self.rows]),
                self.block[:, self.kept].tocsr(),
            ),
            backend,
            seconds,
        )
        if found is None or len(found) != len(self.rows) or status != "OPTIMAL":
            self.failed = True  # its duals stay as they were: a weaker bound, not a wrong one
            return False
        duals[self.rows] = found
        priced = lp.objective[self.columns] - self.block.T @ fitting(lp, duals)[self.rows]
        entering = ~self.kept & (priced < -PRICE_TOLERANCE)
        self.kept |= entering
        return not entering.any()
