"""Write a Round back out in the input format (round.toml plus CSV tables).

The output is what ``matcher.io.load_round`` reads, so a generated cohort or an edited round can
be saved, inspected in a spreadsheet and loaded again unchanged. Rows keep the Round's order and
set-valued cells are sorted, so the same Round always gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from matcher.io.atomic import atomic_output
from matcher.io.calendar_settings import to_text
from matcher.io.rows import SPECS
from matcher.model import (
    Availability,
    CalendarSettings,
    Conflict,
    DateRange,
    HistoryEntry,
    Preference,
    Project,
    Round,
    School,
    Settings,
    Staff,
    TravelTime,
)

Row = TypeVar("Row")
Cell = str | int | float | bool | dt.date | None

SCHOOL_COLUMNS_START = ("school_id", "name", "phase", "trust")
SCHOOL_COLUMNS_END = ("postcode", "max_staff_out_per_day", "release_days")


def _columns(name: str) -> tuple[str, ...]:
    """The reader's columns for a file, so writing and reading can never drift apart."""
    spec = SPECS[name]
    return (*spec.required, *spec.optional)


STAFF_COLUMNS = _columns("staff")
PROJECT_COLUMNS = _columns("projects")
CONFLICT_COLUMNS = _columns("conflicts")
HISTORY_COLUMNS = _columns("history")
PREFERENCE_COLUMNS = _columns("preferences")
TRAVEL_COLUMNS = _columns("travel")
CLUSTER_COLUMNS = _columns("clusters")
ROTATION_COLUMNS = _columns("rotation")
AVAILABILITY_COLUMNS = _columns("availability")

LIST_SEPARATOR = ";"


def write_round(round_: Round, directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``round_`` into ``directory`` in the input format, all files or none.

    Parameters
    ----------
    round_
        The round to write.
    directory
        Target folder; created if missing. Files of the same name are replaced, other files are
        left alone.

    Returns
    -------
    list[Path]
        The files written, in the order round.toml, schools.csv, staff.csv, projects.csv, then
        the optional tables (conflicts.csv, history.csv, preferences.csv, travel.csv,
        availability.csv).

    Notes
    -----
    An optional table is written when the round has rows for it. It is also written, header
    only, when ``directory`` already holds a file of that name: otherwise a stale table from an
    earlier round would be read back as part of this one.
    """
    target = Path(directory)
    tables = _tables(round_)
    written: list[Path] = []
    with atomic_output(target) as staging:
        (staging / "round.toml").write_text(_round_toml(round_.settings), encoding="utf-8")
        written.append(target / "round.toml")
        for filename, (header, rows, required) in tables.items():
            if not (required or rows or (target / filename).exists()):
                continue
            _write_csv(staging / filename, header, rows)
            written.append(target / filename)
    return written


def _tables(round_: Round) -> dict[str, tuple[Sequence[str], list[list[Cell]], bool]]:
    """Each file name with its header, its rows and whether the format requires it."""
    school_header = _school_columns(round_.schools)
    project_header = _project_columns(round_.projects)
    own_allowance = any(s.sle_allowance_days is not None for s in round_.staff)
    staff_header = _optional_if_used(STAFF_COLUMNS, "sle_allowance_days", own_allowance)
    history_header = _optional_if_used(
        HISTORY_COLUMNS, "school_id", any(h.school_id is not None for h in round_.history)
    )
    return {
        "schools.csv": (school_header, _rows(round_.schools, _school_row(school_header)), True),
        "staff.csv": (staff_header, _rows(round_.staff, _staff_row(staff_header)), True),
        "projects.csv": (
            project_header,
            _rows(round_.projects, _project_row(project_header)),
            True,
        ),
        "conflicts.csv": (CONFLICT_COLUMNS, _rows(round_.conflicts, _conflict_row), False),
        "history.csv": (history_header, _rows(round_.history, _history_row(history_header)), False),
        "preferences.csv": (
            PREFERENCE_COLUMNS,
            _rows(round_.preferences, _preference_row),
            False,
        ),
        "travel.csv": (TRAVEL_COLUMNS, _rows(round_.travel_times, _travel_row), False),
        "availability.csv": (
            AVAILABILITY_COLUMNS,
            _rows(round_.availability, _availability_row),
            False,
        ),
        "clusters.csv": (
            CLUSTER_COLUMNS,
            [[m.cluster_id, m.school_id, m.pinned, m.hub] for m in round_.clusters],
            False,
        ),
        "rotation.csv": (
            ROTATION_COLUMNS,
            [[e.cluster_id, e.reviewing_school_id, e.host_school_id] for e in round_.rotation],
            False,
        ),
    }


def _round_toml(settings: Settings) -> str:
    header: dict[str, Any] = {
        "name": settings.name,
        "number": settings.number,
        "academic_year": settings.academic_year,
        "start": settings.start,
        "end": settings.end,
    }
    # TOML has no null: a missing coordinator is a missing key.
    if settings.coordinator_email is not None:
        header["coordinator_email"] = settings.coordinator_email
    document = {
        "round": header,
        "rules": settings.rules.model_dump(),
        "weights": settings.weights.model_dump(),
        "travel": settings.travel.model_dump(),
    }
    return "\n".join(
        (
            tomli_w.dumps(document),
            _calendar_toml(settings.calendar),
            tomli_w.dumps({"schedule_weights": settings.schedule_weights.model_dump()}),
            tomli_w.dumps({"clusters": settings.clusters.model_dump()}),
        )
    )


def _calendar_toml(calendar: CalendarSettings) -> str:
    """``[calendar]`` in the documented forms.

    tomli_w would write times as TOML times (08:45:00) and the cost table as a section of its
    own; the forms docs/input-format.md shows read better, and load the same.
    """
    lines = ["[calendar]"]
    defaults = CalendarSettings()
    lines.extend(
        f"{name} = {_toml_value(value)}"
        for name, value in calendar
        # Settings added later are written only when set, so other rounds keep their files
        # (and TOML has no null for an unset deadline).
        if name not in _LATER_CALENDAR_KEYS or value != getattr(defaults, name)
    )
    return "\n".join(lines) + "\n"


_LATER_CALENDAR_KEYS = frozenset({"presentation_within_days", "governors_start", "governors_end"})


def _toml_value(value: object) -> str:
    if isinstance(value, tuple):
        items = [_toml_value(item) for item in value]
        if len(", ".join(items)) <= 60:
            return "[" + ", ".join(items) + "]"
        # One item per line keeps a long list of terms or INSET days readable.
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    if isinstance(value, DateRange):
        return f"{{start = {value.start.isoformat()}, end = {value.end.isoformat()}}}"
    if isinstance(value, dt.time):
        return f'"{to_text(value)}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_toml_value(v)}" for key, v in value.items()) + "}"
    return tomli_w.dumps({"value": value}).split("=", 1)[1].strip()


def _school_columns(schools: Iterable[School]) -> tuple[str, ...]:
    """Location columns for whichever systems the schools use (both when they are mixed)."""
    schools = tuple(schools)
    uses_latlon = any(s.latitude is not None for s in schools)
    uses_grid = any(s.easting is not None for s in schools) or not uses_latlon
    location: tuple[str, ...] = ()
    if uses_latlon:
        location += ("latitude", "longitude")
    if uses_grid:
        location += ("easting", "northing")
    # Ratings are optional; a round without them keeps the file as it was.
    rating = ("rating",) if any(s.rating is not None for s in schools) else ()
    newer = tuple(
        column
        for column in ("max_leaders_out_per_day", "cover_budget")
        if any(getattr(s, column) is not None for s in schools)
    )
    return SCHOOL_COLUMNS_START + location + SCHOOL_COLUMNS_END + rating + newer


def _project_columns(projects: Iterable[Project]) -> tuple[str, ...]:
    projects = tuple(projects)
    columns = PROJECT_COLUMNS
    defaults = {
        "needs_role": None,
        "scoping_meeting": False,
        "visit_hours": None,
        "presentation_within_days": None,
        "governors_presentation": False,
    }
    for column, default in defaults.items():
        used = any(getattr(p, column) != default for p in projects)
        columns = _optional_if_used(columns, column, used)
    return columns


def _optional_if_used(columns: tuple[str, ...], column: str, used: bool) -> tuple[str, ...]:
    """A newer optional column only when some row uses it: other rounds keep their files."""
    return columns if used else tuple(c for c in columns if c != column)


def _school_row(header: Sequence[str]) -> Callable[[School], list[Cell]]:
    def row(school: School) -> list[Cell]:
        return [getattr(school, column) for column in header]

    return row


def _staff_row(header: Sequence[str]) -> Callable[[Staff], list[Cell]]:
    lists = {"specialisms", "phases"}

    def row(person: Staff) -> list[Cell]:
        return [
            _join(getattr(person, c)) if c in lists else getattr(person, c) for c in header
        ]

    return row


def _project_row(header: Sequence[str]) -> Callable[[Project], list[Cell]]:
    def row(project: Project) -> list[Cell]:
        return [getattr(project, column) for column in header]

    return row


def _conflict_row(conflict: Conflict) -> list[Cell]:
    return [conflict.staff_id, conflict.school_id, conflict.reason]


def _history_row(header: Sequence[str]) -> Callable[[HistoryEntry], list[Cell]]:
    def row(entry: HistoryEntry) -> list[Cell]:
        return [getattr(entry, column) for column in header]

    return row


def _preference_row(preference: Preference) -> list[Cell]:
    return [preference.staff_id, preference.project_id, preference.preference]


def _travel_row(travel: TravelTime) -> list[Cell]:
    return [travel.from_school_id, travel.to_school_id, travel.minutes]


def _availability_row(entry: Availability) -> list[Cell]:
    return [entry.id, entry.start, entry.end, entry.kind, entry.note]


def _rows(items: Iterable[Row], to_row: Callable[[Row], list[Cell]]) -> list[list[Cell]]:
    return [to_row(item) for item in items]


def _join(values: Iterable[str]) -> str:
    # Enum members are str subclasses; str() of one is its value, so phases sort by value.
    return LIST_SEPARATOR.join(sorted(str(v) for v in values))


def _format_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Whole metres read better as "383245" than "383245.0"; repr() round-trips the rest.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_format_cell(cell) for cell in row] for row in rows)
