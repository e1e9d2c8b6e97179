"""plan.xlsx: the plan as a workbook a coordinator can filter, sort and send from.

Sheets: Summary, Pairings, Schedule (only when the visits are dated), Unfilled, SLE load,
School load, and Schools: one list per school of the visits it hosts and the staff it sends,
grouped by school (filter the school column to get the list to send to its head).

Every table has a bold, frozen header row with an autofilter, and columns sized to their
text. Dates are real dates (date cells with a date format), numbers are numbers, and text
goes through :func:`matcher.io.formulas.put_cell`, so no cell is ever a formula. The file is
byte-identical for the same plan: the document dates are the round's start (openpyxl would
write the time of saving) and every entry of the zip archive carries that date too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from matcher.io.formulas import WorkbookValue, put_cell
from matcher.report.facts import ReportFacts
from matcher.report.names import WORKBOOK

DATE_FORMAT = "ddd d mmm yyyy"
TIME_FORMAT = "hh:mm"
MONEY_FORMAT = '"£"#,##0'
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_CORE = "docProps/core.xml"
# openpyxl stamps the save time here whatever the properties say.
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


@dataclass(frozen=True)
class _Table:
    """A sheet's table: header, rows, and the number format of some columns by name."""

    title: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[WorkbookValue]]
    formats: dict[str, str]


def write_workbook(directory: Path, facts: ReportFacts) -> Path:
    """Write plan.xlsx into a folder.

    Parameters
    ----------
    directory
        The folder to write into (plan.xlsx there is replaced).
    facts
        The report's tables (:func:`matcher.report.facts.report_facts`).

    Returns
    -------
    Path
        ``directory / "plan.xlsx"``.
    """
    path = Path(directory) / WORKBOOK
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for table in _tables(facts):
        _put_table(book.create_sheet(table.title), table)
    # Fixed, from the input: openpyxl would stamp the time of saving and the files would differ.
    stamp = dt.datetime.combine(facts.start, dt.time(0))
    book.properties.created = stamp
    book.properties.modified = stamp
    book.properties.creator = "matcher"
    book.properties.lastModifiedBy = "matcher"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_fixed_zip_dates(buffer.getvalue(), stamp))
    return path


def _fixed_zip_dates(data: bytes, stamp: dt.datetime) -> bytes:
    """The same archive with every entry, and the document's modified date, set to ``stamp``
    (openpyxl writes the time of saving into both)."""
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == _CORE:
                content = _MODIFIED.sub(lambda m: m.group(1) + modified + m.group(2), content)
            target.writestr(entry, content)
    return out.getvalue()


def _tables(facts: ReportFacts) -> list[_Table]:
    tables = [_summary(facts), _pairings(facts)]
    if facts.dated:
        tables.append(_schedule(facts))
    tables += [_unfilled(facts), _sle_load(facts), _school_load(facts), _schools(facts)]
    return tables


def _summary(facts: ReportFacts) -> _Table:
    h = facts.headline
    rows: list[tuple[WorkbookValue, ...]] = [
        ("Round", facts.round_name),
        ("Academic year", facts.academic_year),
        ("Starts", facts.start),
        ("Ends", facts.end),
        ("Projects", h["projects"]),
        ("Projects staffed", h["staffed"]),
        ("Projects unfilled", h["unfilled"]),
        ("Reviewer places", h["reviewer_places"]),
        ("Reviewers used", h["reviewers_used"]),
        ("Staff-days out of school", h["staff_days"]),
        ("Cover cost (£)", h["cover_cost"]),
        ("Matching status", h["status"]),
        ("Gap to the best possible", h["gap"]),
    ]
    if facts.dated:
        rows += [
            ("Visit days", h["visit_days"]),
            ("Presentations", h["presentations"]),
            ("Dating status", h["dating_status"]),
        ]
    return _Table("Summary", ("what", "value"), rows, {"value": "General"})


def _pairings(facts: ReportFacts) -> _Table:
    header = (
        "project_id", "project_title", "area", "host_school_id", "host_school_name", "role",
        "staff_id", "staff_name", "staff_school_id", "staff_school_name", "travel_minutes",
        "days", "first_visit", "last_visit",
    )  # fmt: skip
    rows = [
        (
            p.project_id, p.project_title, p.area, p.host_school_id, p.host_school_name, p.role,
            p.staff_id, p.staff_name, p.staff_school_id, p.staff_school_name, p.travel_minutes,
            p.days, p.first_day, p.last_day,
        )
        for p in facts.pairings
    ]
    return _Table("Pairings", header, rows, {"first_visit": DATE_FORMAT, "last_visit": DATE_FORMAT})


def _schedule(facts: ReportFacts) -> _Table:
    header = (
        "date", "start", "end", "kind", "visit_id", "project_id", "project_title",
        "host_school_id", "host_school_name", "staff_ids", "staff_names",
    )  # fmt: skip
    rows = [
        (
            v.date, v.start, v.end, v.kind, v.visit_id, v.project_id, v.project_title,
            v.host_school_id, v.host_school_name, "; ".join(v.staff_ids),
            "; ".join(v.staff_names),
        )
        for v in facts.visits
    ]
    formats = {"date": DATE_FORMAT, "start": TIME_FORMAT, "end": TIME_FORMAT}
    return _Table("Schedule", header, rows, formats)


def _unfilled(facts: ReportFacts) -> _Table:
    header = ("project_id", "project_title", "area", "host_school_id", "host_school_name", "reason")
    rows = [
        (u.project_id, u.project_title, u.area, u.host_school_id, u.host_school_name, u.reason)
        for u in facts.unfilled
    ]
    return _Table("Unfilled", header, rows, {})


def _sle_load(facts: ReportFacts) -> _Table:
    header = (
        "staff_id", "name", "school", "projects", "days_this_round", "days_earlier_this_year",
        "allowance", "days_left",
    )  # fmt: skip
    rows = [
        (
            r.staff_id, r.name, r.school_name, r.projects, r.days_this_round, r.days_earlier,
            r.allowance, r.days_left,
        )
        for r in facts.sle_load
    ]
    return _Table("SLE load", header, rows, {})


def _school_load(facts: ReportFacts) -> _Table:
    header: tuple[str, ...] = (
        "school_id", "school", "phase", "days_released", "release_budget", "budget_left",
        "visit_days_hosted", "reviewer_days_received", "given_minus_received", "cover_cost",
    )  # fmt: skip
    rows: list[tuple[WorkbookValue, ...]] = [
        (
            r.school_id, r.name, r.phase, r.days_released, r.release_budget,
            r.release_budget - r.days_released, r.visit_days_hosted, r.days_received,
            r.give_minus_take, r.cover_cost,
        )
        for r in facts.school_load
    ]  # fmt: skip
    formats = {"cover_cost": MONEY_FORMAT}
    if any(r.cover_budget is not None for r in facts.school_load):
        # Only rounds with cover budgets get the column: other workbooks stay as they were.
        header = (*header, "cover_budget")
        rows = [(*row, r.cover_budget) for row, r in zip(rows, facts.school_load, strict=True)]
        formats["cover_budget"] = MONEY_FORMAT
    return _Table("School load", header, rows, formats)


def _schools(facts: ReportFacts) -> _Table:
    header = (
        "school", "school_id", "hosts_or_sends", "date", "start", "kind", "project_id",
        "project_title", "at_school", "who",
    )  # fmt: skip
    rows = [
        (
            line.school_name, line.school_id, line.what, line.date, line.start, line.kind,
            line.project_id, line.project_title, line.where, line.who,
        )
        for line in facts.school_lines
    ]
    return _Table("Schools", header, rows, {"date": DATE_FORMAT, "start": TIME_FORMAT})


def _put_table(sheet: Worksheet, table: _Table) -> None:
    bold = Font(bold=True)
    for column, name in enumerate(table.header, start=1):
        put_cell(sheet, row=1, column=column, value=name).font = bold
    formats = [table.formats.get(name) for name in table.header]
    for row_no, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = put_cell(sheet, row=row_no, column=column, value=_cell_value(value))
            number_format = formats[column - 1]
            if number_format is not None and value is not None:
                cell.number_format = number_format
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            if isinstance(value, str) and len(value) > _MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(table.header))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(table.rows) + 1)}"
    for column, name in enumerate(table.header, start=1):
        longest = max([len(name) + 2, *(_width(row[column - 1]) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(column)].width = min(
            _MAX_WIDTH, max(_MIN_WIDTH, longest + 1)
        )


def _cell_value(value: WorkbookValue) -> WorkbookValue:
    # A date alone is stored as a datetime at midnight: Excel has one kind of date cell.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0))
    return value


def _width(value: WorkbookValue) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 16
    if isinstance(value, dt.time):
        return 6
    return len(str(value))
