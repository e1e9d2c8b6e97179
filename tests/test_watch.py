"""Patience: a search whose plans stop improving ends before its time limit."""

from __future__ import annotations

import random
import time

from ortools.sat.python import cp_model

from solvers.watch import GapWatch, patience


def _tight_assignment(n: int = 40) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """A capacity-tight assignment model: plans come fast, a proof of optimality does not."""
    rnd = random.Random(7)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i},{j}") for j in range(n)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
        model.add_exactly_one([x[j][i] for j in range(n)])
        model.add(sum(rnd.randint(1, 20) * x[i][j] for j in range(n)) <= 15)
    model.minimize(sum(rnd.randint(1, 100) * x[i][j] for i in range(n) for j in range(n)))
    return model, [x[i][i] for i in range(n)]


def test_a_stalled_search_stops_long_before_its_time_limit() -> None:
    model, flags = _tight_assignment()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 120.0
    solver.parameters.num_workers = 1
    watch = GapWatch(solver, flags, 0, 0.0, None)
    started = time.perf_counter()
    with patience(solver, watch, 0.5):
        status = solver.solve(model, watch)
    assert status in (cp_model.FEASIBLE, cp_model.OPTIMAL)
    assert watch.first_plan_at is not None
    assert time.perf_counter() - started < 60.0
