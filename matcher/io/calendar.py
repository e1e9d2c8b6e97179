"""Calendars of the dated visits (RFC 5545 ``.ics``), built and read with the icalendar library.

A planning run writes ``calendars/`` into its output folder:

``calendars/round.ics``
    Every event of the round, for the coordinator.
``calendars/staff/<staff_id>.ics``
    The events one person attends, and nothing else.
``calendars/schools/<school_id>.ics``
    The events a school hosts, and those its own staff attend elsewhere.

Each day of a visit and each findings presentation is one VEVENT, the same bytes in every file
that holds it. Calendar programs match a re-imported event to the one they have by UID and
take it only if its SEQUENCE is higher, so both are managed across re-runs:

- The UID is ``<round key>-<visit_id>@matcher``, where the round key is a hash of the round's
  academic year and number (``round.toml``): stable across re-runs and when a coordinator
  corrects the round's name, different between rounds. Calendars published by a version that
  keyed rounds by name and number keep their UIDs: a folder whose previous ``round.ics`` holds
  only such UIDs goes on using them.
- SEQUENCE starts at 0. ``previous`` (the output folder of an earlier run) is read for the
  events it published; an event whose content (dates, times, place, team, text, status)
  changed gets the previous SEQUENCE + 1, an unchanged one keeps its SEQUENCE and DTSTAMP.
- An event of this round that the previous run published but the schedule no longer has is
  published again with STATUS:CANCELLED and SEQUENCE + 1, in every calendar it was in, so a
  re-imported calendar drops it. X-MATCHER-* properties record whom each event concerns,
  because the people and schools of a cancelled visit may no longer be in the schedule.
  Cancelled events are carried forward by later runs, so a calendar that missed one run
  still learns of the cancellation. Events of other rounds in ``previous`` are ignored.
- A person or school taken off an event that goes on gets, in their own calendar only, a
  cancelled copy with the event's new SEQUENCE, so the visit leaves their calendar too.
- DTSTAMP never comes from the clock, so the same input gives byte-identical files: a new or
  changed event is stamped with the round's start date at 00:00 UTC (or the previous stamp,
  if later). SEQUENCE, not DTSTAMP, is what tells calendar programs a revision is newer.

ATTENDEE lines carry the team's names and emails, which the team needs to reach each other.
RFC 5545 allows attendees only with an ORGANIZER, which is the round's ``coordinator_email``;
without it the events list the team by name in DESCRIPTION only. DESCRIPTION never holds a
team member's email.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from matcher.model import Project, Round, Schedule, ScheduledEvent, School, Settings, Staff

CALENDARS = "calendars"
ROUND_CALENDAR = "round.ics"
STAFF_FOLDER = "staff"
SCHOOLS_FOLDER = "schools"
PRODID = "-//matcher//School improvement visits//EN"

log = logging.getLogger(__name__)

# Whom an event concerns, in the event itself: a later run needs it to send a cancellation to
# the same calendars even when those people are no longer in the schedule or the round.
X_VISIT_ID = "X-MATCHER-VISIT-ID"
X_HOST = "X-MATCHER-HOST"
X_STAFF_ID = "X-MATCHER-STAFF-ID"  # one line per team member
X_SCHOOL_ID = "X-MATCHER-SCHOOL-ID"  # one line per releasing school

_CONFIRMED = "CONFIRMED"
_CANCELLED = "CANCELLED"
_ROLE_WORDS = {"lead": "lead reviewer", "member": "team member"}
# C0 and C1 control characters (line feed, carriage return, tab, vertical tab, ...) and the
# Unicode line and paragraph separators, with the spaces around them.
_CONTROL = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029]+\s*")


def one_line(text: str) -> str:
    """``text`` with each run of line breaks and other control characters made one space.

    Every name, title and address a calendar shows goes through here. They come from
    spreadsheets, where Alt+Enter puts a line break inside a cell: a line break in a
    calendar's name or a parameter (an attendee's CN) makes the file unwritable, one in a
    DESCRIPTION would break its layout, and control characters are not allowed in iCalendar
    text at all (RFC 5545, 3.3.11).
    """
    return _CONTROL.sub(" ", text).strip()


def round_key(settings: Settings) -> str:
    """Twelve hex digits that identify a round by its academic year and number, for event
    UIDs: ids that stay put when the round's name is corrected."""
    identity = f"round\n{settings.academic_year}\n{settings.number}".encode()
    return hashlib.sha256(identity).hexdigest()[:12]


def legacy_round_key(settings: Settings) -> str:
    """The round key of calendars published before keys left the name out: name and number."""
    identity = f"{settings.name}\n{settings.number}".encode()
    return hashlib.sha256(identity).hexdigest()[:12]


def event_uid(settings: Settings, visit_id: str, key: str | None = None) -> str:
    """The UID of a scheduled event: the same in every file and on every re-run. ``key`` is
    the round key in use (``round_key`` unless a folder was published with another)."""
    return f"{key or round_key(settings)}-{visit_id}@matcher"


def _published_for(
    settings: Settings, previous: Path | None
) -> tuple[str, dict[str, Event]]:
    """The round key to write with and the events published under it before: ``round_key``,
    or the legacy key when the previous calendars hold only events published with it, so
    their UIDs go on and calendar programs update rather than duplicate them."""
    path, published = _published_events(previous)
    key, legacy = round_key(settings), legacy_round_key(settings)
    uids = [str(event.get("UID", "")) for event in published]
    if not any(u.startswith(f"{key}-") for u in uids) and any(
        u.startswith(f"{legacy}-") for u in uids
    ):
        key = legacy
    return key, _events_of(path, published, key)


# --- writing ---------------------------------------------------------------------------------


def write_calendars(
    directory: Path,
    round_: Round,
    schedule: Schedule,
    *,
    previous: Path | None = None,
    roles: Mapping[tuple[str, str], str] | None = None,
) -> list[Path]:
    """Write the round's, each person's and each school's calendar into ``directory/calendars``.

    Not atomic by itself: pass the staging folder of
    :func:`matcher.io.atomic.atomic_output`, and the real output folder as ``previous``.

    Parameters
    ----------
    directory
        The folder to write into; ``calendars/`` is created in it.
    round_
        The round, for names, emails, schools, the timezone and the coordinator.
    schedule
        The dated events; every id in them must be in ``round_``.
    previous
        The output folder of an earlier run, whose ``calendars/round.ics`` (if any) gives the
        SEQUENCE and DTSTAMP to carry forward and the events to cancel. None: a first run.
        What cannot be read of that file is taken as never published, with a logged warning.
    roles
        ``(project_id, staff_id) -> "lead" | "member"``, shown with the team in DESCRIPTION.

    Returns
    -------
    list of Path
        The files written: round.ics, then school calendars, then staff calendars, by id.

    Raises
    ------
    ValueError
        If the schedule names an id that is not in the round, or a visit id twice.

    Notes
    -----
    UIDs, SEQUENCE, DTSTAMP and cancellations follow the rules in this module's docstring;
    the same round, schedule, roles and previous files give byte-identical calendars.
    """
    _check_ids(round_, schedule)
    stamp = _input_stamp(round_.settings)
    key, published = _published_for(round_.settings, previous)
    entries = sorted(
        [
            *_current_entries(round_, schedule, roles or {}, published, stamp, key),
            *_cancelled_entries(round_.settings, schedule, published, stamp, key),
        ],
        key=lambda entry: (entry.start, entry.uid),
    )
    timezones = _timezones(round_.settings, entries)
    return _write_files(Path(directory) / CALENDARS, round_, entries, timezones)


@dataclass(frozen=True)
class _Entry:
    """One VEVENT and whom it concerns, which decides the calendars it goes into."""

    event: Event
    uid: str
    start: dt.datetime
    staff_ids: frozenset[str]
    school_ids: frozenset[str]  # the host and the releasing schools
    in_round: bool = True  # False: a notice for those taken off the team, in their files only


def _entry(event: Event) -> _Entry:
    # Read from the event itself, so new and carried-forward events are filed alike.
    return _Entry(
        event=event,
        uid=str(event["UID"]),
        start=event.decoded("DTSTART"),
        staff_ids=frozenset(_texts(event, X_STAFF_ID)),
        school_ids=frozenset(_texts(event, X_HOST) + _texts(event, X_SCHOOL_ID)),
    )


def _texts(event: Event, name: str) -> list[str]:
    values = event.get(name, [])
    values = values if isinstance(values, list) else [values]
    # Built events hold vText, parsed ones raw (escaped) text; both unescape the same way.
    return [str(vText.from_ical(value.to_ical().decode())) for value in values]


def _check_ids(round_: Round, schedule: Schedule) -> None:
    events = schedule.events
    unknown = sorted(
        {e.project_id for e in events if e.project_id not in round_.project_by_id}
        | {e.host_school_id for e in events if e.host_school_id not in round_.school_by_id}
        | {s for e in events for s in e.staff_ids if s not in round_.staff_by_id}
    )
    if unknown:
        raise ValueError(f"the schedule names ids that are not in the round: {', '.join(unknown)}")
    counts = Counter(e.visit_id for e in events)
    doubled = sorted(visit_id for visit_id, count in counts.items() if count > 1)
    if doubled:
        raise ValueError(f"the schedule holds visit id(s) twice: {', '.join(doubled)}")


def _input_stamp(settings: Settings) -> dt.datetime:
    return dt.datetime.combine(settings.start, dt.time(0), tzinfo=dt.UTC)


# --- events of this schedule -----------------------------------------------------------------


def _current_entries(
    round_: Round,
    schedule: Schedule,
    roles: Mapping[tuple[str, str], str],
    published: Mapping[str, Event],
    stamp: dt.datetime,
    key: str,
) -> Iterator[_Entry]:
    for scheduled in schedule.events:
        uid = event_uid(round_.settings, scheduled.visit_id, key)
        event = _event(round_, scheduled, roles, uid)
        before = published.get(uid)
        _stamp_revision(event, before, stamp)
        entry = _entry(event)
        yield entry
        if before is not None:
            yield from _withdrawal_notice(before, entry)


def _event(
    round_: Round, scheduled: ScheduledEvent, roles: Mapping[tuple[str, str], str], uid: str
) -> Event:
    """The VEVENT of one scheduled event, without SEQUENCE and DTSTAMP."""
    settings = round_.settings
    project = round_.project_by_id[scheduled.project_id]
    host = round_.school_by_id[scheduled.host_school_id]
    team = _team(round_, scheduled, roles)
    zone = ZoneInfo(settings.calendar.timezone)
    event = Event()
    event.add("UID", uid)
    event.add("DTSTART", dt.datetime.combine(scheduled.date, scheduled.start, tzinfo=zone))
    event.add("DTEND", dt.datetime.combine(scheduled.date, scheduled.end, tzinfo=zone))
    event.add("STATUS", _CONFIRMED)
    event.add("SUMMARY", _summary(project, host, scheduled))
    event.add("LOCATION", _location(host))
    event.add("DESCRIPTION", _description(round_, project, host, scheduled, team))
    if settings.coordinator_email:
        event.add("ORGANIZER", vCalAddress(f"mailto:{one_line(settings.coordinator_email)}"))
        for member, _ in team:
            event.add("ATTENDEE", _attendee(member))
    event.add(X_VISIT_ID, vText(scheduled.visit_id))
    event.add(X_HOST, vText(host.school_id))
    for member, _ in sorted(team, key=lambda pair: pair[0].staff_id):
        event.add(X_STAFF_ID, vText(member.staff_id))
    for school_id in sorted({member.school_id for member, _ in team} - {host.school_id}):
        event.add(X_SCHOOL_ID, vText(school_id))
    return event


def _team(
    round_: Round, scheduled: ScheduledEvent, roles: Mapping[tuple[str, str], str]
) -> list[tuple[Staff, str | None]]:
    """The team with each member's role, if known: the lead first, then by staff id."""
    team = [
        (round_.staff_by_id[staff_id], roles.get((scheduled.project_id, staff_id)))
        for staff_id in scheduled.staff_ids
    ]
    return sorted(team, key=lambda pair: (pair[1] != "lead", pair[0].staff_id))


def _summary(project: Project, host: School, scheduled: ScheduledEvent) -> str:
    area, name = one_line(project.area), one_line(host.name)
    if scheduled.kind == "presentation":
        return f"Findings presentation: {area} at {name}"
    if scheduled.kind == "scoping":
        return f"Scoping meeting: {area} at {name}"
    if scheduled.kind == "governors":
        return f"Governors' presentation: {area} at {name}"
    which = f"visit {scheduled.visit_no} of {project.visits}"
    if project.visit_days > 1:
        which += f", day {scheduled.day_no}"
    return f"Peer review: {area} at {name} ({which})"


def _location(host: School) -> str:
    name = one_line(host.name)
    return f"{name}, {one_line(host.postcode)}" if host.postcode else name


def _description(
    round_: Round,
    project: Project,
    host: School,
    scheduled: ScheduledEvent,
    team: list[tuple[Staff, str | None]],
) -> str:
    name = one_line(host.name)
    if scheduled.kind == "presentation":
        what = f"Findings presented to the senior team of {name}."
    elif scheduled.kind == "scoping":
        what = f"Scoping meeting of the team's lead with the CPD lead of {name}, before visit 1."
    elif scheduled.kind == "governors":
        what = f"Findings presented to the governors of {name}, in the evening."
    elif project.visits == 1 and project.visit_days == 1:
        what = f"A one-day visit to {name}."
    else:
        what = f"Visit {scheduled.visit_no} of {project.visits}"
        if project.visit_days > 1:
            what += f", day {scheduled.day_no} of {project.visit_days}"
        what += f", at {name}."
    if scheduled.kind == "visit" and project.half_day:
        what += " A half day (morning)."
    lines = [f"{one_line(project.title)} ({one_line(project.area)})", what, "", "Team:"]
    lines += [_team_line(round_, member, role) for member, role in team]
    contact = round_.settings.coordinator_email
    if contact:
        lines += ["", f"Contact: the round coordinator, {one_line(contact)}"]
    return "\n".join(lines)


def _team_line(round_: Round, member: Staff, role: str | None) -> str:
    # Names, roles and schools only: a team member's email is in ATTENDEE, never here.
    school = one_line(round_.school_by_id[member.school_id].name)
    role_words = _ROLE_WORDS.get(role or "")
    return f"- {one_line(member.name)}" + (f", {role_words}" if role_words else "") + f" ({school})"


def _attendee(member: Staff) -> vCalAddress:
    address = vCalAddress(f"mailto:{one_line(member.email)}")
    address.params["CN"] = one_line(member.name)
    address.params["ROLE"] = "REQ-PARTICIPANT"
    return address


def _stamp_revision(event: Event, before: Event | None, stamp: dt.datetime) -> None:
    """Add SEQUENCE and DTSTAMP: kept when the event is as published, raised when it changed."""
    if before is None:
        event.add("SEQUENCE", 0)
        event.add("DTSTAMP", stamp)
    elif _content(event) == _content(before):
        event.add("SEQUENCE", before.decoded("SEQUENCE"))
        event.add("DTSTAMP", before.decoded("DTSTAMP"))
    else:
        event.add("SEQUENCE", before.decoded("SEQUENCE") + 1)
        event.add("DTSTAMP", _later(stamp, before))


def _later(stamp: dt.datetime, before: Event) -> dt.datetime:
    # Never older than what was published, should the round's start date have moved back.
    return max(stamp, before.decoded("DTSTAMP"))


def _withdrawal_notice(before: Event, entry: _Entry) -> Iterator[_Entry]:
    """The published event, cancelled, for whoever it concerned but concerns no longer."""
    was = _entry(before)
    staff_ids, school_ids = was.staff_ids - entry.staff_ids, was.school_ids - entry.school_ids
    if staff_ids or school_ids:
        notice = _cancelled(before, entry.event.decoded("SEQUENCE"), entry.event.decoded("DTSTAMP"))
        yield _Entry(notice, entry.uid, was.start, staff_ids, school_ids, in_round=False)


def _cancelled(before: Event, sequence: int, stamp: dt.datetime) -> Event:
    """A copy of a published event with STATUS:CANCELLED and the given SEQUENCE and DTSTAMP."""
    event = cast(Event, Event.from_ical(before.to_ical()))  # from_ical is typed Component
    for name, value in (("STATUS", _CANCELLED), ("SEQUENCE", sequence), ("DTSTAMP", stamp)):
        event.pop(name, None)
        event.add(name, value)
    return event


def _content(event: Event) -> tuple[object, ...]:
    """What a reader of the event sees, compared by value so it does not matter how the
    event was made (built here or parsed from a file)."""

    def moment(name: str) -> tuple[str, str]:
        prop = event[name]
        return (event.decoded(name).replace(tzinfo=None).isoformat(), prop.params.get("TZID", ""))

    def text(name: str) -> str:
        return str(event.get(name, ""))

    attendees = event.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return (
        moment("DTSTART"),
        moment("DTEND"),
        *(text(name) for name in ("STATUS", "SUMMARY", "LOCATION", "DESCRIPTION", "ORGANIZER")),
        tuple(
            sorted((str(a), a.params.get("CN", ""), a.params.get("ROLE", "")) for a in attendees)
        ),
        *(tuple(_texts(event, name)) for name in (X_HOST, X_STAFF_ID, X_SCHOOL_ID)),
    )


# --- events of the previous run --------------------------------------------------------------


def _cancelled_entries(
    settings: Settings,
    schedule: Schedule,
    published: Mapping[str, Event],
    stamp: dt.datetime,
    key: str,
) -> Iterator[_Entry]:
    current = {event_uid(settings, e.visit_id, key) for e in schedule.events}
    for uid, before in published.items():
        if uid in current:
            continue
        if str(before.get("STATUS", "")) == _CANCELLED:
            yield _entry(before)  # cancelled by an earlier run: published again unchanged
        else:
            sequence = before.decoded("SEQUENCE") + 1
            yield _entry(_cancelled(before, sequence, _later(stamp, before)))


def _published_events(previous: Path | None) -> tuple[Path | None, list[Event]]:
    """Every event of ``previous/calendars/round.ics`` (none if there is no such file).

    The file is only a memory of what was published, so what cannot be read of it (a file
    cut short by an interrupted copy, a hand edit) is taken as never published, with a
    warning, rather than stopping the run: those events start again at SEQUENCE 0.
    """
    if previous is None:
        return None, []
    path = Path(previous) / CALENDARS / ROUND_CALENDAR
    if not path.is_file():
        return path, []
    try:
        calendar = Calendar.from_ical(path.read_bytes())
    except (OSError, ValueError):
        # Not the parser's message: it quotes the file, and the file holds people's names.
        log.warning(
            "%s is not a readable iCalendar file; taken as absent, so every event starts again "
            "at SEQUENCE 0 and calendar programs that imported it may keep the old events",
            path,
        )
        return path, []
    return path, cast(list[Event], calendar.walk("VEVENT"))  # walk is typed Component


def _events_of(path: Path | None, published: list[Event], key: str) -> dict[str, Event]:
    events: dict[str, Event] = {}
    for event in published:
        uid = str(event.get("UID", ""))
        # Another round's events (a reused output folder) are not this run's to cancel.
        if not uid.startswith(f"{key}-"):
            continue
        problems = _unreadable(event)
        if problems:
            log.warning(
                "%s: event %s skipped (%s); it starts again at SEQUENCE 0",
                path,
                uid,
                "; ".join(problems),
            )
            continue
        events[uid] = event
    return events


def _unreadable(event: Event) -> list[str]:
    """What keeps a previously published event from being carried forward (no values: they
    may be names)."""
    problems = [f"{name} is unreadable" for name, _reason in event.errors]
    if problems:
        return problems
    for name in ("DTSTART", "DTEND"):
        value = event.decoded(name, None)
        tzid = event[name].params.get("TZID") if name in event else None
        if not isinstance(value, dt.datetime) or not _known_zone(tzid):
            problems.append(f"{name} is not a date and time with a known TZID")
    if not isinstance(event.decoded("DTSTAMP", None), dt.datetime):
        problems.append("DTSTAMP is missing; expected a UTC date and time")
    if not isinstance(event.decoded("SEQUENCE", None), int):
        problems.append("SEQUENCE is missing; expected a whole number")
    return problems


def _known_zone(tzid: str | None) -> bool:
    if not tzid:
        return False
    try:
        ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- files -----------------------------------------------------------------------------------


def _timezones(settings: Settings, entries: Iterable[_Entry]) -> list[Timezone]:
    """A VTIMEZONE for the round's zone and for any other zone an event uses."""
    tzids = {settings.calendar.timezone}
    years = {settings.start.year, settings.end.year}
    for entry in entries:
        for name in ("DTSTART", "DTEND"):
            tzids.add(entry.event[name].params["TZID"])
            years.add(entry.event.decoded(name).year)
    # Rules for the years in use only: short files, and the same for the same input.
    first, last = dt.date(min(years), 1, 1), dt.date(max(years) + 1, 1, 1)
    return [
        Timezone.from_tzinfo(ZoneInfo(tzid), tzid=tzid, first_date=first, last_date=last)
        for tzid in sorted(tzids)
    ]


def _write_files(
    folder: Path, round_: Round, entries: list[_Entry], timezones: list[Timezone]
) -> list[Path]:
    by_staff: dict[str, list[_Entry]] = defaultdict(list)
    by_school: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        for staff_id in entry.staff_ids:
            by_staff[staff_id].append(entry)
        for school_id in entry.school_ids:
            by_school[school_id].append(entry)
    title = f"{one_line(round_.settings.name)}, round {round_.settings.number}"
    everything = [entry for entry in entries if entry.in_round]
    files = [(folder / ROUND_CALENDAR, f"{title}: all visits", everything)]
    for school_id in sorted(by_school):
        school = round_.school_by_id.get(school_id)
        name = one_line(school.name) if school else school_id
        path = folder / SCHOOLS_FOLDER / _file_name(school_id)
        files.append((path, f"{title}: {name}", by_school[school_id]))
    for staff_id in sorted(by_staff):
        member = round_.staff_by_id.get(staff_id)
        name = one_line(member.name) if member else staff_id
        path = folder / STAFF_FOLDER / _file_name(staff_id)
        files.append((path, f"{title}: {name}", by_staff[staff_id]))
    # Each event goes into several files (the round's, its host's, each releasing school's
    # and each member's): serialised once, not once per file (48,000 national calendars took
    # two minutes when every file serialised its events again).
    zones = b"".join(timezone.to_ical() for timezone in timezones)
    serialised = {id(entry): entry.event.to_ical() for entry in entries}
    made: set[Path] = set()
    for path, name, held in files:
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        body = b"".join(serialised[id(entry)] for entry in held)
        path.write_bytes(_calendar(name, zones + body))
    return [path for path, _, _ in files]


def _file_name(entity_id: str) -> str:
    # An id is the file name; escape what a file system would read as a path.
    name = quote(entity_id, safe=" -_.")
    return ("%2E" + name[1:] if name.startswith(".") else name) + ".ics"


def _calendar(name: str, components: bytes) -> bytes:
    """The VCALENDAR named ``name`` around ``components``, already serialised."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", name)  # RFC 7986
    calendar.add("X-WR-CALNAME", name)  # what most calendar programs read instead
    end = b"END:VCALENDAR\r\n"
    return calendar.to_ical().removesuffix(end) + components + end
