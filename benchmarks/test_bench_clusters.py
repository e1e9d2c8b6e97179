"""Peer-review clusters: a 2,000-school region, and hubs against the OR-Library p-median optima.

Targets (issue 4):
- the generated 2,000-school region (seed 1) partitioned into clusters of 3-4 in under 60 s on
  2 cores, with a proven lower bound and gap, against the starting partitions measured in the
  same run (networkx Louvain communities cut to size, and a plain greedy);
- hub mode (capacitated p-median) within 1% of the published optimum on every
  Osman-Christofides instance in ../shared/benchmarks/pmedcap, each in under 30 s;
- issue 20: every shared pmedcap instance at its published optimum, and on generated
  100-point, 10-median instances of the same shape (``matcher.bench.pmedgen``, seeds 1-10) a
  gap to our own proven bound of at most 1% within 30 s each, beside a plain MILP (HiGHS)
  given the same limit in the same run;
- issue 20, partition half: the region's proven gap at most 1% in under 60 s (asserted: met
  since the large components' plans are rounded from their LPs; README).
"""

from __future__ import annotations

import csv
import time

import pytest
from reporting import SHARED, print_table

from matcher.bench.pmedcap import PMedCapInstance, read_pmedcap
from matcher.bench.pmedgen import generate_pmedcap
from matcher.bench.pmedian_check import pmedian_problems
from matcher.clusters import ClusterOutcome, form_clusters
from matcher.model import Round
from matcher.synth.cohort import generate_round
from matcher.verify_clusters import verify_clusters
from solvers.baselines_hubs import solve_pmedian_milp
from solvers.clusters.bounded import solve_bounded
from solvers.clusters.component import build_component
from solvers.clusters.encode import encode_clusters
from solvers.clusters.partition import LEAVE_OUT_PENALTY, clusterable
from solvers.clusters.pmedian import PMedianProblem, PMedianSolution
from solvers.clusters.rules import school_graph
from solvers.clusters.start import start_partition
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

REGION_TIME_LIMIT = 50.0  # for the solver; encoding, rotation and the check take ~2 s more
REGION_TARGET_SECONDS = 60.0
REGION_GAP_TARGET = 0.01  # issue 20: on travel and penalties, the left-out penalty taken off
PMEDCAP_TIME_LIMIT = 20.0
PMEDCAP_TARGET_SECONDS = 30.0
PMEDCAP = SHARED / "benchmarks" / "pmedcap"
HUBS_TIME_LIMIT = 30.0
HUBS_GAP_TARGET = 0.01
HUBS_SEEDS = range(1, 11)


@pytest.fixture(scope="module")
def region_round() -> Round:
    return generate_round(schools=2000, seed=1)


def _start_baseline(round_: Round, method: str) -> tuple[int, int, float]:
    """Travel and schools left out of a starting partition alone, and its seconds."""
    started = time.perf_counter()
    problem = encode_clusters(round_)
    graph = school_graph(problem)
    parts, hopeless = clusterable(problem, graph)
    travel, left = 0, len(hopeless)
    for nodes in parts:
        comp = build_component(problem, graph, nodes)
        plan = start_partition(comp, method=method, seed=1)
        travel += sum(comp.cost(c) for c in plan)
        left += comp.size - sum(len(c) for c in plan)
    return travel, left, time.perf_counter() - started


def test_partition_2000_school_region(benchmark, region_round: Round) -> None:
    def run() -> tuple[ClusterOutcome, float]:
        started = time.perf_counter()
        outcome = form_clusters(region_round, time_limit=REGION_TIME_LIMIT, seed=1, workers=2)
        return outcome, time.perf_counter() - started

    outcome, seconds = benchmark.pedantic(run, rounds=1, iterations=1)
    assert verify_clusters(region_round, outcome.plan) == []
    result = outcome.result
    assert result.objective is not None and result.bound is not None
    left = len(outcome.plan.left_out)
    quality = result.objective - LEAVE_OUT_PENALTY * left
    quality_bound = result.bound - LEAVE_OUT_PENALTY * left
    rows = [
        {
            "method": "cg + cp-sat (ours)",
            "travel+penalties": int(quality),
            "bound": int(quality_bound),
            "gap %": f"{100 * (result.gap or 0):.2f}",
            "left out": left,
            "clusters": len(outcome.stats),
            "seconds": f"{seconds:.1f}",
        }
    ]
    for method in ("louvain", "greedy"):
        travel, start_left, start_seconds = _start_baseline(region_round, method)
        rows.append(
            {
                "method": f"{method} start",
                "travel+penalties": travel,
                "bound": "",
                "gap %": "",
                "left out": start_left,
                "clusters": "",
                "seconds": f"{start_seconds:.1f}",
            }
        )
    print_table("clusters of 3-4, 2,000-school region (seed 1), 2 workers", rows)
    benchmark.extra_info.update(
        {
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "left_out": left,
            "seconds": seconds,
            "baselines": {r["method"]: (r["travel+penalties"], r["left out"]) for r in rows[1:]},
        }
    )
    assert seconds < REGION_TARGET_SECONDS, "target missed: over 60 s"
    assert quality_bound <= quality
    assert (quality - quality_bound) / quality <= REGION_GAP_TARGET, "target missed: gap over 1%"
    for row in rows[1:]:
        assert (left, quality) <= (row["left out"], row["travel+penalties"])


def _optima() -> dict[str, int]:
    # The shared file carries stray carriage returns inside its lines.
    text = (PMEDCAP / "optima.csv").read_bytes().decode("utf-8").replace("\r", "")
    return {row["instance"]: int(row["optimum"]) for row in csv.DictReader(text.splitlines())}


def test_hubs_osman_christofides(benchmark) -> None:
    if not PMEDCAP.is_dir():
        pytest.skip("../shared/benchmarks/pmedcap is not available")
    optima = _optima()

    def run() -> list[dict[str, object]]:
        rows = []
        for name in sorted(optima):
            instance = read_pmedcap(PMEDCAP / "instances" / f"{name}.txt")
            problem = _problem(instance)
            solution = solve_bounded(
                problem, Budget(PMEDCAP_TIME_LIMIT), options=SolveOptions(seed=1, workers=2)
            )
            _check(problem, solution)
            assert solution.objective is not None
            rows.append(
                {
                    "instance": name,
                    "n/p/Q": f"{problem.n}/{instance.medians}/{instance.capacity}",
                    "status": solution.status,
                    "objective": int(solution.objective),
                    "bound": int(solution.bound or 0),
                    "published optimum": optima[name],
                    "gap to optimum %": f"{100 * (solution.objective / optima[name] - 1):.2f}",
                    "seconds": f"{solution.seconds:.1f}",
                }
            )
        return rows

    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    print_table("hubs: capacitated p-median, Osman-Christofides (OR-Library pmedcap1)", rows)
    benchmark.extra_info["instances"] = rows
    for row in rows:
        assert row["objective"] == row["published optimum"], row
        assert float(row["seconds"]) < PMEDCAP_TARGET_SECONDS, row  # type: ignore[arg-type]


def _problem(instance: PMedCapInstance) -> PMedianProblem:
    return PMedianProblem(
        distance=instance.distance(),
        demand=instance.demand,
        capacity=instance.capacity,
        medians=instance.medians,
    )


def _check(problem: PMedianProblem, solution: PMedianSolution) -> None:
    """Every plan through the independent checker."""
    problems = pmedian_problems(problem, solution)
    assert problems == [], problems


def _gap(solution: PMedianSolution) -> str:
    return "" if solution.gap is None else f"{100 * solution.gap:.2f}"


def test_hubs_generated_100_points_10_medians(benchmark) -> None:
    def run() -> list[dict[str, object]]:
        rows = []
        for seed in HUBS_SEEDS:
            instance = generate_pmedcap(points=100, medians=10, seed=seed)
            problem = _problem(instance)
            ours = solve_bounded(
                problem, Budget(HUBS_TIME_LIMIT), options=SolveOptions(seed=1, workers=2)
            )
            _check(problem, ours)
            milp = solve_pmedian_milp(problem, backend="HIGHS", time_limit=HUBS_TIME_LIMIT)
            if milp.objective is not None:
                _check(problem, milp)
            rows.append(
                {
                    "instance": instance.name,
                    "demand / capacity": f"{instance.demand.sum()} / {10 * instance.capacity}",
                    "ours": int(ours.objective or 0),
                    "ours bound": int(ours.bound or 0),
                    "ours gap %": _gap(ours),
                    "ours s": f"{ours.seconds:.1f}",
                    "milp (highs)": "" if milp.objective is None else int(milp.objective),
                    "milp bound": "" if milp.bound is None else int(milp.bound),
                    "milp gap %": _gap(milp),
                    "milp s": f"{milp.seconds:.1f}",
                    "repeatable": ours.repeatable,
                }
            )
        return rows

    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    print_table("hubs: generated 100 points, 10 medians, capacity 120 (seeds 1-10)", rows)
    benchmark.extra_info["instances"] = rows
    for row in rows:
        assert float(row["ours gap %"]) <= 100 * HUBS_GAP_TARGET, row  # type: ignore[arg-type]
        assert float(row["ours s"]) < PMEDCAP_TARGET_SECONDS, row  # type: ignore[arg-type]
