"""What each input file holds, and turning its rows into domain objects, one row at a time.

Each file is described once in ``FILES`` (its model, required and optional columns, how special
cells are read). Per-cell checks are the domain model's own (pydantic); only the words of its
errors are ours. Checks across rows or files live in ``matcher.io.validate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from matcher.io import cells
from matcher.io.problems import ProblemLog
from matcher.io.ratings import parse_rating
from matcher.io.tables import Row, Table
from matcher.model import (
    Availability,
    ClusterMember,
    Conflict,
    HistoryEntry,
    Lock,
    Phase,
    Preference,
    Project,
    Role,
    RotationEdge,
    School,
    Staff,
    TravelTime,
)

Converter = Callable[[str], Any]
RowCheck = Callable[[Row, str, ProblemLog], None]

LATLON = ("latitude", "longitude")
GRID = ("easting", "northing")


@dataclass(frozen=True)
class FileSpec:
    """One input file: its name (without .csv), the model of a row, and its columns.

    ``location_columns`` lists column sets of which at least one must be present in full.
    ``converters`` read the cells pydantic would read differently from what users expect.
    ``row_checks`` compare cells within one row and name the column at fault.
    """

    name: str
    model: type[BaseModel]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    required_file: bool = True
    location_columns: tuple[tuple[str, ...], ...] = ()
    converters: Mapping[str, Converter] = field(default_factory=dict)
    row_checks: tuple[RowCheck, ...] = ()

    @property
    def all_columns(self) -> tuple[str, ...]:
        located = tuple(column for group in self.location_columns for column in group)
        return self.required + located + self.optional

    def converter(self, column: str) -> Converter:
        """How a cell of ``column`` is read: its own converter, a number, or text as it is."""
        if column in self.converters:
            return self.converters[column]
        kind = cells.number_kind(self.model, column)
        if kind is None:
            return str
        parse = cells.parse_int if kind is int else cells.parse_float

        def number(text: str) -> int | float:
            try:
                return parse(text)
            except cells.CellError:
                raise cells.CellError(
                    cells.describe(self.model, column) + cells.number_hint(text, whole=kind is int)
                ) from None

        return number


def _as_int(text: str) -> int | None:
    try:
        return cells.parse_int(text)
    except cells.CellError:
        return None


def _as_date(text: str) -> dt.date | None:
    try:
        return cells.parse_date(text)
    except cells.CellError:
        return None


def check_reviewer_range(row: Row, label: str, log: ProblemLog) -> None:
    """A team cannot need more reviewers than it may have."""
    low, high = _as_int(row["min_reviewers"]), _as_int(row["max_reviewers"])
    if low is not None and high is not None and low > high:
        log.add(
            label,
            row=row.number,
            column="min_reviewers",
            value=row["min_reviewers"],
            expected=f"at most max_reviewers ({high})",
        )


def check_date_order(row: Row, label: str, log: ProblemLog) -> None:
    """A visit window must not close before it opens."""
    earliest, latest = _as_date(row["earliest"]), _as_date(row["latest"])
    if earliest is not None and latest is not None and earliest > latest:
        log.add(
            label,
            row=row.number,
            column="earliest",
            value=row["earliest"],
            expected=f"on or before latest ({latest.isoformat()})",
        )


def check_presentation_needed(row: Row, label: str, log: ProblemLog) -> None:
    """A deadline for the presentation, or one to governors after it, needs a presentation."""
    presentation = _as_bool(row["presentation"])
    if presentation is not False:
        return  # yes, or unreadable (reported already)
    if row["presentation_within_days"]:
        log.add(
            label,
            row=row.number,
            column="presentation_within_days",
            value=row["presentation_within_days"],
            expected="blank, as presentation is not yes (a deadline for a presentation "
            "that is not held)",
        )
    if _as_bool(row["governors_presentation"]):
        log.add(
            label,
            row=row.number,
            column="governors_presentation",
            value=row["governors_presentation"],
            expected="no, as presentation is not yes (the governors hear the findings after "
            "the senior team)",
        )


def _as_bool(text: str) -> bool | None:
    if not text:
        return False
    try:
        return cells.parse_bool(text)
    except cells.CellError:
        return None


def check_range_order(row: Row, label: str, log: ProblemLog) -> None:
    """An availability range must not end before it starts."""
    start, end = _as_date(row["start"]), _as_date(row["end"])
    if start is not None and end is not None and start > end:
        log.add(
            label,
            row=row.number,
            column="end",
            value=row["end"],
            expected=f"on or after start ({start.isoformat()})",
        )


def check_location(row: Row, label: str, log: ProblemLog) -> None:
    """A school needs one complete position: latitude and longitude, or easting and northing."""
    for pair in (LATLON, GRID):
        given = [column for column in pair if row[column]]
        if len(given) == 1:
            (missing,) = (column for column in pair if column not in given)
            log.add(
                label,
                row=row.number,
                column=missing,
                value="",
                expected=f"the {missing} that goes with {given[0]}",
            )
            return
        if given:
            return
    log.add(
        label,
        row=row.number,
        column="latitude" if "latitude" in row.cells else "easting",
        value="",
        expected="a location: latitude and longitude, or easting and northing",
    )


def _choice(choices: type[Phase] | type[Role]) -> Converter:
    return lambda text: cells.parse_choice(text, choices)


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "schools",
        School,
        required=("school_id", "name", "phase", "trust", "max_staff_out_per_day", "release_days"),
        optional=("postcode", "rating", "max_leaders_out_per_day", "cover_budget"),
        location_columns=(LATLON, GRID),
        converters={
            "phase": _choice(Phase),
            "trust": cells.normalise_spaces,
            "postcode": cells.normalise_spaces,
            "rating": parse_rating,
        },
        row_checks=(check_location,),
    ),
    FileSpec(
        "staff",
        Staff,
        required=(
            "staff_id",
            "name",
            "email",
            "school_id",
            "role",
            "specialisms",
            "phases",
            "is_sle",
            "lead_reviewer",
            "max_days",
        ),
        optional=("sle_allowance_days",),
        converters={
            "role": _choice(Role),
            "specialisms": cells.parse_specialisms,
            "phases": lambda text: cells.parse_choice_list(text, Phase),
            "is_sle": cells.parse_bool,
            "lead_reviewer": cells.parse_bool,
        },
    ),
    FileSpec(
        "projects",
        Project,
        required=(
            "project_id",
            "host_school_id",
            "area",
            "title",
            "min_reviewers",
            "max_reviewers",
            "needs_lead",
            "needs_sle",
            "visits",
            "visit_days",
            "earliest",
            "latest",
        ),
        optional=(
            "min_gap_days",
            "presentation",
            "needs_role",
            "scoping_meeting",
            "visit_hours",
            "presentation_within_days",
            "governors_presentation",
        ),
        converters={
            "area": cells.normalise_areas,
            "needs_lead": cells.parse_bool,
            "needs_sle": cells.parse_bool,
            "earliest": cells.parse_date,
            "latest": cells.parse_date,
            "presentation": cells.parse_bool,
            "needs_role": _choice(Role),
            "scoping_meeting": cells.parse_bool,
            "governors_presentation": cells.parse_bool,
        },
        row_checks=(check_reviewer_range, check_date_order, check_presentation_needed),
    ),
    FileSpec(
        "conflicts",
        Conflict,
        required=("staff_id", "school_id", "reason"),
        required_file=False,
    ),
    FileSpec(
        "history",
        HistoryEntry,
        required=("round", "staff_id", "host_school_id", "days"),
        optional=("academic_year", "school_id"),
        required_file=False,
    ),
    FileSpec(
        "preferences",
        Preference,
        required=("staff_id", "project_id", "preference"),
        required_file=False,
    ),
    FileSpec(
        "travel",
        TravelTime,
        required=("from_school_id", "to_school_id", "minutes"),
        required_file=False,
    ),
    FileSpec(
        "availability",
        Availability,
        required=("id", "start", "end", "kind"),
        optional=("note",),
        required_file=False,
        converters={
            "start": cells.parse_date,
            "end": cells.parse_date,
            "kind": lambda text: cells.parse_literal(
                text, get_args(Availability.model_fields["kind"].annotation)
            ),
        },
        row_checks=(check_range_order,),
    ),
    FileSpec(
        "clusters",
        ClusterMember,
        required=("cluster_id", "school_id"),
        optional=("pinned", "hub"),
        required_file=False,
        converters={"pinned": cells.parse_bool, "hub": cells.parse_bool},
    ),
    FileSpec(
        "rotation",
        RotationEdge,
        required=("cluster_id", "reviewing_school_id", "host_school_id"),
        required_file=False,
    ),
    FileSpec(
        "locks",
        Lock,
        required=("project_id",),
        optional=("staff_id", "visit_no", "date"),
        required_file=False,
        converters={"date": cells.parse_date},
    ),
)

SPECS: dict[str, FileSpec] = {spec.name: spec for spec in FILES}


def check_columns(table: Table, spec: FileSpec, log: ProblemLog) -> bool:
    """Log each required column the header lacks; True if rows can be read."""
    missing = [column for column in spec.required if not table.has(column)]
    for column in missing:
        log.add(
            table.label,
            row=1,
            column=column,
            expected="this column in the header row (it is required)"
            + cells.did_you_mean(column, [c for c in table.columns if c not in spec.all_columns]),
        )
    if spec.location_columns and not any(
        all(table.has(column) for column in group) for group in spec.location_columns
    ):
        log.add(
            table.label,
            row=1,
            expected="columns "
            + ", or ".join(" and ".join(group) for group in spec.location_columns),
        )
        return False
    return not missing


def parse_table(table: Table, spec: FileSpec, log: ProblemLog) -> list[tuple[Row, BaseModel]]:
    """Every row of ``table`` that is valid on its own, as a model object with its row.

    Rows with problems are logged and left out; the caller raises if anything was logged.
    """
    if not check_columns(table, spec, log):
        return []
    parsed = []
    for row in table.rows:
        item = parse_row(row, table.label, spec, log)
        if item is not None:
            parsed.append((row, item))
    return parsed


def parse_row(row: Row, label: str, spec: FileSpec, log: ProblemLog) -> BaseModel | None:
    """One row as a model object, or None after logging every problem in it."""
    problems_before = len(log)
    data: dict[str, Any] = {}
    # Cells reported when the table was read (a control character, a formula with no value)
    # read as blank: pydantic must not call them blank too.
    reported: set[str] = set(row.reported)
    for column in spec.all_columns:
        text = row[column]
        if not text:
            continue  # a blank cell takes the model's default; pydantic reports required ones
        try:
            data[column] = spec.converter(column)(text)
        except cells.CellError as error:
            reported.add(column)
            value = text if error.value is None else error.value
            log.add(label, row=row.number, column=column, value=value, expected=error.expected)
    if not row.reported:
        # A row check would take an unreadable cell for a blank one and blame it again.
        for check in spec.row_checks:
            check(row, label, log)
    try:
        return spec.model.model_validate(data)
    except ValidationError as error:
        _log_validation_error(error, row, label, spec, log, reported, problems_before)
        return None


def _log_validation_error(
    error: ValidationError,
    row: Row,
    label: str,
    spec: FileSpec,
    log: ProblemLog,
    reported: set[str],
    problems_before: int,
) -> None:
    """Put pydantic's errors into our words: one problem per column, named by its ``loc``."""
    for detail in error.errors():
        if not detail["loc"]:
            # A whole-row rule of the model. Our row checks say the same with a column, so
            # this only speaks when they did not (a rule added to the model later).
            if len(log) == problems_before:
                log.add(label, row=row.number, expected=detail["msg"].removeprefix("Value error, "))
            continue
        column = str(detail["loc"][0])
        if column in reported:
            continue
        reported.add(column)
        log.add(
            label,
            row=row.number,
            column=column,
            value=row[column],
            expected=cells.describe(spec.model, column),
        )


# What a blank optional cell stands for, where "no value" would not say enough.
BLANK_MEANS: dict[tuple[str, str], str] = {
    ("schools", "trust"): "a standalone school (in no trust)",
    ("history", "academic_year"): "this round's academic year",
    ("projects", "min_gap_days"): "the round's `calendar.min_gap_days`",
    ("schools", "rating"): "not rated (the cluster mix rules pass it by)",
    ("projects", "needs_role"): "no role needed",
    ("projects", "visit_hours"): "the whole school day",
    ("projects", "presentation_within_days"): "the round's `calendar.presentation_within_days`",
    ("staff", "sle_allowance_days"): "the round's `rules.sle_allowance_days`",
    ("schools", "max_leaders_out_per_day"): "no limit but `max_staff_out_per_day`",
    ("schools", "cover_budget"): "no cap on the school's cover cost",
    ("history", "school_id"): "the reviewer's school in staff.csv",
}


def _blank_means(spec: FileSpec, column: str) -> str:
    if any(column in group for group in spec.location_columns):
        return "see Location"
    if (spec.name, column) in BLANK_MEANS:
        return BLANK_MEANS[spec.name, column]
    default = spec.model.model_fields[column].default
    if default is PydanticUndefined:
        return "a problem"
    if default is None:
        return "no value"
    if isinstance(default, bool):
        return "yes" if default else "no"
    return f"`{default}`" if default != "" else "empty text"


def columns_reference(spec: FileSpec) -> str:
    """The Markdown table of a file's columns, from the model: docs/input-format.md holds it."""
    lines = ["| Column | Column needed | Accepts | A blank cell means |", "|---|---|---|---|"]
    for column in spec.all_columns:
        if column in spec.required:
            needed = "required"
        elif column in spec.optional:
            needed = "optional"
        else:
            needed = "see Location"
        lines.append(
            f"| `{column}` | {needed} | {cells.describe(spec.model, column)} "
            f"| {_blank_means(spec, column)} |"
        )
    return "\n".join(lines)
