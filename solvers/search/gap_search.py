"""The search that improves a plan of generalized-assignment shape: one ejection-chain run,
or on larger problems path relinking between elite plans built from such runs.

``solvers.search.ejection`` holds the chain search, ``solvers.search.relink`` the relinking;
this module decides which runs and what it costs, so that neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Sequence

from solvers.engine.calibration import EJECTION_CELLS_PER_SECOND as CELLS_PER_SECOND
from solvers.matching.encode import MatchingProblem
from solvers.search import relink
from solvers.search.ejection import (
    Search,
    assignment_of,
    cost_of,
    dense_gap,
    floor_of,
    iteration_budget,
    pairs_of,
    relaxation,
    seed_of,
)


def improve(
    problem: MatchingProblem,
    cost: Sequence[float],
    chosen: Sequence[int],
    *,
    relinking: bool = True,
) -> tuple[int, ...]:
    """A plan of lower linear cost than ``chosen`` (a plan keeping every hard rule), found by
    the ejection-chain search; ``chosen`` itself when the problem is not a GAP or the search
    finds nothing better. Without ``relinking`` only the single search runs, even where
    ``relinks`` says relinking would."""
    gap = dense_gap(problem, cost)
    if gap is None:
        return tuple(chosen)
    incumbent = assignment_of(gap, chosen)
    if incumbent is None:
        return tuple(chosen)
    start, prices, bound = relaxation(gap)
    search = Search(gap, start, prices, seed_of(problem))
    if relinking and relink.applies(gap):
        found = relink.relink(search, incumbent, floor_of(gap, bound))
    else:
        found = search.run(iteration_budget(gap), cost_of(gap, incumbent), bound)
    return tuple(chosen) if found is None else pairs_of(gap, found)


def relinks(problem: MatchingProblem, cost: Sequence[float]) -> bool:
    """Whether ``improve`` relinks on this problem (``solvers.search.relink.applies``)."""
    gap = dense_gap(problem, cost)
    return gap is not None and relink.applies(gap)


def nominal_seconds(
    problem: MatchingProblem, cost: Sequence[float], *, relinking: bool = True
) -> float:
    """The most ``improve`` spends, in seconds of this machine, from its fixed budget (0 when
    the problem is not a GAP): a caller counting its time limit in work counts this too, so
    the search and the CP-SAT search after it share the limit rather than add up."""
    gap = dense_gap(problem, cost)
    if gap is None:
        return 0.0
    agents, jobs = gap.cost.shape
    cells = jobs * (jobs + agents)
    if relinking and relink.applies(gap):
        merges = len(relink.MERGE_SIZES) * relink.MERGE_WORK
        return relink.iteration_budget(gap) * cells / CELLS_PER_SECOND + merges
    return iteration_budget(gap) * cells / CELLS_PER_SECOND


