"""Checks of locks.csv across files: what it keeps must exist and be possible on its own.

A lock names a project in projects.csv, a reviewer in staff.csv, a visit the project has and a
school day in the project's window (a date no visit could use is a typo, and would make every
plan impossible). Whether the locks can all hold with the other hard rules is decided after
reading (``matcher.locks``), where the rule a lock breaks can be named.
"""

from __future__ import annotations

import datetime as dt

from matcher.days import SchoolCalendar
from matcher.io import cells
from matcher.io.tables import Row
from matcher.io.validate_context import Check, Context


def _int_or_none(text: str) -> int | None:
    try:
        return cells.parse_int(text)
    except ValueError:
        return None


def _date_or_none(text: str) -> dt.date | None:
    try:
        return cells.parse_date(text)
    except ValueError:
        return None


def lock_references(ctx: Context) -> None:
    """A lock's project and reviewer are in the round; its visit is one the project has."""
    table = ctx.tables.get("locks")
    projects = {row["project_id"]: row for row in _rows(ctx, "projects", "project_id")}
    staff = {row["staff_id"] for row in _rows(ctx, "staff", "staff_id")}
    if table is None:
        return
    for row in table.rows:
        project = projects.get(row["project_id"]) if row["project_id"] else None
        if row["project_id"] and project is None and "projects" in ctx.tables:
            ctx.log.add(
                table.label,
                row=row.number,
                column="project_id",
                value=row["project_id"],
                expected="a project_id in " + ctx.tables["projects"].label
                + cells.did_you_mean(row["project_id"], projects),
            )
        staff_id = row["staff_id"] if table.has("staff_id") else ""
        if staff_id and staff_id not in staff and "staff" in ctx.tables:
            ctx.log.add(
                table.label,
                row=row.number,
                column="staff_id",
                value=staff_id,
                expected="a staff_id in " + ctx.tables["staff"].label
                + cells.did_you_mean(staff_id, staff),
            )
        if project is not None:
            _visit_of(ctx, row, project)


def _visit_of(ctx: Context, row: Row, project: Row) -> None:
    """visit_no and date come together; the visit is one of the project's."""
    label = ctx.tables["locks"].label
    visit_no = row["visit_no"] if ctx.tables["locks"].has("visit_no") else ""
    date = row["date"] if ctx.tables["locks"].has("date") else ""
    if bool(visit_no) != bool(date):
        missing = "date" if visit_no else "visit_no"
        ctx.log.add(
            label,
            row=row.number,
            column=missing,
            value="",
            expected="a visit_no and a date together (a lock keeps one visit's first day)",
        )
    visits = _int_or_none(project["visits"])
    number = _int_or_none(visit_no) if visit_no else None
    if number is not None and visits is not None and not 1 <= number <= visits:
        ctx.log.add(
            label,
            row=row.number,
            column="visit_no",
            value=visit_no,
            expected=f"1 to {visits}, the visits of project {row['project_id']}",
        )


def lock_dates(ctx: Context) -> None:
    """A locked date is a school day of the round, inside the project's visit window."""
    table = ctx.tables.get("locks")
    if table is None or ctx.settings is None or not table.has("date"):
        return
    calendar = SchoolCalendar(ctx.settings)
    projects = {row["project_id"]: row for row in _rows(ctx, "projects", "project_id")}
    for row in table.rows:
        day = _date_or_none(row["date"]) if row["date"] else None
        if not row["date"] or day is None:
            continue  # blank, or already reported by the row's own checks
        if not calendar.is_term_day(day):
            ctx.log.add(
                table.label,
                row=row.number,
                column="date",
                value=row["date"],
                expected="a school day of the round (a weekday in term, not a holiday, "
                "INSET day or bank holiday)",
            )
            continue
        project = projects.get(row["project_id"])
        if project is None:
            continue
        earliest, latest = _date_or_none(project["earliest"]), _date_or_none(project["latest"])
        if earliest is not None and latest is not None and not earliest <= day <= latest:
            ctx.log.add(
                table.label,
                row=row.number,
                column="date",
                value=row["date"],
                expected=f"within project {row['project_id']}'s window "
                f"({project['earliest']} to {project['latest']})",
            )


def _rows(ctx: Context, name: str, key: str) -> list[Row]:
    table = ctx.tables.get(name)
    if table is None or not table.has(key):
        return []
    return [row for row in table.rows if row[key]]


LOCK_CHECKS: tuple[Check, ...] = (lock_references, lock_dates)
