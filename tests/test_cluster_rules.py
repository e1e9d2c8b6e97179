"""Each cluster pair rule allows one pair and forbids another; each soft term prices a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster_regions import minutes_for_km, place, region

from matcher.io import load_round
from matcher.synth.cohort import generate_round
from solvers.clusters.encode import encode_clusters, near_pairs
from solvers.clusters.rules import (
    CLUSTER_PAIR_RULES,
    allowed_pairs,
    mix_breaches,
    repeated_pairs,
    school_graph,
)


def allowed(round_, a: str, b: str) -> bool:
    problem = encode_clusters(round_)
    index = {s: i for i, s in enumerate(problem.school_ids)}
    pairs = set(zip(*allowed_pairs(problem)[:2], strict=True))
    i, j = sorted((index[a], index[b]))
    return (i, j) in pairs


def test_every_rule_is_hard_and_documented() -> None:
    for rule in CLUSTER_PAIR_RULES:
        assert (rule.allows.__doc__ or "").startswith("Hard"), rule.name


def test_travel_allows_a_near_pair_and_forbids_a_far_one() -> None:
    # 5 km is 18 minutes, 20 km is 57: a 45-minute limit takes the first only.
    round_ = region([place("A", 0), place("B", 5), place("C", 20)], max_travel_minutes=45)
    assert minutes_for_km(5) == 18 and minutes_for_km(20) == 57
    assert allowed(round_, "A", "B")
    assert not allowed(round_, "A", "C")


def test_travel_uses_the_longer_way_of_a_travel_table() -> None:
    round_ = region([place("A", 0), place("B", 1)], max_travel_minutes=30)
    slow_back = round_.replace(
        travel_times=({"from_school_id": "B", "to_school_id": "A", "minutes": 40},)
    )
    assert allowed(round_, "A", "B")
    assert not allowed(slow_back, "A", "B")


def test_trust_rule_forbids_two_schools_of_one_trust() -> None:
    schools = [place("A", 0, trust="Oak"), place("B", 1, trust="Oak"), place("C", 2)]
    assert not allowed(region(schools), "A", "B")
    assert allowed(region(schools), "A", "C")
    assert allowed(region(schools, trust="allow"), "A", "B")


def test_phase_rule_same_forbids_mixed_phases() -> None:
    schools = [place("A", 0), place("B", 1, phase="secondary"), place("C", 2)]
    assert not allowed(region(schools, phase="same"), "A", "B")
    assert allowed(region(schools, phase="same"), "A", "C")
    assert allowed(region(schools, phase="mixed"), "A", "B")


def test_pinned_schools_pair_with_nobody_new() -> None:
    schools = [place(s, k) for k, s in enumerate("ABCD")]
    round_ = region(schools, clusters=[("P", "A", True), ("P", "B", True), ("P", "C", True)])
    assert not allowed(round_, "A", "D")
    graph = school_graph(encode_clusters(round_))
    assert sorted(graph.nodes) == [3]  # only D is free


def test_last_years_rows_do_not_pin() -> None:
    schools = [place(s, k) for k, s in enumerate("ABC")]
    round_ = region(schools, clusters=[("Old", "A", False), ("Old", "B", False)])
    assert allowed(round_, "A", "B")


def test_repeated_pairs_counts_pairs_from_last_years_clusters() -> None:
    schools = [place(s, k) for k, s in enumerate("ABCD")]
    problem = encode_clusters(
        region(schools, clusters=[("Old", "A", False), ("Old", "B", False), ("Old", "C", False)])
    )
    assert repeated_pairs(problem, [0, 1, 3]) == 1  # A-B together again
    assert repeated_pairs(problem, [0, 1, 2]) == 3
    assert repeated_pairs(problem, [0, 3]) == 0


@pytest.mark.parametrize(
    ("ratings", "breaches"),
    [
        (["needs_improvement", "secure", "secure"], 0),
        (["needs_improvement", "needs_improvement", "secure"], 1),
        ([None, None, None], 0),
    ],
)
def test_mix_counts_weak_schools_over_the_limit(ratings: list[str | None], breaches: int) -> None:
    schools = [place(s, k, rating=r) for k, (s, r) in enumerate(zip("ABC", ratings, strict=True))]
    problem = encode_clusters(region(schools, max_weak_per_cluster=1))
    assert mix_breaches(problem, [0, 1, 2]) == breaches


def test_mix_counts_missing_strong_schools() -> None:
    schools = [place("A", 0, rating="strong"), place("B", 1, rating="secure"), place("C", 2)]
    problem = encode_clusters(region(schools, min_strong_per_cluster=1))
    assert mix_breaches(problem, [0, 1, 2]) == 0
    assert mix_breaches(problem, [1, 2]) == 1


@pytest.mark.parametrize("source", ["grid", "latlon"])
def test_near_pairs_are_exactly_the_pairs_within_the_limit(source: str) -> None:
    if source == "grid":
        round_ = generate_round(schools=120, seed=5)
    else:
        round_ = load_round(Path(__file__).resolve().parent.parent / "data/samples/alliance")
    ids = [s.school_id for s in round_.schools]
    limit = 25
    expected = {
        (a, b)
        for a in range(len(ids))
        for b in range(a + 1, len(ids))
        if max(round_.travel_minutes(ids[a], ids[b]), round_.travel_minutes(ids[b], ids[a]))
        <= limit
    }
    a, b, _ = near_pairs(round_, limit)
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == expected
