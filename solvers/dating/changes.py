"""Dating from a published schedule: the most projects dated, then the fewest schedule rows
moved, added or cancelled, then the usual dating terms, in that order.

A CP-SAT model per independent part (``solvers.dating.model.build_schedule_model``, locks
included) is solved in stages, as ``solvers.matching.changes`` does for the pairings. A
schedule.csv row is one visit day or one presentation; it is kept when the new schedule has
the same row on the same date.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import cast

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from matcher.model import ScheduledEvent
from solvers.dating.encode import SchedulingProblem
from solvers.dating.model import SOFT_TERMS, SchedulingModel, build_schedule_model
from solvers.dating.strategy import (
    PartDates,
    ScheduleSolution,
    _events,
    _greedy_part,
    _merge,
    components,
    picked_by,
)
from solvers.engine.budget import Budget
from solvers.engine.calibration import DATING_BASE_SECONDS, DATING_SECONDS_PER_PROJECT
from solvers.engine.options import SolveOptions

STAGE_SHARE = 1 / 3
_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


class NoDatesError(RuntimeError):
    """No dates keep every hard rule and lock (``infeasible``), or none were found in the
    time."""

    def __init__(self, message: str, *, infeasible: bool) -> None:
        self.infeasible = infeasible
        super().__init__(message)


@dataclass(frozen=True)
class StagedDates:
    """The dates, the schedule rows they change and the proven least number of them."""

    solution: ScheduleSolution
    changes: int
    changes_bound: int


def solve_dates_fewest_changes(
    problem: SchedulingProblem,
    budget: Budget,
    published: Mapping[str, ScheduledEvent],
    *,
    options: SolveOptions,
) -> StagedDates:
    """Date the most projects, then change the fewest ``published`` rows (by visit_id), then
    the usual objective. Raises NoDatesError when no dates exist or were found in time.

    Each independent part (``solvers.dating.strategy.components``) is solved on its own,
    smallest first, with a share of ``budget`` by its projects: every level is a sum over
    parts, so this is exact and the parts' bounds add up (as ``solvers.matching.changes``)."""
    started = time.perf_counter()
    parts = components(problem)
    # Published rows of projects not dated here (unstaffed now) are cancelled in any case.
    here = {p.project_id for p in problem.projects}
    changes = bound = sum(1 for e in published.values() if e.project_id not in here)
    dates: list[PartDates] = []
    left = max(1, len(problem.projects))
    for part in sorted(parts, key=lambda part: len(part.projects)):
        # Never less than a fresh part's search gets: the smallest parts come first, and an
        # even share of a region's budget (a hundredth of a second for a one-project part)
        # ended before the first stage found dates, leaving greedy dates that kept no row.
        floor = DATING_BASE_SECONDS + DATING_SECONDS_PER_PROJECT * len(part.projects)
        share = budget.part(max(floor, budget.left * len(part.projects) / left))
        left -= len(part.projects)
        mine = {p.project_id for p in part.projects}
        rows = {vid: e for vid, e in published.items() if e.project_id in mine}
        staged = _solve_part(part, share, rows, options)
        budget.spend(share.used)
        dates.append(staged[0])
        changes, bound = changes + staged[1], bound + staged[2]
    solution = _merge(problem, dates, time.perf_counter() - started, options)
    return StagedDates(solution, changes, bound)


def _solve_part(
    problem: SchedulingProblem,
    budget: Budget,
    published: Mapping[str, ScheduledEvent],
    options: SolveOptions,
) -> tuple[PartDates, int, int]:
    """One part in stages: its dates, the rows they change and the proven least number."""
    m = build_schedule_model(problem)
    changes = _changes(m, published)
    _hint(m, published)
    share = budget.part(STAGE_SHARE * budget.left)
    try:
        dated = _stage(m, sum(m.scheduled), share, options, -1, track=changes)
    except NoDatesError as error:
        if error.infeasible or any(p.locked_starts for p in problem.projects):
            raise
        # Nothing found in the time (a busy machine, a spent budget): the greedy dates,
        # valid and unproven, as a fresh plan keeps them; no bound proven here.
        budget.spend(share.used)
        greedy = _greedy_part(problem)
        return greedy, _rows_changed(greedy.events, published), 0
    budget.spend(dated.used)
    m.model.add(sum(m.scheduled) >= dated.value)
    fewest = _stage(m, changes, budget.part(budget.left / 2), options, +1, dated)
    budget.spend(fewest.used)
    m.model.add(changes <= fewest.value)
    best = _stage(m, _usual(m), budget.part(budget.left), options, +1, fewest)
    budget.spend(best.used)
    return _part_dates(m, best), int(fewest.value), int(fewest.bound)


def _rows_changed(events: Sequence[ScheduledEvent], published: Mapping[str, ScheduledEvent]) -> int:
    """Published rows not kept on their date, plus rows not published (as ``_changes``)."""
    new = {e.visit_id: e.date for e in events}
    kept = sum(1 for vid, e in published.items() if new.get(vid) == e.date)
    return len(published) - kept + sum(1 for vid in new if vid not in published)


def _usual(m: SchedulingModel) -> LinearExpr:
    """The usual dating objective (as ``build_schedule_model`` sets it), for the last stage."""
    objective: cp_model.LinearExpr | int = 0
    for name, _build, sign, _description in SOFT_TERMS:
        term = cast("cp_model.LinearExpr | int", m.terms[name])
        objective += sign * m.problem.weights[name] * term
    return cast("LinearExpr", objective)


def _changes(m: SchedulingModel, published: Mapping[str, ScheduledEvent]) -> LinearExpr:
    """Rows published and not kept on their date, plus rows dated that were not published."""
    index = {day: t for t, day in enumerate(m.problem.days)}
    kept: list[cp_model.IntVar] = []
    added: list[cp_model.IntVar] = []
    for j, p in enumerate(m.problem.projects):
        rows = [
            (f"{p.project_id}-v{v + 1}-d{d + 1}", m.start[j][v], d)
            for v in range(p.visits)
            for d in range(p.visit_days)
        ]
        for asked, suffix, literals in (
            (p.presentation, "p", m.present[j]),
            (p.scoping, "s", m.scope[j]),
            (p.governors, "g", m.govern[j]),
        ):
            if asked:
                rows.append((f"{p.project_id}-{suffix}", literals, 0))
        for visit_id, starts, offset in rows:
            old = published.get(visit_id)
            if old is None:
                added.append(m.scheduled[j])
                continue
            # A visit's day d is kept when the visit starts d term days before its old date.
            t = index.get(old.date)
            literal = None if t is None else starts.get(t - offset)
            if literal is not None:
                kept.append(literal)
    # Every published row counts once unless a literal keeps it on its date.
    return len(published) - LinearExpr.sum(kept) + LinearExpr.sum(added)


@dataclass(frozen=True)
class _Stage:
    value: int
    bound: int
    values: dict[int, bool]  # proto variable index -> value, of every Boolean
    terms: dict[str, int]  # each soft term's value
    status: cp_model.CpSolverStatus
    used: float
    tracked: int = 0  # the value of the stage's ``track`` expression in its solution


def _stage(
    m: SchedulingModel,
    target: cp_model.LinearExprT | None,
    budget: Budget,
    options: SolveOptions,
    sense: int,
    before: _Stage | None = None,
    track: cp_model.LinearExprT = 0,
) -> _Stage:
    """As ``solvers.matching.changes._stage``, for the dating model."""
    if target is not None:
        if sense > 0:
            m.model.minimize(target)
        else:
            m.model.maximize(target)
    solver = cp_model.CpSolver()
    budget.limit(solver, options.workers)
    solver.parameters.random_seed = int(options.seed)
    solver.parameters.num_workers = int(options.workers)
    solver.parameters.linearization_level = 2
    if options.workers > 1:
        solver.parameters.interleave_search = True
    status = solver.solve(m.model)
    budget.charge(solver, options.workers)
    if status not in _SOLVED:
        if before is not None and status != cp_model.INFEASIBLE:
            bound = solver.best_objective_bound
            rounded = math.ceil(bound - 1e-6) if sense > 0 else math.floor(bound + 1e-6)
            unknown = cp_model.UNKNOWN
            return replace(
                before, value=before.tracked, bound=rounded, status=unknown, used=budget.used
            )
        infeasible = status == cp_model.INFEASIBLE
        raise NoDatesError(
            "no dates keep every hard rule and lock"
            if infeasible
            else "no dates were found within the time limit",
            infeasible=infeasible,
        )
    values = {v.index: bool(solver.value(v)) for v in _booleans(m)}
    terms = {name: int(solver.value(m.terms[name])) for name, *_ in SOFT_TERMS}
    _rehint(m, values)
    bound = solver.best_objective_bound
    rounded = math.ceil(bound - 1e-6) if sense > 0 else math.floor(bound + 1e-6)
    value = round(solver.objective_value)
    tracked = round(solver.value(track))
    return _Stage(value, rounded, values, terms, status, budget.used, tracked)


def _booleans(m: SchedulingModel) -> list[cp_model.IntVar]:
    found = list(m.scheduled)
    for visits in m.start:
        for visit in visits:
            found.extend(visit.values())
    for kind in (m.present, m.scope, m.govern):
        for chosen in kind:
            found.extend(chosen.values())
    return found


def _rehint(m: SchedulingModel, values: Mapping[int, bool]) -> None:
    m.model.clear_hints()
    for var in _booleans(m):
        m.model.add_hint(var, values[var.index])


def _hint(m: SchedulingModel, published: Mapping[str, ScheduledEvent]) -> None:
    """Start from the published dates where they still fit."""
    index = {day: t for t, day in enumerate(m.problem.days)}
    for j, p in enumerate(m.problem.projects):
        for v in range(p.visits):
            old = published.get(f"{p.project_id}-v{v + 1}-d1")
            t = None if old is None else index.get(old.date)
            for s, literal in m.start[j][v].items():
                m.model.add_hint(literal, s == t)


def _part_dates(m: SchedulingModel, stage: _Stage) -> PartDates:
    """The events of the stage's solution, as a part ``solvers.dating.strategy`` merges."""
    problem = m.problem
    events: list[ScheduledEvent] = []
    undated: list[str] = []
    for j, p in enumerate(problem.projects):
        if not stage.values[m.scheduled[j].index]:
            undated.append(p.project_id)
            continue
        picked = picked_by(m, j, lambda lit: stage.values[lit.index])
        events.extend(_events(problem, p, picked))
    terms = stage.terms
    objective = sum(sign * problem.weights[name] * terms[name] for name, _b, sign, _d in SOFT_TERMS)
    return PartDates(stage.status, objective, float(stage.bound), terms, events, undated)
