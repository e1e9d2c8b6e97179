"""The plan checker: for every hard rule, one tiny plan that passes and one that breaks it.

Unless a test says otherwise the round is the smallest that works: school A hosts oracy
project P1 (1-2 reviewers, one 1-day visit) and S1, an oracy reviewer from school B about
5 km away, is on it. Each "forbidden" plan changes one thing and must give exactly one
violation of exactly the rule under test.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from conftest import make_round, project, school, staff

from matcher.model import (
    Assignment,
    Conflict,
    HistoryEntry,
    Plan,
    Round,
    School,
    Staff,
    TravelTime,
    UnfilledProject,
)
from matcher.verify import RULES, Violation, verify_plan


def plan_of(*pairs: str, leads: tuple[str, ...] = (), unfilled: tuple[str, ...] = ()) -> Plan:
    """A plan from "P1:S1" pairs; pairs named in ``leads`` get the lead role."""
    assignments = []
    for pair in pairs:
        project_id, staff_id = pair.split(":")
        role: Literal["lead", "member"] = "lead" if pair in leads else "member"
        assignments.append(Assignment(project_id=project_id, staff_id=staff_id, role=role))
    return Plan(
        assignments=tuple(assignments),
        unfilled=tuple(UnfilledProject(project_id=p, reason="no one fits") for p in unfilled),
    )


def base_round(
    *,
    schools: list[School] | None = None,
    people: list[Staff] | None = None,
    p1: dict[str, Any] | None = None,
    **extra: Any,
) -> Round:
    """The round described in the module docstring, with parts replaced."""
    return make_round(
        schools or [school("A"), school("B", lat_offset=0.05)],
        people or [staff("S1", "B")],
        [project("P1", "A", **(p1 or {}))],
        **extra,
    )


def only(violations: list[Violation]) -> tuple[str, str | None, str | None, str | None]:
    """The one violation's rule and ids; fails if there is not exactly one."""
    assert len(violations) == 1, [str(v) for v in violations]
    v = violations[0]
    return (v.rule, v.project_id, v.staff_id, v.school_id)


BASE_PLAN = plan_of("P1:S1")


def test_the_base_plan_is_clean() -> None:
    assert verify_plan(base_round(), BASE_PLAN) == []


def test_a_clean_plan_with_every_feature_returns_nothing() -> None:
    round_ = make_round(
        [
            school("A", trust="T1"),
            school("B", lat_offset=0.05, trust="T2"),
            school("C", lat_offset=-0.05),
        ],
        [
            staff("S1", "B", is_sle=True),
            staff("S2", "C", lead_reviewer=False, specialisms={"Oracy", "maths"}),
            staff("S3", "C", specialisms={"maths"}, phases={"primary", "secondary"}),
        ],
        [
            project("P1", "A", needs_lead=True, needs_sle=True, min_reviewers=2),
            project("P2", "B", area="maths", needs_lead=True),
            project("P3", "C", area="science"),
        ],
        history=[HistoryEntry(round=1, staff_id="S1", host_school_id="C", days=4)],
    )
    plan = plan_of("P1:S1", "P1:S2", "P2:S3", leads=("P1:S1", "P2:S3"), unfilled=("P3",))
    assert verify_plan(round_, plan) == []


# --- own_school ------------------------------------------------------------------------------


def test_own_school_forbidden() -> None:
    round_ = base_round(people=[staff("S1", "A")])
    assert only(verify_plan(round_, BASE_PLAN)) == ("own_school", "P1", "S1", "A")


# --- expertise -------------------------------------------------------------------------------


def test_expertise_area_compared_ignoring_case_and_spacing() -> None:
    round_ = base_round(
        people=[staff("S1", "B", specialisms={" Early  reading"})], p1={"area": "early Reading"}
    )
    assert verify_plan(round_, BASE_PLAN) == []


def test_expertise_area_forbidden() -> None:
    round_ = base_round(p1={"area": "maths"})
    assert only(verify_plan(round_, BASE_PLAN)) == ("expertise_area", "P1", "S1", None)


# Two areas ("oracy;maths"): each reviewer has one of them, the team has both.
TWO_AREAS = {"area": "oracy;maths", "min_reviewers": 1, "max_reviewers": 2}


def test_expertise_area_one_of_several_areas_is_enough_and_areas_covered_allowed() -> None:
    round_ = base_round(
        schools=[school("A"), school("B", lat_offset=0.05), school("C", lat_offset=-0.05)],
        people=[staff("S1", "B"), staff("S2", "C", specialisms={"Maths"})],
        p1=TWO_AREAS,
    )
    assert verify_plan(round_, plan_of("P1:S1", "P1:S2")) == []


def test_areas_covered_by_one_reviewer_with_both_allowed() -> None:
    round_ = base_round(people=[staff("S1", "B", specialisms={"oracy", "maths"})], p1=TWO_AREAS)
    assert verify_plan(round_, BASE_PLAN) == []


def test_areas_covered_forbidden() -> None:
    round_ = base_round(p1=TWO_AREAS)  # S1 has oracy only: no one on the team has maths
    violations = verify_plan(round_, BASE_PLAN)
    assert only(violations) == ("areas_covered", "P1", None, None)
    assert "'maths'" in violations[0].message


def test_expertise_area_with_several_areas_forbidden() -> None:
    round_ = base_round(
        schools=[school("A"), school("B", lat_offset=0.05), school("C", lat_offset=-0.05)],
        people=[
            staff("S1", "B", specialisms={"oracy", "maths"}),
            staff("S2", "C", specialisms={"science"}),
        ],
        p1=TWO_AREAS,
    )
    violations = verify_plan(round_, plan_of("P1:S1", "P1:S2"))
    assert only(violations) == ("expertise_area", "P1", "S2", None)


def test_needs_role_allowed() -> None:
    round_ = base_round(
        people=[staff("S1", "B", role="senior_leader")], p1={"needs_role": "senior_leader"}
    )
    assert verify_plan(round_, BASE_PLAN) == []


def test_needs_role_forbidden() -> None:
    round_ = base_round(p1={"needs_role": "senior_leader"})  # S1 is a middle leader
    violations = verify_plan(round_, BASE_PLAN)
    assert only(violations) == ("needs_role", "P1", None, None)
    assert "senior_leader" in violations[0].message


def test_expertise_phase_allowed() -> None:
    round_ = base_round(
        schools=[school("A", phase="secondary"), school("B", lat_offset=0.05)],
        people=[staff("S1", "B", phases={"primary", "secondary"})],
    )
    assert verify_plan(round_, BASE_PLAN) == []


def test_expertise_phase_forbidden() -> None:
    round_ = base_round(schools=[school("A", phase="secondary"), school("B", lat_offset=0.05)])
    assert only(verify_plan(round_, BASE_PLAN)) == ("expertise_phase", "P1", "S1", "A")


# --- conflict --------------------------------------------------------------------------------


def test_conflict_with_another_school_allowed() -> None:
    round_ = base_round(conflicts=[Conflict(staff_id="S1", school_id="C", reason="x")])
    assert verify_plan(round_, BASE_PLAN) == []


def test_conflict_forbidden() -> None:
    round_ = base_round(conflicts=[Conflict(staff_id="S1", school_id="A", reason="sister")])
    violations = verify_plan(round_, BASE_PLAN)
    assert only(violations) == ("conflict", "P1", "S1", "A")
    assert "sister" not in violations[0].message


# --- same_trust ------------------------------------------------------------------------------


SAME_TRUST = [school("A", trust="T1"), school("B", lat_offset=0.05, trust="T1")]


@pytest.mark.parametrize(
    ("schools", "rules"),
    [
        pytest.param([school("A"), school("B", lat_offset=0.05)], {}, id="both standalone"),
        pytest.param(
            [school("A", trust="T1"), school("B", lat_offset=0.05, trust="T2")], {}, id="two trusts"
        ),
        pytest.param(SAME_TRUST, {"same_trust": "allow"}, id="rule allows"),
    ],
)
def test_same_trust_allowed(schools: list[School], rules: dict[str, Any]) -> None:
    assert verify_plan(base_round(schools=schools, rules=rules), BASE_PLAN) == []


def test_same_trust_forbidden() -> None:
    round_ = base_round(schools=SAME_TRUST)
    assert only(verify_plan(round_, BASE_PLAN)) == ("same_trust", "P1", "S1", "A")


# --- team ------------------------------------------------------------------------------------


TWO_REVIEWERS = [staff("S1", "B"), staff("S2", "B")]


@pytest.mark.parametrize(
    ("p1", "people", "plan"),
    [
        pytest.param({"min_reviewers": 2}, TWO_REVIEWERS, plan_of("P1:S1", "P1:S2"), id="size"),
        pytest.param({"needs_lead": True}, None, plan_of("P1:S1", leads=("P1:S1",)), id="lead"),
        pytest.param({"needs_sle": True}, [staff("S1", "B", is_sle=True)], BASE_PLAN, id="sle"),
        pytest.param({}, None, plan_of(unfilled=("P1",)), id="listed unfilled"),
    ],
)
def test_team_allowed(p1: dict[str, Any], people: list[Staff] | None, plan: Plan) -> None:
    assert verify_plan(base_round(p1=p1, people=people), plan) == []


@pytest.mark.parametrize(
    ("p1", "people", "plan", "expected", "says"),
    [
        pytest.param(
            {"min_reviewers": 2}, None, BASE_PLAN, ("team_size", "P1", None, None), "needs 2 to 2",
            id="too small",
        ),
        pytest.param(
            {"max_reviewers": 1}, TWO_REVIEWERS, plan_of("P1:S1", "P1:S2"),
            ("team_size", "P1", None, None), "has 2 reviewer(s)", id="too big",
        ),
        pytest.param(
            {"needs_lead": True}, None, BASE_PLAN, ("lead", "P1", None, None), "needs a lead",
            id="no lead",
        ),
        pytest.param(
            {}, TWO_REVIEWERS, plan_of("P1:S1", "P1:S2", leads=("P1:S1", "P1:S2")),
            ("lead", "P1", None, None), "2 leads (S1, S2)", id="two leads",
        ),
        pytest.param(
            {}, [staff("S1", "B", lead_reviewer=False)], plan_of("P1:S1", leads=("P1:S1",)),
            ("lead", "P1", "S1", None), "not a lead reviewer", id="lead not a lead reviewer",
        ),
        pytest.param(
            {"needs_sle": True}, None, BASE_PLAN, ("sle", "P1", None, None), "needs an SLE",
            id="no sle",
        ),
        pytest.param(
            {}, None, plan_of("P1:S1", unfilled=("P1",)), ("team_size", "P1", None, None),
            "unfilled but has reviewers: S1", id="unfilled but staffed",
        ),
        pytest.param(
            {}, None, Plan(), ("team_size", "P1", None, None), "not listed as unfilled",
            id="missing from both",
        ),
    ],
)  # fmt: skip
def test_team_forbidden(
    p1: dict[str, Any],
    people: list[Staff] | None,
    plan: Plan,
    expected: tuple[str, str | None, str | None, str | None],
    says: str,
) -> None:
    violations = verify_plan(base_round(p1=p1, people=people), plan)
    assert only(violations) == expected
    assert says in violations[0].message


# --- capacity --------------------------------------------------------------------------------


FOUR_DAYS = {"visits": 2, "visit_days": 2}


def test_capacity_allowed_up_to_max_days() -> None:
    round_ = base_round(p1=FOUR_DAYS, people=[staff("S1", "B", max_days=4)])
    assert verify_plan(round_, BASE_PLAN) == []


def test_capacity_max_days_forbidden() -> None:
    round_ = base_round(p1=FOUR_DAYS, people=[staff("S1", "B", max_days=3)])
    assert only(verify_plan(round_, BASE_PLAN)) == ("capacity", None, "S1", None)


def sle_round(used_days: int, academic_year: str | None = None) -> Round:
    """S1 is an SLE with a 6-day allowance, given 4 days now, with history at school C."""
    used = HistoryEntry(
        round=1, staff_id="S1", host_school_id="C", days=used_days, academic_year=academic_year
    )
    return base_round(
        p1=FOUR_DAYS,
        people=[staff("S1", "B", is_sle=True)],
        history=[used],
        rules={"sle_allowance_days": 6},
    )


@pytest.mark.parametrize(
    ("used_days", "year"),
    [
        pytest.param(2, None, id="allowance reached exactly"),
        pytest.param(9, "2024/25", id="days used in another year"),
    ],
)
def test_capacity_sle_allowance_allowed(used_days: int, year: str | None) -> None:
    assert verify_plan(sle_round(used_days, year), BASE_PLAN) == []


def test_capacity_sle_allowance_forbidden() -> None:
    violations = verify_plan(sle_round(3), BASE_PLAN)
    assert only(violations) == ("sle_allowance", None, "S1", None)
    assert "allowance is 6" in violations[0].message


def own_allowance_round(own: int, used_days: int = 3) -> Round:
    """As sle_round, but S1 has their own allowance (staff.csv sle_allowance_days)."""
    round_ = sle_round(used_days)
    people = tuple(p.model_copy(update={"sle_allowance_days": own}) for p in round_.staff)
    return round_.replace(staff=people)


def test_own_sle_allowance_above_the_rounds_allowed() -> None:
    assert verify_plan(own_allowance_round(7), BASE_PLAN) == []  # 3 + 4 = 7, round's is 6


def test_own_sle_allowance_below_the_rounds_forbidden() -> None:
    violations = verify_plan(own_allowance_round(3, used_days=0), BASE_PLAN)  # 4 <= 6, > 3
    assert only(violations) == ("sle_allowance", None, "S1", None)
    assert "their own SLE allowance is 3" in violations[0].message


# --- release ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("release_days", "broken"), [(2, False), (1, True)])
def test_release(release_days: int, broken: bool) -> None:
    round_ = base_round(
        schools=[school("A"), school("B", lat_offset=0.05, release_days=release_days)],
        people=TWO_REVIEWERS,
    )
    violations = verify_plan(round_, plan_of("P1:S1", "P1:S2"))
    if broken:
        assert only(violations) == ("release", None, None, "B")
    else:
        assert violations == []


# --- travel ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "broken"), [(45, False), (44, True)])
def test_travel(limit: int, broken: bool) -> None:
    # The table gives A to B; the checker must read it both ways.
    table = [TravelTime(from_school_id="A", to_school_id="B", minutes=45)]
    round_ = base_round(travel_times=table, rules={"max_travel_minutes": limit})
    violations = verify_plan(round_, BASE_PLAN)
    if broken:
        assert only(violations) == ("travel", "P1", "S1", "A")
        assert "45 minutes" in violations[0].message
    else:
        assert violations == []


# --- rotation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("served_in", "rotation_rounds", "broken"),
    [
        pytest.param(2, 2, True, id="last round"),
        pytest.param(1, 2, True, id="two rounds ago"),
        pytest.param(1, 1, False, id="two rounds ago, window of one"),
        pytest.param(2, 0, False, id="rotation off"),
        pytest.param(3, 2, False, id="this round's own number is not history"),
    ],
)
def test_rotation(served_in: int, rotation_rounds: int, broken: bool) -> None:
    # The conftest round is number 3.
    served = HistoryEntry(round=served_in, staff_id="S1", host_school_id="A", days=1)
    round_ = base_round(history=[served], rules={"rotation_rounds": rotation_rounds})
    violations = verify_plan(round_, BASE_PLAN)
    if broken:
        assert only(violations) == ("rotation", "P1", "S1", "A")
    else:
        assert violations == []


def test_rotation_only_forbids_the_same_host() -> None:
    served = HistoryEntry(round=2, staff_id="S1", host_school_id="C", days=1)
    assert verify_plan(base_round(history=[served]), BASE_PLAN) == []


# --- no_direct_swap --------------------------------------------------------------------------


def swap_round(**rules: Any) -> Round:
    """A and B each host a project; S1 (from B) and S2 (from A) could review each other."""
    return make_round(
        [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=-0.05)],
        [staff("S1", "B"), staff("S2", "A"), staff("S3", "C")],
        [project("P1", "A"), project("P2", "B"), project("P3", "C")],
        rules=rules,
    )


def test_no_direct_swap_allows_a_cycle_of_three() -> None:
    plan = plan_of("P1:S1", "P2:S3", "P3:S2")
    assert verify_plan(swap_round(), plan) == []


def test_no_direct_swap_can_be_switched_off() -> None:
    plan = plan_of("P1:S1", "P2:S2", unfilled=("P3",))
    assert verify_plan(swap_round(no_direct_swap=False), plan) == []


def test_no_direct_swap_forbidden() -> None:
    plan = plan_of("P1:S1", "P2:S2", unfilled=("P3",))
    violations = verify_plan(swap_round(), plan)
    assert only(violations) == ("no_direct_swap", None, None, "A")
    assert violations[0].message == (
        "A and B review each other: A sends S2 on P2 and B sends S1 on P1"
    )


# --- structural ------------------------------------------------------------------------------


def test_unknown_project_forbidden() -> None:
    violations = verify_plan(base_round(), plan_of("P1:S1", "P9:S1"))
    assert only(violations) == ("unknown_project", "P9", "S1", None)


def test_unknown_project_listed_as_unfilled_forbidden() -> None:
    violations = verify_plan(base_round(), plan_of("P1:S1", unfilled=("P9",)))
    assert only(violations) == ("unknown_project", "P9", None, None)


def test_unknown_staff_forbidden() -> None:
    violations = verify_plan(base_round(), plan_of("P1:S1", "P1:S9"))
    assert only(violations) == ("unknown_staff", "P1", "S9", None)


def test_unknown_school_forbidden() -> None:
    # The loader should never let this through; the checker still says why it cannot check.
    round_ = base_round(people=[staff("S1", "Z")])
    assert only(verify_plan(round_, BASE_PLAN)) == ("unknown_school", None, "S1", "Z")


def test_unknown_school_reported_once_however_many_assignments_touch_it() -> None:
    round_ = make_round(
        [school("A")],
        [staff("S1", "Z"), staff("S2", "Z")],
        [project("P1", "A", min_reviewers=2), project("P2", "Y")],
    )
    violations = verify_plan(round_, plan_of("P1:S1", "P1:S2", "P2:S1"))
    assert [(v.rule, v.project_id, v.staff_id, v.school_id) for v in violations] == [
        ("unknown_school", None, "S1", "Z"),
        ("unknown_school", None, "S2", "Z"),
        ("unknown_school", "P2", None, "Y"),
    ]


def test_duplicate_assignment_forbidden() -> None:
    violations = verify_plan(base_round(), plan_of("P1:S1", "P1:S1"))
    assert only(violations) == ("duplicate", "P1", "S1", None)


def test_duplicate_unfilled_forbidden() -> None:
    violations = verify_plan(base_round(), plan_of(unfilled=("P1", "P1")))
    assert only(violations) == ("duplicate", "P1", None, None)


# --- the report as a whole -------------------------------------------------------------------


def messy() -> tuple[Round, Plan]:
    """A round and plan that break many rules at once."""
    round_ = make_round(
        [school("A", trust="T"), school("B", trust="T", lat_offset=0.9)],
        [staff("S1", "B", max_days=0), staff("S2", "A", lead_reviewer=False)],
        [project("P1", "A", area="maths", needs_sle=True), project("P2", "B"), project("P3", "A")],
    )
    plan = plan_of("P1:S1", "P2:S2", "P1:S2", "P9:S1", leads=("P1:S2",))
    return round_, plan


def test_violations_come_in_rule_order_whatever_the_plan_order() -> None:
    round_, plan = messy()
    violations = verify_plan(round_, plan)
    reversed_plan = plan.model_copy(update={"assignments": plan.assignments[::-1]})
    assert verify_plan(round_, reversed_plan) == violations
    ranks = [RULES.index(v.rule) for v in violations]
    assert ranks == sorted(ranks)
    assert {v.rule for v in violations} >= {"own_school", "expertise_area", "team_size", "travel"}


def test_messages_name_ids_never_names_or_emails() -> None:
    round_, plan = messy()
    for v in verify_plan(round_, plan):
        assert "Person" not in v.message and "@" not in v.message
        assert str(v) == f"{v.rule}: {v.message}"


# --- school_rotation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "window", "broken"),
    [
        pytest.param({"staff_id": "S9", "host_school_id": "A"}, 2, True, id="B reviewed A"),
        pytest.param(
            {"staff_id": "S8", "host_school_id": "B"}, 2, True, id="A reviewed B: either way"
        ),
        pytest.param({"staff_id": "S9", "host_school_id": "A"}, 0, False, id="rule off"),
        pytest.param({"staff_id": "S9", "host_school_id": "C"}, 2, False, id="another host"),
        pytest.param(
            {"staff_id": "S9", "host_school_id": "A", "school_id": "C"},
            2,
            False,
            id="the reviewer came from C then",
        ),
    ],
)
def test_school_rotation(row: dict[str, str], window: int, broken: bool) -> None:
    # S9 works at B and S8 at A (staff.csv); the conftest round is number 3.
    served = HistoryEntry(round=2, days=1, **row)
    round_ = base_round(
        schools=[school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.02)],
        people=[staff("S1", "B"), staff("S9", "B"), staff("S8", "A")],
        history=[served],
        rules={"school_rotation_rounds": window},
    )
    violations = verify_plan(round_, BASE_PLAN)
    if broken:
        assert only(violations) == ("school_rotation", "P1", "S1", "A")
        assert "reviewed each other in round 2" in violations[0].message
    else:
        assert violations == []


@pytest.mark.parametrize(("served_in", "broken"), [(2, True), (1, False)])
def test_school_rotation_window_counts_back_from_this_round(served_in: int, broken: bool) -> None:
    served = HistoryEntry(round=served_in, staff_id="S1", host_school_id="A", days=1)
    round_ = base_round(history=[served], rules={"school_rotation_rounds": 1, "rotation_rounds": 0})
    assert bool(verify_plan(round_, BASE_PLAN)) is broken


# --- cover_budget ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "broken"), [(360.0, False), (359.99, True), (None, False), (0.0, True)]
)
def test_cover_budget(budget: float | None, broken: bool) -> None:
    # Two staff-days out of primary school B at the default 180 a day: 360.
    round_ = base_round(
        schools=[school("A"), school("B", lat_offset=0.05, cover_budget=budget)],
        people=TWO_REVIEWERS,
    )
    violations = verify_plan(round_, plan_of("P1:S1", "P1:S2"))
    if broken:
        assert only(violations) == ("cover_budget", None, None, "B")
        assert "a cover cost of 360" in violations[0].message
    else:
        assert violations == []


def test_cover_budget_costs_the_schools_own_phase() -> None:
    # Secondary at 220 a day: 2 days cost 440, over a budget that would cover a primary's 360.
    secondary = school("B", lat_offset=0.05, cover_budget=400, phase="secondary")
    people = [staff(s, "B", phases={"primary", "secondary"}) for s in ("S1", "S2")]
    round_ = base_round(schools=[school("A"), secondary], people=people)
    assert only(verify_plan(round_, plan_of("P1:S1", "P1:S2")))[0] == "cover_budget"
