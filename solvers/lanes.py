"""Independent parts of a model solved side by side, one CP-SAT search per core.

CP-SAT releases the interpreter lock while it searches, so threads are enough: one lane builds
its next model in Python while the other searches. Each part's result depends only on the part
and its time share, so the plan is the same whichever lane solves it, and results come back in
the parts' own order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from solvers.memo import SolvedParts

Result = TypeVar("Result")

SLACK = 2.0
# A part that took this much of its share counts as having used it all.
USED_ALL_SHARE = 0.9


def solve_parts(
    sizes: Sequence[int],
    solve: Callable[[int, float], Result],
    *,
    time_limit: float,
    lanes: int,
    floor: float | Sequence[float],
    overtime: Callable[[int], Result] | None = None,
) -> list[Result]:
    """``solve(part, seconds)`` for every part, ``lanes`` at a time, within ``time_limit``.

    Largest parts start first (they need the most time and decide when the job ends). A part
    starting may use up to ``SLACK`` times its fair share of what the lanes have left (its
    size over the size of the parts not yet started), never more than the time left and never
    less than ``floor`` (one for all parts, or one per part): most parts stop early at their
    gap limit, and the time they leave is better spent on the hardest part than left unused.
    The slack shrinks towards none as parts finished so far turn out to use all their share
    instead, so that the last parts are not starved.
    With ``overtime``, a part starting when less than its floor is left is not solved:
    ``overtime(part)`` answers for it (a quick heuristic), so the job keeps to its limit.
    """
    deadline = time.perf_counter() + time_limit
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    lock = threading.Lock()
    left = [sum(max(1, s) for s in sizes)]
    floors = [floor] * len(sizes) if isinstance(floor, int | float) else list(floor)
    finished, used_all = [0], [0]

    def share(part: int) -> tuple[float, float]:
        """The part's share of the time left, and the time left."""
        with lock:
            size = max(1, sizes[part])
            remaining = max(0.0, deadline - time.perf_counter())
            fraction = size / max(left[0], 1)
            left[0] -= size
            stopped_early = 1.0 - used_all[0] / finished[0] if finished[0] else 1.0
        slack = 1.0 + (SLACK - 1.0) * stopped_early
        return min(remaining, slack * remaining * lanes * fraction), remaining

    def run(part: int) -> Result:
        seconds, remaining = share(part)
        # A small part's share can be below its floor with plenty of time left: only a part
        # that cannot have its floor any more gives way to the quick answer.
        if overtime is not None and remaining < floors[part]:
            return overtime(part)
        granted = max(floors[part], seconds)
        started = time.perf_counter()
        result = solve(part, granted)
        with lock:
            finished[0] += 1
            used_all[0] += time.perf_counter() - started >= USED_ALL_SHARE * granted
        return result

    if lanes <= 1 or len(sizes) <= 1:
        results = {part: run(part) for part in order}
    else:
        with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="part") as pool:
            futures = {part: pool.submit(run, part) for part in order}
            results = {part: future.result() for part, future in futures.items()}
    return [results[part] for part in range(len(sizes))]


def solve_new_parts(
    keys: Sequence[bytes],
    sizes: Sequence[int],
    solve: Callable[[int, float, int], Result],
    *,
    memo: SolvedParts[Result],
    time_limit: float,
    workers: int,
    floor: Callable[[int], float],
    overtime: Callable[[int], Result] | None = None,
) -> list[Result]:
    """Every part's result: parts in ``memo`` (by fingerprint) are looked up, the rest solved
    with ``solve(part, seconds, cp_sat_workers)`` ``workers`` at a time and remembered.

    Parts share the cores one each; a lone part to solve gets all of them. ``floor(part)`` and
    ``overtime(part)`` are as for ``solve_parts``.
    """
    found = [memo.get(key) for key in keys]
    todo = [part for part, result in enumerate(found) if result is None]
    lanes = max(1, min(workers, len(todo)))
    fresh = solve_parts(
        [sizes[part] for part in todo],
        lambda index, seconds: solve(todo[index], seconds, workers if lanes == 1 else 1),
        time_limit=time_limit,
        lanes=lanes,
        floor=[floor(part) for part in todo],
        overtime=None if overtime is None else lambda index: overtime(todo[index]),
    )
    for part, result in zip(todo, fresh, strict=True):
        memo.put(keys[part], result)
        found[part] = result
    return [result for result in found if result is not None]
