"""Planning every scenario of a sweep, in processes on this machine, and collecting the rows.

Each scenario is one ``matcher.plan`` of the round with its settings, written by
``matcher.write_outputs`` into its own folder. A plan is deterministic (limits are counted in
solver work), so the folders are the same however many processes share the work. A scenario
that raises is a row with status ``failed`` and the reason; the others go on.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from matcher.model import Round, Settings
from matcher.sweep import folders
from matcher.sweep.grid import RunOptions

FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """Everything one process needs to plan one scenario (plain, picklable values)."""

    input_path: str
    name: str
    folder: str
    overrides: dict[str, Any]
    settings: Settings
    run: RunOptions
    fingerprint: str


@lru_cache(maxsize=4)
def _round(input_path: str) -> Round:
    # One read per process: a process plans many scenarios of the same round.
    from matcher.io import load_round

    return load_round(input_path)


def plan_scenario(job: Job) -> dict[str, Any]:
    """Plan and write one scenario; its sweep.csv row (status ``failed`` if anything raised)."""
    started = time.perf_counter()
    folder = Path(job.folder)
    try:
        row = _plan_and_write(job, folder, started)
    except Exception as error:  # a failed scenario must not stop the sweep
        # The exception's type and text only: matcher's messages name files, ids and
        # settings, never a person's name or email.
        return failed_row(job.name, f"{type(error).__name__}: {error}")
    row["seconds"] = round(time.perf_counter() - started, 2)
    folders.record(folder, job.overrides, job.fingerprint, row)
    return row


def _plan_and_write(job: Job, folder: Path, started: float) -> dict[str, Any]:
    from matcher.pipeline import plan, write_outputs

    round_ = _round(job.input_path).replace(settings=job.settings)
    folders.clear(folder)
    outcome = plan(
        round_,
        time_limit=job.run.time_limit,
        seed=job.run.seed,
        workers=job.run.workers,
        gap_limit=job.run.gap,
    )
    summary = outcome.summary()
    write_outputs(
        folder,
        round_,
        outcome.plan,
        summary,
        outcome.schedule,
        clusters=outcome.clusters,
        started=started,
    )
    return summary_row(job.name, summary)


def summary_row(name: str, summary: dict[str, Any]) -> dict[str, Any]:
    """The figures sweep.csv compares, from a plan's summary.json."""
    counts = summary.get("counts", {})
    terms = summary.get("terms", {})
    return {
        "scenario": name,
        "status": summary.get("status", ""),
        "staffed": counts.get("projects_staffed"),
        "unfilled": counts.get("projects_unfilled"),
        "travel": terms.get("travel", {}).get("value"),
        "gap": summary.get("gap"),
        "objective": summary.get("objective"),
        "cover_cost": summary.get("cover_cost"),
        "repeatable": summary.get("repeatable"),
        "reason": "",
    }


def failed_row(name: str, reason: str) -> dict[str, Any]:
    return {"scenario": name, "status": FAILED, "reason": reason, "seconds": None}


def run_jobs(
    jobs: list[Job],
    processes: int = 1,
    done: Callable[[dict[str, Any]], None] | None = None,
    client: Any = None,
) -> dict[str, dict[str, Any]]:
    """Plan every job, ``processes`` at a time or on a Dask ``client``; rows by scenario name.

    ``done`` is called with each row as its scenario finishes (in finishing order, which
    varies; the rows returned do not depend on it).
    """
    if client is not None:
        from matcher.sweep.remote import results_on

        results = results_on(client, jobs)
    else:
        results = _results(jobs, processes)
    rows: dict[str, dict[str, Any]] = {}
    for job, row in results:
        rows[job.name] = row
        if done is not None:
            done(row)
    return rows


def _results(jobs: list[Job], processes: int) -> Iterator[tuple[Job, dict[str, Any]]]:
    if processes <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job, plan_scenario(job)
        return
    with _pool(min(processes, len(jobs))) as pool:
        futures: dict[Future[dict[str, Any]], Job] = {
            pool.submit(plan_scenario, job): job for job in jobs
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as error:  # the process itself died (killed, out of memory)
                yield job, failed_row(job.name, f"{type(error).__name__}: {error}")


def _pool(processes: int) -> Executor:
    # spawn, not fork: OR-Tools runs threads, and forking a process with threads can deadlock.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=processes, mp_context=context)
