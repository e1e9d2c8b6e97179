"""Bounds proven for a matching part, carried over to the same part with fewer pairs.

A feedback round forbids a few (reviewer, project) pairs and re-matches. A part that lost
pairs is a new problem, but every plan of it is also a plan of the part it came from, so the
optimum cannot have fallen: the old part's proven bound still holds, less what the objective
counts differently. The new part's search then starts with a bound it would otherwise spend
presolve and a root LP (12 s on a 38,000-pair region) to prove, and a repaired start already
within the gap limit of it needs no search at all.

When is a new part P' a *restriction* of an old part P? When both come from the same round
(everything but the candidate pairs is identical: the *frame*) and every pair of P' is a pair
of P with the same days, travel, fit and preference. Then a plan x of P' is a plan of P (the
projects of P outside P' unstaffed, its other reviewers idle) and its value in P is its value
in P' plus the unstaffed penalty of the projects P' lost, plus, if the SLE-balance term is on,
what the SLEs P' lost could add to the largest share. So

    optimum(P') >= bound(P) - unstaffed weight x projects lost - SLE weight x share added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from solvers.engine.memo import fingerprint
from solvers.matching.encode import MatchingProblem

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Proven:
    """One solved part: its pairs (sorted global keys with their data), staff and bound."""

    keys: IntArray
    data: npt.NDArray[np.int64]  # one row per key: days, travel, fit, preference
    staff: IntArray  # reviewers of the part, indices into the whole problem
    projects: int
    bound: float


def frame(problem: MatchingProblem) -> bytes:
    """A digest of everything in a problem except its candidate pairs."""
    empty = np.zeros(0, dtype=np.int64)
    return fingerprint(
        replace(
            problem,
            pair_staff=empty,
            pair_project=empty,
            pair_days=empty,
            pair_travel=empty,
            pair_fit=empty,
            pair_preference=empty,
            # A pair's area mask follows from its reviewer and project, like its days.
            pair_area_mask=None if problem.pair_area_mask is None else empty,
        )
    )


def _keys_and_data(problem: MatchingProblem, pairs: IntArray) -> tuple[IntArray, IntArray]:
    keys = problem.pair_project[pairs] * len(problem.staff_ids) + problem.pair_staff[pairs]
    data = np.stack(
        [
            problem.pair_days[pairs],
            problem.pair_travel[pairs],
            problem.pair_fit[pairs],
            problem.pair_preference[pairs],
        ],
        axis=1,
    )
    order = np.argsort(keys, kind="stable")
    return keys[order], data[order]


class CarriedBounds:
    """Proven part bounds by frame; ``bound_for`` answers for a restriction of a known part."""

    def __init__(self) -> None:
        self._proven: dict[bytes, list[_Proven]] = {}

    def remember(
        self, frame_key: bytes, problem: MatchingProblem, pairs: IntArray, bound: float
    ) -> None:
        keys, data = _keys_and_data(problem, pairs)
        self._proven.setdefault(frame_key, []).append(
            _Proven(
                keys=keys,
                data=data,
                staff=np.unique(problem.pair_staff[pairs]),
                projects=len(np.unique(problem.pair_project[pairs])),
                bound=bound,
            )
        )

    def bound_for(
        self, frame_key: bytes, problem: MatchingProblem, pairs: IntArray
    ) -> float | None:
        """A lower bound on the optimum of the part on ``pairs``, if it restricts a known part."""
        if len(pairs) == 0:
            return None
        keys, data = _keys_and_data(problem, pairs)
        for old in reversed(self._proven.get(frame_key, [])):
            at = np.searchsorted(old.keys, keys)
            inside = at < len(old.keys)
            if not inside.all() or not (old.keys[at] == keys).all():
                continue
            if not (old.data[at] == data).all():
                continue
            lost_projects = old.projects - len(np.unique(problem.pair_project[pairs]))
            staff = np.unique(problem.pair_staff[pairs])
            share_added = _sle_share_added(problem, old.staff, staff)
            return (
                old.bound
                - problem.weights.unstaffed * lost_projects
                - problem.weights.sle_balance * share_added
            )
        return None


def _sle_share_added(problem: MatchingProblem, old_staff: IntArray, staff: IntArray) -> int:
    """How much the SLEs a part lost can raise its largest allowance share (percent).

    Idle, a lost SLE still counts in the old part with the days used earlier this year; the
    largest share of the new part is at least that of its own SLEs' earlier days.
    """
    if not problem.sle_share_on() or not problem.weights.sle_balance:
        return 0
    lost = np.setdiff1d(old_staff, staff)
    lost = lost[problem.staff_is_sle[lost]]
    if len(lost) == 0:
        return 0
    kept = staff[problem.staff_is_sle[staff]]

    def largest(group: IntArray) -> int:
        return max((problem.sle_share(i, int(problem.sle_days_used[i])) for i in group), default=0)

    return max(0, largest(lost) - largest(kept))
