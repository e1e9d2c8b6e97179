"""Other processes keeping every core busy, for tests that a limit counted in work stops a
search at the same point however loaded the machine (tests/test_budget.py,
tests/test_cluster_budget.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def busy_cores(count: int = 2) -> Iterator[None]:
    """Other processes spinning on every core while the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.2)
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
