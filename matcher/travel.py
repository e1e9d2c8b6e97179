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


# Airy 1830 ellipsoid and the National Grid's true origin (Ordnance Survey, "A guide to
# coordinate systems in Great Britain"). Used only to draw grid-referenced schools on a map:
# the result is on the OSGB36 datum, within about 120 m of GPS positions.
_AIRY_A, _AIRY_B = 6377563.396, 6356256.909
_F0 = 0.9996012717
_LAT0, _LON0 = math.radians(49.0), math.radians(-2.0)
_E0, _N0 = 400_000.0, -100_000.0


def _meridional_arc(lat: float) -> float:
    n = (_AIRY_A - _AIRY_B) / (_AIRY_A + _AIRY_B)
    d, s = lat - _LAT0, lat + _LAT0
    return (
        _AIRY_B
        * _F0
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * d
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(d) * math.cos(s)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * math.sin(2 * d) * math.cos(2 * s)
            - 35 / 24 * n**3 * math.sin(3 * d) * math.cos(3 * s)
        )
    )


def grid_to_latlon(grid: GridRef) -> LatLon:
    """Latitude and longitude (degrees, OSGB36) of a National Grid position, for maps."""
    a, e2 = _AIRY_A, 1 - _AIRY_B**2 / _AIRY_A**2
    lat, arc = _LAT0, 0.0
    while abs(grid.northing - _N0 - arc) >= 0.00001:
        lat += (grid.northing - _N0 - arc) / (a * _F0)
        arc = _meridional_arc(lat)
    sin2 = math.sin(lat) ** 2
    nu = a * _F0 / math.sqrt(1 - e2 * sin2)
    rho = a * _F0 * (1 - e2) / (1 - e2 * sin2) ** 1.5
    eta2 = nu / rho - 1
    tan, sec = math.tan(lat), 1 / math.cos(lat)
    de = grid.easting - _E0
    lat_terms = (
        tan / (2 * rho * nu),
        tan / (24 * rho * nu**3) * (5 + 3 * tan**2 + eta2 - 9 * tan**2 * eta2),
        tan / (720 * rho * nu**5) * (61 + 90 * tan**2 + 45 * tan**4),
    )
    lon_terms = (
        sec / nu,
        sec / (6 * nu**3) * (nu / rho + 2 * tan**2),
        sec / (120 * nu**5) * (5 + 28 * tan**2 + 24 * tan**4),
        sec / (5040 * nu**7) * (61 + 662 * tan**2 + 1320 * tan**4 + 720 * tan**6),
    )
    latitude = lat - lat_terms[0] * de**2 + lat_terms[1] * de**4 - lat_terms[2] * de**6
    longitude = (
        _LON0
        + lon_terms[0] * de
        - lon_terms[1] * de**3
        + lon_terms[2] * de**5
        - lon_terms[3] * de**7
    )
    return LatLon(math.degrees(latitude), math.degrees(longitude))
