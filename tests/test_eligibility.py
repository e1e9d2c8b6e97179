"""Pair rules: for each, one pair it allows and one it forbids."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_round, project, school, staff
from hypothesis import given, settings, strategies as st
from test_properties import rounds

from matcher.model import Conflict, HistoryEntry, Round
from solvers.matching.eligibility import PAIR_RULES, PairContext, PairRule, is_eligible
from solvers.matching.encode import candidate_pairs, encode, expertise_fit


def rule(name: str) -> PairRule:
    return next(r for r in PAIR_RULES if r.name == name)


def check(round_: Round, rule_name: str) -> bool:
    ctx = PairContext.of(round_)
    return rule(rule_name).check(ctx, round_.staff[0], round_.projects[0])


def base(**changes: Any) -> Round:
    schools = changes.pop("schools", [school("A"), school("B", lat_offset=0.05)])
    person = changes.pop("person", staff("S1", "B"))
    proj = changes.pop("project", project("P1", "A"))
    return make_round(schools, [person], [proj], **changes)


def test_area_allows_matching_specialism_case_insensitively() -> None:
    assert check(
        base(
            person=staff("S1", "B", specialisms={"KS2  Maths"}),
            project=project("P1", "A", area="ks2 maths"),
        ),
        "expertise_area",
    )


def test_area_forbids_other_specialism() -> None:
    assert not check(base(person=staff("S1", "B", specialisms={"homework"})), "expertise_area")


def test_area_allows_one_of_several_areas_and_forbids_none() -> None:
    two = project("P1", "A", area="oracy;KS2 Maths")
    maths = staff("S1", "B", specialisms={"ks2 maths"})
    assert check(base(person=maths, project=two), "expertise_area")
    homework = staff("S1", "B", specialisms={"homework"})
    assert not check(base(person=homework, project=two), "expertise_area")


def test_area_masks_say_which_of_the_areas_each_candidate_has() -> None:
    round_ = make_round(
        [school("A"), school("B", lat_offset=0.05)],
        [
            staff("S1", "B", specialisms={"maths"}),
            staff("S2", "B", specialisms={"oracy", "maths"}),
            staff("S3", "B", specialisms={"homework"}),
        ],
        [project("P1", "A", area="oracy;maths"), project("P2", "B", area="oracy")],
    )
    problem = encode(round_)
    assert [problem.staff_ids[i] for i in problem.pair_staff] == ["S1", "S2"]
    assert problem.pair_area_mask is not None and problem.project_area_count is not None
    assert problem.pair_area_mask.tolist() == [0b10, 0b11]
    assert problem.project_area_count.tolist() == [2, 1]
    assert problem.areas_missing(0, [0]) == [0b01] and problem.covers_areas(0, [1])
    single = encode(
        make_round(
            [school("A"), school("B", lat_offset=0.05)], [staff("S1", "B")], [project("P1", "A")]
        )
    )
    assert single.pair_area_mask is None and single.project_area_count is None


def test_phase_allows_and_forbids() -> None:
    assert check(base(), "expertise_phase")
    assert not check(base(person=staff("S1", "B", phases={"secondary"})), "expertise_phase")


def test_own_school_forbidden() -> None:
    assert check(base(), "own_school")
    assert not check(base(person=staff("S1", "A")), "own_school")


def test_declared_conflict_forbidden() -> None:
    assert check(base(conflicts=[Conflict(staff_id="S1", school_id="B", reason="x")]), "conflict")
    assert not check(
        base(conflicts=[Conflict(staff_id="S1", school_id="A", reason="governor")]), "conflict"
    )


def test_same_trust_forbidden_unless_allowed() -> None:
    trusted = [school("A", trust="Oak Trust"), school("B", lat_offset=0.05, trust="Oak Trust")]
    other = [school("A", trust="Oak Trust"), school("B", lat_offset=0.05, trust="Elm Trust")]
    assert check(base(schools=other), "same_trust")
    assert not check(base(schools=trusted), "same_trust")
    assert check(base(schools=trusted, rules={"same_trust": "allow"}), "same_trust")


def test_standalone_schools_never_share_a_trust() -> None:
    assert check(base(), "same_trust")


@pytest.mark.parametrize(
    ("served_in_round", "allowed"),
    [(2, False), (1, False), (0, True)],  # current round is 3, rotation_rounds 2
)
def test_rotation_forbids_recent_hosts(served_in_round: int, allowed: bool) -> None:
    history = [HistoryEntry(round=served_in_round, staff_id="S1", host_school_id="A", days=2)]
    assert check(base(history=history), "rotation") is allowed


def test_travel_limit() -> None:
    near = base()  # about 5.5 km apart
    far = base(schools=[school("A"), school("B", lat_offset=0.5)])  # about 55 km
    assert check(near, "travel")
    assert not check(far, "travel")
    assert check(
        far.replace(
            settings=far.settings.model_copy(
                update={"rules": far.settings.rules.model_copy(update={"max_travel_minutes": 500})}
            )
        ),
        "travel",
    )


def test_candidate_pairs_are_exactly_the_eligible_ones() -> None:
    round_ = make_round(
        [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.02)],
        [staff("S1", "B"), staff("S2", "A"), staff("S3", "C", specialisms={"homework"})],
        [project("P1", "A"), project("P2", "B"), project("P3", "C", area="homework")],
    )
    ctx = PairContext.of(round_)
    expected = {
        (s.staff_id, p.project_id)
        for s in round_.staff
        for p in round_.projects
        if is_eligible(ctx, s, p)
    }
    found = {(s.staff_id, p.project_id) for s, p in candidate_pairs(ctx)}
    assert found == expected == {("S1", "P1"), ("S2", "P2")}


@settings(max_examples=80, deadline=None)
@given(rounds(), st.booleans())
def test_vectorised_screen_agrees_with_the_pair_rules(round_: Round, near_limit: bool) -> None:
    """The numpy screen used for large rounds gives exactly the pair-by-pair answer."""
    if near_limit:  # put many pairs right at the travel limit, where rounding could differ
        minutes = round_.travel_minutes(round_.schools[0].school_id, round_.schools[-1].school_id)
        round_ = round_.replace(
            settings=round_.settings.model_copy(
                update={
                    "rules": round_.settings.rules.model_copy(
                        update={"max_travel_minutes": minutes}
                    )
                }
            )
        )
    ctx = PairContext.of(round_)
    expected = {
        (s.staff_id, p.project_id)
        for s in round_.staff
        for p in round_.projects
        if is_eligible(ctx, s, p)
    }
    found = {(s.staff_id, p.project_id) for s, p in candidate_pairs(ctx)}
    assert found == expected


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_encoded_pair_costs_match_their_definitions(round_: Round) -> None:
    """Travel x days, expertise fit and preference per pair, as docs/model.md defines them."""
    problem = encode(round_)
    preference = {(p.staff_id, p.project_id): p.preference for p in round_.preferences}
    for k in range(problem.n_pairs):
        person = round_.staff[int(problem.pair_staff[k])]
        proj = round_.projects[int(problem.pair_project[k])]
        days = proj.visits * proj.visit_days
        minutes = round_.travel_minutes(person.school_id, proj.host_school_id)
        assert problem.pair_travel[k] == minutes * days
        assert problem.pair_fit[k] == expertise_fit(round_, person, proj)
        assert problem.pair_preference[k] == preference.get((person.staff_id, proj.project_id), 0)


@pytest.mark.parametrize(
    ("row", "window", "allowed"),
    [
        ({"staff_id": "S9", "host_school_id": "A"}, 2, False),  # B reviewed A last round
        ({"staff_id": "S8", "host_school_id": "B"}, 2, False),  # A reviewed B: either way
        ({"staff_id": "S9", "host_school_id": "A"}, 0, True),  # the rule is off by default
        ({"staff_id": "S9", "host_school_id": "A", "school_id": "C"}, 2, True),  # S9 was at C
    ],
)
def test_school_rotation_forbids_schools_that_reviewed_each_other(
    row: dict[str, str], window: int, allowed: bool
) -> None:
    round_ = make_round(
        [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.02)],
        [staff("S1", "B"), staff("S9", "B"), staff("S8", "A")],
        [project("P1", "A")],
        history=[HistoryEntry(round=2, days=1, **row)],
        rules={"school_rotation_rounds": window},
    )
    assert check(round_, "school_rotation") is allowed
    # The vectorised screen the encoder uses says the same.
    assert (
        ("S1", "P1")
        in {(s.staff_id, p.project_id) for s, p in candidate_pairs(PairContext.of(round_))}
    ) is allowed
