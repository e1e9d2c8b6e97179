"""CP-SAT visit dating: every visit of every staffed project on a day that breaks no date rule.

The round's term days are indexed 0..T-1. A visit of ``d`` days starting on term day ``t``
occupies term days ``t..t+d-1`` (consecutive school days). Which starts are allowed for a
project (host open, every team member's school open and every member free on each day, inside
the project's window) is worked out in ``encode_schedule``; the model then only decides among
allowed starts, with the rules that link projects (one place per person per day, school
release per day, host visits per day) as ``add_*`` functions in ``HARD_RULES`` and the soft
terms in ``SOFT_TERMS``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from matcher.days import SchoolCalendar
from matcher.model import Plan, Project, Round, ScheduledEvent
from solvers.budget import WORK_PER_CORE_SECOND, Budget
from solvers.lanes import solve_new_parts
from solvers.memo import SolvedParts, fingerprint
from solvers.result import SolveResult, TermValue
from solvers.watch import GapWatch, Progress


@dataclass(frozen=True)
class DatedProject:
    """Index-level data of one staffed project to date."""

    project_id: str
    host: str
    team: tuple[str, ...]
    releasing: dict[str, int]  # school id -> team members it releases
    visits: int
    visit_days: int
    min_gap: int
    presentation: bool
    starts: tuple[int, ...]  # allowed first term-day index of any visit
    presentation_days: tuple[int, ...]
    preferred: dict[int, int]  # term day -> how many of host and team prefer it


@dataclass(frozen=True)
class SchedulingProblem:
    days: tuple[dt.date, ...]
    projects: tuple[DatedProject, ...]
    max_out: dict[str, int]  # school id -> max_staff_out_per_day
    max_visits_per_day: int
    last_week: frozenset[int]  # term-day indices in the last week of a term
    weights: dict[str, int]
    times: tuple[dt.time, dt.time, dt.time, dt.time]  # visit start/end, presentation start/end

    def ordinal(self, t: int) -> int:
        """Calendar days since the first term day: small coefficients keep the LP well scaled."""
        return (self.days[t] - self.days[0]).days


def _days_of(bits: int) -> tuple[int, ...]:
    """The term-day indices set in ``bits``, in order."""
    return tuple(t for t in range(bits.bit_length()) if bits >> t & 1)


def _any_of(calendar: SchoolCalendar, ids: Iterable[str]) -> int:
    """Term days on which any of ``ids`` (schools or people) is unavailable, as bits."""
    closed = 0
    for some_id in ids:
        closed |= calendar.unavailable_bits(some_id)
    return closed


def dated_project(
    round_: Round, calendar: SchoolCalendar, project: Project, team: Sequence[str]
) -> DatedProject:
    """The dates one project may use with this team, ignoring every other project.

    Days are handled as bit sets (bit t = term day t, ``SchoolCalendar.unavailable_bits``): a
    national round calls this for 20,000 projects, where a test per id and day took ~10 s.
    """
    days = calendar.term_days
    homes = [round_.staff_by_id[s].school_id for s in team]
    releasing: dict[str, int] = defaultdict(int)
    for home in homes:
        releasing[home] += 1
    host = project.host_school_id
    window = (1 << bisect.bisect_right(days, project.latest)) - (
        1 << bisect.bisect_left(days, project.earliest)
    )
    window = max(0, window)  # earliest after latest: no day at all
    # A presentation needs the host and the team; a visit also takes staff from their schools.
    talk_ok = window & ~(calendar.unavailable_bits(host) | _any_of(calendar, team))
    usable = talk_ok & ~_any_of(calendar, homes)
    length = project.visit_days
    fits = usable  # bit t: term days t..t+length-1 are all usable
    for k in range(1, length):
        fits &= usable >> k
    ids = (host, *team)
    marks = [b for some_id in ids if (b := calendar.preferred_bits(some_id))]
    liked = 0
    for b in marks:
        liked |= b
    preferred = {t: sum(b >> t & 1 for b in marks) for t in _days_of(liked)}
    settings = round_.settings.calendar
    gap = settings.min_gap_days if project.min_gap_days is None else project.min_gap_days
    return DatedProject(
        project_id=project.project_id,
        host=host,
        team=tuple(team),
        releasing=dict(releasing),
        visits=project.visits,
        visit_days=length,
        min_gap=max(1, gap),
        presentation=project.presentation,
        starts=_days_of(fits),
        presentation_days=_days_of(talk_ok) if project.presentation else (),
        preferred=preferred,
    )


def encode_schedule(round_: Round, plan: Plan) -> SchedulingProblem:
    """The staffed projects of a plan, with the starts each may use."""
    calendar = SchoolCalendar(round_.settings, round_.availability)
    settings = round_.settings.calendar
    # One pass over the assignments (``Plan.team`` scans them all for each project).
    teams: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        teams[a.project_id].append(a.staff_id)
    dated = [
        dated_project(round_, calendar, project, sorted(teams[project.project_id]))
        for project in round_.projects
        if project.project_id in teams
    ]
    days = calendar.term_days
    last = frozenset(t for t, day in enumerate(days) if day in calendar.last_weeks)
    return SchedulingProblem(
        days=days,
        projects=tuple(dated),
        max_out={s.school_id: s.max_staff_out_per_day for s in round_.schools},
        max_visits_per_day=settings.max_visits_per_day,
        last_week=last,
        weights=round_.settings.schedule_weights.model_dump(),
        times=(
            settings.day_start,
            settings.day_end,
            settings.presentation_start,
            settings.presentation_end,
        ),
    )


def earliest_dates(days: Sequence[dt.date], p: DatedProject) -> list[int] | None:
    """Starts of each visit (and the presentation) taken as early as possible, or None.

    Taking each visit at its earliest allowed start leaves the most room for the next, so this
    decides whether a project can be dated at all, ignoring every other project.
    """

    def ordinal(t: int) -> int:
        return days[t].toordinal()

    chosen: list[int] = []
    first_free = -(10**9)
    for _ in range(p.visits):
        start = next((t for t in p.starts if ordinal(t) >= first_free), None)
        if start is None:
            return None
        chosen.append(start)
        first_free = ordinal(start + p.visit_days - 1) + p.min_gap
    if p.presentation:
        after = ordinal(chosen[-1] + p.visit_days - 1)
        day = next((t for t in p.presentation_days if ordinal(t) > after), None)
        if day is None:
            return None
        chosen.append(day)
    return chosen


@dataclass
class SchedulingModel:
    problem: SchedulingProblem
    model: cp_model.CpModel
    scheduled: list[cp_model.IntVar]
    start: list[list[dict[int, cp_model.IntVar]]]  # project -> visit -> term day -> literal
    present: list[dict[int, cp_model.IntVar]]  # project -> term day -> literal
    terms: dict[str, cp_model.LinearExprT] = field(default_factory=dict)
    _occupancy: list[dict[int, list[cp_model.IntVar]]] = field(default_factory=list)

    def occupied(self, j: int, t: int) -> list[cp_model.IntVar]:
        """Literals that put project j's team at the host on term day t (visit days only)."""
        return self.occupancy(j).get(t, [])

    def occupancy(self, j: int) -> dict[int, list[cp_model.IntVar]]:
        """Term day -> literals that put project j's team at the host that day (visit days)."""
        if not self._occupancy:
            for k, p in enumerate(self.problem.projects):
                days: dict[int, list[cp_model.IntVar]] = defaultdict(list)
                for visit in self.start[k]:
                    for s, literal in visit.items():
                        for day in range(s, s + p.visit_days):
                            days[day].append(literal)
                self._occupancy.append(days)
        return self._occupancy[j]

    def busy(self, j: int) -> dict[int, list[cp_model.IntVar]]:
        """Term day -> literals that occupy project j's team that day (visits and presentation)."""
        days: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for t, literals in self.occupancy(j).items():
            days[t].extend(literals)
        for t, literal in self.present[j].items():
            days[t].append(literal)
        return days


@dataclass
class _Terms:
    """Literals and their coefficients, summed in one call: a Python ``sum`` of ``c * lit``
    builds an expression per term, and building models was most of a part's time."""

    literals: list[cp_model.IntVar] = field(default_factory=list)
    coefficients: list[int] = field(default_factory=list)

    def add(self, literals: Sequence[cp_model.IntVar], coefficient: int) -> None:
        self.literals.extend(literals)
        self.coefficients.extend([coefficient] * len(literals))

    def expr(self) -> LinearExpr:
        return LinearExpr.weighted_sum(self.literals, self.coefficients)


def add_one_start_per_visit(m: SchedulingModel) -> None:
    """Hard: a scheduled project dates each visit once (and its presentation once)."""
    for j, visits in enumerate(m.start):
        for visit in visits:
            m.model.add(LinearExpr.sum(list(visit.values())) == m.scheduled[j])
        if m.problem.projects[j].presentation:
            m.model.add(LinearExpr.sum(list(m.present[j].values())) == m.scheduled[j])


def add_visit_order(m: SchedulingModel) -> None:
    """Hard: visits in order, at least min_gap days apart; the presentation after the last."""
    pr = m.problem
    ordinal = [pr.ordinal(t) for t in range(len(pr.days))]

    def day_of(literals: dict[int, cp_model.IntVar], offset: int = 0) -> LinearExpr:
        """The (offset) day of the start chosen among ``literals``, as a calendar ordinal."""
        return LinearExpr.weighted_sum(
            list(literals.values()), [ordinal[t + offset] for t in literals]
        )

    for j, p in enumerate(pr.projects):
        flag = m.scheduled[j]
        if not m.start[j][0]:
            # Never dated (its flag is fixed to 0): the rule only bounds the flag. Written as
            # before, and below as ``later - earlier >= 0``, so the model proto is unchanged.
            for _ in range(p.visits - 1):
                m.model.add(p.min_gap * flag <= 0)
            if p.presentation:
                m.model.add(flag <= 0)
            continue
        first = [day_of(v) for v in m.start[j]]
        last = [day_of(v, p.visit_days - 1) for v in m.start[j]]
        for v in range(p.visits - 1):
            m.model.add(first[v + 1] - last[v] - p.min_gap * flag >= 0)
        if p.presentation:
            m.model.add(day_of(m.present[j]) - last[-1] - flag >= 0)


def add_one_place_per_day(m: SchedulingModel) -> None:
    """Hard: a person is at one visit or presentation per day."""
    by_person: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(m.problem.projects):
        for person in p.team:
            by_person[person].append(j)
    for projects in by_person.values():
        if len(projects) < 2:
            continue  # one project's own events never overlap (visit order keeps them apart)
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for j in projects:
            for t, literals in m.busy(j).items():
                per_day[t].extend(literals)
        for literals in per_day.values():
            if len(literals) > 1:
                m.model.add(LinearExpr.sum(literals) <= 1)


def add_release_per_day(m: SchedulingModel) -> None:
    """Hard: a school releases at most max_staff_out_per_day staff on any visit day."""
    by_school: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(m.problem.projects):
        for school in p.releasing:
            by_school[school].append(j)
    for school, projects in by_school.items():
        limit = m.problem.max_out[school]
        if sum(m.problem.projects[j].releasing[school] for j in projects) <= limit:
            continue
        out: dict[int, _Terms] = defaultdict(_Terms)
        for j in projects:
            count = m.problem.projects[j].releasing[school]
            for t, literals in m.occupancy(j).items():
                out[t].add(literals, count)
        for t in sorted(out):
            m.model.add(out[t].expr() <= limit)


def add_host_visits_per_day(m: SchedulingModel) -> None:
    """Hard: a host receives at most max_visits_per_day teams on any day."""
    by_host: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(m.problem.projects):
        by_host[p.host].append(j)
    limit = m.problem.max_visits_per_day
    for projects in by_host.values():
        if len(projects) <= limit:
            continue
        visiting: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for j in projects:
            for t, literals in m.occupancy(j).items():
                visiting[t].extend(literals)
        for t in sorted(visiting):
            if len(visiting[t]) > limit:
                m.model.add(LinearExpr.sum(visiting[t]) <= limit)


HARD_RULES: tuple[Callable[[SchedulingModel], None], ...] = (
    add_one_start_per_visit,
    add_visit_order,
    add_one_place_per_day,
    add_release_per_day,
    add_host_visits_per_day,
)


def unscheduled(m: SchedulingModel) -> cp_model.LinearExprT:
    """Soft: staffed projects whose visits could not all be dated (large weight)."""
    return sum(1 - s for s in m.scheduled)


def preferred_days(m: SchedulingModel) -> cp_model.LinearExprT:
    """Soft (reward): visit days on a day the host or a team member prefers, per person."""
    terms = _Terms()
    for j, p in enumerate(m.problem.projects):
        for t, n in p.preferred.items():
            terms.add(m.occupied(j, t), n)
    return terms.expr()


def release_spread(m: SchedulingModel) -> cp_model.LinearExprT:
    """Soft: each school's staff-days out in its busiest week (spread release over the round)."""
    pr = m.problem
    week_of = [day.isocalendar()[:2] for day in pr.days]
    by_school: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(pr.projects):
        for school in p.releasing:
            by_school[school].append(j)
    peaks = []
    for school, projects in sorted(by_school.items()):
        weekly: dict[tuple[int, int], _Terms] = defaultdict(_Terms)
        for j in projects:
            count = pr.projects[j].releasing[school]
            for t, literals in m.occupancy(j).items():
                weekly[week_of[t]].add(literals, count)
        most = sum(
            pr.projects[j].releasing[school] * pr.projects[j].visits * pr.projects[j].visit_days
            for j in projects
        )
        peak = m.model.new_int_var(0, most, f"busiest_week[{school}]")
        for out in weekly.values():
            if out.literals:
                m.model.add(peak >= out.expr())
        peaks.append(peak)
    return sum(peaks)


def end_of_term(m: SchedulingModel) -> cp_model.LinearExprT:
    """Soft: staff visit-days in the last week of a term (reports, events, tired staff)."""
    terms = _Terms()
    for j, p in enumerate(m.problem.projects):
        for t in m.problem.last_week:
            terms.add(m.occupied(j, t), len(p.team))
    return terms.expr()


SOFT_TERMS: tuple[tuple[str, Callable[[SchedulingModel], cp_model.LinearExprT], int, str], ...] = (
    ("unscheduled", unscheduled, +1, "staffed projects left undated"),
    ("preferred_days", preferred_days, -1, "visit days on preferred days (reward)"),
    ("release_spread", release_spread, +1, "sum of each school's busiest-week staff-days"),
    ("end_of_term", end_of_term, +1, "staff visit-days in a term's last week"),
)


def build_schedule_model(
    problem: SchedulingProblem,
    *,
    hard_rules: Sequence[Callable[[SchedulingModel], None]] = HARD_RULES,
) -> SchedulingModel:
    """Variables, the given hard rules (all by default), soft terms and the objective."""
    model = cp_model.CpModel()
    scheduled, start, present = [], [], []
    for p in problem.projects:
        feasible = earliest_dates(problem.days, p) is not None
        flag = model.new_bool_var(f"scheduled[{p.project_id}]")
        if not feasible:
            model.add(flag == 0)  # cannot be dated even alone; reported by the caller
        scheduled.append(flag)
        start.append(
            [
                {
                    t: model.new_bool_var(f"start[{p.project_id},v{v + 1},{problem.days[t]}]")
                    for t in (p.starts if feasible else ())
                }
                for v in range(p.visits)
            ]
        )
        present.append(
            {
                t: model.new_bool_var(f"present[{p.project_id},{problem.days[t]}]")
                for t in (p.presentation_days if feasible else ())
            }
        )
    m = SchedulingModel(problem, model, scheduled, start, present)
    for add_rule in hard_rules:
        add_rule(m)
    objective = 0
    for name, build, sign, _description in SOFT_TERMS:
        m.terms[name] = build(m)
        objective += sign * problem.weights[name] * m.terms[name]
    model.minimize(objective)
    return m


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

    Every part is fingerprinted whole (``solvers.memo``): with all 20,000 schools' limits in
    each, pickling the parts of a national round took longer than dating most of them.
    """
    max_out = {school: problem.max_out[school] for p in projects for school in p.releasing}
    return replace(problem, projects=projects, max_out=max_out)


def solve_schedule(
    problem: SchedulingProblem,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    gap_limit: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
    solved_parts: SolvedParts[PartDates] | None = None,
    budget: Budget | None = None,
) -> ScheduleSolution:
    """Date every visit it can; the rest are listed for the caller to explain or re-match.

    Each independent part (``components``) is solved on its own, ``workers`` at a time, with a
    share of the time limit in proportion to its size. ``gap_limit`` stops each part once its
    dates are proven within that relative gap on the quality terms
    (``solvers.watch.GapWatch``). Parts found in ``solved_parts`` are not solved again. The
    limit is counted in work, not seconds, as for ``solvers.assignment.solve_matching``.
    """
    started = time.perf_counter()
    budget = Budget(time_limit) if budget is None else budget
    parts = components(problem)

    def solve(part: int, share: Budget, cp_sat_workers: int) -> PartDates:
        return _solve_part(parts[part], share, seed, cp_sat_workers, gap_limit, progress)

    # Even a tiny part gets a second: below that CP-SAT may not finish presolve. Once the time
    # is spent, parts still waiting keep their greedy dates (valid, unproven).
    # What all parts share (days, weights, times) is digested once, then each part's own
    # projects and limits with it: the key still covers a part's whole content.
    shared = fingerprint(replace(problem, projects=(), max_out={}))
    solved = solve_new_parts(
        [fingerprint((shared, part.projects, part.max_out)) for part in parts],
        [len(part.projects) for part in parts],
        solve,
        memo=SolvedParts[PartDates]() if solved_parts is None else solved_parts,
        budget=budget,
        workers=workers,
        floor=lambda part: 1.0,
        overtime=lambda part: _greedy_part(parts[part]),
    )
    solution = _merge(problem, solved, time.perf_counter() - started, seed, workers)
    return replace(solution, result=replace(solution.result, repeatable=budget.repeatable))


# A part's search may use at most this long plus this much per project: the bound rarely
# proves a clash unavoidable, so the gap stop alone would let every part with an undated project
# run to its share. (A stop once the dates stall would read the clock, and a run would then
# not repeat: the cap is work, like every other limit.)
BASE_SECONDS = 1.0
SECONDS_PER_PROJECT = 0.05
# Large dating models do less work per second than matching ones: about 0.25 units a second at
# 25,000 variables, 0.19 at 42,000, 0.17 at 58,000 and 0.13 at 194,000 (parts of the national
# cohort, idle machine). Their rate is taken to fall as the size's power -0.4 above this size,
# so that a part's nominal seconds stay near its wall-clock seconds.
RATE_REFERENCE_VARIABLES = 20_000
RATE_EXPONENT = 0.4


def work_rate(variables: int) -> float:
    """Work a dating model of this many variables does per second per core (solvers.budget)."""
    scale = min(1.0, RATE_REFERENCE_VARIABLES / max(1, variables)) ** RATE_EXPONENT
    return WORK_PER_CORE_SECOND * scale


@dataclass(frozen=True)
class PartDates:
    """The dates found for one independent part, and how good they are."""

    status: int
    objective: float
    bound: float
    terms: dict[str, int]
    events: list[ScheduledEvent]
    undated: list[str]


def _solve_part(
    problem: SchedulingProblem,
    budget: Budget,
    seed: int,
    workers: int,
    gap_limit: float,
    progress: Callable[[Progress], None] | None,
) -> PartDates:
    # The greedy dates are the incumbent, not a CP-SAT hint: a hint is followed branch by
    # branch with the LP at every node, slower than searching from scratch (as in matching).
    start = _greedy_part(problem)
    m = build_schedule_model(problem)
    solver = cp_model.CpSolver()
    rate = work_rate(len(m.model.proto.variables))
    cap = BASE_SECONDS + SECONDS_PER_PROJECT * len(problem.projects)
    budget.limit(solver, workers, cap, rate=rate)
    solver.parameters.random_seed = int(seed)
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
        gap_limit,
        progress,
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
        starts = [next(t for t, lit in v.items() if solver.value(lit)) for v in m.start[j]]
        talk = next((t for t, lit in m.present[j].items() if solver.value(lit)), None)
        events.extend(_events(problem, p, starts, talk))
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
    seed: int,
    workers: int,
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
        seed=seed,
        workers=workers,
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


def _events(
    problem: SchedulingProblem, p: DatedProject, starts: Sequence[int], talk: int | None
) -> list[ScheduledEvent]:
    """The dated events of one project: each visit from its first term day, then the talk."""
    visit_start, visit_end, talk_start, talk_end = problem.times
    events = [
        ScheduledEvent(
            visit_id=f"{p.project_id}-v{v + 1}-d{d + 1}",
            project_id=p.project_id,
            visit_no=v + 1,
            day_no=d + 1,
            kind="visit",
            date=problem.days[first + d],
            start=visit_start,
            end=visit_end,
            host_school_id=p.host,
            staff_ids=p.team,
        )
        for v, first in enumerate(starts)
        for d in range(p.visit_days)
    ]
    if talk is not None:
        events.append(
            ScheduledEvent(
                visit_id=f"{p.project_id}-p",
                project_id=p.project_id,
                visit_no=p.visits,
                kind="presentation",
                date=problem.days[talk],
                start=talk_start,
                end=talk_end,
                host_school_id=p.host,
                staff_ids=p.team,
            )
        )
    return events


def _greedy_part(problem: SchedulingProblem) -> PartDates:
    """No dates within the time: keep the greedy dates (feasible) rather than none, unproven."""
    dated = greedy_dates(problem)
    events: list[ScheduledEvent] = []
    undated: list[str] = []
    preferred = late = 0
    weekly: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    for j, p in enumerate(problem.projects):
        if j not in dated:
            undated.append(p.project_id)
            continue
        days, talk = dated[j]
        events.extend(_events(problem, p, days[:: p.visit_days], talk))
        for t in days:
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


def greedy_dates(problem: SchedulingProblem) -> dict[int, tuple[list[int], int | None]]:
    """Date projects one by one, fewest options first, each at its earliest free dates.

    What a coordinator would do by hand, and a feasible starting point (hint) for the model:
    the linking rules are kept through day-by-day tallies. Returns, per project index dated,
    its visit days (term-day indices) and its presentation day.
    """
    tally = _Tally(problem)
    dated: dict[int, tuple[list[int], int | None]] = {}
    order = sorted(range(len(problem.projects)), key=lambda j: (len(problem.projects[j].starts), j))
    for j in order:
        p = problem.projects[j]
        picked = tally.earliest_free(p)
        if picked is not None:
            tally.book(p, *picked)
            dated[j] = picked
    return dated


class _Tally:
    """Who is out, and which hosts receive, on each term day so far."""

    def __init__(self, problem: SchedulingProblem) -> None:
        self.problem = problem
        self.person_days: set[tuple[str, int]] = set()
        self.out: dict[tuple[str, int], int] = defaultdict(int)
        self.hosted: dict[tuple[str, int], int] = defaultdict(int)

    def free(self, p: DatedProject, t: int) -> bool:
        return (
            all((person, t) not in self.person_days for person in p.team)
            and all(self.out[(s, t)] + n <= self.problem.max_out[s] for s, n in p.releasing.items())
            and self.hosted[(p.host, t)] < self.problem.max_visits_per_day
        )

    def earliest_free(self, p: DatedProject) -> tuple[list[int], int | None] | None:
        ordinal = self.problem.ordinal
        days: list[int] = []
        first_free = -(10**9)
        for _ in range(p.visits):
            start = next(
                (
                    t
                    for t in p.starts
                    if ordinal(t) >= first_free
                    and all(self.free(p, d) for d in range(t, t + p.visit_days))
                ),
                None,
            )
            if start is None:
                return None
            days.extend(range(start, start + p.visit_days))
            first_free = ordinal(days[-1]) + p.min_gap
        if not p.presentation:
            return days, None
        talk = next(
            (
                t
                for t in p.presentation_days
                if ordinal(t) > ordinal(days[-1])
                and all((person, t) not in self.person_days for person in p.team)
            ),
            None,
        )
        return None if talk is None else (days, talk)

    def book(self, p: DatedProject, days: list[int], talk: int | None) -> None:
        for t in days:
            self.person_days.update((person, t) for person in p.team)
            for school, count in p.releasing.items():
                self.out[(school, t)] += count
            self.hosted[(p.host, t)] += 1
        if talk is not None:
            self.person_days.update((person, talk) for person in p.team)
