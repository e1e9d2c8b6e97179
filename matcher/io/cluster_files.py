"""Cluster files: what ``matcher clusters`` writes, and reading them back for ``matcher verify``.

Three files, written all or none:

``clusters.csv``
    One row per school in a cluster: ``cluster_id, school_id, hub, size,
    max_travel_minutes, pinned``. The same file can be next year's input clusters.csv (its
    extra columns are ignored there; unpinned rows then count as last year's clusters).
``rotation.csv``
    ``cluster_id, reviewing_school_id, host_school_id``: who reviews whom inside each cluster.
``clusters_summary.json``
    Travel per cluster, each objective term, bound and gap, and the schools left out and why.
``clusters_run.json``
    The summary's run times (``matcher.io.run_times``), if any.

Ids only: no school names. Re-runs of the same plan give byte-identical files, but for
clusters_run.json.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from matcher.io.atomic import atomic_output
from matcher.io.cells import BOOLEAN_WORDS
from matcher.io.formulas import restore, write_csv
from matcher.io.run_times import run_file_name, split_run_times
from matcher.model import ClusterMember, ClusterPlan, LeftOutSchool, RotationEdge

CLUSTERS = "clusters.csv"
ROTATION = "rotation.csv"
SUMMARY = "clusters_summary.json"
RUN = run_file_name(SUMMARY)

CLUSTER_COLUMNS = ("cluster_id", "school_id", "hub", "size", "max_travel_minutes", "pinned")
ROTATION_COLUMNS = ("cluster_id", "reviewing_school_id", "host_school_id")
# What a clusters run owns in its output folder: a rewrite removes what it no longer writes.
CLUSTER_FILES = frozenset({CLUSTERS, ROTATION, SUMMARY, RUN})


class ClusterFileError(Exception):
    """Cluster files that cannot be read; ``problems`` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def write_cluster_outputs(
    out_dir: str | os.PathLike[str],
    plan: ClusterPlan,
    *,
    longest: Mapping[str, int],
    summary: Mapping[str, object],
) -> list[Path]:
    """Write clusters.csv, rotation.csv and clusters_summary.json (and clusters_run.json)
    into a folder, all or nothing.

    Parameters
    ----------
    out_dir
        The output folder; created if missing, replaced whole (``matcher.io.atomic``) with
        every file but the cluster files carried over.
    plan
        The clusters, rotation and schools left out.
    longest
        The longest journey inside each cluster, by cluster id (the ``max_travel_minutes``
        column).
    summary
        Written as pretty-printed JSON with sorted keys.
    """
    with atomic_output(out_dir, owns=CLUSTER_FILES) as staging:
        names = write_cluster_files(staging, plan, longest=longest, summary=summary)
    return [Path(out_dir) / name for name in names]


def write_cluster_files(
    folder: Path,
    plan: ClusterPlan,
    *,
    longest: Mapping[str, int],
    summary: Mapping[str, object],
) -> list[str]:
    """Write the files straight into ``folder`` (a staging folder); their names
    (clusters_run.json only if the summary holds run times)."""
    sizes = {cluster_id: len(schools) for cluster_id, schools in plan.clusters().items()}
    rows = [
        (
            m.cluster_id,
            m.school_id,
            _flag(m.hub),
            sizes[m.cluster_id],
            longest.get(m.cluster_id, 0),
            _flag(m.pinned),
        )
        for m in sorted(plan.members, key=lambda m: (m.cluster_id, m.school_id))
    ]
    arcs = [(e.cluster_id, e.reviewing_school_id, e.host_school_id) for e in plan.rotation]
    repeatable, times = split_run_times(summary)
    _write_csv(folder / CLUSTERS, CLUSTER_COLUMNS, rows)
    _write_csv(folder / ROTATION, ROTATION_COLUMNS, arcs)
    (folder / SUMMARY).write_text(_json(repeatable), encoding="utf-8", newline="")
    if not times:
        return [CLUSTERS, ROTATION, SUMMARY]
    (folder / RUN).write_text(_json(times), encoding="utf-8", newline="")
    return [CLUSTERS, ROTATION, SUMMARY, RUN]


def _json(value: Mapping[str, object]) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    # One writer for every CSV people open: ids that look like formulas are neutralised.
    write_csv(path, header, rows)


def has_clusters(out_dir: str | os.PathLike[str]) -> bool:
    return (Path(out_dir) / CLUSTERS).is_file()


def read_cluster_plan(out_dir: str | os.PathLike[str]) -> ClusterPlan:
    """Read clusters.csv, rotation.csv and the left-out list of clusters_summary.json.

    Only ``cluster_id``, ``school_id``, ``hub`` and ``pinned`` are read from clusters.csv, so
    a coordinator may edit clusters by hand and ask ``matcher verify`` whether they still
    keep the rules (it also checks ``size`` and ``max_travel_minutes``, with
    :mod:`matcher.verify_columns`). A missing rotation.csv means no rotation; a missing
    summary, nobody left out.

    Raises
    ------
    ClusterFileError
        Listing every problem: file, row (the header is row 1), column, value, expected.
    """
    folder = Path(out_dir)
    problems: list[str] = []
    members: list[ClusterMember] = []
    for number, row in _rows(folder / CLUSTERS, ("cluster_id", "school_id"), problems):
        hub = _read_flag(row, "hub", CLUSTERS, number, problems)
        pinned = _read_flag(row, "pinned", CLUSTERS, number, problems)
        if _filled(row, ("cluster_id", "school_id"), CLUSTERS, number, problems):
            members.append(
                ClusterMember(
                    cluster_id=row["cluster_id"], school_id=row["school_id"], hub=hub, pinned=pinned
                )
            )
    rotation: list[RotationEdge] = []
    if (folder / ROTATION).is_file():
        for number, row in _rows(folder / ROTATION, ROTATION_COLUMNS, problems):
            if _filled(row, ROTATION_COLUMNS, ROTATION, number, problems):
                rotation.append(RotationEdge(**{c: row[c] for c in ROTATION_COLUMNS}))
    left_out = _left_out(folder / SUMMARY, problems)
    if problems:
        raise ClusterFileError(problems)
    return ClusterPlan(members=tuple(members), rotation=tuple(rotation), left_out=left_out)


def read_cluster_cells(out_dir: str | os.PathLike[str]) -> list[tuple[int, dict[str, str]]]:
    """Every data row of clusters.csv with its cells, for checking the columns people read.

    Each non-blank row's spreadsheet row number (the header is row 1) and its cells by column,
    stripped and with formula quoting undone; empty without the file. What cannot be read is
    :func:`read_cluster_plan`'s to report.
    """
    path = Path(out_dir) / CLUSTERS
    return _rows(path, ("cluster_id", "school_id"), []) if path.is_file() else []


def _rows(
    path: Path, needs: Sequence[str], problems: list[str]
) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        problems.append(f"{path.name}: not found in {path.parent}")
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{path.name}: expected UTF-8 text")
        return []
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        problems.append(f"{path.name}: expected well-formed CSV ({error})")
        return []
    if not records:
        problems.append(f"{path.name}: the file is empty; expected a header row")
        return []
    header = [cell.strip() for cell in records[0]]
    missing = [column for column in needs if column not in header]
    if missing:
        problems.append(f"{path.name} row 1: expected column(s) {', '.join(missing)}")
        return []
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        if any(cell.strip() for cell in cells):
            # restore: the writer quoted ids that a spreadsheet would take for formulas.
            values = dict(zip(header, (restore(c.strip()) for c in cells), strict=False))
            rows.append((number, values))
    return rows


def _filled(
    row: dict[str, str], columns: Sequence[str], file: str, number: int, problems: list[str]
) -> bool:
    blank = [column for column in columns if not row.get(column)]
    for column in blank:
        problems.append(f"{file} row {number}, column {column}: blank, expected an id")
    return not blank


def _read_flag(
    row: dict[str, str], column: str, file: str, number: int, problems: list[str]
) -> bool:
    text = row.get(column, "").strip().lower()
    if not text:
        return False
    if text in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[text]
    problems.append(
        f"{file} row {number}, column {column}: {row[column]!r} is not yes or no "
        "(true/false, yes/no, y/n or 1/0)"
    )
    return False


def _left_out(path: Path, problems: list[str]) -> tuple[LeftOutSchool, ...]:
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("left_out", [])
        return tuple(
            LeftOutSchool(school_id=str(e["school_id"]), reason=str(e.get("reason", "")))
            for e in entries
        )
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError) as error:
        problems.append(f"{path.name}: expected the JSON matcher clusters writes ({error})")
        return ()
