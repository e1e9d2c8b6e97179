"""A plan from the LP: its whole clusters kept, the schools they leave partitioned at best.

On the large components of a region the LP with its count row and cuts is nearly whole: on
the 2,000-school region's 398-school component 91 of the 181 clusters it uses are taken whole,
covering 274 schools. Keeping those and searching the rest (124 schools, 1,426 pooled clusters
inside them) to a proof gave a plan 1.3% over the bound in 1.8 nominal seconds, where CP-SAT's
neighbourhood search over the whole pool was 2.9% over after 20 (benchmarks/README.md). The
rest may have no partition inside it (the LP's fractional clusters can fit together only
fractionally): a search leaving out as few of its schools as it can then says which it
cannot place, the whole clusters nearest them are given up, and it runs again. A plan found
is improved by giving up the whole clusters nearest its rest, a ring at a time, and
searching the larger rest from it while the searches are proved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

from solvers.clusters.component import Component
from solvers.clusters.lp import ColumnPool
from solvers.clusters.start import Cluster
from solvers.clusters.work import search_cover
from solvers.engine.budget import Budget
from solvers.engine.calibration import COVER_COLUMNS_PER_SECOND

# An LP value at least this is a whole cluster.
WHOLE = 1 - 1e-6
# Searches of the rest before giving up: the first, then one more ring given up each time.
RINGS = 3
# A plan found is improved by searching a larger rest while it holds fewer schools than this.
GROW_UP_TO = 150
# Per school the rest cannot hold, the whole clusters of its NEAREST nearest schools are given up.
NEAREST = 2


def rounded_plan(
    comp: Component,
    pool: ColumnPool,
    lp_clusters: Sequence[Cluster],
    lp_values: Sequence[float],
    *,
    left_count: int,
    budget: Budget,
    seed: int,
) -> list[Cluster] | None:
    """The LP's whole clusters and the cheapest partition of the other schools over ``pool``,
    ``left_count`` of the component's schools left out; None if no search within
    ``budget`` found one.

    ``lp_clusters`` and ``lp_values``: the clusters of the last LP solution and their values.
    """
    kept = [tuple(c) for c, v in zip(lp_clusters, lp_values, strict=True) if v >= WHOLE]
    rest = np.ones(comp.size, dtype=np.bool_)
    for cluster in kept:
        rest[list(cluster)] = False
    pooled = _Pooled.of(pool)
    for ring in range(RINGS):
        # Each search of the rest may use its share of the work left: it mostly proves its
        # plan, or that there is none, in a fraction of it, and passes the rest on.
        part = budget.part(budget.left / (RINGS - ring))
        found = _partition(pooled, rest, left_count, part, seed)
        stranded = _stranded(pooled, rest, left_count, part, seed) if found == "none" else []
        budget.spend(part.used)
        if isinstance(found, list):
            return _grown(comp, pooled, kept, rest, found, left_count, budget, seed)
        if not stranded or not kept or budget.exhausted():
            return None
        kept = _give_up_nearest(comp, kept, rest, stranded)
    return None


def _grown(
    comp: Component,
    pooled: _Pooled,
    kept: list[Cluster],
    rest: np.ndarray,
    found: list[Cluster],
    left_count: int,
    budget: Budget,
    seed: int,
) -> list[Cluster]:
    """The plan ``kept + found`` improved by giving up, a ring at a time, the whole clusters
    nearest the rest and searching the larger rest again from it, while each search is
    proved within its share of ``budget`` and the rest holds at most GROW_UP_TO schools."""
    best = kept + found
    while kept and not budget.exhausted() and int(rest.sum()) < GROW_UP_TO:
        size = int(rest.sum())
        kept = _give_up_nearest(comp, kept, rest, np.flatnonzero(rest).tolist(), nearest=1)
        if int(rest.sum()) == size:
            break  # no whole cluster is near the rest: nothing larger to search
        part = budget.part(budget.left / 2)
        inside = [c for c in best if rest[list(c)].all()]
        again = _partition(pooled, rest, left_count, part, seed, hint=inside)
        budget.spend(part.used)
        if not isinstance(again, list):
            break
        if sum(map(comp.cost, kept + again)) < sum(map(comp.cost, best)):
            best = kept + again
        if part.exhausted():
            break  # not proved: a larger rest would be searched no better
    return best


@dataclass(frozen=True)
class _Pooled:
    """The pool, and its members as rows padded with -1 for testing every column at once."""

    pool: ColumnPool
    table: np.ndarray

    @classmethod
    def of(cls, pool: ColumnPool) -> _Pooled:
        width = max((len(m) for m in pool.members), default=1)
        table = np.full((len(pool), width), -1, dtype=np.int64)
        for k, members in enumerate(pool.members):
            table[k, : len(members)] = members
        return cls(pool, table)

    def inside(self, schools: np.ndarray) -> list[int]:
        """Indices of the pooled clusters whose every member is in ``schools`` (a mask)."""
        member = np.where(self.table >= 0, schools[np.clip(self.table, 0, None)], True)
        return np.flatnonzero(member.all(axis=1)).tolist()


def _cover(
    pooled: _Pooled, rest: np.ndarray
) -> tuple[cp_model.CpModel, list[int], list[cp_model.IntVar], dict[int, cp_model.IntVar]]:
    """Every school of ``rest`` in exactly one pooled cluster inside it, or left out: the
    model, the clusters' pool indices, their variables and each school's "left out"."""
    pool, columns = pooled.pool, pooled.inside(rest)
    model = cp_model.CpModel()
    pick = [model.new_bool_var(f"c{k}") for k in columns]
    schools = np.flatnonzero(rest).tolist()
    left = {s: model.new_bool_var(f"left{s}") for s in schools}
    covering: dict[int, list[cp_model.IntVar]] = {s: [left[s]] for s in schools}
    for var, k in zip(pick, columns, strict=True):
        for s in pool.members[k]:
            covering[s].append(var)
    for options in covering.values():
        model.add_exactly_one(options)
    return model, columns, pick, left


def _partition(
    pooled: _Pooled,
    rest: np.ndarray,
    left_count: int,
    budget: Budget,
    seed: int,
    *,
    hint: Sequence[Cluster] = (),
) -> list[Cluster] | Literal["none", "unknown"]:
    """The cheapest partition of the schools ``rest`` over the pooled clusters inside it,
    ``left_count`` of them left out, searched to a proof within ``budget``: its clusters;
    "none" if there is no such partition; "unknown" if the search ended first."""
    model, columns, pick, left = _cover(pooled, rest)
    pool = pooled.pool
    budget.spend(len(columns) / COVER_COLUMNS_PER_SECOND)
    model.add(sum(left.values()) == left_count)
    model.minimize(sum(pool.cost[k] * v for k, v in zip(columns, pick, strict=True)))
    if hint:
        chosen = set(hint)
        covered = {s for c in hint for s in c}
        for k, var in zip(columns, pick, strict=True):
            model.add_hint(var, pool.members[k] in chosen)
        for s, var in left.items():
            model.add_hint(var, s not in covered)
    searched = search_cover(model, budget, seed=seed, workers=1)
    if searched.status == cp_model.INFEASIBLE:
        return "none"
    if not searched.found:
        return "unknown"
    solver = searched.solver
    return [pool.members[k] for k, var in zip(columns, pick, strict=True) if solver.value(var)]


def _stranded(
    pooled: _Pooled,
    rest: np.ndarray,
    left_count: int,
    budget: Budget,
    seed: int,
) -> list[int]:
    """Schools of ``rest`` that a partition of it leaving out as few as it can leaves out
    beyond ``left_count`` (found within ``budget``; [] if none was found)."""
    model, columns, _pick, left = _cover(pooled, rest)
    budget.spend(len(columns) / COVER_COLUMNS_PER_SECOND)
    model.add(sum(left.values()) >= left_count)
    model.minimize(sum(left.values()))
    searched = search_cover(model, budget, seed=seed, workers=1)
    if not searched.found:
        return []
    return [s for s, var in left.items() if searched.solver.value(var)]


def _give_up_nearest(
    comp: Component,
    kept: list[Cluster],
    rest: np.ndarray,
    stranded: Sequence[int],
    *,
    nearest: int | None = None,
) -> list[Cluster]:
    """``kept`` without the whole clusters nearest the ``stranded`` schools (``rest`` grows
    by their schools): for each, the clusters of its ``nearest`` (default NEAREST) nearest
    kept schools."""
    count = NEAREST if nearest is None else nearest
    far = np.iinfo(np.int64).max
    minutes = np.where(comp.allowed, comp.minutes, far)
    minutes[:, rest] = far
    given_up = np.zeros(comp.size, dtype=np.bool_)
    for school in stranded:
        closest = np.argsort(minutes[school], kind="stable")[:count]
        given_up[closest[minutes[school, closest] < far]] = True
    staying = []
    for cluster in kept:
        if given_up[list(cluster)].any():
            rest[list(cluster)] = True
        else:
            staying.append(cluster)
    return staying
