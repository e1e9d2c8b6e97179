"""Large-neighbourhood search over neighbouring clusters, each step an exact CP-SAT solve.

CP-SAT proves a partition of a few dozen schools optimal in milliseconds but struggles with a
few hundred at once. So the plan of a large component is improved a neighbourhood at a time:
a cluster and the clusters next to it are dissolved and their schools re-partitioned optimally
from the column pool (keeping as many schools left out as before). A step never makes the
plan worse; the search stops after a pass over every cluster that changes nothing, or at the
deadline.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from solvers.cluster_component import Component
from solvers.cluster_lp import ColumnPool

Cluster = tuple[int, ...]

# Clusters re-partitioned together with the one a step starts from.
NEIGHBOURS = 5
# Seconds one step may take; a step is tiny, so this only guards against a pathological one.
STEP_LIMIT = 2.0


class _PoolIndex:
    """Columns of the pool by school, to find those inside a neighbourhood quickly."""

    def __init__(self, pool: ColumnPool, size: int) -> None:
        self.pool = pool
        self.by_school: list[list[int]] = [[] for _ in range(size)]
        for k, members in enumerate(pool.members):
            for s in members:
                self.by_school[s].append(k)

    def inside(self, region: set[int]) -> list[int]:
        """Columns whose schools all lie in ``region``."""
        seen: set[int] = set()
        found: list[int] = []
        for s in sorted(region):
            for k in self.by_school[s]:
                if k not in seen:
                    seen.add(k)
                    if region.issuperset(self.pool.members[k]):
                        found.append(k)
        return found


def _neighbours(comp: Component, plan: Sequence[Cluster], k: int) -> list[int]:
    """Clusters nearest to cluster ``k``: by the shortest allowed journey between them."""
    mine = list(plan[k])
    distance: list[tuple[int, int]] = []
    for j, other in enumerate(plan):
        if j == k:
            continue
        block = comp.allowed[np.ix_(mine, list(other))]
        if block.any():
            minutes = comp.minutes[np.ix_(mine, list(other))][block]
            distance.append((int(minutes.min()), j))
    return [j for _, j in sorted(distance)[:NEIGHBOURS]]


def improve_by_neighbourhoods(
    comp: Component,
    pool: ColumnPool,
    plan: list[Cluster],
    *,
    deadline: float,
    seed: int,
) -> list[Cluster]:
    """Improve ``plan`` one neighbourhood at a time until a pass finds nothing or time is up.

    Parameters
    ----------
    comp
        The component.
    pool
        Columns to choose from; the plan's own clusters must be in it.
    plan
        A valid partition of the component (schools not in it are left out).
    deadline
        ``time.perf_counter()`` value at which to stop.
    seed
        CP-SAT's random seed.
    """
    index = _PoolIndex(pool, comp.size)
    plan = list(plan)
    left = set(range(comp.size)) - {s for c in plan for s in c}
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        k = 0
        while k < len(plan) and time.perf_counter() < deadline:
            chosen = [k, *_neighbours(comp, plan, k)]
            region = {s for j in chosen for s in plan[j]}
            nearby_left = {s for s in left if comp.allowed[s, sorted(region)].any()}
            region |= nearby_left
            current = sum(pool.cost[pool.position(plan[j])] for j in chosen)
            better = _repartition(comp, pool, index, region, len(nearby_left), current, seed)
            if better is not None:
                plan = [c for j, c in enumerate(plan) if j not in chosen] + better
                left = set(range(comp.size)) - {s for c in plan for s in c}
                improved = True
            else:
                k += 1
    return plan


def _repartition(
    comp: Component,
    pool: ColumnPool,
    index: _PoolIndex,
    region: set[int],
    left_out: int,
    current: int,
    seed: int,
) -> list[Cluster] | None:
    """The cheapest partition of ``region`` from the pool, if cheaper than ``current``."""
    columns = index.inside(region)
    model = cp_model.CpModel()
    pick = {k: model.new_bool_var(f"cluster[{k}]") for k in columns}
    schools = sorted(region)
    left = {s: model.new_bool_var(f"left_out[{s}]") for s in schools}
    for s in schools:
        model.add_exactly_one([left[s], *(pick[k] for k in index.by_school[s] if k in pick)])
    model.add(sum(left.values()) == left_out)
    model.add(sum(pool.cost[k] * var for k, var in pick.items()) <= current - 1)
    model.minimize(sum(pool.cost[k] * var for k, var in pick.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = STEP_LIMIT
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [pool.members[k] for k, var in pick.items() if solver.value(var)]
