"""Review rotation: one directed cycle per cluster, repeating last round's directions last."""

from __future__ import annotations

from solvers.clusters.rotation import repeated, solve_rotation
from solvers.engine.budget import Budget

NAMES = [f"S{k}" for k in range(8)]


def flat(minutes: int = 10):
    return lambda a, b: minutes


def test_a_triad_rotates_away_from_last_rounds_cycle() -> None:
    last = {(0, 1), (1, 2), (2, 0)}
    (cycle,) = solve_rotation(
        [[0, 1, 2]], minutes=flat(), previous=last, names=NAMES, budget=Budget(10.0)
    )
    assert sorted(cycle) == [(0, 2), (1, 0), (2, 1)]
    assert repeated(cycle, last) == 0


def test_a_quad_is_one_cycle_without_swaps() -> None:
    (cycle,) = solve_rotation(
        [[0, 1, 2, 3]], minutes=flat(), previous=set(), names=NAMES, budget=Budget(10.0)
    )
    assert len(cycle) == 4
    assert sorted(a for a, _ in cycle) == [0, 1, 2, 3]
    assert not any((b, a) in cycle for a, b in cycle)
    # In cycle order: each arc's host reviews next.
    assert all(cycle[k][1] == cycle[k + 1][0] for k in range(3))


def test_travel_breaks_ties_between_cycles() -> None:
    def minutes(a: int, b: int) -> int:
        return 1 if (a, b) in {(0, 1), (1, 2), (2, 0)} else 50

    (cycle,) = solve_rotation(
        [[0, 1, 2]], minutes=minutes, previous=set(), names=NAMES, budget=Budget(10.0)
    )
    assert sorted(cycle) == [(0, 1), (1, 2), (2, 0)]


def test_pairs_and_singles() -> None:
    pair, single = solve_rotation(
        [[4, 5], [6]], minutes=flat(), previous=set(), names=NAMES, budget=Budget(10.0)
    )
    assert pair == [(4, 5), (5, 4)]
    assert single == []


def test_a_large_hub_is_solved_as_one_circuit() -> None:
    names = [f"S{k}" for k in range(9)]
    (cycle,) = solve_rotation(
        [list(range(9))], minutes=flat(), previous=set(), names=names, budget=Budget(10.0)
    )
    assert sorted(a for a, _ in cycle) == list(range(9))
    assert sorted(b for _, b in cycle) == list(range(9))
    assert all(cycle[k][1] == cycle[k + 1][0] for k in range(8))
