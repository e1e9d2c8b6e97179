"""plan.xlsx: the plan as a workbook a coordinator can filter, sort and send from.

Sheets: Summary, Pairings, Schedule (only when the visits are dated), Unfilled, SLE load,
School load, and Schools: one list per school of the visits it hosts and the staff it sends,
grouped by school (filter the school column to get the list to send to its head).

Every table has a bold, frozen header row with an autofilter, and columns sized to their
text. Dates are real dates (date cells with a date format), numbers are numbers, and text is
always written as a string cell (with Excel's quote prefix when it looks like a formula), so
no cell is ever a formula. Written with XlsxWriter, which streams rows to the file: a
2,000-school round's 240,000 cells take a third of the time openpyxl needs to build and save
them (benchmarks/README.md). The file is byte-identical for the same plan: the document dates
are the round's start and every entry of the zip archive carries that date too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from matcher.io.formulas import FORMULA_STARTS, WorkbookValue
from matcher.report.facts import ReportFacts
from matcher.report.names import WORKBOOK

DATE_FORMAT = "ddd d mmm yyyy"
TIME_FORMAT = "hh:mm"
MONEY_FORMAT = '"£"#,##0'
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_CORE = "docProps/core.xml"
# The save time would otherwise be stamped here whatever the properties say.
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
    # Fixed, from the input: the time of saving would make every file differ.
    stamp = dt.datetime.combine(facts.start, dt.time(0))
    buffer = io.BytesIO()
    options = {
        "in_memory": True,
        # Text stays text: never a formula, a number or a link, whatever it starts with.
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    book = xlsxwriter.Workbook(buffer, options)
    book.set_properties(
        {"created": stamp, "author": "matcher", "title": f"{facts.round_name}: plan"}
    )
    styles = _Styles(book)
    for table in _tables(facts):
        _put_table(book.add_worksheet(table.title), table, styles)
    book.close()
    path.write_bytes(_fixed_zip_dates(buffer.getvalue(), stamp))
    return path


def _fixed_zip_dates(data: bytes, stamp: dt.datetime) -> bytes:
    """The same archive with every entry, and the document's modified date, set to ``stamp``
    (the writers, XlsxWriter here and openpyxl for sweep.xlsx, put the time of saving there)."""
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
    if h["objective_gap"] is not None:
        rows.append(("Gap on the whole objective (proven bound)", h["objective_gap"]))
    if facts.dated:
        rows += [
            ("Visit days", h["visit_days"]),
            ("Presentations", h["presentations"]),
            ("Dating status", h["dating_status"]),
        ]
    return _Table("Summary", ("what", "value"), rows, {"value": "General"})


# A pairing's share of each soft term (matcher explain's terms), as workbook columns.
_TERM_COLUMNS = (
    ("expertise", "fit_points"),
    ("preference", "preference_points"),
    ("travel", "travel_minutes_x_days"),
    ("sle_balance", "sle_share_pct"),
    ("give_take", "give_take_days"),
)


def _pairings(facts: ReportFacts) -> _Table:
    header: tuple[str, ...] = (
        "project_id", "project_title", "area", "host_school_id", "host_school_name", "role",
        "staff_id", "staff_name", "staff_school_id", "staff_school_name", "travel_minutes",
        "days", "first_visit", "last_visit",
    )  # fmt: skip
    explained = any(p.terms for p in facts.pairings)
    if explained:
        header += (*(column for _term, column in _TERM_COLUMNS), "objective_share")
    rows = []
    for p in facts.pairings:
        row: tuple[WorkbookValue, ...] = (
            p.project_id, p.project_title, p.area, p.host_school_id, p.host_school_name, p.role,
            p.staff_id, p.staff_name, p.staff_school_id, p.staff_school_name, p.travel_minutes,
            p.days, p.first_day, p.last_day,
        )  # fmt: skip
        if explained:
            values = {name: value for name, value, _contribution in p.terms}
            row += (*(values.get(term) for term, _column in _TERM_COLUMNS), p.objective_share)
        rows.append(row)
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
    header = (
        "project_id", "project_title", "area", "host_school_id", "host_school_name", "reason",
        "rules", "suggestions",
    )  # fmt: skip
    rows = [
        (
            u.project_id, u.project_title, u.area, u.host_school_id, u.host_school_name, u.reason,
            "\n".join(f"{rule}: {detail}" for rule, detail in u.rules) or None,
            "\n".join(u.suggestions) or None,
        )
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


class _Styles:
    """The workbook's cell formats, made once each (XlsxWriter keeps every format it is given)."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._made: dict[tuple[str | None, bool, bool], Any] = {}
        self.header = book.add_format({"bold": True})

    def __call__(
        self, number_format: str | None, *, quoted: bool = False, wrap: bool = False
    ) -> Any:
        key = (number_format, quoted, wrap)
        if key not in self._made:
            spec: dict[str, object] = {}
            if number_format is not None:
                spec["num_format"] = number_format
            if quoted:
                spec["quote_prefix"] = True
            if wrap:
                spec.update(text_wrap=True, valign="top")
            self._made[key] = self._book.add_format(spec) if spec else None
        return self._made[key]


def _put_table(sheet: Any, table: _Table, styles: _Styles) -> None:
    for column, name in enumerate(table.header):
        sheet.write_string(0, column, name, styles.header)
    formats = [table.formats.get(name) for name in table.header]
    for row_no, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row):
            _put_value(sheet, row_no, column, value, formats[column], styles)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(table.rows)), len(table.header) - 1)
    for column, name in enumerate(table.header):
        longest = max([len(name) + 2, *(_width(row[column]) for row in table.rows)])
        sheet.set_column(column, column, min(_MAX_WIDTH, max(_MIN_WIDTH, longest + 1)))


def _put_value(
    sheet: Any,
    row: int,
    column: int,
    value: WorkbookValue,
    number_format: str | None,
    styles: _Styles,
) -> None:
    """One cell: text as a string cell (never a formula), dates and times as real ones."""
    if value is None:
        return
    if isinstance(value, str):
        # Control characters an .xlsx file cannot hold are dropped (Excel would refuse it).
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        style = styles(None, quoted=text.startswith(FORMULA_STARTS), wrap=len(text) > _MAX_WIDTH)
        sheet.write_string(row, column, text, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, dt.time):
        sheet.write_datetime(row, column, value, styles(number_format or TIME_FORMAT))
    elif isinstance(value, dt.date):
        # A date alone is a datetime at midnight: Excel has one kind of date cell.
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time(0))
        sheet.write_datetime(row, column, moment, styles(_date_format(number_format)))
    else:
        sheet.write_number(row, column, value, styles(number_format))


def _date_format(number_format: str | None) -> str:
    """A date column's own format, or the usual date format (a column of mixed values, such
    as the summary's, has no date format of its own)."""
    return number_format if number_format in (DATE_FORMAT, TIME_FORMAT) else DATE_FORMAT


def _width(value: WorkbookValue) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 16
    if isinstance(value, dt.time):
        return 6
    return len(str(value))
