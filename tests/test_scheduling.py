"""Dating visits: for each date rule, a case it lets through and one it blocks.

Every schedule made here also passes the independent checker (``matcher.verify_schedule``),
which ``schedule_pairings`` and ``plan`` run before returning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import make_round, project, school, staff

from matcher.model import Assignment, Availability, Plan, Round, Schedule
from matcher.pipeline import plan, schedule_pairings
from matcher.verify_schedule import verify_schedule

WED = dt.date(2026, 1, 14)
THU = dt.date(2026, 1, 15)
FRI = dt.date(2026, 1, 16)
MON = dt.date(2026, 1, 19)

THREE_SCHOOLS = [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.02)]


def on(day: dt.date, until: dt.date | None = None, **fields: Any) -> dict[str, Any]:
    return {"earliest": day, "latest": until or day, **fields}


def pairs(*rows: tuple[str, str]) -> Plan:
    return Plan(assignments=tuple(Assignment(project_id=p, staff_id=s) for p, s in rows))


def date(round_: Round, pairings: Plan) -> tuple[Plan, Schedule]:
    final, outcome = schedule_pairings(round_, pairings, time_limit=10)
    assert verify_schedule(round_, final, outcome.schedule) == []
    return final, outcome.schedule


def dated(schedule: Schedule) -> set[str]:
    return {e.project_id for e in schedule.events}


def with_calendar(round_: Round, **calendar: Any) -> Round:
    settings = round_.settings.model_copy(
        update={"calendar": round_.settings.calendar.model_copy(update=calendar)}
    )
    return round_.replace(settings=settings)


def test_visit_only_on_a_term_day() -> None:
    round_ = make_round(THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **on(WED))])
    _, schedule = date(round_, pairs(("P1", "S1")))
    assert [e.date for e in schedule.events] == [WED]
    inset = with_calendar(round_, inset_days=(WED,))
    final, schedule = date(inset, pairs(("P1", "S1")))
    assert dated(schedule) == set()
    assert "cannot be dated" in final.unfilled[0].reason


def test_weekend_is_never_used() -> None:
    saturday = dt.date(2026, 1, 17)
    round_ = make_round(
        THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **on(FRI, MON, visit_days=2))]
    )
    _, schedule = date(round_, pairs(("P1", "S1")))
    # Two consecutive school days: Friday, then Monday.
    assert [e.date for e in schedule.events] == [FRI, MON]
    assert saturday not in {e.date for e in schedule.events}


def test_host_unavailable_day_avoided() -> None:
    round_ = make_round(
        THREE_SCHOOLS,
        [staff("S1", "B")],
        [project("P1", "A", **on(WED, THU))],
        availability=[Availability(id="A", start=WED, end=WED, kind="unavailable", note="trip")],
    )
    _, schedule = date(round_, pairs(("P1", "S1")))
    assert [e.date for e in schedule.events] == [THU]


def test_one_place_per_day() -> None:
    projects = [project("P1", "A", **on(WED)), project("P2", "C", **on(WED))]
    round_ = make_round(THREE_SCHOOLS, [staff("S1", "B")], projects)
    _, schedule = date(round_, pairs(("P1", "S1"), ("P2", "S1")))
    assert len(dated(schedule)) == 1
    spread = [project("P1", "A", **on(WED)), project("P2", "C", **on(THU))]
    _, schedule = date(
        make_round(THREE_SCHOOLS, [staff("S1", "B")], spread), pairs(("P1", "S1"), ("P2", "S1"))
    )
    assert dated(schedule) == {"P1", "P2"}


def test_person_unavailable_day_avoided() -> None:
    round_ = make_round(
        THREE_SCHOOLS,
        [staff("S1", "B")],
        [project("P1", "A", **on(WED, THU))],
        availability=[Availability(id="S1", start=WED, end=WED, kind="unavailable")],
    )
    _, schedule = date(round_, pairs(("P1", "S1")))
    assert [e.date for e in schedule.events] == [THU]


def test_release_per_day() -> None:
    people = [staff("S1", "B"), staff("S2", "B")]
    projects = [project("P1", "A", **on(WED)), project("P2", "C", **on(WED))]
    tight = [
        school("A"),
        school("B", lat_offset=0.05, max_staff_out_per_day=1),
        school("C", lat_offset=0.02),
    ]
    _, schedule = date(make_round(tight, people, projects), pairs(("P1", "S1"), ("P2", "S2")))
    assert len(dated(schedule)) == 1
    _, schedule = date(
        make_round(THREE_SCHOOLS, people, projects), pairs(("P1", "S1"), ("P2", "S2"))
    )
    assert dated(schedule) == {"P1", "P2"}


def test_host_visits_per_day() -> None:
    people = [staff("S1", "B"), staff("S2", "C")]
    projects = [project("P1", "A", **on(WED)), project("P2", "A", **on(WED))]
    round_ = make_round(THREE_SCHOOLS, people, projects)
    _, schedule = date(round_, pairs(("P1", "S1"), ("P2", "S2")))
    assert len(dated(schedule)) == 1
    _, schedule = date(
        with_calendar(round_, max_visits_per_day=2), pairs(("P1", "S1"), ("P2", "S2"))
    )
    assert dated(schedule) == {"P1", "P2"}


def test_visits_in_order_and_apart() -> None:
    fits = project("P1", "A", visits=2, **on(dt.date(2026, 1, 12), dt.date(2026, 1, 23)))
    _, schedule = date(make_round(THREE_SCHOOLS, [staff("S1", "B")], [fits]), pairs(("P1", "S1")))
    first, second = sorted(schedule.events, key=lambda e: e.visit_no)
    assert (second.date - first.date).days >= 7
    too_short = project("P1", "A", visits=2, **on(dt.date(2026, 1, 12), dt.date(2026, 1, 16)))
    final, schedule = date(
        make_round(THREE_SCHOOLS, [staff("S1", "B")], [too_short]), pairs(("P1", "S1"))
    )
    assert dated(schedule) == set()
    assert "at least 7 day(s) apart" in final.unfilled[0].reason


def test_presentation_after_the_last_visit() -> None:
    talk = project("P1", "A", presentation=True, **on(WED, THU))
    _, schedule = date(make_round(THREE_SCHOOLS, [staff("S1", "B")], [talk]), pairs(("P1", "S1")))
    kinds = {e.kind: e.date for e in schedule.events}
    assert kinds == {"visit": WED, "presentation": THU}
    no_room = project("P1", "A", presentation=True, **on(WED))
    _, schedule = date(
        make_round(THREE_SCHOOLS, [staff("S1", "B")], [no_room]), pairs(("P1", "S1"))
    )
    assert dated(schedule) == set()


def test_whole_team_attends_together() -> None:
    people = [staff("S1", "B"), staff("S2", "C")]
    round_ = make_round(
        THREE_SCHOOLS, people, [project("P1", "A", min_reviewers=2, **on(WED, FRI))]
    )
    _, schedule = date(round_, pairs(("P1", "S1"), ("P1", "S2")))
    assert [e.staff_ids for e in schedule.events] == [("S1", "S2")]


def test_plan_rematches_when_a_reviewer_cannot_make_any_date() -> None:
    """The nearer reviewer is away all week: feedback forbids that pairing and re-matches."""
    schools = [school("A"), school("B", lat_offset=0.15), school("C", lat_offset=0.02)]
    people = [staff("FAR", "B"), staff("NEAR", "C")]
    round_ = make_round(
        schools,
        people,
        [project("P1", "A", max_reviewers=1, **on(WED, FRI))],
        availability=[Availability(id="NEAR", start=WED, end=FRI, kind="unavailable")],
    )
    outcome = plan(round_, time_limit=10)
    assert [a.staff_id for a in outcome.plan.assignments] == ["FAR"]
    assert outcome.feedback_rounds == 2
    assert dated(outcome.schedule) == {"P1"}


def test_plan_reports_projects_no_team_can_date() -> None:
    round_ = with_calendar(
        make_round(THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **on(WED))]),
        inset_days=(WED,),
    )
    outcome = plan(round_, time_limit=10)
    assert outcome.plan.assignments == ()
    assert "cannot be dated" in outcome.plan.unfilled[0].reason


def test_greedy_fallback_dates_break_no_rule() -> None:
    """When a part finds no dates in its time, its greedy dates are kept: still valid."""
    from solvers.scheduling import _greedy_part, components, encode_schedule

    people = [staff("S1", "B"), staff("S2", "C")]
    projects = [
        project("P1", "A", visits=2, presentation=True),
        project("P2", "A"),
        project("P3", "B"),
    ]
    round_ = make_round(THREE_SCHOOLS, people, projects)
    pairings = pairs(("P1", "S1"), ("P2", "S2"), ("P3", "S2"))
    events = []
    for part in components(encode_schedule(round_, pairings)):
        events.extend(_greedy_part(part).events)
    assert {e.project_id for e in events} == {"P1", "P2", "P3"}
    assert verify_schedule(round_, pairings, Schedule(events=tuple(events))) == []


def test_a_part_with_no_time_to_search_keeps_its_greedy_dates() -> None:
    """The greedy dates are the incumbent: with no time, they are the answer, still valid."""
    from solvers.scheduling import _solve_part, components, encode_schedule

    people = [staff("S1", "B"), staff("S2", "C")]
    projects = [project("P1", "A", visits=2, presentation=True), project("P2", "A")]
    round_ = make_round(THREE_SCHOOLS, people, projects)
    pairings = pairs(("P1", "S1"), ("P2", "S2"))
    events = []
    for part in components(encode_schedule(round_, pairings)):
        events.extend(_solve_part(part, 0.0, 0, 1, 0.0, None).events)
    assert {e.project_id for e in events} == {"P1", "P2"}
    assert verify_schedule(round_, pairings, Schedule(events=tuple(events))) == []
