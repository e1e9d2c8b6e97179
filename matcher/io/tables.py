"""Reading the raw tables of a round: every cell as stripped text, every row with its number.

A round is either a folder (``schools.csv``, ``staff.csv``, ..., ``round.toml``) or one ``.xlsx``
workbook with a sheet per file (``schools``, ``staff``, ..., and ``round`` for the settings).
Nothing here knows what a column means; unreadable input becomes Problems, never exceptions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from matcher.io.problems import ProblemLog

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SETTINGS_SHEET = "round"
SETTINGS_FILE = "round.toml"


@dataclass(frozen=True)
class Row:
    """One data row: ``number`` as a spreadsheet shows it, cells by (normalised) column name."""

    number: int
    cells: Mapping[str, str]

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

    def read_table(self, name: str, log: ProblemLog) -> Table | None:
        """The table, or None if it is absent (not a problem here) or unreadable (logged)."""
        ...

    def read_settings(self, log: ProblemLog) -> str | Table | None:
        """round.toml's text, or the workbook's ``round`` sheet; None if absent or unreadable."""
        ...


def normalise_header(text: str) -> str:
    """Column names ignore case, surrounding spaces and space/hyphen versus underscore."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def table_from_grid(
    label: str, grid: Sequence[Sequence[str]], log: ProblemLog, *, strict_width: bool
) -> Table | None:
    """Build a Table from rows of text whose first row is the header.

    Blank rows are skipped (spreadsheets leave them behind), but keep their numbers so that
    later rows are reported where the user sees them. Columns with a blank header are ignored.
    With ``strict_width`` (CSV), text beyond the last header column is a problem: it usually
    means a value with an unquoted comma has shifted the row.
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
        rows.append(
            Row(number, {name: texts[i] for name, i in positions.items() if i < len(texts)})
        )
    return Table(label, tuple(positions), tuple(rows))


def read_csv_grid(path: Path, label: str, log: ProblemLog) -> list[list[str]] | None:
    """All records of a CSV file as text; None (and a logged problem) if it cannot be read."""
    try:
        # utf-8-sig drops the byte-order mark Excel writes at the start of "CSV UTF-8" files.
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        log.add(label, expected="UTF-8 text (in Excel: Save As, then CSV UTF-8)")
        return None
    except OSError as error:
        log.add(label, expected=f"a readable file ({error.strerror or error})")
        return None
    grid: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
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


class FolderSource:
    """A round as a folder: ``<name>.csv`` files and ``round.toml`` (names ignore case)."""

    kind = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files = {child.name.lower(): child for child in sorted(folder.iterdir())}

    def has(self, name: str) -> bool:
        wanted = SETTINGS_FILE if name == SETTINGS_SHEET else f"{name}.csv"
        return wanted in self._files

    def label(self, name: str) -> str:
        return f"{name}.csv"

    @property
    def settings_label(self) -> str:
        return SETTINGS_FILE

    def read_table(self, name: str, log: ProblemLog) -> Table | None:
        path = self._files.get(f"{name}.csv")
        if path is None:
            return None
        grid = read_csv_grid(path, self.label(name), log)
        if grid is None:
            return None
        return table_from_grid(self.label(name), grid, log, strict_width=True)

    def read_settings(self, log: ProblemLog) -> str | Table | None:
        path = self._files.get(SETTINGS_FILE)
        if path is None:
            return None
        try:
            return path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            log.add(SETTINGS_FILE, expected="UTF-8 text")
        except OSError as error:
            log.add(SETTINGS_FILE, expected=f"a readable file ({error.strerror or error})")
        return None


class WorkbookSource:
    """A round as one workbook: a sheet per table (names ignore case) and a ``round`` sheet."""

    kind = "sheet"

    def __init__(self, path: Path, sheets: Mapping[str, list[list[str]]]) -> None:
        self.path = path
        self._sheets = sheets

    def has(self, name: str) -> bool:
        return name in self._sheets

    def label(self, name: str) -> str:
        return f"sheet {name}"

    @property
    def settings_label(self) -> str:
        return self.label(SETTINGS_SHEET)

    def read_table(self, name: str, log: ProblemLog) -> Table | None:
        grid = self._sheets.get(name)
        if grid is None:
            return None
        return table_from_grid(self.label(name), grid, log, strict_width=False)

    def read_settings(self, log: ProblemLog) -> str | Table | None:
        return self.read_table(SETTINGS_SHEET, log)


def read_workbook_grids(path: Path, log: ProblemLog) -> dict[str, list[list[str]]] | None:
    """Every sheet of a workbook as rows of text, keyed by lower-case sheet name."""
    import openpyxl  # only workbook users pay for importing it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or wrong file
        log.add(path.name, expected=f"an .xlsx workbook that Excel can open ({error})")
        return None
    try:
        return {
            sheet.title.strip().lower(): [
                [cell_text(value) for value in values]
                for values in sheet.iter_rows(values_only=True)
            ]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


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
    if target.is_dir():
        return FolderSource(target)
    if not target.exists():
        log.add(str(target), expected="an existing folder of CSV files, or an .xlsx workbook")
        return None
    if target.suffix.lower() not in WORKBOOK_SUFFIXES:
        log.add(target.name, expected="a folder of CSV files, or an .xlsx workbook")
        return None
    sheets = read_workbook_grids(target, log)
    return None if sheets is None else WorkbookSource(target, sheets)
