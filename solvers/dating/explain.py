"""Why a staffed project could not be dated, and what the matcher should do about it.

Three answers, cheapest first:

- the **project** cannot be dated even by its host alone (window too short, host closed):
  no team can help, so the project is reported unstaffable with the date rules that block it
  (its scoping meeting, presentation deadline and governors' evening included);
- some **members** cannot make any dates that fit (their own or their school's calendar):
  those (reviewer, project) pairs are fed back to the matcher as forbidden;
- the team could be dated alone, but not **alongside the other visits**: the linking rule that
  blocks it (one place per day, school release per day, host visits per day) is found by
  relaxing each in turn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from matcher.days import SchoolCalendar
from matcher.model import Project, Round
from matcher.rules import rule
from solvers.dating import model as dating_model
from solvers.dating.encode import (
    DatedProject,
    SchedulingProblem,
    dated_project,
    earliest_dates,
)
from solvers.engine.budget import Budget
from solvers.engine.calibration import EXPLAIN_MAX_SECONDS


@dataclass(frozen=True)
class Diagnosis:
    kind: str  # "project" | "members" | "contention"
    reason: str
    blocking_members: tuple[str, ...] = ()


# How an undated project's reason starts when other visits took its dates (contention): a
# re-plan reads it back from the published unfilled.csv (matcher.pipeline).
CLASHES = "clashes with other visits"


def _shape(project: Project, gap: int, within: int | None) -> str:
    visits = f"{project.visits} visit(s) of {project.visit_days} consecutive school day(s)"
    if project.scoping_meeting:
        visits = "a scoping meeting with the host, then " + visits
    if project.visits > 1:
        visits += f" at least {gap} day(s) apart"
    if project.presentation:
        visits += ", then a presentation"
        if within is not None:
            visits += f" within {within} school day(s) of the last visit"
    if project.governors_presentation:
        visits += ", then one to governors on a later day"
    return visits


def _kind_blocking(days: Sequence[dt.date], alone: DatedProject) -> str:
    """Words naming the event kind (its rule) without which the project would fit, if one."""
    dropped = (
        ("scoping", replace(alone, scoping=False, scoping_days=())),
        ("presentation_within", replace(alone, within=None)),
        ("governors", replace(alone, governors=False, governors_days=())),
    )
    for name, relaxed in dropped:
        if relaxed != alone and earliest_dates(days, relaxed) is not None:
            return f" (rule {name}: {rule('dating', name).statement[:-1].lower()})"
    return ""


def diagnose(
    round_: Round,
    calendar: SchoolCalendar,
    project: Project,
    team: Sequence[str],
    problem: SchedulingProblem | None = None,
    *,
    budget: Budget | None = None,
    lead: str | None = None,
    models: ClashModels | None = None,
) -> Diagnosis:
    """Why ``project`` with ``team`` was left undated (see the module docstring).

    With ``problem`` (the project's part) a clash with other visits also names the rule behind
    it, each rule's search within ``budget`` (default ``EXPLAIN_MAX_SECONDS`` of work).
    ``lead`` is who would attend a scoping meeting (``Plan.lead_of``). ``models`` keeps the
    part's model for its other clashing projects (by default it is built for this one only)."""
    days = calendar.term_days
    alone = dated_project(round_, calendar, project, [])
    shape = _shape(project, alone.min_gap, alone.within)
    window = f"between {project.earliest} and {project.latest}"
    if earliest_dates(days, alone) is None:
        open_days = sum(
            1
            for day in days
            if project.earliest <= day <= project.latest
            and calendar.school_open(project.host_school_id, day)
        )
        return Diagnosis(
            "project",
            f"cannot be dated: {shape} do not fit {window}{_kind_blocking(days, alone)}, "
            "where the host "
            f"{project.host_school_id} is open on {open_days} term day(s) (weekends, holidays, "
            "INSET and bank holidays and the host's unavailable days excluded)",
        )
    blocking = tuple(
        person
        for person in team
        if earliest_dates(days, dated_project(round_, calendar, project, [person], lead)) is None
    )
    if blocking:
        return Diagnosis(
            "members",
            f"no dates {window} suit both the host and {', '.join(blocking)} "
            "(their own or their school's unavailable days)",
            blocking,
        )
    if earliest_dates(days, dated_project(round_, calendar, project, team, lead)) is None:
        return Diagnosis(
            "members",
            f"the team {', '.join(team)} has no common dates {window} for {shape}",
            tuple(team),
        )
    searching = budget or Budget(EXPLAIN_MAX_SECONDS)
    rule = (
        _clashing_rule(problem, project.project_id, searching, models or ClashModels())
        if problem
        else None
    )
    words = {
        "one_place": "a team member is already on other visits on every date left",
        "release_per_day": "a releasing school already has its most staff out per day "
        "on every date left",
        "host_per_day": "the host already receives its most teams per day on every date left",
        "leaders_per_day": "a releasing school already has its most senior leaders and "
        "headteachers out per day on every date left",
    }
    return Diagnosis(
        "contention",
        f"{CLASHES}: {words.get(rule or '', 'the dates left are all taken')}",
    )


# Each rule search loads and presolves the project's whole part, at about this many projects a
# second whatever its deterministic limit: 1,100 to 4,200 measured on the 2,000-school
# cohort's parts of 114-219 projects (load 2.5, 2 cores); on the national cohort's larger parts
# these loads were most of the 131 s naming took for 13 s of work charged.
CLASH_LOADED_PER_SECOND = 2_000


# The rules that link one project's dates to another's, in the order a clash is put down to
# them: the first that, dropped alone, lets the project be dated is the one named.
LINKING = ("one_place", "release_per_day", "leaders_per_day", "host_per_day")
# Constraint kinds CP-SAT obeys an enforcement literal on (cp_model.proto). The linking rules
# add linear constraints only; one of another kind would be enforced always, naming the wrong
# rule, so it fails loudly instead.
_ENFORCEABLE = ("linear", "bool_or", "bool_and")


@dataclass
class ClashModel:
    """A part's dating model, without objective, each linking rule under a literal of its own:
    fixing all but one literal true gives the model with that rule dropped, so one build
    answers every rule for every project of the part."""

    part: SchedulingProblem
    dating: dating_model.SchedulingModel
    enforced: dict[str, cp_model.IntVar]


def clash_model(part: SchedulingProblem) -> ClashModel:
    """``part``'s model for naming clashes (``ClashModel``); rules in ``HARD_RULES`` order, so
    with every literal true its constraints are those of the usual model, in the same order."""
    m = dating_model.build_schedule_model(part, hard_rules=(), objective=False)
    constraints = m.model.proto.constraints
    enforced: dict[str, cp_model.IntVar] = {}
    for hard_rule in dating_model.HARD_RULES:
        before = len(constraints)
        hard_rule.add(m)
        if hard_rule.name not in LINKING:
            continue
        literal = m.model.new_bool_var(f"enforce[{hard_rule.name}]")
        for c in range(before, len(constraints)):
            constraint = constraints[c]
            if not any(getattr(constraint, f"has_{kind}")() for kind in _ENFORCEABLE):
                raise ValueError(
                    f"rule {hard_rule.name} adds a constraint CP-SAT cannot enforce under a "
                    f"literal, so it cannot be dropped alone: {constraint}"
                )
            constraint.enforcement_literal.append(literal.index)
        enforced[hard_rule.name] = literal
    return ClashModel(part, m, enforced)


class ClashModels:
    """Each part's ``ClashModel``, built the first time one of its projects is named and kept
    for its others (``matcher.pipeline`` names every clashing project of a round in turn)."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, ...], ClashModel] = {}
        self.built = 0  # models built so far: what naming charges for (matcher.pipeline)
        # Work the rule searches took so far, counted, not clocked (matcher.pipeline charges
        # it): each search's allowance, and loading its part into CP-SAT, which the
        # deterministic limit does not cover and which dominates on large parts.
        self.searched = 0.0

    def of(self, part: SchedulingProblem) -> ClashModel:
        # Parts hold dicts, so they do not hash: keyed by their projects, and a different part
        # with the same projects (another encoding of the round) gets a model of its own.
        key = tuple(p.project_id for p in part.projects)
        found = self._models.get(key)
        if found is None or (found.part is not part and found.part != part):
            found = self._models[key] = clash_model(part)
            self.built += 1
        return found

    def release(self, part: SchedulingProblem) -> None:
        """Forget ``part``'s model (its last clashing project is named): a large part's model
        is big, and a round may have many parts."""
        self._models.pop(tuple(p.project_id for p in part.projects), None)


def _fix(model: cp_model.CpModel, literal: cp_model.IntVar, value: bool | None) -> None:
    """Fix ``literal`` to ``value`` in the model's proto, or free it again (``None``)."""
    domain = model.proto.variables[literal.index].domain
    domain[0], domain[1] = (0, 1) if value is None else (int(value), int(value))


def _clashing_rule(
    problem: SchedulingProblem, project_id: str, budget: Budget, models: ClashModels
) -> str | None:
    """The linking rule that, dropped alone, lets the project be dated with all the others."""
    # Callers pass the project's own part (``solvers.dating.strategy.components``): nothing
    # else can clash with it, and a model of the part alone answers the same, far faster.
    part = problem
    index = next(j for j, p in enumerate(part.projects) if p.project_id == project_id)
    guarded = models.of(part)
    model = guarded.dating.model
    # The project dated and each rule kept or dropped by fixing literals, not by assumptions:
    # with assumptions CP-SAT keeps every feasible solution through presolve, which then no
    # longer proves a clash at once as it does on a model without the rule, so the searches
    # took several times the work and the larger parts of the 2,000-school cohort ran out of
    # it, naming no rule. Fixed, presolve drops a dropped rule's constraints and treats the
    # others as plain ones: the model each rule's search had before, built once.
    _fix(model, guarded.dating.scheduled[index], True)
    try:
        for dropped in LINKING:
            for name, literal in guarded.enforced.items():
                _fix(model, literal, name != dropped)
            solver = cp_model.CpSolver()
            # Work, not seconds, so the rule named is the same on every run
            # (solvers.engine.budget). Each rule's search gets the whole amount, on a deadline
            # of its own.
            Budget(budget.seconds).limit(solver, 1)
            solver.parameters.num_workers = 1
            models.searched += budget.seconds + len(part.projects) / CLASH_LOADED_PER_SECOND
            if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return dropped
        return None
    finally:
        # Free again for the part's next project.
        _fix(model, guarded.dating.scheduled[index], None)
        for literal in guarded.enforced.values():
            _fix(model, literal, None)
