"""A sweep of six scenarios on the 2,000-school region: one process, two local processes, and
a two-worker Dask cluster started here, in the same run (issue 21).

Targets: the same rows and files wherever the scenarios run (every column but `seconds`), and
the speed-up of two processes and of the cluster over one process. On this 2-core machine the
cluster's workers share the two cores, so its speed-up can only match the local processes';
what it adds is reaching other machines (docs/sweep.md).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from reporting import print_table

import matcher
from matcher.io.write import write_round
from matcher.model import Round

GRID = """\
[run]
time_limit = 15
seed = 1
workers = 1
gap = 0.01

[grid]
"rules.max_travel_minutes" = [45, 60, 75]
"rules.sle_allowance_days" = [15, 25]
"""


# Files holding a scenario's seconds (run.json, scenario.json's row) or the sweep's table.
UNTIMED_ELSEWHERE = {"run.json", "scenario.json", "sweep.csv", "sweep.xlsx", "sweep.html"}


def _untimed(rows: tuple[dict[str, object], ...]) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def _files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` but the run times, by its SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in UNTIMED_ELSEWHERE
    }


def test_sweep_region_local_and_on_a_cluster(region_round: Round, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    source = tmp_path / "region"
    write_round(region_round, source)
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID, encoding="utf-8")

    timed: dict[str, float] = {}
    outcomes = {}
    for name, processes in (("one process", 1), ("two processes", 2)):
        started = time.perf_counter()
        outcomes[name] = matcher.run_sweep(
            source, grid, tmp_path / name.replace(" ", "-"), processes=processes
        )
        timed[name] = time.perf_counter() - started
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        started = time.perf_counter()
        outcomes["Dask, 2 workers"] = matcher.run_sweep(
            source, grid, tmp_path / "dask", cluster=cluster.scheduler_address
        )
        timed["Dask, 2 workers"] = time.perf_counter() - started

    baseline = outcomes["one process"]
    assert len(baseline.rows) == 6
    assert all(row["status"] != "failed" for row in baseline.rows)
    folders = {
        "one process": tmp_path / "one-process",
        "two processes": tmp_path / "two-processes",
        "Dask, 2 workers": tmp_path / "dask",
    }
    for name, outcome in outcomes.items():
        assert _untimed(outcome.rows) == _untimed(baseline.rows), name
        assert _files(folders[name]) == _files(folders["one process"]), name

    print_table(
        "Sweep, 6 scenarios on the 2,000-school region (15 s of work each, 1 core each)",
        [
            {
                "where": name,
                "seconds": f"{timed[name]:.1f}",
                "speed-up over one process": f"{timed['one process'] / timed[name]:.2f}",
                "rows and files as one process's": "same",
            }
            for name in timed
        ],
    )
    print_table(
        "Scenarios",
        [
            {
                key: row[key]
                for key in ("scenario", "status", "staffed", "unfilled", "travel", "gap", "seconds")
            }
            for row in baseline.rows
        ],
    )
