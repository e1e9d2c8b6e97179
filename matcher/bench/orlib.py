"""OR-Library benchmark files (read from ../shared at run time, never copied into the project)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


class BenchmarkFileError(ValueError):
    """A benchmark file that does not have the published layout."""


@dataclass(frozen=True)
class GapInstance:
    """Generalized assignment: each job to one agent, agent resource within capacity."""

    name: str
    cost: npt.NDArray[np.int64]  # agents x jobs
    resource: npt.NDArray[np.int64]  # agents x jobs
    capacity: npt.NDArray[np.int64]  # agents

    @property
    def agents(self) -> int:
        return int(self.cost.shape[0])

    @property
    def jobs(self) -> int:
        return int(self.cost.shape[1])


def read_gap(path: str | os.PathLike[str]) -> GapInstance:
    """``m n``, then costs (m rows of n), resources (m rows of n), capacities (m)."""
    source = Path(path)
    try:
        numbers = [int(token) for token in source.read_text().split()]
    except (OSError, ValueError) as error:
        raise BenchmarkFileError(f"{source}: not a GAP file of whole numbers ({error})") from error
    if len(numbers) < 2:
        raise BenchmarkFileError(f"{source}: expected 'agents jobs' first")
    m, n = numbers[0], numbers[1]
    expected = 2 + 2 * m * n + m
    if len(numbers) != expected:
        raise BenchmarkFileError(
            f"{source}: {len(numbers)} numbers, expected {expected} for {m} agents x {n} jobs"
        )
    body = np.array(numbers[2:], dtype=np.int64)
    cost = body[: m * n].reshape(m, n)
    resource = body[m * n : 2 * m * n].reshape(m, n)
    capacity = body[2 * m * n :]
    return GapInstance(name=source.name, cost=cost, resource=resource, capacity=capacity)


def read_optima(path: str | os.PathLike[str], column: str) -> dict[str, int | None]:
    """Published optimal values by instance (the file name); blank = not known."""
    optima: dict[str, int | None] = {}
    # Some published files carry stray carriage returns inside their lines.
    text = Path(path).read_bytes().decode("utf-8").replace("\r", "")
    for row in csv.DictReader(text.splitlines()):
        value = (row.get(column) or "").strip()
        optima[Path(row["instance"]).name] = int(value) if value else None
    return optima
