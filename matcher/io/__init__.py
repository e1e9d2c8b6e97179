"""Reading a round from files: ``load_round`` either returns a valid Round or raises InputError.

The input format is described in docs/input-format.md. Reading runs in four steps, each in its
own module: raw tables (``tables``), rows into model objects (``rows``), settings (``settings``)
and checks across files (``validate``). Every step logs problems and carries on, so a user sees
everything wrong with their files at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TypeVar

from pydantic import BaseModel

from matcher.io.problems import InputError, Problem, ProblemLog
from matcher.io.rows import FILES, parse_table
from matcher.io.settings import load_settings
from matcher.io.tables import SETTINGS_SHEET, Row, Source, Table, open_source
from matcher.io.validate import check_round
from matcher.model import (
    Availability,
    ClusterMember,
    Conflict,
    HistoryEntry,
    Preference,
    Project,
    RotationEdge,
    Round,
    School,
    Settings,
    Staff,
    TravelTime,
)

__all__ = ["InputError", "Problem", "load_round"]

M = TypeVar("M", bound=BaseModel)


def load_round(path: str | os.PathLike[str]) -> Round:
    """Read and check a round: a folder of CSV files and round.toml, or an .xlsx workbook.

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
    log = ProblemLog()
    source = open_source(path, log)
    if source is None:
        raise InputError(log, source=os.fspath(path))
    tables = _read_tables(source, log)
    parsed = {
        spec.name: parse_table(tables[spec.name], spec, log)
        for spec in FILES
        if spec.name in tables
    }
    settings = _read_settings(source, log)
    check_round(tables, settings, log)
    if len(log) or settings is None:
        raise InputError(log, source=os.fspath(path))
    return _assemble(settings, parsed)


def _read_tables(source: Source, log: ProblemLog) -> dict[str, Table]:
    tables = {}
    for spec in FILES:
        if not source.has(spec.name):
            if spec.required_file:
                log.add(source.label(spec.name), expected=f"this {source.kind} (it is required)")
            continue
        table = source.read_table(spec.name, log)
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
