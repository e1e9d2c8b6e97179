"""Round (string ids) -> ClusterProblem (indices and arrays) for forming peer-review clusters.

The one place where school ids become indices for clustering. Travel is only ever needed
between schools close enough to share a cluster, so instead of a table of every pair (four
million for a 2,000-school region) the near pairs are found by a sweep over the schools sorted
north to south, and only those get an exact journey time from ``Round.travel_minutes`` (the
same function the plan checker uses, so solver and checker can never disagree on a minute).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.model import ClusterSettings, Rating, Round
from solvers.clusters.staffing import Demands, staffing_demands

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

KM_PER_DEGREE = 111.19  # one degree of latitude (a lower bound on any great-circle degree)
_SWEEP_MARGIN_KM = 0.5  # slack so rounding never drops a pair the exact check would keep


@dataclass(frozen=True)
class ClusterProblem:
    """Index-level data for clustering; school ``i`` is ``school_ids[i]``.

    ``near_a < near_b`` lists every pair whose longer one-way journey (``near_minutes``) is
    within ``settings.max_travel_minutes``; no other pair can share a cluster.
    """

    school_ids: tuple[str, ...]
    phase: IntArray
    trust: IntArray  # -1: standalone
    weak: BoolArray  # rated needs_improvement
    strong: BoolArray  # rated strong
    rated: bool  # some school has a rating: the mix rules apply
    pinned: IntArray  # index into pinned_ids, -1: free to cluster
    pinned_ids: tuple[str, ...]
    pinned_hub: BoolArray  # marked hub in a pinned cluster
    previous: IntArray  # last year's (unpinned) cluster, -1: none
    previous_arcs: frozenset[tuple[int, int]]  # reviewer -> host, from rotation.csv
    near_a: IntArray
    near_b: IntArray
    near_minutes: IntArray
    settings: ClusterSettings
    # What each school's projects need and who could serve them, when clusters are priced by
    # what they can staff (``staffing_priced``); None otherwise.
    demands: Demands | None = None

    @property
    def n(self) -> int:
        return len(self.school_ids)

    def free(self) -> IntArray:
        """Schools not in a pinned cluster, in index order."""
        return np.flatnonzero(self.pinned < 0)


def staffing_priced(settings: ClusterSettings) -> bool:
    """Whether clusters are priced by the projects they cannot staff: matching stays inside
    them (``within`` or a review cycle) and the penalty is on; partitions only (not hubs)."""
    inside = settings.cluster_scope == "within" or settings.review_cycle
    return inside and settings.staffing_penalty > 0 and settings.mode == "partition"


def _codes(values: list[str | None]) -> IntArray:
    """A small integer per distinct value in order of first appearance; None is -1."""
    index: dict[str, int] = {}
    return np.asarray(
        [-1 if v is None else index.setdefault(v, len(index)) for v in values], dtype=np.int64
    )


def _planar_km(round_: Round) -> tuple[np.ndarray, np.ndarray, bool]:
    """North-south and east-west positions in km; True when they are latitude/longitude."""
    schools = round_.schools
    if all(s.latitude is not None and s.longitude is not None for s in schools):
        lat = np.asarray([s.latitude for s in schools], dtype=float)
        lon = np.asarray([s.longitude for s in schools], dtype=float)
        return lat * KM_PER_DEGREE, lon, True
    north = np.asarray([(s.northing or 0.0) / 1000.0 for s in schools])
    east = np.asarray([(s.easting or 0.0) / 1000.0 for s in schools])
    return north, east, False


def reach_km(round_: Round, minutes: int) -> float:
    """The longest straight line an estimated journey of ``minutes`` can cover."""
    travel = round_.settings.travel
    driving = minutes - travel.overhead_minutes
    if driving < 0:
        return -1.0
    return driving * travel.speed_kmh / (60.0 * travel.detour_factor)


def _candidate_pairs(round_: Round, minutes: int) -> set[tuple[int, int]]:
    """Index pairs (a < b) that might be within ``minutes``: a superset of the true ones."""
    radius = reach_km(round_, minutes)
    pairs: set[tuple[int, int]] = set()
    index = {s.school_id: i for i, s in enumerate(round_.schools)}
    for row in round_.travel_times:  # a given journey can be quicker than any estimate
        a, b = index[row.from_school_id], index[row.to_school_id]
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    if radius < 0:
        return pairs
    north, east, latlon = _planar_km(round_)
    reach = radius + _SWEEP_MARGIN_KM
    order = np.argsort(north, kind="stable")
    sorted_north = north[order]
    upper = np.searchsorted(sorted_north, sorted_north + reach, side="right")
    for position, a in enumerate(order.tolist()):
        others = order[position + 1 : upper[position]]
        if not len(others):
            continue
        if latlon:
            # Longitude degrees shrink towards the poles; the great-circle check below is exact.
            km = _haversine_km(north[a], east[a], north[others], east[others])
        else:
            km = np.hypot(north[others] - north[a], east[others] - east[a])
        for b in others[km <= reach].tolist():
            pairs.add((min(a, b), max(a, b)))
    return pairs


def _haversine_km(
    north_a: float, lon_a: float, north_b: np.ndarray, lon_b: np.ndarray
) -> np.ndarray:
    lat_a, lat_b = np.radians(north_a / KM_PER_DEGREE), np.radians(north_b / KM_PER_DEGREE)
    dlon = np.radians(lon_b - lon_a)
    h = np.sin((lat_b - lat_a) / 2) ** 2 + np.cos(lat_a) * np.cos(lat_b) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def near_pairs(round_: Round, minutes: int) -> tuple[IntArray, IntArray, IntArray]:
    """Every pair a < b whose longer one-way journey is within ``minutes``, with that time."""
    ids = [s.school_id for s in round_.schools]
    found: list[tuple[int, int, int]] = []
    for a, b in sorted(_candidate_pairs(round_, minutes)):
        longer = max(round_.travel_minutes(ids[a], ids[b]), round_.travel_minutes(ids[b], ids[a]))
        if longer <= minutes:
            found.append((a, b, longer))
    table = np.asarray(found, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def encode_clusters(round_: Round, settings: ClusterSettings | None = None) -> ClusterProblem:
    """Turn a validated round into the index-level clustering problem.

    Parameters
    ----------
    round_
        The round; its ``clusters`` are the existing clusters (pinned ones are kept, the
        others are last year's) and its ``rotation`` the directions used last time.
    settings
        Overrides ``round_.settings.clusters`` (for experiments and benchmarks).
    """
    settings = round_.settings.clusters if settings is None else settings
    ids = tuple(s.school_id for s in round_.schools)
    index = {school_id: i for i, school_id in enumerate(ids)}
    pinned_ids = tuple(dict.fromkeys(m.cluster_id for m in round_.clusters if m.pinned))
    pinned = np.full(len(ids), -1, dtype=np.int64)
    pinned_hub = np.zeros(len(ids), dtype=np.bool_)
    previous_of: list[str | None] = [None] * len(ids)
    for member in round_.clusters:
        i = index[member.school_id]
        if member.pinned:
            pinned[i] = pinned_ids.index(member.cluster_id)
            pinned_hub[i] = member.hub
        else:
            previous_of[i] = member.cluster_id
    near_a, near_b, near_minutes = near_pairs(round_, settings.max_travel_minutes)
    ratings = [s.rating for s in round_.schools]
    return ClusterProblem(
        school_ids=ids,
        phase=_codes([str(s.phase) for s in round_.schools]),
        trust=_codes([s.trust for s in round_.schools]),
        weak=np.asarray([r is Rating.NEEDS_IMPROVEMENT for r in ratings], dtype=np.bool_),
        strong=np.asarray([r is Rating.STRONG for r in ratings], dtype=np.bool_),
        rated=any(r is not None for r in ratings),
        pinned=pinned,
        pinned_ids=pinned_ids,
        pinned_hub=pinned_hub,
        previous=_codes(previous_of),
        previous_arcs=frozenset(
            (index[e.reviewing_school_id], index[e.host_school_id]) for e in round_.rotation
        ),
        near_a=near_a,
        near_b=near_b,
        near_minutes=near_minutes,
        settings=settings,
        demands=staffing_demands(round_) if staffing_priced(settings) else None,
    )
