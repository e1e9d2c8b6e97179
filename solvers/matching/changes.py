"""Matching from a published plan: the most projects staffed, then the fewest changes to it,
then the usual quality, in that order and never traded against each other.

One CP-SAT model (``solvers.matching.model.build_model``, locks included) is solved in stages:
each stage optimises one level and fixes what it reached as a constraint before the next. A
change is a reviewer taken off or put on a team (a published pair not chosen, or a chosen pair
not published). The whole round is one model here, not independent parts: a re-plan after a
drop-out changes little, and the published plan is a near-complete hint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.matching.encode import MatchingProblem
from solvers.matching.model import MatchingModel, build_model, set_objective
from solvers.matching.strategy import MatchingSolution, _solution, solver_for

# Shares of the budget for the staffing and change stages; the quality stage gets the rest.
STAGE_SHARE = 1 / 3
_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


class NoPlanError(RuntimeError):
    """No plan keeps every hard rule and lock (the model is infeasible), or none was found in
    the time; ``infeasible`` says which."""

    def __init__(self, infeasible: bool) -> None:
        self.infeasible = infeasible
        super().__init__(
            "no plan keeps every hard rule and lock"
            if infeasible
            else "no plan was found within the time limit"
        )


@dataclass(frozen=True)
class StagedMatching:
    """The plan, the pair changes it makes and the proven least number of them."""

    solution: MatchingSolution
    changes: int
    changes_bound: int


def solve_fewest_changes(
    problem: MatchingProblem,
    budget: Budget,
    published: Collection[tuple[str, str]] | None,
    *,
    options: SolveOptions,
) -> StagedMatching:
    """Staff the most projects, then change the fewest published (staff id, project id) pairs,
    then the usual objective (``published`` None: no change stage, for locks alone). Raises
    NoPlanError when no plan exists or was found."""
    started = time.perf_counter()
    m = build_model(problem)
    index = {
        (problem.staff_ids[int(i)], problem.project_ids[int(j)]): k
        for k, (i, j) in enumerate(zip(problem.pair_staff, problem.pair_project, strict=True))
    }
    published = set(published or ())
    old = sorted(index[pair] for pair in published if pair in index)
    # Published pairs no longer allowed (a drop-out's, a new conflict's) are changes whatever
    # the plan; the projects they named may be gone from the round too.
    gone = len(published) - len(old)
    was = set(old)
    changes = gone + sum(1 - m.assign[k] for k in old) + sum(
        m.assign[k] for k in range(problem.n_pairs) if k not in was
    )
    _hint(m, was)
    staffed = _stage(m, sum(m.staffed), budget.part(STAGE_SHARE * budget.left), options, -1)
    budget.spend(staffed.used)
    m.model.add(sum(m.staffed) >= staffed.value)
    fewest = (
        _stage(m, changes, budget.part(budget.left / 2), options, +1, staffed)
        if published
        else replace(staffed, value=0, bound=0, used=0.0)
    )
    budget.spend(fewest.used)
    if published:
        m.model.add(changes <= fewest.value)
    set_objective(m)
    _hint(m, set(fewest.chosen))
    best = _stage(m, None, budget.part(budget.left), options, +1, fewest)
    budget.spend(best.used)
    # A quality stage that found nothing in its time proved no bound on the quality terms.
    bound = None if best is fewest else float(best.bound)
    solution = _solution(problem, best.chosen, best.leads, best.status, bound, started, options)
    return StagedMatching(solution, int(fewest.value), int(fewest.bound))


@dataclass(frozen=True)
class _Stage:
    value: int
    bound: int
    chosen: tuple[int, ...]
    leads: frozenset[int]
    status: str
    used: float


def _stage(
    m: MatchingModel,
    target: cp_model.LinearExprT | None,
    budget: Budget,
    options: SolveOptions,
    sense: int,
    before: _Stage | None = None,
) -> _Stage:
    """Optimise ``target`` (``sense`` +1 minimise, -1 maximise; None: the objective already
    set) within ``budget``; the plan found, its value and CP-SAT's best bound. A stage that
    finds nothing in its time keeps the plan of the stage ``before`` (which the constraints
    fixed so far allow), unproven."""
    if target is not None:
        if sense > 0:
            m.model.minimize(target)
        else:
            m.model.maximize(target)
    solver = solver_for(budget, options)
    status = solver.solve(m.model)
    budget.charge(solver, options.workers)
    if status not in _SOLVED:
        if before is not None and status != cp_model.INFEASIBLE:
            return _Stage(before.value, before.bound, before.chosen, before.leads, "FEASIBLE", 0)
        raise NoPlanError(infeasible=status == cp_model.INFEASIBLE)
    chosen = tuple(k for k in range(m.problem.n_pairs) if solver.value(m.assign[k]))
    leads = frozenset(k for k, var in m.lead.items() if solver.value(var))
    value = round(solver.objective_value)
    # Every coefficient is an integer: the bound rounds towards the plans' side.
    bound = solver.best_objective_bound
    rounded = math.ceil(bound - 1e-6) if sense > 0 else math.floor(bound + 1e-6)
    return _Stage(value, rounded, chosen, leads, solver.status_name(status), budget.used)



def _hint(m: MatchingModel, chosen: set[int]) -> None:
    """Start the search from a plan (the published one, then each stage's)."""
    m.model.clear_hints()
    staffed = {int(m.problem.pair_project[k]) for k in chosen}
    for k, var in enumerate(m.assign):
        m.model.add_hint(var, k in chosen)
    for j, var in enumerate(m.staffed):
        m.model.add_hint(var, j in staffed)
