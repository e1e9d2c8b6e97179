"""One step of improving a plan of a very large round: free its teams inside windows of
schools, keep every other team fixed.

A national round is too large for one model, and cutting it into regions loses the pairs
between them (a third of them on the national benchmark cohort). Instead the plan is improved
window by window: a window's free part is every candidate pair with both schools in the window,
on projects whose whole team is inside it. Teams that reach outside stay as they are, and what
they use is taken off the window's reviewers and schools: days, SLE allowance, release,
give-and-take (``MatchingProblem.school_days_offset``) and the no-swap rule. Any plan of the
free part, put back beside the fixed teams, is then a plan of the whole round breaking no rule,
and the windows, sharing no school, are independent problems.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    WINDOW_MIN_PASS_SECONDS as MIN_PASS_SECONDS,
    WINDOW_PASS_SHARE as PASS_SHARE,
)
from solvers.engine.decompose import MAX_PART_PAIRS, restrict, school_labels, school_windows
from solvers.matching.encode import MatchingProblem
from solvers.matching.objective import objective_of

IntArray = npt.NDArray[np.int64]
log = logging.getLogger(__name__)


# solve(free part, its start plan, its share of the budget) -> a plan of the free part (its
# pair indices)
SolveFree = Callable[[MatchingProblem, IntArray, Budget], Sequence[int]]


@dataclass(frozen=True)
class OpenWindows:
    """A plan's free part on some windows, and the teams kept fixed around it."""

    problem: MatchingProblem  # the free part, with what the fixed teams use taken off
    pairs: IntArray  # the whole round's index of each of its pairs
    fixed: IntArray  # the whole round's pairs of the plan kept as they are
    start: IntArray  # the plan inside the windows, as the free part's pair indices

    def close(self, chosen: Sequence[int]) -> tuple[int, ...]:
        """The whole round's plan: the fixed teams and ``chosen`` (free-part pair indices)."""
        inside = self.pairs[np.asarray(chosen, dtype=np.int64)]
        return tuple(sorted(np.concatenate([self.fixed, inside]).tolist()))


def open_windows(problem: MatchingProblem, chosen: Sequence[int], window: IntArray) -> OpenWindows:
    """Free the plan ``chosen`` inside the windows (``window``: each school's, -1 for none)."""
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    inside = (window[giving] == window[hosting]) & (window[giving] >= 0)
    return open_free(problem, chosen, inside)


def open_free(
    problem: MatchingProblem, chosen: Sequence[int], free: npt.NDArray[np.bool_]
) -> OpenWindows:
    """Free the plan ``chosen`` on the pairs marked ``free`` (one flag per pair), keeping every
    other team fixed: a window of schools (``open_windows``) or a project's neighbourhood
    (``solvers.matching.neighbourhood``)."""
    plan = np.asarray(sorted(chosen), dtype=np.int64)
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    # A team with one member on a pair not freed stays whole as it is.
    held = np.zeros(len(problem.project_ids), dtype=np.bool_)
    held[problem.pair_project[plan[~free[plan]]]] = True
    free = free & ~held[problem.pair_project]
    fixed = plan[~free[plan]]
    days = problem.pair_days[fixed]
    n_schools = len(problem.school_ids)
    staff_days = np.bincount(
        problem.pair_staff[fixed], weights=days, minlength=len(problem.staff_ids)
    ).astype(np.int64)
    given = np.bincount(giving[fixed], weights=days, minlength=n_schools).astype(np.int64)
    received = np.bincount(hosting[fixed], weights=days, minlength=n_schools).astype(np.int64)
    if problem.no_direct_swap:
        # A fixed team from school a at host b rules out a free pair from b at a. The plan
        # itself has no such pair, so its free part stays a plan of the window.
        served = giving[fixed] * n_schools + hosting[fixed]
        free &= ~np.isin(hosting * n_schools + giving, served)
    offset = given - received
    if problem.school_days_offset is not None:
        offset = offset + problem.school_days_offset
    rest = replace(
        problem,
        staff_max_days=problem.staff_max_days - staff_days,
        sle_days_used=problem.sle_days_used + np.where(problem.staff_is_sle, staff_days, 0),
        school_release=problem.school_release - given,
        school_cover_days=(
            None if problem.school_cover_days is None else problem.school_cover_days - given
        ),
        school_days_offset=offset,
    )
    pairs = np.flatnonzero(free).astype(np.int64)
    part, _staff, _projects = restrict(rest, pairs)
    start = np.searchsorted(pairs, plan[free[plan]]).astype(np.int64)
    return OpenWindows(problem=part, pairs=pairs, fixed=fixed, start=start)


def windows_around_unstaffed(
    problem: MatchingProblem, chosen: Sequence[int], *, max_pairs: int
) -> IntArray:
    """A window centred on each project the plan leaves unstaffed that some team could staff:
    the schools nearest its host, as many as hold at most ``max_pairs`` pairs. Later windows
    take only schools no earlier one has, so the windows share no school.

    The regions and the turned windows cut a country along lines; a project near where lines
    of both cross has its reviewers split between windows every time, and only a window around
    it can move its reviewers' other teams to make room for it.
    """
    position = problem.school_position
    if position is None:
        raise ValueError("windows need school positions")
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    staffed = np.zeros(len(problem.project_ids), dtype=np.bool_)
    staffed[problem.pair_project[np.asarray(chosen, dtype=np.int64)]] = True
    label = np.full(len(problem.school_ids), -1, dtype=np.int64)
    for n, j in enumerate(np.flatnonzero(~staffed & _staffable(problem)).tolist()):
        host = int(problem.project_host[j])
        if label[host] >= 0:
            continue
        free = np.flatnonzero(label < 0)
        nearest = free[np.argsort(((position[free] - position[host]) ** 2).sum(axis=1))]
        label[nearest[: _most_schools(nearest, giving, hosting, max_pairs)]] = n
    return label


def _most_schools(nearest: IntArray, giving: IntArray, hosting: IntArray, max_pairs: int) -> int:
    """How many of the ``nearest`` schools, at most, hold at most ``max_pairs`` pairs inside."""
    taken = np.zeros(int(max(giving.max(), hosting.max(), nearest.max())) + 1, dtype=np.bool_)
    low, high = 1, len(nearest)
    while low < high:
        middle = (low + high + 1) // 2
        taken[:] = False
        taken[nearest[:middle]] = True
        fits = int((taken[giving] & taken[hosting]).sum()) <= max_pairs
        low, high = (middle, high) if fits else (low, middle - 1)
    return low


def _staffable(problem: MatchingProblem) -> npt.NDArray[np.bool_]:
    """Projects with enough distinct candidate reviewers, a lead and an SLE where needed."""
    n_projects = len(problem.project_ids)
    candidates = np.bincount(problem.pair_project, minlength=n_projects)
    leads = np.bincount(
        problem.pair_project, problem.staff_is_lead[problem.pair_staff], minlength=n_projects
    )
    sles = np.bincount(
        problem.pair_project, problem.staff_is_sle[problem.pair_staff], minlength=n_projects
    )
    return (
        (candidates >= problem.project_min)
        & ((leads > 0) | ~problem.project_needs_lead)
        & ((sles > 0) | ~problem.project_needs_sle)
    )


@dataclass(frozen=True)
class WindowSearch:
    chosen: tuple[int, ...]  # the best plan found (the whole round's pair indices)
    objective: int
    start_objective: int
    passes: int  # passes run, each over one set of windows
    improving_passes: int


def improve_by_windows(
    problem: MatchingProblem,
    start: Sequence[int],
    solve: SolveFree,
    *,
    parts: list[IntArray],
    budget: Budget,
    max_pairs: int | None = None,
) -> WindowSearch:
    """Improve the plan ``start`` pass by pass, taking in turn windows around the projects it
    leaves unstaffed, the regions (``parts``, the round's ``pair_parts``) and the turned
    windows of ``solvers.engine.decompose.school_windows``, until the time is spent or no kind
    improves.

    A pass keeps its plan only if the whole round's objective improves: inside a window the
    SLE-balance term is measured over the window's SLEs, not per region, so a window's own
    gain can, rarely, be none for the whole.
    """
    regions = school_labels(problem, parts)
    turned = school_windows(problem, turned=True, max_pairs=max_pairs)
    # Windows around unstaffed projects come first: they are few and small, and staffing a
    # project is worth more than any other term (on the national cohort, ten more projects
    # in 41 s where a pass over the regions took 190 s to gain less).
    kinds: list[tuple[str, Callable[[tuple[int, ...]], IntArray]]] = [
        (
            "around unstaffed",
            lambda plan: windows_around_unstaffed(
                problem, plan, max_pairs=(max_pairs or MAX_PART_PAIRS) // 2
            ),
        ),
        ("regions", lambda _plan: regions),
        ("turned", lambda _plan: turned),
    ]
    plan = tuple(sorted(start))
    best = start_objective = objective_of(problem, plan, parts)
    passes = improving = unimproved = 0
    while unimproved < len(kinds):
        if budget.exhausted(MIN_PASS_SECONDS):
            break
        kind, windows = kinds[passes % len(kinds)]
        opened = open_windows(problem, plan, windows(plan))
        share = budget.part(PASS_SHARE * budget.left)
        found = opened.close(solve(opened.problem, opened.start, share))
        budget.spend(share.used)
        value = objective_of(problem, found, parts)
        passes += 1
        log.info(
            "window pass %d (%s): objective %d -> %d, %d pairs free, %.1f of %.1f s of work",
            passes,
            kind,
            best,
            min(best, value),
            opened.problem.n_pairs,
            budget.used,
            budget.seconds,
        )
        if value < best:
            plan, best = found, value
            improving += 1
            unimproved = 0
        else:
            unimproved += 1
    return WindowSearch(plan, best, start_objective, passes, improving)
