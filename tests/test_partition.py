"""The partition solver against brute force, on regions small enough to list every partition."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest
from cluster_regions import place, region

from matcher.model import Round
from solvers.clusters.encode import encode_clusters
from solvers.clusters.partition import LEAVE_OUT_PENALTY, Progress, solve_partition
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions


def partitions(items: list[int], low: int, high: int) -> Iterator[list[tuple[int, ...]]]:
    """Every split of ``items`` into groups of low..high (the first item anchors a group)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for size in range(low, high + 1):
        for others in itertools.combinations(rest, size - 1):
            remaining = [i for i in rest if i not in others]
            for tail in partitions(remaining, low, high):
                yield [(first, *others), *tail]


def scattered(count: int, seed: int, span_km: float = 8.0) -> Round:
    rng = random.Random(seed)
    schools = [
        place(f"S{k}", rng.uniform(0, span_km), rng.uniform(0, span_km)) for k in range(count)
    ]
    return region(schools, max_travel_minutes=120)


def cost(round_: Round, groups: list[tuple[int, ...]], *, worst: bool = False) -> int:
    ids = [s.school_id for s in round_.schools]

    def journey(a: int, b: int) -> int:
        return max(round_.travel_minutes(ids[a], ids[b]), round_.travel_minutes(ids[b], ids[a]))

    per_group = [[journey(a, b) for a, b in itertools.combinations(g, 2)] for g in groups]
    if worst:
        return max(max(j) for j in per_group)
    return sum(sum(j) for j in per_group)


@pytest.mark.parametrize(("count", "seed"), [(7, 1), (9, 2), (10, 3)])
def test_total_travel_equals_brute_force(count: int, seed: int) -> None:
    round_ = scattered(count, seed)
    best = min(cost(round_, p) for p in partitions(list(range(count)), 3, 4))
    solution = solve_partition(encode_clusters(round_), Budget(10), options=SolveOptions(seed=0))
    assert solution.objective == best
    assert solution.bound == best  # proven, not only found
    assert solution.status == "OPTIMAL"
    assert sorted(s for c in solution.clusters for s in c) == list(range(count))


def test_worst_journey_equals_brute_force() -> None:
    round_ = scattered(9, 5)
    worst_round = round_.replace(
        settings=round_.settings.model_copy(
            update={"clusters": round_.settings.clusters.model_copy(update={"objective": "worst"})}
        )
    )
    best = min(cost(round_, p, worst=True) for p in partitions(list(range(9)), 3, 4))
    solution = solve_partition(
        encode_clusters(worst_round), Budget(10), options=SolveOptions(seed=0)
    )
    assert solution.objective == best
    assert solution.bound <= best


def test_a_school_that_fits_no_cluster_is_set_aside() -> None:
    schools = [place("A", 0), place("B", 1), place("C", 2), place("Far", 80)]
    solution = solve_partition(encode_clusters(region(schools)), Budget(5))
    assert solution.fixed_left_out == (3,)
    assert solution.clusters == ((0, 1, 2),)


def test_five_close_schools_leave_two_out_when_clusters_must_be_triads() -> None:
    schools = [place(s, k) for k, s in enumerate("ABCDE")]
    solution = solve_partition(encode_clusters(region(schools, max_size=3)), Budget(5))
    assert len(solution.clusters) == 1
    assert len(solution.left_out) == 2
    assert solution.objective >= 2 * LEAVE_OUT_PENALTY


def test_progress_reports_travel_and_the_schools_left_out_apart() -> None:
    schools = [place(s, k) for k, s in enumerate("ABCDE")]
    steps: list[Progress] = []
    solution = solve_partition(
        encode_clusters(region(schools, max_size=3)), Budget(5), progress=steps.append
    )
    (step,) = steps
    assert step.left_out == 2
    assert step.objective == solution.objective - 2 * LEAVE_OUT_PENALTY  # travel alone
    assert 0 <= step.bound <= step.objective


def test_same_seed_same_clusters() -> None:
    round_ = scattered(10, 8)
    first = solve_partition(encode_clusters(round_), Budget(5), options=SolveOptions(seed=3))
    second = solve_partition(encode_clusters(round_), Budget(5), options=SolveOptions(seed=3))
    assert first.clusters == second.clusters
