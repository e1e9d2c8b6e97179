"""Mutated copies of the sample round thrown at `matcher validate` and `matcher plan`
(hypothesis, derandomised so every run tries the same inputs): whatever the input, the exit
code is 0 or 2, nothing is raised past the CLI (no traceback), the two commands agree on
whether the input can be used, and a refused input leaves no output folder behind."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings, strategies as st
from sample_round import (
    Files,
    as_csv,
    records,
    sample_files,
    settings_rows,
    write_folder,
    write_workbook,
)

from matcher.cli import main

SAMPLE_FILES = sample_files()
CSV_NAMES = sorted(name for name in SAMPLE_FILES if name.endswith(".csv"))

# What lands in cells: numbers no solver can hold, Python-only spellings, control characters,
# formulas, dates that do not exist or lie far away, ids of the sample, very long text.
HOSTILE_CELLS = [
    "",
    " ",
    "0",
    "-1",
    "1_000",
    "1,000",
    "53,4",
    "12345678901234567890123",
    "9" * 400,
    "nan",
    "inf",
    "-inf",
    "1e-300",
    "1e400",
    "3.5",
    "٣",
    "=1+1",
    "=SUM(A1:A3)",
    "+cmd|' /C calc'!A0",
    "#REF!",
    "\x00",
    "a\x00b",
    "line\nbreak",
    "\r",
    "\t",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
    "Siân",
    "😀",
    "'",
    '"',
    ",",
    ";",
    "x" * 5000,
    "2027-02-29",
    "9999-12-31",
    "0001-01-01",
    "2027-01-04",
    "2027-03-26",
    "yes",
    "none",
    "S001",
    "910001",
    "P01",
    "oracy",
    "primary",
    "60",
    "-2.331",
    "53.4065",
]

HOSTILE_TOML = [
    "nan",
    "inf",
    "-inf",
    "1e-300",
    "1e300",
    "-1",
    "0",
    "99999999999999999999999",
    "9" * 5000,
    "true",
    '"1_000"',
    '""',
    '"\\u0000"',
    '"a\\nb"',
    "[]",
    "{}",
    "2027-02-29",
    "9999-12-31",
    "2000-01-01",
    "0001-01-01",
    '"x"',
    "1_000",
    "3.5",
    "[{start = 2027-01-04, end = 2099-12-31}]",
    '"08:45"',
    '"25:99"',
    "{primary = -1}",
    "{primary = 1e300}",
    "2027-01-04T08:00:00",
]


@dataclass(frozen=True)
class Mutation:
    kind: str
    file: str
    where: float = 0.0  # a row or line, as a fraction of the file
    column: float = 0.0  # a column, as a fraction of the row
    value: Any = None


cell_values = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=12))
fraction = st.floats(0, 1, allow_nan=False)
csv_files = st.sampled_from(CSV_NAMES)

# Free-text columns: hostile text there usually keeps the round valid, so the plan runs on it.
TEXT_COLUMNS = {"name", "title", "reason", "note", "trust", "postcode"}
text_files = st.sampled_from(
    [n for n in CSV_NAMES if TEXT_COLUMNS & set(records(str(SAMPLE_FILES[n]))[0])]
)

mutations = st.one_of(
    st.builds(Mutation, st.just("cell"), csv_files, fraction, fraction, cell_values),
    st.builds(Mutation, st.just("text"), text_files, fraction, fraction, cell_values),
    st.builds(Mutation, st.just("header"), csv_files, st.just(0.0), fraction, cell_values),
    st.builds(Mutation, st.sampled_from(["drop row", "copy row"]), csv_files, fraction),
    st.builds(Mutation, st.just("remove"), st.sampled_from([*CSV_NAMES, "round.toml"])),
    st.builds(Mutation, st.just("truncate"), csv_files, fraction),
    st.builds(Mutation, st.just("delimiter"), csv_files, value=st.sampled_from([";", "\t", "|"])),
    st.builds(
        Mutation,
        st.just("encoding"),
        csv_files,
        value=st.sampled_from(["cp1252", "utf-16", "utf-8-sig", "utf-16-le", "garbage"]),
    ),
    st.builds(
        Mutation,
        st.just("setting"),
        st.just("round.toml"),
        fraction,
        value=st.sampled_from(HOSTILE_TOML),
    ),
    st.builds(Mutation, st.just("drop setting"), st.just("round.toml"), fraction),
)


def _index(fraction_: float, count: int) -> int:
    return min(int(fraction_ * count), count - 1)


def mutate(files: Files, mutation: Mutation) -> None:
    """Apply one mutation in place (to the text; encodings last, as bytes)."""
    name = mutation.file
    if name not in files:
        return
    content = files[name]
    if mutation.kind == "remove":
        del files[name]
    elif isinstance(content, bytes):
        return  # already re-encoded: leave its bytes as they are
    elif name == "round.toml":
        _mutate_settings(files, name, content, mutation)
    elif mutation.kind in ("truncate", "delimiter", "encoding"):
        _mutate_whole(files, name, content, mutation)
    else:
        _mutate_rows(files, name, content, mutation)


def _mutate_settings(files: Files, name: str, content: str, mutation: Mutation) -> None:
    lines = content.splitlines()
    settings_lines = [n for n, text in enumerate(lines) if re.match(r"\w+ = ", text)]
    if not settings_lines:
        return
    line = settings_lines[_index(mutation.where, len(settings_lines))]
    if mutation.kind == "drop setting":
        del lines[line]
    else:
        lines[line] = lines[line].split(" = ", 1)[0] + " = " + mutation.value
    files[name] = "\n".join(lines) + "\n"


def _mutate_whole(files: Files, name: str, content: str, mutation: Mutation) -> None:
    rows = records(content)
    if not rows:
        return  # truncated to nothing already
    if mutation.kind == "truncate":
        files[name] = content[: int(mutation.where * len(content))]
    elif mutation.kind == "delimiter":
        files[name] = as_csv(rows, mutation.value)
    elif mutation.value == "garbage":
        files[name] = content.encode("utf-8") + b"\x81\x8d\xff\x00"
    else:
        files[name] = content.encode(mutation.value, errors="replace")


def _mutate_rows(files: Files, name: str, content: str, mutation: Mutation) -> None:
    rows = records(content)
    if not rows:
        return  # truncated to nothing already
    row = _index(mutation.where, len(rows))
    if mutation.kind in ("cell", "header"):
        cells = rows[row] or [""]
        cells[_index(mutation.column, len(cells))] = mutation.value
        rows[row] = cells
    elif mutation.kind == "text":
        columns = [i for i, column in enumerate(rows[0]) if column in TEXT_COLUMNS]
        target = rows[max(1, row)] if len(rows) > 1 else rows[0]
        if columns and len(target) == len(rows[0]):
            target[columns[_index(mutation.column, len(columns))]] = mutation.value
    elif mutation.kind == "drop row":
        del rows[row]
    elif mutation.kind == "copy row":
        rows.append(list(rows[row]))
    files[name] = as_csv(rows)


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    # Anything but a clean exit is an exception that escaped: the user would see a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output,
        result.exc_info,
    )
    assert result.exit_code in (0, 2), result.output
    return result


@settings(
    max_examples=80,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    changes=st.lists(mutations, min_size=1, max_size=2),
    workbook=st.booleans(),
)
def test_any_input_gives_exit_0_or_2_and_writes_nothing_when_refused(
    changes: list[Mutation], workbook: bool
) -> None:
    files: Files = dict(SAMPLE_FILES)
    for change in changes:
        mutate(files, change)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        if workbook:
            text = _as_text(files)
            source = write_workbook(root / "round.xlsx", text, _sheet_settings(text))
        else:
            source = write_folder(root / "round", files)
        checked = invoke("validate", str(source))
        out = root / "out"
        planned = invoke("plan", str(source), "--out", str(out), "--time-limit", "0.5", "--quiet")
        assert planned.exit_code == checked.exit_code, (checked.output, planned.output)
        if planned.exit_code == 2:
            assert not out.exists()
        else:
            assert (out / "pairings.csv").exists()


def _sheet_settings(files: Files) -> list[tuple[str, Any]]:
    """round.toml as the ``round`` sheet; a round.toml that does not parse, line by line."""
    text = str(files.get("round.toml", ""))
    try:
        return settings_rows(text)
    except Exception:  # mutated TOML may fail in any way: the sheet then takes it raw
        rows, section = [], ""
        for line in text.splitlines():
            if line.startswith("["):
                section = line.strip("[] ")
            elif " = " in line:
                key, value = line.split(" = ", 1)
                rows.append((f"{section}.{key.strip()}", value.strip().strip('"')))
        return rows


def _as_text(files: Files) -> Files:
    # A workbook's cells hold text; bytes in another encoding are what a CSV file suffers.
    return {
        name: content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        for name, content in files.items()
    }
