"""The matching model's LP relaxation as sparse arrays, for a proven bound on a whole round.

A national round is solved window by window, and windows prove bounds only for themselves.
This states the whole round's model (docs/model.md) once more as a linear program,
``min c.v + constant`` subject to ``row_lower <= A v <= row_upper`` and
``lower <= v <= upper``, with every variable boxed so that any dual vector gives a bound
(``solvers.matching.lp_bound``). Its optimum is at most the best plan's objective: every plan,
with its integer variables as numbers, is a point of it.

Three things make it tighter than the textbook relaxation (``solvers.baselines.solve_linear``)
and are all true of every plan, so the bound stays a bound:

- a pair whose days exceed what its reviewer or their school has left is 0, and a project
  with fewer such usable candidates than its minimum has ``staffed = 0``: otherwise the LP
  staffs it a fraction, and each fraction is worth up to the whole unstaffed weight;
- ``caps``: groups of projects of which no plan staffs more than a proven number
  (``solvers.bounds.most_staffed``), one row each;
- the SLE-balance share of a part is at least its SLEs' shares from history alone, rounded up
  as the objective rounds them.

The no-swap rule is left out: the relaxation of a model with fewer rules is still a bound, and
in the LP the rule only asks that two fractional directions sum to at most one per pair of
schools (one row per pair of both directions, about as many rows as pairs).
Leads are counted as a row per project (``sum of lead-able candidates >= staffed``), which
is what the model's ``lead`` variables come to once relaxed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from solvers.engine.decompose import school_labels
from solvers.matching.capacity import staff_days_left
from solvers.matching.encode import MatchingProblem

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearRelaxation:
    """``min objective.v + constant`` s.t. ``row_lower <= A v <= row_upper``,
    ``lower <= v <= upper``; ``A`` as coordinates (``rows``, ``columns``, ``values``)."""

    objective: FloatArray
    constant: float
    lower: FloatArray
    upper: FloatArray
    rows: IntArray
    columns: IntArray
    values: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    # Each column's region: the part of its project's host (a pair, staffed), its school (a
    # give-and-take gap) or its own part (an SLE share), ``n_parts`` for a school in no part.
    # Nearly every row then lies within one region, which solves the LP region by region
    # (``solvers.bounds.by_region``).
    column_region: IntArray
    row_region: IntArray  # each row's region: a reviewer's and a school's theirs, else as above

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def n_columns(self) -> int:
        return len(self.objective)

    def keeping(self, kept: npt.NDArray[np.bool_]) -> LinearRelaxation:
        """The LP on the ``kept`` columns only, the others fixed at zero (each must allow
        zero). Its rows are this LP's, in order, so its duals are duals of this LP too."""
        if (~kept & ((self.lower > 0) | (self.upper < 0))).any():
            raise ValueError("a column left out must allow zero")
        number = np.cumsum(kept) - 1
        entries = kept[self.columns]
        return replace(
            self,
            objective=self.objective[kept],
            lower=self.lower[kept],
            upper=self.upper[kept],
            rows=self.rows[entries],
            columns=number[self.columns[entries]],
            values=self.values[entries],
            column_region=self.column_region[kept],
        )


class _Builder:
    """Columns and rows appended block by block, each block as numpy arrays."""

    def __init__(self) -> None:
        self.objective: list[FloatArray] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.row_lower: list[FloatArray] = []
        self.row_upper: list[FloatArray] = []
        self.region: list[IntArray] = []
        self.row_region: list[IntArray] = []
        self.n_columns = 0
        self.n_rows = 0

    def columns(
        self, cost: FloatArray, lower: FloatArray, upper: FloatArray, region: IntArray
    ) -> IntArray:
        first = self.n_columns
        self.region.append(np.asarray(region, dtype=np.int64))
        self.objective.append(np.asarray(cost, dtype=np.float64))
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.n_columns += len(cost)
        return np.arange(first, self.n_columns, dtype=np.int64)

    def rows_of(
        self,
        row: IntArray,
        column: IntArray,
        value: FloatArray,
        bounds: tuple[FloatArray, FloatArray],
        region: IntArray | None = None,
    ) -> None:
        """Rows ``bounds[0] <= sum(value * v[column]) <= bounds[1]``; ``row`` numbers them
        from 0 within this block. Each row's ``region`` is by default its last column's: the
        column that is not a pair's (staffed, gap, share) where the row has one, as every
        row but a reviewer's or a school's days has."""
        lower, upper = bounds
        if region is None:
            last = np.full(len(lower), -1, dtype=np.int64)
            np.maximum.at(last, row, column)
            region = np.concatenate(self.region)[last]
        self.entries.append(
            (row.astype(np.int64) + self.n_rows, column.astype(np.int64), value.astype(float))
        )
        self.row_region.append(np.asarray(region, dtype=np.int64))
        self.row_lower.append(np.asarray(lower, dtype=np.float64))
        self.row_upper.append(np.asarray(upper, dtype=np.float64))
        self.n_rows += len(lower)

    def build(self, constant: float) -> LinearRelaxation:
        empty_int = np.zeros(0, dtype=np.int64)
        empty = np.zeros(0, dtype=np.float64)
        rows, columns, values = (
            (np.concatenate(parts) if parts else fallback)
            for parts, fallback in (
                ([e[0] for e in self.entries], empty_int),
                ([e[1] for e in self.entries], empty_int),
                ([e[2] for e in self.entries], empty),
            )
        )
        return LinearRelaxation(
            objective=np.concatenate(self.objective),
            constant=constant,
            lower=np.concatenate(self.lower),
            upper=np.concatenate(self.upper),
            rows=np.asarray(rows, dtype=np.int64),
            columns=np.asarray(columns, dtype=np.int64),
            values=np.asarray(values, dtype=np.float64),
            row_lower=np.concatenate(self.row_lower) if self.row_lower else empty,
            row_upper=np.concatenate(self.row_upper) if self.row_upper else empty,
            column_region=np.concatenate(self.region),
            row_region=np.concatenate(self.row_region) if self.row_region else empty_int,
        )


def relaxation(
    problem: MatchingProblem,
    parts: Sequence[IntArray],
    caps: Sequence[tuple[IntArray, int]] = (),
) -> LinearRelaxation:
    """The LP relaxation of the whole matching model of ``problem``.

    ``parts`` are the groups SLE balance is measured in (``solvers.engine.decompose.pair_parts``,
    as the plan's objective measures it): one largest-share column per part. ``caps``: groups
    of projects (indices) and the most of each group any plan staffs.
    """
    p, w = problem, problem.weights
    b = _Builder()
    usable = usable_pairs(p)
    label = school_labels(p, list(parts))
    school_region = np.where(label < 0, len(parts), label)
    host_region = school_region[p.project_host]
    x = b.columns(
        (
            -w.expertise * p.pair_fit - w.preference * p.pair_preference + w.travel * p.pair_travel
        ).astype(np.float64),
        np.zeros(p.n_pairs),
        usable.astype(np.float64),
        host_region[p.pair_project],
    )
    n_projects = len(p.project_ids)
    y = b.columns(
        np.full(n_projects, -float(w.unstaffed)),
        np.zeros(n_projects),
        may_staff(p, usable).astype(np.float64),
        host_region,
    )
    _team_rows(b, p, x, y)
    _capacity_rows(b, p, x, school_region)
    for projects, most in caps:
        if len(projects) == 0:
            continue
        # A cap holds for any of its group's projects too, and a row inside one region is
        # one the regions' LPs see whole (``solvers.bounds.by_region``): keep the projects of
        # the region holding most of the group.
        regions, count = np.unique(host_region[projects], return_counts=True)
        inside = projects[host_region[projects] == regions[np.argmax(count)]]
        b.rows_of(
            np.zeros(len(inside), dtype=np.int64),
            y[inside],
            np.ones(len(inside)),
            (np.array([-np.inf]), np.array([float(most)])),
        )

    constant = float(w.unstaffed) * n_projects
    if w.give_take:
        constant += _give_take(b, p, x, school_region)
    if w.sle_balance and p.sle_share_on():
        _sle_balance(b, p, x, parts)
    return b.build(constant)


def usable_pairs(p: MatchingProblem) -> npt.NDArray[np.bool_]:
    """Pairs whose days fit what their reviewer and the reviewer's school have at all."""
    school = p.staff_school[p.pair_staff]
    return (p.pair_days <= staff_days_left(p)[p.pair_staff]) & (
        p.pair_days <= p.school_release[school]
    )


def may_staff(p: MatchingProblem, usable: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Projects with at least their minimum of usable candidates. With fewer a project cannot
    be staffed, but its LP could staff it count/minimum, worth a fraction of the unstaffed
    weight: fixing it unstaffed keeps that fraction out of the bound."""
    count = np.bincount(p.pair_project, weights=usable, minlength=len(p.project_ids))
    return count >= p.project_min


def _team_rows(b: _Builder, p: MatchingProblem, x: IntArray, y: IntArray) -> None:
    """Team size, and each kind of member a staffed team must have (lead, SLE, role, area)."""
    j = p.pair_project
    n_projects = len(p.project_ids)
    ones = np.ones(p.n_pairs)
    # min * staffed <= team <= max * staffed, as team - max * staffed <= 0 <= team - min * staffed
    projects = np.arange(n_projects, dtype=np.int64)
    for size, bounds in (
        (p.project_max, (np.full(n_projects, -np.inf), np.zeros(n_projects))),
        (p.project_min, (np.zeros(n_projects), np.full(n_projects, np.inf))),
    ):
        b.rows_of(
            np.concatenate([j, projects]),
            np.concatenate([x, y]),
            np.concatenate([ones, -size.astype(np.float64)]),
            bounds,
        )
    members = [
        (p.project_needs_lead, p.staff_is_lead[p.pair_staff]),
        (p.project_needs_sle, p.staff_is_sle[p.pair_staff]),
    ]
    if p.project_role is not None and p.staff_role is not None:
        wanted = p.project_role[j]
        members.append(
            (p.project_role >= 0, (wanted >= 0) & (p.staff_role[p.pair_staff] == wanted))
        )
    if p.project_area_count is not None and p.pair_area_mask is not None:
        for a in range(int(p.project_area_count.max())):
            members.append((p.project_area_count > max(a, 1), (p.pair_area_mask >> a & 1) == 1))
    for needs, has in members:
        _at_least_one(b, p, x, y, needs.astype(np.bool_), has.astype(np.bool_))


def _at_least_one(
    b: _Builder,
    p: MatchingProblem,
    x: IntArray,
    y: IntArray,
    needs: npt.NDArray[np.bool_],
    has: npt.NDArray[np.bool_],
) -> None:
    """For each project that ``needs``, the candidates that ``has`` sum to at least staffed."""
    wanting = np.flatnonzero(needs)
    if not len(wanting):
        return
    row_of = np.full(len(p.project_ids), -1, dtype=np.int64)
    row_of[wanting] = np.arange(len(wanting))
    pairs = np.flatnonzero(has & needs[p.pair_project])
    b.rows_of(
        np.concatenate([row_of[p.pair_project[pairs]], np.arange(len(wanting))]),
        np.concatenate([x[pairs], y[wanting]]),
        np.concatenate([np.ones(len(pairs)), -np.ones(len(wanting))]),
        (np.zeros(len(wanting)), np.full(len(wanting), np.inf)),
    )


def _capacity_rows(b: _Builder, p: MatchingProblem, x: IntArray, region: IntArray) -> None:
    """Each reviewer's days within max_days and (an SLE) the allowance left; each school's
    released days within release_days."""
    days = p.pair_days.astype(np.float64)
    n_staff = len(p.staff_ids)
    limit = staff_days_left(p).astype(np.float64)
    b.rows_of(
        p.pair_staff, x, days, (np.full(n_staff, -np.inf), limit), region[p.staff_school]
    )
    n_schools = len(p.school_ids)
    b.rows_of(
        p.staff_school[p.pair_staff],
        x,
        days,
        (np.full(n_schools, -np.inf), p.school_release.astype(np.float64)),
        region,
    )


def _give_take(b: _Builder, p: MatchingProblem, x: IntArray, region: IntArray) -> float:
    """One gap column per school, at least |given - received| (two rows); returns the
    weighted constant of schools with no candidate pair, whose gap is fixed."""
    w = float(p.weights.give_take)
    n_schools = len(p.school_ids)
    offset = (
        np.zeros(n_schools) if p.school_days_offset is None else p.school_days_offset.astype(float)
    )
    days = p.pair_days.astype(np.float64)
    giving = p.staff_school[p.pair_staff]
    hosting = p.project_host[p.pair_project]
    # net(s) = sum(days, giving s) - sum(days, hosting s); the gap needs gap >= offset + net
    # and gap >= -(offset + net). A bound on the gap keeps every column boxed.
    most = np.bincount(giving, days, n_schools) + np.bincount(hosting, days, n_schools)
    gap = b.columns(np.full(n_schools, w), np.zeros(n_schools), most + np.abs(offset), region)
    schools = np.arange(n_schools, dtype=np.int64)
    for sign in (1.0, -1.0):
        # gap - sign * net >= sign * offset
        b.rows_of(
            np.concatenate([schools, giving, hosting]),
            np.concatenate([gap, x, x]),
            np.concatenate([np.ones(n_schools), -sign * days, sign * days]),
            (sign * offset, np.full(n_schools, np.inf)),
        )
    linked = (
        np.bincount(giving, minlength=n_schools) + np.bincount(hosting, minlength=n_schools)
    ) > 0
    return w * float(np.abs(offset[~linked]).sum())


def _sle_balance(b: _Builder, p: MatchingProblem, x: IntArray, parts: Sequence[IntArray]) -> None:
    """One largest-share column per part: for each SLE with candidates in it,
    ``allowance * share >= 100 * (days used + days this round, over all their pairs)``."""
    allowance = p.sle_allowances().astype(np.float64)
    counted = p.staff_is_sle & (allowance > 0)
    used = p.sle_days_used.astype(np.float64)
    history = np.where(counted, np.ceil(100 * used / np.maximum(allowance, 1)), 0)
    earlier = history[counted]
    ceiling = max(100.0, float(earlier.max())) if len(earlier) else 100.0
    floors = np.zeros(len(parts))
    rows: list[tuple[IntArray, int]] = []
    for n, pairs in enumerate(parts):
        sles = np.unique(p.pair_staff[pairs])
        sles = sles[counted[sles]]
        rows.append((sles, n))
        floors[n] = history[sles].max() if len(sles) else 0.0
    share = b.columns(
        np.full(len(parts), float(p.weights.sle_balance)),
        floors,
        np.full(len(parts), ceiling),
        np.arange(len(parts), dtype=np.int64),
    )
    staff = np.concatenate([s for s, _n in rows] or [np.zeros(0, dtype=np.int64)])
    part = np.concatenate([np.full(len(s), n) for s, n in rows] or [np.zeros(0, dtype=np.int64)])
    # Each row's pairs: all of its SLE's pairs (the share counts every day they give).
    order = np.argsort(p.pair_staff, kind="stable")
    starts = np.searchsorted(p.pair_staff[order], np.arange(len(p.staff_ids) + 1))
    count = starts[staff + 1] - starts[staff]
    row = np.repeat(np.arange(len(staff)), count)
    pair = order[
        np.repeat(starts[staff] - np.cumsum(count) + count, count) + np.arange(count.sum())
    ]
    days = p.pair_days.astype(np.float64)
    b.rows_of(
        np.concatenate([np.arange(len(staff)), row]),
        np.concatenate([share[part], x[pair]]),
        np.concatenate([allowance[staff], -100 * days[pair]]),
        (100 * used[staff], np.full(len(staff), np.inf)),
    )
