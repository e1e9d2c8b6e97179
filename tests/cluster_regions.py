"""Tiny hand-built regions for the cluster tests: schools placed on a km grid.

With the default travel settings an estimated journey is ``5 + ceil(2.6 x km)`` minutes:
1 km is 8 minutes, 5 km is 18, 10 km is 31 and 20 km is 57. Every number in a cluster test
can be checked on paper from the positions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from conftest import settings as round_settings

from matcher.model import (
    ClusterMember,
    ClusterSettings,
    Phase,
    Rating,
    RotationEdge,
    Round,
    School,
)

ORIGIN_KM = (400.0, 300.0)  # somewhere in England, on the National Grid


def minutes_for_km(km: float) -> int:
    """The estimated one-way journey for a straight line of ``km`` (default travel settings)."""
    return 5 + math.ceil(round(km * 1.3 / 30 * 60, 9))


def place(
    school_id: str,
    east_km: float,
    north_km: float = 0.0,
    *,
    phase: str = "primary",
    trust: str | None = None,
    rating: str | None = None,
) -> School:
    return School(
        school_id=school_id,
        name=f"School {school_id}",
        phase=Phase(phase),
        trust=trust,
        easting=(ORIGIN_KM[0] + east_km) * 1000,
        northing=(ORIGIN_KM[1] + north_km) * 1000,
        max_staff_out_per_day=1,
        release_days=10,
        rating=None if rating is None else Rating(rating),
    )


def region(
    schools: Sequence[School],
    *,
    clusters: Sequence[tuple[str, str, bool]] = (),
    rotation: Sequence[tuple[str, str, str]] = (),
    **cluster_settings: Any,
) -> Round:
    """A round of just these schools (no staff, no projects) with ``[clusters]`` settings.

    ``clusters`` rows are (cluster_id, school_id, pinned); ``rotation`` rows are
    (cluster_id, reviewing_school_id, host_school_id).
    """
    base = round_settings()
    chosen = ClusterSettings.model_validate(cluster_settings)
    return Round(
        settings=base.model_copy(update={"clusters": chosen}),
        schools=tuple(schools),
        staff=(),
        projects=(),
        clusters=tuple(
            ClusterMember(cluster_id=c, school_id=s, pinned=pinned) for c, s, pinned in clusters
        ),
        rotation=tuple(
            RotationEdge(cluster_id=c, reviewing_school_id=a, host_school_id=b)
            for c, a, b in rotation
        ),
    )


def two_towns(**cluster_settings: Any) -> Round:
    """Two towns 50 km apart, three schools each, 1 km apart inside a town.

    Town A: A1 A2 A3 (east 0, 1, 2 km). Town B: B1 B2 B3 (east 50, 51, 52 km).
    """
    schools = [place(f"A{k}", k - 1.0) for k in (1, 2, 3)]
    schools += [place(f"B{k}", 49.0 + k) for k in (1, 2, 3)]
    return region(schools, **cluster_settings)


def members_of(plan_clusters: Mapping[str, Sequence[str]]) -> set[frozenset[str]]:
    """The clusters of a plan as sets of school ids, ignoring cluster ids and order."""
    return {frozenset(schools) for schools in plan_clusters.values()}
