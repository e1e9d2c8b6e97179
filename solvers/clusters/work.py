"""Forming clusters within a limit counted as work (``solvers.engine.budget``), not on the clock.

Every choice that used to read the clock while forming clusters (whether column generation
starts another round, each component's share, how long CP-SAT searches, whether a proof is
tried) now reads the work done, so the same input, seed, workers and limit give the same
clusters however busy the machine. Two kinds of work are counted:

- CP-SAT's deterministic time, at the rates measured below for the cluster and p-median
  models (``Budget.limit`` and ``Budget.charge``);
- the Python and numpy steps (starting partitions, the LP and pricing rounds of column
  generation, building models), by a count that depends only on the input: table cells the
  pricing computed, simplex iterations times rows, columns, pairs. Each count is converted to
  nominal seconds by a rate measured on an idle 2-core machine, so these steps keep to about
  their time, but which round is the last never depends on the clock.

A search on several workers is made repeatable the same way everywhere: one CP-SAT worker
per seed, side by side (``race``), the best plan winning. Interleaved multi-worker search, the
other repeatable way, aborts on the cover model without LNS ("Check failed:
heuristics.fixed_search") in this CP-SAT version, and one worker proves the small cover and
p-median models several times faster than two interleaved ones (measured: 0.3 s against 2.6 s
on pmedcap02, 0.1 s against 3 s for the fewest-left-out model of a 32-school component).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solvers.clusters.pricing import PricedColumns
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    COVER_WORK_PER_CORE_SECOND,
    LP_CELLS_PER_SECOND,
    LP_COLUMNS_PER_SECOND,
    PRICING_CELLS_PER_SECOND,
    PRICING_CUT_LOOKUPS_PER_SECOND,
    PRICING_SECONDS_PER_ANCHOR,
    PRICING_SECONDS_PER_COLUMN,
    STAFFING_CELLS_PER_SECOND,
)


def pricing_seconds(priced: PricedColumns) -> float:
    """Nominal seconds of one pricing search, from what it computed."""
    return (
        priced.cells / PRICING_CELLS_PER_SECOND
        + priced.staffing_cells / STAFFING_CELLS_PER_SECOND
        + priced.cut_lookups / PRICING_CUT_LOOKUPS_PER_SECOND
        + priced.anchors * PRICING_SECONDS_PER_ANCHOR
        + len(priced.members) * PRICING_SECONDS_PER_COLUMN
    )


def lp_seconds(iterations: int, rows: int, columns: int) -> float:
    """Nominal seconds of one solve of the restricted LP (GLOP, warm-started each round)."""
    return iterations * rows / LP_CELLS_PER_SECOND + columns / LP_COLUMNS_PER_SECOND


# A search by LNS stops once its plan is within this share of the objective's least value
# (the LP's bound, in the partition's cover models): the last few minutes of a component so
# near its bound are worth less than the work other components get instead (the 293-school
# component of the 2,000-school region, rounded from its LP within 2 of its bound, 3,614,
# used to search on for 19 nominal seconds).
LNS_GAP = 0.002


@dataclass(frozen=True)
class Searched:
    """The winning search of a race: its solver (values, objective) and status, and the best
    bound any racer proved (for minimisation; None without one)."""

    solver: cp_model.CpSolver
    status: cp_model.CpSolverStatus
    bound: float | None

    @property
    def found(self) -> bool:
        return self.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def race(
    model: cp_model.CpModel,
    budget: Budget,
    *,
    seed: int,
    workers: int,
    rate: float,
    configure: Callable[[cp_model.CpSolver], None],
    seconds: float | None = None,
    vary: Callable[[cp_model.CpSolver, int], None] | None = None,
) -> Searched:
    """Minimise ``model`` with ``workers`` single-worker searches side by side, seeds ``seed``,
    ``seed + 1``, ...; each stops after ``seconds`` of ``budget``'s work (default: all it has
    left), and the budget is charged their mean work (they run at once, one core each).

    Each search is repeatable on its own, and every one runs to its end (none is stopped when
    another finishes first, which would depend on the clock), so the winner is too: a proof
    first, then the lowest objective, then the lowest seed.

    ``vary(solver, k)`` sets racer ``k`` apart (another kind of search). Racers so varied
    are bound provers as much as plan finders, so the bound of one that ended without a
    plan counts too (CP-SAT's bound holds for every plan, found or not).
    """
    count = max(1, workers)
    models = [model] + [model.clone() for _ in range(count - 1)]
    solvers = []
    for k in range(count):
        solver = cp_model.CpSolver()
        configure(solver)
        solver.parameters.random_seed = int(seed) + k
        solver.parameters.num_workers = 1
        if vary is not None:
            vary(solver, k)
        solvers.append(solver)
    # Every racer's limit is set before any starts, so all get the same share of work.
    for solver in solvers:
        budget.limit(solver, 1, seconds, rate=rate)
    if count == 1:
        statuses = [solvers[0].solve(models[0])]
    else:
        # CP-SAT releases the interpreter lock while it searches: threads are enough.
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="race") as pool:
            statuses = list(pool.map(lambda k: solvers[k].solve(models[k]), range(count)))
    for solver in solvers:
        budget.charge(solver, count, rate=rate)

    def rank(k: int) -> tuple[int, float, int]:
        status = statuses[k]
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            return (0, 0.0, k)
        if status == cp_model.FEASIBLE:
            return (1, solvers[k].objective_value, k)
        return (2, 0.0, k)

    best = min(range(count), key=rank)
    counted = (cp_model.OPTIMAL, cp_model.FEASIBLE) + ((cp_model.UNKNOWN,) if vary else ())
    bounds = [solvers[k].best_objective_bound for k in range(count) if statuses[k] in counted]
    return Searched(solvers[best], statuses[best], max(bounds) if bounds else None)


def search_cover(
    model: cp_model.CpModel,
    budget: Budget,
    *,
    seed: int,
    workers: int,
    lns: bool = False,
    seconds: float | None = None,
) -> Searched:
    """CP-SAT on a cover model (a cluster or "left out" per school), one worker per seed
    (``race``), stopped by work: to a proof, or by ``lns`` until within LNS_GAP of the
    objective's least value."""

    def configure(solver: cp_model.CpSolver) -> None:
        # Set partitioning has a strong LP relaxation; let CP-SAT use all of it.
        solver.parameters.linearization_level = 2
        if lns:
            # On hundreds of schools, neighbourhood search finds good plans much sooner than
            # a tree search that tries to prove them (the bound comes from the LP anyway).
            # One worker runs LNS only when interleaved (otherwise it is ignored); with LNS
            # the interleaved search does not abort as it does on the plain cover model.
            solver.parameters.use_lns_only = True
            solver.parameters.interleave_search = True
            solver.parameters.relative_gap_limit = LNS_GAP

    return race(
        model,
        budget,
        seed=seed,
        workers=workers,
        rate=COVER_WORK_PER_CORE_SECOND,
        configure=configure,
        seconds=seconds,
    )
