"""How to search, apart from how long: one frozen object handed down from the API.

Time travels separately, as a ``Budget`` (``solvers.engine.budget``) that each step takes a
share of; everything else a solve needs from the caller is here, the same for every part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from solvers.engine.watch import Progress


@dataclass(frozen=True)
class SolveOptions:
    """Seed, cores, gap stop and progress reports for a solve and every part of it.

    Attributes
    ----------
    seed
        Random seed: the same input, seed, workers and budget give the same plan.
    workers
        Cores: independent parts are solved this many at a time; a part alone gets them all.
    gap_limit
        Stop once a plan is proven within this relative gap of the optimum (0.01 = 1%).
    progress
        Called with each improving plan or bound.
    """

    seed: int = 0
    workers: int = 1
    gap_limit: float = 0.0
    progress: Callable[[Progress], None] | None = None

    def on(self, workers: int) -> SolveOptions:
        """The same options for a part searched on ``workers`` cores."""
        return self if workers == self.workers else replace(self, workers=workers)


DEFAULT_OPTIONS = SolveOptions()
