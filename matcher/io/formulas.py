"""Text that a spreadsheet would run as a formula, made safe in the files people open.

Excel, LibreOffice and Google Sheets take a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, and the OWASP guidance on CSV injection adds a leading tab or carriage return.
An id such as ``=HYPERLINK("http://...")`` in an output file would then run when a
coordinator opens the file. So every CSV the product writes for people goes through
:func:`write_csv`, which prefixes such text with a single quote (``'=HYPERLINK(...)``): the
spreadsheet shows text, and reading our own files back undoes it with :func:`restore`.

Only ``str`` cells are text. Numbers the writers pass as numbers (travel minutes, days,
sizes) are written as they are, so a genuine ``-5`` stays a number.

For a workbook, :func:`put_cell` stores text as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# A text that already starts with the quote and one of these gets a second quote, so that
# restore(neutralise(text)) == text for every text, including one like "'=x".
_RESTORED_AFTER_QUOTE = (*FORMULA_STARTS, QUOTE)

WorkbookValue = str | int | float | bool | dt.date | dt.time | None


def neutralise(text: str) -> str:
    """``text`` with a single quote in front if a spreadsheet would take it as a formula.

    Parameters
    ----------
    text
        A text cell.

    Returns
    -------
    str
        ``"'" + text`` when ``text`` starts with ``=``, ``+``, ``-``, ``@``, a tab or a
        carriage return (or with a quote followed by one of those or another quote, so that
        :func:`restore` can tell the two apart); otherwise ``text`` unchanged.
    """
    if text.startswith(FORMULA_STARTS) or _quoted(text):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """Undo :func:`neutralise`: the text as it was before it was written.

    Parameters
    ----------
    text
        A cell read back from a file this package wrote (or a spreadsheet saved from it).

    Returns
    -------
    str
        ``text`` without its first character when that is a quote followed by ``=``, ``+``,
        ``-``, ``@``, a tab, a carriage return or another quote; otherwise ``text``.
    """
    return text[1:] if _quoted(text) else text


def _quoted(text: str) -> bool:
    # text[1:2] is "" for a lone quote, which is in no tuple of one-character strings.
    return text[:1] == QUOTE and text[1:2] in _RESTORED_AFTER_QUOTE


def csv_cells(row: Iterable[object]) -> list[object]:
    """A row ready for :mod:`csv`: text cells neutralised, numbers and the rest as they are."""
    return [neutralise(cell) if isinstance(cell, str) else cell for cell in row]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV file for people to open: UTF-8, ``\\n`` line endings, text neutralised.

    Parameters
    ----------
    path
        The file to write (replaced if it exists).
    header
        The column names.
    rows
        The data rows; ``str`` cells go through :func:`neutralise`.
    """
    # newline="" and "\n" endings: the same bytes on every platform and every re-run.
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(csv_cells(header))
        writer.writerows(csv_cells(row) for row in rows)


def put_cell(sheet: Worksheet, *, row: int, column: int, value: WorkbookValue) -> Cell:
    """Put a value into a worksheet cell so that text can never become a formula.

    openpyxl takes any text starting with ``=`` as a formula. Here text is stored as a string
    cell (data type ``s``) whatever it starts with, marked with Excel's quote prefix when it
    looks like a formula (so editing the cell in Excel keeps it text), and stripped of the
    control characters an .xlsx file cannot hold (openpyxl would refuse the whole workbook).

    Parameters
    ----------
    sheet
        The worksheet.
    row, column
        1-based cell position.
    value
        Text, a number, a boolean, a date or time, or None for an empty cell.

    Returns
    -------
    openpyxl.cell.cell.Cell
        The cell written.
    """
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell
