"""Independent parts of a model solved side by side, one CP-SAT search per core.

CP-SAT releases the interpreter lock while it searches, so threads are enough: one lane builds
its next model in Python while the other searches. Which lane takes which part is fixed from
the parts' sizes, and each search is limited in work (``solvers.engine.budget``), not seconds, so a
part's share and plan are the same on every run however loaded the machine; results come back
in the parts' own order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    SLACK,
    USED_ALL_SHARE,
)
from solvers.engine.memo import SolvedParts

Result = TypeVar("Result")




def lanes_of(sizes: Sequence[int], lanes: int) -> list[list[int]]:
    """The parts each lane solves, in the order it solves them.

    Parts are dealt largest first, each onto the lane with the least size so far, so the lanes
    carry about as much each; a lane then solves its parts smallest first, so that its largest
    part, the one that needs the most time, gets whatever the small ones leave.
    """
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    load = [0] * max(1, lanes)
    out: list[list[int]] = [[] for _ in load]
    for part in order:
        lane = min(range(len(load)), key=lambda k: (load[k], k))
        load[lane] += max(1, sizes[part])
        out[lane].append(part)
    return [queue[::-1] for queue in out]


def solve_parts(
    sizes: Sequence[int],
    solve: Callable[[int, Budget], Result],
    *,
    budget: Budget,
    lanes: int,
    floor: float | Sequence[float],
    overtime: Callable[[int], Result] | None = None,
) -> list[Result]:
    """``solve(part, share)`` for every part, ``lanes`` at a time, within ``budget``.

    Which lane solves which part, and in what order, is fixed in advance from the sizes
    (``lanes_of``); each lane then gives each of its parts up to ``SLACK`` times its fair share
    of the lane's time left (its size over the size of the lane's parts not yet started), never
    more than the time left and never less than its ``floor`` (one for all parts, or one per
    part): most parts stop early at their gap limit, and what they leave goes to the lane's
    last and largest part. The slack shrinks towards none as the lane's parts so far turn out
    to use all their share instead. Every share depends only on the work the lane's earlier
    parts did, so it is the same on every run. The budget is then charged with the busiest
    lane's work.
    With ``overtime``, a part starting when less than its floor is left, or after the job's
    deadline, is not solved: ``overtime(part)`` answers for it (a quick heuristic), so the job
    keeps to its limit.
    """
    floors = [float(floor)] * len(sizes) if isinstance(floor, int | float) else list(floor)
    seconds = budget.left
    results: dict[int, Result] = {}

    def run_lane(queue: list[int]) -> float:
        lane = budget.part(seconds)
        waiting = sum(max(1, sizes[part]) for part in queue)
        finished = used_all = 0
        for part in queue:
            size = max(1, sizes[part])
            fraction = size / max(waiting, 1)
            waiting -= size
            # A small part's share can be below its floor with plenty of time left: only a
            # part that cannot have its floor any more (or reached after the job's deadline)
            # gives way to the quick answer.
            if overtime is not None and lane.exhausted(floors[part]):
                results[part] = overtime(part)
                continue
            stopped_early = 1.0 - used_all / finished if finished else 1.0
            slack = 1.0 + (SLACK - 1.0) * stopped_early
            granted = max(floors[part], min(lane.left, slack * lane.left * fraction))
            share = lane.part(granted)
            results[part] = solve(part, share)
            lane.spend(share.used)
            finished += 1
            used_all += share.used >= USED_ALL_SHARE * granted
        return lane.used

    run_lanes(sizes, lanes, run_lane, budget)
    return [results[part] for part in range(len(sizes))]


def run_lanes(
    sizes: Sequence[int],
    lanes: int,
    run_lane: Callable[[list[int]], float],
    budget: Budget,
) -> None:
    """``run_lane(queue)`` for each lane's queue of parts (``lanes_of``), the lanes side by
    side on threads (CP-SAT releases Python's lock while it searches); each returns the work
    its lane used, and ``budget`` is charged with the busiest lane's, since they ran at once."""
    queues = lanes_of(sizes, lanes)
    if len(queues) <= 1 or len(sizes) <= 1:
        used = [run_lane(queue) for queue in queues]
    else:
        with ThreadPoolExecutor(max_workers=len(queues), thread_name_prefix="part") as pool:
            used = list(pool.map(run_lane, queues))
    budget.spend(max(used, default=0.0))


def solve_new_parts(
    keys: Sequence[bytes],
    sizes: Sequence[int],
    solve: Callable[[int, Budget, int], Result],
    *,
    memo: SolvedParts[Result],
    budget: Budget,
    workers: int,
    floor: Callable[[int], float],
    overtime: Callable[[int], Result] | None = None,
) -> list[Result]:
    """Every part's result: parts in ``memo`` (by fingerprint) are looked up, the rest solved
    with ``solve(part, share, cp_sat_workers)`` ``workers`` at a time and remembered.

    Parts share the cores one each; a lone part to solve gets all of them. ``floor(part)`` and
    ``overtime(part)`` are as for ``solve_parts``.
    """
    found = [memo.get(key) for key in keys]
    todo = [part for part, result in enumerate(found) if result is None]
    lanes = max(1, min(workers, len(todo)))
    fresh = solve_parts(
        [sizes[part] for part in todo],
        lambda index, share: solve(todo[index], share, workers if lanes == 1 else 1),
        budget=budget,
        lanes=lanes,
        floor=[floor(part) for part in todo],
        overtime=None if overtime is None else lambda index: overtime(todo[index]),
    )
    for part, result in zip(todo, fresh, strict=True):
        memo.put(keys[part], result)
        found[part] = result
    return [result for result in found if result is not None]
