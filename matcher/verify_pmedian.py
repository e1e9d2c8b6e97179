"""An independent checker for capacitated p-median plans on index-level data (hubs, benchmarks).

Written again from the problem's words, sharing nothing with ``solvers/``: exactly ``p``
medians, each point attached to one open median, every open median serving itself, the demand
attached to a median within capacity, and the value claimed equal to the distances summed.
Every plan the p-median tests and benchmarks produce passes through :func:`verify_pmedian`.
"""

from __future__ import annotations

from collections.abc import Sequence


def verify_pmedian(
    *,
    distance: Sequence[Sequence[int]],
    demand: Sequence[int],
    capacity: int,
    medians: int,
    median_of: Sequence[int],
    objective: float | None = None,
) -> list[str]:
    """Every broken rule of the plan ``median_of`` (point -> its median), in words; [] if none."""
    problems: list[str] = []
    n = len(demand)
    if len(median_of) != n:
        return [f"the plan names a median for {len(median_of)} points, the problem has {n}"]
    opened = sorted(set(median_of))
    for i, j in enumerate(median_of):
        if not 0 <= j < n:
            problems.append(f"point {i} is attached to no point of the problem ({j})")
    if problems:
        return problems
    if len(opened) != medians:
        problems.append(f"{len(opened)} medians are open, the problem asks for {medians}")
    for j in opened:
        if median_of[j] != j:
            problems.append(f"median {j} is attached to {median_of[j]}, not to itself")
        load = sum(demand[i] for i in range(n) if median_of[i] == j)
        if load > capacity:
            problems.append(f"median {j} serves demand {load}, over its capacity {capacity}")
    total = sum(distance[i][median_of[i]] for i in range(n))
    if objective is not None and round(objective) != total:
        problems.append(f"the plan's distances sum to {total}, not the {objective} claimed")
    return problems
