"""Checks across rows and files: duplicates, references, specialisms, dates, coordinates.

Each check is one function over a ``Context`` and is registered in ``CHECKS``. Checks read the
raw cells, not only the rows that parsed, so that one bad cell in a row does not also make its
id "unknown" everywhere it is used. A check whose table is missing stays quiet: the missing
table is already a problem, and repeating it once per reference would bury it. Likewise a table
with a header but no rows is reported once, not as an unknown id on every row naming it.

Some checks warn rather than fail: a project area nobody lists (a rare specialism is a fact of
life; the project is left unstaffed with the reason) and a school placed outside the UK.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from matcher.io import cells
from matcher.io.problems import ProblemLog
from matcher.io.rows import GRID, LATLON
from matcher.io.tables import Row, Table
from matcher.io.validate_clusters import CLUSTER_CHECKS
from matcher.io.validate_context import Check, Context
from matcher.io.validate_locks import LOCK_CHECKS
from matcher.model import Settings

# Tables whose key (one column, or a pair of columns) may appear on one row only.
UNIQUE_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("schools", ("school_id",)),
    ("staff", ("staff_id",)),
    ("projects", ("project_id",)),
    ("conflicts", ("staff_id", "school_id")),
    ("preferences", ("staff_id", "project_id")),
    ("travel", ("from_school_id", "to_school_id")),
    ("clusters", ("school_id",)),
    ("rotation", ("reviewing_school_id", "host_school_id")),
)

# (table, column) must name an id found in (table, column).
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("staff", "school_id", "schools", "school_id"),
    ("projects", "host_school_id", "schools", "school_id"),
    ("conflicts", "staff_id", "staff", "staff_id"),
    ("conflicts", "school_id", "schools", "school_id"),
    ("history", "staff_id", "staff", "staff_id"),
    ("history", "host_school_id", "schools", "school_id"),
    ("history", "school_id", "schools", "school_id"),
    ("preferences", "staff_id", "staff", "staff_id"),
    ("preferences", "project_id", "projects", "project_id"),
    ("travel", "from_school_id", "schools", "school_id"),
    ("travel", "to_school_id", "schools", "school_id"),
    ("clusters", "school_id", "schools", "school_id"),
    ("rotation", "cluster_id", "clusters", "cluster_id"),
    ("rotation", "reviewing_school_id", "schools", "school_id"),
    ("rotation", "host_school_id", "schools", "school_id"),
)


def unique_keys(ctx: Context) -> None:
    """Ids are unique, and a conflict, preference or travel pair is listed once."""
    for name, columns in UNIQUE_KEYS:
        table = ctx.tables.get(name)
        if table is None or not all(table.has(column) for column in columns):
            continue
        first_row: dict[tuple[str, ...], int] = {}
        for row in table.rows:
            key = tuple(row[column] for column in columns)
            if not all(key):
                continue  # a blank id is reported as blank, not as a duplicate
            if key not in first_row:
                first_row[key] = row.number
                continue
            if len(columns) == 1:
                expected = f"unique (row {first_row[key]} already has it)"
            else:
                expected = (
                    f"a new pairing with {columns[1]} {key[1]!r} "
                    f"(row {first_row[key]} already has it)"
                )
            ctx.log.add(
                table.label, row=row.number, column=columns[0], value=key[0], expected=expected
            )


def known_references(ctx: Context) -> None:
    """Every id that points into another file names something listed there."""
    referring: dict[str, list[str]] = {}
    for name, column, target, target_column in REFERENCES:
        target_table = ctx.tables.get(target)
        if target_table is None or not target_table.has(target_column):
            continue
        if not target_table.rows:
            if any(True for _ in ctx.column_cells(name, column)):
                referring.setdefault(target, []).append(ctx.tables[name].label)
            continue
        known = {cell for _, cell in ctx.column_cells(target, target_column)}
        for row, cell in ctx.column_cells(name, column):
            if cell not in known:
                ctx.log.add(
                    ctx.tables[name].label,
                    row=row.number,
                    column=column,
                    value=cell,
                    expected=f"a {target_column} in {target_table.label}"
                    + cells.did_you_mean(cell, known),
                )
    for target, labels in referring.items():
        ctx.log.add(
            ctx.tables[target].label,
            expected=f"rows under the header, but there are none, while {_listing(labels)} "
            "refer to it",
        )


def _listing(labels: list[str]) -> str:
    """ "a, b and c", each once."""
    unique = list(dict.fromkeys(labels))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def known_specialisms(ctx: Context) -> None:
    """A project's area that nobody lists is a warning: rare, or misspelt ("did you mean")."""
    staff = ctx.tables.get("staff")
    if staff is None or not staff.has("specialisms"):
        return
    listed = ctx.column_cells("staff", "specialisms")
    known = {specialism for _, cell in listed for specialism in cells.parse_specialisms(cell)}
    for row, cell in ctx.column_cells("projects", "area"):
        # Several areas ("oracy;reading") are checked one by one: each needs someone.
        for area in cells.split_list(cell) if ";" in cell else [cell]:
            if cells.normalise_specialism(area) in known:
                continue
            hint = cells.did_you_mean(cells.normalise_specialism(area), sorted(known))
            ctx.log.warn(
                ctx.tables["projects"].label,
                row=row.number,
                column="area",
                message=f"no one in {staff.label} lists {area!r} among their specialisms{hint}: "
                "this project will be left unstaffed",
            )


def history_before_this_round(ctx: Context) -> None:
    """history.csv holds past rounds: a row of this round or a later one is surely a slip.

    Such a row would be left out of the rotation rule (which looks back from round.number) yet
    counted towards the SLE allowance; most often round.number was not raised for a new round.
    """
    if ctx.settings is None:
        return
    number = ctx.settings.number
    for row, text in ctx.column_cells("history", "round"):
        try:
            past = cells.parse_int(text)
        except cells.CellError:
            continue  # reported by the row reader
        if past >= number:
            ctx.log.add(
                ctx.tables["history"].label,
                row=row.number,
                column="round",
                value=text,
                expected=f"a past round, below this round's number ({number}); if this row is "
                "from the last round, raise round.number in the settings",
            )


# A generous box around the United Kingdom (Scilly, Shetland, the Channel Islands and Northern
# Ireland inside it). A school outside it is most likely a typo or latitude and longitude
# swapped; travel from it is estimated all the same, so it only warns.
UK_LATITUDE = (49.0, 61.0)
UK_LONGITUDE = (-9.0, 2.0)


def _in_uk(latitude: float, longitude: float) -> bool:
    return (
        UK_LATITUDE[0] <= latitude <= UK_LATITUDE[1]
        and UK_LONGITUDE[0] <= longitude <= UK_LONGITUDE[1]
    )


def schools_in_the_uk(ctx: Context) -> None:
    """Warn about a school whose latitude and longitude lie outside the UK (maybe swapped)."""
    table = ctx.tables.get("schools")
    if table is None:
        return
    for row in table.rows:
        try:
            latitude = cells.parse_float(row["latitude"])
            longitude = cells.parse_float(row["longitude"])
        except cells.CellError:
            continue  # blank (grid reference) or reported by the row reader
        if _in_uk(latitude, longitude):
            continue
        swapped = _in_uk(longitude, latitude)
        ctx.log.warn(
            table.label,
            row=row.number,
            column="latitude",
            message=f"school {row['school_id']!r} at latitude {row['latitude']}, longitude "
            f"{row['longitude']} is outside the UK"
            + (
                ": latitude and longitude look swapped"
                if swapped
                else f" (latitude {UK_LATITUDE[0]:g} to {UK_LATITUDE[1]:g}, longitude "
                f"{UK_LONGITUDE[0]:g} to {UK_LONGITUDE[1]:g}): check them"
            )
            + "; travel times are estimated from them as they are",
        )


def visits_within_round(ctx: Context) -> None:
    """Every project's visit window lies inside the round's start..end."""
    if ctx.settings is None:
        return
    start, end = ctx.settings.start, ctx.settings.end
    for column in ("earliest", "latest"):
        for row, text in ctx.column_cells("projects", column):
            day = _date_or_none(text)
            if day is not None and not start <= day <= end:
                ctx.log.add(
                    ctx.tables["projects"].label,
                    row=row.number,
                    column=column,
                    value=text,
                    expected=f"within the round ({start.isoformat()} to {end.isoformat()})",
                )


def visit_hours_within_day(ctx: Context) -> None:
    """A visit lasts at most the school day (calendar.day_start..day_end)."""
    if ctx.settings is None:
        return
    timing = ctx.settings.calendar
    hours = (
        dt.datetime.combine(dt.date.min, timing.day_end)
        - dt.datetime.combine(dt.date.min, timing.day_start)
    ).total_seconds() / 3600
    for row, text in ctx.column_cells("projects", "visit_hours"):
        try:
            given = cells.parse_float(text)
        except cells.CellError:
            continue  # reported with the row
        if given > hours:
            ctx.log.add(
                ctx.tables["projects"].label,
                row=row.number,
                column="visit_hours",
                value=text,
                expected=f"at most the school day's {hours:g} hours (calendar.day_start "
                f"{timing.day_start.isoformat('minutes')} to day_end "
                f"{timing.day_end.isoformat('minutes')}); blank means the whole day",
            )


def availability_ids(ctx: Context) -> None:
    """An availability row names a person (staff_id) or a school (school_id)."""
    staff, schools = ctx.tables.get("staff"), ctx.tables.get("schools")
    if staff is None or schools is None or not staff.has("staff_id"):
        return
    if not staff.rows or not schools.rows:
        return  # an empty table is reported once, by known_references
    people = {cell for _, cell in ctx.column_cells("staff", "staff_id")}
    places = {cell for _, cell in ctx.column_cells("schools", "school_id")}
    for row, cell in ctx.column_cells("availability", "id"):
        if cell not in people and cell not in places:
            ctx.log.add(
                ctx.tables["availability"].label,
                row=row.number,
                column="id",
                value=cell,
                expected=f"a staff_id in {staff.label} or a school_id in {schools.label}"
                + cells.did_you_mean(cell, sorted(people | places)),
            )


def availability_within_round(ctx: Context) -> None:
    """An availability range touches the round; one wholly outside it is surely a typo.

    A range that only overlaps the round is fine: a residential trip may start before term.
    """
    table = ctx.tables.get("availability")
    if ctx.settings is None or table is None:
        return
    start, end = ctx.settings.start, ctx.settings.end
    for row in table.rows:
        first, last = _date_or_none(row["start"]), _date_or_none(row["end"])
        if first is None or last is None or first > last:
            continue  # unreadable or reversed: already reported on its own
        if last < start:
            column, expected = "end", f"on or after the round's start ({start.isoformat()})"
        elif first > end:
            column, expected = "start", f"on or before the round's end ({end.isoformat()})"
        else:
            continue
        ctx.log.add(
            table.label,
            row=row.number,
            column=column,
            value=row[column],
            expected=expected + ": the range lies wholly outside the round",
        )


def one_coordinate_system(ctx: Context) -> None:
    """All schools are placed the same way: distances between lat/lon and grid are unknown."""
    table = ctx.tables.get("schools")
    if table is None:
        return
    systems = {row.number: _system(row) for row in table.rows}
    counts = Counter(system for system in systems.values() if system is not None)
    if len(counts) < 2:
        return
    # The system most schools use is taken as meant; ties go to the one met first.
    usual = max(counts, key=lambda system: (counts[system], -_first(systems, system)))
    for row in table.rows:
        system = systems[row.number]
        if system is not None and system != usual:
            ctx.log.add(
                table.label,
                row=row.number,
                column=system[0],
                value=row[system[0]],
                expected=(
                    f"in the same coordinate system as the other schools ({' and '.join(usual)}): "
                    "travel times cannot be estimated between the two"
                ),
            )


def _system(row: Row) -> tuple[str, str] | None:
    for pair in (LATLON, GRID):
        if all(row[column] for column in pair):
            return pair
    return None


def _first(systems: Mapping[int, tuple[str, str] | None], system: tuple[str, str]) -> int:
    return min(number for number, found in systems.items() if found == system)


def _date_or_none(text: str) -> dt.date | None:
    try:
        return cells.parse_date(text)
    except cells.CellError:
        return None


CHECKS: tuple[Check, ...] = (
    unique_keys,
    known_references,
    known_specialisms,
    history_before_this_round,
    visits_within_round,
    visit_hours_within_day,
    availability_ids,
    availability_within_round,
    one_coordinate_system,
    schools_in_the_uk,
    *CLUSTER_CHECKS,
    *LOCK_CHECKS,
)


def check_round(tables: Mapping[str, Table], settings: Settings | None, log: ProblemLog) -> None:
    """Run every cross-file check, logging all problems found.

    Parameters
    ----------
    tables : mapping of str to Table
        The tables that could be read, by name (``"staff"``, ...).
    settings : Settings or None
        The round's settings, or None if they could not be read (date checks are then skipped).
    log : ProblemLog
        Receives every problem found.
    """
    ctx = Context(tables=tables, settings=settings, log=log)
    for check in CHECKS:
        check(ctx)
