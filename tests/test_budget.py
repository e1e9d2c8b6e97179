"""Limits counted in work: the same search stops at the same point however busy the machine."""

from __future__ import annotations

import random
import time

import pytest
from busy import BUSY_GUARD, busy_cores
from ortools.sat.python import cp_model

from matcher.pipeline import plan
from matcher.synth.cohort import generate_round
from solvers.engine import budget
from solvers.engine.budget import Budget
from solvers.engine.lanes import lanes_of, solve_parts
from solvers.engine.options import SolveOptions


def _tight_assignment(n: int = 40) -> tuple[cp_model.CpModel, list[list[cp_model.IntVar]]]:
    """A capacity-tight assignment model: plans come fast, a proof of optimality does not."""
    rnd = random.Random(7)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i},{j}") for j in range(n)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
        model.add_exactly_one([x[j][i] for j in range(n)])
        model.add(sum(rnd.randint(1, 20) * x[i][j] for j in range(n)) <= 15)
    model.minimize(sum(rnd.randint(1, 100) * x[i][j] for i in range(n) for j in range(n)))
    return model, x


def _solve(seconds: float) -> tuple[cp_model.CpSolverStatus, float, list[int]]:
    model, x = _tight_assignment()
    solver = cp_model.CpSolver()
    budget = Budget(seconds)
    budget.limit(solver, 1)
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    budget.charge(solver, 1)
    assert budget.repeatable
    chosen = [j for row in x for j, var in enumerate(row) if solver.value(var)]
    return status, solver.objective_value, chosen


def test_a_search_stopped_by_work_gives_the_same_plan_on_a_busy_machine() -> None:
    idle = _solve(0.3)
    with busy_cores():
        busy = _solve(0.3)
    # Stopped by the work limit, not by a proof: the stop point itself must repeat.
    assert idle[0] == cp_model.FEASIBLE
    assert busy == idle


def test_the_main_job_gives_the_same_plan_and_dates_on_a_busy_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers, parts side by side, feedback rounds: every share is work, so none moves."""
    round_ = generate_round(schools=300, seed=1)
    # The "idle" run has the busy run's guard too: CI's machine may itself be shared, and
    # what is compared is where the work stops the searches, not where the clock does.
    monkeypatch.setattr(budget, "CLOCK_GUARD", BUSY_GUARD)
    idle = plan(round_, time_limit=10, workers=2)
    with busy_cores():
        busy = plan(round_, time_limit=10, workers=2)
    # Some search was stopped by its share, not by a proof: otherwise this proves nothing.
    assert "FEASIBLE" in (idle.matching.result.status, idle.scheduling.result.status)
    assert idle.repeatable and busy.repeatable
    assert busy.plan == idle.plan
    assert busy.schedule == idle.schedule


def test_a_search_the_clock_stops_marks_the_run_not_repeatable() -> None:
    model, _x = _tight_assignment()
    solver = cp_model.CpSolver()
    budget = Budget(60.0, deadline=time.perf_counter() + 0.3)
    budget.limit(solver, 1)
    solver.parameters.num_workers = 1
    solver.solve(model)
    budget.charge(solver, 1)
    assert not budget.repeatable
    assert budget.part(1.0).repeatable is False  # shares carry the job's verdict


def test_a_budget_past_its_deadline_is_exhausted_and_not_repeatable() -> None:
    budget = Budget(60.0, deadline=time.perf_counter() - 1.0)
    assert budget.left == 60.0
    assert budget.exhausted()
    assert not budget.repeatable


def test_lanes_are_dealt_parts_largest_first_and_solve_them_smallest_first() -> None:
    assert lanes_of([5, 50, 20, 30, 1], 2) == [[0, 1], [4, 2, 3]]
    assert lanes_of([3, 1, 2], 1) == [[1, 2, 0]]


def test_shares_depend_on_the_work_done_not_on_how_long_it_took() -> None:
    sizes = [40, 30, 20, 10, 10, 5]

    def run(delay: float) -> list[float]:
        def solve(part: int, share: Budget) -> float:
            time.sleep(delay * (part % 3))  # lanes finish in a different order each time
            share.spend(0.25 * share.seconds)  # every part uses a quarter of its share
            return share.seconds

        return solve_parts(
            sizes, solve, budget=Budget(20.0), lanes=2, floor=1.0, overtime=lambda p: -1.0
        )

    assert run(0.0) == run(0.05)


def test_a_matching_the_clock_cut_short_still_verifies_and_says_it_may_not_repeat() -> None:
    from matcher.verify import verify_plan
    from solvers.matching.decode import decode
    from solvers.matching.encode import encode
    from solvers.matching.strategy import solve_matching

    round_ = generate_round(schools=40, seed=2)
    problem = encode(round_)
    late = Budget(30.0, deadline=time.perf_counter() - 1.0)
    solution = solve_matching(problem, late, options=SolveOptions(workers=2))
    assert not solution.result.repeatable
    assert "repeatable  no" in solution.result.summary()
    assert verify_plan(round_, decode(problem, solution, {})) == []
    on_time = solve_matching(problem, Budget(30.0), options=SolveOptions(workers=2))
    assert on_time.result.repeatable
    assert "repeatable" not in on_time.result.summary()
