"""Policy sweeps: one plan per scenario of a grid file, and a table comparing them
(docs/sweep.md). ``grid`` reads the file, ``overrides`` checks a scenario's settings,
``folders`` knows when a scenario is finished, ``run`` plans scenarios in processes,
``table`` writes the comparison, ``core`` puts them together."""

from matcher.sweep.core import SweepOutcome, prepare, run_sweep
from matcher.sweep.grid import Grid, RunOptions, Scenario, read_grid

__all__ = ["Grid", "RunOptions", "Scenario", "SweepOutcome", "prepare", "read_grid", "run_sweep"]
