"""matcher.form_clusters: pinned clusters kept, reasons for schools left out, rotation, mix, hubs.

Every plan made here has already passed the independent checker inside form_clusters (it
raises ClusterCheckError otherwise); the tests look at what the plan chose.
"""

from __future__ import annotations

import pytest
from cluster_regions import members_of, place, region, two_towns
from hypothesis import HealthCheck, given, settings, strategies as st

import matcher
from matcher.clusters import ClusterSettingsError, form_clusters
from matcher.model import Round
from matcher.synth.cohort import generate_round
from matcher.verify_clusters import verify_clusters


def test_two_towns_make_two_clusters_proven_optimal() -> None:
    outcome = form_clusters(two_towns(), time_limit=5)
    assert members_of(outcome.plan.clusters()) == {
        frozenset({"A1", "A2", "A3"}),
        frozenset({"B1", "B2", "B3"}),
    }
    assert outcome.result.status == "OPTIMAL"
    assert outcome.result.gap == 0
    assert outcome.plan.left_out == ()


def test_pinned_cluster_is_kept_exactly_and_others_are_formed() -> None:
    schools = [place(s, k) for k, s in enumerate("ABCDEF")]
    # A, D and F are not the nearest three, but a pinned cluster is kept as it was.
    pinned = [("Keep", "A", True), ("Keep", "D", True), ("Keep", "F", True)]
    outcome = form_clusters(region(schools, clusters=pinned), time_limit=5)
    clusters = outcome.plan.clusters()
    assert set(clusters["Keep"]) == {"A", "D", "F"}
    assert members_of(clusters) == {frozenset("ADF"), frozenset("BCE")}
    assert [m.pinned for m in outcome.plan.members if m.cluster_id == "Keep"] == [True] * 3


def test_an_isolated_school_is_left_out_with_the_reason() -> None:
    schools = [place("A", 0), place("B", 1), place("C", 2), place("Far", 60)]
    outcome = form_clusters(region(schools, max_travel_minutes=45), time_limit=5)
    (left,) = outcome.plan.left_out
    assert left.school_id == "Far"
    assert "no other school(s) are within 45 minutes' travel" in left.reason


def test_a_school_whose_neighbours_share_its_trust_is_left_out_naming_the_trust() -> None:
    schools = [
        place("A", 0, trust="Oak"),
        place("B", 1, trust="Oak"),
        place("C", 2, trust="Oak"),
        place("D", 30),
    ]
    outcome = form_clusters(region(schools, max_travel_minutes=20), time_limit=5)
    reasons = {left.school_id: left.reason for left in outcome.plan.left_out}
    assert set(reasons) == {"A", "B", "C", "D"}
    assert "none of them are outside its trust" in reasons["A"]


def test_rotation_moves_schools_away_from_last_years_partners() -> None:
    schools = [place(s, k * 0.5) for k, s in enumerate("ABCDEF")]
    last_year = [("Old1", s, False) for s in "ABC"] + [("Old2", s, False) for s in "DEF"]
    kept = form_clusters(region(schools, clusters=last_year, rotate=0), time_limit=5)
    moved = form_clusters(region(schools, clusters=last_year, rotate=100), time_limit=5)
    assert members_of(kept.plan.clusters()) == {frozenset("ABC"), frozenset("DEF")}
    assert all(s.repeated_pairs <= 1 for s in moved.stats)
    assert moved.result.terms["rotation"].value == 2


def test_mix_keeps_two_weak_schools_apart() -> None:
    schools = [
        place("W1", 0, rating="needs_improvement"),
        place("W2", 0.5, rating="needs_improvement"),
        place("A", 1),
        place("B", 10),
        place("C", 10.5),
        place("D", 11),
    ]
    free = form_clusters(region(schools, max_size=3, mix_penalty=0), time_limit=5)
    assert frozenset({"W1", "W2", "A"}) in members_of(free.plan.clusters())
    outcome = form_clusters(region(schools, max_size=3), time_limit=5)
    for schools_in in outcome.plan.clusters().values():
        assert not {"W1", "W2"} <= set(schools_in)
    assert outcome.result.terms["mix"].value == 0


def test_review_rotation_is_a_cycle_in_every_cluster() -> None:
    outcome = form_clusters(two_towns(), time_limit=5)
    for cluster_id, schools in outcome.plan.clusters().items():
        arcs = [
            (e.reviewing_school_id, e.host_school_id)
            for e in outcome.plan.rotation
            if e.cluster_id == cluster_id
        ]
        assert sorted(a for a, _ in arcs) == sorted(schools)
        assert sorted(b for _, b in arcs) == sorted(schools)
        assert not any((b, a) in arcs for a, b in arcs)


def test_hubs_attach_each_town_to_one_hub() -> None:
    outcome = form_clusters(two_towns(mode="hub", hub_capacity=3), time_limit=5)
    clusters = outcome.plan.clusters()
    assert members_of(clusters) == {frozenset({"A1", "A2", "A3"}), frozenset({"B1", "B2", "B3"})}
    hubs = {m.school_id for m in outcome.plan.members if m.hub}
    assert hubs == {"A2", "B2"}  # the middle school of each town is nearest to the others


def test_too_many_hubs_is_a_settings_problem() -> None:
    with pytest.raises(ClusterSettingsError, match=r"clusters\.hubs"):
        form_clusters(two_towns(mode="hub", hubs=3), time_limit=5)


def test_a_generated_region_passes_the_checker() -> None:
    round_ = generate_round(schools=60, seed=2)
    outcome = form_clusters(round_, time_limit=4, seed=1)
    assert verify_clusters(round_, outcome.plan) == []
    clustered = sum(len(c) for c in outcome.plan.clusters().values())
    assert clustered + len(outcome.plan.left_out) == 60
    assert outcome.result.bound is not None
    assert outcome.result.objective is not None
    assert outcome.result.bound <= outcome.result.objective


def test_form_clusters_is_in_the_public_api() -> None:
    assert matcher.form_clusters is form_clusters


@st.composite
def small_regions(draw: st.DrawFn) -> Round:
    """Up to 12 schools within 15 km, random trusts, phases, ratings and settings."""
    count = draw(st.integers(min_value=1, max_value=12))
    schools = [
        place(
            f"S{k}",
            draw(st.floats(min_value=0, max_value=15)),
            draw(st.floats(min_value=0, max_value=15)),
            phase=draw(st.sampled_from(["primary", "secondary"])),
            trust=draw(st.sampled_from([None, "Oak", "Elm"])),
            rating=draw(st.sampled_from([None, "strong", "secure", "needs_improvement"])),
        )
        for k in range(count)
    ]
    low = draw(st.integers(min_value=3, max_value=4))
    return region(
        schools,
        min_size=low,
        max_size=draw(st.integers(min_value=low, max_value=5)),
        max_travel_minutes=draw(st.integers(min_value=10, max_value=60)),
        phase=draw(st.sampled_from(["same", "mixed"])),
        trust=draw(st.sampled_from(["forbid_shared", "allow"])),
        mode=draw(st.sampled_from(["partition", "partition", "hub"])),
        hub_capacity=5,
        min_strong_per_cluster=draw(st.integers(min_value=0, max_value=1)),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_regions())
def test_random_regions_keep_every_rule_and_explain_every_school_left_out(round_: Round) -> None:
    outcome = form_clusters(round_, time_limit=2, seed=0)
    assert verify_clusters(round_, outcome.plan) == []
    assert all(left.reason for left in outcome.plan.left_out)
    assert outcome.result.bound is not None and outcome.result.objective is not None
    assert outcome.result.bound <= outcome.result.objective
