"""Generated capacitated p-median instances of the published shape, larger than the shared ten.

Osman and Christofides drew their instances (OR-Library pmedcap1) as points with whole
coordinates in 1..100, whole demands in 1..20 and a capacity of 120 per median; their 50-point,
5-median instances fill 82-96% of the medians' capacity. The generator draws the same way, from
a seed only (numpy's PCG64), so an instance is named by its shape and seed and rebuilt anywhere:

    generate_pmedcap(points=100, medians=10, seed=3)

With the defaults the expected total demand is 10.5 a point: 100 points fill 10 medians of 120
to 87.5% on average, 200 points fill 20 to the same; ``fill`` redraws demands (keeping the
seed's order) until the total lies within the band, so every instance is tight but feasible
for a fractional split. Distances are floor(Euclidean), as for the published instances.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from matcher.bench.pmedcap import PMedCapInstance

# Share of the medians' total capacity the demand fills: the published instances' range.
FILL_BAND = (0.82, 0.96)


def generate_pmedcap(
    *,
    points: int = 100,
    medians: int = 10,
    capacity: int = 120,
    seed: int = 0,
    fill: tuple[float, float] = FILL_BAND,
) -> PMedCapInstance:
    """A random instance of the published family: coordinates in 1..100, demands in 1..20.

    Raises
    ------
    ValueError
        If no draw of 1,000 fills the capacity within ``fill`` (the shape cannot be tight).
    """
    rng = np.random.default_rng(seed)
    coordinates = rng.integers(1, 101, size=(points, 2)).astype(np.float64)
    total = medians * capacity
    for _ in range(1000):
        demand = rng.integers(1, 21, size=points).astype(np.int64)
        if fill[0] * total <= demand.sum() <= fill[1] * total:
            return PMedCapInstance(
                name=f"gen{points}x{medians}s{seed}",
                best=None,
                points=coordinates,
                demand=demand,
                medians=medians,
                capacity=capacity,
            )
    raise ValueError(
        f"{points} points with demands 1..20 never fill {medians} medians of {capacity} "
        f"to {fill[0]:.0%}-{fill[1]:.0%}: choose a shape nearer 10.5 x points = 0.875 x "
        "medians x capacity"
    )


def write_pmedcap(instance: PMedCapInstance, path: str | os.PathLike[str]) -> None:
    """Write ``instance`` in the OR-Library layout for ``read_pmedcap`` (best 0: unknown)."""
    lines = [
        f"1 {instance.best or 0}",
        f"{len(instance.demand)} {instance.medians} {instance.capacity}",
    ]
    for k, ((x, y), d) in enumerate(
        zip(instance.points.tolist(), instance.demand.tolist(), strict=True)
    ):
        lines.append(f"{k + 1} {int(x)} {int(y)} {int(d)}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
