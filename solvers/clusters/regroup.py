"""Regrouping neighbourhoods of a plan at best: a few neighbouring clusters partitioned again
over every cluster their schools can form.

Exchanges (``solvers.clusters.exchange``) split two clusters again; a better plan can need
three or four to change at once (a chain: one cluster gives a school to the next, which
gives one on). Here the plan's clusters are dealt into groups (a cluster and the clusters
nearest it that are not yet in a group, up to ``GROUP_CLUSTERS`` clusters and
``GROUP_SCHOOLS`` schools), and every group is partitioned again at best over *every*
clique of allowed size among its schools, not only those in the pool: all groups in one
CP-SAT model (they share no school), hinted with the plan, so no group gets worse. Each pass
deals the groups around the clusters in another order (the seed's draws), so a cluster
meets other neighbours; passes repeat until ``IDLE_PASSES`` in a row find nothing better or
the work runs out.

A clique enters a group's model only if it could be in a cheaper partition of the group: its
price plus, for each school outside it, the least share of a clique's price per school any
clique of that school costs (every partition pays at least that) must be under the group's
price now. The work is counted (cliques listed and put in the model, CP-SAT's deterministic
time), so the result repeats.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache

import numpy as np
from ortools.sat.python import cp_model

from solvers.clusters.component import Component
from solvers.clusters.start import Cluster
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    COVER_WORK_PER_CORE_SECOND,
    REGROUP_CELLS_PER_SECOND,
    REGROUP_COLUMNS_PER_SECOND,
    REGROUP_SECONDS_PER_PASS,
)

# A group: a cluster and its nearest neighbours, at most this many clusters and schools
# (four quads: 1,820 four-school cliques at most, most ruled out by the price filter).
GROUP_CLUSTERS = 4
GROUP_SCHOOLS = 16
# Passes in a row that may find nothing better before the search stops.
IDLE_PASSES = 3


def regroup(
    comp: Component, plan: Sequence[Cluster], budget: Budget, *, seed: int
) -> list[Cluster]:
    """``plan`` (local indices) improved by partitioning groups of neighbouring clusters
    again at best; never worse, sizes and pair rules kept, charged to ``budget`` by work."""
    clusters = [tuple(sorted(c)) for c in plan]
    if len(clusters) < 2:
        return clusters
    rng = np.random.default_rng(seed)
    price = sum(_price(comp, c) for c in clusters)
    idle = 0
    order = list(range(len(clusters)))
    while idle < IDLE_PASSES and not budget.exhausted():
        groups = _groups(comp, clusters, order)
        better = _solve(comp, clusters, groups, budget, seed=seed)
        new_price = sum(_price(comp, c) for c in better)
        if new_price < price:
            clusters, price, idle = better, new_price, 0
        else:
            idle += 1
        order = rng.permutation(len(clusters)).tolist()
    return clusters


def _price(comp: Component, members: Cluster) -> int:
    return comp.cost(members)


def _groups(comp: Component, clusters: list[Cluster], order: list[int]) -> list[list[int]]:
    """Clusters (positions) dealt into groups: each cluster in ``order`` not yet in a group
    starts one, and takes the nearest clusters not yet in one (by the cheapest allowed pair
    between them) while the group has room."""
    where = np.full(comp.size, -1)
    for k, cluster in enumerate(clusters):
        where[list(cluster)] = k
    taken = np.zeros(len(clusters), dtype=bool)
    groups: list[list[int]] = []
    for k in order:
        if taken[k]:
            continue
        taken[k] = True
        group = [k]
        members = list(clusters[k])
        # The cheapest allowed pair from this cluster to each school, then to each cluster.
        reach = comp.pair_cost[members].min(axis=0)
        link = np.full(len(clusters), np.inf)
        placed = where >= 0
        np.minimum.at(link, where[placed], reach[placed])
        link[taken] = np.inf
        schools = len(members)
        for j in np.argsort(link, kind="stable").tolist():
            if not np.isfinite(link[j]) or len(group) >= GROUP_CLUSTERS:
                break
            if schools + len(clusters[j]) > GROUP_SCHOOLS:
                continue
            group.append(j)
            taken[j] = True
            schools += len(clusters[j])
        if len(group) > 1:
            groups.append(group)
    return groups


@cache
def _combinations(count: int, size: int) -> np.ndarray:
    """Every ``size`` of ``range(count)``, one per row (ascending)."""
    rows = list(itertools.combinations(range(count), size))
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), size)


def _cliques(
    comp: Component, schools: list[int], ceiling: float
) -> tuple[list[Cluster], list[int], int]:
    """Every clique of allowed size among ``schools`` that could be in a partition of them
    cheaper than ``ceiling``, with its price, and the cells computed (work)."""
    settings = comp.problem.settings
    local = np.asarray(schools, dtype=np.int64)
    cost = comp.pair_cost[np.ix_(local, local)]  # inf where a pair may not share a cluster
    found: list[np.ndarray] = []
    prices: list[np.ndarray] = []
    cells = 0
    for size in range(settings.min_size, settings.max_size + 1):
        rows = _combinations(len(local), size)
        total = np.zeros(len(rows))
        for i, j in itertools.combinations(range(size), 2):
            total += cost[rows[:, i], rows[:, j]]
        cells += len(rows) * size * (size - 1) // 2
        keep = np.isfinite(total)
        found.append(rows[keep])
        prices.append(total[keep])
    members = [local[rows] for rows in found]
    priced = [
        p + _mix(comp, m) if comp.problem.rated else p for p, m in zip(prices, members, strict=True)
    ]
    # Each school pays at least the least price per school of any clique holding it.
    share = np.full(len(local), np.inf)
    for rows, price in zip(found, priced, strict=True):
        per_school = price / rows.shape[1]
        for column in range(rows.shape[1]):
            np.minimum.at(share, rows[:, column], per_school)
    floor = share.sum()
    cliques: list[Cluster] = []
    costs: list[int] = []
    for rows, members_of, price in zip(found, members, priced, strict=True):
        rest = floor - share[rows].sum(axis=1)
        useful = np.flatnonzero(price + rest < ceiling - 1e-9)
        for k in useful.tolist():
            cliques.append(tuple(int(s) for s in members_of[k]))
            costs.append(round(float(price[k])))
    return cliques, costs, cells


def _mix(comp: Component, members: np.ndarray) -> np.ndarray:
    """The mix penalty of each clique (rows of local indices)."""
    settings = comp.problem.settings
    weak = comp.weak[members].sum(axis=1)
    strong = comp.strong[members].sum(axis=1)
    over = np.maximum(0, weak - settings.max_weak_per_cluster)
    short = np.maximum(0, settings.min_strong_per_cluster - strong)
    return settings.mix_penalty * (over + short)


def _solve(
    comp: Component,
    clusters: list[Cluster],
    groups: list[list[int]],
    budget: Budget,
    *,
    seed: int,
) -> list[Cluster]:
    """Every group partitioned again at best in one CP-SAT model (hinted with the plan); the
    plan with the groups' new clusters, or the plan itself if the work ran out first."""
    model = cp_model.CpModel()
    chosen: list[tuple[cp_model.IntVar, Cluster, int]] = []
    cells = 0
    for group in groups:
        schools = sorted(s for k in group for s in clusters[k])
        current = sorted(clusters[k] for k in group)
        ceiling = sum(_price(comp, c) for c in current)
        cliques, costs, counted = _cliques(comp, schools, ceiling)
        cells += counted
        # The plan's own clusters stay available (a partition at the ceiling, not below it).
        listed = set(cliques)
        options = list(zip(cliques, costs, strict=True)) + [
            (c, _price(comp, c)) for c in current if c not in listed
        ]
        covering: dict[int, list[cp_model.IntVar]] = {s: [] for s in schools}
        for cluster, cost in options:
            var = model.new_bool_var("")
            model.add_hint(var, cluster in current)
            for s in cluster:
                covering[s].append(var)
            chosen.append((var, cluster, cost))
        for school in schools:
            model.add_exactly_one(covering[school])
    model.minimize(sum(cost * var for var, _, cost in chosen))
    budget.spend(
        cells / REGROUP_CELLS_PER_SECOND
        + len(chosen) / REGROUP_COLUMNS_PER_SECOND
        + REGROUP_SECONDS_PER_PASS
    )
    if budget.exhausted():
        return clusters
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    budget.limit(solver, 1, rate=COVER_WORK_PER_CORE_SECOND)
    status = solver.solve(model)
    budget.charge(solver, 1, rate=COVER_WORK_PER_CORE_SECOND)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return clusters
    grouped = {k for group in groups for k in group}
    kept = [c for k, c in enumerate(clusters) if k not in grouped]
    return sorted(kept + [c for var, c, _ in chosen if solver.value(var)])
