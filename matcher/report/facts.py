"""What the coordinator's workbook and page show, worked out once from a plan and its round.

Both :mod:`matcher.report.workbook` and :mod:`matcher.report.page` draw from these tables,
so the two never disagree. Everything is sorted here, never in the order a plan or a file
happened to list it, so a plan written by ``plan`` and the same plan read back from its
folder give the same facts (and the same bytes in both files).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from matcher.days import SchoolCalendar
from matcher.model import Plan, Round, Schedule, ScheduledEvent, School
from matcher.travel import LatLon, grid_to_latlon
from matcher.why.many import PlanReasons
from matcher.why.text import suggestion_text


@dataclass(frozen=True)
class PairingRow:
    """One reviewer on one project, with names and (if dated) the first and last visit day."""

    project_id: str
    project_title: str
    area: str
    host_school_id: str
    host_school_name: str
    staff_id: str
    staff_name: str
    staff_school_id: str
    staff_school_name: str
    role: str
    travel_minutes: int
    days: int
    first_day: dt.date | None
    last_day: dt.date | None
    # Why this pairing (matcher explain's terms): each soft term's (name, value in its own
    # units, signed weighted contribution to the objective; negative = better).
    terms: tuple[tuple[str, int, int], ...] = ()

    @property
    def objective_share(self) -> int:
        return sum(contribution for _name, _value, contribution in self.terms)


@dataclass(frozen=True)
class VisitRow:
    """One day of a visit, or a findings presentation."""

    date: dt.date
    start: dt.time
    end: dt.time
    kind: str
    visit_id: str
    project_id: str
    project_title: str
    host_school_id: str
    host_school_name: str
    staff_ids: tuple[str, ...]
    staff_names: tuple[str, ...]  # in staff_ids order


@dataclass(frozen=True)
class UnfilledRow:
    project_id: str
    project_title: str
    host_school_id: str
    host_school_name: str
    area: str
    reason: str
    # matcher explain --project's answer: (rule, detail) for what keeps reviewers off it,
    # and each suggestion as a sentence.
    rules: tuple[tuple[str, str], ...] = ()
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SleLoad:
    """An SLE's deployment: days this round, days already given this year, what is left."""

    staff_id: str
    name: str
    school_name: str
    projects: int
    days_this_round: int
    days_earlier: int
    allowance: int

    @property
    def days_left(self) -> int:
        return self.allowance - self.days_earlier - self.days_this_round


@dataclass(frozen=True)
class SchoolLoad:
    """What a school gives (staff-days released) and receives (reviewer-days hosted)."""

    school_id: str
    name: str
    phase: str
    days_released: int
    release_budget: int
    visit_days_hosted: int
    days_received: int
    cover_cost: int
    cover_budget: float | None = None  # schools.csv cover_budget; None = no cap

    @property
    def give_minus_take(self) -> int:
        return self.days_released - self.days_received


@dataclass(frozen=True)
class SchoolLine:
    """One line of a school's own list: a visit it hosts, or a member of staff it sends."""

    school_id: str
    school_name: str
    what: str  # "hosts" or "sends"
    date: dt.date | None
    start: dt.time | None
    kind: str
    project_id: str
    project_title: str
    where: str  # the host's name
    who: str  # the team (hosts) or the person sent (sends)


@dataclass(frozen=True)
class PreferenceOutcome:
    """How a member of staff's stated preferences turned out."""

    staff_id: str
    name: str
    school_name: str
    wanted: tuple[str, ...]  # titles of projects marked above 0, best first
    placed: tuple[str, ...]  # titles of the projects they were placed on
    outcome: str


@dataclass(frozen=True)
class MapPoint:
    school_id: str
    name: str
    latitude: float
    longitude: float
    role: str  # "hosts", "sends", "hosts and sends" or "neither"


@dataclass(frozen=True)
class MapLine:
    """A pairing drawn from the reviewer's school to the host."""

    from_latitude: float
    from_longitude: float
    to_latitude: float
    to_longitude: float
    project_id: str
    label: str


@dataclass(frozen=True)
class ReportFacts:
    """Every table of the report, sorted, with the round at a glance in ``headline``."""

    round_name: str
    academic_year: str
    start: dt.date
    end: dt.date
    dated: bool
    headline: dict[str, str | int | float | None]
    pairings: tuple[PairingRow, ...]
    visits: tuple[VisitRow, ...]
    unfilled: tuple[UnfilledRow, ...]
    sle_load: tuple[SleLoad, ...]
    school_load: tuple[SchoolLoad, ...]
    school_lines: tuple[SchoolLine, ...]
    preferences: tuple[PreferenceOutcome, ...]
    map_points: tuple[MapPoint, ...]
    map_lines: tuple[MapLine, ...]
    # Whether the unstaffed projects carry suggestions (matcher.why.many: small rounds only).
    suggested: bool = False


def report_facts(
    round_: Round,
    plan: Plan,
    schedule: Schedule | None,
    summary: Mapping[str, object],
    reasons: PlanReasons | None = None,
) -> ReportFacts:
    """Work out every table of the report.

    Parameters
    ----------
    round_
        The round the plan was made for.
    plan
        Its pairings and unfilled projects (ids unknown to the round are left out).
    schedule
        Its dated visits, or None for pairings without dates (``match``).
    summary
        What summary.json holds (as JSON would give it back); status and gap come from here.
    reasons
        ``matcher explain``'s answers for every pairing and unstaffed project
        (:func:`matcher.why.many.plan_reasons`), or None to leave them out.

    Returns
    -------
    ReportFacts
        The tables, each in a fixed order.
    """
    assignments = [
        a
        for a in plan.assignments
        if a.project_id in round_.project_by_id and a.staff_id in round_.staff_by_id
    ]
    plan = Plan(assignments=tuple(assignments), unfilled=plan.unfilled)
    visits = _visits(round_, schedule)
    settings = round_.settings
    schools = school_load(round_, plan)
    return ReportFacts(
        round_name=settings.name,
        academic_year=settings.academic_year,
        start=settings.start,
        end=settings.end,
        dated=schedule is not None,
        headline=_headline(round_, plan, visits, schools, summary),
        pairings=_pairings(round_, plan, visits, reasons),
        visits=visits,
        unfilled=_unfilled(round_, plan, reasons),
        sle_load=sle_load(round_, plan),
        school_load=schools,
        school_lines=_school_lines(round_, plan, visits, schedule is not None),
        preferences=_preferences(round_, plan),
        map_points=_map_points(round_, plan),
        map_lines=_map_lines(round_, plan),
        suggested=reasons is not None and reasons.suggested,
    )


def _name(round_: Round, school_id: str) -> str:
    school = round_.school_by_id.get(school_id)
    return school.name if school is not None else school_id


def _visits(round_: Round, schedule: Schedule | None) -> tuple[VisitRow, ...]:
    if schedule is None:
        return ()
    events = sorted(schedule.events, key=lambda e: (e.date, e.start, e.visit_id))
    return tuple(_visit(round_, e) for e in events if e.project_id in round_.project_by_id)


def _visit(round_: Round, event: ScheduledEvent) -> VisitRow:
    staff_ids = tuple(sorted(i for i in event.staff_ids if i in round_.staff_by_id))
    return VisitRow(
        date=event.date,
        start=event.start,
        end=event.end,
        kind=event.kind,
        visit_id=event.visit_id,
        project_id=event.project_id,
        project_title=round_.project_by_id[event.project_id].title,
        host_school_id=event.host_school_id,
        host_school_name=_name(round_, event.host_school_id),
        staff_ids=staff_ids,
        staff_names=tuple(round_.staff_by_id[i].name for i in staff_ids),
    )


def _days_by_project(visits: tuple[VisitRow, ...]) -> dict[str, list[dt.date]]:
    days: dict[str, list[dt.date]] = defaultdict(list)
    for visit in visits:
        if visit.kind == "visit":
            days[visit.project_id].append(visit.date)
    return days


def _pairings(
    round_: Round, plan: Plan, visits: tuple[VisitRow, ...], reasons: PlanReasons | None
) -> tuple[PairingRow, ...]:
    days = _days_by_project(visits)
    terms = {} if reasons is None else reasons.terms
    ordered = sorted(plan.assignments, key=lambda a: (a.project_id, a.role != "lead", a.staff_id))
    rows = []
    for a in ordered:
        project = round_.project_by_id[a.project_id]
        person = round_.staff_by_id[a.staff_id]
        dates = days.get(a.project_id, [])
        rows.append(
            PairingRow(
                project_id=a.project_id,
                project_title=project.title,
                area=project.area,
                host_school_id=project.host_school_id,
                host_school_name=_name(round_, project.host_school_id),
                staff_id=a.staff_id,
                staff_name=person.name,
                staff_school_id=person.school_id,
                staff_school_name=_name(round_, person.school_id),
                role=a.role,
                travel_minutes=round_.travel_minutes(person.school_id, project.host_school_id),
                days=plan.days_of(project, a.staff_id),
                first_day=min(dates) if dates else None,
                last_day=max(dates) if dates else None,
                terms=tuple(
                    (name, share.value, share.contribution)
                    for name, share in terms.get((a.project_id, a.staff_id), {}).items()
                ),
            )
        )
    return tuple(rows)


def _unfilled(
    round_: Round, plan: Plan, reasons: PlanReasons | None
) -> tuple[UnfilledRow, ...]:
    rows = []
    explained = {} if reasons is None else reasons.unstaffed
    for u in sorted(plan.unfilled, key=lambda u: (u.project_id, u.reason)):
        project = round_.project_by_id.get(u.project_id)
        host = project.host_school_id if project is not None else ""
        why = explained.get(u.project_id)
        rows.append(
            UnfilledRow(
                project_id=u.project_id,
                project_title=project.title if project is not None else "",
                host_school_id=host,
                host_school_name=_name(round_, host) if host else "",
                area=project.area if project is not None else "",
                reason=u.reason,
                rules=() if why is None else tuple((r.rule, r.detail) for r in why.rules),
                suggestions=()
                if why is None
                else tuple(suggestion_text(round_, s) for s in why.suggestions),
            )
        )
    return tuple(rows)


def sle_load(round_: Round, plan: Plan) -> tuple[SleLoad, ...]:
    """Every SLE of the round: days this round, days given earlier this year, allowance."""
    days: dict[str, int] = defaultdict(int)
    projects: dict[str, int] = defaultdict(int)
    for a in plan.assignments:
        days[a.staff_id] += plan.days_of(round_.project_by_id[a.project_id], a.staff_id)
        projects[a.staff_id] += 1
    rows = [
        SleLoad(
            staff_id=person.staff_id,
            name=person.name,
            school_name=_name(round_, person.school_id),
            projects=projects[person.staff_id],
            days_this_round=days[person.staff_id],
            days_earlier=round_.sle_days_used(person.staff_id),
            allowance=round_.sle_allowance(person.staff_id),
        )
        for person in round_.staff
        if person.is_sle
    ]
    return tuple(sorted(rows, key=lambda r: r.staff_id))


def school_load(round_: Round, plan: Plan) -> tuple[SchoolLoad, ...]:
    """Every school: staff-days released against its budget, days received, cover cost."""
    released: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    hosted: dict[str, int] = {}
    for a in plan.assignments:
        project = round_.project_by_id[a.project_id]
        days = plan.days_of(project, a.staff_id)  # the scoping meeting's attendee: its half day
        released[round_.staff_by_id[a.staff_id].school_id] += days
        received[project.host_school_id] += days
        hosted[project.project_id] = project.visits * project.visit_days
    visit_days: dict[str, int] = defaultdict(int)
    for project_id, count in hosted.items():
        visit_days[round_.project_by_id[project_id].host_school_id] += count
    calendar = SchoolCalendar(round_.settings)
    rows = [
        SchoolLoad(
            school_id=s.school_id,
            name=s.name,
            phase=str(s.phase.value).replace("_", " "),
            days_released=released[s.school_id],
            release_budget=s.release_days,
            visit_days_hosted=visit_days[s.school_id],
            days_received=received[s.school_id],
            cover_cost=calendar.cover_cost(s.phase) * released[s.school_id],
            cover_budget=s.cover_budget,
        )
        for s in round_.schools
    ]
    return tuple(sorted(rows, key=lambda r: (r.name, r.school_id)))


def _school_lines(
    round_: Round, plan: Plan, visits: tuple[VisitRow, ...], dated: bool
) -> tuple[SchoolLine, ...]:
    """Each school's own list: the visits it hosts, and each member of staff it sends where.

    Without dates (``match``) each project is one line for its host and one per reviewer.
    """
    if not dated:
        visits = tuple(_undated_visit(round_, plan, pid) for pid in sorted(plan.teams_by_project))
    lines: list[SchoolLine] = []
    for v in visits:
        lines.append(_line(round_, v.host_school_id, "hosts", v, ", ".join(v.staff_names), dated))
        for staff_id in v.staff_ids:
            person = round_.staff_by_id[staff_id]
            lines.append(_line(round_, person.school_id, "sends", v, person.name, dated))
    return tuple(
        sorted(
            lines,
            key=lambda line: (
                line.school_name,
                line.school_id,
                line.what != "hosts",
                line.date or dt.date.min,
                line.start or dt.time(0),
                line.project_id,
                line.kind,
                line.who,
            ),
        )
    )


def _undated_visit(round_: Round, plan: Plan, project_id: str) -> VisitRow:
    """A project's team as one undated row, for a plan without dates."""
    project = round_.project_by_id[project_id]
    staff_ids = tuple(sorted(a.staff_id for a in plan.team(project_id)))
    return VisitRow(
        date=project.earliest,
        start=dt.time(0),
        end=dt.time(0),
        kind="visit",
        visit_id="",
        project_id=project_id,
        project_title=project.title,
        host_school_id=project.host_school_id,
        host_school_name=_name(round_, project.host_school_id),
        staff_ids=staff_ids,
        staff_names=tuple(round_.staff_by_id[i].name for i in staff_ids),
    )


def _line(
    round_: Round, school_id: str, what: str, v: VisitRow, who: str, dated: bool
) -> SchoolLine:
    return SchoolLine(
        school_id=school_id,
        school_name=_name(round_, school_id),
        what=what,
        date=v.date if dated else None,
        start=v.start if dated else None,
        kind=v.kind,
        project_id=v.project_id,
        project_title=v.project_title,
        where=v.host_school_name,
        who=who,
    )


def _preferences(round_: Round, plan: Plan) -> tuple[PreferenceOutcome, ...]:
    """Only staff who stated a preference; placed on a project they marked up, down or not."""
    stated: dict[str, dict[str, int]] = defaultdict(dict)
    for p in round_.preferences:
        if p.staff_id in round_.staff_by_id and p.project_id in round_.project_by_id:
            stated[p.staff_id][p.project_id] = p.preference
    placed: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        placed[a.staff_id].append(a.project_id)
    rows = []
    for staff_id in sorted(stated):
        person = round_.staff_by_id[staff_id]
        marks = stated[staff_id]
        wanted = sorted(
            (pid for pid, mark in marks.items() if mark > 0), key=lambda p: (-marks[p], p)
        )
        mine = sorted(placed.get(staff_id, []))
        rows.append(
            PreferenceOutcome(
                staff_id=staff_id,
                name=person.name,
                school_name=_name(round_, person.school_id),
                wanted=tuple(round_.project_by_id[p].title for p in wanted),
                placed=tuple(round_.project_by_id[p].title for p in mine),
                outcome=_outcome([marks.get(p) for p in mine], bool(wanted)),
            )
        )
    return tuple(rows)


def _outcome(marks: list[int | None], wanted_any: bool) -> str:
    if not marks:
        return "not placed this round"
    if any(m is not None and m < 0 for m in marks):
        return "placed on a project they marked down"
    if any(m is not None and m > 0 for m in marks):
        return "placed on a project they asked for"
    return "placed on another project" if wanted_any else "placed (no project asked for)"


def _on_map(school: School) -> LatLon:
    """Where a school is drawn: its latitude and longitude, or those of its grid reference."""
    where = school.location()
    return where if isinstance(where, LatLon) else grid_to_latlon(where)


def _map_points(round_: Round, plan: Plan) -> tuple[MapPoint, ...]:
    hosts = {round_.project_by_id[a.project_id].host_school_id for a in plan.assignments}
    senders = {round_.staff_by_id[a.staff_id].school_id for a in plan.assignments}
    points = []
    for s in sorted(round_.schools, key=lambda s: s.school_id):
        role = {
            (True, True): "hosts and sends",
            (True, False): "hosts",
            (False, True): "sends",
            (False, False): "neither",
        }[(s.school_id in hosts, s.school_id in senders)]
        where = _on_map(s)
        points.append(MapPoint(s.school_id, s.name, where.latitude, where.longitude, role))
    return tuple(points)


def _map_lines(round_: Round, plan: Plan) -> tuple[MapLine, ...]:
    lines = set()
    for a in plan.assignments:
        project = round_.project_by_id[a.project_id]
        home = round_.school_by_id.get(round_.staff_by_id[a.staff_id].school_id)
        host = round_.school_by_id.get(project.host_school_id)
        if home is None or host is None:
            continue
        start, end = _on_map(home), _on_map(host)
        lines.add(
            MapLine(
                start.latitude,
                start.longitude,
                end.latitude,
                end.longitude,
                project.project_id,
                f"{home.name} to {host.name}: {project.title}",
            )
        )
    # Schools may share a name, so the label alone leaves ties; the set's order varies by process.
    return tuple(sorted(lines, key=_line_order))


def _line_order(line: MapLine) -> tuple[str, str, float, float, float, float]:
    return (
        line.project_id,
        line.label,
        line.from_latitude,
        line.from_longitude,
        line.to_latitude,
        line.to_longitude,
    )


def _headline(
    round_: Round,
    plan: Plan,
    visits: tuple[VisitRow, ...],
    school_load: tuple[SchoolLoad, ...],
    summary: Mapping[str, object],
) -> dict[str, str | int | float | None]:
    """The round at a glance; status and gap as the solver reported them in summary.json."""
    scheduling = summary.get("scheduling")
    gap = summary.get("gap")
    # Only a bound proven apart from the search (a national round) needs the whole objective's
    # gap: there the quality-terms gap reads as if the staffable projects were settled.
    whole = summary.get("objective_gap") if summary.get("bound_method") != "cp-sat" else None
    return {
        "projects": len(round_.projects),
        "staffed": len(round_.projects) - len(plan.unfilled),
        "unfilled": len(plan.unfilled),
        "reviewer_places": len(plan.assignments),
        "reviewers_used": len({a.staff_id for a in plan.assignments}),
        "schools": len(round_.schools),
        "visit_days": sum(1 for v in visits if v.kind == "visit"),
        "presentations": sum(1 for v in visits if v.kind == "presentation"),
        "staff_days": sum(r.days_released for r in school_load),
        "cover_cost": sum(r.cover_cost for r in school_load),
        "status": str(summary.get("status", "")) or None,
        "gap": float(gap) if isinstance(gap, int | float) else None,
        "objective_gap": float(whole) if isinstance(whole, int | float) else None,
        "dating_status": (
            str(scheduling.get("status", "")) or None if isinstance(scheduling, Mapping) else None
        ),
    }
