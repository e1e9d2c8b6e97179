"""Named cohort sizes, and real school locations read from schools register extracts.

A synthetic cohort can stand on real geography: the schools of a register extract give its
URNs, names, postcodes, phases, locations and (where the extract has them) trusts, and
``matcher.synth.cohort`` adds the fictional staff, projects and history. The extracts are public
register data (Open Government Licence) kept beside the repository in
``../shared/data/schools/``; they are read at run time and never copied into the project.

This module uses only the standard library, so the command line can offer its names without
loading numpy.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from matcher.model import Phase
from matcher.travel import EARTH_RADIUS_KM, GridRef, LatLon, Location

__all__ = [
    "COHORT_SIZES",
    "REGISTERS",
    "LocationsError",
    "RegisterSchool",
    "SchoolRegister",
    "load_register",
    "read_register",
    "register_path",
]

# A school-to-school support programme at four scales: one teaching-school alliance, one
# local authority, one region and the whole of England (which has about 20,000 state schools).
COHORT_SIZES: Mapping[str, int] = {
    "alliance": 30,
    "la": 300,
    "region": 2_000,
    "nation": 20_000,
}

# The extracts known by name, in <repository>/../shared/data/schools/.
# matcher/synth/register.py -> the folder holding the repository, where ../shared sits.
SHARED_SCHOOLS = Path(__file__).resolve().parents[3] / "shared" / "data" / "schools"
REGISTERS: Mapping[str, str] = {
    "trafford": "trafford_2024.csv",
    "england": "england_2017_partial.csv",
}

# Register cells that mean "no value".
_MISSING = frozenset({"", "na", "n/a", "null", "not applicable"})

# Each field and the header names it goes by in the known extracts (compared in lower case).
_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "urn": ("urn", "unique_reference_number"),
    "name": ("name", "establishment_name"),
    "type": ("type", "type_of_establishment"),
    "phase": ("phase", "phase_of_education"),
    "low_age": ("lowest_admission_age", "statutory_low_age"),
    "high_age": ("highest_admission_age", "statutory_high_age"),
    "trust": ("sponsoring_trust", "trust"),
    "area": ("la_name", "local_authority", "local_authority_code", "la_code"),
    "postcode": ("postcode",),
    "easting": ("easting_x", "easting"),
    "northing": ("northing_y", "northing"),
    "latitude": ("lat", "latitude"),
    "longitude": ("lon", "longitude"),
}

# The register's own phase names (England extract). "16 plus" is handled as post-16 only.
_PHASE_NAMES: Mapping[str, Phase] = {
    "nursery": Phase.NURSERY,
    "primary": Phase.PRIMARY,
    "secondary": Phase.SECONDARY,
    "all through": Phase.ALL_THROUGH,
    "all-through": Phase.ALL_THROUGH,
    "middle deemed primary": Phase.MIDDLE,
    "middle deemed secondary": Phase.MIDDLE,
}
# Establishment types that settle the phase whatever the ages say: a special school or a pupil
# referral unit often takes pupils from 5 to 19, which the ages alone would call all-through.
_TYPE_PHASES: tuple[tuple[str, Phase], ...] = (
    ("special", Phase.SPECIAL),
    ("pupil referral", Phase.ALTERNATIVE_PROVISION),
    ("alternative provision", Phase.ALTERNATIVE_PROVISION),
    ("nursery", Phase.NURSERY),
    ("city technology college", Phase.SECONDARY),
)
# Reasons a register row is left out of a cohort, as the error messages word them.
INDEPENDENT = "independent"
POST_16 = "post-16 only"
NO_PHASE = "no phase"
NO_LOCATION = "no location"
NO_URN = "no URN"
REPEATED_URN = "repeated URN"


class LocationsError(ValueError):
    """A register extract that is missing, unreadable, or too small for the cohort asked for."""


@dataclass(frozen=True, slots=True)
class RegisterSchool:
    """One usable school of a register extract."""

    urn: str
    name: str
    phase: Phase
    area: str  # local authority: a coordinator's natural neighbourhood
    postcode: str | None
    trust: str | None
    location: Location  # every school of one extract is placed the same way


@dataclass(frozen=True)
class SchoolRegister:
    """The usable schools of one register extract, in file order.

    Attributes
    ----------
    source
        The file read.
    schools
        Every school a cohort may use: state-funded, of a known phase, located, one per URN.
    names_trusts
        Whether the extract says which trust each school is in (otherwise a cohort invents
        local trusts).
    left_out
        Rows not used, counted by reason ("independent", "post-16 only", "no phase",
        "no location", "no URN", "repeated URN").
    """

    source: Path
    schools: tuple[RegisterSchool, ...]
    names_trusts: bool
    left_out: Mapping[str, int]

    def __len__(self) -> int:
        return len(self.schools)

    def planar_km(self) -> list[tuple[float, float]]:
        """Each school's position in kilometres on a flat map, for distances between schools.

        A grid reference already is one. Latitude/longitude is projected around the extract's
        mean latitude, which across a county or a region is out by well under one per cent.
        """
        latitudes = [s.location.latitude for s in self.schools if isinstance(s.location, LatLon)]
        squeeze = math.cos(math.radians(sum(latitudes) / len(latitudes))) if latitudes else 1.0
        km_per_degree = math.radians(EARTH_RADIUS_KM)
        points = []
        for school in self.schools:
            where = school.location
            if isinstance(where, GridRef):
                points.append((where.easting / 1000.0, where.northing / 1000.0))
            else:
                points.append(
                    (where.longitude * km_per_degree * squeeze, where.latitude * km_per_degree)
                )
        return points

    def around(self, count: int, centre: int) -> SchoolRegister:
        """The ``count`` schools nearest the school at index ``centre``, kept in file order.

        A cohort smaller than the extract is one neighbourhood rather than a scatter, as a real
        alliance, local authority or region would be; ties go to the earlier row.

        Raises
        ------
        LocationsError
            If ``count`` is more than the extract holds (repeating schools would repeat URNs).
        """
        if count > len(self):
            raise LocationsError(
                f"{self.source}: asked for {count:,} schools but the file has only "
                f"{len(self):,} usable ({self.describe_left_out()}). Ask for at most "
                f"{len(self):,}, or leave out the locations for a synthetic cohort of any size."
            )
        if count == len(self):
            return self
        points = self.planar_km()
        cx, cy = points[centre]
        nearest = sorted(range(len(self)), key=lambda i: (_km(points[i], cx, cy), i))[:count]
        kept = tuple(self.schools[i] for i in sorted(nearest))
        return SchoolRegister(self.source, kept, self.names_trusts, self.left_out)

    def describe_left_out(self) -> str:
        """The rows not used and why, in words: "10 rows left out: 8 independent, ..."."""
        total = sum(self.left_out.values())
        if not total:
            return "no rows left out"
        reasons = ", ".join(f"{n:,} {why}" for why, n in Counter(self.left_out).most_common())
        return f"{total} row{'s' if total != 1 else ''} left out: {reasons}"


def _km(point: tuple[float, float], cx: float, cy: float) -> float:
    return math.hypot(point[0] - cx, point[1] - cy)


def register_path(locations: str | Path) -> Path:
    """The file a ``--locations`` value names: a known extract by name, or a path.

    Parameters
    ----------
    locations
        ``"trafford"`` or ``"england"`` (files in ``<repository>/../shared/data/schools/``),
        or the path of a register extract.
    """
    if isinstance(locations, str) and locations in REGISTERS:
        return SHARED_SCHOOLS / REGISTERS[locations]
    return Path(locations)


def load_register(locations: str | Path) -> SchoolRegister:
    """Read the register extract ``locations`` names (see ``register_path``)."""
    return read_register(register_path(locations))


def read_register(path: Path) -> SchoolRegister:
    """Read the usable schools of a register extract (CSV).

    Two layouts are understood: the Trafford 2024 extract (URN as
    ``unique_reference_number``, admission ages, ``sponsoring_trust``, ``lat``/``lon``) and the
    England 2017 extract (``URN``, ``phase``, ``la_name``, ``easting_X``/``northing_Y``). The
    phase comes from the establishment type for special schools and alternative provision,
    otherwise from the register's phase, otherwise from the admission ages. Independent schools
    (outside state school-improvement programmes) and post-16-only colleges are left out.

    Raises
    ------
    LocationsError
        If the file is missing or unreadable, lacks the columns above, or has no usable school.
    """
    if not path.is_file():
        raise LocationsError(
            f"{path}: no schools register file here. The named extracts (trafford, england) "
            f"are read from {SHARED_SCHOOLS}, beside the repository; give a path otherwise."
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LocationsError(f"{path}: cannot read it as a CSV file ({error})") from error
    if not rows:
        raise LocationsError(f"{path}: the file is empty")
    columns = _find_columns(path, rows[0])
    # One way of placing schools for the whole file, as a round needs: the grid if it has one.
    if {"easting", "northing"} <= columns.keys():
        columns.pop("latitude", None)
        columns.pop("longitude", None)
    schools, left_out = _usable_schools(rows[1:], columns)
    if not schools:
        raise LocationsError(f"{path}: no usable school in {len(rows) - 1} rows")
    return SchoolRegister(path, tuple(schools), "trust" in columns, dict(left_out))


def _find_columns(path: Path, header: list[str]) -> dict[str, int]:
    """Field name -> column index, for the fields this header has; checks the essentials."""
    where = {name.strip().lower(): i for i, name in enumerate(header)}
    columns = {}
    for field, names in _COLUMNS.items():
        found = next((where[n] for n in names if n in where), None)
        if found is not None:
            columns[field] = found
    located = {"easting", "northing"} <= columns.keys() or {
        "latitude",
        "longitude",
    } <= columns.keys()
    phased = "phase" in columns or {"low_age", "high_age"} <= columns.keys()
    if not ({"urn", "name"} <= columns.keys() and located and phased):
        raise LocationsError(
            f"{path}: not a schools register extract matcher can read. It needs a URN "
            "(URN or unique_reference_number), name, phase (or lowest_admission_age and "
            "highest_admission_age) and a location (easting_X and northing_Y, or lat and lon); "
            f"the header is: {', '.join(header)}"
        )
    return columns


class _LeftOut(Exception):
    """A register row a cohort cannot use; the message is the reason."""


def _usable_schools(
    rows: list[list[str]], columns: dict[str, int]
) -> tuple[list[RegisterSchool], Counter[str]]:
    schools: list[RegisterSchool] = []
    left_out: Counter[str] = Counter()
    seen: set[str] = set()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        try:
            school = _school(row, columns)
            if school.urn in seen:
                raise _LeftOut(REPEATED_URN)
        except _LeftOut as reason:
            left_out[str(reason)] += 1
            continue
        seen.add(school.urn)
        schools.append(school)
    return schools, left_out


def _school(row: list[str], columns: dict[str, int]) -> RegisterSchool:
    """One row as a school, or _LeftOut with the reason it cannot be one."""

    def cell(field: str) -> str | None:
        index = columns.get(field)
        if index is None or index >= len(row):
            return None
        value = row[index].strip()
        return None if value.lower() in _MISSING else value

    urn = cell("urn")
    if urn is None:
        raise _LeftOut(NO_URN)
    phase = _phase(cell("type") or "", cell("phase") or "", _age(cell("low_age")),
                   _age(cell("high_age")))  # fmt: skip
    return RegisterSchool(
        urn=urn,
        name=cell("name") or f"School {urn}",
        phase=phase,
        area=cell("area") or "",
        postcode=cell("postcode"),
        trust=cell("trust"),
        location=_location(cell),
    )


def _age(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _phase(kind: str, phase: str, low: int | None, high: int | None) -> Phase:
    """A school's phase from its establishment type, the register's phase and its ages."""
    kind, phase = kind.lower(), phase.lower()
    if "independent" in kind:
        raise _LeftOut(INDEPENDENT)
    if phase == "16 plus" or "16-19" in kind or (low is not None and low >= 16):
        raise _LeftOut(POST_16)
    for word, settled in _TYPE_PHASES:
        if word in kind:
            return settled
    if phase in _PHASE_NAMES:
        return _PHASE_NAMES[phase]
    if low is not None and high is not None:
        return _phase_from_ages(low, high)
    raise _LeftOut(NO_PHASE)


def _phase_from_ages(low: int, high: int) -> Phase:
    """The phase admission ages describe. Secondary school starts at 11.

    An infant (3-7) or junior (7-11) school is primary; a school that stops at 8 to 10 is a
    first school of a three-tier area; one that crosses 11 and stops by 14 is a middle school,
    and one that runs on past 14 is all-through.
    """
    if high <= 5:
        return Phase.NURSERY
    if low >= 11:
        return Phase.SECONDARY
    if high <= 11:
        return Phase.FIRST if 8 <= high <= 10 else Phase.PRIMARY
    return Phase.MIDDLE if high <= 14 else Phase.ALL_THROUGH


def _location(cell: Callable[[str], str | None]) -> Location:
    """The row's grid reference or latitude/longitude, within the ranges a School accepts."""
    easting, northing = (
        _number(cell("easting"), 0, 800_000),
        _number(cell("northing"), 0, 1_400_000),
    )
    if easting is not None and northing is not None:
        return GridRef(easting, northing)
    latitude, longitude = _number(cell("latitude"), -90, 90), _number(cell("longitude"), -180, 180)
    if latitude is not None and longitude is not None:
        # Six decimals of a degree is about 10 cm: plenty, and the files stay readable.
        return LatLon(round(latitude, 6), round(longitude, 6))
    raise _LeftOut(NO_LOCATION)


def _number(text: str | None, low: float, high: float) -> float | None:
    """The number in ``text`` if it is one between low and high, else None."""
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if low <= value <= high else None
