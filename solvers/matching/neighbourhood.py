"""A change re-solved in a project's neighbourhood, every other team kept as it is.

On a region a project's independent part holds up to 19,000 pairs, and re-solving it for one
question takes seconds. The teams a change can move in a few steps are far fewer: the
projects its reviewers serve, the other candidates of those projects, the projects *they*
serve, and so on. ``ring`` frees those projects, rings outward from the change, until a
bound on their pairs; ``open_free`` (``solvers.search.windows``) keeps every other team fixed
and takes what it uses off the reviewers and schools, so any plan of the neighbourhood, put
back, is a plan of the whole round that breaks no rule.

What it proves is less than a whole part's re-solve: a plan found here is a plan with the
change, so its cost is an upper bound on the least cost of the change (``WhatIf.scope`` is
``"neighbourhood"``), and "no plan found" says nothing about the round.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    EXACT_PART_PAIRS,
    NEIGHBOURHOOD_MAX_PAIRS,
    SUGGESTION_NEIGHBOURHOOD_PAIRS,
)
from solvers.engine.decompose import IntArray, own_schools
from solvers.engine.options import SolveOptions
from solvers.matching.encode import MatchingProblem
from solvers.matching.model import build_model
from solvers.matching.objective import objective_change
from solvers.matching.strategy import solver_for
from solvers.matching.whatif import Change, WhatIf, part_of, what_if
from solvers.search.windows import open_free

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Reach:
    """How much of the round a re-solve frees: the change's whole part when it has at most
    ``exact_pairs`` pairs, else a neighbourhood of at most ``max_pairs``."""

    exact_pairs: int = EXACT_PART_PAIRS
    max_pairs: int = NEIGHBOURHOOD_MAX_PAIRS


# A pair's question: parts of up to 5,000 pairs whole, else 1,500 pairs around the pair.
PAIR_REACH = Reach()
# Suggestions for every unstaffed project of a region are hundreds of re-solves: each frees
# less, and a part no larger than that is re-solved whole (exact at the same price).
SUGGESTION_REACH = Reach(SUGGESTION_NEIGHBOURHOOD_PAIRS, SUGGESTION_NEIGHBOURHOOD_PAIRS)


def ring(
    problem: MatchingProblem,
    chosen: Collection[int],
    *,
    projects: Collection[int],
    staff: Collection[int] = (),
    max_pairs: int = NEIGHBOURHOOD_MAX_PAIRS,
) -> BoolArray:
    """The pairs of the neighbourhood of ``projects`` and ``staff`` (indices) in the plan
    ``chosen``: those projects, the projects the staff serve, then ring by ring the projects
    served by any candidate of a project already in, nearest hosts first, while the freed
    projects' pairs number at most ``max_pairs`` (the first ring always)."""
    by_project = _pairs_by_project(problem)
    plan = np.asarray(sorted(chosen), dtype=np.int64)
    plan_staff, plan_project = problem.pair_staff[plan], problem.pair_project[plan]

    def served_by(people: IntArray) -> set[int]:
        return set(plan_project[np.isin(plan_staff, people)].tolist())

    free = np.zeros(len(problem.project_ids), dtype=np.bool_)
    ring_now = sorted(set(projects) | served_by(np.asarray(list(staff), dtype=np.int64)))
    size = 0
    while ring_now:
        for j in _nearest_first(problem, ring_now, projects):
            more = len(by_project[j])
            if size and size + more > max_pairs:
                return free[problem.pair_project]
            free[j] = True
            size += more
        reached = np.unique(problem.pair_staff[np.concatenate([by_project[j] for j in ring_now])])
        ring_now = sorted(j for j in served_by(reached) if not free[j])
    return free[problem.pair_project]


def _pairs_by_project(problem: MatchingProblem) -> list[IntArray]:
    order = np.argsort(problem.pair_project, kind="stable")
    bounds = np.searchsorted(
        problem.pair_project[order], np.arange(len(problem.project_ids) + 1)
    )
    return [order[bounds[j] : bounds[j + 1]] for j in range(len(problem.project_ids))]


def _nearest_first(
    problem: MatchingProblem, ring_now: Sequence[int], centre: Collection[int]
) -> list[int]:
    """The ring's projects by their host's distance from the change's hosts (by index when
    the schools have no positions): the teams most likely to give up a reviewer to it."""
    position = problem.school_position
    if position is None or not centre:
        return list(ring_now)
    hosts = problem.project_host[np.asarray(sorted(centre), dtype=np.int64)]
    there = position[problem.project_host[np.asarray(ring_now, dtype=np.int64)]]
    far = ((there[:, None, :] - position[hosts][None, :, :]) ** 2).sum(axis=2).min(axis=1)
    return [ring_now[n] for n in np.argsort(far, kind="stable").tolist()]


def near_what_if(
    problem: MatchingProblem,
    current: Collection[int],
    current_leads: Collection[int],
    change: Change,
    *,
    seconds: float,
    seed: int = 0,
    parts: Sequence[IntArray],
    max_pairs: int = NEIGHBOURHOOD_MAX_PAIRS,
) -> WhatIf:
    """``solvers.matching.whatif.what_if`` on the neighbourhood of the change only (see the
    module): the cost is exact for the plan found and an upper bound on the change's least
    cost; ``cost_bound`` is None, and a neighbourhood with no plan is ``UNKNOWN``, not
    ``INFEASIBLE``."""
    projects, staff = _seeds(problem, change)
    free = ring(problem, current, projects=projects, staff=staff, max_pairs=max_pairs)
    opened = open_free(problem, sorted(current), free)
    m = build_model(own_schools(opened.problem))
    where = {int(k): n for n, k in enumerate(opened.pairs.tolist())}
    if change.pair is not None:
        n = where.get(change.pair)
        if n is None:  # kept out by a fixed team (the no-swap rule), or its team is fixed
            return WhatIf(status="UNKNOWN", scope="neighbourhood", free_pairs=len(where))
        m.model.add(m.assign[n] == int(change.chosen))
    if change.project is not None:
        local = np.flatnonzero(np.asarray(opened.problem.project_ids) ==
                               problem.project_ids[change.project])
        if len(local) == 0:
            return WhatIf(status="UNKNOWN", scope="neighbourhood", free_pairs=len(where))
        m.model.add(m.staffed[int(local[0])] == 1)
    start = set(opened.start.tolist())
    for n, var in enumerate(m.assign):
        m.model.add_hint(var, n in start)
    solver = solver_for(Budget(seconds), SolveOptions(seed=seed))
    status = solver.solve(m.model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return WhatIf(status="UNKNOWN", scope="neighbourhood", free_pairs=len(where))
    found = [n for n in range(len(m.assign)) if solver.boolean_value(m.assign[n])]
    chosen = opened.close(found)
    inside = set(where)
    leads = {k for k in current_leads if k not in inside} | {
        int(opened.pairs[n]) for n, var in m.lead.items() if solver.boolean_value(var)
    }
    cost = objective_change(problem, sorted(current), chosen, parts)
    return WhatIf(
        status=name,
        chosen=chosen,
        leads=frozenset(leads),
        cost=cost,
        scope="neighbourhood",
        free_pairs=len(where),
    )


def _seeds(problem: MatchingProblem, change: Change) -> tuple[list[int], list[int]]:
    """The projects and reviewers the change touches: the pair's, or the project to staff."""
    if change.pair is not None:
        return [int(problem.pair_project[change.pair])], [int(problem.pair_staff[change.pair])]
    assert change.project is not None
    return [change.project], []


def re_solve(
    problem: MatchingProblem,
    current: Collection[int],
    current_leads: Collection[int],
    change: Change,
    *,
    seconds: float,
    seed: int = 0,
    parts: Sequence[IntArray],
    reach: Reach = PAIR_REACH,
) -> WhatIf:
    """The change re-solved on its whole part when that has at most ``reach.exact_pairs``
    pairs (exact, and quick), else on its neighbourhood (``near_what_if``, whose plan has no
    ``objective``: the caller adds ``cost`` to the current plan's)."""
    if len(part_of(problem, change, parts)) <= reach.exact_pairs:
        return what_if(
            problem, current, current_leads, change, seconds=seconds, seed=seed, parts=parts
        )
    return near_what_if(
        problem,
        current,
        current_leads,
        change,
        seconds=seconds,
        seed=seed,
        parts=parts,
        max_pairs=reach.max_pairs,
    )
