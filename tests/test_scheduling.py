"""Dating visits: for each date rule, a case it lets through and one it blocks.

Every schedule made here also passes the independent checker (``matcher.verify_schedule``),
which ``schedule_pairings`` and ``plan`` run before returning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import make_round, project, school, staff

from matcher.days import SchoolCalendar
from matcher.model import Assignment, Availability, Plan, Project, Round, Schedule
from matcher.pipeline import plan, schedule_pairings
from matcher.verify_schedule import verify_schedule
from solvers.dating.encode import encode_schedule
from solvers.dating.greedy import greedy_dates

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


def test_leaders_per_day() -> None:
    """Two senior leaders of B on one day: dated only when B lets two leaders out."""
    people = [staff("S1", "B", role="senior_leader"), staff("S2", "B", role="headteacher")]
    projects = [project("P1", "A", **on(WED)), project("P2", "C", **on(WED))]

    def with_b(limit: int | None) -> list[Any]:
        return [
            school("A"),
            school("B", lat_offset=0.05, max_staff_out_per_day=3, max_leaders_out_per_day=limit),
            school("C", lat_offset=0.02),
        ]

    team = pairs(("P1", "S1"), ("P2", "S2"))
    _, schedule = date(make_round(with_b(1), people, projects), team)
    assert len(dated(schedule)) == 1
    for limit in (2, None):
        _, schedule = date(make_round(with_b(limit), people, projects), team)
        assert dated(schedule) == {"P1", "P2"}
    teachers = [staff("S1", "B"), staff("S2", "B")]
    _, schedule = date(make_round(with_b(0), teachers, projects), team)
    assert dated(schedule) == {"P1", "P2"}


def test_leaders_per_day_in_greedy_dates() -> None:
    """The greedy fallback keeps the rule too (it dates when CP-SAT has no time)."""
    people = [staff("S1", "B", role="senior_leader"), staff("S2", "B", role="headteacher")]
    projects = [project("P1", "A", **on(WED)), project("P2", "C", **on(WED))]
    schools = [
        school("A"),
        school("B", lat_offset=0.05, max_staff_out_per_day=3, max_leaders_out_per_day=1),
        school("C", lat_offset=0.02),
    ]
    round_ = make_round(schools, people, projects)
    problem = encode_schedule(round_, pairs(("P1", "S1"), ("P2", "S2")))
    assert problem.max_leaders_out == {"B": 1}
    assert [p.leaders_releasing for p in problem.projects] == [{"B": 1}, {"B": 1}]
    assert len(greedy_dates(problem)) == 1


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
    from solvers.dating.encode import encode_schedule
    from solvers.dating.strategy import _greedy_part, components

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
    from solvers.dating.encode import encode_schedule
    from solvers.dating.strategy import _solve_part, components
    from solvers.engine.budget import Budget
    from solvers.engine.options import DEFAULT_OPTIONS

    people = [staff("S1", "B"), staff("S2", "C")]
    projects = [project("P1", "A", visits=2, presentation=True), project("P2", "A")]
    round_ = make_round(THREE_SCHOOLS, people, projects)
    pairings = pairs(("P1", "S1"), ("P2", "S2"))
    events = []
    for part in components(encode_schedule(round_, pairings)):
        events.extend(_solve_part(part, Budget(0.0), DEFAULT_OPTIONS).events)
    assert {e.project_id for e in events} == {"P1", "P2"}
    assert verify_schedule(round_, pairings, Schedule(events=tuple(events))) == []


def _national_like_round() -> tuple[Round, Plan]:
    """A generated round with presentations, many marked days and a random team per project."""
    import random

    from matcher.synth.cohort import generate_round

    round_ = generate_round(schools=80, seed=3)
    rng = random.Random(7)
    days = [dt.date(2027, 1, 4) + dt.timedelta(days=k) for k in range(84)]
    marks = [
        Availability(
            id=some_id, start=start, end=start + dt.timedelta(days=rng.randint(0, 9)), kind=kind
        )
        for some_id in [s.staff_id for s in round_.staff[::3]]
        + [s.school_id for s in round_.schools[::2]]
        for kind in ("unavailable", "preferred")
        if rng.random() < 0.6 and (start := rng.choice(days))
    ]
    # A presentation for every third project; the others drop what needs one.
    without = {"presentation": False, "presentation_within_days": None}
    projects = tuple(
        p.model_copy(
            update={"presentation": True}
            if k % 3 == 0
            else {**without, "governors_presentation": False}
        )
        for k, p in enumerate(round_.projects)
    )
    round_ = round_.replace(projects=projects, availability=(*round_.availability, *marks))
    staff_ids = [s.staff_id for s in round_.staff]
    plan_ = Plan(
        assignments=tuple(
            Assignment(project_id=p.project_id, staff_id=s)
            for p in round_.projects[:-5]  # a few left unstaffed
            for s in rng.sample(staff_ids, rng.randint(1, 3))
        )
    )
    return round_, plan_


def _dated_project_day_by_day(
    round_: Round, calendar: SchoolCalendar, project: Project, team: list[str]
) -> tuple[tuple[int, ...], tuple[int, ...], list[tuple[int, int]]]:
    """Starts, presentation days and preferred days tested one day and one id at a time."""
    days = calendar.term_days
    homes = [round_.staff_by_id[s].school_id for s in team]
    host = project.host_school_id

    def talk_ok(day: dt.date) -> bool:
        return (
            project.earliest <= day <= project.latest
            and calendar.school_open(host, day)
            and all(calendar.person_free(p, day) for p in team)
        )

    usable = [talk_ok(day) and all(calendar.school_open(s, day) for s in homes) for day in days]
    length = project.visit_days
    starts = tuple(t for t in range(len(days) - length + 1) if all(usable[t : t + length]))
    talks = tuple(t for t, day in enumerate(days) if project.presentation and talk_ok(day))
    ids = (host, *team)
    preferred = [
        (t, n) for t, day in enumerate(days) if (n := sum(calendar.preferred(i, day) for i in ids))
    ]
    return starts, talks, preferred


def test_dated_project_bit_sets_match_a_check_day_by_day() -> None:
    """``dated_project`` works on term-day bit sets; it must agree with the plain check."""
    from solvers.dating.encode import dated_project, encode_schedule

    round_, plan_ = _national_like_round()
    calendar = SchoolCalendar(round_.settings, round_.availability)
    problem = encode_schedule(round_, plan_)
    assert len(problem.projects) == len(round_.projects) - 5
    assert any(p.preferred for p in problem.projects)  # the marks reach teams and hosts
    for p in problem.projects:
        project_ = round_.project_by_id[p.project_id]
        team = sorted(a.staff_id for a in plan_.team(p.project_id))
        assert p == dated_project(round_, calendar, project_, team)
        expected = _dated_project_day_by_day(round_, calendar, project_, team)
        assert (p.starts, p.presentation_days, list(p.preferred.items())) == expected
        for alone in ([], team[:1]):  # as the diagnoses call it
            got = dated_project(round_, calendar, project_, alone)
            expected = _dated_project_day_by_day(round_, calendar, project_, alone)
            assert (got.starts, got.presentation_days, list(got.preferred.items())) == expected


def test_components_are_the_connected_parts() -> None:
    """Union-find parts = connected components of projects sharing a host, person or school;
    each part keeps the release limits of its own schools only."""
    import networkx as nx

    from solvers.dating.encode import encode_schedule
    from solvers.dating.strategy import components

    round_, plan_ = _national_like_round()
    problem = encode_schedule(round_, plan_)
    graph = nx.Graph()
    for j, p in enumerate(problem.projects):
        graph.add_node(("project", j))
        graph.add_edge(("project", j), ("host", p.host))
        graph.add_edges_from((("project", j), ("person", person)) for person in p.team)
        graph.add_edges_from((("project", j), ("school", school)) for school in p.releasing)
    expected = sorted(
        sorted(j for kind, j in part if kind == "project")
        for part in nx.connected_components(graph)
    )
    parts = components(problem)
    assert 1 < len(parts) < len(problem.projects)
    index = {p.project_id: j for j, p in enumerate(problem.projects)}
    assert [[index[p.project_id] for p in part.projects] for part in parts] == expected
    for part in parts:
        schools = {school for p in part.projects for school in p.releasing}
        assert part.max_out == {school: problem.max_out[school] for school in schools}
        assert (part.days, part.weights, part.last_week) == (
            problem.days,
            problem.weights,
            problem.last_week,
        )


def test_large_dating_models_are_given_a_lower_work_rate() -> None:
    """Nominal seconds stay near the clock's: big dating models do less work a second."""
    from solvers.dating.strategy import work_rate
    from solvers.engine.budget import WORK_PER_CORE_SECOND

    assert work_rate(5_000) == WORK_PER_CORE_SECOND
    assert work_rate(20_000) == WORK_PER_CORE_SECOND
    assert WORK_PER_CORE_SECOND > work_rate(60_000) > work_rate(200_000) > 0.0
    # The national cohort's largest part (194,000 variables) did 0.13 a second.
    assert 0.1 < work_rate(194_000) < 0.16
