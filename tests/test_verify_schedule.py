"""The schedule checker: for every date rule, one tiny schedule that passes and one that breaks it.

Unless a test says otherwise the round is the smallest that works: school A hosts oracy
project P1 (one 1-day visit, window 2026-01-12 to 2026-03-27), and S1 from school B is its
team. The round runs 2026-01-05 to 2026-03-27 with half term 2026-02-16 to 2026-02-20 and no
bank holiday inside it; 2026-01-12 is a Monday. The base schedule visits A on that Monday.
Each "forbidden" schedule changes one thing and must give exactly one violation of exactly
the rule under test.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from conftest import make_round, project, school, staff

from matcher.model import (
    Assignment,
    Availability,
    CalendarSettings,
    DateRange,
    Plan,
    Project,
    Round,
    Schedule,
    ScheduledEvent,
    UnfilledProject,
)
from matcher.verify import Violation
from matcher.verify_schedule import SCHEDULE_RULES, verify_schedule

HALF_TERM = DateRange(start=dt.date(2026, 2, 16), end=dt.date(2026, 2, 20))
INSET = dt.date(2026, 1, 6)
CALENDAR = CalendarSettings(holidays=(HALF_TERM,), inset_days=(INSET,))

MON, TUE, WED = dt.date(2026, 1, 12), dt.date(2026, 1, 13), dt.date(2026, 1, 14)
MON_2, TUE_2 = MON + dt.timedelta(days=7), TUE + dt.timedelta(days=7)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def with_calendar(round_: Round, **calendar: Any) -> Round:
    """The round with the module's calendar, some of its settings changed."""
    settings = round_.settings.model_copy(update={"calendar": CALENDAR.model_copy(update=calendar)})
    return round_.replace(settings=settings)


def base_round(
    *,
    projects: list[Project] | None = None,
    p1: dict[str, Any] | None = None,
    calendar: dict[str, Any] | None = None,
    **extra: Any,
) -> Round:
    """Schools A, B, C; S1 and S2 from B, S3 from C; P1 at A unless ``projects`` says more."""
    round_ = make_round(
        [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=-0.05)],
        [staff("S1", "B"), staff("S2", "B"), staff("S3", "C")],
        projects or [project("P1", "A", **(p1 or {}))],
        **extra,
    )
    return with_calendar(round_, **(calendar or {}))


def plan_of(*pairs: str, unfilled: tuple[str, ...] = ()) -> Plan:
    """A plan from "P1:S1" pairs."""
    assignments = []
    for pair in pairs:
        project_id, staff_id = pair.split(":")
        assignments.append(Assignment(project_id=project_id, staff_id=staff_id))
    return Plan(
        assignments=tuple(assignments),
        unfilled=tuple(UnfilledProject(project_id=p, reason="no one fits") for p in unfilled),
    )


def visit(
    when: dt.date,
    project_id: str = "P1",
    visit_no: int = 1,
    day_no: int = 1,
    *,
    host: str = "A",
    staff_ids: tuple[str, ...] = ("S1",),
    **overrides: Any,
) -> ScheduledEvent:
    """One visit day at the calendar's default times, with its well-formed id."""
    fields: dict[str, Any] = {
        "visit_id": f"{project_id}-v{visit_no}-d{day_no}",
        "project_id": project_id,
        "visit_no": visit_no,
        "day_no": day_no,
        "kind": "visit",
        "date": when,
        "start": dt.time(8, 45),
        "end": dt.time(15, 15),
        "host_school_id": host,
        "staff_ids": staff_ids,
    }
    return ScheduledEvent(**{**fields, **overrides})


def presentation(
    when: dt.date,
    project_id: str = "P1",
    visit_no: int = 1,
    *,
    host: str = "A",
    staff_ids: tuple[str, ...] = ("S1",),
    **overrides: Any,
) -> ScheduledEvent:
    """A findings presentation at the calendar's default times, with its well-formed id."""
    fields: dict[str, Any] = {
        "visit_id": f"{project_id}-p",
        "project_id": project_id,
        "visit_no": visit_no,
        "kind": "presentation",
        "date": when,
        "start": dt.time(15, 45),
        "end": dt.time(16, 45),
        "host_school_id": host,
        "staff_ids": staff_ids,
    }
    return ScheduledEvent(**{**fields, **overrides})


def schedule_of(*events: ScheduledEvent, unscheduled: tuple[str, ...] = ()) -> Schedule:
    return Schedule(
        events=events,
        unscheduled=tuple(UnfilledProject(project_id=p, reason="no dates") for p in unscheduled),
    )


def unavailable(some_id: str, start: dt.date, end: dt.date | None = None) -> Availability:
    return Availability(id=some_id, start=start, end=end or start, kind="unavailable")


def only(violations: list[Violation]) -> tuple[str, str | None, str | None, str | None]:
    """The one violation's rule and ids; fails if there is not exactly one."""
    assert len(violations) == 1, [str(v) for v in violations]
    v = violations[0]
    return (v.rule, v.project_id, v.staff_id, v.school_id)


BASE_PLAN = plan_of("P1:S1")
BASE_SCHEDULE = schedule_of(visit(MON))


def test_the_base_schedule_is_clean() -> None:
    assert verify_schedule(base_round(), BASE_PLAN, BASE_SCHEDULE) == []


def test_the_rules_are_reported_in_a_fixed_order() -> None:
    assert SCHEDULE_RULES == (
        "school_day",
        "one_place",
        "release_per_day",
        "leaders_per_day",
        "host_per_day",
        "visit_order",
        "whole_team",
        "complete",
        "locks",
        "scoping",
        "presentation_within",
        "governors",
    )


def rich_case() -> tuple[Round, Plan, Schedule]:
    """Every feature at once, every rule kept.

    A multi-day, multi-visit project with a presentation across half term, a second team at
    the same host on one day, an unfilled and an unscheduled project, and unavailable days
    that the schedule steers around.
    """
    round_ = base_round(
        projects=[
            project("P1", "A", visits=2, visit_days=2, min_gap_days=11, presentation=True),
            project("P2", "A", latest=day("2026-01-30")),
            project("P3", "B"),
            project("P4", "A"),
        ],
        availability=[
            unavailable("S1", day("2026-01-20")),
            unavailable("A", day("2026-01-21"), day("2026-01-23")),
            unavailable("C", day("2026-02-24")),  # a visitor's school, on the presentation day
        ],
        calendar={"max_visits_per_day": 2},
    )
    plan = plan_of("P1:S1", "P1:S3", "P2:S2", "P4:S2", unfilled=("P3",))
    team = ("S1", "S3")
    schedule = schedule_of(
        # Visit 1 runs over a weekend (Fri, Mon); visit 2, exactly 11 days on, over half term.
        visit(day("2026-01-30"), "P1", 1, 1, staff_ids=team),
        visit(day("2026-02-02"), "P1", 1, 2, staff_ids=("S3", "S1")),
        visit(day("2026-02-13"), "P1", 2, 1, staff_ids=team),
        visit(day("2026-02-23"), "P1", 2, 2, staff_ids=team),
        presentation(day("2026-02-24"), "P1", 2, staff_ids=team),
        # A hosts P2 the day it hosts P1: two teams may come; B has its two staff out.
        visit(day("2026-01-30"), "P2", staff_ids=("S2",)),
        unscheduled=("P4",),
    )
    return round_, plan, schedule


def test_a_clean_schedule_with_every_feature_returns_nothing() -> None:
    round_, plan, schedule = rich_case()
    assert verify_schedule(round_, plan, schedule) == []


def test_the_report_does_not_depend_on_event_order() -> None:
    round_, plan, schedule = rich_case()
    # Break several rules at once, then shuffle the events.
    events = [*schedule.events, visit(day("2026-01-31"), "P2", staff_ids=("S1",))]
    broken = schedule.model_copy(update={"events": tuple(events)})
    expected = verify_schedule(round_, plan, broken)
    assert len(expected) > 1
    for seed in range(5):
        random.Random(seed).shuffle(events)
        shuffled = schedule.model_copy(update={"events": tuple(events)})
        assert verify_schedule(round_, plan, shuffled) == expected


# --- school_day ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(day("2026-01-10"), id="saturday"),
        pytest.param(day("2026-02-17"), id="half term"),
        pytest.param(INSET, id="inset day"),
        pytest.param(day("2026-03-30"), id="after the round"),
    ],
)
def test_school_day_not_a_term_day_forbidden(when: dt.date) -> None:
    round_ = base_round(p1={"earliest": day("2026-01-05"), "latest": day("2026-04-30")})
    violations = verify_schedule(round_, BASE_PLAN, schedule_of(visit(when)))
    assert only(violations) == ("school_day", "P1", None, None)
    assert violations[0].message == f"P1-v1-d1 on {when.isoformat()} is not a term day"


def test_school_day_bank_holiday_forbidden() -> None:
    # The conftest round ends before Easter; stretch it over Good Friday 2026-04-03.
    round_ = base_round(p1={"latest": day("2026-04-30")})
    settings = round_.settings.model_copy(update={"end": day("2026-04-30")})
    round_ = round_.replace(settings=settings)
    assert verify_schedule(round_, BASE_PLAN, schedule_of(visit(day("2026-04-02")))) == []
    violations = verify_schedule(round_, BASE_PLAN, schedule_of(visit(day("2026-04-03"))))
    assert only(violations) == ("school_day", "P1", None, None)


def test_school_day_other_schools_closed_allowed() -> None:
    round_ = base_round(availability=[unavailable("C", MON), unavailable("A", TUE)])
    assert verify_schedule(round_, BASE_PLAN, BASE_SCHEDULE) == []


@pytest.mark.parametrize("closed", ["A", "B"], ids=["host", "home school"])
def test_school_day_school_unavailable_forbidden(closed: str) -> None:
    round_ = base_round(availability=[unavailable(closed, MON - dt.timedelta(days=2), MON)])
    violations = verify_schedule(round_, BASE_PLAN, BASE_SCHEDULE)
    assert only(violations) == ("school_day", "P1", None, closed)


def test_school_day_presentation_ignores_the_visitors_schools() -> None:
    round_ = base_round(p1={"presentation": True}, availability=[unavailable("B", TUE)])
    schedule = schedule_of(visit(MON), presentation(TUE))
    assert verify_schedule(round_, BASE_PLAN, schedule) == []


@pytest.mark.parametrize(
    ("when", "availability"),
    [
        pytest.param(day("2026-01-17"), [], id="saturday"),
        pytest.param(TUE, [unavailable("A", TUE)], id="host unavailable"),
    ],
)
def test_school_day_presentation_forbidden(when: dt.date, availability: list[Availability]) -> None:
    round_ = base_round(p1={"presentation": True}, availability=availability)
    schedule = schedule_of(visit(MON), presentation(when))
    assert only(verify_schedule(round_, BASE_PLAN, schedule))[:2] == ("school_day", "P1")


# --- one_place -------------------------------------------------------------------------------


EARLY = day("2026-01-05")  # a window open from the round's first day
TWO_HOSTS = [project("P1", "A"), project("P2", "C")]
BOTH_PLAN = plan_of("P1:S1", "P2:S1")


def test_one_place_two_projects_on_two_days_allowed() -> None:
    schedule = schedule_of(visit(MON), visit(TUE, "P2", host="C"))
    assert verify_schedule(base_round(projects=TWO_HOSTS), BOTH_PLAN, schedule) == []


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(visit(MON, "P2", host="C"), id="two visits"),
        pytest.param(presentation(MON, "P2", host="C"), id="a visit and a presentation"),
    ],
)
def test_one_place_two_events_on_one_day_forbidden(second: ScheduledEvent) -> None:
    projects = [project("P1", "A"), project("P2", "C", presentation=True, earliest=EARLY)]
    # P2's visit (Wednesday) keeps it complete when the second event is its presentation.
    events = [visit(MON), second]
    if second.kind == "presentation":
        events.insert(0, visit(day("2026-01-09"), "P2", host="C"))
    else:
        events.append(presentation(WED, "P2", host="C"))
    violations = verify_schedule(base_round(projects=projects), BOTH_PLAN, schedule_of(*events))
    assert only(violations) == ("one_place", None, "S1", None)
    assert violations[0].message == f"S1 has 2 events on 2026-01-12: P1-v1-d1, {second.visit_id}"


def test_one_place_person_unavailable_forbidden() -> None:
    round_ = base_round(availability=[unavailable("S1", MON)])
    violations = verify_schedule(round_, BASE_PLAN, BASE_SCHEDULE)
    assert only(violations) == ("one_place", "P1", "S1", None)


# --- release_per_day -------------------------------------------------------------------------


def release_round(max_out: int) -> Round:
    """S1 and S2, both from B, on P1 (at A) and P2 (at C, with a presentation)."""
    round_ = base_round(
        projects=[project("P1", "A"), project("P2", "C", presentation=True, earliest=EARLY)],
    )
    schools = tuple(
        s.model_copy(update={"max_staff_out_per_day": max_out}) if s.school_id == "B" else s
        for s in round_.schools
    )
    return round_.replace(schools=schools)


RELEASE_PLAN = plan_of("P1:S1", "P2:S2")


@pytest.mark.parametrize(
    ("max_out", "events"),
    [
        pytest.param(
            1,
            [visit(MON), visit(day("2026-01-09"), "P2", host="C", staff_ids=("S2",)),
             presentation(MON, "P2", host="C", staff_ids=("S2",))],
            id="presentations need no cover",
        ),
        pytest.param(
            2,
            [visit(MON), visit(MON, "P2", host="C", staff_ids=("S2",)),
             presentation(TUE, "P2", host="C", staff_ids=("S2",))],
            id="two out where two may go",
        ),
    ],
)  # fmt: skip
def test_release_per_day_allowed(max_out: int, events: list[ScheduledEvent]) -> None:
    assert verify_schedule(release_round(max_out), RELEASE_PLAN, schedule_of(*events)) == []


# --- leaders_per_day ------------------------------------------------------------------------


def leaders_round(limit: int | None, role: str = "senior_leader") -> Round:
    """S1 (a senior leader) and S2 (a headteacher), both from B, on P1 (at A) and P2 (at C)."""
    round_ = release_round(2)
    schools = tuple(
        s.model_copy(update={"max_leaders_out_per_day": limit}) if s.school_id == "B" else s
        for s in round_.schools
    )
    people = tuple(
        p.model_copy(update={"role": role if p.staff_id == "S1" else "headteacher"})
        for p in round_.staff
    )
    return round_.replace(schools=schools, staff=people)


SAME_DAY = [visit(MON), visit(MON, "P2", host="C", staff_ids=("S2",))]


@pytest.mark.parametrize(
    ("limit", "role"),
    [(None, "senior_leader"), (2, "senior_leader"), (1, "teacher")],
    ids=["no limit", "within the limit", "a teacher is not counted"],
)
def test_leaders_per_day_allowed(limit: int | None, role: str) -> None:
    events = [*SAME_DAY, presentation(TUE, "P2", host="C", staff_ids=("S2",))]
    schedule = schedule_of(*events)
    assert verify_schedule(leaders_round(limit, role), RELEASE_PLAN, schedule) == []


def test_leaders_per_day_forbidden() -> None:
    events = [*SAME_DAY, presentation(TUE, "P2", host="C", staff_ids=("S2",))]
    violations = verify_schedule(leaders_round(1), RELEASE_PLAN, schedule_of(*events))
    assert only(violations) == ("leaders_per_day", None, None, "B")
    assert violations[0].message == (
        "B has 2 senior leaders and headteachers out on 2026-01-12 (S1, S2); "
        "it releases at most 1 a day"
    )


def test_release_per_day_forbidden() -> None:
    events = [
        visit(MON),
        visit(MON, "P2", host="C", staff_ids=("S2",)),
        presentation(TUE, "P2", host="C", staff_ids=("S2",)),
    ]
    violations = verify_schedule(release_round(1), RELEASE_PLAN, schedule_of(*events))
    assert only(violations) == ("release_per_day", None, None, "B")
    assert violations[0].message == (
        "B has 2 staff out on 2026-01-12 (S1, S2); it releases at most 1 a day"
    )


# --- host_per_day ----------------------------------------------------------------------------


SAME_HOST = [project("P1", "A"), project("P2", "A", presentation=True, earliest=EARLY)]
HOST_PLAN = plan_of("P1:S1", "P2:S3")


@pytest.mark.parametrize(
    ("limit", "events"),
    [
        pytest.param(
            1,
            [visit(MON), visit(day("2026-01-09"), "P2", staff_ids=("S3",)),
             presentation(MON, "P2", staff_ids=("S3",))],
            id="presentations are not visits",
        ),
        pytest.param(
            2,
            [visit(MON), visit(MON, "P2", staff_ids=("S3",)),
             presentation(TUE, "P2", staff_ids=("S3",))],
            id="two teams where two may come",
        ),
    ],
)  # fmt: skip
def test_host_per_day_allowed(limit: int, events: list[ScheduledEvent]) -> None:
    round_ = base_round(projects=SAME_HOST, calendar={"max_visits_per_day": limit})
    assert verify_schedule(round_, HOST_PLAN, schedule_of(*events)) == []


def test_host_per_day_forbidden() -> None:
    events = [
        visit(MON),
        visit(MON, "P2", staff_ids=("S3",)),
        presentation(TUE, "P2", staff_ids=("S3",)),
    ]
    violations = verify_schedule(base_round(projects=SAME_HOST), HOST_PLAN, schedule_of(*events))
    assert only(violations) == ("host_per_day", None, None, "A")
    assert "2 projects on 2026-01-12 (P1, P2)" in violations[0].message


# --- visit_order -----------------------------------------------------------------------------


TWO_VISITS: dict[str, Any] = {"visits": 2, "min_gap_days": 7}


@pytest.mark.parametrize(
    ("p1", "events", "calendar"),
    [
        pytest.param(
            TWO_VISITS, [visit(MON), visit(MON_2, visit_no=2)], {},
            id="gap exactly the minimum",
        ),
        pytest.param(
            {"visits": 2}, [visit(MON), visit(day("2026-01-15"), visit_no=2)],
            {"min_gap_days": 3}, id="gap from the calendar",
        ),
        pytest.param(
            {**TWO_VISITS, "min_gap_days": 0}, [visit(MON), visit(TUE, visit_no=2)],
            {"min_gap_days": 30}, id="project gap overrides the calendar",
        ),
        pytest.param(
            {"visit_days": 2}, [visit(day("2026-01-16")), visit(day("2026-01-19"), day_no=2)],
            {}, id="two days over a weekend",
        ),
        pytest.param(
            {"visit_days": 2}, [visit(day("2026-02-13")), visit(day("2026-02-23"), day_no=2)],
            {}, id="two days over half term",
        ),
        pytest.param(
            {"presentation": True}, [visit(MON), presentation(day("2026-03-27"))], {},
            id="presentation on the last day of the window",
        ),
        pytest.param(
            {"earliest": MON, "latest": MON}, [visit(MON)], {}, id="a one-day window",
        ),
    ],
)  # fmt: skip
def test_visit_order_allowed(
    p1: dict[str, Any], events: list[ScheduledEvent], calendar: dict[str, Any]
) -> None:
    round_ = base_round(p1=p1, calendar=calendar)
    assert verify_schedule(round_, BASE_PLAN, schedule_of(*events)) == []


@pytest.mark.parametrize(
    ("p1", "events", "calendar", "says"),
    [
        pytest.param(
            {**TWO_VISITS, "min_gap_days": 8}, [visit(MON), visit(MON_2, visit_no=2)], {},
            "7 day(s) after visit 1 ends 2026-01-12; the minimum gap is 8",
            id="gap below the project's minimum",
        ),
        pytest.param(
            {"visits": 2}, [visit(MON), visit(day("2026-01-15"), visit_no=2)],
            {"min_gap_days": 4}, "the minimum gap is 4", id="gap below the calendar's minimum",
        ),
        pytest.param(
            {**TWO_VISITS, "min_gap_days": 0}, [visit(TUE), visit(MON, visit_no=2)], {},
            "visit 2 starts 2026-01-12, not after visit 1 ends 2026-01-13", id="out of order",
        ),
        pytest.param(
            {"visit_days": 2}, [visit(MON), visit(WED, day_no=2)], {},
            "the next term day after day 1 (2026-01-12) is 2026-01-13", id="a day skipped",
        ),
        pytest.param(
            {"visit_days": 2}, [visit(TUE), visit(MON, day_no=2)], {},
            "day 2 is on 2026-01-12", id="days reversed",
        ),
        pytest.param(
            {"earliest": TUE}, [visit(MON)], {}, "outside P1's window 2026-01-13 to 2026-03-27",
            id="visit before the window",
        ),
        pytest.param(
            {"latest": MON}, [visit(TUE)], {}, "P1-v1-d1 on 2026-01-13 is outside",
            id="visit after the window",
        ),
        pytest.param(
            {}, [visit(MON, start=dt.time(9, 0))], {},
            "runs 09:00-15:15; it should run 08:45-15:15", id="visit times",
        ),
        pytest.param(
            {"presentation": True}, [visit(TUE), presentation(MON)], {},
            "P1-p on 2026-01-12 is not after the last visit day 2026-01-13",
            id="presentation before the visit",
        ),
        pytest.param(
            {"presentation": True, "latest": day("2026-02-27")},
            [visit(MON), presentation(day("2026-03-02"))], {},
            "P1-p on 2026-03-02 is outside", id="presentation after the window",
        ),
        pytest.param(
            {"presentation": True}, [visit(MON), presentation(TUE, end=dt.time(17, 0))], {},
            "runs 15:45-17:00; it should run 15:45-16:45", id="presentation times",
        ),
    ],
)  # fmt: skip
def test_visit_order_forbidden(
    p1: dict[str, Any], events: list[ScheduledEvent], calendar: dict[str, Any], says: str
) -> None:
    round_ = base_round(p1=p1, calendar=calendar)
    violations = verify_schedule(round_, BASE_PLAN, schedule_of(*events))
    assert only(violations) == ("visit_order", "P1", None, None)
    assert says in violations[0].message


def test_visit_order_no_term_day_left_is_also_not_a_school_day() -> None:
    # A day 2 after the last term day cannot be a term day itself; both rules say so.
    round_ = base_round(p1={"visit_days": 2, "latest": day("2026-03-31")})
    events = [visit(day("2026-03-27")), visit(day("2026-03-30"), day_no=2)]
    violations = verify_schedule(round_, BASE_PLAN, schedule_of(*events))
    assert [v.rule for v in violations] == ["school_day", "visit_order"]
    assert violations[1].message.endswith("(2026-03-27) is no later term day")


# --- whole_team ------------------------------------------------------------------------------


def test_whole_team_in_any_order_allowed() -> None:
    plan = plan_of("P1:S1", "P1:S3")
    schedule = schedule_of(visit(MON, staff_ids=("S3", "S1")))
    assert verify_schedule(base_round(), plan, schedule) == []


@pytest.mark.parametrize(
    ("plan", "event", "expected", "says"),
    [
        pytest.param(
            plan_of("P1:S1", "P1:S3"), visit(MON), ("whole_team", "P1", None, None),
            "P1-v1-d1 has staff [S1]; the team of P1 is [S1, S3]", id="someone missing",
        ),
        pytest.param(
            BASE_PLAN, visit(MON, staff_ids=("S1", "S3")), ("whole_team", "P1", None, None),
            "the team of P1 is [S1]", id="someone extra",
        ),
        pytest.param(
            BASE_PLAN, visit(MON, staff_ids=("S1", "S1")), ("whole_team", "P1", None, None),
            "has staff [S1, S1]", id="someone twice",
        ),
        pytest.param(
            BASE_PLAN, visit(MON, host="C"), ("whole_team", "P1", None, "C"),
            "P1-v1-d1 is at C; P1 is hosted by A", id="wrong host",
        ),
    ],
)  # fmt: skip
def test_whole_team_forbidden(
    plan: Plan,
    event: ScheduledEvent,
    expected: tuple[str, str | None, str | None, str | None],
    says: str,
) -> None:
    violations = verify_schedule(base_round(), plan, schedule_of(event))
    assert only(violations) == expected
    assert says in violations[0].message


# --- complete --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "schedule"),
    [
        pytest.param(BASE_PLAN, schedule_of(unscheduled=("P1",)), id="listed as unscheduled"),
        pytest.param(plan_of(unfilled=("P1",)), schedule_of(), id="unfilled, no events"),
        pytest.param(
            plan_of(unfilled=("P1",)), schedule_of(unscheduled=("P1",)),
            id="unfilled and listed as unscheduled",
        ),
    ],
)  # fmt: skip
def test_complete_allowed(plan: Plan, schedule: Schedule) -> None:
    assert verify_schedule(base_round(), plan, schedule) == []


@pytest.mark.parametrize(
    ("p1", "plan", "schedule", "says"),
    [
        pytest.param(
            {}, BASE_PLAN, schedule_of(),
            "P1 is staffed but has no visits and is not listed as unscheduled", id="not dated",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON), unscheduled=("P1",)),
            "P1 is listed as unscheduled but has 1 event(s)", id="dated and unscheduled",
        ),
        pytest.param(
            {"visit_days": 2}, BASE_PLAN, schedule_of(visit(MON)),
            "P1 has no event for visit 1 day 2", id="a day missing",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON), visit(day("2026-01-26"), visit_no=2)),
            "P1 has an event for visit 2 day 1; it has 1 visit(s) of 1 day(s)",
            id="a visit too many",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON), visit(MON)),
            "visit id P1-v1-d1 is used 2 times", id="an event repeated",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON, visit_id="P1-1")),
            "P1-1 is visit 1 day 1 of P1; its id should be P1-v1-d1", id="a malformed id",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON, visit_id="P1-p")),
            "P1-p is visit 1 day 1 of P1; its id should be P1-v1-d1",
            id="a visit with a presentation's id",
        ),
        pytest.param(
            {"presentation": True}, BASE_PLAN, schedule_of(visit(MON)),
            "P1 has 0 presentation(s); it asks for 1", id="presentation missing",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON), presentation(TUE)),
            "P1 has 1 presentation(s); it asks for 0", id="presentation not asked for",
        ),
        pytest.param(
            {"visits": 2, "presentation": True}, BASE_PLAN,
            schedule_of(visit(MON), visit(day("2026-01-19"), visit_no=2), presentation(TUE_2)),
            "P1-p carries visit 1; the last visit of P1 is 2", id="presentation's visit number",
        ),
        pytest.param(
            {}, plan_of(unfilled=("P1",)), BASE_SCHEDULE,
            "P1 is listed as unfilled but has event(s): P1-v1-d1", id="unfilled but dated",
        ),
        pytest.param(
            {}, Plan(), BASE_SCHEDULE,
            "P1 has no team in the plan but has event(s): P1-v1-d1", id="no team but dated",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON), visit(TUE, "P9")),
            "P9 is not a project of this round but has event(s): P9-v1-d1", id="unknown project",
        ),
        pytest.param(
            {}, BASE_PLAN, schedule_of(visit(MON), unscheduled=("P9",)),
            "P9 is listed as unscheduled but is not a project of this round",
            id="unknown project unscheduled",
        ),
        pytest.param(
            {}, plan_of(unfilled=("P1",)), schedule_of(unscheduled=("P1", "P1")),
            "P1 is listed as unscheduled 2 times", id="unscheduled twice",
        ),
    ],
)  # fmt: skip
def test_complete_forbidden(p1: dict[str, Any], plan: Plan, schedule: Schedule, says: str) -> None:
    violations = verify_schedule(base_round(p1=p1), plan, schedule)
    assert len(violations) == 1, [str(v) for v in violations]
    assert violations[0].rule == "complete"
    assert violations[0].message == says


def test_complete_names_the_project_it_is_about() -> None:
    violations = verify_schedule(base_round(), BASE_PLAN, schedule_of())
    assert only(violations) == ("complete", "P1", None, None)


def test_messages_name_ids_and_dates_only() -> None:
    round_, plan, schedule = rich_case()
    broken = schedule.model_copy(
        update={"events": (*schedule.events, visit(day("2026-01-30"), "P2"))}
    )
    violations = verify_schedule(round_, plan, broken)
    assert violations
    for v in violations:
        for person in round_.staff:
            assert person.name not in v.message
            assert person.email not in v.message
