"""The bundled sample round as editable text, and the two ways of handing it to matcher (a
folder of files, or one workbook), for tests that break it the way a coordinator might
(tests/test_hostile_input.py, tests/test_input_fuzz.py)."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"

Files = dict[str, str | bytes]


def sample_files() -> Files:
    """Every file of the sample round, by name, as text."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SAMPLE.iterdir())}


def records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def as_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def set_cell(files: Files, name: str, row: int, column: str, value: str) -> None:
    """Set one cell, addressed as a spreadsheet shows it (the header is row 1)."""
    text = files[name]
    assert isinstance(text, str)
    rows = records(text)
    rows[row - 1][rows[0].index(column)] = value
    files[name] = as_csv(rows)


def write_folder(folder: Path, files: Files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8", newline="")
    return folder


def settings_rows(toml_text: str) -> list[tuple[str, str]]:
    """round.toml as the ``round`` sheet's key/value rows, in the text forms a cell holds."""
    from matcher.io.calendar_settings import convert, to_text

    rows = []
    for section, table in tomllib.loads(toml_text).items():
        for name, value in table.items():
            key = f"{section}.{name}"
            rows.append((key, to_text(convert(key, value))))
    return rows


def write_workbook(
    path: Path,
    files: Files,
    settings: list[tuple[str, Any]] | None = None,
    *,
    edit: Callable[[Any], None] | None = None,
) -> Path:
    """One workbook with a sheet per CSV file and a ``round`` sheet; cells hold text as typed
    (so a cell starting with ``=`` is a formula, which openpyxl saves without a value)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, content in files.items():
        if not name.endswith(".csv"):
            continue
        text = content if isinstance(content, str) else content.decode("utf-8", "replace")
        sheet = workbook.create_sheet(name.removesuffix(".csv"))
        for record in records(text):
            sheet.append([_storable(cell) for cell in record])
    if settings is None:
        toml_text = files["round.toml"]
        assert isinstance(toml_text, str)
        settings = settings_rows(toml_text)
    sheet = workbook.create_sheet("round")
    sheet.append(["key", "value"])
    for key, value in settings:
        sheet.append([_storable(key), _storable(value)])
    if edit is not None:
        edit(workbook)
    workbook.save(path)
    return path


def _storable(value: Any) -> Any:
    """``value`` without the control characters a workbook cannot hold (openpyxl refuses them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
