"""Independent parts of a matching problem, solved one at a time.

Two schools are linked when a reviewer of one may serve a project of the other. Every hard rule
and soft term stays inside a group of linked schools (a reviewer's capacity, a school's
release and give-and-take, the no-swap rule, a team), so the groups are independent problems.
The one term that would reach across groups, SLE balance, is defined per group
(docs/model.md): an SLE in one town does not compete with an SLE sixty miles away.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import numpy as np
import numpy.typing as npt

from solvers.engine.calibration import (
    MAX_PART_PAIRS,
)
from solvers.matching.encode import MatchingProblem

IntArray = npt.NDArray[np.int64]




def pair_parts(problem: MatchingProblem, *, max_pairs: int | None = None) -> list[IntArray]:
    """Pair indices of each part, ordered by their first pair.

    Independent parts first (exact). A part larger than ``max_pairs`` (a national cohort,
    where chains of nearby schools link the whole country) is cut into regions by recursive
    bisection of its schools' positions, and pairs between regions are left out: reviewers
    then serve within their region, as regional programmes do. ``dropped_pairs`` counts them.
    """
    max_pairs = MAX_PART_PAIRS if max_pairs is None else max_pairs
    parts: list[IntArray] = []
    for part in _connected_parts(problem):
        if len(part) > max_pairs and problem.school_position is not None:
            parts.extend(_regions(problem, part, max_pairs, problem.school_position))
        else:
            parts.append(part)
    return sorted(parts, key=lambda pairs: int(pairs[0]))


def school_windows(
    problem: MatchingProblem, *, turned: bool, max_pairs: int | None = None
) -> IntArray:
    """Each school's window (-1: in none), for improving a plan of a very large round window
    by window (``solvers.search.windows``); no window holds more than ``max_pairs`` pairs.

    Unturned, the windows are the regions of ``pair_parts``. Turned, they are regions cut the
    same way on the map turned by 45 degrees, so their boundaries cross the regions' instead
    of running along them: a pair between two regions mostly lies inside one turned window.
    """
    max_pairs = MAX_PART_PAIRS if max_pairs is None else max_pairs
    position = problem.school_position
    if position is None:
        raise ValueError("windows need school positions")
    if turned:
        position = position @ np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2.0)
    windows: list[IntArray] = []
    for part in _connected_parts(problem):
        windows.extend(
            _regions(problem, part, max_pairs, position) if len(part) > max_pairs else [part]
        )
    return school_labels(problem, windows)


def school_labels(problem: MatchingProblem, parts: list[IntArray]) -> IntArray:
    """Each school's part, by the index of ``parts`` (disjoint pair sets, such as
    ``pair_parts``' answer), or -1 for a school in none."""
    label = np.full(len(problem.school_ids), -1, dtype=np.int64)
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    for n, pairs in enumerate(parts):
        label[giving[pairs]] = n
        label[hosting[pairs]] = n
    return label


def dropped_pairs(problem: MatchingProblem, parts: list[IntArray]) -> int:
    """Candidate pairs that fall between regions, in no part."""
    return problem.n_pairs - sum(len(part) for part in parts)


def _regions(
    problem: MatchingProblem,
    pairs: IntArray,
    max_pairs: int,
    position: npt.NDArray[np.float64],
) -> list[IntArray]:
    """Split along the wider axis at the median school until every region is small enough."""
    giving = problem.staff_school[problem.pair_staff[pairs]]
    hosting = problem.project_host[problem.pair_project[pairs]]
    schools = np.unique(np.concatenate([giving, hosting]))
    where = position[schools]
    axis = int(np.argmax(where.max(axis=0) - where.min(axis=0)))
    order = schools[np.argsort(where[:, axis], kind="stable")]
    left = np.zeros(len(problem.school_ids), dtype=np.bool_)
    left[order[: len(order) // 2]] = True
    regions = []
    for side in (True, False):
        inside = pairs[(left[giving] == side) & (left[hosting] == side)]
        if len(inside) == 0:
            continue
        if len(inside) > max_pairs and len(order) > 2:
            regions.extend(_regions(problem, inside, max_pairs, position))
        else:
            regions.append(inside)
    return regions


def _connected_parts(problem: MatchingProblem) -> list[IntArray]:
    """Pair indices of each independent part (schools linked by a possible pairing)."""
    groups = nx.utils.UnionFind()
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    for a, b in zip(giving.tolist(), hosting.tolist(), strict=True):
        groups.union(a, b)
    roots = np.array([groups[a] for a in giving.tolist()], dtype=np.int64)
    parts: dict[int, list[int]] = {}
    for k, root in enumerate(roots.tolist()):
        parts.setdefault(root, []).append(k)
    return [np.array(pairs, dtype=np.int64) for pairs in parts.values()]


def restrict(
    problem: MatchingProblem, pairs: IntArray
) -> tuple[MatchingProblem, IntArray, IntArray]:
    """The sub-problem on some pairs, with the staff and project indices it keeps (old ids)."""
    staff = np.unique(problem.pair_staff[pairs])
    projects = np.unique(problem.pair_project[pairs])
    staff_map = np.full(len(problem.staff_ids), -1, dtype=np.int64)
    staff_map[staff] = np.arange(len(staff))
    project_map = np.full(len(problem.project_ids), -1, dtype=np.int64)
    project_map[projects] = np.arange(len(projects))
    sub = replace(
        problem,
        staff_ids=tuple(problem.staff_ids[i] for i in staff.tolist()),
        project_ids=tuple(problem.project_ids[j] for j in projects.tolist()),
        staff_school=problem.staff_school[staff],
        staff_max_days=problem.staff_max_days[staff],
        staff_is_sle=problem.staff_is_sle[staff],
        staff_is_lead=problem.staff_is_lead[staff],
        sle_days_used=problem.sle_days_used[staff],
        project_host=problem.project_host[projects],
        project_min=problem.project_min[projects],
        project_max=problem.project_max[projects],
        project_needs_lead=problem.project_needs_lead[projects],
        project_needs_sle=problem.project_needs_sle[projects],
        pair_staff=staff_map[problem.pair_staff[pairs]],
        pair_project=project_map[problem.pair_project[pairs]],
        pair_days=problem.pair_days[pairs],
        pair_travel=problem.pair_travel[pairs],
        pair_fit=problem.pair_fit[pairs],
        pair_preference=problem.pair_preference[pairs],
        project_area_count=(
            None if problem.project_area_count is None else problem.project_area_count[projects]
        ),
        pair_area_mask=None if problem.pair_area_mask is None else problem.pair_area_mask[pairs],
        staff_role=None if problem.staff_role is None else problem.staff_role[staff],
        staff_sle_allowance=(
            None if problem.staff_sle_allowance is None else problem.staff_sle_allowance[staff]
        ),
        project_role=None if problem.project_role is None else problem.project_role[projects],
    )
    return sub, staff, projects


def extend_parts(
    problem: MatchingProblem, parts: list[IntArray], first_new: int
) -> list[IntArray]:
    """The independent parts of ``problem`` whose pairs from ``first_new`` on, all at one
    host, were appended to a problem whose parts were ``parts``
    (``solvers.matching.encode.append_pairs``): the new pairs join the parts of their schools
    into one, without working out every part again (half a second on a region, asked once
    per relaxation tried)."""
    if first_new >= problem.n_pairs:
        return parts
    new = np.arange(first_new, problem.n_pairs, dtype=np.int64)
    giving = problem.staff_school[problem.pair_staff[new]]
    hosting = problem.project_host[problem.pair_project[new]]
    if len(set(hosting.tolist())) > 1:
        raise ValueError("extend_parts joins pairs appended at one host")
    label = school_labels(problem, parts)
    joined = set(label[giving].tolist()) | set(label[hosting].tolist())
    joined.discard(-1)
    merged = np.sort(np.concatenate([new, *(parts[n] for n in sorted(joined))]))
    kept = [pairs for n, pairs in enumerate(parts) if n not in joined]
    return sorted([*kept, merged], key=lambda pairs: int(pairs[0]))


def own_schools(problem: MatchingProblem) -> MatchingProblem:
    """``problem`` with only the schools its reviewers and hosts belong to, re-indexed (a
    neighbourhood of a region touches a few hundred of its 2,000 schools, and a model loops
    over every school). The others' give-and-take gaps are constants the objective then
    leaves out: compare plans of the result by difference, not by value."""
    keep = np.unique(np.concatenate([problem.staff_school, problem.project_host]))
    index = np.full(len(problem.school_ids), -1, dtype=np.int64)
    index[keep] = np.arange(len(keep))

    def some(values: IntArray | None) -> IntArray | None:
        return None if values is None else values[keep]

    return replace(
        problem,
        school_ids=tuple(problem.school_ids[s] for s in keep.tolist()),
        staff_school=index[problem.staff_school],
        project_host=index[problem.project_host],
        school_release=problem.school_release[keep],
        school_position=None if problem.school_position is None else problem.school_position[keep],
        school_days_offset=some(problem.school_days_offset),
        school_cover_days=some(problem.school_cover_days),
    )
