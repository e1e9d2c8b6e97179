"""``matcher.run_sweep``: plan a round once per scenario of a grid file and compare the plans.

Everything that can be wrong with the input (the round, the grid file, an override, the
output folder) is found before any solve, and raised as ``InputError`` or
``OutputFolderError``: nothing is written. Then each scenario not already finished in ``out``
is planned into ``out/<name>/`` and the comparison is written (``matcher.sweep.table``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.io import load_round
from matcher.io.out_folder import check_out_folder
from matcher.io.problems import InputError, ProblemLog
from matcher.model import Round
from matcher.sweep import folders
from matcher.sweep.grid import Grid, at, read_grid
from matcher.sweep.overrides import apply_overrides, effective_value
from matcher.sweep.remote import connect
from matcher.sweep.run import Job, run_jobs
from matcher.sweep.table import write_tables


@dataclass(frozen=True)
class SweepOutcome:
    """A sweep done: a row per scenario in grid order, which were planned now, files written."""

    rows: tuple[dict[str, Any], ...]
    planned: tuple[str, ...]
    skipped: tuple[str, ...]
    written: tuple[Path, ...]


def prepare(
    input_path: str | os.PathLike[str],
    grid_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
) -> tuple[Round, Grid, list[Job]]:
    """Check everything, solve nothing: the round, the grid and a job per scenario.

    Raises
    ------
    InputError
        The round, the grid file, or a scenario's overrides are wrong (each problem names the
        scenario and the setting).
    OutputFolderError
        ``out`` cannot take the outputs (it is the input, holds it, ...).
    """
    check_out_folder(out, inputs=(input_path, grid_path))
    grid = read_grid(grid_path)
    round_ = load_round(input_path)
    label = Path(grid_path).name
    log = ProblemLog()
    digest = folders.input_digest(input_path)
    jobs = []
    for scenario in grid.scenarios:
        where = f"scenario {scenario.name} ({scenario.where})"
        settings = apply_overrides(round_.settings, scenario.overrides, at(label, where), log)
        if settings is None:
            continue
        print_ = folders.fingerprint(digest, scenario.overrides, settings, grid.run)
        # Absolute paths: a Dask worker need not share this process's current folder.
        folder = Path(os.path.abspath(out)) / scenario.name
        jobs.append(
            Job(
                os.path.abspath(input_path),
                scenario.name,
                os.fspath(folder),
                scenario.overrides,
                settings,
                grid.run,
                print_,
            )
        )
    if len(log):
        raise InputError(log, source=os.fspath(grid_path))
    return round_, grid, jobs


def run_sweep(
    input_path: str | os.PathLike[str],
    grid_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    processes: int = 1,
    done: Callable[[dict[str, Any]], None] | None = None,
    cluster: str | None = None,
) -> SweepOutcome:
    """Plan every scenario of ``grid_path`` for the round at ``input_path`` into ``out``.

    Parameters
    ----------
    processes
        Scenarios planned at a time, each in its own process. The files are the same for any
        number (plans are deterministic); only the ``seconds`` column differs.
    done
        Called with each scenario's row as it finishes (not for those already finished).
    cluster
        The address of a Dask scheduler (``tcp://host:8786``) to plan the scenarios on
        instead of local processes (``matcher.sweep.remote``); ``SweepClusterError`` if it cannot
        be used, before anything is written.

    Scenarios whose folder is finished for the same input, overrides and run options (its
    scenario.json) are not planned again, so re-running a killed sweep carries on.
    """
    round_, grid, jobs = prepare(input_path, grid_path, out)
    with ExitStack() as stack:
        client = None if cluster is None else stack.enter_context(connect(cluster))
        return _sweep(round_, grid, jobs, Path(out), processes, done, client)


def _sweep(
    round_: Round,
    grid: Grid,
    jobs: list[Job],
    target: Path,
    processes: int,
    done: Callable[[dict[str, Any]], None] | None,
    client: Any,
) -> SweepOutcome:
    target.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, Any]] = {}
    to_plan = []
    for job in jobs:
        row = folders.finished_row(Path(job.folder), job.fingerprint)
        if row is None:
            to_plan.append(job)
        else:
            rows[job.name] = row
    skipped = tuple(rows)
    rows.update(run_jobs(to_plan, processes, done, client))
    keys = list(dict.fromkeys(key for s in grid.scenarios for key in s.overrides))
    ordered = []
    for job in jobs:
        row = dict(rows[job.name])
        row.update({key: effective_value(job.settings, key) for key in keys})
        ordered.append(row)
    written = write_tables(target, ordered, keys, round_.settings.start)
    return SweepOutcome(tuple(ordered), tuple(j.name for j in to_plan), skipped, tuple(written))
