"""Visit kinds (issue #19): scoping meeting, half-day visits, a presentation deadline and a
governors' presentation. For each rule a case it lets through and one it blocks, in the solver
(every schedule also passes the independent checker) and in the checker; then the input
checks, the one count of half days, and the files that carry each kind.

The rounds are those of ``test_scheduling`` and ``test_verify_schedule``: school A hosts P1,
S1 (and S2) come from B; 2026-01-12 is a Monday, with no bank holiday near it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import make_round, project, school, staff
from test_io import edit_cell, problems_in, text_files
from test_scheduling import THREE_SCHOOLS, date, dated, on, with_calendar
from test_verify_schedule import base_round, only, plan_of, presentation, schedule_of, visit

from matcher.io.calendar import event_uid, write_calendars
from matcher.io.schedule_files import read_schedule, write_schedule_csv
from matcher.model import Assignment, Availability, Plan, Schedule, ScheduledEvent
from matcher.pipeline import plan
from matcher.verify import verify_plan
from matcher.verify_schedule import verify_schedule

MON, TUE, WED = dt.date(2026, 1, 12), dt.date(2026, 1, 13), dt.date(2026, 1, 14)
THU, FRI = dt.date(2026, 1, 15), dt.date(2026, 1, 16)


def led(*rows: tuple[str, str, str]) -> Plan:
    """A plan from (project, staff, role) rows."""
    return Plan(
        assignments=tuple(
            Assignment(project_id=p, staff_id=s, role="lead" if r == "lead" else "member")
            for p, s, r in rows
        )
    )


def kinds(schedule: Schedule, project_id: str = "P1") -> dict[str, list[ScheduledEvent]]:
    found: dict[str, list[ScheduledEvent]] = {}
    for e in sorted(schedule.events, key=lambda e: (e.date, e.start)):
        if e.project_id == project_id:
            found.setdefault(e.kind, []).append(e)
    return found


def scoping(
    when: dt.date, staff_ids: tuple[str, ...] = ("S1",), **overrides: Any
) -> ScheduledEvent:
    fields: dict[str, Any] = {
        "visit_id": "P1-s",
        "project_id": "P1",
        "visit_no": 1,
        "kind": "scoping",
        "date": when,
        "start": dt.time(8, 45),
        "end": dt.time(12, 0),  # halfway through 08:45-15:15
        "host_school_id": "A",
        "staff_ids": staff_ids,
    }
    return ScheduledEvent(**{**fields, **overrides})


def governors(when: dt.date, **overrides: Any) -> ScheduledEvent:
    fields: dict[str, Any] = {
        "visit_id": "P1-g",
        "project_id": "P1",
        "visit_no": 1,
        "kind": "governors",
        "date": when,
        "start": dt.time(18, 0),
        "end": dt.time(19, 30),
        "host_school_id": "A",
        "staff_ids": ("S1",),
    }
    return ScheduledEvent(**{**fields, **overrides})


# --- the solver --------------------------------------------------------------------------------


def test_scoping_meeting_comes_before_the_first_visit_with_the_lead_alone() -> None:
    people = [staff("S1", "B"), staff("S2", "B")]
    round_ = make_round(
        THREE_SCHOOLS, people, [project("P1", "A", **on(WED, THU, scoping_meeting=True))]
    )
    _, schedule = date(round_, led(("P1", "S2", "lead"), ("P1", "S1", "member")))
    found = kinds(schedule)
    assert [e.date for e in found["scoping"]] == [WED]
    assert found["scoping"][0].staff_ids == ("S2",)
    assert found["scoping"][0].visit_id == "P1-s"
    assert (found["scoping"][0].start, found["scoping"][0].end) == (dt.time(8, 45), dt.time(12))
    assert [e.date for e in found["visit"]] == [THU]
    assert found["visit"][0].staff_ids == ("S1", "S2")


def test_scoping_meeting_that_cannot_come_first_leaves_the_project_undated() -> None:
    round_ = make_round(
        THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **on(WED, scoping_meeting=True))]
    )
    final, schedule = date(round_, led(("P1", "S1", "lead")))
    assert dated(schedule) == set()
    assert "scoping" in final.unfilled[0].reason


def test_scoping_meeting_takes_the_lead_out_of_their_school() -> None:
    """B lets one person out a day: S2's visit on Wednesday leaves no morning for S1's meeting,
    which can only be on Wednesday (P1's visit is on Thursday)."""
    people = [staff("S1", "B"), staff("S2", "B")]
    projects = [
        project("P1", "A", **on(WED, THU, scoping_meeting=True)),
        project("P2", "C", **on(WED)),
    ]
    team = led(("P1", "S1", "lead"), ("P2", "S2", "lead"))

    def schools(most: int) -> list[Any]:
        return [
            school("A"),
            school("B", lat_offset=0.05, max_staff_out_per_day=most),
            school("C", lat_offset=0.02),
        ]

    _, schedule = date(make_round(schools(1), people, projects), team)
    assert len(dated(schedule)) == 1
    _, schedule = date(make_round(schools(2), people, projects), team)
    assert dated(schedule) == {"P1", "P2"}


def test_presentation_within_days_picks_a_later_visit_when_the_early_one_leaves_no_slot() -> None:
    """A is closed on Tuesday: a Monday visit's presentation could only be on Wednesday, two
    school days on, so with a limit of one the visit moves to Wednesday (talk on Thursday)."""
    closed = [Availability(id="A", start=TUE, end=TUE, kind="unavailable")]
    fields = on(MON, THU, presentation=True, presentation_within_days=1)
    round_ = make_round(
        THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **fields)], availability=closed
    )
    _, schedule = date(round_, led(("P1", "S1", "lead")))
    found = kinds(schedule)
    assert [e.date for e in found["visit"]] == [WED]
    assert [e.date for e in found["presentation"]] == [THU]


def test_presentation_within_days_forbids_a_late_presentation() -> None:
    closed = [Availability(id="A", start=TUE, end=TUE, kind="unavailable")]
    for within, expected in ((1, set()), (2, {"P1"}), (None, {"P1"})):
        fields = on(MON, WED, presentation=True, presentation_within_days=within)
        round_ = make_round(
            THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **fields)], availability=closed
        )
        final, schedule = date(round_, led(("P1", "S1", "lead")))
        assert dated(schedule) == expected, within
        if not expected:
            assert "within 1 school day" in final.unfilled[0].reason


def test_the_rounds_presentation_deadline_applies_where_a_project_sets_none() -> None:
    closed = [Availability(id="A", start=TUE, end=TUE, kind="unavailable")]
    fields = on(MON, WED, presentation=True)
    round_ = make_round(
        THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **fields)], availability=closed
    )
    _, schedule = date(round_, led(("P1", "S1", "lead")))
    assert dated(schedule) == {"P1"}
    _, schedule = date(with_calendar(round_, presentation_within_days=1), led(("P1", "S1", "lead")))
    assert dated(schedule) == set()


def test_governors_presentation_comes_on_a_later_day_in_the_evening() -> None:
    fields = on(MON, TUE, presentation=True, governors_presentation=True)
    round_ = make_round(THREE_SCHOOLS, [staff("S1", "B")], [project("P1", "A", **fields)])
    _, schedule = date(round_, led(("P1", "S1", "lead")))
    assert dated(schedule) == set()  # visit, presentation and governors need three days
    longer = round_.replace(projects=(project("P1", "A", **{**fields, "latest": WED}),))
    _, schedule = date(longer, led(("P1", "S1", "lead")))
    found = kinds(schedule)
    assert [e.date for e in found["governors"]] == [WED]
    assert (found["governors"][0].start, found["governors"][0].end) == (
        dt.time(18),
        dt.time(19, 30),
    )
    assert found["governors"][0].visit_id == "P1-g"


def test_half_day_visits_run_in_the_morning_and_count_half() -> None:
    """Two half-day visits are one day out: S1 (max_days 1) can take them, not full days."""
    half = project("P1", "A", visits=2, visit_hours=3, min_gap_days=1)
    assert half.half_day and half.days_per_reviewer == 1
    people = [staff("S1", "B", max_days=1)]
    outcome = plan(make_round(THREE_SCHOOLS, people, [half]), time_limit=10)
    assert verify_plan(outcome.round, outcome.plan) == []
    assert verify_schedule(outcome.round, outcome.plan, outcome.scheduling.schedule) == []
    assert [e.end for e in outcome.scheduling.schedule.events] == [dt.time(11, 45)] * 2
    full = half.model_copy(update={"visit_hours": None})
    outcome = plan(make_round(THREE_SCHOOLS, people, [full]), time_limit=10)
    assert verify_plan(outcome.round, outcome.plan) == []
    assert [u.project_id for u in outcome.plan.unfilled] == ["P1"]


def test_scoping_half_day_counts_only_for_its_attendee() -> None:
    """One definition: two full visit days and the meeting are 2.5 days, rounded up; one
    half-day visit and the meeting are one day, as the visit alone rounds to."""
    full = project("P1", "A", visits=2, scoping_meeting=True, min_gap_days=1)
    assert (full.days_per_reviewer, full.days_out(scoping=True), full.scoping_days) == (2, 3, 1)
    half = project("P1", "A", visit_hours=3, scoping_meeting=True)
    assert (half.days_per_reviewer, half.days_out(scoping=True), half.scoping_days) == (1, 1, 0)
    plan_ = led(("P1", "S2", "member"), ("P1", "S1", "lead"))
    assert [plan_.days_of(full, s) for s in ("S1", "S2")] == [3, 2]


def scoped_round(**budgets: Any) -> Any:
    """P1 at A: two full visit days, a scoping meeting, a trained lead, a team of two; S1
    (lead) and S2 (not) from B. ``budgets``: S1's max_days or B's release_days / cover_budget."""
    p1 = project(
        "P1", "A", visits=2, min_gap_days=1, needs_lead=True, scoping_meeting=True, min_reviewers=2
    )
    home = {k: v for k, v in budgets.items() if k in ("release_days", "cover_budget")}
    people = [
        staff("S1", "B", max_days=budgets.get("max_days", 6)),
        staff("S2", "B", lead_reviewer=False),
    ]
    return make_round([school("A"), school("B", lat_offset=0.05, **home)], people, [p1])


# Each budget fits the two reviewers' visit days (2 + 2) but not the lead's scoping half day
# on top (3 + 2), rounded up as a half-day visit is; the roomier one fits both.
TIGHT = [
    pytest.param({"max_days": 2}, {"max_days": 3}, "capacity", id="max_days"),
    pytest.param({"release_days": 4}, {"release_days": 5}, "release", id="release_days"),
    # Primary B at 180 a day: 4 days cost 720, 5 cost 900.
    pytest.param({"cover_budget": 720.0}, {"cover_budget": 900.0}, "cover_budget", id="cover"),
]


@pytest.mark.parametrize(("tight", "roomy", "rule"), TIGHT)
def test_scoping_half_day_in_the_budgets_checker(
    tight: dict[str, Any], roomy: dict[str, Any], rule: str
) -> None:
    plan_ = led(("P1", "S1", "lead"), ("P1", "S2", "member"))
    assert verify_plan(scoped_round(**roomy), plan_) == []
    violations = verify_plan(scoped_round(**tight), plan_)
    assert [v.rule for v in violations] == [rule]


@pytest.mark.parametrize(("tight", "roomy", "rule"), TIGHT)
def test_scoping_half_day_in_the_budgets_solver(
    tight: dict[str, Any], roomy: dict[str, Any], rule: str
) -> None:
    """Forbidden: the team fits the budget only without the lead's scoping half day, so P1
    stays unstaffed; allowed: the roomier budget staffs it, S1 out 3 days. Every plan passes
    the checker."""
    for budgets, staffed in ((roomy, True), (tight, False)):
        round_ = scoped_round(**budgets)
        outcome = plan(round_, time_limit=10)
        assert verify_plan(outcome.round, outcome.plan) == []
        assert verify_schedule(outcome.round, outcome.plan, outcome.scheduling.schedule) == []
        assert bool(outcome.plan.team("P1")) is staffed
        if staffed:
            assert outcome.plan.days_of(round_.projects[0], "S1") == 3
        else:
            reason = outcome.plan.unfilled[0].reason
            assert "scoping meeting is half a day more for whoever attends it" in reason


# --- the checker -------------------------------------------------------------------------------

SCOPED = {"scoping_meeting": True}
TALKS = {"presentation": True}


@pytest.mark.parametrize(
    ("p1", "events"),
    [
        pytest.param(SCOPED, [scoping(MON), visit(TUE)], id="scoping before the visit"),
        pytest.param(
            {**TALKS, "presentation_within_days": 2},
            [visit(MON), presentation(WED)],
            id="presentation two school days on",
        ),
        pytest.param(
            {**TALKS, "presentation_within_days": 1},
            [visit(dt.date(2026, 2, 13)), presentation(dt.date(2026, 2, 23))],
            id="half term is not counted",
        ),
        pytest.param(
            {**TALKS, "governors_presentation": True},
            [visit(MON), presentation(TUE), governors(WED)],
            id="governors after the presentation",
        ),
        pytest.param({"visit_hours": 3}, [visit(MON, end=dt.time(11, 45))], id="a half day"),
    ],
)
def test_kinds_allowed(p1: dict[str, Any], events: list[ScheduledEvent]) -> None:
    assert verify_schedule(base_round(p1=p1), plan_of("P1:S1"), schedule_of(*events)) == []


@pytest.mark.parametrize(
    ("p1", "events", "rule"),
    [
        pytest.param(SCOPED, [visit(MON), scoping(TUE)], "scoping", id="scoping after"),
        pytest.param(
            SCOPED, [scoping(MON, end=dt.time(15, 15)), visit(TUE)], "scoping", id="a whole day"
        ),
        pytest.param(SCOPED, [visit(TUE)], "complete", id="scoping missing"),
        pytest.param({}, [scoping(MON), visit(TUE)], "complete", id="scoping not asked for"),
        pytest.param(
            {**TALKS, "presentation_within_days": 2},
            [visit(MON), presentation(THU)],
            "presentation_within",
            id="presentation three school days on",
        ),
        pytest.param(
            {**TALKS, "governors_presentation": True},
            [visit(MON), presentation(WED), governors(TUE)],
            "governors",
            id="governors before the presentation",
        ),
        pytest.param(
            {**TALKS, "governors_presentation": True},
            [visit(MON), presentation(TUE), governors(WED, start=dt.time(15, 45))],
            "governors",
            id="governors after school, not in the evening",
        ),
        pytest.param(
            {**TALKS, "governors_presentation": True},
            [visit(MON), presentation(TUE)],
            "complete",
            id="governors missing",
        ),
        pytest.param({"visit_hours": 3}, [visit(MON)], "visit_order", id="a whole day"),
    ],
)
def test_kinds_forbidden(p1: dict[str, Any], events: list[ScheduledEvent], rule: str) -> None:
    violations = verify_schedule(base_round(p1=p1), plan_of("P1:S1"), schedule_of(*events))
    assert only(violations)[:2] == (rule, "P1")


def test_the_rounds_presentation_deadline_is_checked() -> None:
    events = schedule_of(visit(MON), presentation(THU))
    assert verify_schedule(base_round(p1=TALKS), plan_of("P1:S1"), events) == []
    tight = base_round(p1=TALKS, calendar={"presentation_within_days": 2})
    assert only(verify_schedule(tight, plan_of("P1:S1"), events))[0] == "presentation_within"


def test_scoping_meeting_is_the_leads_alone() -> None:
    team = Plan(
        assignments=(
            Assignment(project_id="P1", staff_id="S1"),
            Assignment(project_id="P1", staff_id="S2", role="lead"),
        )
    )
    both = ("S1", "S2")
    round_ = base_round(p1=SCOPED)
    good = schedule_of(scoping(MON, ("S2",)), visit(TUE, staff_ids=both))
    assert verify_schedule(round_, team, good) == []
    bad = schedule_of(scoping(MON, both), visit(TUE, staff_ids=both))
    assert only(verify_schedule(round_, team, bad))[:2] == ("whole_team", "P1")


def test_scoping_meeting_counts_against_release_and_the_leads_school_must_be_open() -> None:
    projects = [project("P1", "A", scoping_meeting=True), project("P2", "C")]
    team = plan_of("P1:S1", "P2:S2")
    events = schedule_of(scoping(MON), visit(TUE), visit(MON, "P2", host="C", staff_ids=("S2",)))
    assert verify_schedule(base_round(projects=projects), team, events) == []
    tight = base_round(projects=projects).replace(
        schools=(
            school("A"),
            school("B", lat_offset=0.05, max_staff_out_per_day=1),
            school("C", lat_offset=-0.05),
        )
    )
    assert only(verify_schedule(tight, team, events))[0] == "release_per_day"
    closed = base_round(projects=projects, availability=[unavailable_b(MON)])
    found = verify_schedule(closed, team, events)
    assert {v.rule for v in found} == {"school_day"}
    assert any(v.project_id == "P1" for v in found)


def unavailable_b(day: dt.date) -> Availability:
    return Availability(id="B", start=day, end=day, kind="unavailable")


# --- input -------------------------------------------------------------------------------------


def with_columns(**cells: str) -> dict[str, str]:
    """The good projects.csv with the given columns added, set on row 2 (others blank)."""
    files = text_files()
    lines = files["projects.csv"].splitlines()
    lines[0] += "," + ",".join(cells)
    lines[1:] = [line + "," * len(cells) for line in lines[1:]]
    files["projects.csv"] = "\n".join(lines) + "\n"
    for column, value in cells.items():
        edit_cell(files, "projects.csv", 2, column, value)
    return files


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"presentation": "no", "presentation_within_days": "5"}, "presentation_within_days"),
        ({"presentation": "", "governors_presentation": "yes"}, "governors_presentation"),
        ({"visit_hours": "7"}, "visit_hours"),
        ({"visit_hours": "0"}, "visit_hours"),
        ({"scoping_meeting": "perhaps"}, "scoping_meeting"),
        ({"presentation": "yes", "presentation_within_days": "0"}, "presentation_within_days"),
    ],
)
def test_bad_kind_cells_are_problems_where_they_are(
    tmp_path: Path, cells: dict[str, str], column: str
) -> None:
    problems = problems_in(tmp_path, dict(with_columns(**cells)))
    assert [(p.file, p.row, p.column) for p in problems] == [("projects.csv", 2, column)]


def test_good_kind_cells_are_read(tmp_path: Path) -> None:
    from test_io import write_folder

    from matcher.io import load_round

    files = with_columns(
        presentation="yes",
        presentation_within_days="5",
        governors_presentation="yes",
        visit_hours="3",
        scoping_meeting="yes",
    )
    p = load_round(write_folder(tmp_path / "round", dict(files))).projects[0]
    assert (p.presentation_within_days, p.governors_presentation, p.visit_hours) == (5, True, 3)
    assert p.scoping_meeting and p.half_day


# --- files -------------------------------------------------------------------------------------


def all_kinds() -> tuple[Any, Plan, Schedule]:
    p1 = {**SCOPED, **TALKS, "governors_presentation": True, "visit_hours": 3}
    round_ = base_round(p1=p1)
    events = schedule_of(
        scoping(MON), visit(TUE, end=dt.time(11, 45)), presentation(WED), governors(THU)
    )
    assert verify_schedule(round_, plan_of("P1:S1"), events) == []
    return round_, plan_of("P1:S1"), events


def test_schedule_csv_carries_each_kind_and_reads_back(tmp_path: Path) -> None:
    round_, _, events = all_kinds()
    write_schedule_csv(tmp_path, events, round_)
    back = read_schedule(tmp_path)
    assert back is not None and set(back.events) == set(events.events)
    assert "P1-s,P1,1,scoping," in (tmp_path / "schedule.csv").read_text()


def test_calendars_title_each_kind_and_keep_the_visits_uids(tmp_path: Path) -> None:
    round_, team, events = all_kinds()
    write_calendars(tmp_path, round_, events)
    text = (tmp_path / "calendars" / "round.ics").read_text()
    for title in ("Scoping meeting", "Peer review", "Findings presentation", "Governors"):
        assert title in text
    # A visit's UID is the one it had before kinds existed: a re-plan does not churn it.
    assert event_uid(round_.settings, "P1-v1-d1") in text.replace("\r\n ", "")
    assert "T180000" in text and "T084500" in text
    assert team.lead_of("P1") == "S1"


# --- generated cohorts -------------------------------------------------------------------------

KIND_FIELDS = (
    "presentation",
    "scoping_meeting",
    "visit_hours",
    "presentation_within_days",
    "governors_presentation",
)


def test_generated_kinds_come_from_their_own_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the kinds, a cohort is what the same seed gave before they existed."""
    from matcher.synth import cohort

    with_kinds = cohort.generate_round(schools=60, seed=5)
    monkeypatch.setattr(cohort, "with_visit_kinds", lambda seed, projects: list(projects))
    without = cohort.generate_round(schools=60, seed=5)
    assert with_kinds.replace(projects=without.projects) == without

    def plain(p: Any) -> dict[str, Any]:
        return {k: v for k, v in p.model_dump().items() if k not in KIND_FIELDS}

    assert [plain(p) for p in with_kinds.projects] == [plain(p) for p in without.projects]
    assert not any(getattr(p, f) for p in without.projects for f in KIND_FIELDS)
    for field in KIND_FIELDS:
        assert any(getattr(p, field) for p in with_kinds.projects), field


# --- re-planning -------------------------------------------------------------------------------


def test_a_replan_keeps_every_kind_and_names_a_moved_meeting() -> None:
    import matcher
    from matcher.written import WrittenPlan

    fields = on(MON, dt.date(2026, 1, 23), presentation=True, governors_presentation=True)
    kinds_ = [project("P1", "A", scoping_meeting=True, **fields)]
    round_ = make_round(THREE_SCHOOLS, [staff("S1", "B")], kinds_)
    first = matcher.plan(round_, time_limit=5)
    assert {e.kind for e in first.schedule.events} == {
        "scoping",
        "visit",
        "presentation",
        "governors",
    }
    old = WrittenPlan(plan=first.plan, schedule=first.schedule, clusters=None)
    again = matcher.plan(round_, time_limit=5, previous=old)
    assert again.changes == ()
    meeting = next(e for e in first.schedule.events if e.kind == "scoping")
    away = round_.replace(
        availability=(
            Availability(id="S1", start=meeting.date, end=meeting.date, kind="unavailable"),
        )
    )
    moved = matcher.plan(away, time_limit=5, previous=old)
    assert verify_schedule(away, moved.plan, moved.schedule) == []
    assert moved.changes is not None
    assert ("visit_moved", "s") in {(c.kind, c.visit_no) for c in moved.changes}


def test_a_lead_who_cannot_make_the_scoping_meeting_is_named_and_no_one_else() -> None:
    from matcher.days import SchoolCalendar
    from solvers.dating.explain import diagnose

    people = [staff("S1", "B"), staff("S2", "B")]
    p1 = project("P1", "A", **on(WED, THU, scoping_meeting=True))
    for lead, away in (("S1", "S1"), ("S2", "S1")):
        absent = [Availability(id=away, start=WED, end=WED, kind="unavailable")]
        round_ = make_round(THREE_SCHOOLS, people, [p1], availability=absent)
        calendar = SchoolCalendar(round_.settings, round_.availability)
        why = diagnose(round_, calendar, p1, ["S1", "S2"], lead=lead)
        if lead == away:  # the meeting's one morning is the lead's day away
            assert (why.kind, why.blocking_members) == ("members", ("S1",))
        else:  # S1 is away only from the meeting, which S2 attends: the dates fit
            assert why.blocking_members == ()
