"""Travel time between two schools estimated from their coordinates.

The estimate is deliberately simple and documented in docs/input-format.md:
``minutes = overhead + (straight-line km x detour_factor) / speed_kmh x 60``, rounded up.
A round that needs real road times supplies travel.csv, which always wins.
"""

from __future__ import annotations

import math
from typing import NamedTuple

EARTH_RADIUS_KM = 6371.0088


class LatLon(NamedTuple):
    latitude: float
    longitude: float


class GridRef(NamedTuple):
    """Ordnance Survey National Grid position in metres (as the schools register gives it)."""

    easting: float
    northing: float


Location = LatLon | GridRef


def straight_line_km(a: Location, b: Location) -> float:
    if isinstance(a, GridRef) and isinstance(b, GridRef):
        return math.hypot(a.easting - b.easting, a.northing - b.northing) / 1000.0
    if isinstance(a, LatLon) and isinstance(b, LatLon):
        return _haversine_km(a, b)
    raise ValueError("cannot measure between a grid reference and a latitude/longitude")


def _haversine_km(a: LatLon, b: LatLon) -> float:
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def estimate_minutes(
    a: Location,
    b: Location,
    *,
    speed_kmh: float,
    detour_factor: float,
    overhead_minutes: int,
) -> int:
    """One-way door-to-door minutes between two places, never below the fixed overhead."""
    km = straight_line_km(a, b) * detour_factor
    return overhead_minutes + math.ceil(km / speed_kmh * 60.0)
