"""Greedy matching: what a coordinator does by hand, hardest project first (fewest candidates),
then the best nearby eligible reviewers that still have days and release left.

The product's fallback and the benchmark's first peer.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solvers.matching.capacity import Ledger
from solvers.matching.encode import MatchingProblem
from solvers.matching.objective import objective_of


@dataclass(frozen=True)
class BaselineResult:
    method: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float
    chosen: tuple[int, ...] = ()


def greedy(problem: MatchingProblem, keep: Sequence[int] = ()) -> BaselineResult:
    """Hardest project first; each takes its best still-available reviewers, as few as allowed.

    ``keep`` (pair indices of whole, valid teams) are placed first and their projects left as
    they are: the rest of the round is staffed around them (a plan repaired after a change).
    """
    started = time.perf_counter()
    ledger = Ledger(problem)
    by_project = problem.pairs_of_project()
    chosen: list[int] = []
    w = problem.weights

    def score(k: int) -> float:
        return (
            w.travel * int(problem.pair_travel[k])
            - w.expertise * int(problem.pair_fit[k])
            - w.preference * int(problem.pair_preference[k])
        )

    def available(k: int, team: list[int]) -> bool:
        # Team-mates already picked are booked for the check, as they will be: they share
        # their school's release with k.
        for m in team:
            ledger.book(m)
        fits = ledger.fits(k)
        for m in team:
            ledger.unbook(m)
        return fits

    def book(team: Sequence[int]) -> None:
        for k in team:
            ledger.book(k)
        chosen.extend(team)

    book(keep)
    kept = {int(problem.pair_project[k]) for k in keep}
    for j in sorted(range(len(problem.project_ids)), key=lambda j: (len(by_project[j]), j)):
        if j in kept:
            continue
        team = _pick_team(problem, j, sorted(by_project[j], key=score), available)
        if team is not None:
            book(team)
    picked = tuple(sorted(chosen))
    return BaselineResult(
        method="greedy",
        status="FEASIBLE",
        objective=objective_of(problem, picked),
        bound=None,
        seconds=time.perf_counter() - started,
        chosen=picked,
    )


def _pick_team(
    problem: MatchingProblem,
    j: int,
    ranked: list[int],
    available: Callable[[int, list[int]], bool],
) -> list[int] | None:
    """The best team of minimum size with a lead, an SLE and every area where needed, or None."""
    team: list[int] = []
    people: set[int] = set()

    def take(predicate: Callable[[int], bool]) -> bool:
        for k in ranked:
            s = int(problem.pair_staff[k])
            if s not in people and predicate(k) and available(k, team):
                team.append(k)
                people.add(s)
                return True
        return False

    if not take_required(problem, j, team, take):
        return None
    while len(team) < problem.project_min[j]:
        if not take(lambda k: True):
            return None
    return team if len(team) <= problem.project_max[j] else None


def take_required(
    problem: MatchingProblem,
    j: int,
    team: Sequence[int],
    take: Callable[[Callable[[int], bool]], bool],
) -> bool:
    """The members project j's rules require, each by ``take`` (which adds the first ranked
    pair meeting the predicate to ``team``) unless the team has them: a lead, an SLE, someone
    of the role it needs, someone for each area. False when one cannot be found."""

    def lead(k: int) -> bool:
        return bool(problem.staff_is_lead[problem.pair_staff[k]])

    def sle(k: int) -> bool:
        return bool(problem.staff_is_sle[problem.pair_staff[k]])

    if problem.project_needs_lead[j] and not any(map(lead, team)) and not take(lead):
        return False
    if problem.project_needs_sle[j] and not any(map(sle, team)) and not take(sle):
        return False
    if not problem.has_role(j, team) and not take(problem.pair_has_role):
        return False
    return cover_areas(problem, j, team, take)


def cover_areas(
    problem: MatchingProblem,
    j: int,
    team: Sequence[int],
    take: Callable[[Callable[[int], bool]], bool],
) -> bool:
    """Rule areas_covered: for each area of project j the team lacks, ``take`` (which adds the
    first ranked pair meeting the predicate to ``team``) the best reviewer who has it; False
    when an area finds nobody. Nothing to do for a project with one area."""
    if not problem.several_areas(j):
        return True
    for bit in problem.areas_missing(j, team):
        # A reviewer taken for an earlier area may have brought this one too.
        if bit not in problem.areas_missing(j, team):
            continue
        if not take(functools.partial(problem.pair_has_area, bit=bit)):
            return False
    return True
