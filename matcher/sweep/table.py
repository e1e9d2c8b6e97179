"""The sweep's comparison: sweep.csv, sweep.xlsx and sweep.html, one row per scenario.

Rows come in the grid file's order. Every figure is the scenario's own (its summary.json),
except ``seconds``, the wall-clock time its plan took, which is the one column that differs
between runs. Each setting a scenario overrides is a column holding the value every scenario
used (the round's own where a scenario does not override it).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from matcher.io.atomic import write_text_atomic
from matcher.io.calendar_settings import to_text
from matcher.io.formulas import WorkbookValue, put_cell, write_csv
from matcher.report.page import _inline_script, _script_json, _vega_bundle
from matcher.report.workbook import _fixed_zip_dates

COLUMNS = (
    "scenario",
    "status",
    "staffed",
    "unfilled",
    "travel",
    "gap",
    "objective",
    "cover_cost",
    "repeatable",
    "seconds",
    "reason",
)
CSV, XLSX, HTML = "sweep.csv", "sweep.xlsx", "sweep.html"


def cell(value: object) -> WorkbookValue:
    """A value for a CSV or workbook cell: numbers and text as they are, the rest as text."""
    if value is None or isinstance(value, int | float | str):
        return value
    return to_text(value)


def table_rows(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> list[list[WorkbookValue]]:
    return [[cell(row.get(name)) for name in (*COLUMNS, *keys)] for row in rows]


def write_tables(
    out: Path, rows: Sequence[dict[str, Any]], keys: Sequence[str], stamp: dt.date
) -> list[Path]:
    """Write the three files into ``out``, each through a temporary file; their paths.

    ``stamp`` (the round's start) dates the workbook, so the same sweep writes the same bytes.
    """
    header = [*COLUMNS, *keys]
    body = table_rows(rows, keys)
    _replace(out / CSV, lambda path: write_csv(path, header, body))
    _replace(out / XLSX, lambda path: path.write_bytes(_workbook(header, body, stamp)))
    write_text_atomic(out / HTML, render_html(rows, keys))
    return [out / CSV, out / XLSX, out / HTML]


def _replace(target: Path, write: Any) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _workbook(header: list[str], body: list[list[WorkbookValue]], stamp: dt.date) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "sweep"
    bold = Font(bold=True)
    for column, name in enumerate(header, start=1):
        put_cell(sheet, row=1, column=column, value=name).font = bold
        sheet.column_dimensions[get_column_letter(column)].width = max(10, len(name) + 2)
    for row_no, row in enumerate(body, start=2):
        for column, value in enumerate(row, start=1):
            placed = put_cell(sheet, row=row_no, column=column, value=value)
            placed.number_format = _number_format(header[column - 1], value)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(body) + 1}"
    moment = dt.datetime.combine(stamp, dt.time(0))
    book.properties.created = moment
    book.properties.modified = moment
    book.properties.creator = "matcher"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip_dates(buffer.getvalue(), moment)


def _number_format(name: str, value: WorkbookValue) -> str:
    """Excel's format for a cell: gaps in %, seconds to a tenth, whole numbers with separators,
    anything else (an override of 0.5, text) as it is."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "General"
    if name in {"gap", "seconds"}:
        return "0.00%" if name == "gap" else "0.0"
    return "#,##0" if float(value).is_integer() else "General"


def chart_spec(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite: projects staffed and travel minutes, a labelled bar per scenario, stacked.

    The scenario names are shown whole (they say what differs), and each bar carries its
    value: scenarios often differ by a few percent, which bars from zero alone would hide.
    """
    values = [
        {"scenario": row["scenario"], "staffed": row.get("staffed"), "travel": row.get("travel")}
        for row in rows
        if row.get("status") != "failed"
    ]
    order = [value["scenario"] for value in values]

    def bars(field: str, title: str, colour: str) -> dict[str, Any]:
        y = {
            "field": "scenario",
            "type": "nominal",
            "sort": order,
            "title": None,
            "axis": {"labelLimit": 0, "labelFontSize": 12},
        }
        x = {"field": field, "type": "quantitative", "title": title}
        return {
            "width": 420,
            "encoding": {"y": y, "x": x},
            "layer": [
                {
                    "mark": {"type": "bar", "color": colour},
                    "encoding": {
                        "tooltip": [{"field": "scenario"}, {"field": field, "format": ","}]
                    },
                },
                {
                    "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
                    "encoding": {"text": {"field": field, "format": ","}},
                },
            ],
        }

    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "vconcat": [
            bars("staffed", "projects staffed", "#00798c"),
            bars("travel", "travel (minutes x days out)", "#d1495b"),
        ],
        "config": {"view": {"stroke": None}, "axis": {"titleFontSize": 12}},
    }


NOTES = (
    ("staffed, unfilled", "projects given a whole team, and those left without one"),
    ("travel", "reviewers' travel minutes times their days out"),
    (
        "gap",
        "how far the plan may be from the best, proven on its quality terms (summary.json);"
        " blank where part of the round was reached after the time limit and kept its start"
        " plan unproven: a longer [run] time_limit gives it",
    ),
    ("repeatable", "false where the clock, not the work limit, ended a search: re-run it"),
    ("seconds", "the plan's wall-clock time, the one figure that differs between runs"),
)


def render_html(rows: Sequence[dict[str, Any]], keys: Sequence[str] = ()) -> str:
    """A page needing no other host: the chart (vega-embed inlined) and the table."""
    columns = (*COLUMNS, *keys)
    head = "".join(f"<th>{html.escape(name)}</th>" for name in columns)
    body = "\n".join(
        "<tr>"
        + "".join(_cell_html(name, row.get(name)) for name in columns)
        + "</tr>"
        for row in rows
    )
    notes = "".join(f"<dt>{html.escape(a)}</dt><dd>{html.escape(b)}</dd>" for a, b in NOTES)
    spec = _script_json(chart_spec(rows))
    count = f"{len(rows)} scenario{'s' if len(rows) != 1 else ''}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>matcher sweep: {count}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#1d2733}}
table{{border-collapse:collapse;margin-top:1em}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left;white-space:nowrap}}
td.n{{text-align:right;font-variant-numeric:tabular-nums}}th{{background:#f3f5f7}}
dl{{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;font-size:.9em}}
dt{{font-weight:600}}dd{{margin:0}}</style>
<script>{_inline_script(_vega_bundle())}</script></head>
<body><h1>Sweep: projects staffed and travel, {count}</h1>
<div id="chart"></div>
<script type="application/json" id="spec">{spec}</script>
<script>vegaEmbed("#chart", JSON.parse(document.getElementById("spec").textContent),
{{actions: false}});</script>
<div style="overflow-x:auto"><table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table></div>
<dl>{notes}</dl></body></html>
"""


def _cell_html(name: str, value: object) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    opening = '<td class="n">' if numeric else "<td>"
    return f"{opening}{html.escape(_shown(name, value))}</td>"


def _shown(name: str, value: object) -> str:
    """Figures as a reader compares them: 26,686,235 rather than 26686235.0, gaps in %."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float) and name == "gap":
        return f"{100 * value:.2f}%"
    if isinstance(value, int | float) and name == "seconds":
        return f"{value:.1f}"
    if isinstance(value, int | float) and float(value).is_integer():
        return f"{int(value):,}"
    return str(value)
