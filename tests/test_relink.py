"""Path relinking and the elite merge (solvers.search.relink): the elite set's entry rules, paths
that stay between their ends, merges that keep every capacity, and a whole relinking run that keeps
the hard rules, never returns a worse plan and repeats itself."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher.bench.orlib import GapInstance, read_gap
from matcher.bench.runners import gap_problem
from matcher.synth.cohort import generate_round
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.matching import strategy
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.objective import objective_of
from solvers.matching.strategy import solve_matching
from solvers.matching.warm_start import (
    best_start,
    keeps_hard_rules,
    pair_costs,
    start_seconds,
    warm_start,
)
from solvers.search import ejection, gap_search, relink

GAP_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "gap"


def cattrysse(name: str) -> MatchingProblem:
    path = GAP_FOLDER / "instances" / "cattrysse1994" / name
    if not path.exists():
        pytest.skip(f"{path} not found (the shared benchmarks are not checked out)")
    return gap_problem(read_gap(path))


def random_gap(agents: int, jobs: int, seed: int) -> MatchingProblem:
    """A type-D-like instance: costs fall as days rise, capacities at 80% of an even share."""
    rng = np.random.default_rng(seed)
    days = rng.integers(1, 101, size=(agents, jobs))
    cost = 111 - days + rng.integers(-10, 11, size=(agents, jobs))
    capacity = (0.8 * days.sum(axis=1) / agents).astype(np.int64)
    return gap_problem(GapInstance(name="random", cost=cost, resource=days, capacity=capacity))


def dense(problem: MatchingProblem) -> ejection.DenseGap:
    gap = ejection.dense_gap(problem, pair_costs(problem))
    assert gap is not None
    return gap


def within_capacity(gap: ejection.DenseGap, plan: np.ndarray) -> bool:
    load = np.bincount(
        plan, weights=gap.days[plan, np.arange(len(plan))], minlength=gap.cost.shape[0]
    )
    return bool(np.all(load <= gap.capacity))


def test_elite_keeps_good_plans_apart() -> None:
    elite = relink.Elite(size=3, min_distance=2)
    base = np.zeros(6, dtype=np.int64)
    assert elite.offer(base, 10.0)
    assert not elite.offer(base.copy(), 9.0)  # the same plan twice
    near = base.copy()
    near[0] = 1
    assert not elite.offer(near, 10.5)  # too close to a better member
    far = base.copy()
    far[:3] = 1
    assert elite.offer(far, 12.0)
    other = base.copy()
    other[3:] = 2
    assert elite.offer(other, 11.0)
    assert len(elite) == 3
    # Full: a plan far from all enters only in place of the worst, and only if better.
    fourth = np.array([3, 3, 3, 3, 0, 0])
    assert not elite.offer(fourth, 13.0)
    assert elite.offer(fourth, 11.5)
    assert sorted(elite.costs) == [10.0, 11.0, 11.5]
    # Close to a member: replaces that member if better, whatever the worst.
    close = other.copy()
    close[5] = 1
    assert elite.offer(close, 10.8)
    assert sorted(elite.costs) == [10.0, 10.8, 11.5]
    # A new best always enters, even right beside another member.
    best = base.copy()
    best[5] = 1
    assert elite.offer(best, 9.0)
    assert elite.best[0] == 9.0
    assert len(elite) == 3


def test_path_points_lie_between_their_ends() -> None:
    problem = random_gap(5, 30, seed=1)
    gap = dense(problem)
    start, prices, _ = ejection.relaxation(gap)
    search = ejection.Search(gap, start, prices, seed=0)
    rng = np.random.default_rng(4)
    a = rng.integers(0, 5, size=30)
    b = rng.integers(0, 5, size=30)
    points = relink.path_points(search, a, b, 3)
    assert len(points) == 3
    distances = [int(np.count_nonzero(p != b)) for p in points]
    assert distances == sorted(distances, reverse=True)  # each nearer the goal
    for p in points:
        assert np.all((p == a) | (p == b))  # every job on one end's agent
    assert relink.path_points(search, a, a, 3) == []


def test_merge_recombines_within_capacity() -> None:
    problem = random_gap(5, 30, seed=2)
    gap = dense(problem)
    start, prices, _ = ejection.relaxation(gap)
    search = ejection.Search(gap, start, prices, seed=0)
    plans: list[np.ndarray] = []
    search.walk(600, offer=lambda plan, cost: plans.append(plan))
    assert len(plans) >= 3
    # The last plans found are the best, the first plan the merge's hint and bar to beat.
    chosen = plans[-3:][::-1]
    first = float(gap.cost[chosen[0], np.arange(30)].sum())
    merged = relink.merge(gap, chosen)
    if merged is not None:
        assert within_capacity(gap, merged)
        assert float(gap.cost[merged, np.arange(30)].sum()) < first
        allowed = np.zeros(gap.cost.shape, dtype=np.bool_)
        for plan in chosen:
            allowed[plan, np.arange(30)] = True
        assert allowed[merged, np.arange(30)].all()  # only agents some plan gave the job
    # Merging a plan with itself finds nothing cheaper.
    assert relink.merge(gap, [chosen[0], chosen[0]]) is None


def test_merge_takes_the_best_part_of_each_plan() -> None:
    # Each plan is cheap where the other is dear; the merge takes each job's cheaper agent of
    # the two, which both capacities allow.
    problem = gap_problem(
        GapInstance(
            name="halves",
            cost=np.array([[1, 1, 9, 9], [9, 9, 1, 1]]),
            resource=np.ones((2, 4), dtype=np.int64),
            capacity=np.array([3, 3]),
        )
    )
    gap = dense(problem)
    a = np.array([0, 0, 0, 1])
    b = np.array([1, 0, 1, 1])
    merged = relink.merge(gap, [a, b])
    assert merged is not None
    assert merged.tolist() == [0, 0, 1, 1]
    # Tighter: agent 1 takes one job only, so job 2 or 3 must stay on agent 0.
    tight = dense(replace(problem, staff_max_days=np.array([3, 1])))
    merged = relink.merge(tight, [np.array([0, 0, 0, 1]), np.array([0, 0, 1, 0])])
    assert merged is None  # both plans already cost 12, the least within the capacities


def test_relinking_keeps_the_rules_never_worsens_and_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = cattrysse("gap12-0")  # 600 pairs: relinking made to run on it, briefly
    monkeypatch.setattr(relink, "MIN_PAIRS", 0)
    monkeypatch.setattr(relink, "MAX_ITERATIONS", 1_500)
    monkeypatch.setattr(relink, "INITIAL_WALK", 1)
    monkeypatch.setattr(relink, "MIN_PATHS", 2)
    monkeypatch.setattr(relink, "MERGE_WORK", 0.2)
    gap = dense(problem)
    assert relink.applies(gap)
    cost = pair_costs(problem)
    start = warm_start(problem)
    once = gap_search.improve(problem, cost, start)
    assert keeps_hard_rules(problem, once)
    assert objective_of(problem, once) <= objective_of(problem, start)
    assert gap_search.improve(problem, cost, start) == once
    # Handed its own plan, it returns that plan or a better one.
    again = gap_search.improve(problem, cost, once)
    assert keeps_hard_rules(problem, again)
    assert objective_of(problem, again) <= objective_of(problem, once)


def test_relinking_only_where_it_pays() -> None:
    assert not relink.applies(dense(cattrysse("gap12-4")))  # 600 pairs: CP-SAT alone
    assert relink.applies(dense(random_gap(10, 100, seed=3)))  # d10100's size
    assert not relink.applies(dense(random_gap(10, 200, seed=3)))  # too few paths affordable


def test_start_seconds_count_the_fixed_budget() -> None:
    assert start_seconds(encode(generate_round(schools=20, seed=2))) == 0.0  # not a GAP
    small = start_seconds(cattrysse("gap12-4"))
    large = start_seconds(random_gap(20, 100, seed=5))
    assert 0.0 < small < 1.0
    assert small < large < 30.0
    assert start_seconds(random_gap(20, 100, seed=5)) == large  # from the data, not the clock


def _gap_instance(agents: int, jobs: int, seed: int, slack: float) -> GapInstance:
    rng = np.random.default_rng(seed)
    days = rng.integers(1, 101, size=(agents, jobs))
    cost = 111 - days + rng.integers(-10, 11, size=(agents, jobs))
    capacity = (slack * days.sum(axis=1) / agents).astype(np.int64)
    return GapInstance(name="random", cost=cost, resource=days, capacity=capacity)


def _assert_feasible(instance: GapInstance, problem: MatchingProblem, chosen: tuple[int, ...]):
    """Every job once, every agent within capacity, read off the instance's own arrays."""
    agents = [int(problem.pair_staff[k]) for k in chosen]
    jobs = [int(problem.pair_project[k]) for k in chosen]
    assert sorted(jobs) == list(range(instance.cost.shape[1]))
    load = np.zeros(instance.cost.shape[0], dtype=np.int64)
    for agent, job in zip(agents, jobs, strict=True):
        load[agent] += instance.resource[agent, job]
    assert np.all(load <= instance.capacity)


class _Counted:
    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, function):  # type: ignore[no-untyped-def]
        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls += 1
            return function(*args, **kwargs)

        return counted


def test_no_relinking_when_the_first_search_proves_the_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = _gap_instance(10, 100, seed=4, slack=2.0)  # loose: CP-SAT proves it at once
    problem = gap_problem(instance)
    assert relink.applies(dense(problem))
    relinked = _Counted()
    monkeypatch.setattr(relink, "relink", relinked.wrap(relink.relink))
    solution = solve_matching(problem, Budget(30), options=SolveOptions(seed=0, workers=1))
    assert solution.result.status == "OPTIMAL"
    assert relinked.calls == 0
    _assert_feasible(instance, problem, solution.chosen)


def test_relinking_after_a_first_search_that_leaves_a_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = _gap_instance(10, 100, seed=3, slack=0.8)
    problem = gap_problem(instance)
    relinked = _Counted()
    monkeypatch.setattr(relink, "relink", relinked.wrap(relink.relink))
    # A short relinking, for the test.
    monkeypatch.setattr(relink, "MAX_ITERATIONS", 2_000)
    monkeypatch.setattr(relink, "INITIAL_WALK", 1)
    monkeypatch.setattr(relink, "MIN_PATHS", 2)
    assert relink.applies(dense(problem))
    monkeypatch.setattr(strategy, "PROBE_SECONDS", 0.01)  # the first search proves nothing
    solution = solve_matching(problem, Budget(3), options=SolveOptions(seed=0, workers=1))
    assert relinked.calls == 1
    _assert_feasible(instance, problem, solution.chosen)
    # The relinked start, counted, is never lost: the answer is at least as good.
    start = best_start(problem)
    assert solution.result.objective is not None
    assert solution.result.objective <= objective_of(problem, start)
    again = solve_matching(problem, Budget(3), options=SolveOptions(seed=0, workers=1))
    assert again.chosen == solution.chosen
