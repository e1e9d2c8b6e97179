"""CP-SAT visit dating: every visit of every staffed project on a day that breaks no date rule.

Each event kind has its own literals per term day: visit starts, the presentation, the
scoping meeting and the governors' presentation (the last three only for projects that ask
for them). The rules that link projects (one place per person per day, school release per
day, host visits per day) and each project's own order are ``add_*`` functions in
``HARD_RULES``; the soft terms are in
``SOFT_TERMS``; the objective is built in ``build_schedule_model``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from solvers.dating.encode import DatedProject, SchedulingProblem, earliest_dates
from solvers.engine.rules import ModelRule, model_rule


@dataclass
class SchedulingModel:
    problem: SchedulingProblem
    model: cp_model.CpModel
    scheduled: list[cp_model.IntVar]
    start: list[list[dict[int, cp_model.IntVar]]]  # project -> visit -> term day -> literal
    present: list[dict[int, cp_model.IntVar]]  # project -> term day -> literal
    scope: list[dict[int, cp_model.IntVar]] = field(default_factory=list)  # scoping meeting
    govern: list[dict[int, cp_model.IntVar]] = field(default_factory=list)  # to governors
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
        for t, literal in self.govern[j].items():
            days[t].append(literal)
        return days

    def day_index(self, literals: Mapping[int, cp_model.IntVar], offset: int = 0) -> LinearExpr:
        """The term-day index (plus ``offset``) of the day chosen among ``literals``."""
        return LinearExpr.weighted_sum(list(literals.values()), [t + offset for t in literals])


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
        p = m.problem.projects[j]
        for asked, literals in (
            (p.presentation, m.present[j]),
            (p.scoping, m.scope[j]),
            (p.governors, m.govern[j]),
        ):
            if asked:
                m.model.add(LinearExpr.sum(list(literals.values())) == m.scheduled[j])


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


def add_scoping(m: SchedulingModel) -> None:
    """Hard: a scoping meeting comes on a term day before the first visit's first day."""
    for j, p in enumerate(m.problem.projects):
        if p.scoping and m.scope[j]:
            first = m.day_index(m.start[j][0])
            m.model.add(first - m.day_index(m.scope[j]) - m.scheduled[j] >= 0)


def add_presentation_within(m: SchedulingModel) -> None:
    """Hard: the presentation falls within ``within`` term days after the last visit day."""
    for j, p in enumerate(m.problem.projects):
        if p.presentation and p.within is not None and m.present[j]:
            last = m.day_index(m.start[j][-1], p.visit_days - 1)
            m.model.add(m.day_index(m.present[j]) - last <= p.within)


def add_governors(m: SchedulingModel) -> None:
    """Hard: the governors' presentation comes on a later term day than the presentation."""
    for j, p in enumerate(m.problem.projects):
        if p.governors and m.govern[j]:
            talk = m.day_index(m.present[j])
            m.model.add(m.day_index(m.govern[j]) - talk - m.scheduled[j] >= 0)


def add_one_place_per_day(m: SchedulingModel) -> None:
    """Hard: a person is at one event per day (a visit, a meeting or a presentation)."""
    by_person: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(m.problem.projects):
        for person in p.team:
            by_person[person].append(j)
    for person, projects in by_person.items():
        if len(projects) < 2:
            continue  # one project's own events never overlap (visit order keeps them apart)
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for j in projects:
            for t, literals in m.busy(j).items():
                per_day[t].extend(literals)
            if m.problem.projects[j].lead == person:
                for t, literal in m.scope[j].items():
                    per_day[t].append(literal)
        for literals in per_day.values():
            if len(literals) > 1:
                m.model.add(LinearExpr.sum(literals) <= 1)


def _cap_per_day(
    m: SchedulingModel,
    counts: Callable[[DatedProject], Mapping[str, int]],
    limits: Mapping[str, int],
    scoping: Callable[[DatedProject], Mapping[str, int]],
) -> None:
    """Each school's people out on any day, ``counts`` per project on its visit days and
    ``scoping`` on its scoping meeting's, within its limit; schools whose projects together
    cannot pass it get no constraint."""
    by_school: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(m.problem.projects):
        for school in {**counts(p), **scoping(p)}:
            by_school[school].append(j)
    for school, projects in by_school.items():
        limit = limits[school]
        most = [
            max(
                counts(m.problem.projects[j]).get(school, 0),
                scoping(m.problem.projects[j]).get(school, 0),
            )
            for j in projects
        ]
        if sum(most) <= limit:
            continue  # cannot bind (a project's meeting and visits are on different days)
        out: dict[int, _Terms] = defaultdict(_Terms)
        for j in projects:
            count = counts(m.problem.projects[j]).get(school, 0)
            for t, literals in m.occupancy(j).items():
                out[t].add(literals, count)
            lead = scoping(m.problem.projects[j]).get(school, 0)
            for t, literal in m.scope[j].items():
                out[t].add([literal], lead)
        for t in sorted(out):
            m.model.add(out[t].expr() <= limit)


def add_release_per_day(m: SchedulingModel) -> None:
    """Hard: a school releases at most max_staff_out_per_day staff on any visit day."""
    _cap_per_day(m, lambda p: p.releasing, m.problem.max_out, lambda p: p.scoping_releasing)


def add_leaders_per_day(m: SchedulingModel) -> None:
    """Hard: a school with a max_leaders_out_per_day has at most that many of its senior
    leaders and headteachers out on visits on any day (presentations are after school)."""
    _cap_per_day(
        m, lambda p: p.leaders_releasing, m.problem.max_leaders_out, lambda p: p.scoping_leaders
    )


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


def add_locks(m: SchedulingModel) -> None:
    """Hard: a locked visit is dated, its first day on the locked date (locks.csv)."""
    for j, p in enumerate(m.problem.projects):
        for v, t in sorted(p.locked_starts.items()):
            m.model.add(m.scheduled[j] == 1)
            literal = m.start[j][v].get(t) if v < len(m.start[j]) else None
            if literal is None:
                m.model.add_bool_or([])  # a date the visit cannot start on: infeasible
            else:
                m.model.add(literal == 1)


HARD_RULES: tuple[ModelRule[SchedulingModel], ...] = (
    model_rule("dating", "complete", add_one_start_per_visit),
    model_rule("dating", "visit_order", add_visit_order),
    model_rule("dating", "one_place", add_one_place_per_day),
    model_rule("dating", "release_per_day", add_release_per_day),
    model_rule("dating", "leaders_per_day", add_leaders_per_day),
    model_rule("dating", "host_per_day", add_host_visits_per_day),
    model_rule("dating", "locks", add_locks),
    model_rule("dating", "scoping", add_scoping),
    model_rule("dating", "presentation_within", add_presentation_within),
    model_rule("dating", "governors", add_governors),
)
"""The rules linking visits, each under its ``matcher.rules`` name; ``school_day`` and
``whole_team`` are kept by ``solvers.dating.encode``, which allows only such starts."""


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
    hard_rules: Sequence[ModelRule[SchedulingModel]] = HARD_RULES,
    objective: bool = True,
) -> SchedulingModel:
    """Variables, the given hard rules (all by default), soft terms and the objective.

    Without ``objective`` neither the soft terms nor the objective are built: a search that
    only asks whether dates exist (``solvers.dating.explain``) would pay for them, chiefly
    the busiest-week variables of ``release_spread``, and never read them."""
    model = cp_model.CpModel()
    scheduled, start, present, scope, govern = [], [], [], [], []
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
        scope.append(
            {
                t: model.new_bool_var(f"scoping[{p.project_id},{problem.days[t]}]")
                for t in (p.scoping_days if feasible else ())
            }
        )
        govern.append(
            {
                t: model.new_bool_var(f"governors[{p.project_id},{problem.days[t]}]")
                for t in (p.governors_days if feasible else ())
            }
        )
    m = SchedulingModel(problem, model, scheduled, start, present, scope, govern)
    for hard_rule in hard_rules:
        hard_rule.add(m)
    if not objective:
        return m
    total: cp_model.LinearExpr | int = 0
    for name, build, sign, _description in SOFT_TERMS:
        m.terms[name] = build(m)
        # A term is a LinearExpr or 0, never the numpy integer LinearExprT also allows.
        total += sign * problem.weights[name] * cast("cp_model.LinearExpr | int", m.terms[name])
    model.minimize(total)
    return m
