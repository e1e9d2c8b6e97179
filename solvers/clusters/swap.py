"""Local search over the open medians: close one, open another, re-attach every point.

A move swaps an open median ``a`` for a closed point ``b`` near it (its nearest closed
points, and the closed points the Lagrangian relaxation finds cheapest to open). The move is
priced first by the transportation problem (``solvers.clusters.assign.transport``), a lower
bound on every plan with those medians; only a move whose bound beats the best plan is
attached exactly (``attach``). The first improving move is taken, and the search starts again
from the new plan until no move improves or the work runs out. Sets of medians already priced
are not priced again, so the search ends on every problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solvers.clusters.assign import Attached, attach, transport
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget

# Closed points tried in place of each open median: its nearest, and the relaxation's cheapest.
NEAREST = 8
CHEAPEST = 4


@dataclass(frozen=True)
class Incumbent:
    """The best plan known, with its open medians."""

    medians: tuple[int, ...]
    plan: Attached


def _candidates(
    problem: PMedianProblem, medians: tuple[int, ...], a: int, rank: IntArray
) -> list[int]:
    closed = np.ones(problem.n, dtype=np.bool_)
    closed[list(medians)] = False
    near = [int(b) for b in np.argsort(problem.distance[a], kind="stable") if closed[b]][:NEAREST]
    cheap = [int(b) for b in rank if closed[b]][:CHEAPEST]
    return list(dict.fromkeys(near + cheap))


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
    """
    best = start
    seen = {frozenset(start.medians)}
    improved = True
    while improved and not budget.exhausted():
        improved = False
        for a in best.medians:
            for b in _candidates(problem, best.medians, a, rank):
                medians = tuple(sorted([j for j in best.medians if j != a] + [b]))
                if frozenset(medians) in seen:
                    continue
                seen.add(frozenset(medians))
                flow = transport(problem, list(medians), budget)
                if flow is None or flow.cost >= best.plan.cost:
                    continue
                plan = attach(problem, list(medians), budget, seed, beat=best.plan.cost)
                if plan is not None and plan.cost < best.plan.cost:
                    best, improved = Incumbent(medians, plan), True
                    break
                if budget.exhausted():
                    return best
            if improved:
                break
    return best
