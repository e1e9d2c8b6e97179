"""Round (string ids) -> MatchingProblem (indices and integer arrays) for the models.

This is the one place where ids become indices. Only (reviewer, project) pairs that pass every
pair rule of ``solvers.eligibility`` become candidates, so the models never see a forbidden pair.
Benchmarks build a MatchingProblem directly (e.g. from OR-Library GAP files).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.model import Project, Round, Staff, Weights
from solvers.eligibility import PairContext, Screen

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

    @property
    def n_pairs(self) -> int:
        return len(self.pair_staff)

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
    screen = Screen(ctx)
    pairs: list[tuple[Staff, Project]] = []
    for project in ctx.round.projects:
        if project.project_id in excluded_projects:
            continue
        _rule, allowed = screen.survivors(project)[-1]
        for i in sorted(allowed.tolist()):
            person = ctx.round.staff[i]
            if (person.staff_id, project.project_id) not in excluded_pairs:
                pairs.append((person, project))
    return pairs


def encode(
    round_: Round,
    *,
    excluded_pairs: Collection[tuple[str, str]] = frozenset(),
    excluded_projects: Collection[str] = frozenset(),
) -> MatchingProblem:
    """Turn a validated round into the index-level problem the models solve."""
    ctx = PairContext.of(round_)
    staff_index = {s.staff_id: i for i, s in enumerate(round_.staff)}
    project_index = {p.project_id: i for i, p in enumerate(round_.projects)}
    school_index = {s.school_id: i for i, s in enumerate(round_.schools)}
    preference = {(p.staff_id, p.project_id): p.preference for p in round_.preferences}
    pairs = candidate_pairs(ctx, excluded_pairs=excluded_pairs, excluded_projects=excluded_projects)

    def ints(values: list[int]) -> IntArray:
        return np.asarray(values, dtype=np.int64)

    def bools(values: list[bool]) -> BoolArray:
        return np.asarray(values, dtype=np.bool_)

    return MatchingProblem(
        staff_ids=tuple(staff_index),
        project_ids=tuple(project_index),
        school_ids=tuple(school_index),
        staff_school=ints([school_index[s.school_id] for s in round_.staff]),
        staff_max_days=ints([s.max_days for s in round_.staff]),
        staff_is_sle=bools([s.is_sle for s in round_.staff]),
        staff_is_lead=bools([s.lead_reviewer for s in round_.staff]),
        sle_days_used=ints([round_.sle_days_used(s.staff_id) for s in round_.staff]),
        sle_allowance=round_.settings.rules.sle_allowance_days,
        project_host=ints([school_index[p.host_school_id] for p in round_.projects]),
        project_min=ints([p.min_reviewers for p in round_.projects]),
        project_max=ints([p.max_reviewers for p in round_.projects]),
        project_needs_lead=bools([p.needs_lead for p in round_.projects]),
        project_needs_sle=bools([p.needs_sle for p in round_.projects]),
        school_release=ints([s.release_days for s in round_.schools]),
        pair_staff=ints([staff_index[s.staff_id] for s, _ in pairs]),
        pair_project=ints([project_index[p.project_id] for _, p in pairs]),
        pair_days=ints([p.days_per_reviewer for _, p in pairs]),
        pair_travel=ints(
            [
                round_.travel_minutes(s.school_id, p.host_school_id) * p.days_per_reviewer
                for s, p in pairs
            ]
        ),
        pair_fit=ints([expertise_fit(round_, s, p) for s, p in pairs]),
        pair_preference=ints([preference.get((s.staff_id, p.project_id), 0) for s, p in pairs]),
        weights=round_.settings.weights,
        no_direct_swap=round_.settings.rules.no_direct_swap,
    )
