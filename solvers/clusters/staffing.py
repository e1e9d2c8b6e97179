"""What a cluster can staff: the reviewers its projects need and who inside it could serve.

With ``cluster_scope = "within"`` (or ``review_cycle``) a project is staffed only from the other
schools of its host's cluster (or from the school before the host in the cycle). Clusters formed
on travel alone left the sample with 2 of 26 projects staffable, so the cluster objective
prices the *shortfall*: for each demand of a project (its minimum team; a trained lead, an SLE
or a role when it needs one; each of several areas), the eligible reviewers at the cluster's
other schools, and how many it falls short.

A demand row is index-level: its host school, how many reviewers it needs, and, sparse, how
many eligible reviewers each school holds (matching's pair rules, ``solvers.matching.eligibility``,
applied to the round without its clusters, which are what is being decided; a reviewer whose
``max_days`` cannot cover the project's days does not count). Capacity across projects and
dates are not priced: a reviewer counts for every project they could serve, so the shortfall is
a floor on what matching will miss, never more.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from matcher.model import Project, Round
from solvers.engine.calibration import STAFFING_CALL_CELLS
from solvers.matching.eligibility import PairContext, Screen, project_areas

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Demands:
    """Demand rows: ``host[r]`` needs ``need[r]`` reviewers; school ``school[e]`` holds
    ``count[e]`` eligible for row ``row[e]`` (capped at the need)."""

    host: IntArray
    need: IntArray
    row: IntArray
    school: IntArray
    count: IntArray

    def __len__(self) -> int:
        return len(self.host)

    def supply(self, rows: IntArray, schools: IntArray) -> npt.NDArray[np.int64]:
        """Dense table: eligible reviewers of each of ``rows`` at each of ``schools`` (both
        sorted ascending)."""
        table = np.zeros((len(rows), len(schools)), dtype=np.int64)
        keep = np.isin(self.row, rows) & np.isin(self.school, schools)
        at_row = np.searchsorted(rows, self.row[keep])
        at_school = np.searchsorted(schools, self.school[keep])
        table[at_row, at_school] = self.count[keep]
        return table

    @cached_property
    def _rows_at(self) -> dict[int, list[int]]:
        rows: dict[int, list[int]] = {}
        for r, h in enumerate(self.host.tolist()):
            rows.setdefault(h, []).append(r)
        return rows

    @cached_property
    def _held(self) -> dict[tuple[int, int], int]:
        return {
            (r, s): c
            for r, s, c in zip(
                self.row.tolist(), self.school.tolist(), self.count.tolist(), strict=True
            )
        }

    def arc(self, reviewer: int, host: int) -> int:
        """Reviewers ``host``'s projects lack when school ``reviewer`` alone staffs them."""
        return sum(
            max(0, int(self.need[r]) - self._held.get((r, reviewer), 0))
            for r in self._rows_at.get(host, [])
        )

    def priced(self, members: Sequence[int]) -> tuple[int, int]:
        """Reviewers the projects of ``members`` lack from the cluster's other schools, and
        their demands only one school could meet (``LocalStaffing``, on one cluster)."""
        schools = np.asarray(sorted(members), dtype=np.int64)
        tables = local_staffing(self, schools, cycle=False)
        short, thin = tables.terms(np.arange(len(schools), dtype=np.int64)[None, :])
        return int(short[0]), int(thin[0])


def _requirements(screen: Screen, project: Project, pool: IntArray) -> list[tuple[int, BoolArray]]:
    """(how many, which of ``pool`` count) for each demand of the project."""
    everyone = np.ones(len(pool), dtype=np.bool_)
    found = [(project.min_reviewers, everyone)]
    if project.needs_lead:
        found.append((1, screen.is_lead[pool]))
    if project.needs_sle:
        found.append((1, screen.is_sle[pool]))
    if project.needs_role is not None:
        roles = [screen.staff[i].role for i in pool.tolist()]
        found.append((1, np.asarray([r == project.needs_role for r in roles], dtype=np.bool_)))
    areas = project_areas(project)
    if len(areas) > 1:
        specialisms = screen.ctx.specialisms
        for area in areas:
            has = [area in specialisms[screen.staff[i].staff_id] for i in pool.tolist()]
            found.append((1, np.asarray(has, dtype=np.bool_)))
    return found


def staffing_demands(round_: Round) -> Demands:
    """Every project's demand rows, with the eligible reviewers at each school."""
    screen = Screen(PairContext.of(round_.replace(clusters=(), rotation=())))
    host: list[int] = []
    need: list[int] = []
    rows: list[IntArray] = []
    schools: list[IntArray] = []
    counts: list[IntArray] = []
    for project in round_.projects:
        pool = screen.survivors(project)[-1][1]
        pool = pool[screen.max_days[pool] >= project.days_per_reviewer]
        for wanted, counts_for in _requirements(screen, project, pool):
            at, many = np.unique(screen.staff_school[pool[counts_for]], return_counts=True)
            rows.append(np.full(len(at), len(host), dtype=np.int64))
            schools.append(at.astype(np.int64))
            counts.append(np.minimum(many, wanted).astype(np.int64))
            host.append(screen.school_index[project.host_school_id])
            need.append(wanted)

    def joined(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    return Demands(
        host=np.asarray(host, dtype=np.int64),
        need=np.asarray(need, dtype=np.int64),
        row=joined(rows),
        school=joined(schools),
        count=joined(counts),
    )


@dataclass(frozen=True)
class LocalStaffing:
    """One component's demands as dense local tables, to price many clusters at once.

    ``rows_of[s]`` are the demand rows hosted at local school ``s`` (padded with the index of
    an empty row that needs nothing);
    ``supply[r, t]`` the eligible reviewers of row ``r`` at local school ``t``; ``arc[a, b]``
    what host ``b`` falls short when school ``a`` alone reviews it (the review cycle).
    """

    rows_of: IntArray  # m x most rows per school
    need: IntArray  # per local row, 0 for the padding row at the end
    supply: IntArray  # (rows + 1) x m, the last row all zero (padding)
    arc: IntArray  # m x m
    cycle: bool

    def terms(self, clusters: IntArray) -> tuple[IntArray, IntArray]:
        """Per cluster (``clusters``: n x k local indices): the reviewers its projects lack
        inside it, and its demands at most one of its schools could meet. No two schools may
        review each other and one school's reviewers have limited days, so a demand only one
        school could meet is often missed; in a review cycle one school is the design, and
        only the shortfall along the best cycle counts."""
        count = len(clusters)
        if self.cycle:
            return self._cycle_shortfall(clusters), np.zeros(count, dtype=np.int64)
        rows = self.rows_of[clusters]  # n x k x R
        held = np.zeros(rows.shape, dtype=np.int64)
        sources = np.zeros(rows.shape, dtype=np.int64)
        # One member at a time: adding small tables beats reducing over a short last axis.
        for member in range(clusters.shape[1]):
            got = self.supply[rows, clusters[:, member, None, None]]
            held += got
            sources += got > 0
        need = self.need[rows]
        short = np.maximum(0, need - held).reshape(count, -1).sum(axis=1)
        thin = ((sources < 2) & (need > 0)).reshape(count, -1).sum(axis=1)
        return short, thin

    def cells(self, clusters: IntArray) -> int:
        """Table cells ``terms`` reads for ``clusters``, to count its work."""
        k = clusters.shape[1]
        return len(clusters) * k * k * self.rows_of.shape[1] + STAFFING_CALL_CELLS

    def _cycle_shortfall(self, clusters: IntArray) -> IntArray:
        """The least shortfall over the cycles through each cluster (the first school fixed)."""
        size = clusters.shape[1]
        best = np.full(len(clusters), np.iinfo(np.int64).max, dtype=np.int64)
        for order in itertools.permutations(range(1, size)):
            path = [0, *order]
            total = np.zeros(len(clusters), dtype=np.int64)
            for k in range(size):
                a, b = clusters[:, path[k]], clusters[:, path[(k + 1) % size]]
                total += self.arc[a, b]
            best = np.minimum(best, total)
        return best


def local_staffing(demands: Demands, schools: IntArray, *, cycle: bool) -> LocalStaffing:
    """Dense tables of the demands hosted in one component (``schools``: global indices)."""
    local = {int(g): i for i, g in enumerate(schools.tolist())}
    m = len(schools)
    mine = np.flatnonzero(np.isin(demands.host, schools))
    hosts = np.asarray([local[int(g)] for g in demands.host[mine].tolist()], dtype=np.int64)
    per_school = np.bincount(hosts, minlength=m) if len(hosts) else np.zeros(m, dtype=np.int64)
    padding = len(mine)
    rows_of = np.full((m, max(1, int(per_school.max(initial=0)))), padding, dtype=np.int64)
    filled = np.zeros(m, dtype=np.int64)
    for r, s in enumerate(hosts.tolist()):
        rows_of[s, filled[s]] = r
        filled[s] += 1
    supply = np.zeros((padding + 1, m), dtype=np.int64)
    supply[:padding] = demands.supply(mine, schools)
    need = np.concatenate([demands.need[mine], [0]]).astype(np.int64)
    arc = np.zeros((m, m), dtype=np.int64)
    for r, b in enumerate(hosts.tolist()):
        arc[:, b] += np.maximum(0, need[r] - supply[r])
    return LocalStaffing(rows_of, need, supply, arc, cycle)
