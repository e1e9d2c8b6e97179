"""Round and plan (ids) -> SchedulingProblem (term-day indices) for the dating model.

The round's term days are indexed 0..T-1. A visit of ``d`` days starting on term day ``t``
occupies term days ``t..t+d-1`` (consecutive school days). Which starts are allowed for a
project (host open, every team member's school open and every member free on each day,
inside the project's window) is worked out here; the model only decides among them. So are
the days its other events may use: a scoping meeting (the lead and the lead's school), the
presentation and the governors' presentation (host and team; after school, so no cover).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from matcher.days import SchoolCalendar
from matcher.model import LEADER_ROLES, Plan, Project, Round


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
    # locks.csv: visit index -> the term day its first day is kept on (-1: not a term day).
    locked_starts: dict[int, int] = field(default_factory=dict)
    # school id -> senior leaders and headteachers of the team from it, for the schools with a
    # max_leaders_out_per_day only (rule leaders_per_day).
    leaders_releasing: dict[str, int] = field(default_factory=dict)
    # Scoping meeting (rule scoping): the term days it may use, empty when there is none; on
    # that day the lead is out of the lead's school (release and leaders caps, as on a visit).
    scoping: bool = False
    scoping_days: tuple[int, ...] = ()
    lead: str | None = None
    scoping_releasing: dict[str, int] = field(default_factory=dict)
    scoping_leaders: dict[str, int] = field(default_factory=dict)
    # Term days after the last visit day within which the presentation falls; None = any.
    within: int | None = None
    # Governors' presentation (rule governors): the days it may use, empty when there is none.
    governors: bool = False
    governors_days: tuple[int, ...] = ()
    visit_end: dt.time | None = None  # a visit of visit_hours ends then; None = day_end


@dataclass(frozen=True)
class Picked:
    """One project's chosen term days: each visit's first day, and its other events."""

    starts: list[int]
    talk: int | None = None
    scoping: int | None = None
    governors: int | None = None

    def visit_days(self, length: int) -> list[int]:
        """Every visit day, for visits of ``length`` consecutive term days."""
        return [t + d for t in self.starts for d in range(length)]


@dataclass(frozen=True)
class SchedulingProblem:
    days: tuple[dt.date, ...]
    projects: tuple[DatedProject, ...]
    max_out: dict[str, int]  # school id -> max_staff_out_per_day
    max_visits_per_day: int
    last_week: frozenset[int]  # term-day indices in the last week of a term
    weights: dict[str, int]
    times: tuple[dt.time, dt.time, dt.time, dt.time]  # visit start/end, presentation start/end
    # school id -> max_leaders_out_per_day, for the schools that set one (rule leaders_per_day).
    max_leaders_out: dict[str, int] = field(default_factory=dict)
    governors_times: tuple[dt.time, dt.time] = (dt.time(18, 0), dt.time(19, 30))

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
    round_: Round,
    calendar: SchoolCalendar,
    project: Project,
    team: Sequence[str],
    lead: str | None = None,
) -> DatedProject:
    """The dates one project may use with this team, ignoring every other project.

    ``lead`` attends a scoping meeting alone (``Plan.lead_of``); None: the first of ``team``.
    Days are handled as bit sets (bit t = term day t, ``SchoolCalendar.unavailable_bits``): a
    national round calls this for 20,000 projects, where a test per id and day took ~10 s.
    """
    days = calendar.term_days
    homes = [round_.staff_by_id[s].school_id for s in team]
    releasing: dict[str, int] = defaultdict(int)
    for home in homes:
        releasing[home] += 1
    leaders: dict[str, int] = defaultdict(int)
    for staff_id in team:
        person = round_.staff_by_id[staff_id]
        limited = round_.school_by_id[person.school_id].max_leaders_out_per_day is not None
        if limited and person.role in LEADER_ROLES:
            leaders[person.school_id] += 1
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
    dated = DatedProject(
        project_id=project.project_id,
        host=host,
        team=tuple(team),
        releasing=dict(releasing),
        leaders_releasing=dict(leaders),
        visits=project.visits,
        visit_days=length,
        min_gap=max(1, gap),
        presentation=project.presentation,
        starts=_days_of(fits),
        presentation_days=_days_of(talk_ok) if project.presentation else (),
        preferred=preferred,
        governors=project.governors_presentation,
        governors_days=_days_of(talk_ok) if project.governors_presentation else (),
        within=_within(round_, project),
        visit_end=(
            None
            if project.visit_hours is None
            else clock_after(settings.day_start, project.visit_hours)
        ),
    )
    if not project.scoping_meeting:
        return dated
    who = lead if lead is not None else min(team, default=None)
    # A lead outside ``team`` (explanations try members one at a time): the host's days only.
    return _with_scoping(round_, calendar, dated, who if who in team else None, window)


def _within(round_: Round, project: Project) -> int | None:
    """Term days after the last visit for the presentation: the project's, else the round's."""
    if not project.presentation:
        return None
    own = project.presentation_within_days
    return round_.settings.calendar.presentation_within_days if own is None else own


def _with_scoping(
    round_: Round, calendar: SchoolCalendar, dated: DatedProject, lead: str | None, window: int
) -> DatedProject:
    """The project with its scoping meeting: the days the host and the lead (and the lead's
    school, which releases the lead that morning) allow, inside the window."""
    closed = calendar.unavailable_bits(dated.host)
    if lead is None:  # the host alone (explanations): only the host's days count
        return replace(dated, scoping=True, scoping_days=_days_of(window & ~closed))
    person = round_.staff_by_id[lead]
    home = person.school_id
    closed |= calendar.unavailable_bits(lead) | calendar.unavailable_bits(home)
    limited = round_.school_by_id[home].max_leaders_out_per_day is not None
    return replace(
        dated,
        scoping=True,
        scoping_days=_days_of(window & ~closed),
        lead=lead,
        scoping_releasing={home: 1},
        scoping_leaders={home: 1} if limited and person.role in LEADER_ROLES else {},
    )


def clock_after(start: dt.time, hours: float) -> dt.time:
    """The time ``hours`` after ``start`` on the same day, to the minute."""
    moment = dt.datetime.combine(dt.date.min, start) + dt.timedelta(minutes=round(hours * 60))
    return moment.time()


def encode_schedule(round_: Round, plan: Plan) -> SchedulingProblem:
    """The staffed projects of a plan, with the starts each may use."""
    calendar = SchoolCalendar(round_.settings, round_.availability)
    settings = round_.settings.calendar
    # One pass over the assignments (``Plan.team`` scans them all for each project).
    teams: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        teams[a.project_id].append(a.staff_id)
    days = calendar.term_days
    dated = [
        _with_locks(
            round_,
            days,
            dated_project(
                round_,
                calendar,
                project,
                sorted(teams[project.project_id]),
                plan.lead_of(project.project_id),
            ),
        )
        for project in round_.projects
        if project.project_id in teams
    ]
    last = frozenset(t for t, day in enumerate(days) if day in calendar.last_weeks)
    return SchedulingProblem(
        days=days,
        projects=tuple(dated),
        max_out={s.school_id: s.max_staff_out_per_day for s in round_.schools},
        max_leaders_out={
            s.school_id: s.max_leaders_out_per_day
            for s in round_.schools
            if s.max_leaders_out_per_day is not None
        },
        max_visits_per_day=settings.max_visits_per_day,
        last_week=last,
        weights=round_.settings.schedule_weights.model_dump(),
        times=(
            settings.day_start,
            settings.day_end,
            settings.presentation_start,
            settings.presentation_end,
        ),
        governors_times=(settings.governors_start, settings.governors_end),
    )


def _always(t: int) -> bool:
    return True


def earliest_dates(
    days: Sequence[dt.date],
    p: DatedProject,
    *,
    visit_ok: Callable[[int], bool] = _always,
    scoping_ok: Callable[[int], bool] = _always,
    talk_ok: Callable[[int], bool] = _always,
) -> Picked | None:
    """Every event of ``p`` taken as early as possible, or None.

    The scoping meeting first, then each visit at its earliest allowed start: that leaves the
    most room for what follows, so this decides whether a project can be dated at all,
    ignoring every other project. Only a presentation deadline (``within``) can make a later
    last visit succeed where the earliest fails, so then later starts of the last visit are
    tried too. The ``*_ok`` tests narrow the days further (greedy dating's tallies).
    """

    def ordinal(t: int) -> int:
        return days[t].toordinal()

    scoping = None
    if p.scoping:
        scoping = next((t for t in p.scoping_days if scoping_ok(t)), None)
        if scoping is None:
            return None
    floor = -1 if scoping is None else scoping  # the first visit comes on a later day
    chosen: list[int] = []
    first_free = -(10**9)
    for v in range(p.visits):
        candidates = (
            t
            for t in p.starts
            if t > floor
            and ordinal(t) >= first_free
            and all(visit_ok(d) for d in range(t, t + p.visit_days))
        )
        if v < p.visits - 1:
            start = next(candidates, None)
            if start is None:
                return None
            chosen.append(start)
            first_free = ordinal(start + p.visit_days - 1) + p.min_gap
            continue
        for start in candidates:
            tail = _after_visits(p, start + p.visit_days - 1, talk_ok)
            if tail is not None:
                talk, governors = tail
                return Picked([*chosen, start], talk, scoping, governors)
            if p.within is None:
                break  # a later last visit leaves less room, never more
    return None


def _after_visits(
    p: DatedProject, last: int, talk_ok: Callable[[int], bool]
) -> tuple[int | None, int | None] | None:
    """The earliest presentation after term day ``last`` (within ``p.within`` term days) and
    the earliest governors' presentation after it; None when one asked for has no day."""
    if not p.presentation:
        return None, None
    talks = p.presentation_days[bisect.bisect_right(p.presentation_days, last) :]
    talk = next(
        (t for t in talks if talk_ok(t) and (p.within is None or t - last <= p.within)),
        None,
    )
    if talk is None:
        return None
    if not p.governors:
        return talk, None
    later = p.governors_days[bisect.bisect_right(p.governors_days, talk) :]
    evening = next((t for t in later if talk_ok(t)), None)
    return None if evening is None else (talk, evening)


def _with_locks(round_: Round, days: Sequence[dt.date], project: DatedProject) -> DatedProject:
    """The project with its locked visit starts (locks.csv rows with a visit and a date)."""
    index = {day: t for t, day in enumerate(days)}
    locked = {
        lk.visit_no - 1: index.get(lk.date, -1)
        for lk in round_.locks
        if lk.project_id == project.project_id and lk.visit_no is not None and lk.date is not None
    }
    return replace(project, locked_starts=locked) if locked else project
