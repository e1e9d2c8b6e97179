"""Random small rounds (hypothesis): every plan passes the independent checker, and every
project left unstaffed comes back with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import make_round, project, school, staff
from hypothesis import HealthCheck, given, settings, strategies as st

from matcher.model import Availability, Conflict, HistoryEntry, Preference, Round
from matcher.pipeline import match, plan
from matcher.verify import verify_plan
from matcher.verify_schedule import verify_schedule

AREAS = ["oracy", "homework", "reading"]
PHASES = ["primary", "secondary", "special"]
ROLES = ["middle_leader", "senior_leader"]


@st.composite
def rounds(draw: st.DrawFn) -> Round:
    n_schools = draw(st.integers(2, 5))
    school_ids = [f"U{i}" for i in range(n_schools)]
    schools = [
        school(
            sid,
            phase=draw(st.sampled_from(PHASES)),
            trust=draw(st.sampled_from([None, None, "Oak", "Elm"])),
            lat_offset=draw(st.floats(-0.3, 0.3)),
            release_days=draw(st.integers(0, 8)),
            # Primary 180, secondary 220, special the default 200 a day (rule cover_budget).
            cover_budget=draw(st.sampled_from([None, None, None, 0.0, 200.0, 450.0, 1000.5])),
        )
        for sid in school_ids
    ]
    people = [
        staff(
            f"S{i}",
            draw(st.sampled_from(school_ids)),
            specialisms=set(draw(st.lists(st.sampled_from(AREAS), min_size=1, max_size=2))),
            phases=set(draw(st.lists(st.sampled_from(PHASES), min_size=1, max_size=2))),
            is_sle=draw(st.booleans()),
            lead_reviewer=draw(st.booleans()),
            max_days=draw(st.integers(0, 6)),
            role=draw(st.sampled_from(ROLES)),
            sle_allowance_days=draw(st.sampled_from([None, None, 0, 2, 30])),
        )
        for i in range(draw(st.integers(1, 8)))
    ]
    projects = []
    for j in range(draw(st.integers(1, 4))):
        low = draw(st.integers(1, 2))
        projects.append(
            project(
                f"P{j}",
                draw(st.sampled_from(school_ids)),
                # One area, or two the team covers together (rule areas_covered).
                area=";".join(
                    draw(st.lists(st.sampled_from(AREAS), min_size=1, max_size=2, unique=True))
                ),
                min_reviewers=low,
                max_reviewers=draw(st.integers(low, 3)),
                needs_lead=draw(st.booleans()),
                needs_sle=draw(st.booleans()),
                needs_role=draw(st.sampled_from([None, *ROLES])),
                visits=draw(st.integers(1, 2)),
                visit_days=draw(st.integers(1, 2)),
            )
        )
    staff_ids = [p.staff_id for p in people]
    extra: dict[str, Any] = {
        "conflicts": [
            Conflict(staff_id=draw(st.sampled_from(staff_ids)), school_id=sid, reason="governor")
            for sid in draw(st.lists(st.sampled_from(school_ids), max_size=2, unique=True))
        ],
        "history": [
            HistoryEntry(
                round=draw(st.integers(1, 2)),
                staff_id=sid,
                host_school_id=draw(st.sampled_from(school_ids)),
                days=draw(st.integers(0, 20)),
                # The reviewer's school then, or blank: their school in staff.csv.
                school_id=draw(st.sampled_from([None, *school_ids])),
            )
            for sid in draw(st.lists(st.sampled_from(staff_ids), max_size=3, unique=True))
        ],
        "preferences": [
            Preference(staff_id=sid, project_id=p.project_id, preference=draw(st.integers(-2, 3)))
            for sid in staff_ids[:3]
            for p in projects[:1]
        ],
        "rules": {
            "same_trust": draw(st.sampled_from(["forbid", "allow"])),
            "no_direct_swap": draw(st.booleans()),
            "school_rotation_rounds": draw(st.integers(0, 2)),
        },
    }
    return make_round(schools, people, projects, **extra)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_every_plan_verifies_or_is_explained(round_: Round) -> None:
    outcome = match(round_, time_limit=10, workers=1, explain_time_limit=5)
    assert outcome.result.status == "OPTIMAL"
    assert verify_plan(round_, outcome.plan) == []
    staffed = {a.project_id for a in outcome.plan.assignments}
    unfilled = {u.project_id for u in outcome.plan.unfilled}
    assert staffed | unfilled == {p.project_id for p in round_.projects}
    assert not staffed & unfilled
    for item in outcome.plan.unfilled:
        # Every reason is a real explanation, never the solver's shrug.
        assert item.reason.startswith(("needs", "cannot be staffed")), item.reason


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds(), st.data())
def test_every_plan_is_dated_or_explained(round_: Round, data: st.DataObject) -> None:
    """Random unavailability too: staffed projects are all dated, the rest explained."""
    ids = [s.staff_id for s in round_.staff] + [s.school_id for s in round_.schools]
    start = dt.date(2026, 1, 12)
    blocked = [
        Availability(
            id=data.draw(st.sampled_from(ids)),
            start=start + dt.timedelta(days=offset),
            end=start + dt.timedelta(days=offset + data.draw(st.integers(0, 30))),
            kind="unavailable",
        )
        for offset in data.draw(st.lists(st.integers(0, 60), max_size=4))
    ]
    round_ = round_.replace(availability=tuple(blocked))
    outcome = plan(round_, time_limit=10)
    assert verify_plan(round_, outcome.plan) == []
    assert verify_schedule(round_, outcome.plan, outcome.schedule) == []
    staffed = {a.project_id for a in outcome.plan.assignments}
    assert {e.project_id for e in outcome.schedule.events} == staffed
    for item in outcome.plan.unfilled:
        assert item.reason
