"""An independent plan checker: every hard rule re-checked in plain Python.

Nothing here is shared with ``solvers/``. A bug in the CP-SAT model then shows up as a
disagreement between two implementations instead of being repeated by both, so every solver
test and the ``matcher verify`` command run their plans through :func:`verify_plan`.

Each rule is one small function that yields what it finds; the functions are registered
under their rule names in :data:`CHECKS`, in the order their violations are reported.
Messages name ids only: staff are personal data, so names and emails never appear.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from matcher.model import Assignment, Plan, Project, Round, School, Staff


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One broken hard rule, with the ids it concerns.

    Attributes
    ----------
    rule
        Short stable name of the rule, one of :data:`RULES`.
    project_id, staff_id, school_id
        The ids the violation is about; ``None`` where the rule does not involve one.
    message
        A plain sentence naming the ids (never a name or an email).
    """

    rule: str
    project_id: str | None = None
    staff_id: str | None = None
    school_id: str | None = None
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class _Breach(NamedTuple):
    """What a rule function finds; :func:`verify_plan` adds the rule name from the registry."""

    message: str
    project_id: str | None = None
    staff_id: str | None = None
    school_id: str | None = None


class _Facts:
    """Lookups over one plan, worked out once and shared by every rule.

    The rules look only at assignments they can make sense of, each counted once even if the
    plan repeats it: *placed* ones name a known project and reviewer (enough for team and
    capacity rules); *usable* ones also have both schools known (needed for the rest). The
    structural rules report everything left out, so nothing is silently ignored.
    """

    def __init__(self, round_: Round, plan: Plan) -> None:
        self.round = round_
        self.plan = plan
        self.rules = round_.settings.rules

    @cached_property
    def placed(self) -> tuple[Assignment, ...]:
        projects, people = self.round.project_by_id, self.round.staff_by_id
        seen: set[tuple[str, str]] = set()
        kept: list[Assignment] = []
        for a in self.plan.assignments:
            key = (a.project_id, a.staff_id)
            if a.project_id in projects and a.staff_id in people and key not in seen:
                seen.add(key)
                kept.append(a)
        return tuple(kept)

    @cached_property
    def usable(self) -> tuple[Assignment, ...]:
        schools = self.round.school_by_id
        return tuple(
            a
            for a in self.placed
            if self.project(a).host_school_id in schools and self.person(a).school_id in schools
        )

    def project(self, a: Assignment) -> Project:
        return self.round.project_by_id[a.project_id]

    def person(self, a: Assignment) -> Staff:
        return self.round.staff_by_id[a.staff_id]

    def host(self, a: Assignment) -> School:
        return self.round.school_by_id[self.project(a).host_school_id]

    def home(self, a: Assignment) -> School:
        return self.round.school_by_id[self.person(a).school_id]

    @cached_property
    def teams(self) -> dict[str, list[Assignment]]:
        teams: dict[str, list[Assignment]] = defaultdict(list)
        for a in self.placed:
            teams[a.project_id].append(a)
        return teams

    @cached_property
    def unfilled_ids(self) -> set[str]:
        return {u.project_id for u in self.plan.unfilled}

    @cached_property
    def scoping_attendees(self) -> set[tuple[str, str]]:
        """(staff, project) of who goes to each scoping meeting: the team's lead, or in a team
        without one the member first by staff id."""
        found: set[tuple[str, str]] = set()
        for project_id, team in self.teams.items():
            leads = sorted(a.staff_id for a in team if a.role == "lead")
            found.add((min(leads or [a.staff_id for a in team]), project_id))
        return found

    @cached_property
    def days_by_staff(self) -> dict[str, int]:
        """Days out per reviewer: each project's days, and for a scoping meeting's attendee
        the meeting's half day too, rounded up over the project as half-day visits are."""
        days: dict[str, int] = defaultdict(int)
        for a in self.placed:
            project = self.project(a)
            attends = (a.staff_id, a.project_id) in self.scoping_attendees
            days[a.staff_id] += project.days_out(scoping=project.scoping_meeting and attends)
        return days


Check = Callable[[_Facts], Iterator[_Breach]]


# --- structural ------------------------------------------------------------------------------


def _unknown_project(facts: _Facts) -> Iterator[_Breach]:
    """Hard: every project id in the plan is a project of the round."""
    known = facts.round.project_by_id
    for a in facts.plan.assignments:
        if a.project_id not in known:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                message=f"{a.staff_id} is assigned to {a.project_id}, which is not a project "
                "of this round",
            )
    for u in facts.plan.unfilled:
        if u.project_id not in known:
            yield _Breach(
                project_id=u.project_id,
                message=f"{u.project_id} is listed as unfilled but is not a project of this round",
            )


def _unknown_staff(facts: _Facts) -> Iterator[_Breach]:
    """Hard: every staff id in the plan is a staff member of the round."""
    for a in facts.plan.assignments:
        if a.staff_id not in facts.round.staff_by_id:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                message=f"{a.staff_id} is assigned to {a.project_id} but is not a staff member "
                "of this round",
            )


def _unknown_school(facts: _Facts) -> Iterator[_Breach]:
    """Hard: both schools of an assignment are known, or its other rules cannot be checked."""
    schools = facts.round.school_by_id
    # A set: one missing school would otherwise be reported once per assignment it touches.
    found: set[_Breach] = set()
    for a in facts.plan.assignments:
        project = facts.round.project_by_id.get(a.project_id)
        person = facts.round.staff_by_id.get(a.staff_id)
        if project is not None and project.host_school_id not in schools:
            found.add(
                _Breach(
                    project_id=a.project_id,
                    school_id=project.host_school_id,
                    message=f"{a.project_id} is hosted by {project.host_school_id}, which is "
                    "not a school of this round",
                )
            )
        if person is not None and person.school_id not in schools:
            found.add(
                _Breach(
                    staff_id=a.staff_id,
                    school_id=person.school_id,
                    message=f"{a.staff_id} belongs to {person.school_id}, which is not a school "
                    "of this round",
                )
            )
    yield from found


def _duplicate(facts: _Facts) -> Iterator[_Breach]:
    """Hard: nobody is on one project twice, and no project is listed as unfilled twice."""
    pairs = Counter((a.project_id, a.staff_id) for a in facts.plan.assignments)
    for (project_id, staff_id), times in pairs.items():
        if times > 1:
            yield _Breach(
                project_id=project_id,
                staff_id=staff_id,
                message=f"{staff_id} is on {project_id} {times} times",
            )
    for project_id, times in Counter(u.project_id for u in facts.plan.unfilled).items():
        if times > 1:
            yield _Breach(
                project_id=project_id,
                message=f"{project_id} is listed as unfilled {times} times",
            )


# --- who may serve where ---------------------------------------------------------------------


def _describe(facts: _Facts, a: Assignment) -> str:
    return f"{a.staff_id} is on {a.project_id} hosted by {facts.project(a).host_school_id}"


def _own_school(facts: _Facts) -> Iterator[_Breach]:
    """Hard: no reviewer serves a project at their own school."""
    for a in facts.usable:
        if facts.person(a).school_id == facts.project(a).host_school_id:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=facts.person(a).school_id,
                message=f"{_describe(facts, a)}, their own school",
            )


def _normalise(text: str) -> str:
    # Spreadsheets bring stray spaces and capitals; "Early  Reading" is "early reading".
    return " ".join(text.split()).casefold()


def _areas_of(project: Project) -> list[str]:
    """The project's areas: ``area`` may name several, separated by ";"."""
    return list(dict.fromkeys(_normalise(a) for a in project.area.split(";") if a.strip()))


def _expertise_area(facts: _Facts) -> Iterator[_Breach]:
    """Hard: the reviewer has the project's area (one of its areas, if several) among their
    specialisms."""
    for a in facts.usable:
        person, project = facts.person(a), facts.project(a)
        if not set(_areas_of(project)) & {_normalise(s) for s in person.specialisms}:
            which = "area" if len(_areas_of(project)) == 1 else "none of the areas"
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                message=f"{_describe(facts, a)}, but {which} '{project.area}' is not among "
                "their specialisms",
            )


def _expertise_phase(facts: _Facts) -> Iterator[_Breach]:
    """Hard: the reviewer works in the host school's phase."""
    for a in facts.usable:
        person, host = facts.person(a), facts.host(a)
        if host.phase not in person.phases:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host.school_id,
                message=f"{_describe(facts, a)}, but phase '{host.phase.value}' is not among "
                "their phases",
            )


def _conflict(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a declared conflict keeps that staff member away from that school."""
    declared = {(c.staff_id, c.school_id) for c in facts.round.conflicts}
    for a in facts.usable:
        host_id = facts.project(a).host_school_id
        if (a.staff_id, host_id) in declared:
            # The reason is left out: it is free text and may be personal.
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host_id,
                message=f"{_describe(facts, a)}, a school they declared a conflict with",
            )


def _same_trust(facts: _Facts) -> Iterator[_Breach]:
    """Hard (when rules.same_trust is "forbid"): reviewer and host are not in one trust."""
    if facts.rules.same_trust != "forbid":
        return
    for a in facts.usable:
        home, host = facts.home(a), facts.host(a)
        # Serving one's own school is own_school's business; reporting it twice adds nothing.
        if home.school_id == host.school_id or home.trust is None:
            continue
        if home.trust == host.trust:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host.school_id,
                message=f"{_describe(facts, a)}; {home.school_id} and {host.school_id} are both "
                f"in trust '{home.trust}'",
            )


# --- teams -----------------------------------------------------------------------------------


def _staffed_teams(facts: _Facts) -> Iterator[tuple[Project, list[Assignment]]]:
    """Each project with a team that is not listed as unfilled."""
    for project in facts.round.projects:
        team = facts.teams.get(project.project_id, [])
        if team and project.project_id not in facts.unfilled_ids:
            yield project, team


def _team_size(facts: _Facts) -> Iterator[_Breach]:
    """Hard: each project is staffed by a team of its size or listed as unfilled, never both."""
    for project in facts.round.projects:
        team = facts.teams.get(project.project_id, [])
        if project.project_id in facts.unfilled_ids:
            yield from _unfilled_but_staffed(project, team)
        elif not team:
            yield _Breach(
                project_id=project.project_id,
                message=f"{project.project_id} has no reviewers and is not listed as unfilled",
            )
        else:
            yield from _size_of(project, team)


def _lead(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a team that needs a lead has one, a trained lead reviewer, and never two."""
    for project, team in _staffed_teams(facts):
        yield from _team_lead(facts, project, team)


def _sle(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a team that needs an SLE has one."""
    for project, team in _staffed_teams(facts):
        yield from _team_sle(facts, project, team)


def _areas_covered(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a team covers every area of its project: each is a specialism of a member.

    A project with one area is left to expertise_area (every member must have it)."""
    for project, team in _staffed_teams(facts):
        if len(_areas_of(project)) < 2:
            continue
        covered = {
            _normalise(s)
            for a in team
            if (person := facts.round.staff_by_id.get(a.staff_id)) is not None
            for s in person.specialisms
        }
        missing = [area for area in _areas_of(project) if area not in covered]
        if missing:
            yield _Breach(
                project_id=project.project_id,
                message=f"{project.project_id} needs areas '{project.area}' but no one on its "
                f"team has {' or '.join(repr(m) for m in missing)}",
            )


def _needs_role(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a team that needs a role (projects.csv needs_role) has someone of that role."""
    for project, team in _staffed_teams(facts):
        if project.needs_role is None:
            continue
        roles = {
            person.role
            for a in team
            if (person := facts.round.staff_by_id.get(a.staff_id)) is not None
        }
        if project.needs_role not in roles:
            yield _Breach(
                project_id=project.project_id,
                message=f"{project.project_id} needs a {project.needs_role.value} on its team "
                "but has none",
            )


def _unfilled_but_staffed(project: Project, team: list[Assignment]) -> Iterator[_Breach]:
    if team:
        ids = ", ".join(sorted(a.staff_id for a in team))
        yield _Breach(
            project_id=project.project_id,
            message=f"{project.project_id} is listed as unfilled but has reviewers: {ids}",
        )


def _size_of(project: Project, team: list[Assignment]) -> Iterator[_Breach]:
    size, low, high = len(team), project.min_reviewers, project.max_reviewers
    if not low <= size <= high:
        yield _Breach(
            project_id=project.project_id,
            message=f"{project.project_id} has {size} reviewer(s); it needs {low} to {high}",
        )


def _team_lead(facts: _Facts, project: Project, team: list[Assignment]) -> Iterator[_Breach]:
    leads = sorted(a.staff_id for a in team if a.role == "lead")
    if project.needs_lead and not leads:
        yield _Breach(
            project_id=project.project_id,
            message=f"{project.project_id} needs a lead reviewer but nobody has the lead role",
        )
    if len(leads) > 1:
        yield _Breach(
            project_id=project.project_id,
            message=f"{project.project_id} has {len(leads)} leads ({', '.join(leads)}); "
            "at most one is allowed",
        )
    for staff_id in leads:
        if not facts.round.staff_by_id[staff_id].lead_reviewer:
            yield _Breach(
                project_id=project.project_id,
                staff_id=staff_id,
                message=f"{staff_id} leads {project.project_id} but is not a lead reviewer",
            )


def _team_sle(facts: _Facts, project: Project, team: list[Assignment]) -> Iterator[_Breach]:
    if project.needs_sle and not any(facts.person(a).is_sle for a in team):
        yield _Breach(
            project_id=project.project_id,
            message=f"{project.project_id} needs an SLE but its team has none",
        )


# --- days ------------------------------------------------------------------------------------


def _capacity(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a reviewer's days stay within max_days."""
    for staff_id, days in facts.days_by_staff.items():
        person = facts.round.staff_by_id[staff_id]
        if days > person.max_days:
            yield _Breach(
                staff_id=staff_id,
                message=f"{staff_id} is given {days} day(s); their limit is {person.max_days}",
            )


def _sle_allowance(facts: _Facts) -> Iterator[_Breach]:
    """Hard: an SLE's days this round, on top of those used this year, stay within the
    allowance: their own (staff.csv sle_allowance_days) if they have one, else the round's."""
    for staff_id, days in facts.days_by_staff.items():
        person = facts.round.staff_by_id[staff_id]
        if person.is_sle:
            own = person.sle_allowance_days
            allowance = facts.rules.sle_allowance_days if own is None else own
            whose = "the SLE allowance" if own is None else "their own SLE allowance"
            used = facts.round.sle_days_used(staff_id)
            if days + used > allowance:
                yield _Breach(
                    staff_id=staff_id,
                    message=f"SLE {staff_id} is given {days} day(s) on top of {used} already "
                    f"used this year; {whose} is {allowance}",
                )


def _release(facts: _Facts) -> Iterator[_Breach]:
    """Hard: the staff-days a school gives stay within its release_days."""
    given: dict[str, int] = defaultdict(int)
    for staff_id, days in facts.days_by_staff.items():
        given[facts.round.staff_by_id[staff_id].school_id] += days
    for school_id, days in given.items():
        school = facts.round.school_by_id.get(school_id)
        if school is None:
            continue  # reported by unknown_school
        if days > school.release_days:
            yield _Breach(
                school_id=school_id,
                message=f"{school_id} releases {days} staff-day(s); it offers "
                f"{school.release_days}",
            )


def _cover_budget(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a school's cover cost this round (staff-days out x calendar.cover_cost_per_day of
    its phase) stays within its cover_budget (schools.csv), when it has one."""
    out: dict[str, int] = defaultdict(int)
    for staff_id, days in facts.days_by_staff.items():
        out[facts.round.staff_by_id[staff_id].school_id] += days
    calendar = facts.round.settings.calendar
    for school_id, days in out.items():
        school = facts.round.school_by_id.get(school_id)
        if school is None or school.cover_budget is None:
            continue  # an unknown school is reported by unknown_school
        per_day = calendar.cover_cost(school.phase)
        if days * per_day > school.cover_budget:
            yield _Breach(
                school_id=school_id,
                message=f"{school_id} has {days} staff-day(s) out at {per_day} a day, a cover "
                f"cost of {days * per_day}; its cover_budget is {_amount(school.cover_budget)}",
            )


def _amount(money: float) -> str:
    # A budget reads as written: 1500 rather than 1500.0, 1500.5 as it is.
    return str(int(money)) if money.is_integer() else f"{money:.2f}"


# --- travel and history ----------------------------------------------------------------------


def _travel(facts: _Facts) -> Iterator[_Breach]:
    """Hard: one-way travel from home school to host is within max_travel_minutes."""
    limit = facts.rules.max_travel_minutes
    for a in facts.usable:
        minutes = facts.round.travel_minutes(facts.person(a).school_id, facts.host(a).school_id)
        if minutes > limit:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=facts.host(a).school_id,
                message=f"{_describe(facts, a)}, {minutes} minutes from "
                f"{facts.person(a).school_id}; the limit is {limit}",
            )


def _rotation(facts: _Facts) -> Iterator[_Breach]:
    """Hard: nobody returns to a host they served in the last rotation_rounds rounds."""
    window = facts.rules.rotation_rounds
    if window == 0:
        return
    now = facts.round.settings.number
    recent: dict[tuple[str, str], int] = {}
    for h in facts.round.history:
        if now - window <= h.round < now:
            key = (h.staff_id, h.host_school_id)
            recent[key] = max(h.round, recent.get(key, h.round))
    for a in facts.usable:
        host_id = facts.project(a).host_school_id
        last = recent.get((a.staff_id, host_id))
        if last is not None:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host_id,
                message=f"{_describe(facts, a)}, which they served in round {last}; "
                f"rotation forbids returning within {window} round(s)",
            )


def _school_rotation(facts: _Facts) -> Iterator[_Breach]:
    """Hard: two schools that reviewed each other, either way, in the last
    school_rotation_rounds rounds are not paired again (history.csv; a row's reviewer came
    from its school_id, or else from their school in staff.csv)."""
    window = facts.rules.school_rotation_rounds
    if window == 0:
        return
    now = facts.round.settings.number
    last: dict[frozenset[str], int] = {}
    for h in facts.round.history:
        person = facts.round.staff_by_id.get(h.staff_id)
        came_from = h.school_id or (person.school_id if person is not None else None)
        if came_from is None or came_from == h.host_school_id or not now - window <= h.round < now:
            continue
        both = frozenset((came_from, h.host_school_id))
        last[both] = max(h.round, last.get(both, h.round))
    for a in facts.usable:
        home, host = facts.person(a).school_id, facts.project(a).host_school_id
        when = last.get(frozenset((home, host)))
        if when is not None:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host,
                message=f"{_describe(facts, a)}; {home} and {host} reviewed each other in round "
                f"{when}, and the school rotation forbids pairing them within {window} round(s)",
            )


def _no_direct_swap(facts: _Facts) -> Iterator[_Breach]:
    """Hard (when rules.no_direct_swap): two schools do not review each other."""
    if not facts.rules.no_direct_swap:
        return
    serving: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in facts.usable:
        home, host = facts.person(a).school_id, facts.project(a).host_school_id
        if home != host:
            serving[(home, host)].append(f"{a.staff_id} on {a.project_id}")
    for (a_id, b_id), a_to_b in sorted(serving.items()):
        b_to_a = serving.get((b_id, a_id))
        # Each pair is found from both ends; report it once, from the smaller id.
        if b_to_a and a_id < b_id:
            yield _Breach(
                school_id=a_id,
                message=f"{a_id} and {b_id} review each other: {a_id} sends "
                f"{', '.join(sorted(a_to_b))} and {b_id} sends {', '.join(sorted(b_to_a))}",
            )


def _cluster_scope(facts: _Facts) -> Iterator[_Breach]:
    """Hard (clusters.cluster_scope, when the round has clusters): reviewers come from the
    host's own cluster for ``within``, from another cluster or none for ``outside``."""
    scope = facts.round.settings.clusters.cluster_scope
    cluster_of = {m.school_id: m.cluster_id for m in facts.round.clusters}
    if scope == "any" or not cluster_of:
        return
    for a in facts.usable:
        home, host = facts.person(a).school_id, facts.project(a).host_school_id
        mine, theirs = cluster_of.get(home), cluster_of.get(host)
        if scope == "outside":
            if mine is not None and mine == theirs:
                yield _Breach(
                    project_id=a.project_id,
                    staff_id=a.staff_id,
                    school_id=host,
                    message=f"{_describe(facts, a)}; both schools are in cluster {mine}, "
                    "but reviewers must come from outside the host's cluster",
                )
        elif theirs is None or mine != theirs:
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host,
                message=f"{_describe(facts, a)}; {home} is not in {host}'s cluster "
                f"({theirs or 'none'}), and reviewers must come from within it",
            )


def _review_cycle(facts: _Facts) -> Iterator[_Breach]:
    """Hard (clusters.review_cycle, when the round has clusters): a host's reviewers work at
    the school that reviews it in its cluster's cycle (rotation.csv's reviewing school)."""
    if not facts.round.settings.clusters.review_cycle or not facts.round.clusters:
        return
    before: dict[str, set[str]] = defaultdict(set)
    for edge in facts.round.rotation:
        before[edge.host_school_id].add(edge.reviewing_school_id)
    for a in facts.usable:
        home, host = facts.person(a).school_id, facts.project(a).host_school_id
        if home not in before[host]:
            named = ", ".join(sorted(before[host])) or "no school (it is in no cycle)"
            yield _Breach(
                project_id=a.project_id,
                staff_id=a.staff_id,
                school_id=host,
                message=f"{_describe(facts, a)}; in the review cycle {named} reviews {host}, "
                f"not {home}",
            )


def _locks(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a locked reviewer is on the project; a project with any lock is staffed."""
    for lock in facts.round.locks:
        team = {a.staff_id for a in facts.teams.get(lock.project_id, [])}
        if lock.project_id in facts.unfilled_ids or not team:
            yield _Breach(
                project_id=lock.project_id,
                message=f"project {lock.project_id} is locked (locks.csv) but not staffed",
            )
        elif lock.staff_id is not None and lock.staff_id not in team:
            yield _Breach(
                project_id=lock.project_id,
                staff_id=lock.staff_id,
                message=f"{lock.staff_id} is locked on project {lock.project_id} (locks.csv) "
                "but not on its team",
            )


CHECKS: tuple[tuple[str, Check], ...] = (
    ("unknown_project", _unknown_project),
    ("unknown_staff", _unknown_staff),
    ("unknown_school", _unknown_school),
    ("duplicate", _duplicate),
    ("own_school", _own_school),
    ("expertise_area", _expertise_area),
    ("expertise_phase", _expertise_phase),
    ("conflict", _conflict),
    ("same_trust", _same_trust),
    ("team_size", _team_size),
    ("lead", _lead),
    ("sle", _sle),
    ("areas_covered", _areas_covered),
    ("needs_role", _needs_role),
    ("capacity", _capacity),
    ("sle_allowance", _sle_allowance),
    ("release", _release),
    ("cover_budget", _cover_budget),
    ("travel", _travel),
    ("rotation", _rotation),
    ("school_rotation", _school_rotation),
    ("no_direct_swap", _no_direct_swap),
    ("cluster_scope", _cluster_scope),
    ("review_cycle", _review_cycle),
    ("locks", _locks),
)
"""Every hard rule under its stable name, in the order its violations are reported."""

RULES: tuple[str, ...] = tuple(name for name, _ in CHECKS)
"""The rule names a :class:`Violation` can carry, in report order."""


def verify_plan(round_: Round, plan: Plan) -> list[Violation]:
    """Re-check every hard rule of a round against a plan.

    Parameters
    ----------
    round_
        The round the plan was made for.
    plan
        Assignments and unfilled projects, from a solver or read back from files.

    Returns
    -------
    list of Violation
        Every broken rule; empty when the plan is valid. The order is fixed: by rule (as in
        :data:`RULES`), then by project, staff and school id, then message.
    """
    facts = _Facts(round_, plan)
    found: list[Violation] = []
    for rule, check in CHECKS:
        # Sorting each rule's findings keeps the report stable whatever order the plan is in.
        breaches = sorted(check(facts), key=_breach_order)
        found.extend(Violation(rule=rule, **b._asdict()) for b in breaches)
    return found


def _breach_order(b: _Breach) -> tuple[str, str, str, str]:
    return (b.project_id or "", b.staff_id or "", b.school_id or "", b.message)
