"""How the dating model is solved: independent parts side by side, greedy dates as a start
and as the fallback of a part that runs out of work.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from matcher.model import EventKind, ScheduledEvent
from solvers.dating.encode import DatedProject, Picked, SchedulingProblem, clock_after
from solvers.dating.greedy import greedy_dates
from solvers.dating.model import SOFT_TERMS, SchedulingModel, build_schedule_model
from solvers.engine.budget import WORK_PER_CORE_SECOND, Budget
from solvers.engine.calibration import (
    DATING_BASE_SECONDS as BASE_SECONDS,
    DATING_RATE_EXPONENT as RATE_EXPONENT,
    DATING_RATE_REFERENCE_VARIABLES as RATE_REFERENCE_VARIABLES,
    DATING_SECONDS_PER_PROJECT as SECONDS_PER_PROJECT,
)
from solvers.engine.lanes import solve_new_parts
from solvers.engine.memo import SolvedParts, fingerprint
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions
from solvers.engine.result import SolveResult, TermValue
from solvers.engine.watch import GapWatch


@dataclass(frozen=True)
class ScheduleSolution:
    result: SolveResult
    events: tuple[ScheduledEvent, ...]
    unscheduled: tuple[str, ...]  # project ids


def components(problem: SchedulingProblem) -> list[SchedulingProblem]:
    """Independent parts: projects linked by a shared reviewer, releasing school or host.

    No rule or term connects projects in different parts, so solving them one by one is exact
    and much faster than one model (the 300-school cohort splits into about 20 parts).
    """
    # Union-find: each project joins the first project seen with the same host, reviewer or
    # releasing school. Roots are the smallest index of their part, so parts come out ordered
    # by their first project (a networkx graph took a second on a national round).
    parent = list(range(len(problem.projects)))

    def root(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    first_with: dict[tuple[str, str], int] = {}
    for j, p in enumerate(problem.projects):
        shared = [
            ("host", p.host),
            *(("person", person) for person in p.team),
            *(("school", school) for school in p.releasing),
        ]
        for key in shared:
            a, b = root(first_with.setdefault(key, j)), root(j)
            parent[max(a, b)] = min(a, b)
    parts: dict[int, list[int]] = defaultdict(list)
    for j in range(len(problem.projects)):
        parts[root(j)].append(j)
    return [_part(problem, tuple(problem.projects[j] for j in part)) for part in parts.values()]


def _part(problem: SchedulingProblem, projects: tuple[DatedProject, ...]) -> SchedulingProblem:
    """The problem restricted to ``projects``, with the release limits of their schools only.

    Every part is fingerprinted whole (``solvers.engine.memo``): with all 20,000 schools' limits in
    each, pickling the parts of a national round took longer than dating most of them.
    """
    max_out = {school: problem.max_out[school] for p in projects for school in p.releasing}
    leaders = {
        school: problem.max_leaders_out[school] for p in projects for school in p.leaders_releasing
    }
    return replace(problem, projects=projects, max_out=max_out, max_leaders_out=leaders)


def solve_schedule(
    problem: SchedulingProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
    solved_parts: SolvedParts[PartDates] | None = None,
) -> ScheduleSolution:
    """Date every visit it can; the rest are listed for the caller to explain or re-match.

    Each independent part (``components``) is solved on its own, ``options.workers`` at a
    time, with a share of ``budget`` in proportion to its size. ``options.gap_limit`` stops
    each part once its dates are proven within that relative gap on the quality terms
    (``solvers.engine.watch.GapWatch``). Parts found in ``solved_parts`` are not solved again.
    The budget is counted in work, not seconds, as for ``solve_matching``.
    """
    started = time.perf_counter()
    parts = components(problem)

    def solve(part: int, share: Budget, cp_sat_workers: int) -> PartDates:
        return _solve_part(parts[part], share, options.on(cp_sat_workers))

    # Even a tiny part gets a second: below that CP-SAT may not finish presolve. Once the time
    # is spent, parts still waiting keep their greedy dates (valid, unproven).
    # What all parts share (days, weights, times) is digested once, then each part's own
    # projects and limits with it: the key still covers a part's whole content.
    shared = fingerprint(replace(problem, projects=(), max_out={}, max_leaders_out={}))
    solved = solve_new_parts(
        [
            fingerprint((shared, part.projects, part.max_out, part.max_leaders_out))
            for part in parts
        ],
        [len(part.projects) for part in parts],
        solve,
        memo=SolvedParts[PartDates]() if solved_parts is None else solved_parts,
        budget=budget,
        workers=options.workers,
        floor=lambda part: 1.0,
        overtime=lambda part: _greedy_part(parts[part]),
    )
    solution = _merge(problem, solved, time.perf_counter() - started, options)
    return replace(solution, result=replace(solution.result, repeatable=budget.repeatable))


def work_rate(variables: int) -> float:
    """Work a dating model of this many variables does per second per core
    (solvers.engine.budget)."""
    scale = min(1.0, RATE_REFERENCE_VARIABLES / max(1, variables)) ** RATE_EXPONENT
    return WORK_PER_CORE_SECOND * scale


@dataclass(frozen=True)
class PartDates:
    """The dates found for one independent part, and how good they are."""

    status: cp_model.CpSolverStatus
    objective: float
    bound: float
    terms: dict[str, int]
    events: list[ScheduledEvent]
    undated: list[str]


def _solve_part(
    problem: SchedulingProblem,
    budget: Budget,
    options: SolveOptions,
) -> PartDates:
    # The greedy dates are the incumbent, not a CP-SAT hint: a hint is followed branch by
    # branch with the LP at every node, slower than searching from scratch (as in matching).
    start = _greedy_part(problem)
    workers = options.workers
    m = build_schedule_model(problem)
    solver = cp_model.CpSolver()
    rate = work_rate(len(m.model.proto.variables))
    cap = BASE_SECONDS + SECONDS_PER_PROJECT * len(problem.projects)
    budget.limit(solver, workers, cap, rate=rate)
    solver.parameters.random_seed = int(options.seed)
    solver.parameters.num_workers = int(workers)
    # As for matching, the LP relaxation carries the proof (benchmarks/README.md).
    solver.parameters.linearization_level = 2
    if workers > 1:
        solver.parameters.interleave_search = True
    incumbent = (start.objective, problem.weights["unscheduled"] * start.terms["unscheduled"])
    watch = GapWatch(
        solver,
        m.scheduled,
        problem.weights["unscheduled"],
        options.gap_limit,
        options.progress,
        incumbent=(float(incumbent[0]), float(incumbent[1])),
    )
    status = solver.solve(m.model, watch)
    budget.charge(solver, workers, rate=rate)
    improved = status == cp_model.OPTIMAL or (
        status == cp_model.FEASIBLE and solver.objective_value <= start.objective
    )
    if not improved:
        # The greedy dates stand, proven optimal if nothing better exists, else with the bound.
        if status == cp_model.INFEASIBLE:
            return replace(start, status=cp_model.OPTIMAL, bound=start.objective)
        if watch.bound is None:
            return start
        return replace(start, status=cp_model.FEASIBLE, bound=math.ceil(watch.bound - 1e-6))
    events: list[ScheduledEvent] = []
    undated = []
    for j, p in enumerate(problem.projects):
        if not solver.value(m.scheduled[j]):
            undated.append(p.project_id)
            continue
        events.extend(_events(problem, p, picked_by(m, j, solver.value)))
    return PartDates(
        status=status,
        objective=round(solver.objective_value),
        bound=math.ceil(solver.best_objective_bound - 1e-6),
        terms={name: int(solver.value(m.terms[name])) for name, *_ in SOFT_TERMS},
        events=events,
        undated=undated,
    )


def _merge(
    problem: SchedulingProblem,
    parts: list[PartDates],
    seconds: float,
    options: SolveOptions,
) -> ScheduleSolution:
    terms: dict[str, TermValue] = {}
    for name, _build, sign, description in SOFT_TERMS:
        value = sum(part.terms.get(name, 0) for part in parts)
        weight = problem.weights[name]
        terms[name] = TermValue(value, weight, sign * weight * value, description)
    optimal = all(part.status == cp_model.OPTIMAL for part in parts)
    proven = all(part.status in (cp_model.OPTIMAL, cp_model.FEASIBLE) for part in parts)
    events = sorted(
        (e for part in parts for e in part.events), key=lambda e: (e.date, e.start, e.visit_id)
    )
    result = SolveResult(
        status="OPTIMAL" if optimal else "FEASIBLE",
        objective=float(sum(part.objective for part in parts)),
        bound=float(sum(part.bound for part in parts)) if proven else None,
        seconds=seconds,
        seed=options.seed,
        workers=options.workers,
        terms=terms,
        counts={
            "projects": len(problem.projects),
            "independent_parts": len(parts),
            "term_days": len(problem.days),
            "events": len(events),
        },
        fixed_penalty=terms["unscheduled"].contribution,
    )
    undated = tuple(pid for part in parts for pid in part.undated)
    return ScheduleSolution(result, tuple(events), undated)


def picked_by(m: SchedulingModel, j: int, value: Callable[[cp_model.IntVar], object]) -> Picked:
    """The term days a solution chose for project ``j``, ``value`` giving each literal's."""

    def chosen(literals: dict[int, cp_model.IntVar]) -> int | None:
        return next((t for t, lit in literals.items() if value(lit)), None)

    starts = [next(t for t, lit in v.items() if value(lit)) for v in m.start[j]]
    return Picked(starts, chosen(m.present[j]), chosen(m.scope[j]), chosen(m.govern[j]))


def _events(problem: SchedulingProblem, p: DatedProject, picked: Picked) -> list[ScheduledEvent]:
    """The dated events of one project: each visit from its first term day, the scoping
    meeting (the lead alone, a morning), the presentation and the governors' evening."""
    visit_start, visit_end, talk_start, talk_end = problem.times

    def event(
        visit_id: str, kind: EventKind, t: int, times: tuple[dt.time, dt.time]
    ) -> ScheduledEvent:
        staff = p.team if kind != "scoping" or p.lead is None else (p.lead,)
        visit_no = 1 if kind == "scoping" else p.visits
        return ScheduledEvent(
            visit_id=f"{p.project_id}-{visit_id}",
            project_id=p.project_id,
            visit_no=visit_no,
            kind=kind,
            date=problem.days[t],
            start=times[0],
            end=times[1],
            host_school_id=p.host,
            staff_ids=staff,
        )

    day = (visit_start, p.visit_end or visit_end)
    events = [
        event(f"v{v + 1}-d{d + 1}", "visit", first + d, day).model_copy(
            update={"visit_no": v + 1, "day_no": d + 1}
        )
        for v, first in enumerate(picked.starts)
        for d in range(p.visit_days)
    ]
    if picked.scoping is not None:
        events.append(event("s", "scoping", picked.scoping, (visit_start, half_day_end(problem))))
    if picked.talk is not None:
        events.append(event("p", "presentation", picked.talk, (talk_start, talk_end)))
    if picked.governors is not None:
        events.append(event("g", "governors", picked.governors, problem.governors_times))
    return events


def half_day_end(problem: SchedulingProblem) -> dt.time:
    """The end of a morning: halfway through the school day, to the minute."""
    start, end = problem.times[0], problem.times[1]
    minutes = dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
    return clock_after(start, minutes.total_seconds() // 60 // 2 / 60)


def _greedy_part(problem: SchedulingProblem) -> PartDates:
    """No dates within the time: keep the greedy dates (feasible) rather than none, unproven."""
    dated = greedy_dates(problem)
    events: list[ScheduledEvent] = []
    undated: list[str] = []
    preferred = late = 0
    weekly: dict[tuple[str, tuple[int, ...]], int] = defaultdict(int)
    for j, p in enumerate(problem.projects):
        if j not in dated:
            undated.append(p.project_id)
            continue
        picked = dated[j]
        events.extend(_events(problem, p, picked))
        for t in picked.visit_days(p.visit_days):
            preferred += p.preferred.get(t, 0)
            late += len(p.team) * (t in problem.last_week)
            week = tuple(problem.days[t].isocalendar()[:2])
            for school, count in p.releasing.items():
                weekly[(school, week)] += count
    busiest: dict[str, int] = defaultdict(int)
    for (school, _week), out in weekly.items():
        busiest[school] = max(busiest[school], out)
    terms = {
        "unscheduled": len(undated),
        "preferred_days": preferred,
        "release_spread": sum(busiest.values()),
        "end_of_term": late,
    }
    objective = sum(sign * problem.weights[name] * terms[name] for name, _b, sign, _d in SOFT_TERMS)
    return PartDates(cp_model.UNKNOWN, objective, 0.0, terms, events, undated)
