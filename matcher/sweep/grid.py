"""Reading a sweep's grid file: the scenarios to plan and how long each may take.

A grid file (docs/sweep.md) lists ``[[scenario]]`` tables, each a ``name`` and round.toml
overrides as dotted keys, and may hold a ``[grid]`` table of lists whose product adds one
scenario per combination, named from its values. ``[run]`` sets the solve options of every
scenario. Problems are collected (``matcher.io.ProblemLog``) and raised together as an
``InputError``, each naming the file, the table or scenario, the key, the value and what was
expected. The override values are only read here; ``overrides.apply_overrides`` checks them
against the round as round.toml values are checked.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.io.calendar_settings import to_text
from matcher.io.problems import InputError, ProblemLog
from matcher.io.settings import SECTIONS

# Scenario names become folder names: letters, digits and a few marks that every file system
# takes, starting with a letter or digit (no hidden folders, no "..").
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=,+-]*")
NAME_EXPECTED = (
    "a scenario name of letters, digits and . _ - = , + (it names a folder), "
    "starting with a letter or digit"
)
MAX_NAME = 120  # generated names longer than this are cut and given a hash, to stay unique
# Names the sweep writes beside the scenario folders.
RESERVED = frozenset({"sweep.csv", "sweep.xlsx", "sweep.html"})

# The solve options a [run] table may set: (lowest, highest, whole number?, default).
RUN_OPTIONS: dict[str, tuple[float, float, bool, float]] = {
    "time_limit": (0.1, 86_400.0, False, 30.0),
    "seed": (0, 1_000_000_000, True, 0),
    "workers": (1, 128, True, 1),
    "gap": (0.0, 1.0, False, 0.0),
}
TABLES = ("scenario", "grid", "run")


@dataclass(frozen=True)
class RunOptions:
    """How each scenario is solved: ``matcher.plan``'s time_limit, seed, workers, gap_limit."""

    time_limit: float = 30.0
    seed: int = 0
    workers: int = 1
    gap: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """One plan to make: its (folder) name and round.toml overrides by dotted key."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    # Where it was written, for messages: "[[scenario]] 2" or "[grid]".
    where: str = ""


@dataclass(frozen=True)
class Grid:
    """A grid file read: every scenario, in file order (listed ones, then the [grid] product)."""

    scenarios: tuple[Scenario, ...]
    run: RunOptions


def read_grid(path: str | os.PathLike[str]) -> Grid:
    """Read and check a grid file; ``InputError`` listing every problem found.

    Parameters
    ----------
    path
        A TOML file of ``[[scenario]]`` tables, an optional ``[grid]`` and ``[run]``.

    Raises
    ------
    InputError
        If the file cannot be read, or any table, key or value is wrong.
    """
    label = Path(path).name
    log = ProblemLog()
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.add(label, expected=f"a readable TOML grid file ({error})")
        raise InputError(log, source=os.fspath(path)) from None
    for key in document:
        if key not in TABLES:
            log.add(label, column=key, expected="only [[scenario]], [grid] and [run] tables")
    scenarios = _listed(document.get("scenario", []), label, log)
    scenarios += _product(document.get("grid", {}), label, log)
    run = _run(document.get("run", {}), label, log)
    if not scenarios and not len(log):
        log.add(label, expected="at least one [[scenario]] table or a [grid] table")
    _check_names(scenarios, label, log)
    if len(log):
        raise InputError(log, source=os.fspath(path))
    return Grid(tuple(scenarios), run)


def at(label: str, where: str) -> str:
    """Where a problem is, ending in the file name (so messages say "setting", as round.toml's)."""
    return f"{where} in {label}"


def flatten(table: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys from a scenario table: ``rules.x = 1`` (a nested table) and ``"rules.x" = 1``
    mean the same. Only the section level is opened, since a value may itself be a table
    (``calendar.cover_cost_per_day = {primary = 180}``)."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if (key == "round" or key in SECTIONS) and isinstance(value, dict):
            flat.update({f"{key}.{name}": inner for name, inner in value.items()})
        else:
            flat[key] = value
    return flat


def _listed(tables: object, label: str, log: ProblemLog) -> list[Scenario]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        log.add(label, column="scenario", expected="tables written [[scenario]]")
        return []
    scenarios = []
    for number, table in enumerate(tables, start=1):
        where = f"[[scenario]] {number}"
        overrides = flatten(table)
        name = overrides.pop("name", None)
        if not isinstance(name, str):
            shown = None if name is None else to_text(name)
            log.add(at(label, where), column="name", value=shown, expected=NAME_EXPECTED)
            continue
        scenarios.append(Scenario(name, overrides, where))
    return scenarios


def _product(table: object, label: str, log: ProblemLog) -> list[Scenario]:
    """One scenario per combination of the [grid] lists, named from the values it takes."""
    if not isinstance(table, dict):
        log.add(label, column="grid", expected="a table written [grid]")
        return []
    lists = flatten(table)
    for key, values in lists.items():
        if not isinstance(values, list) or not values:
            shown = to_text(values)
            log.add(at(label, "[grid]"), column=key, value=shown, expected="a non-empty list")
    if len(log) or not lists:  # no lists: no product (itertools would give one empty one)
        return []
    keys = list(lists)
    shown_keys = _short_keys(keys)
    scenarios = []
    for combination in itertools.product(*(lists[key] for key in keys)):
        overrides = dict(zip(keys, combination, strict=True))
        name = ",".join(
            f"{shown}={to_text(value)}"
            for shown, value in zip(shown_keys, combination, strict=True)
        )
        scenarios.append(Scenario(safe_name(name), overrides, "[grid]"))
    return scenarios


def _short_keys(keys: list[str]) -> list[str]:
    """Each key by its last part, unless two keys share it (rules. and clusters.max_travel...)."""
    leaves = [key.rsplit(".", 1)[-1] for key in keys]
    return [
        leaf if leaves.count(leaf) == 1 else key for key, leaf in zip(keys, leaves, strict=True)
    ]


def safe_name(text: str) -> str:
    """``text`` as a folder name: other characters become ``_``; a long name is cut and given
    a hash of the whole, so two long names that share a start stay apart."""
    name = re.sub(r"[^A-Za-z0-9._=,+-]", "_", text)
    if not name[:1].isalnum():
        name = "s" + name
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        name = f"{name[: MAX_NAME - 11]}-{digest}"
    return name


def _check_names(scenarios: list[Scenario], label: str, log: ProblemLog) -> None:
    seen: dict[str, str] = {}
    for scenario in scenarios:
        if not SAFE_NAME.fullmatch(scenario.name) or len(scenario.name) > MAX_NAME:
            log.add(
                at(label, scenario.where),
                column="name",
                value=scenario.name,
                expected=NAME_EXPECTED + f", at most {MAX_NAME} characters",
            )
            continue
        # Folders named "A" and "a" are one folder on macOS and Windows.
        folded = scenario.name.casefold()
        if folded in RESERVED:
            log.add(
                at(label, scenario.where),
                column="name",
                value=scenario.name,
                expected="a name other than " + ", ".join(sorted(RESERVED)),
            )
        elif folded in seen:
            log.add(
                at(label, scenario.where),
                column="name",
                value=scenario.name,
                expected=f"a name used once (also in {seen[folded]}, ignoring case)",
            )
        else:
            seen[folded] = scenario.where


def _run(table: object, label: str, log: ProblemLog) -> RunOptions:
    if not isinstance(table, dict):
        log.add(label, column="run", expected="a table written [run]")
        return RunOptions()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in RUN_OPTIONS:
            log.add(at(label, "[run]"), column=key, expected="one of " + ", ".join(RUN_OPTIONS))
            continue
        low, high, whole, _ = RUN_OPTIONS[key]
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if (
            not number_ok
            or (whole and not isinstance(value, int))
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            kind = "a whole number" if whole else "a number"
            log.add(
                at(label, "[run]"),
                column=key,
                value=to_text(value),
                expected=f"{kind} from {low:g} to {high:g}",
            )
            continue
        values[key] = value
    return RunOptions(**values)
