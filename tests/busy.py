"""Other processes keeping every core busy, for tests that a limit counted in work stops a
search at the same point however loaded the machine (tests/test_budget.py,
tests/test_cluster_budget.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from solvers.engine import budget

# While the spinners run, the clock guard stands at this multiple of a limit instead of the
# product's 1.5. Two spinners on the 2-core reference machine slow a small CP-SAT search by
# 2.2 to 2.5 times (0.2 s of work took 0.45 s), past the 1.5 the guard allows for, so the
# guard, not the work, would decide some runs and the test would measure the machine. What
# these tests prove is that work stops a search at the same point under load; the guard is
# tested on its own (budgets whose deadline has already passed).
BUSY_GUARD = 4.0


@contextmanager
def busy_cores(count: int = 2) -> Iterator[None]:
    """Other processes spinning on every core while the block runs (the guard widened)."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    guard = budget.CLOCK_GUARD
    budget.CLOCK_GUARD = BUSY_GUARD
    try:
        time.sleep(0.2)
        yield
    finally:
        budget.CLOCK_GUARD = guard
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
