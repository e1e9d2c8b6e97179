"""The independent cluster checker: each rule passes a valid plan and flags a broken one."""

from __future__ import annotations

from cluster_regions import place, region, two_towns

from matcher.model import ClusterMember, ClusterPlan, LeftOutSchool, RotationEdge, Round
from matcher.verify_clusters import CHECKS, verify_clusters


def plan_of(
    clusters: dict[str, list[str]],
    *,
    hubs: set[str] = frozenset(),  # type: ignore[assignment]
    pinned: set[str] = frozenset(),  # type: ignore[assignment]
    left: list[str] = (),  # type: ignore[assignment]
    rotation: list[tuple[str, str, str]] | None = None,
) -> ClusterPlan:
    """A plan; rotation defaults to the cycle through each cluster in the order given."""
    members = [
        ClusterMember(cluster_id=c, school_id=s, hub=s in hubs, pinned=c in pinned)
        for c, schools in clusters.items()
        for s in schools
    ]
    if rotation is None:
        rotation = [
            (c, schools[k], schools[(k + 1) % len(schools)])
            for c, schools in clusters.items()
            if len(schools) >= 3
            for k in range(len(schools))
        ]
    return ClusterPlan(
        members=tuple(members),
        rotation=tuple(
            RotationEdge(cluster_id=c, reviewing_school_id=a, host_school_id=b)
            for c, a, b in rotation
        ),
        left_out=tuple(LeftOutSchool(school_id=s, reason="test") for s in left),
    )


def rules(round_: Round, plan: ClusterPlan) -> list[str]:
    return [v.rule for v in verify_clusters(round_, plan)]


GOOD = {"K1": ["A1", "A2", "A3"], "K2": ["B1", "B2", "B3"]}


def test_every_rule_is_hard_and_documented() -> None:
    for _name, check in CHECKS:
        assert (check.__doc__ or "").startswith("Hard"), _name


def test_a_valid_plan_passes() -> None:
    assert verify_clusters(two_towns(), plan_of(GOOD)) == []


def test_unknown_school() -> None:
    plan = plan_of({**GOOD, "K3": ["X1", "X2", "X3"]})
    assert "unknown_school" in rules(two_towns(), plan)


def test_each_school_once() -> None:
    assert rules(two_towns(), plan_of({"K1": ["A1", "A2", "A3"]})) == ["each_school_once"] * 3
    assert rules(two_towns(), plan_of({"K1": ["A1", "A2", "A3"]}, left=["B1", "B2", "B3"])) == []
    doubled = plan_of(GOOD, left=["A1"])
    assert rules(two_towns(), doubled) == ["each_school_once"]


def test_pinned_kept() -> None:
    round_ = two_towns(clusters=[("P", "A1", True), ("P", "A2", True), ("P", "B1", True)])
    kept = plan_of({"P": ["A1", "A2", "B1"], "K2": ["A3", "B2", "B3"]}, pinned={"P"})
    changed = plan_of({"P": ["A1", "A2", "A3"], "K2": ["B1", "B2", "B3"]}, pinned={"P"})
    assert "pinned_kept" not in rules(round_, kept)
    assert "pinned_kept" in rules(round_, changed)


def test_pinned_clusters_are_exempt_from_travel() -> None:
    round_ = two_towns(clusters=[("P", "A1", True), ("P", "A2", True), ("P", "B1", True)])
    kept = plan_of({"P": ["A1", "A2", "B1"], "K2": ["A3", "B2", "B3"]}, pinned={"P"})
    # K2 is formed and spans both towns: only it breaks the travel rule.
    assert [v.cluster_id for v in verify_clusters(round_, kept) if v.rule == "travel"] == ["K2"] * 2


def test_size() -> None:
    schools = [place(s, k) for k, s in enumerate("ABCDEFG")]
    round_ = region(schools, min_size=3, max_size=3)
    assert rules(round_, plan_of({"K1": ["A", "B", "C"], "K2": ["D", "E", "F"]}, left=["G"])) == []
    assert rules(round_, plan_of({"K1": ["A", "B", "C", "D"], "K2": ["E", "F", "G"]})) == ["size"]


def test_travel() -> None:
    mixed = plan_of({"K1": ["A1", "A2", "B3"], "K2": ["B1", "B2", "A3"]})
    assert set(rules(two_towns(), mixed)) == {"travel"}


def test_travel_in_hub_mode_is_to_the_hub() -> None:
    round_ = region(
        [place("H", 0), place("X", -10), place("Y", 10)], mode="hub", max_travel_minutes=40
    )
    # X and Y are 20 km apart (57 minutes), but each is 10 km (31 minutes) from the hub.
    assert rules(round_, plan_of({"K1": ["H", "X", "Y"]}, hubs={"H"})) == []
    assert rules(round_, plan_of({"K1": ["X", "H", "Y"]}, hubs={"X"})) == ["travel"]


def test_trust() -> None:
    schools = [place("A", 0, trust="Oak"), place("B", 1, trust="Oak"), place("C", 2)]
    plan = plan_of({"K1": ["A", "B", "C"]})
    assert rules(region(schools), plan) == ["trust"]
    assert rules(region(schools, trust="allow"), plan) == []


def test_phase() -> None:
    schools = [place("A", 0), place("B", 1, phase="secondary"), place("C", 2)]
    plan = plan_of({"K1": ["A", "B", "C"]})
    assert rules(region(schools, phase="same"), plan) == ["phase"]
    assert rules(region(schools, phase="mixed"), plan) == []


def test_hub() -> None:
    hub_round = two_towns(mode="hub")
    assert rules(hub_round, plan_of(GOOD, hubs={"A2", "B2"})) == []
    assert rules(hub_round, plan_of(GOOD, hubs={"A2"})) == ["hub"]
    assert rules(two_towns(), plan_of(GOOD, hubs={"A2"})) == ["hub"]


def test_rotation_must_be_one_cycle_without_swaps() -> None:
    round_ = two_towns()
    swap = [("K1", "A1", "A2"), ("K1", "A2", "A1"), ("K1", "A3", "A3")]
    missing = [("K1", "A1", "A2"), ("K1", "A2", "A3")]
    outside = [("K1", "A1", "B1"), ("K1", "B1", "A2"), ("K1", "A2", "A1")]
    cycle_b = [("K2", "B1", "B2"), ("K2", "B2", "B3"), ("K2", "B3", "B1")]
    for bad in (swap, missing, outside):
        assert "rotation" in rules(round_, plan_of(GOOD, rotation=bad + cycle_b))
    four = region([place(s, k) for k, s in enumerate("ABCD")])
    two_cycles = [("K1", "A", "B"), ("K1", "B", "A"), ("K1", "C", "D"), ("K1", "D", "C")]
    assert rules(four, plan_of({"K1": ["A", "B", "C", "D"]}, rotation=two_cycles)) == ["rotation"]
