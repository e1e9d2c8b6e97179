"""Round (string ids) -> MatchingProblem (indices and integer arrays) for the models.

This is the one place where ids become indices. Only (reviewer, project) pairs that pass every
pair rule of ``solvers.matching.eligibility`` become candidates, so the models never see a
forbidden pair.
Benchmarks build a MatchingProblem directly (e.g. from OR-Library GAP files).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from matcher.model import Project, Role, Round, Staff, Weights
from solvers.matching.cover import NO_COVER_CAP, cover_days
from solvers.matching.eligibility import PairContext, Screen, project_areas

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Expertise-fit points for one reviewer on one project (see docs/model.md).
FIT_SAME_PHASE = 2  # the reviewer works in a school of the host's phase, not only reviews it
FIT_LEAD_FOR_LEAD = 1  # a trained lead on a project that needs one
FIT_SLE_FOR_SLE = 1  # an SLE on a project that asks for one


@dataclass(frozen=True)
class MatchingProblem:
    """Index-level data of a matching problem; candidate pairs are parallel arrays."""

    staff_ids: tuple[str, ...]
    project_ids: tuple[str, ...]
    school_ids: tuple[str, ...]
    staff_school: IntArray
    staff_max_days: IntArray
    staff_is_sle: BoolArray
    staff_is_lead: BoolArray
    sle_days_used: IntArray
    sle_allowance: int
    project_host: IntArray
    project_min: IntArray
    project_max: IntArray
    project_needs_lead: BoolArray
    project_needs_sle: BoolArray
    school_release: IntArray
    pair_staff: IntArray
    pair_project: IntArray
    pair_days: IntArray
    pair_travel: IntArray  # the travel term's cost: one-way minutes x days out
    pair_fit: IntArray
    pair_preference: IntArray
    weights: Weights
    no_direct_swap: bool = True
    # Where each school is (grid metres or latitude/longitude), for splitting very large
    # rounds into regions; None when unknown.
    school_position: npt.NDArray[np.float64] | None = None
    # Staff-days each school gives minus those it receives in teams kept fixed outside this
    # problem (one window of a larger round, ``solvers.search.windows``); give-and-take counts them.
    school_days_offset: IntArray | None = None
    # locks.csv: (staff id, project id) pairs kept, and projects kept staffed (by id, so a
    # part of the problem keeps the locks that concern it).
    locked_pairs: frozenset[tuple[str, str]] = frozenset()
    locked_projects: frozenset[str] = frozenset()
    # Projects with several areas (projects.csv area "oracy;reading", rule areas_covered):
    # how many areas each project has, and per pair a bit mask of the project's areas the
    # reviewer has (bit a = the project's a-th area). None when every project has one area,
    # which the pair rule expertise_area already settles.
    project_area_count: IntArray | None = None
    pair_area_mask: IntArray | None = None
    # projects.csv needs_role (rule needs_role): each reviewer's role and the role each project
    # needs, as codes (-1: none needed); None when no project needs one.
    staff_role: IntArray | None = None
    project_role: IntArray | None = None
    # staff.csv sle_allowance_days: each reviewer's yearly SLE allowance (their own, else the
    # round's); None when nobody has their own, and ``sle_allowance`` holds for all.
    staff_sle_allowance: IntArray | None = None
    # schools.csv cover_budget (rule cover_budget): the staff-days out each school's cover
    # budget pays for at its cover cost per day (``NO_COVER_CAP`` without a budget); None when
    # no school has one.
    school_cover_days: IntArray | None = None

    @property
    def n_pairs(self) -> int:
        return len(self.pair_staff)

    def area_count(self, j: int) -> int:
        """How many areas project j has (1 when the problem records none)."""
        return 1 if self.project_area_count is None else int(self.project_area_count[j])

    def several_areas(self, j: int) -> bool:
        """Project j has more than one area, so its team must cover them together."""
        return self.area_count(j) > 1

    def areas_missing(self, j: int, team: Collection[int]) -> list[int]:
        """Bits of project j's areas nobody in ``team`` (pair indices) has, lowest first."""
        if self.project_area_count is None or self.pair_area_mask is None:
            return []
        covered = 0
        for k in team:
            covered |= int(self.pair_area_mask[k])
        return [1 << a for a in range(self.area_count(j)) if not covered >> a & 1]

    def cover_capped(self, s: int) -> bool:
        """School s has a cover budget that could limit it (rule cover_budget)."""
        return self.school_cover_days is not None and self.school_cover_days[s] < NO_COVER_CAP

    def school_days_cap(self) -> IntArray:
        """Staff-days each school may still give: release_days, and the cover budget's days."""
        if self.school_cover_days is None:
            return self.school_release
        return np.minimum(self.school_release, self.school_cover_days)

    def sle_allowances(self) -> IntArray:
        """Each reviewer's yearly SLE allowance (rule sle_allowance)."""
        if self.staff_sle_allowance is None:
            return np.full(len(self.staff_ids), self.sle_allowance, dtype=np.int64)
        return self.staff_sle_allowance

    def sle_share_on(self) -> bool:
        """Whether the SLE-balance term measures anything: some allowance is above zero.
        (Written so that a round without own allowances decides exactly as before.)"""
        if self.staff_sle_allowance is None:
            return self.sle_allowance > 0
        return bool((self.staff_sle_allowance > 0).any())

    def sle_share(self, i: int, days: int) -> int:
        """Percent of SLE i's allowance that ``days`` take, rounded up; 0 with no allowance
        (such an SLE gives no days, so counts in no share)."""
        allowance = int(self.sle_allowances()[i])
        return -(-100 * days // allowance) if allowance > 0 else 0

    def needs_role(self, j: int) -> bool:
        """Project j's team must include someone of a given role (rule needs_role)."""
        return self.project_role is not None and int(self.project_role[j]) >= 0

    def pair_has_role(self, k: int) -> bool:
        """Pair k's reviewer has the role its project needs (False when it needs none)."""
        if self.staff_role is None or self.project_role is None:
            return False
        wanted = int(self.project_role[self.pair_project[k]])
        return wanted >= 0 and int(self.staff_role[self.pair_staff[k]]) == wanted

    def has_role(self, j: int, team: Collection[int]) -> bool:
        """The team (pair indices) includes the role project j needs, or it needs none."""
        return not self.needs_role(j) or any(self.pair_has_role(k) for k in team)

    def pair_has_area(self, k: int, bit: int) -> bool:
        """Pair k's reviewer has the project's area of this bit (see ``areas_missing``)."""
        return self.pair_area_mask is not None and bool(int(self.pair_area_mask[k]) & bit)

    def covers_areas(self, j: int, team: Collection[int]) -> bool:
        """The team (pair indices) covers every area of project j (trivially, for one area)."""
        return not self.several_areas(j) or not self.areas_missing(j, team)

    def pairs_of_project(self) -> list[list[int]]:
        return _group(self.pair_project, len(self.project_ids))

    def pairs_of_staff(self) -> list[list[int]]:
        return _group(self.pair_staff, len(self.staff_ids))

    def pairs_of_giving_school(self) -> list[list[int]]:
        return _group(self.staff_school[self.pair_staff], len(self.school_ids))

    def pairs_of_receiving_school(self) -> list[list[int]]:
        return _group(self.project_host[self.pair_project], len(self.school_ids))


def _group(keys: IntArray, size: int) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in range(size)]
    for index, key in enumerate(keys.tolist()):
        groups[key].append(index)
    return groups


def expertise_fit(round_: Round, person: Staff, project: Project) -> int:
    """Soft-term points for how well a reviewer suits a project, beyond the hard rules."""
    home = round_.school_by_id[person.school_id]
    host = round_.school_by_id[project.host_school_id]
    points = FIT_SAME_PHASE if home.phase == host.phase else 0
    if project.needs_lead and person.lead_reviewer:
        points += FIT_LEAD_FOR_LEAD
    if project.needs_sle and person.is_sle:
        points += FIT_SLE_FOR_SLE
    return points


@dataclass(frozen=True)
class _Pairs:
    """Allowed pairs as parallel arrays, ordered by project then reviewer."""

    staff: IntArray
    project: IntArray
    minutes: IntArray


def _allowed(
    screen: Screen,
    excluded_pairs: Collection[tuple[str, str]],
    excluded_projects: Collection[str],
) -> _Pairs:
    round_ = screen.ctx.round
    blocked: dict[str, set[int]] = defaultdict(set)
    for staff_id, project_id in excluded_pairs:
        blocked[project_id].add(screen.staff_index[staff_id])
    staff_parts: list[IntArray] = []
    project_parts: list[IntArray] = []
    minute_parts: list[IntArray] = []
    for j, project in enumerate(round_.projects):
        if project.project_id in excluded_projects:
            continue
        _rule, allowed = screen.survivors(project)[-1]
        allowed = np.sort(allowed)
        if project.project_id in blocked:
            allowed = allowed[~np.isin(allowed, list(blocked[project.project_id]))]
        host = screen.school_index[project.host_school_id]
        staff_parts.append(allowed)
        project_parts.append(np.full(len(allowed), j, dtype=np.int64))
        minute_parts.append(screen.minutes(host, screen.staff_school[allowed]))

    def joined(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    return _Pairs(joined(staff_parts), joined(project_parts), joined(minute_parts))


def candidate_pairs(
    ctx: PairContext,
    *,
    excluded_pairs: Collection[tuple[str, str]] = frozenset(),
    excluded_projects: Collection[str] = frozenset(),
) -> list[tuple[Staff, Project]]:
    """Every (reviewer, project) pair that breaks no pair rule, in input order.

    ``excluded_pairs`` ((staff_id, project_id)) and ``excluded_projects`` come from outside
    the pair rules: scheduling feeds back the pairs whose calendars cannot be dated.
    """
    pairs = _allowed(Screen(ctx), excluded_pairs, excluded_projects)
    staff, projects = ctx.round.staff, ctx.round.projects
    return [
        (staff[i], projects[j])
        for i, j in zip(pairs.staff.tolist(), pairs.project.tolist(), strict=True)
    ]


def encode(
    round_: Round,
    *,
    excluded_pairs: Collection[tuple[str, str]] = frozenset(),
    excluded_projects: Collection[str] = frozenset(),
) -> MatchingProblem:
    """Turn a validated round into the index-level problem the models solve."""
    screen = Screen(PairContext.of(round_))
    pairs = _allowed(screen, excluded_pairs, excluded_projects)
    projects = round_.projects
    school_index = screen.school_index
    project_host = np.array([school_index[p.host_school_id] for p in projects], dtype=np.int64)
    project_days = np.array([p.days_per_reviewer for p in projects], dtype=np.int64)
    needs_lead = np.array([p.needs_lead for p in projects], dtype=np.bool_)
    needs_sle = np.array([p.needs_sle for p in projects], dtype=np.bool_)
    host = project_host[pairs.project]
    scoping = np.array([p.scoping_days for p in projects], dtype=np.int64)
    pair_days = _booked_days(
        project_days[pairs.project],
        scoping[pairs.project],
        needs_lead[pairs.project],
        screen.is_lead[pairs.staff],
    )
    same_phase = screen.school_phase[screen.staff_school[pairs.staff]] == screen.school_phase[host]
    # Expertise fit (docs/model.md), the vectorised twin of ``expertise_fit``.
    fit = (
        FIT_SAME_PHASE * same_phase
        + FIT_LEAD_FOR_LEAD * (needs_lead[pairs.project] & screen.is_lead[pairs.staff])
        + FIT_SLE_FOR_SLE * (needs_sle[pairs.project] & screen.is_sle[pairs.staff])
    ).astype(np.int64)
    return MatchingProblem(
        staff_ids=tuple(s.staff_id for s in round_.staff),
        project_ids=tuple(p.project_id for p in projects),
        school_ids=tuple(s.school_id for s in round_.schools),
        staff_school=screen.staff_school,
        staff_max_days=screen.max_days,
        staff_is_sle=screen.is_sle,
        staff_is_lead=screen.is_lead,
        sle_days_used=screen.sle_used,
        sle_allowance=round_.settings.rules.sle_allowance_days,
        project_host=project_host,
        project_min=np.array([p.min_reviewers for p in projects], dtype=np.int64),
        project_max=np.array([p.max_reviewers for p in projects], dtype=np.int64),
        project_needs_lead=needs_lead,
        project_needs_sle=needs_sle,
        school_release=screen.school_release,
        pair_staff=pairs.staff,
        pair_project=pairs.project,
        pair_days=pair_days,
        pair_travel=pairs.minutes * project_days[pairs.project],
        pair_fit=fit,
        pair_preference=_preferences(round_, screen, pairs),
        weights=round_.settings.weights,
        no_direct_swap=round_.settings.rules.no_direct_swap,
        school_position=screen.positions,
        locked_pairs=frozenset((lk.staff_id, lk.project_id) for lk in round_.locks if lk.staff_id),
        locked_projects=frozenset(lk.project_id for lk in round_.locks),
        **_areas(round_, screen, pairs),
        **_roles(round_),
        school_cover_days=_cover_days(round_),
        staff_sle_allowance=(
            None
            if all(s.sle_allowance_days is None for s in round_.staff)
            else np.array([round_.sle_allowance(s.staff_id) for s in round_.staff], dtype=np.int64)
        ),
    )


def append_pairs(
    problem: MatchingProblem, screen: Screen, project: int, staff: IntArray
) -> MatchingProblem:
    """``problem`` with more candidate pairs for one project (index ``project``): ``staff``
    (staff indices, ascending) whom a relaxed pair rule lets serve it. The new pairs come
    after the old ones, so every pair keeps its index; their columns are worked out as
    ``encode`` works them out, from ``screen`` (the round's, whose people, schools and
    preferences the relaxed round shares)."""
    round_ = screen.ctx.round
    chosen = round_.projects[project]
    host = screen.school_index[chosen.host_school_id]
    staff = np.asarray(staff, dtype=np.int64)
    pairs = _Pairs(
        staff,
        np.full(len(staff), project, dtype=np.int64),
        screen.minutes(host, screen.staff_school[staff]),
    )
    days = chosen.days_per_reviewer
    same_phase = screen.school_phase[screen.staff_school[staff]] == screen.school_phase[host]
    fit = (
        FIT_SAME_PHASE * same_phase
        + FIT_LEAD_FOR_LEAD * (chosen.needs_lead & screen.is_lead[staff])
        + FIT_SLE_FOR_SLE * (chosen.needs_sle & screen.is_sle[staff])
    ).astype(np.int64)
    masks = None
    if problem.pair_area_mask is not None:
        areas = project_areas(chosen)
        has = [screen.ctx.specialisms[round_.staff[i].staff_id] for i in staff.tolist()]
        masks = np.array(
            [sum(1 << n for n, a in enumerate(areas) if a in own) for own in has], dtype=np.int64
        )

    def more(old: IntArray, new: IntArray) -> IntArray:
        return np.concatenate([old, new.astype(old.dtype)])

    return replace(
        problem,
        pair_staff=more(problem.pair_staff, staff),
        pair_project=more(problem.pair_project, pairs.project),
        pair_days=more(
            problem.pair_days,
            _booked_days(
                np.full(len(staff), days, dtype=np.int64),
                np.full(len(staff), chosen.scoping_days, dtype=np.int64),
                np.full(len(staff), chosen.needs_lead, dtype=np.bool_),
                screen.is_lead[staff],
            ),
        ),
        pair_travel=more(problem.pair_travel, pairs.minutes * days),
        pair_fit=more(problem.pair_fit, fit),
        pair_preference=more(problem.pair_preference, _preferences_of(round_, chosen, staff)),
        pair_area_mask=(
            None if masks is None or problem.pair_area_mask is None
            else more(problem.pair_area_mask, masks)
        ),
    )


def _booked_days(
    days: IntArray,
    scoping: IntArray,
    needs_lead: npt.NDArray[np.bool_],
    is_lead: npt.NDArray[np.bool_],
) -> IntArray:
    """Each pair's days booked against its reviewer's budgets: the project's days, plus the
    scoping meeting's half day for whoever may attend it.

    Who attends (the lead, else the member first by staff id) is settled only with the whole
    team, so the half day is booked against every pair that could attend, and no plan the
    solvers make overruns a budget (docs/scheduling.md)."""
    return days + scoping * (~needs_lead | is_lead)


def _preferences_of(round_: Round, project: Project, staff: IntArray) -> IntArray:
    """``_preferences`` for pairs of one project: only its rows are looked at."""
    given = {
        row.staff_id: row.preference
        for row in round_.preferences
        if row.project_id == project.project_id
    }
    return np.array(
        [given.get(round_.staff[i].staff_id, 0) for i in staff.tolist()], dtype=np.int64
    )


def resettled(problem: MatchingProblem, round_: Round) -> MatchingProblem:
    """``problem`` under the settings and project sizes of ``round_``, the same round with a
    rule relaxed (a team size, the SLE allowance, the no-swap rule): what those decide
    without touching the candidate pairs, which ``append_pairs`` adds to."""
    own = any(s.sle_allowance_days is not None for s in round_.staff)
    return replace(
        problem,
        project_min=np.array([p.min_reviewers for p in round_.projects], dtype=np.int64),
        project_max=np.array([p.max_reviewers for p in round_.projects], dtype=np.int64),
        sle_allowance=round_.settings.rules.sle_allowance_days,
        staff_sle_allowance=(
            np.array([round_.sle_allowance(s.staff_id) for s in round_.staff], dtype=np.int64)
            if own
            else None
        ),
        no_direct_swap=round_.settings.rules.no_direct_swap,
        weights=round_.settings.weights,
    )


def _cover_days(round_: Round) -> IntArray | None:
    if all(s.cover_budget is None for s in round_.schools):
        return None
    return np.array([cover_days(round_, s) for s in round_.schools], dtype=np.int64)


def _roles(round_: Round) -> dict[str, IntArray | None]:
    """``staff_role`` and ``project_role`` as codes, or None for both when no project needs a
    role (the problem then stays exactly as before)."""
    if all(p.needs_role is None for p in round_.projects):
        return {"staff_role": None, "project_role": None}
    code = {role: n for n, role in enumerate(Role)}
    return {
        "staff_role": np.array([code[s.role] for s in round_.staff], dtype=np.int64),
        "project_role": np.array(
            [-1 if p.needs_role is None else code[p.needs_role] for p in round_.projects],
            dtype=np.int64,
        ),
    }


def _areas(round_: Round, screen: Screen, pairs: _Pairs) -> dict[str, IntArray | None]:
    """``project_area_count`` and ``pair_area_mask``, or None for both when no project has
    several areas (the problem, and every plan, then stay exactly as before)."""
    areas = [project_areas(p) for p in round_.projects]
    if all(len(a) <= 1 for a in areas):
        return {"project_area_count": None, "pair_area_mask": None}
    specialisms = screen.ctx.specialisms
    masks = [
        sum(
            1 << n
            for n, area in enumerate(areas[j])
            if area in specialisms[round_.staff[i].staff_id]
        )
        for i, j in zip(pairs.staff.tolist(), pairs.project.tolist(), strict=True)
    ]
    return {
        "project_area_count": np.array([len(a) for a in areas], dtype=np.int64),
        "pair_area_mask": np.array(masks, dtype=np.int64),
    }


def _preferences(round_: Round, screen: Screen, pairs: _Pairs) -> IntArray:
    """Each pair's preference (0 when the reviewer gave none), found by binary search."""
    values = np.zeros(len(pairs.staff), dtype=np.int64)
    if not round_.preferences:
        return values
    project_index = {p.project_id: j for j, p in enumerate(round_.projects)}
    # Pairs are sorted by project, then reviewer: one combined key orders them all.
    keys = pairs.project * len(round_.staff) + pairs.staff
    for row in round_.preferences:
        key = project_index[row.project_id] * len(round_.staff) + screen.staff_index[row.staff_id]
        at = int(np.searchsorted(keys, key))
        if at < len(keys) and keys[at] == key:
            values[at] = row.preference
    return values
