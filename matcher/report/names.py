"""The file names the report writes, for the commands that own them (``matcher.io.owned``)."""

from __future__ import annotations

WORKBOOK = "plan.xlsx"
PAGE = "report.html"
REPORT_FILES = frozenset({WORKBOOK, PAGE})
