"""Improving a plan whose medians are given: points moved and exchanged, medians moved inside
their clusters, always within capacity.

The transportation problem (``solvers.clusters.assign.transport``) bounds every plan with
given medians, but with demands of 1-20 and a capacity of 120 its flow splits up to one point
per median, and rounding those points alone leaves plans 2-4% above the best with the same
medians (measured on the generated 100-point instances, benchmarks/README.md), and placing
only the split points in CP-SAT (``assign.attach``, the flow's whole points kept) did no
better. CP-SAT with every point free is exact and quick on these (``assign.attach`` with a
value to beat), but costs some ten polishes, so it stays where a proof is needed (the
tree's leaves). Two cheap moves close most of the gap:

- **shift**: a point to another open median with room for it;
- **exchange**: two points of different medians trade places, when both medians keep within
  capacity (what a shift cannot do when every median is nearly full).

The best move of both kinds is taken, over all points at once in numpy, until none improves.
``relocate`` then moves each median to the member of its cluster nearest to the others: the
cluster's load is the same whoever leads it, so capacity holds (the classic alternation of
locating and allocating). ``polish`` runs flow, rounding, moves and relocation in turn.

Work is counted as the move cells evaluated and the rounds of moves
(``MOVE_CELLS_PER_SECOND``, ``MOVE_SECONDS_PER_ROUND``) plus the flows' arcs, never timed.
Points left out (problems with a leave-out penalty) stay left out.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from solvers.clusters.assign import Attached, plan_cost, round_flow, transport
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget
from solvers.engine.calibration import MOVE_CELLS_PER_SECOND, MOVE_SECONDS_PER_ROUND

# Most rounds of relocation and re-attachment in ``polish``; each must lower the plan's value,
# so the loop ends anyway; the cap only bounds the work on a large problem.
MOST_ROUNDS = 10
FloatMatrix = npt.NDArray[np.float64]


def _costs(problem: PMedianProblem) -> FloatMatrix:
    """distance as floats, +inf where an arc is not allowed."""
    distance = problem.distance.astype(np.float64)
    if problem.allowed is not None:
        distance = np.where(problem.allowed, distance, np.inf)
    return distance


def improve(problem: PMedianProblem, median_of: IntArray, budget: Budget) -> IntArray:
    """``median_of`` after the best shift or exchange, again and again, until none improves.

    The medians stay; every plan passed through keeps every median within capacity if the
    first one did.
    """
    of = median_of.copy()
    cost = _costs(problem)
    demand = problem.demand
    medians = np.unique(of[of >= 0])
    load = np.zeros(problem.n, dtype=np.int64)
    np.add.at(load, of[of >= 0], demand[of >= 0])
    movable = np.flatnonzero((of >= 0) & (of != np.arange(problem.n)))
    if len(medians) < 2 or len(movable) == 0:
        return of
    weight = demand[movable]
    while not budget.exhausted():
        at = of[movable]
        now = cost[movable, at]
        shift = cost[np.ix_(movable, medians)] - now[:, None]
        fits = load[medians][None, :] + weight[:, None] <= problem.capacity
        shift = np.where(fits, shift, np.inf)
        # exchange[a, b]: a goes to b's median and b to a's.
        exchange = cost[movable[:, None], at[None, :]] + cost[movable[None, :], at[:, None]]
        exchange -= now[:, None] + now[None, :]
        swing = weight[None, :] - weight[:, None]  # what a's median gains when a and b trade
        ok = (load[at][:, None] + swing <= problem.capacity) & (
            load[at][None, :] - swing <= problem.capacity
        )
        ok &= at[:, None] != at[None, :]
        exchange = np.where(ok, exchange, np.inf)
        budget.spend((shift.size + exchange.size) / MOVE_CELLS_PER_SECOND + MOVE_SECONDS_PER_ROUND)
        s = np.unravel_index(int(np.argmin(shift)), shift.shape)
        e = np.unravel_index(int(np.argmin(exchange)), exchange.shape)
        # Whole distances: a move that does not save at least 1 is no move (ties would cycle).
        if min(shift[s], exchange[e]) > -0.5:
            return of
        if shift[s] <= exchange[e]:
            i, j = int(movable[s[0]]), int(medians[s[1]])
            load[of[i]] -= demand[i]
            load[j] += demand[i]
            of[i] = j
        else:
            a, b = int(movable[e[0]]), int(movable[e[1]])
            load[of[a]] += demand[b] - demand[a]
            load[of[b]] += demand[a] - demand[b]
            of[a], of[b] = of[b], of[a]
    return of


def relocate(problem: PMedianProblem, median_of: IntArray, budget: Budget) -> IntArray:
    """Each cluster led by the member nearest in total to the others (the same load)."""
    of = median_of.copy()
    cost = _costs(problem)
    for median in np.unique(of[of >= 0]).tolist():
        members = np.flatnonzero(of == median)
        total = cost[np.ix_(members, members)].sum(axis=0)
        budget.spend(total.size * len(members) / MOVE_CELLS_PER_SECOND + MOVE_SECONDS_PER_ROUND)
        best = int(members[int(np.argmin(total))])
        if total.min() < cost[members, median].sum() - 0.5:
            of[members] = best
    return of


def polish(problem: PMedianProblem, medians: list[int], budget: Budget) -> Attached | None:
    """A good plan from ``medians``: the flow rounded, improved by moves, then medians moved
    inside their clusters and the points re-attached, while that lowers the value.

    None when the flow finds no plan with these medians. ``proven`` when the plan reaches the
    flow's bound for the medians it ends with.
    """
    best: Attached | None = None
    current = sorted(medians)
    for _ in range(MOST_ROUNDS):
        flow = transport(problem, current, budget)
        if flow is None:
            return best
        whole = flow.amounts == problem.demand[flow.points]
        fixed = dict(zip(flow.points[whole].tolist(), flow.medians[whole].tolist(), strict=True))
        rounded = round_flow(problem, current, flow, fixed)
        if rounded is None:
            return best
        of = improve(problem, np.asarray(rounded.median_of, dtype=np.int64), budget)
        value = plan_cost(problem, tuple(of.tolist()))
        if best is not None and value >= best.cost:
            return best
        best = Attached(value, tuple(of.tolist()), proven=value <= math.ceil(flow.cost - 1e-9))
        if best.proven or budget.exhausted():
            return best
        moved = improve(problem, relocate(problem, of, budget), budget)
        if plan_cost(problem, tuple(moved.tolist())) < best.cost:
            best = Attached(plan_cost(problem, tuple(moved.tolist())), tuple(moved.tolist()), False)
        following = sorted(set(moved[moved >= 0].tolist()))
        if following == current:
            return best
        current = following
    return best
