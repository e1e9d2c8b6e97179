"""Reading the raw tables of a round: every cell as stripped text, every row with its number.

A round is either a folder (``schools.csv``, ``staff.csv``, ..., ``round.toml``) or one ``.xlsx``
workbook with a sheet per file (``schools``, ``staff``, ..., and ``round`` for the settings).
Nothing here knows what a column means; unreadable input becomes Problems, never exceptions.

What a spreadsheet program may have done to a file is undone here, with a warning where a guess
was made: the text encoding (UTF-8, with or without a byte-order mark, UTF-16 with one, or
Windows-1252), the separator (comma, semicolon or tab) and line breaks typed inside a cell.
A cell that cannot be trusted (a control character, a formula with no saved value, an Excel
error such as ``#REF!``) is a problem, and its row remembers that it was reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from matcher.io.problems import ProblemLog

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SETTINGS_SHEET = "round"
SETTINGS_FILE = "round.toml"


@dataclass(frozen=True)
class Row:
    """One data row: ``number`` as a spreadsheet shows it, cells by (normalised) column name.

    ``reported`` names the columns whose cell was already reported as unreadable; such a cell
    reads as blank, and whoever reads the row must not report it again.
    """

    number: int
    cells: Mapping[str, str]
    reported: frozenset[str] = field(default=frozenset())

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True)
class Table:
    """A file or sheet as read: where it came from, its column names and its non-blank rows."""

    label: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def has(self, column: str) -> bool:
        return column in self.columns


class Source(Protocol):
    """Where a round's tables come from: a folder of CSV files or a workbook."""

    kind: str  # what one table is called: "file" or "sheet"

    def has(self, name: str) -> bool:
        """Whether table ``name`` (or ``"round"``, the settings) is there at all."""
        ...

    def label(self, name: str) -> str:
        """How table ``name`` (e.g. ``"staff"``) is called in messages."""
        ...

    @property
    def settings_label(self) -> str: ...

    def read_table(
        self, name: str, log: ProblemLog, used: Collection[str] | None = None
    ) -> Table | None:
        """The table, or None if it is absent (not a problem here) or unreadable (logged).

        Only the cells of ``used`` columns (all, if None) are checked for unreadable text.
        """
        ...

    def read_settings(self, log: ProblemLog) -> str | Table | None:
        """round.toml's text, or the workbook's ``round`` sheet; None if absent or unreadable."""
        ...


def normalise_header(text: str) -> str:
    """Column names ignore case, surrounding spaces and space/hyphen versus underscore."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def table_from_grid(
    label: str,
    grid: Sequence[Sequence[str]],
    log: ProblemLog,
    *,
    strict_width: bool,
    used: Collection[str] | None = None,
) -> Table | None:
    """Build a Table from rows of text whose first row is the header.

    Blank rows are skipped (spreadsheets leave them behind), but keep their numbers so that
    later rows are reported where the user sees them. Columns with a blank header are ignored.
    With ``strict_width`` (CSV), text beyond the last header column is a problem: it usually
    means a value with an unquoted comma has shifted the row. The cells of ``used`` columns
    (every named column, if None) are screened by ``screen_cell``.
    """
    if not grid or not any(cell.strip() for cell in grid[0]):
        log.add(label, row=1, expected="a header row naming the columns")
        return None
    positions: dict[str, int] = {}
    for index, cell in enumerate(grid[0]):
        name = normalise_header(cell)
        if not name:
            continue
        if name in positions:
            log.add(label, row=1, column=name, expected="each column name only once")
            continue
        positions[name] = index
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        texts = [cell.strip() for cell in cells]
        if not any(texts):
            continue
        if strict_width and any(texts[len(grid[0]) :]):
            log.add(
                label,
                row=number,
                expected=(
                    f"at most {len(grid[0])} cells, like the header, but found {len(texts)} "
                    "(put a value that contains a comma in double quotes)"
                ),
            )
        found: dict[str, str] = {}
        reported: set[str] = set()
        for name, index in positions.items():
            if index >= len(cells):
                continue
            if used is not None and name not in used:
                found[name] = texts[index]
                continue
            text = screen_cell(cells[index], label, number, name, log)
            if text is None:
                reported.add(name)
            else:
                found[name] = text
        rows.append(Row(number, found, frozenset(reported)))
    return Table(label, tuple(positions), tuple(rows))


class UnsavedFormula(str):
    """A workbook cell holding a formula whose value was never saved (the text is the formula).

    Programs other than Excel (or a script) may write formulas without computing them; such a
    cell reads as empty, which must not pass for a blank cell.
    """


class ExcelError(str):
    """A workbook cell showing an Excel error such as ``#REF!`` (the text is the error)."""


# Typed inside a cell, a line break (Alt+Enter in Excel) or a tab is layout, not content: each
# run of them, with the spaces around it, becomes one space.
_LINE_BREAKS = re.compile(r"\s*[\t\n\r\x0b\x0c\x85\u2028\u2029]+\s*")
# Every other control character (NUL, escape, ...) means the file is damaged or not text.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def screen_cell(raw: str, label: str, row: int | None, column: str, log: ProblemLog) -> str | None:
    """The usable, stripped text of one cell, or None after logging why it is unusable.

    Parameters
    ----------
    raw : str
        The cell as read (an ``UnsavedFormula`` or ``ExcelError`` from a workbook, or text).
    label, row, column : str, int or None, str
        Where the cell is, for messages (no row for a setting in round.toml).
    log : ProblemLog
        Receives the problem, or the warning when line breaks were folded into spaces.
    """
    if isinstance(raw, UnsavedFormula):
        log.add(
            label,
            row=row,
            column=column,
            expected=f"a value, but the cell holds a formula with no saved value ({raw}): "
            "open the workbook in Excel and save it, so that the values are stored",
        )
        return None
    if isinstance(raw, ExcelError):
        log.add(
            label,
            row=row,
            column=column,
            expected=f"a value, but the cell shows the Excel error {raw}",
        )
        return None
    text = raw.strip()
    control = _CONTROL.search(text)
    if control is not None:
        log.add(
            label,
            row=row,
            column=column,
            value=text,
            expected=f"text without control characters (character {control.start() + 1} is "
            f"U+{ord(control.group()):04X}; retype the cell)",
        )
        return None
    if _LINE_BREAKS.search(text):
        # The warning names the cell, not its text: the cell may hold a person's name.
        log.warn(
            label,
            row=row,
            column=column,
            message="a line break (or tab) inside the cell was read as a space",
        )
        text = _LINE_BREAKS.sub(" ", text)
    return text


def decode_text(data: bytes, label: str, log: ProblemLog) -> str | None:
    """A text file's content; None (and a logged problem) if it is not text in a known encoding.

    UTF-8 (a byte-order mark, as Excel's "CSV UTF-8" writes, is dropped) is read silently.
    UTF-16 (Excel's "Unicode Text") and Windows-1252 (Excel's plain "CSV" on Windows) are read
    with a warning that says so, because accented letters are then a guess worth checking.
    """
    if data.startswith(b"PK\x03\x04"):
        log.add(
            label,
            expected="a text file, but this is a workbook (or another zip file) with a text "
            "file's name: save it as CSV, or give matcher the .xlsx workbook itself",
        )
        return None
    encoding = _utf16(data)
    if encoding is None:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            encoding = "cp1252"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        log.add(label, expected="text in UTF-8 (in Excel: Save As, then CSV UTF-8)")
        return None
    if encoding == "cp1252":
        message = (
            "not UTF-8, so read as Windows-1252: check that accented letters look right "
            "(in Excel: Save As, then CSV UTF-8)"
        )
    else:
        message = "not UTF-8 but UTF-16 (as Excel's Unicode Text saves it): read as UTF-16"
    log.warn(label, message=message)
    return text.removeprefix("\ufeff")


def _utf16(data: bytes) -> str | None:
    """ "utf-16" if the bytes are UTF-16 (with a byte-order mark, or plain ASCII text
    with a zero byte beside every letter), else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] and data[2]:
        return "utf-16-le"
    if len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] and data[3]:
        return "utf-16-be"
    return None


_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}
_SEPARATOR_LINE = re.compile(r"sep=(.)\r?\n")


def _delimiter(text: str) -> str:
    """The separator that splits the header row into the most columns; a comma on a tie.

    Excel writes semicolons where the decimal mark is a comma, and tabs for "Unicode Text".
    """
    header = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {}
    for delimiter in _DELIMITERS:
        try:
            counts[delimiter] = len(next(csv.reader([header], delimiter=delimiter), []))
        except csv.Error:
            counts[delimiter] = 0
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def read_csv_grid(path: Path, label: str, log: ProblemLog) -> list[list[str]] | None:
    """All records of a CSV file as text; None (and a logged problem) if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        log.add(label, expected=f"a readable file ({error.strerror or error})")
        return None
    text = decode_text(data, label, log)
    if text is None:
        return None
    explicit = _SEPARATOR_LINE.match(text)
    if explicit is not None:
        # Excel's "sep=;" line names the separator and is not shown as a row, so neither is it
        # counted as one here.
        delimiter, text = explicit.group(1), text[explicit.end() :]
    else:
        delimiter = _delimiter(text)
    if delimiter != "," and explicit is None:
        log.warn(
            label,
            message=f"values are separated by {_DELIMITERS[delimiter]}, not commas: read that way",
        )
    grid: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        grid.extend(reader)
    except csv.Error as error:
        log.add(
            label,
            row=len(grid) + 1,
            expected=f"well-formed CSV ({error}; is a double quote left open?)",
        )
        return None
    return grid


def _by_key(names: Sequence[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Names by their case-folded, trimmed form, and the forms more than one name shares.

    ``Staff``, ``STAFF`` and ``staff `` are all ``staff``; when two of them are present, the
    first (in sorted order) is kept and the clash is reported when that table is read.
    """
    first: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    for name in sorted(names):
        key = name.strip().casefold()
        if key in first:
            clashes.setdefault(key, [first[key]]).append(name)
        else:
            first[key] = name
    return first, clashes


def _log_clash(label: str, kind: str, names: Sequence[str], log: ProblemLog) -> None:
    shown = " and ".join(repr(name) for name in names)
    log.add(label, expected=f"one {kind} of this name, but found {shown}: remove or rename one")


class FolderSource:
    """A round as a folder: ``<name>.csv`` files and ``round.toml`` (names ignore case)."""

    kind = "file"

    def __init__(self, folder: Path, names: Sequence[str]) -> None:
        self.folder = folder
        self._files, self._clashes = _by_key(names)

    def _path(self, wanted: str, log: ProblemLog) -> Path | None:
        if wanted in self._clashes:
            _log_clash(wanted, self.kind, self._clashes[wanted], log)
        name = self._files.get(wanted)
        return None if name is None else self.folder / name

    def has(self, name: str) -> bool:
        wanted = SETTINGS_FILE if name == SETTINGS_SHEET else f"{name}.csv"
        return wanted in self._files

    def label(self, name: str) -> str:
        return f"{name}.csv"

    @property
    def settings_label(self) -> str:
        return SETTINGS_FILE

    def read_table(
        self, name: str, log: ProblemLog, used: Collection[str] | None = None
    ) -> Table | None:
        path = self._path(f"{name}.csv", log)
        if path is None:
            return None
        grid = read_csv_grid(path, self.label(name), log)
        if grid is None:
            return None
        return table_from_grid(self.label(name), grid, log, strict_width=True, used=used)

    def read_settings(self, log: ProblemLog) -> str | Table | None:
        path = self._path(SETTINGS_FILE, log)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError as error:
            log.add(SETTINGS_FILE, expected=f"a readable file ({error.strerror or error})")
            return None
        return decode_text(data, SETTINGS_FILE, log)


class WorkbookSource:
    """A round as one workbook: a sheet per table and a ``round`` sheet.

    Sheet names ignore case and surrounding spaces (``STAFF`` and ``Staff `` are ``staff``).
    """

    kind = "sheet"

    def __init__(self, path: Path, sheets: Mapping[str, list[list[str]]]) -> None:
        self.path = path
        self._sheets = sheets
        self._names, self._clashes = _by_key(list(sheets))

    def has(self, name: str) -> bool:
        return name in self._names

    def label(self, name: str) -> str:
        return f"sheet {name}"

    @property
    def settings_label(self) -> str:
        return self.label(SETTINGS_SHEET)

    def read_table(
        self, name: str, log: ProblemLog, used: Collection[str] | None = None
    ) -> Table | None:
        if name in self._clashes:
            _log_clash(self.label(name), self.kind, self._clashes[name], log)
        title = self._names.get(name)
        if title is None:
            return None
        grid = self._sheets[title]
        return table_from_grid(self.label(name), grid, log, strict_width=False, used=used)

    def read_settings(self, log: ProblemLog) -> str | Table | None:
        return self.read_table(SETTINGS_SHEET, log, used=("key", "value"))


def read_workbook_grids(path: Path, log: ProblemLog) -> dict[str, list[list[str]]] | None:
    """Every sheet of a workbook as rows of text, keyed by its title as written.

    Cells come as their saved values; a formula with no saved value comes as an
    ``UnsavedFormula`` and an error value as an ``ExcelError``, for the reader to report.
    """
    try:
        with_formulas = _read_sheets(path, data_only=False)
        if not any(
            _is_formula(cell) for grid in with_formulas.values() for r in grid for cell in r
        ):
            return {title: _texts(grid) for title, grid in with_formulas.items()}
        # Formulas found: read again for the values Excel saved with them.
        values = _read_sheets(path, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or wrong file
        log.add(path.name, expected=f"an .xlsx workbook that Excel can open ({error})")
        return None
    return {
        title: [
            [_saved(formula, value) for formula, value in _pairs(row, values[title], r)]
            for r, row in enumerate(grid)
        ]
        for title, grid in with_formulas.items()
    }


def _read_sheets(path: Path, *, data_only: bool) -> dict[str, list[list[Any]]]:
    """Each sheet's cells as (value, data type) pairs, by sheet title."""
    import openpyxl  # only workbook users pay for importing it

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        return {
            sheet.title: [
                [(cell.value, getattr(cell, "data_type", "n")) for cell in cells]
                for cells in sheet.iter_rows()
            ]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def _is_formula(cell: tuple[object, str]) -> bool:
    return cell[1] == "f"


def _pairs(
    row: list[tuple[object, str]], grid: list[list[tuple[object, str]]], r: int
) -> list[tuple[tuple[object, str], tuple[object, str]]]:
    saved = grid[r] if r < len(grid) else []
    return [(cell, saved[c] if c < len(saved) else (None, "n")) for c, cell in enumerate(row)]


def _saved(formula: tuple[object, str], value: tuple[object, str]) -> str:
    if _is_formula(formula) and value[0] is None:
        text = getattr(formula[0], "text", formula[0])  # an array formula carries its text
        return UnsavedFormula(str(text))
    return _text(value)


def _texts(grid: list[list[tuple[object, str]]]) -> list[list[str]]:
    return [[_text(cell) for cell in row] for row in grid]


def _text(cell: tuple[object, str]) -> str:
    value, data_type = cell
    if data_type == "e":
        return ExcelError(str(value))
    return cell_text(value)


def cell_text(value: object) -> str:
    """A workbook cell as the text a user would type for it.

    Whole numbers lose the ``.0`` Excel stores them with, and dates are written YYYY-MM-DD,
    so that a cell reads the same as it would in a CSV file.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def open_source(path: str | os.PathLike[str], log: ProblemLog) -> Source | None:
    """The source at ``path``: a folder of CSV files or an .xlsx workbook."""
    target = Path(path)
    shown = str(target) if len(str(target)) <= 120 else str(target)[:117] + "..."
    try:
        if target.is_dir():
            names = [child.name for child in target.iterdir() if not child.is_dir()]
            return FolderSource(target, names)
        exists = target.exists()
    except (OSError, ValueError) as error:  # unreadable, a name too long, a NUL in the path
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        log.add(shown, expected=f"a readable folder or workbook ({reason})")
        return None
    if not exists:
        log.add(shown, expected="an existing folder of CSV files, or an .xlsx workbook")
        return None
    if target.suffix.lower() not in WORKBOOK_SUFFIXES:
        log.add(target.name, expected="a folder of CSV files, or an .xlsx workbook")
        return None
    sheets = read_workbook_grids(target, log)
    return None if sheets is None else WorkbookSource(target, sheets)
