"""Reading the OR-Library capacitated p-median instances (Osman and Christofides, pmedcap1).

The format (see ../shared/README.md): a line ``problem best``, then ``n p Q``, then ``n`` lines
``id x y demand``. Distances are floor(Euclidean): the published optima hold only with that
truncation. Benchmarks and tests read the shared copies; nothing is copied into this project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


class PMedCapFormatError(ValueError):
    """The file is not in the pmedcap format; the message names the file and what was wrong."""


@dataclass(frozen=True)
class PMedCapInstance:
    """One instance: its name, published best value (None: unknown), points, demands, p and
    capacity."""

    name: str
    best: int | None
    points: npt.NDArray[np.float64]  # n x 2
    demand: npt.NDArray[np.int64]
    medians: int
    capacity: int

    def distance(self) -> npt.NDArray[np.int64]:
        """floor(Euclidean distance) between every two points, as the optima assume."""
        delta = self.points[:, None, :] - self.points[None, :, :]
        return np.floor(np.hypot(delta[..., 0], delta[..., 1])).astype(np.int64)


def read_pmedcap(path: str | os.PathLike[str]) -> PMedCapInstance:
    """Read one pmedcap file.

    Raises
    ------
    PMedCapFormatError
        If a number is missing or not a whole number, or the counts do not add up.
    """
    source = Path(path)
    words = source.read_text(encoding="utf-8").split()
    try:
        numbers = [int(word) for word in words]
    except ValueError as error:
        raise PMedCapFormatError(f"{source.name}: expected whole numbers only ({error})") from None
    if len(numbers) < 5:
        raise PMedCapFormatError(f"{source.name}: expected 'problem best' and 'n p Q' first")
    _, best, n, p, capacity = numbers[:5]
    rows = numbers[5:]
    if len(rows) != 4 * n:
        raise PMedCapFormatError(
            f"{source.name}: expected {n} lines 'id x y demand' ({4 * n} numbers), "
            f"found {len(rows)} numbers"
        )
    table = np.asarray(rows, dtype=np.int64).reshape(n, 4)
    return PMedCapInstance(
        name=source.stem,
        best=best,
        points=table[:, 1:3].astype(np.float64),
        demand=table[:, 3],
        medians=p,
        capacity=capacity,
    )
