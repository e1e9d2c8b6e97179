"""Components dealt to lanes in processes of their own (workers > 1): the same clusters on every
run, whichever lane ends first, and the same as the lanes run one after another here; and the
tree search over the clusters of the LP's solution that hints a mid-sized component's LNS."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from cluster_regions import place, region

import solvers.clusters.partition as partition
from matcher.synth.cohort import generate_round
from solvers.clusters.encode import ClusterProblem, encode_clusters
from solvers.clusters.partition import PartitionSolution, Progress, solve_partition
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

FAR = 300.0  # seconds: a clock guard no run here comes near


def _solve(
    problem: ClusterProblem,
    seconds: float,
    *,
    workers: int,
    progress: Callable[[Progress], None] | None = None,
) -> tuple[PartitionSolution, float]:
    budget = Budget(seconds, deadline=time.perf_counter() + FAR)
    solution = solve_partition(
        problem, budget, options=SolveOptions(seed=1, workers=workers), progress=progress
    )
    return solution, budget.used


def _figures(solution: PartitionSolution) -> tuple[object, ...]:
    return solution.clusters, solution.left_out, solution.objective, solution.bound


@pytest.fixture(scope="module")
def generated() -> ClusterProblem:
    """300 generated schools: four components of 55 to 99 schools, 8 that fit no cluster."""
    return encode_clusters(generate_round(schools=300, seed=1))


def three_towns() -> ClusterProblem:
    """Three towns 50 km apart, three schools each 1 km apart: three components, one cluster
    each (A, B, C), 8 + 8 + 11 = 27 minutes of travel in each."""
    schools = [place(f"{town}{k}", 50.0 * t + k) for t, town in enumerate("ABC") for k in (0, 1, 2)]
    return encode_clusters(region(schools))


def test_three_towns_in_three_lanes_make_the_three_proven_clusters() -> None:
    solution, _ = _solve(three_towns(), 5.0, workers=3)
    assert solution.components == 3
    assert solution.clusters == ((0, 1, 2), (3, 4, 5), (6, 7, 8))
    assert solution.objective == solution.bound == 3 * 27
    assert solution.status == "OPTIMAL" and solution.repeatable


def test_the_lanes_give_the_same_clusters_and_work_on_every_run(
    generated: ClusterProblem,
) -> None:
    first, first_used = _solve(generated, 1.0, workers=2)
    second, second_used = _solve(generated, 1.0, workers=2)
    assert first.repeatable and second.repeatable
    assert _figures(second) == _figures(first)
    assert second_used == first_used


def test_the_lanes_in_processes_give_what_they_give_one_after_another_here(
    generated: ClusterProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_processes, used = _solve(generated, 1.0, workers=2)

    def one_after_another(
        queues: Sequence[Sequence[int]],
        run_lane: Callable[[list[int], Callable[[Any], None]], Any],
        *,
        on_message: Callable[[Any], None] | None = None,
    ) -> list[Any]:
        return [run_lane(list(queue), on_message or (lambda _: None)) for queue in queues]

    monkeypatch.setattr(partition, "in_processes", one_after_another)
    here, here_used = _solve(generated, 1.0, workers=2)
    assert _figures(here) == _figures(in_processes)
    assert here_used == used


def test_a_daemonic_process_runs_the_lanes_here_with_the_same_clusters(
    generated: ClusterProblem,
) -> None:
    """A Dask worker is daemonic and may not start processes: a sweep's scenario run there
    must still give the clusters a local run gives."""
    side_by_side, used = _solve(generated, 1.0, workers=2)
    context = multiprocessing.get_context("fork")
    answers = context.Queue()

    def in_a_daemon() -> None:
        try:
            solution, daemon_used = _solve(generated, 1.0, workers=2)
            answers.put((_figures(solution), daemon_used, solution.repeatable))
        except BaseException as error:  # the test process reports it
            answers.put(repr(error))

    daemon = context.Process(target=in_a_daemon, daemon=True)
    daemon.start()
    answer = answers.get(timeout=FAR)
    daemon.join()
    assert answer == (_figures(side_by_side), used, True)


def test_one_worker_solves_every_component_in_this_process(
    generated: ClusterProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("one worker forked a lane")

    monkeypatch.setattr(partition, "in_processes", refuse)
    solution, _ = _solve(generated, 1.0, workers=1)
    assert solution.components == 4


def test_the_lanes_report_every_component_once(generated: ClusterProblem) -> None:
    seen: list[Progress] = []
    solution, _ = _solve(generated, 1.0, workers=2, progress=seen.append)
    assert [p.done for p in seen] == [1, 2, 3, 4]
    assert sorted(p.schools for p in seen) == [55, 61, 77, 99]
    assert sum(p.objective for p in seen) == solution.objective


def _after_the_cuts(problem: ClusterProblem, k: int) -> partition._Work:
    """Component ``k`` of ``problem`` after its first pass and cuts, as the search finds it."""
    graph = partition.school_graph(problem)
    parts, _ = partition.clusterable(problem, graph)
    comp = partition.build_component(problem, graph, parts[k])
    work = partition._first_pass(
        comp, Budget(5.0, deadline=time.perf_counter() + FAR), seed=1, workers=1
    )
    partition._strengthen(work, Budget(5.0, deadline=time.perf_counter() + FAR))
    return work


def test_a_search_over_the_lps_clusters_improves_a_poor_plan(generated: ClusterProblem) -> None:
    work = _after_the_cuts(generated, 0)  # 99 schools, its plan the better starting one
    assert work.comp.size == 99
    before = partition._price(work.comp, work.plan)
    left = work.left_count
    budget = Budget(5.0, deadline=time.perf_counter() + FAR)
    assert partition._support_plan(work, budget, 1.0, seed=1, workers=1)
    assert partition._price(work.comp, work.plan) < before
    assert work.left_count == left
    schools = sorted(s for cluster in work.plan for s in cluster)
    assert len(schools) == len(set(schools))  # each school once
    assert all(work.comp.is_clique(cluster) for cluster in work.plan)
    assert 0 < budget.used <= 1.0


def test_a_search_over_the_lps_clusters_keeps_a_plan_it_cannot_beat() -> None:
    work = _after_the_cuts(three_towns(), 0)  # one town: its one cluster is the optimum
    plan = list(work.plan)
    budget = Budget(5.0, deadline=time.perf_counter() + FAR)
    assert not partition._support_plan(work, budget, 1.0, seed=1, workers=1)
    assert work.plan == plan


def _searched(size: int, price: int, bound: float | None, objective: str = "total") -> Any:
    """What ``_search_weight`` reads of a component's work: its size, plan, LP bound."""
    settings = SimpleNamespace(objective=objective)
    comp = SimpleNamespace(size=size, problem=SimpleNamespace(settings=settings), price=price)
    lp = None if bound is None else SimpleNamespace(bound=bound)
    return SimpleNamespace(comp=comp, plan=[], lp=lp)


def test_a_components_search_share_grows_with_its_gap_as_well_as_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(partition, "_price", lambda comp, plan: comp.price)
    weight = partition._search_weight
    far_off = weight(_searched(96, 1381, 1298.3))  # 6% above its bound
    close = weight(_searched(194, 2434, 2429.0))  # 0.2% above
    assert far_off > close  # half the size, 30 times the gap (capped at 5%)
    assert far_off == pytest.approx(96 * partition.SEARCH_GAP_CEILING)
    assert close == pytest.approx(194 * (2434 - 2429) / 2434)
    # At its bound a component still counts (floor); a gap unknown counts as large.
    assert weight(_searched(50, 730, 730.0)) == pytest.approx(50 * partition.SEARCH_GAP_FLOOR)
    assert weight(_searched(50, 730, None)) == weight(_searched(50, 730, 1.0, "worst"))
    assert weight(_searched(50, 730, None)) == pytest.approx(50 * partition.SEARCH_GAP_CEILING)
