"""How many projects any plan can staff, proven group by group around the projects a plan
leaves unstaffed.

The unstaffed weight dominates the objective, so an LP bound that staffs a contested project
a fraction (two projects that both need the one SLE who has days for only one of them) is
worth a fraction of that weight below every plan: on a 300-school cohort 1.4 projects, which
is 84% of the quality terms. Integer reasoning settles such conflicts, and they are local.

Take disjoint groups of projects: around each project the plan leaves unstaffed although its
candidates could staff it alone, the projects hosted by the schools nearest its host. Any plan
of the whole round, cut down to one group's projects, is a plan of that group with every
candidate pair kept and nothing else using a reviewer's or a school's days: so no plan staffs
more of a group than the group alone can, and CP-SAT proves that number (its bound on the
fewest unstaffed, from a model with only that term). Each group then gives the LP one row,
``sum of staffed over the group <= that number`` (``solvers.bounds.relaxation``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from matcher.model import Weights
from solvers.engine.budget import Budget
from solvers.engine.calibration import PAIRS_BUILT_PER_SECOND
from solvers.engine.decompose import IntArray, restrict
from solvers.engine.options import SolveOptions
from solvers.matching.encode import MatchingProblem
from solvers.matching.model import build_model
from solvers.search.windows import windows_around_unstaffed


@dataclass(frozen=True)
class StaffingCap:
    """No plan staffs more than ``most`` of ``projects`` (the whole round's indices)."""

    projects: IntArray
    most: int
    proven_exact: bool  # CP-SAT settled the number (its bound met a plan of the group)


def staffing_caps(
    problem: MatchingProblem,
    plan: Sequence[int],
    may_staff: np.ndarray,
    *,
    max_pairs: int,
    budget: Budget,
    options: SolveOptions,
) -> list[StaffingCap]:
    """One cap for each group around a project ``plan`` leaves unstaffed that ``may_staff``
    allows; each group's CP-SAT search gets an even share of ``budget``."""
    label = windows_around_unstaffed(problem, plan, max_pairs=max_pairs)
    host_label = label[problem.project_host]
    staffed = np.zeros(len(problem.project_ids), dtype=np.bool_)
    staffed[problem.pair_project[np.asarray(plan, dtype=np.int64)]] = True
    wanted = np.unique(host_label[~staffed & may_staff & (host_label >= 0)])
    caps: list[StaffingCap] = []
    for n, group in enumerate(wanted.tolist()):
        if budget.exhausted():
            break  # fewer caps: a weaker bound, never a wrong one
        projects = np.flatnonzero(host_label == group)
        share = budget.part(budget.left / (len(wanted) - n))
        caps.append(_cap(problem, projects, share, options))
        budget.spend(share.used)
    return caps


def _cap(
    problem: MatchingProblem, projects: IntArray, budget: Budget, options: SolveOptions
) -> StaffingCap:
    """The most of ``projects`` any plan staffs, as CP-SAT proves it within ``budget``."""
    pairs = np.flatnonzero(np.isin(problem.pair_project, projects))
    # Building the group's model is work too (a national round's 130 groups took a minute
    # beyond their searches' share when only the searches were counted).
    budget.spend(len(pairs) / PAIRS_BUILT_PER_SECOND)
    sub, _staff, kept = restrict(problem, pairs)
    counted = replace(
        sub,
        weights=Weights(
            unstaffed=1, expertise=0, preference=0, travel=0, sle_balance=0, give_take=0
        ),
    )
    m = build_model(counted)
    solver = cp_model.CpSolver()
    budget.limit(solver, options.workers)
    solver.parameters.random_seed = int(options.seed)
    solver.parameters.num_workers = int(options.workers)
    # Repeatable with several workers too, as the matching search is.
    solver.parameters.interleave_search = options.workers > 1
    solver.parameters.linearization_level = 2
    status = solver.solve(m.model)
    budget.charge(solver, options.workers)
    # The bound counts the group's projects with a candidate pair (``kept``); the others have
    # none and are never staffed. Without a bound the cap is every project of ``kept``.
    proven = solver.best_objective_bound
    fewest_unstaffed = math.ceil(proven - 1e-6) if math.isfinite(proven) else 0
    most = len(kept) - max(0, fewest_unstaffed)
    exact = solver.status_name(status) == "OPTIMAL"
    return StaffingCap(projects=projects, most=int(most), proven_exact=exact)
