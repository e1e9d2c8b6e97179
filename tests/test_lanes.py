"""Parts solved side by side, and parts reused by content across feedback rounds."""

from __future__ import annotations

import threading
import time

import numpy as np

from solvers.engine.budget import Budget
from solvers.engine.lanes import solve_parts
from solvers.engine.memo import SolvedParts, fingerprint


def test_results_come_back_in_the_parts_order_whatever_lane_solves_them() -> None:
    sizes = [3, 50, 7, 50, 1]
    lanes_used: set[str] = set()

    def solve(part: int, share: Budget) -> tuple[int, float]:
        lanes_used.add(threading.current_thread().name)
        time.sleep(0.01 * (part % 3))
        return part, share.seconds

    results = solve_parts(sizes, solve, budget=Budget(10.0), lanes=2, floor=0.5)
    assert [part for part, _seconds in results] == [0, 1, 2, 3, 4]
    assert len(lanes_used) == 2


def test_every_share_stays_within_the_time_left_and_above_the_floor() -> None:
    sizes = [100, 1, 1, 1]
    results = solve_parts(
        sizes, lambda part, share: share.seconds, budget=Budget(8.0), lanes=1, floor=0.5
    )
    assert all(0.5 <= share <= 8.0 for share in results)
    # The big part may take more than its fair share, but never the small parts' floor.
    assert results[0] > results[1]


def test_one_lane_runs_its_largest_part_last() -> None:
    order: list[int] = []
    solve_parts([1, 9, 5], lambda part, s: order.append(part), budget=Budget(5), lanes=1, floor=0.1)
    assert order == [0, 2, 1]


def test_a_part_is_found_again_only_when_its_content_is_the_same() -> None:
    memo: SolvedParts[str] = SolvedParts()
    first = {"pairs": np.array([1, 2, 3]), "ids": ("S1", "P1")}
    memo.put(fingerprint(first), "plan A")
    same = {"pairs": np.array([1, 2, 3]), "ids": ("S1", "P1")}
    changed = {"pairs": np.array([1, 2]), "ids": ("S1", "P1")}
    assert memo.get(fingerprint(same)) == "plan A"
    assert memo.get(fingerprint(changed)) is None
    assert memo.reused == 1


def test_parts_starting_after_the_work_is_spent_get_the_quick_answer() -> None:
    def solve(part: int, share: Budget) -> str:
        share.spend(share.seconds)
        return "solved"

    budget = Budget(0.25)
    results = solve_parts(
        [5, 1, 1], solve, budget=budget, lanes=1, floor=0.1, overtime=lambda part: "quick"
    )
    # The small parts go first, each with its floor; the large one finds less than its floor.
    assert results == ["quick", "solved", "solved"]
    assert budget.left < 0.1


def test_a_small_part_is_solved_while_its_floor_fits_in_the_time_left() -> None:
    # Each of many small parts has a fair share far below the floor, but the time left is not.
    results = solve_parts(
        [1] * 50,
        lambda part, share: share.seconds,
        budget=Budget(5.0),
        lanes=1,
        floor=0.5,
        overtime=lambda p: -1.0,
    )
    assert min(results) == 0.5


def test_the_largest_part_of_a_lane_gets_what_its_smaller_parts_leave() -> None:
    def solve(part: int, share: Budget) -> float:
        share.spend(share.seconds)  # every part uses all it is given
        return share.seconds

    results = solve_parts(
        [100, 1, 1], solve, budget=Budget(3.0), lanes=1, floor=1.0, overtime=lambda p: -1.0
    )
    assert results == [1.0, 1.0, 1.0]
    results = solve_parts(
        [100, 1, 1], solve, budget=Budget(10.0), lanes=1, floor=1.0, overtime=lambda p: -1.0
    )
    assert results == [8.0, 1.0, 1.0]
