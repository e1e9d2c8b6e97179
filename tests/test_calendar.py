"""Calendars: valid iCalendar, true to the schedule, private per person, stable across re-runs."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from conftest import make_round, project, school, staff
from icalendar import Calendar, Event, vCalAddress

from matcher.io.calendar import (
    event_uid,
    round_key,
    write_calendars,
)
from matcher.io.schedule_files import read_schedule, write_schedule_csv
from matcher.model import Round, Schedule, ScheduledEvent

LONDON = ZoneInfo("Europe/London")
ROLES = {("P1", "S1"): "lead", ("P1", "S3"): "member", ("P2", "S4"): "lead"}


@pytest.fixture
def round_() -> Round:
    """A hosts P1 (two 2-day visits, then a presentation) for S1 (from B) and S3 (from C);
    B hosts P2 (one day) for S4 (from D). S2 (at B) has no visits."""
    return make_round(
        [
            school("A", name="Oakfield Primary School", postcode="M1 1AA"),
            school("B", lat_offset=0.05),
            school("C", lat_offset=0.1),
            school("D", lat_offset=0.15),
        ],
        [staff("S1", "B"), staff("S2", "B"), staff("S3", "C"), staff("S4", "D")],
        [
            project("P1", "A", visits=2, visit_days=2, presentation=True),
            project("P2", "B", title="Wellbeing review P2"),
        ],
    )


def visit(
    visit_id: str, day: dt.date, staff_ids: tuple[str, ...], **fields: object
) -> ScheduledEvent:
    project_id = visit_id.split("-")[0]
    values: dict[str, object] = {
        "visit_id": visit_id,
        "project_id": project_id,
        "visit_no": 1,
        "day_no": 1,
        "kind": "visit",
        "date": day,
        "start": dt.time(8, 45),
        "end": dt.time(15, 15),
        "host_school_id": "A" if project_id == "P1" else "B",
        "staff_ids": staff_ids,
    }
    return ScheduledEvent.model_validate({**values, **fields})


P1_TEAM = ("S1", "S3")
SCHEDULE = Schedule(
    events=(
        visit("P1-v1-d1", dt.date(2026, 1, 20), P1_TEAM),
        visit("P1-v1-d2", dt.date(2026, 1, 21), P1_TEAM, day_no=2),
        visit("P1-v2-d1", dt.date(2026, 2, 10), P1_TEAM, visit_no=2),
        visit("P1-v2-d2", dt.date(2026, 2, 11), P1_TEAM, visit_no=2, day_no=2),
        visit(
            "P1-p",
            dt.date(2026, 2, 11),
            P1_TEAM,
            visit_no=2,
            kind="presentation",
            start=dt.time(15, 45),
            end=dt.time(16, 45),
        ),
        visit("P2-v1-d1", dt.date(2026, 3, 3), ("S4",)),
    )
)


def write(out: Path, round_: Round, schedule: Schedule = SCHEDULE, **options: object) -> list[Path]:
    return write_calendars(out, round_, schedule, roles=ROLES, **options)  # type: ignore[arg-type]


def parse(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def events(path: Path) -> dict[str, Event]:
    return {str(e["UID"]): e for e in cast(list[Event], parse(path).walk("VEVENT"))}


def attendees(event: Event) -> list[vCalAddress]:
    value = event.get("ATTENDEE", [])
    return value if isinstance(value, list) else [value]


def uid(round_: Round, visit_id: str) -> str:
    return event_uid(round_.settings, visit_id)


def relative(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def moved(schedule: Schedule, visit_id: str, **changes: object) -> Schedule:
    return Schedule(
        events=tuple(
            e.model_copy(update=changes) if e.visit_id == visit_id else e for e in schedule.events
        )
    )


def without(schedule: Schedule, visit_id: str) -> Schedule:
    return Schedule(events=tuple(e for e in schedule.events if e.visit_id != visit_id))


# --- files and their contents ----------------------------------------------------------------


def test_one_calendar_for_the_round_and_each_school_and_person_involved(
    tmp_path: Path, round_: Round
) -> None:
    written = write(tmp_path, round_)
    assert relative(written, tmp_path) == [
        "calendars/round.ics",
        "calendars/schools/A.ics",
        "calendars/schools/B.ics",
        "calendars/schools/C.ics",
        "calendars/schools/D.ics",
        "calendars/staff/S1.ics",
        "calendars/staff/S3.ics",
        "calendars/staff/S4.ics",
    ]  # no file for S2, who has no visits
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(written)


def test_every_calendar_is_valid_icalendar(tmp_path: Path, round_: Round) -> None:
    for path in write(tmp_path, round_):
        raw = path.read_bytes()
        assert raw.endswith(b"\r\n")
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded, in octets
        calendar = parse(path)
        calendar.validate()
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["PRODID"]).startswith("-//matcher//")
        assert str(calendar["CALSCALE"]) == "GREGORIAN"
        assert str(calendar["METHOD"]) == "PUBLISH"
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
        for event in calendar.walk("VEVENT"):
            assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE"} <= set(event)
            assert not event.errors


def test_round_calendar_matches_schedule_csv_event_by_event(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_)
    write_schedule_csv(tmp_path, SCHEDULE)
    schedule = read_schedule(tmp_path)
    assert schedule is not None
    published = events(tmp_path / "calendars" / "round.ics")
    assert set(published) == {uid(round_, e.visit_id) for e in schedule.events}
    for scheduled in schedule.events:
        event = published[uid(round_, scheduled.visit_id)]
        for name, time in (("DTSTART", scheduled.start), ("DTEND", scheduled.end)):
            assert event[name].params["TZID"] == "Europe/London"
            assert event.decoded(name) == dt.datetime.combine(scheduled.date, time, LONDON)
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.decoded("SEQUENCE") == 0
        assert event.decoded("DTSTAMP") == dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        assert str(event["ORGANIZER"]) == "mailto:coordinator@example.org"
        assert {(str(a), a.params["CN"], a.params["ROLE"]) for a in attendees(event)} == {
            (f"mailto:{s.lower()}@example.org", f"Person {s}", "REQ-PARTICIPANT")
            for s in scheduled.staff_ids
        }


def test_summary_and_location_name_the_area_host_and_visit(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_)
    published = events(tmp_path / "calendars" / "round.ics")

    def text(visit_id: str, name: str) -> str:
        return str(published[uid(round_, visit_id)][name])

    assert text("P1-v2-d1", "SUMMARY") == (
        "Peer review: oracy at Oakfield Primary School (visit 2 of 2, day 1)"
    )
    assert text("P1-p", "SUMMARY") == "Findings presentation: oracy at Oakfield Primary School"
    assert text("P2-v1-d1", "SUMMARY") == "Peer review: oracy at School B (visit 1 of 1)"
    assert text("P1-v1-d1", "LOCATION") == "Oakfield Primary School, M1 1AA"


def test_description_lists_the_team_by_name_and_role_never_their_email(
    tmp_path: Path, round_: Round
) -> None:
    write(tmp_path, round_)
    published = events(tmp_path / "calendars" / "round.ics")
    description = str(published[uid(round_, "P1-v1-d2")]["DESCRIPTION"])
    assert description.splitlines() == [
        "Oracy review P1 (oracy)",
        "Visit 1 of 2, day 2 of 2, at Oakfield Primary School.",
        "",
        "Team:",
        "- Person S1, lead reviewer (School B)",
        "- Person S3, team member (School C)",
        "",
        "Contact: the round coordinator, coordinator@example.org",
    ]
    single = str(published[uid(round_, "P2-v1-d1")]["DESCRIPTION"])
    assert single.splitlines()[:2] == [
        "Wellbeing review P2 (oracy)",
        "A one-day visit to School B.",
    ]
    for path in (tmp_path / "calendars").rglob("*.ics"):
        for event in parse(path).walk("VEVENT"):
            assert "@example.org" not in str(event["DESCRIPTION"]).replace(
                "coordinator@example.org", ""
            )


def test_names_with_line_breaks_and_control_characters_give_valid_one_line_text(
    tmp_path: Path, round_: Round
) -> None:
    # Alt+Enter in a spreadsheet cell, a carriage return, a vertical tab, a bell, U+2028.
    messy = round_.replace(
        settings=round_.settings.model_copy(update={"name": "Spring\n2026"}),
        schools=(
            round_.schools[0].model_copy(
                update={"name": "Oakfield\r\nPrimary\x0bSchool", "postcode": "M1\n1AA"}
            ),
            *round_.schools[1:],
        ),
        staff=(round_.staff[0].model_copy(update={"name": "Person\nS1\x07"}), *round_.staff[1:]),
        projects=(
            round_.projects[0].model_copy(update={"title": "Oracy\u2028review P1"}),
            *round_.projects[1:],
        ),
    )
    written = write(tmp_path, messy)
    for path in written:
        calendar = parse(path)
        calendar.validate()
        assert "\n" not in str(calendar["NAME"]) and "\n" not in str(calendar["X-WR-CALNAME"])
        for event in calendar.walk("VEVENT"):
            assert not event.errors
    event = events(tmp_path / "calendars" / "round.ics")[uid(messy, "P1-v1-d1")]
    assert str(event["SUMMARY"]).startswith("Peer review: oracy at Oakfield Primary School (")
    assert str(event["LOCATION"]) == "Oakfield Primary School, M1 1AA"
    assert {a.params["CN"] for a in attendees(event)} == {"Person S1", "Person S3"}
    lines = str(event["DESCRIPTION"]).splitlines()
    assert lines[0] == "Oracy review P1 (oracy)"
    assert "- Person S1, lead reviewer (School B)" in lines
    assert str(parse(tmp_path / "calendars" / "staff" / "S1.ics")["NAME"]) == (
        "Spring 2026, round 3: Person S1"
    )


def test_personal_calendars_hold_only_their_own_events(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_)
    folder = tmp_path / "calendars"
    p1 = {uid(round_, e.visit_id) for e in SCHEDULE.events if e.project_id == "P1"}
    p2 = {uid(round_, "P2-v1-d1")}
    assert set(events(folder / "staff" / "S1.ics")) == p1
    assert set(events(folder / "staff" / "S3.ics")) == p1
    assert set(events(folder / "staff" / "S4.ics")) == p2
    assert set(events(folder / "schools" / "A.ics")) == p1  # hosts P1
    assert set(events(folder / "schools" / "B.ics")) == p1 | p2  # releases S1, hosts P2
    assert set(events(folder / "schools" / "C.ics")) == p1  # releases S3
    assert set(events(folder / "schools" / "D.ics")) == p2  # releases S4


def test_an_event_is_the_same_in_every_file_that_holds_it(tmp_path: Path, round_: Round) -> None:
    write(tmp_path, round_)
    everything = events(tmp_path / "calendars" / "round.ics")
    for path in (tmp_path / "calendars").rglob("*.ics"):
        for key, event in events(path).items():
            assert event.to_ical() == everything[key].to_ical()


def test_without_a_coordinator_there_are_no_organizer_or_attendees(
    tmp_path: Path, round_: Round
) -> None:
    settings = round_.settings.model_copy(update={"coordinator_email": None})
    write(tmp_path, round_.replace(settings=settings))
    for event in parse(tmp_path / "calendars" / "round.ics").walk("VEVENT"):
        assert "ORGANIZER" not in event and "ATTENDEE" not in event  # RFC 5545 3.8.4.1
        assert "Person" in str(event["DESCRIPTION"])
        assert "Contact" not in str(event["DESCRIPTION"])


def test_an_empty_schedule_still_gives_a_valid_round_calendar(
    tmp_path: Path, round_: Round
) -> None:
    assert relative(write(tmp_path, round_, Schedule()), tmp_path) == ["calendars/round.ics"]
    calendar = parse(tmp_path / "calendars" / "round.ics")
    calendar.validate()
    assert calendar.walk("VEVENT") == [] and len(calendar.walk("VTIMEZONE")) == 1


def test_unknown_ids_are_refused_before_anything_is_written(tmp_path: Path, round_: Round) -> None:
    bad = Schedule(events=(visit("P1-v1-d1", dt.date(2026, 1, 20), ("S1", "S9")),))
    with pytest.raises(ValueError, match="S9"):
        write(tmp_path, round_, bad)
    assert not any(tmp_path.iterdir())


# --- UIDs and re-runs ------------------------------------------------------------------------


def test_uids_depend_on_the_rounds_year_and_number_and_the_visit_only(round_: Round) -> None:
    settings = round_.settings
    later_start = settings.model_copy(update={"start": dt.date(2026, 1, 6)})
    renamed = settings.model_copy(update={"name": "Mersey Vale — spring review (corrected)"})
    next_round = settings.model_copy(update={"number": settings.number + 1})
    next_year = settings.model_copy(update={"academic_year": "2027/28"})
    assert event_uid(settings, "P1-v1-d1") == f"{round_key(settings)}-P1-v1-d1@matcher"
    assert event_uid(later_start, "P1-v1-d1") == event_uid(settings, "P1-v1-d1")
    assert event_uid(renamed, "P1-v1-d1") == event_uid(settings, "P1-v1-d1")
    assert event_uid(next_round, "P1-v1-d1") != event_uid(settings, "P1-v1-d1")
    assert event_uid(next_year, "P1-v1-d1") != event_uid(settings, "P1-v1-d1")


def test_a_renamed_round_rewritten_keeps_every_uid_and_sequence(
    tmp_path: Path, round_: Round
) -> None:
    first = write(tmp_path / "first", round_)
    renamed = round_.replace(
        settings=round_.settings.model_copy(update={"name": "A corrected name"})
    )
    again = write(tmp_path / "again", renamed, previous=tmp_path / "first")
    def uids(path: Path) -> list[str]:
        return [str(e["UID"]) for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]

    assert uids(tmp_path / "again" / "calendars" / "round.ics") == uids(
        tmp_path / "first" / "calendars" / "round.ics"
    )
    assert first and again


def test_calendars_published_with_name_keyed_uids_keep_them(tmp_path: Path, round_: Round) -> None:
    """A folder published before UIDs left the round's name out goes on with its UIDs."""
    from matcher.io.calendar import legacy_round_key

    write(tmp_path / "first", round_)
    published = tmp_path / "first" / "calendars" / "round.ics"
    new, old = round_key(round_.settings), legacy_round_key(round_.settings)
    published.write_bytes(published.read_bytes().replace(new.encode(), old.encode()))
    write(tmp_path / "again", round_, previous=tmp_path / "first")
    text = (tmp_path / "again" / "calendars" / "round.ics").read_text()
    assert f"UID:{old}-" in text and f"UID:{new}-" not in text


def test_a_rerun_gives_byte_identical_calendars(tmp_path: Path, round_: Round) -> None:
    first = write(tmp_path / "first", round_)
    second = write(tmp_path / "second", round_, previous=tmp_path / "first")
    assert relative(first, tmp_path / "first") == relative(second, tmp_path / "second")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_a_changed_date_keeps_the_uid_and_raises_the_sequence(
    tmp_path: Path, round_: Round
) -> None:
    write(tmp_path / "first", round_)
    changed = moved(SCHEDULE, "P1-v2-d1", date=dt.date(2026, 2, 17))
    write(tmp_path / "second", round_, changed, previous=tmp_path / "first")
    before = events(tmp_path / "first" / "calendars" / "round.ics")
    after = events(tmp_path / "second" / "calendars" / "round.ics")
    assert set(after) == set(before)
    moved_uid = uid(round_, "P1-v2-d1")
    assert after[moved_uid].decoded("SEQUENCE") == 1
    assert after[moved_uid].decoded("DTSTART").date() == dt.date(2026, 2, 17)
    for key in set(before) - {moved_uid}:
        assert after[key].to_ical() == before[key].to_ical()  # SEQUENCE 0, same DTSTAMP

    # Published as changed, it is now unchanged: a third run keeps SEQUENCE 1.
    third = write(tmp_path / "third", round_, changed, previous=tmp_path / "second")
    assert events(third[0])[moved_uid].decoded("SEQUENCE") == 1
    assert third[0].read_bytes() == (tmp_path / "second" / "calendars" / "round.ics").read_bytes()


@pytest.mark.parametrize(
    "change",
    [
        {"start": dt.time(9, 0)},  # DTSTART alone
        {"end": dt.time(16, 0)},  # DTEND alone
        {"staff_ids": ("S1",)},  # S3 misses the presentation
    ],
    ids=["start", "end", "team"],
)
def test_any_change_a_reader_would_see_raises_the_sequence(
    tmp_path: Path, round_: Round, change: dict[str, object]
) -> None:
    write(tmp_path / "first", round_)
    write(
        tmp_path / "second", round_, moved(SCHEDULE, "P1-p", **change), previous=tmp_path / "first"
    )
    after = events(tmp_path / "second" / "calendars" / "round.ics")
    assert after[uid(round_, "P1-p")].decoded("SEQUENCE") == 1
    assert after[uid(round_, "P1-v1-d1")].decoded("SEQUENCE") == 0


def test_a_removed_event_comes_back_cancelled_where_it_was(tmp_path: Path, round_: Round) -> None:
    write(tmp_path / "first", round_)
    second = write(
        tmp_path / "second", round_, without(SCHEDULE, "P2-v1-d1"), previous=tmp_path / "first"
    )
    gone = uid(round_, "P2-v1-d1")
    folder = tmp_path / "second" / "calendars"
    for path in (
        folder / "round.ics",
        folder / "staff" / "S4.ics",
        folder / "schools" / "B.ics",
        folder / "schools" / "D.ics",
    ):
        event = events(path)[gone]
        assert str(event["STATUS"]) == "CANCELLED"
        assert event.decoded("SEQUENCE") == 1
    assert gone not in events(folder / "staff" / "S1.ics")
    assert gone not in events(folder / "schools" / "A.ics")

    # The cancellation is carried forward unchanged, so re-runs stay byte-identical.
    third = write(
        tmp_path / "third", round_, without(SCHEDULE, "P2-v1-d1"), previous=tmp_path / "second"
    )
    assert [p.read_bytes() for p in third] == [p.read_bytes() for p in second]


def test_a_cancelled_event_that_returns_is_confirmed_with_a_higher_sequence(
    tmp_path: Path, round_: Round
) -> None:
    write(tmp_path / "first", round_)
    write(tmp_path / "second", round_, without(SCHEDULE, "P2-v1-d1"), previous=tmp_path / "first")
    third = write(tmp_path / "third", round_, previous=tmp_path / "second")
    event = events(third[0])[uid(round_, "P2-v1-d1")]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("SEQUENCE") == 2


def test_someone_taken_off_a_team_gets_a_cancellation_in_their_own_calendar(
    tmp_path: Path, round_: Round
) -> None:
    write(tmp_path / "first", round_)
    swapped = moved(SCHEDULE, "P2-v1-d1", staff_ids=("S2",))  # S2 (at B) replaces S4 (at D)
    write(tmp_path / "second", round_, swapped, previous=tmp_path / "first")
    key = uid(round_, "P2-v1-d1")
    folder = tmp_path / "second" / "calendars"
    for path, status in (
        (folder / "round.ics", "CONFIRMED"),
        (folder / "staff" / "S2.ics", "CONFIRMED"),
        (folder / "schools" / "B.ics", "CONFIRMED"),
        (folder / "staff" / "S4.ics", "CANCELLED"),
        (folder / "schools" / "D.ics", "CANCELLED"),
    ):
        event = events(path)[key]
        assert (str(event["STATUS"]), event.decoded("SEQUENCE")) == (status, 1), path.name


def test_events_of_another_round_in_previous_are_left_alone(tmp_path: Path, round_: Round) -> None:
    write(tmp_path / "first", round_)
    settings = round_.settings.model_copy(update={"number": round_.settings.number + 1})
    write(
        tmp_path / "second",
        round_.replace(settings=settings),
        Schedule(),
        previous=tmp_path / "first",
    )
    assert events(tmp_path / "second" / "calendars" / "round.ics") == {}


def test_an_unreadable_previous_calendar_is_taken_as_absent_with_a_warning(
    tmp_path: Path, round_: Round, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "first", round_)
    previous = tmp_path / "first" / "calendars" / "round.ics"
    previous.write_bytes(previous.read_bytes()[: previous.stat().st_size // 2])  # cut in half
    with caplog.at_level(logging.WARNING, logger="matcher.io.calendar"):
        again = write(tmp_path / "again", round_, previous=tmp_path / "first")
    # As on a first run (the same bytes), with a warning that names the file but no person.
    fresh = write(tmp_path / "fresh", round_)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in fresh]
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert str(previous) in caplog.text and "taken as absent" in caplog.text
    assert "Person S1" not in caplog.text


def test_a_previous_event_without_a_sequence_is_skipped_with_a_warning(
    tmp_path: Path, round_: Round, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "first", round_)
    path = tmp_path / "first" / "calendars" / "round.ics"
    broken = next(iter(events(path)))  # the first event, whose SEQUENCE goes
    assert broken != uid(round_, "P2-v1-d1")
    text = path.read_bytes().replace(b"SEQUENCE:0\r\n", b"", 1)
    path.write_bytes(text)
    moved_on = moved(SCHEDULE, "P2-v1-d1", date=dt.date(2026, 3, 4))
    with caplog.at_level(logging.WARNING, logger="matcher.io.calendar"):
        write(tmp_path / "second", round_, moved_on, previous=tmp_path / "first")
    assert f"event {broken} skipped (SEQUENCE is missing" in caplog.text
    published = events(tmp_path / "second" / "calendars" / "round.ics")
    # The unreadable event starts again at 0; the moved one still gets its higher SEQUENCE.
    assert published[broken].decoded("SEQUENCE") == 0
    assert published[uid(round_, "P2-v1-d1")].decoded("SEQUENCE") == 1


def test_a_missing_previous_calendar_means_a_first_run(tmp_path: Path, round_: Round) -> None:
    first = write(tmp_path / "first", round_)
    again = write(tmp_path / "again", round_, previous=tmp_path / "nothing-here")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
