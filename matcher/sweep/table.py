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
    write_text_atomic(out / HTML, render_html(rows))
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
            put_cell(sheet, row=row_no, column=column, value=value)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(body) + 1}"
    moment = dt.datetime.combine(stamp, dt.time(0))
    book.properties.created = moment
    book.properties.modified = moment
    book.properties.creator = "matcher"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip_dates(buffer.getvalue(), moment)


def chart_spec(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite: projects staffed and travel minutes, a bar per scenario, side by side."""
    values = [
        {"scenario": row["scenario"], "staffed": row.get("staffed"), "travel": row.get("travel")}
        for row in rows
        if row.get("status") != "failed"
    ]
    order = [value["scenario"] for value in values]

    def bars(field: str, title: str, colour: str) -> dict[str, Any]:
        return {
            "width": 320,
            "mark": {"type": "bar", "color": colour},
            "encoding": {
                "y": {"field": "scenario", "type": "nominal", "sort": order, "title": None},
                "x": {"field": field, "type": "quantitative", "title": title},
                "tooltip": [{"field": "scenario"}, {"field": field, "title": title}],
            },
        }

    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "hconcat": [
            bars("staffed", "projects staffed", "#00798c"),
            bars("travel", "travel minutes x days out", "#d1495b"),
        ],
    }


def render_html(rows: Sequence[dict[str, Any]]) -> str:
    """A page needing no other host: the chart (vega-embed inlined) and the table."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in COLUMNS)
    body = "\n".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_shown(row.get(name)))}</td>" for name in COLUMNS)
        + "</tr>"
        for row in rows
    )
    spec = _script_json(chart_spec(rows))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>matcher sweep</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}</style>
<script>{_inline_script(_vega_bundle())}</script></head>
<body><h1>Sweep: staffed projects and travel by scenario</h1>
<div id="chart"></div>
<script type="application/json" id="spec">{spec}</script>
<script>vegaEmbed("#chart", JSON.parse(document.getElementById("spec").textContent),
{{actions: false}});</script>
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table></body></html>
"""


def _shown(value: object) -> str:
    return "" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)
