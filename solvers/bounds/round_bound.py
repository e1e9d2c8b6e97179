"""A proven lower bound on the objective of a whole round solved window by window.

Windows prove bounds only for themselves, with the rest of the plan held fixed. The whole
round's bound comes in two steps: first how many projects any plan can staff, proven by
CP-SAT group by group around the projects the plan leaves unstaffed
(``solvers.bounds.most_staffed``); then the LP relaxation of the whole model with those caps
(``solvers.bounds.relaxation``), solved region by region (``solvers.bounds.by_region``) and
turned into a bound by its duals (``solvers.bounds.lp_dual``), valid whatever the duals.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solvers.bounds.by_region import regional_duals
from solvers.bounds.lp_dual import proven_bound
from solvers.bounds.most_staffed import staffing_caps
from solvers.bounds.relaxation import LinearRelaxation, may_staff, relaxation, usable_pairs
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    BOUND_CAP_SHARE,
    BOUND_GROUP_PAIRS,
    BOUND_LP_MIN_SECONDS,
    START_PAIRS_PER_PROJECT,
)
from solvers.engine.decompose import IntArray
from solvers.engine.options import SolveOptions
from solvers.matching.encode import MatchingProblem


@dataclass(frozen=True)
class RoundBound:
    """Every plan's objective is at least ``bound``."""

    bound: float
    method: str
    seconds: float
    capped_groups: int  # groups whose most staffed projects CP-SAT proved
    regions: int  # the LP's regions (``solvers.bounds.by_region``)
    settled_regions: int  # regions whose LP was solved to the end within the time


def round_bound(
    problem: MatchingProblem,
    parts: Sequence[IntArray],
    plan: Sequence[int],
    *,
    budget: Budget,
    options: SolveOptions,
    backend: str = "glop",
) -> RoundBound:
    """The bound for ``problem`` (its SLE balance measured in ``parts``), with groups around
    the projects ``plan`` leaves unstaffed; the caps' searches share a fraction of ``budget``
    and the LP gets what is left of it (at least ``BOUND_LP_MIN_SECONDS``), in seconds."""
    started = time.perf_counter()
    capping = budget.part(BOUND_CAP_SHARE * budget.left)
    caps = staffing_caps(
        problem,
        plan,
        may_staff(problem, usable_pairs(problem)),
        max_pairs=BOUND_GROUP_PAIRS,
        budget=capping,
        options=options,
    )
    budget.spend(capping.used)
    lp = relaxation(problem, parts, [(c.projects, c.most) for c in caps])
    start = np.zeros(lp.n_columns, dtype=np.bool_)
    start[problem.n_pairs :] = True  # every column but the pairs'
    start[np.asarray(plan, dtype=np.int64)] = True
    start[: problem.n_pairs] |= _cheapest(problem, lp, START_PAIRS_PER_PROJECT)
    solved = regional_duals(
        lp, start, backend=backend, time_limit=max(BOUND_LP_MIN_SECONDS, budget.left)
    )
    return RoundBound(
        bound=proven_bound(lp, solved.duals),
        method=f"lp-dual:{backend}-by-region+staffing-caps",
        seconds=time.perf_counter() - started,
        capped_groups=len(caps),
        regions=solved.regions,
        settled_regions=solved.settled,
    )


def _cheapest(problem: MatchingProblem, lp: LinearRelaxation, k: int) -> npt.NDArray[np.bool_]:
    """Each project's ``k`` usable pairs of least cost, the pairs an optimum mostly uses."""
    cost = np.where(lp.upper[: problem.n_pairs] > 0, lp.objective[: problem.n_pairs], np.inf)
    order = np.lexsort((cost, problem.pair_project))
    project = problem.pair_project[order]
    first = np.searchsorted(project, project)  # where each pair's project starts in ``order``
    chosen = np.zeros(problem.n_pairs, dtype=np.bool_)
    chosen[order[(np.arange(len(order)) - first < k) & np.isfinite(cost[order])]] = True
    return chosen
