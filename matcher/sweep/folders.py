"""A scenario's folder: the fingerprint that says what it was planned from, and whether it is
finished, so that re-running a killed sweep redoes only what is missing.

Each finished folder holds ``scenario.json`` (the overrides, the fingerprint and the row of
sweep.csv), written after the plan's own files are swapped in (``matcher.write_outputs``). A
folder whose summary.json or scenario.json is missing, or whose fingerprint differs (the
input, the overrides or the run options changed), is planned again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from matcher.io.atomic import write_text_atomic
from matcher.io.calendar_settings import to_text
from matcher.model import Settings
from matcher.sweep.grid import RunOptions

SCENARIO_FILE = "scenario.json"
SUMMARY_FILE = "summary.json"
# Raised when the meaning of a fingerprint or of scenario.json changes, so old folders redo.
FORMAT = 1


def input_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a round's input: a workbook's bytes, or a folder's files by name and bytes."""
    source = Path(path)
    digest = hashlib.sha256()
    files = [source] if source.is_file() else sorted(p for p in source.iterdir() if p.is_file())
    for file in files:
        digest.update(file.name.encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint(
    input_hash: str, overrides: dict[str, Any], settings: Settings, run: RunOptions
) -> str:
    """What a scenario's plan depends on, hashed: input, overrides, resolved settings, options.

    The settings are included as well as the overrides so that an override equal in meaning
    but written differently ("08:45" or 08:45:00) need not, and a changed default would, redo.
    """
    document = {
        "format": FORMAT,
        "input": input_hash,
        "overrides": plain(overrides),
        "settings": settings.model_dump(mode="json"),
        "run": vars(run),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def plain(value: Any) -> Any:
    """A TOML value as JSON takes it: dates and times as the text round.toml's sheet form uses."""
    if isinstance(value, dict):
        return {str(key): plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return to_text(value)


def finished_row(folder: Path, expected: str) -> dict[str, Any] | None:
    """The sweep.csv row a finished folder recorded, or None if it must be planned (again)."""
    try:
        if not (folder / SUMMARY_FILE).is_file():
            return None
        stored = json.loads((folder / SCENARIO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("fingerprint") != expected:
        return None
    row = stored.get("result")
    return row if isinstance(row, dict) else None


def record(folder: Path, overrides: dict[str, Any], print_: str, row: dict[str, Any]) -> None:
    """Mark ``folder`` finished: written last, through a temporary file, so a kill before it
    leaves the folder unfinished and a kill during it leaves no half file."""
    document = {
        "format": FORMAT,
        "fingerprint": print_,
        "overrides": plain(overrides),
        "result": row,
    }
    write_text_atomic(folder / SCENARIO_FILE, json.dumps(document, indent=2, sort_keys=True) + "\n")


def clear(folder: Path) -> None:
    """Remove an unfinished scenario folder before planning it again.

    A scenario folder is the sweep's own. Planning into what an earlier plan left would carry
    its calendars' SEQUENCE numbers forward (``matcher.write_outputs``), so a resumed sweep
    would not write what a fresh one writes; and removing scenario.json first means a kill
    mid-plan cannot leave the folder looking finished.
    """
    (folder / SCENARIO_FILE).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
