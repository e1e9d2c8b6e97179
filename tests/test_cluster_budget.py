"""Forming clusters within a limit counted as work: the same clusters however busy the machine.

In the style of tests/test_budget.py. The busy runs give the clock guard a far deadline: this
machine may be shared, and what is tested here is that no decision reads the clock, not
where the guard sits (the guard's own cases are at the end).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from busy import busy_cores

import solvers.clusters.lp as cluster_lp
from matcher.clusters import ClusterOutcome, form_clusters
from matcher.synth.cohort import generate_round
from matcher.verify_clusters import verify_clusters
from solvers.clusters.component import Component, build_component
from solvers.clusters.encode import encode_clusters
from solvers.clusters.lp import ColumnPool, column_generation
from solvers.clusters.partition import clusterable
from solvers.clusters.pmedian import PMedianProblem, build_pmedian, solve_pmedian_model
from solvers.clusters.pricing import PricedColumns
from solvers.clusters.rules import school_graph
from solvers.clusters.start import start_partition
from solvers.engine import budget
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

FAR = 300.0  # seconds: a clock guard no run here comes near


def _far(seconds: float) -> Budget:
    return Budget(seconds, deadline=time.perf_counter() + FAR)


def test_clusters_stopped_by_work_are_the_same_on_a_busy_machine() -> None:
    """Two workers: components side by side, column generation, LNS; every step is work."""
    round_ = generate_round(schools=300, seed=1)

    def run() -> tuple[ClusterOutcome, Budget]:
        budget = _far(2.0)
        return form_clusters(round_, seed=1, workers=2, budget=budget), budget

    idle, idle_budget = run()
    with busy_cores():
        busy, busy_budget = run()
    # The work limit ended the search, not a proof: the 99-school component is searched by
    # LNS, which proves nothing, and the whole limit was used.
    assert idle.result.status == "FEASIBLE"
    assert idle_budget.used >= 0.9 * idle_budget.seconds
    assert idle.result.repeatable and busy.result.repeatable
    assert busy.plan == idle.plan
    assert (busy.result.objective, busy.result.bound) == (idle.result.objective, idle.result.bound)
    assert busy_budget.used == idle_budget.used


def test_hubs_stopped_by_work_are_the_same_on_a_busy_machine() -> None:
    """The p-median model under a work limit, two seeds side by side (two workers)."""
    rng = np.random.default_rng(5)
    points = rng.uniform(0, 100, size=(60, 2))
    distance = np.floor(np.linalg.norm(points[:, None] - points[None, :], axis=2))
    problem = PMedianProblem(
        distance=distance.astype(np.int64),
        demand=np.ones(60, dtype=np.int64),
        capacity=12,
        medians=6,
    )

    def run() -> tuple[object, ...]:  # status, medians, each point's median, bound
        # A poor but valid start, so there is a plan to keep when the work runs out.
        start = {i: i % 6 for i in range(60)}
        solution = solve_pmedian_model(
            build_pmedian(problem), _far(0.5), options=SolveOptions(seed=1, workers=2), hint=start
        )
        assert solution.repeatable
        return solution.status, solution.medians, solution.median_of, solution.bound

    idle = run()
    with busy_cores():
        busy = run()
    assert idle[0] == "FEASIBLE"  # stopped by work, not by a proof
    assert busy == idle


def _first_component() -> tuple[Component, ColumnPool, int]:
    problem = encode_clusters(generate_round(schools=300, seed=1))
    graph = school_graph(problem)
    parts, _ = clusterable(problem, graph)
    comp = build_component(problem, graph, parts[0])
    start = start_partition(comp, method="greedy", seed=0)
    pool = ColumnPool()
    for cluster in start:
        pool.add(cluster, comp.cost(cluster))
    return comp, pool, comp.size - sum(len(c) for c in start)


def test_column_generation_stops_after_the_same_round_however_slow_the_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def rounds() -> tuple[int, float, list[tuple[int, ...]]]:
        comp, pool, left = _first_component()
        lp = column_generation(comp, pool, left_out=left, budget=_far(0.2))
        # The work ran out after a few rounds, before the LP converged (10 rounds).
        assert lp is not None and not lp.converged and lp.rounds > 1
        return lp.rounds, lp.bound, pool.members

    quick = rounds()
    price = cluster_lp.price_columns

    def slow(*args: object, **kwargs: object) -> PricedColumns:
        time.sleep(0.05)  # each round takes far longer on the clock, not in work
        return price(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cluster_lp, "price_columns", slow)
    assert rounds() == quick


def test_a_clock_guard_that_stops_forming_clusters_says_the_clusters_may_not_repeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    round_ = generate_round(schools=300, seed=1)
    late = Budget(30.0, deadline=time.perf_counter() - 1.0)
    outcome = form_clusters(round_, seed=1, workers=2, budget=late)
    assert not outcome.result.repeatable
    assert outcome.summary()["repeatable"] is False
    assert "repeatable  no" in outcome.result.summary()
    # Every component keeps its first plan: the clusters are still whole and checked.
    assert verify_clusters(round_, outcome.plan) == []
    # A guard the run does not reach (a shared CI machine may be slower than 1.5 times the
    # work's rate on so short a limit): the same call, stopped by work, repeats.
    monkeypatch.setattr(budget, "CLOCK_GUARD", FAR)
    on_time = form_clusters(round_, time_limit=1.0, seed=1, workers=2)
    assert on_time.result.repeatable


def test_a_clock_guard_that_stops_the_hubs_says_they_may_not_repeat() -> None:
    round_ = generate_round(schools=120, seed=1)
    hubs = round_.settings.clusters.model_copy(update={"mode": "hub"})
    hub_round = round_.replace(settings=round_.settings.model_copy(update={"clusters": hubs}))
    late = Budget(30.0, deadline=time.perf_counter() - 1.0)
    outcome = form_clusters(hub_round, seed=1, budget=late)
    assert not outcome.result.repeatable
    assert verify_clusters(hub_round, outcome.plan) == []
