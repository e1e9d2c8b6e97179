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
From that local optimum the search is iterated: a few medians of the best plan are swapped
at random (the seed's draws) and the descent runs again, the better plan kept. Flow bounds
and polished plans are remembered by their set of medians, so none is computed twice.

``exact_descent`` then takes the best plan's swaps again, least flow bound first, and
attaches each exactly (CP-SAT, every point free): a polished plan may lie 5-15 above the
best with the same medians, so the swap search can stop at a plan an exact swap improves
(gen100x10s4: 1,076 to the optimum 1,074, benchmarks/README.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solvers.clusters.assign import Attached, attach, transport
from solvers.clusters.moves import polish
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget

# Closed points tried in place of each open median: its nearest, and the relaxation's cheapest.
NEAREST = 12
CHEAPEST = 4
# Moves of a pass made into plans, least transportation bound first.
POLISHED = 8
# Once no swap helps: medians swapped at random for near points (a kick), then the descent
# again from there; the search ends after IDLE_KICKS kicks in a row that found nothing
# better (an easy instance's plan is then left to the tree to prove, not kicked for all the
# work: pmedcap07 took 14 s instead of 1.5 without the cap). 10 rather than 20 found the
# same plans on generated seeds 1, 3 and 4 and left the tree more (seed 1: bound 1,029
# against 1,028).
KICKED = 2
IDLE_KICKS = 10


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
    """Sets of medians already priced by the flow (its bound), and those already polished
    (the plan polishing gave, None if none)."""

    bound: dict[frozenset[int], float]
    polished: dict[frozenset[int], Attached | None]


def _moves(
    problem: PMedianProblem,
    current: Incumbent,
    budget: Budget,
    seen: _Priced,
    *,
    rank: IntArray,
    nearest: int,
) -> list[tuple[float, tuple[int, ...]]]:
    """Every swap whose flow bound beats ``current``, least bound first."""
    moves: list[tuple[float, tuple[int, ...]]] = []
    for a in current.medians:
        for b in _candidates(problem, current.medians, a, rank, nearest):
            medians = tuple(sorted([j for j in current.medians if j != a] + [b]))
            key = frozenset(medians)
            if key not in seen.bound:
                flow = transport(problem, list(medians), budget)
                seen.bound[key] = float("inf") if flow is None else flow.cost
            if seen.bound[key] < current.plan.cost:
                moves.append((seen.bound[key], medians))
            if budget.exhausted():
                return sorted(moves)
    return sorted(moves)


def _polished(
    problem: PMedianProblem, medians: tuple[int, ...], budget: Budget, seen: _Priced
) -> Attached | None:
    key = frozenset(medians)
    if key not in seen.polished:
        seen.polished[key] = polish(problem, list(medians), budget)
    return seen.polished[key]


def _descend(
    problem: PMedianProblem,
    start: Incumbent,
    budget: Budget,
    seen: _Priced,
    *,
    rank: IntArray,
    widen: bool,
) -> Incumbent:
    """The first improving swap, again and again; ``widen``: every closed point once stuck."""
    current = start
    nearest = NEAREST
    while not budget.exhausted():
        improved = False
        moves = _moves(problem, current, budget, seen, rank=rank, nearest=nearest)
        for _, medians in moves[:POLISHED]:
            if budget.exhausted():
                return current
            plan = _polished(problem, medians, budget, seen)
            if plan is not None and plan.cost < current.plan.cost:
                current, improved = incumbent_of(plan), True
                break
        if improved:
            nearest = NEAREST
        elif widen and nearest < problem.n:
            nearest = problem.n  # stuck among the near points: one pass over every point
        else:
            return current
    return current


def _kick(
    problem: PMedianProblem, best: Incumbent, rng: np.random.Generator, rank: IntArray
) -> tuple[int, ...]:
    """``best``'s medians with KICKED of them swapped for closed points near them, at random."""
    medians = list(best.medians)
    for a in rng.choice(medians, size=min(KICKED, len(medians)), replace=False).tolist():
        near = _candidates(problem, tuple(medians), int(a), rank, NEAREST)
        if near:
            medians[medians.index(int(a))] = int(rng.choice(near))
    return tuple(sorted(medians))


def swap_search(
    problem: PMedianProblem,
    start: Incumbent,
    budget: Budget,
    *,
    rank: IntArray,
    seed: int = 0,
) -> Incumbent:
    """Improve ``start`` by swapping medians until no swap helps, then kick and descend
    again from the best plan until kicks stop helping or ``budget`` is spent.

    ``rank``: points in the order the Lagrangian relaxation finds them cheapest to open;
    ``seed``: the kicks' random draws.
    """
    seen = _Priced({}, {})
    best = _descend(problem, start, budget, seen, rank=rank, widen=True)
    rng = np.random.default_rng(seed)
    idle = 0
    while idle < IDLE_KICKS and not budget.exhausted() and len(best.medians) >= 2:
        idle += 1
        plan = _polished(problem, _kick(problem, best, rng, rank), budget, seen)
        if plan is None:
            continue
        found = _descend(problem, incumbent_of(plan), budget, seen, rank=rank, widen=False)
        if found.plan.cost < best.plan.cost:
            best, idle = found, 0
    return best


# Exact descent (``exact_descent``): swaps of each pass attached exactly, least flow bound first.
EXACT_TRIES = 12


def exact_descent(
    problem: PMedianProblem,
    start: Incumbent,
    budget: Budget,
    *,
    rank: IntArray,
    seed: int = 0,
    tries: int = EXACT_TRIES,
) -> Incumbent:
    """Improve ``start`` by swaps whose plans are attached exactly (CP-SAT, every point free):
    of each pass's swaps, the ``tries`` with the least flow bound, first improvement taken.

    Polishing (``solvers.clusters.moves``) leaves plans some 5-15 above the exact assignment
    with the same medians on the generated instances, so a swap it judged worse may be better.
    """
    seen = _Priced({}, {})
    attached: set[frozenset[int]] = set()
    best = start
    while not budget.exhausted():
        moves = _moves(problem, best, budget, seen, rank=rank, nearest=NEAREST)
        improved = False
        tried = 0
        for bound, medians in moves:
            if tried >= tries or budget.exhausted():
                break
            key = frozenset(medians)
            if key in attached or math.ceil(bound - 1e-9) >= best.plan.cost:
                continue
            attached.add(key)
            tried += 1
            plan = attach(problem, list(medians), budget, seed, beat=best.plan.cost)
            if plan is not None and plan.cost < best.plan.cost:
                best, improved = Incumbent(medians, plan), True
                break
        if not improved:
            return best
    return best
