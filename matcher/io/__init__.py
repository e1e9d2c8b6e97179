"""Reading a round from files: ``load_round`` either returns a valid Round or raises InputError.

The input format is described in docs/input-format.md. Reading runs in four steps, each in its
own module: raw tables (``tables``), rows into model objects (``rows``), settings (``settings``)
and checks across files (``validate``). Every step logs problems and carries on, so a user sees
everything wrong with their files at once.

Odd but usable input gives warnings rather than problems (docs/input-format.md lists them).
``read_round`` hands them back beside the Round; ``load_round`` logs each one on the
``matcher.io`` logger, so that a script is told without having to ask. The Round itself never
carries them: it is the same Round whether or not anything was odd.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from matcher.io.problems import InputError, InputWarning, Problem, ProblemLog
from matcher.io.rows import FILES, parse_table
from matcher.io.settings import load_settings
from matcher.io.tables import SETTINGS_SHEET, Row, Source, Table, open_source
from matcher.io.validate import check_round
from matcher.model import (
    Availability,
    ClusterMember,
    Conflict,
    HistoryEntry,
    Lock,
    Preference,
    Project,
    RotationEdge,
    Round,
    School,
    Settings,
    Staff,
    TravelTime,
)

__all__ = ["InputError", "InputWarning", "LoadedRound", "Problem", "load_round", "read_round"]

M = TypeVar("M", bound=BaseModel)

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedRound:
    """A round as read, and the warnings about odd but usable input met on the way."""

    round: Round
    warnings: tuple[InputWarning, ...]


def load_round(path: str | os.PathLike[str]) -> Round:
    """Read and check a round: a folder of CSV files and round.toml, or an .xlsx workbook.

    Warnings (odd but usable input) are logged on the ``matcher.io`` logger; ``read_round``
    returns them instead.

    Parameters
    ----------
    path : str or os.PathLike
        A folder holding ``schools.csv``, ``staff.csv``, ``projects.csv``, ``round.toml`` and
        optionally ``conflicts.csv``, ``history.csv``, ``preferences.csv``, ``travel.csv``,
        ``availability.csv``;
        or a workbook with one sheet per file (named without ``.csv``) and a ``round`` sheet.

    Returns
    -------
    Round
        The round, with specialisms in their canonical (lower-case) spelling.

    Raises
    ------
    InputError
        If anything is wrong; its ``problems`` list every problem found, not just the first.
    """
    loaded = read_round(path)
    for warning in loaded.warnings:
        # Warnings name files, rows, columns and ids only, never a person's name or email.
        _logger.warning("%s", warning)
    return loaded.round


def read_round(path: str | os.PathLike[str]) -> LoadedRound:
    """Read and check a round, like ``load_round``, and return the warnings with it.

    Parameters
    ----------
    path : str or os.PathLike
        A folder of CSV files and round.toml, or an .xlsx workbook (see ``load_round``).

    Returns
    -------
    LoadedRound
        The round, and every warning in file, row, column order.

    Raises
    ------
    InputError
        If anything is wrong; it carries the warnings found too (``InputError.warnings``).
    """
    log = ProblemLog()
    source = open_source(path, log)
    if source is None:
        raise InputError(log, source=os.fspath(path), warnings=log.warnings)
    tables = _read_tables(source, log)
    parsed = {
        spec.name: parse_table(tables[spec.name], spec, log)
        for spec in FILES
        if spec.name in tables
    }
    settings = _read_settings(source, log)
    check_round(tables, settings, log)
    if len(log) or settings is None:
        raise InputError(log, source=os.fspath(path), warnings=log.warnings)
    return LoadedRound(_assemble(settings, parsed), log.warnings)


def _read_tables(source: Source, log: ProblemLog) -> dict[str, Table]:
    tables = {}
    for spec in FILES:
        if not source.has(spec.name):
            if spec.required_file:
                log.add(source.label(spec.name), expected=f"this {source.kind} (it is required)")
            continue
        table = source.read_table(spec.name, log, used=spec.all_columns)
        if table is not None:
            tables[spec.name] = table
    return tables


def _read_settings(source: Source, log: ProblemLog) -> Settings | None:
    if not source.has(SETTINGS_SHEET):
        log.add(source.settings_label, expected=f"this {source.kind} (it is required)")
        return None
    raw = source.read_settings(log)
    return None if raw is None else load_settings(raw, source.settings_label, log)


def _assemble(settings: Settings, parsed: Mapping[str, Sequence[tuple[Row, BaseModel]]]) -> Round:
    return Round(
        settings=settings,
        schools=_same_trust_spelling(_objects(parsed, "schools", School)),
        staff=_objects(parsed, "staff", Staff),
        projects=_objects(parsed, "projects", Project),
        conflicts=_objects(parsed, "conflicts", Conflict),
        history=_objects(parsed, "history", HistoryEntry),
        preferences=_objects(parsed, "preferences", Preference),
        travel_times=_objects(parsed, "travel", TravelTime),
        availability=_objects(parsed, "availability", Availability),
        clusters=_objects(parsed, "clusters", ClusterMember),
        rotation=_objects(parsed, "rotation", RotationEdge),
        locks=_objects(parsed, "locks", Lock),
    )


def _objects(
    parsed: Mapping[str, Sequence[tuple[Row, BaseModel]]], name: str, kind: type[M]
) -> tuple[M, ...]:
    items = tuple(item for _, item in parsed.get(name, ()))
    assert all(isinstance(item, kind) for item in items)
    return items  # type: ignore[return-value]


def _same_trust_spelling(schools: tuple[School, ...]) -> tuple[School, ...]:
    # The same-trust rule compares names exactly; "Oak Trust" and "OAK TRUST" are one trust,
    # so every school takes the spelling first met for it.
    first: dict[str, str] = {}
    result = []
    for school in schools:
        if school.trust is not None:
            spelling = first.setdefault(school.trust.casefold(), school.trust)
            if spelling != school.trust:
                school = school.model_copy(update={"trust": spelling})
        result.append(school)
    return tuple(result)
