"""Round and plan (ids) -> SchedulingProblem (term-day indices) for the dating model.

The round's term days are indexed 0..T-1. A visit of ``d`` days starting on term day ``t``
occupies term days ``t..t+d-1`` (consecutive school days). Which starts are allowed for a
project (host open, every team member's school open and every member free on each day,
inside the project's window) is worked out here; the model only decides among them.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
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
    return DatedProject(
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
    )


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
            dated_project(round_, calendar, project, sorted(teams[project.project_id])),
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


def _with_locks(round_: Round, days: Sequence[dt.date], project: DatedProject) -> DatedProject:
    """The project with its locked visit starts (locks.csv rows with a visit and a date)."""
    index = {day: t for t, day in enumerate(days)}
    locked = {
        lk.visit_no - 1: index.get(lk.date, -1)
        for lk in round_.locks
        if lk.project_id == project.project_id and lk.visit_no is not None and lk.date is not None
    }
    return replace(project, locked_starts=locked) if locked else project
