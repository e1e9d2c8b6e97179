"""Local search over the open medians: close one, open another, re-attach every point.

A move swaps an open median ``a`` for a closed point ``b`` near it (its nearest closed
points, and the closed points the Lagrangian relaxation finds cheapest to open). Every move of
a pass is priced first by the transportation problem (``solvers.clusters.assign.transport``),
a lower bound on every plan with those medians; the few whose bound beats the best plan by the
most are then made into plans by ``solvers.clusters.moves.polish`` (flow rounded, points
shifted and exchanged under capacity, medians moved inside their clusters), and the first
that beats the best plan is taken. The search starts again from the new plan until no move
improves or the work runs out; when no near point helps, one pass tries every closed point
(a median may belong far away: measured on the generated instances, benchmarks/README.md).
Sets of medians already polished are not polished again, so the search ends on every
problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solvers.clusters.assign import Attached, transport
from solvers.clusters.moves import polish
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget

# Closed points tried in place of each open median: its nearest, and the relaxation's cheapest.
NEAREST = 12
CHEAPEST = 4
# Moves of a pass made into plans, least transportation bound first.
POLISHED = 8


@dataclass(frozen=True)
class Incumbent:
    """The best plan known, with its open medians."""

    medians: tuple[int, ...]
    plan: Attached


def incumbent_of(plan: Attached) -> Incumbent:
    """``plan`` with its medians (the points that serve themselves)."""
    of = np.asarray(plan.median_of, dtype=np.int64)
    return Incumbent(tuple(np.flatnonzero(of == np.arange(len(of))).tolist()), plan)


def _candidates(
    problem: PMedianProblem, medians: tuple[int, ...], a: int, rank: IntArray, nearest: int
) -> list[int]:
    closed = np.ones(problem.n, dtype=np.bool_)
    closed[list(medians)] = False
    if problem.allowed is not None:
        closed &= np.diag(problem.allowed)  # points that may not be medians
    near = [int(b) for b in np.argsort(problem.distance[a], kind="stable") if closed[b]][:nearest]
    cheap = [int(b) for b in rank if closed[b]][:CHEAPEST]
    return list(dict.fromkeys(near + cheap))


@dataclass
class _Priced:
    """Sets of medians already priced by the flow (its bound), and those already polished."""

    bound: dict[frozenset[int], float]
    polished: set[frozenset[int]]


def _moves(
    problem: PMedianProblem,
    best: Incumbent,
    budget: Budget,
    seen: _Priced,
    *,
    rank: IntArray,
    nearest: int,
) -> list[tuple[float, tuple[int, ...]]]:
    """Every swap not yet polished whose flow bound beats ``best``, least bound first."""
    moves: list[tuple[float, tuple[int, ...]]] = []
    for a in best.medians:
        for b in _candidates(problem, best.medians, a, rank, nearest):
            medians = tuple(sorted([j for j in best.medians if j != a] + [b]))
            key = frozenset(medians)
            if key in seen.polished:
                continue
            if key not in seen.bound:
                flow = transport(problem, list(medians), budget)
                seen.bound[key] = float("inf") if flow is None else flow.cost
            if seen.bound[key] < best.plan.cost:
                moves.append((seen.bound[key], medians))
            if budget.exhausted():
                return sorted(moves)
    return sorted(moves)


def swap_search(
    problem: PMedianProblem,
    start: Incumbent,
    budget: Budget,
    *,
    rank: IntArray,
    seed: int = 0,
) -> Incumbent:
    """Improve ``start`` by swapping medians until no swap helps (or ``budget`` is spent).

    ``rank``: points in the order the Lagrangian relaxation finds them cheapest to open.
    ``seed`` is kept for callers; the search itself draws nothing at random.
    """
    del seed
    best = start
    seen = _Priced({}, {frozenset(start.medians)})
    nearest = NEAREST
    while not budget.exhausted():
        improved = False
        moves = _moves(problem, best, budget, seen, rank=rank, nearest=nearest)
        for _, medians in moves[:POLISHED]:
            if budget.exhausted():
                return best
            seen.polished.add(frozenset(medians))
            plan = polish(problem, list(medians), budget)
            if plan is not None and plan.cost < best.plan.cost:
                best, improved = incumbent_of(plan), True
                seen.polished.add(frozenset(best.medians))
                break
        if improved:
            nearest = NEAREST
        elif nearest < problem.n:
            nearest = problem.n  # stuck among the near points: one pass over every point
        else:
            return best
    return best
