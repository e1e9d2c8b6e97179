"""An independent schedule checker: every date rule re-checked in plain Python.

The CP-SAT scheduling model in ``solvers/`` is not imported or consulted here. A mistake in
that model then shows up as a disagreement between two implementations instead of being
repeated by both. Only the domain (:mod:`matcher.model`) and the school calendar
(:class:`matcher.days.SchoolCalendar`, which says which days are term days and who is
unavailable) are shared.

As in :mod:`matcher.verify`, each rule is one small function that yields what it finds,
registered under its rule name in :data:`SCHEDULE_CHECKS`, in report order. Messages name ids
and dates only: staff are personal data, so names and emails never appear.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import NamedTuple

from matcher.days import SchoolCalendar
from matcher.model import Plan, Project, Round, Schedule, ScheduledEvent
from matcher.verify import Violation


class _Breach(NamedTuple):
    """What a rule function finds; :func:`verify_schedule` adds the rule name."""

    message: str
    project_id: str | None = None
    staff_id: str | None = None
    school_id: str | None = None


class _Facts:
    """Lookups over one schedule, worked out once and shared by every rule.

    ``events`` holds each distinct event once, in a canonical order, so an event written twice
    is not counted twice by the daily rules (``complete`` reports the repeated id) and no
    finding depends on the order the schedule lists its events in. The per-project
    rules look only at events of *staffed* projects (in the round, with a team, not unfilled);
    ``complete`` reports events of any other project, so nothing is silently ignored.
    """

    def __init__(self, round_: Round, plan: Plan, schedule: Schedule) -> None:
        self.round = round_
        self.plan = plan
        self.schedule = schedule
        self.calendar = SchoolCalendar(round_.settings, round_.availability)
        self.timing = round_.settings.calendar

    @cached_property
    def events(self) -> tuple[ScheduledEvent, ...]:
        return tuple(sorted(set(self.schedule.events), key=_event_order))

    @cached_property
    def visits(self) -> tuple[ScheduledEvent, ...]:
        return tuple(e for e in self.events if e.kind == "visit")

    @cached_property
    def out_of_school(self) -> tuple[ScheduledEvent, ...]:
        """Events in school hours, which take people out of their own schools: visit days and
        scoping meetings (presentations are after school and need no cover)."""
        return tuple(e for e in self.events if e.kind in ("visit", "scoping"))

    @cached_property
    def unfilled_ids(self) -> frozenset[str]:
        return frozenset(u.project_id for u in self.plan.unfilled)

    @cached_property
    def unscheduled_ids(self) -> frozenset[str]:
        return frozenset(u.project_id for u in self.schedule.unscheduled)

    @cached_property
    def teams(self) -> dict[str, tuple[str, ...]]:
        """Sorted staff ids of each project's team, each person once."""
        members: dict[str, set[str]] = defaultdict(set)
        for a in self.plan.assignments:
            members[a.project_id].add(a.staff_id)
        return {project_id: tuple(sorted(ids)) for project_id, ids in members.items()}

    @cached_property
    def staffed(self) -> tuple[Project, ...]:
        return tuple(
            p
            for p in self.round.projects
            if p.project_id in self.teams and p.project_id not in self.unfilled_ids
        )

    @cached_property
    def events_by_project(self) -> dict[str, list[ScheduledEvent]]:
        found: dict[str, list[ScheduledEvent]] = defaultdict(list)
        for event in self.events:
            found[event.project_id].append(event)
        return found

    def home(self, staff_id: str) -> str | None:
        person = self.round.staff_by_id.get(staff_id)
        return None if person is None else person.school_id

    def min_gap(self, project: Project) -> int:
        if project.min_gap_days is not None:
            return project.min_gap_days
        return self.timing.min_gap_days

    def school_days_between(self, first: dt.date, last: dt.date) -> int:
        """School days after ``first`` up to and including ``last`` (term days, as the rule
        counts them)."""
        term_days = self.calendar.term_days
        return bisect.bisect_right(term_days, last) - bisect.bisect_right(term_days, first)

    def within_days(self, project: Project) -> int | None:
        if project.presentation_within_days is not None:
            return project.presentation_within_days
        return self.timing.presentation_within_days

    def visit_end(self, project: Project) -> dt.time:
        """A visit of visit_hours ends that long after the school day starts."""
        if project.visit_hours is None:
            return self.timing.day_end
        start = dt.datetime.combine(dt.date.min, self.timing.day_start)
        return (start + dt.timedelta(minutes=round(project.visit_hours * 60))).time()

    def morning_end(self) -> dt.time:
        """Halfway through the school day, to the minute: when a scoping meeting ends."""
        start = dt.datetime.combine(dt.date.min, self.timing.day_start)
        end = dt.datetime.combine(dt.date.min, self.timing.day_end)
        minutes = int((end - start).total_seconds() // 60) // 2
        return (start + dt.timedelta(minutes=minutes)).time()

    def next_term_day(self, day: dt.date) -> dt.date | None:
        term_days = self.calendar.term_days
        i = bisect.bisect_right(term_days, day)
        return term_days[i] if i < len(term_days) else None


ScheduleCheck = Callable[[_Facts], Iterator[_Breach]]


def _event_order(e: ScheduledEvent) -> tuple[object, ...]:
    # Every field, so two different events never tie and the order is total.
    return (
        e.project_id, e.visit_id, e.kind, e.visit_no, e.day_no, e.date, e.start, e.end,
        e.host_school_id, e.staff_ids,
    )  # fmt: skip


def _ids(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _on(event: ScheduledEvent) -> str:
    return f"{event.visit_id} on {event.date.isoformat()}"


# --- where and when a day may be used ---------------------------------------------------------


def _school_day(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a visit day is a term day open for the host and every visitor's home school.

    A presentation (to the senior team or to governors) is after school at the host, so only
    the host must be open; the visitors' schools lose nobody to it. A scoping meeting takes
    the lead out of their school for the morning, so the lead's school must be open too.
    """
    for event in facts.events:
        if not facts.calendar.is_term_day(event.date):
            yield _Breach(project_id=event.project_id, message=f"{_on(event)} is not a term day")
            continue
        if not facts.calendar.school_open(event.host_school_id, event.date):
            yield _Breach(
                project_id=event.project_id,
                school_id=event.host_school_id,
                message=f"{_on(event)}: host {event.host_school_id} is unavailable",
            )
        if event.kind in ("visit", "scoping"):
            yield from _homes_closed(facts, event)


def _homes_closed(facts: _Facts, event: ScheduledEvent) -> Iterator[_Breach]:
    visitors: dict[str, list[str]] = defaultdict(list)
    for staff_id in set(event.staff_ids):
        home = facts.home(staff_id)
        if home is not None:  # an unknown person is whole_team's business
            visitors[home].append(staff_id)
    for school_id, people in visitors.items():
        if not facts.calendar.school_open(school_id, event.date):
            yield _Breach(
                project_id=event.project_id,
                school_id=school_id,
                message=f"{_on(event)}: {school_id}, home school of {_ids(people)}, is unavailable",
            )


def _one_place(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a person has at most one event a day, and none on a day they are unavailable."""
    booked: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for event in facts.events:
        for staff_id in sorted(set(event.staff_ids)):
            booked[(staff_id, event.date)].append(event.visit_id)
            if not facts.calendar.person_free(staff_id, event.date):
                yield _Breach(
                    project_id=event.project_id,
                    staff_id=staff_id,
                    message=f"{staff_id} is unavailable on {event.date.isoformat()} but is on "
                    f"{event.visit_id}",
                )
    for (staff_id, day), visit_ids in booked.items():
        if len(visit_ids) > 1:
            yield _Breach(
                staff_id=staff_id,
                message=f"{staff_id} has {len(visit_ids)} events on {day.isoformat()}: "
                f"{_ids(visit_ids)}",
            )


def _release_per_day(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a school has at most max_staff_out_per_day staff out on any day.

    Out means on a visit day or at a scoping meeting, whole or half day alike: the cap counts
    people. Presentations are after school and need no cover, so they are not counted; a
    person double-booked on one day is one person out (one_place reports the double booking).
    """
    out: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for event in facts.out_of_school:
        for staff_id in event.staff_ids:
            home = facts.home(staff_id)
            if home is not None:
                out[(home, event.date)].add(staff_id)
    for (school_id, day), people in out.items():
        school = facts.round.school_by_id.get(school_id)
        if school is not None and len(people) > school.max_staff_out_per_day:
            yield _Breach(
                school_id=school_id,
                message=f"{school_id} has {len(people)} staff out on {day.isoformat()} "
                f"({_ids(people)}); it releases at most {school.max_staff_out_per_day} a day",
            )


def _leaders_per_day(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a school with max_leaders_out_per_day has at most that many of its senior leaders
    and headteachers out on any day: on visits or scoping meetings (presentations, after
    school, do not count)."""
    out: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for event in facts.out_of_school:
        for staff_id in event.staff_ids:
            person = facts.round.staff_by_id.get(staff_id)
            if person is not None and person.role in ("senior_leader", "headteacher"):
                out[(person.school_id, event.date)].add(staff_id)
    for (school_id, day), people in sorted(out.items()):
        school = facts.round.school_by_id.get(school_id)
        limit = None if school is None else school.max_leaders_out_per_day
        if limit is not None and len(people) > limit:
            yield _Breach(
                school_id=school_id,
                message=f"{school_id} has {len(people)} senior leaders and headteachers out on "
                f"{day.isoformat()} ({_ids(people)}); it releases at most {limit} a day",
            )


def _host_per_day(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a host receives visits for at most calendar.max_visits_per_day projects a day.

    Presentations are after school and are not counted.
    """
    limit = facts.timing.max_visits_per_day
    received: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for event in facts.visits:
        received[(event.host_school_id, event.date)].add(event.project_id)
    for (school_id, day), projects in received.items():
        if len(projects) > limit:
            yield _Breach(
                school_id=school_id,
                message=f"{school_id} receives visits for {len(projects)} projects on "
                f"{day.isoformat()} ({_ids(projects)}); at most {limit} a day",
            )


# --- each project's own dates -----------------------------------------------------------------


def _visit_order(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a project's days keep to its window, its times, its order and its gaps.

    Visit days fall within earliest..latest; a multi-day visit takes consecutive term days;
    visit n+1 starts at least min_gap_days (and at least one day) after visit n ends; the
    presentation, when asked for, follows the last visit day within the window.
    """
    for project in facts.staffed:
        events = facts.events_by_project.get(project.project_id, [])
        visits = [e for e in events if e.kind == "visit"]
        yield from _in_window(project, visits)
        yield from _visit_times(facts, project, visits)
        days = _days_by_visit(visits)
        for visit_no in sorted(days):
            yield from _consecutive_days(facts, project, visit_no, days[visit_no])
        yield from _gaps(facts, project, days)
        if project.presentation:
            presentations = [e for e in events if e.kind == "presentation"]
            yield from _presentation(facts, project, visits, presentations)


def _in_window(project: Project, events: Iterable[ScheduledEvent]) -> Iterator[_Breach]:
    for event in events:
        if not project.earliest <= event.date <= project.latest:
            yield _Breach(
                project_id=project.project_id,
                message=f"{_on(event)} is outside {project.project_id}'s window "
                f"{project.earliest.isoformat()} to {project.latest.isoformat()}",
            )


def _times(event: ScheduledEvent, start: dt.time, end: dt.time) -> Iterator[_Breach]:
    if (event.start, event.end) != (start, end):
        yield _Breach(
            project_id=event.project_id,
            message=f"{_on(event)} runs {event.start.isoformat('minutes')}-"
            f"{event.end.isoformat('minutes')}; it should run {start.isoformat('minutes')}-"
            f"{end.isoformat('minutes')}",
        )


def _visit_times(
    facts: _Facts, project: Project, visits: Iterable[ScheduledEvent]
) -> Iterator[_Breach]:
    for event in visits:
        yield from _times(event, facts.timing.day_start, facts.visit_end(project))


def _days_by_visit(visits: Iterable[ScheduledEvent]) -> dict[int, dict[int, dt.date]]:
    """visit_no -> day_no -> date; where a day repeats (complete says so) the first one counts."""
    days: dict[int, dict[int, dt.date]] = defaultdict(dict)
    for event in visits:
        days[event.visit_no].setdefault(event.day_no, event.date)
    return days


def _consecutive_days(
    facts: _Facts, project: Project, visit_no: int, days: dict[int, dt.date]
) -> Iterator[_Breach]:
    # Missing days are complete's business; each pair of neighbouring day numbers is checked.
    for day_no in sorted(days):
        if day_no + 1 not in days:
            continue
        expected = facts.next_term_day(days[day_no])
        actual = days[day_no + 1]
        if actual != expected:
            wanted = "no later term day" if expected is None else expected.isoformat()
            yield _Breach(
                project_id=project.project_id,
                message=f"{project.project_id} visit {visit_no} day {day_no + 1} is on "
                f"{actual.isoformat()}; the next term day after day {day_no} "
                f"({days[day_no].isoformat()}) is {wanted}",
            )


def _gaps(
    facts: _Facts, project: Project, days: dict[int, dict[int, dt.date]]
) -> Iterator[_Breach]:
    # Neighbours among the visits present: a missing visit is complete's business, but the
    # ones that are there must still come in order and apart.
    gap = facts.min_gap(project)
    numbers = sorted(days)
    for before, after in itertools.pairwise(numbers):
        ends, starts = max(days[before].values()), min(days[after].values())
        apart = (starts - ends).days
        if apart <= 0:
            yield _Breach(
                project_id=project.project_id,
                message=f"{project.project_id} visit {after} starts {starts.isoformat()}, "
                f"not after visit {before} ends {ends.isoformat()}",
            )
        elif apart < gap:
            yield _Breach(
                project_id=project.project_id,
                message=f"{project.project_id} visit {after} starts {starts.isoformat()}, "
                f"{apart} day(s) after visit {before} ends {ends.isoformat()}; the minimum "
                f"gap is {gap}",
            )


def _presentation(
    facts: _Facts,
    project: Project,
    visits: list[ScheduledEvent],
    presentations: list[ScheduledEvent],
) -> Iterator[_Breach]:
    # Findings need every visit done, so the bar is the latest visit day of any number.
    last = max((e.date for e in visits), default=None)
    yield from _in_window(project, presentations)
    for event in presentations:
        yield from _times(event, facts.timing.presentation_start, facts.timing.presentation_end)
        if last is not None and event.date <= last:
            yield _Breach(
                project_id=project.project_id,
                message=f"{_on(event)} is not after the last visit day {last.isoformat()}",
            )


def _whole_team(facts: _Facts) -> Iterator[_Breach]:
    """Hard: every event of a project has exactly its team, at its host; a scoping meeting has
    the team's lead alone (its lead reviewer, else its member first by staff id)."""
    for project in facts.staffed:
        team = facts.teams[project.project_id]
        lead = facts.plan.lead_of(project.project_id)
        for event in facts.events_by_project.get(project.project_id, []):
            scoping = event.kind == "scoping" and lead is not None
            expected = (lead,) if scoping and lead is not None else team
            if tuple(sorted(event.staff_ids)) != expected:
                who = "the lead" if scoping else "the team"
                yield _Breach(
                    project_id=project.project_id,
                    message=f"{event.visit_id} has staff [{_ids(event.staff_ids)}]; {who} "
                    f"of {project.project_id} is [{_ids(expected)}]",
                )
            if event.host_school_id != project.host_school_id:
                yield _Breach(
                    project_id=project.project_id,
                    school_id=event.host_school_id,
                    message=f"{event.visit_id} is at {event.host_school_id}; "
                    f"{project.project_id} is hosted by {project.host_school_id}",
                )


# --- completeness -----------------------------------------------------------------------------


def _complete(facts: _Facts) -> Iterator[_Breach]:
    """Hard: each staffed project is dated in full or listed as unscheduled, and nothing else.

    Every event has a unique, well-formed visit id and belongs to a staffed project.
    """
    yield from _visit_ids(facts)
    yield from _stray_events(facts)
    yield from _stray_unscheduled(facts)
    for project in facts.staffed:
        events = facts.events_by_project.get(project.project_id, [])
        if project.project_id in facts.unscheduled_ids:
            if events:
                yield _Breach(
                    project_id=project.project_id,
                    message=f"{project.project_id} is listed as unscheduled but has "
                    f"{len(events)} event(s)",
                )
            continue
        yield from _visit_days_present(project, [e for e in events if e.kind == "visit"])
        for kind, wanted in (
            ("presentation", project.presentation),
            ("scoping", project.scoping_meeting),
            ("governors", project.governors_presentation),
        ):
            found = [e for e in events if e.kind == kind]
            yield from _one_if_asked(project, kind, wanted, found)


_SUFFIX = {"presentation": "p", "scoping": "s", "governors": "g"}
_NAMES = {
    "presentation": "the presentation",
    "scoping": "the scoping meeting",
    "governors": "the governors' presentation",
}


def _expected_id(event: ScheduledEvent) -> str:
    if event.kind in _SUFFIX:
        return f"{event.project_id}-{_SUFFIX[event.kind]}"
    return f"{event.project_id}-v{event.visit_no}-d{event.day_no}"


def _visit_ids(facts: _Facts) -> Iterator[_Breach]:
    for visit_id, times in Counter(e.visit_id for e in facts.schedule.events).items():
        if times > 1:
            yield _Breach(message=f"visit id {visit_id} is used {times} times")
    for event in facts.events:
        expected = _expected_id(event)
        if event.visit_id != expected:
            yield _Breach(
                project_id=event.project_id,
                message=f"{event.visit_id} is {_describe(event)}; its id should be {expected}",
            )


def _describe(event: ScheduledEvent) -> str:
    if event.kind in _NAMES:
        return f"{_NAMES[event.kind]} of {event.project_id}"
    return f"visit {event.visit_no} day {event.day_no} of {event.project_id}"


def _stray_events(facts: _Facts) -> Iterator[_Breach]:
    staffed = {p.project_id for p in facts.staffed}
    for project_id, events in facts.events_by_project.items():
        if project_id in staffed:
            continue
        if project_id not in facts.round.project_by_id:
            why = "is not a project of this round"
        elif project_id in facts.unfilled_ids:
            why = "is listed as unfilled"
        else:
            why = "has no team in the plan"
        yield _Breach(
            project_id=project_id,
            message=f"{project_id} {why} but has event(s): {_ids(e.visit_id for e in events)}",
        )


def _stray_unscheduled(facts: _Facts) -> Iterator[_Breach]:
    # An unfilled project listed as unscheduled is merely redundant (it has no dates either),
    # but an unknown id or a repeat points at a broken writer.
    for project_id, times in Counter(u.project_id for u in facts.schedule.unscheduled).items():
        if project_id not in facts.round.project_by_id:
            yield _Breach(
                project_id=project_id,
                message=f"{project_id} is listed as unscheduled but is not a project of this round",
            )
        if times > 1:
            yield _Breach(
                project_id=project_id,
                message=f"{project_id} is listed as unscheduled {times} times",
            )


def _visit_days_present(project: Project, visits: list[ScheduledEvent]) -> Iterator[_Breach]:
    pid = project.project_id
    expected = {
        (n, d) for n in range(1, project.visits + 1) for d in range(1, project.visit_days + 1)
    }
    found = Counter((e.visit_no, e.day_no) for e in visits)
    if not found:
        yield _Breach(
            project_id=pid,
            message=f"{pid} is staffed but has no visits and is not listed as unscheduled",
        )
        return
    for n, d in sorted(expected - found.keys()):
        yield _Breach(project_id=pid, message=f"{pid} has no event for visit {n} day {d}")
    for n, d in sorted(found.keys() - expected):
        yield _Breach(
            project_id=pid,
            message=f"{pid} has an event for visit {n} day {d}; it has {project.visits} "
            f"visit(s) of {project.visit_days} day(s)",
        )
    for (n, d), times in sorted(found.items()):
        if times > 1:
            yield _Breach(project_id=pid, message=f"{pid} has {times} events for visit {n} day {d}")


def _one_if_asked(
    project: Project, kind: str, wanted: bool, found: list[ScheduledEvent]
) -> Iterator[_Breach]:
    """One event of ``kind`` when the project asks for it, none otherwise; the scoping meeting
    carries visit 1 (it comes before it), the presentations the last visit's number."""
    pid = project.project_id
    if len(found) != int(wanted):
        yield _Breach(
            project_id=pid,
            message=f"{pid} has {len(found)} {_NAMES[kind].removeprefix('the ')}(s); it asks for "
            f"{int(wanted)}",
        )
    number, which = (1, "first") if kind == "scoping" else (project.visits, "last")
    for event in found:
        if event.visit_no != number:
            yield _Breach(
                project_id=pid,
                message=f"{event.visit_id} carries visit {event.visit_no}; the {which} visit of "
                f"{pid} is {number}",
            )


def _locks(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a locked visit's first day is on its locked date."""
    for lock in facts.round.locks:
        if lock.visit_no is None or lock.date is None:
            continue
        firsts = [
            e.date
            for e in facts.events_by_project.get(lock.project_id, [])
            if e.kind == "visit" and e.visit_no == lock.visit_no and e.day_no == 1
        ]
        if firsts != [lock.date]:
            found = ", ".join(d.isoformat() for d in firsts) or "no date"
            yield _Breach(
                project_id=lock.project_id,
                message=f"visit {lock.visit_no} of project {lock.project_id} is locked on "
                f"{lock.date.isoformat()} (locks.csv) but starts on {found}",
            )


# --- the other kinds of event: scoping meeting, presentation deadline, governors ----------------


def _kind_of(facts: _Facts, project: Project, kind: str) -> list[ScheduledEvent]:
    return [e for e in facts.events_by_project.get(project.project_id, []) if e.kind == kind]


def _scoping(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a scoping meeting is a morning (day_start to halfway through the school day) in
    the project's window, on a day before its first visit day."""
    for project in facts.staffed:
        meetings = _kind_of(facts, project, "scoping")
        first = min((e.date for e in _kind_of(facts, project, "visit")), default=None)
        yield from _in_window(project, meetings)
        for event in meetings:
            yield from _times(event, facts.timing.day_start, facts.morning_end())
            if first is not None and event.date >= first:
                yield _Breach(
                    project_id=project.project_id,
                    message=f"{_on(event)} is not before the first visit day {first.isoformat()}",
                )


def _presentation_within(facts: _Facts) -> Iterator[_Breach]:
    """Hard: the presentation falls within presentation_within_days school days (term days)
    after the last visit day: the project's own number, else the round's, else no limit."""
    for project in facts.staffed:
        limit = facts.within_days(project)
        last = max((e.date for e in _kind_of(facts, project, "visit")), default=None)
        if limit is None or last is None:
            continue
        for event in _kind_of(facts, project, "presentation"):
            after = facts.school_days_between(last, event.date)
            if event.date > last and after > limit:
                yield _Breach(
                    project_id=project.project_id,
                    message=f"{_on(event)} is {after} school days after the last visit day "
                    f"{last.isoformat()}; it falls within {limit}",
                )


def _governors(facts: _Facts) -> Iterator[_Breach]:
    """Hard: the governors' presentation is an evening (calendar.governors_start..end) in the
    window, on a later day than the presentation to the senior team."""
    for project in facts.staffed:
        evenings = _kind_of(facts, project, "governors")
        talks = [e.date for e in _kind_of(facts, project, "presentation")]
        yield from _in_window(project, evenings)
        for event in evenings:
            yield from _times(event, facts.timing.governors_start, facts.timing.governors_end)
            if talks and event.date <= max(talks):
                yield _Breach(
                    project_id=project.project_id,
                    message=f"{_on(event)} is not after the presentation on "
                    f"{max(talks).isoformat()}",
                )


SCHEDULE_CHECKS: tuple[tuple[str, ScheduleCheck], ...] = (
    ("school_day", _school_day),
    ("one_place", _one_place),
    ("release_per_day", _release_per_day),
    ("leaders_per_day", _leaders_per_day),
    ("host_per_day", _host_per_day),
    ("visit_order", _visit_order),
    ("whole_team", _whole_team),
    ("complete", _complete),
    ("locks", _locks),
    ("scoping", _scoping),
    ("presentation_within", _presentation_within),
    ("governors", _governors),
)
"""Every date rule under its stable name, in the order its violations are reported."""

SCHEDULE_RULES: tuple[str, ...] = tuple(name for name, _ in SCHEDULE_CHECKS)
"""The rule names a schedule :class:`~matcher.verify.Violation` can carry, in report order."""


def verify_schedule(round_: Round, plan: Plan, schedule: Schedule) -> list[Violation]:
    """Re-check every date rule of a round against a schedule of its plan.

    Parameters
    ----------
    round_
        The round the plan and schedule were made for; its settings give the calendar and
        its availability the unavailable days.
    plan
        The pairings the schedule dates: teams and unfilled projects.
    schedule
        Dated events, from a solver or read back from files.

    Returns
    -------
    list of Violation
        Every broken rule; empty when the schedule is valid. The order is fixed: by rule (as
        in :data:`SCHEDULE_RULES`), then by project, staff and school id, then message.
    """
    facts = _Facts(round_, plan, schedule)
    found: list[Violation] = []
    for rule, check in SCHEDULE_CHECKS:
        # Sorting each rule's findings keeps the report stable whatever order events come in.
        breaches = sorted(check(facts), key=_breach_order)
        found.extend(Violation(rule=rule, **b._asdict()) for b in breaches)
    return found


def _breach_order(b: _Breach) -> tuple[str, str, str, str]:
    return (b.project_id or "", b.staff_id or "", b.school_id or "", b.message)
