"""Planning a sweep's scenarios on a Dask cluster (``matcher sweep --cluster ADDRESS``).

Dask's ``distributed`` is pure Python to install (``pip install 'matcher[cluster]'``) and its
``LocalCluster`` lets a test start a cluster of its own. Each scenario is one task running the
same ``run.plan_scenario`` as a local process, so the folders are the same as a local sweep's.
The workers write the scenario folders themselves: they must see INPUT and DIR at the same
paths as the machine starting the sweep (one machine, or a shared file system), and have
matcher installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from matcher.sweep.run import Job, failed_row, plan_scenario

CONNECT_SECONDS = 10  # a scheduler that takes longer to answer is taken as unreachable


class SweepClusterError(Exception):
    """The cluster cannot be used (distributed not installed, the scheduler not reached)."""


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``; ``SweepClusterError`` in plain words."""
    try:
        from distributed import Client
    except ImportError:
        raise SweepClusterError(
            "--cluster needs Dask's distributed package: pip install 'matcher[cluster]'"
        ) from None
    try:
        return Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepClusterError(f"cannot reach the Dask scheduler at {address}: {error}") from None


def results_on(client: Any, jobs: list[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
    """Each job's row as the cluster finishes it; a task that dies is a ``failed`` row."""
    from distributed import as_completed

    # Named keys: two scenarios with the same overrides must stay two tasks, not one result
    # shared (Dask would merge equal keys).
    keys = [f"matcher-sweep-{job.name}-{job.fingerprint[:16]}" for job in jobs]
    futures = client.map(plan_scenario, jobs, key=keys)
    by_key = {future.key: job for future, job in zip(futures, jobs, strict=True)}
    for future in as_completed(futures):
        job = by_key[future.key]
        try:
            yield job, future.result()
        except Exception as error:  # the worker died, or the task could not be sent
            yield job, failed_row(job.name, f"{type(error).__name__}: {error}")
