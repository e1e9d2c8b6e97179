"""`matcher bench`: reference instances and generated cohorts, with peers measured in one run.

Every suite returns rows (one per instance) that ``matcher.bench.results`` writes as a
markdown table, CSV and JSON; the CLI prints the table.
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matcher.bench.orlib import GapInstance, read_gap, read_optima
from matcher.bench.pmedcap import PMedCapInstance
from matcher.model import Weights
from solvers.baselines import solve_linear
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.engine.result import quality_gap
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.greedy import BaselineResult, greedy
from solvers.matching.objective import term_values
from solvers.matching.strategy import solve_matching

# Every job must be placed: a penalty above any possible total cost makes that come first.
GAP_UNPLACED_PENALTY = 10_000_000


@dataclass
class BenchRow:
    """One instance: ours, the best known value, and the peers measured in the same run."""

    suite: str
    instance: str
    size: str
    status: str
    objective: float | None
    bound: float | None
    best_known: float | None
    seconds: float
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def gap_to_best(self) -> float | None:
        """Relative distance of our objective above the best known value (0.0 = equal)."""
        if self.objective is None or self.best_known is None:
            return None
        return (self.objective - self.best_known) / max(abs(self.best_known), 1.0)

    def as_dict(self) -> dict[str, object]:
        return {
            "suite": self.suite,
            "instance": self.instance,
            "size": self.size,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "best_known": self.best_known,
            "gap_to_best_pct": None if self.gap_to_best is None else 100 * self.gap_to_best,
            "seconds": round(self.seconds, 3),
            **self.extra,
        }


def gap_problem(instance: GapInstance) -> MatchingProblem:
    """A GAP instance as the product's own matching problem.

    Agents are reviewers (each at a school of its own, capacity = max_days), jobs are projects
    needing exactly one reviewer, the resource a job takes is the pair's days and its cost the
    pair's travel cost; every other term is switched off.
    """
    m, n = instance.agents, instance.jobs
    agents = np.repeat(np.arange(m, dtype=np.int64), n)
    jobs = np.tile(np.arange(n, dtype=np.int64), m)
    never = np.zeros(m, dtype=np.bool_)
    return MatchingProblem(
        staff_ids=tuple(f"agent{i}" for i in range(m)),
        project_ids=tuple(f"job{j}" for j in range(n)),
        school_ids=tuple(f"school{i}" for i in range(m + 1)),
        staff_school=np.arange(m, dtype=np.int64),
        staff_max_days=instance.capacity.astype(np.int64),
        staff_is_sle=never,
        staff_is_lead=never,
        sle_days_used=np.zeros(m, dtype=np.int64),
        sle_allowance=0,
        project_host=np.full(n, m, dtype=np.int64),  # every job at one extra, staff-less school
        project_min=np.ones(n, dtype=np.int64),
        project_max=np.ones(n, dtype=np.int64),
        project_needs_lead=np.zeros(n, dtype=np.bool_),
        project_needs_sle=np.zeros(n, dtype=np.bool_),
        school_release=np.full(m + 1, int(instance.resource.sum()), dtype=np.int64),
        pair_staff=agents,
        pair_project=jobs,
        pair_days=instance.resource.reshape(-1),
        pair_travel=instance.cost.reshape(-1),
        pair_fit=np.zeros(m * n, dtype=np.int64),
        pair_preference=np.zeros(m * n, dtype=np.int64),
        weights=Weights(
            unstaffed=GAP_UNPLACED_PENALTY,
            expertise=0,
            preference=0,
            travel=1,
            sle_balance=0,
            give_take=0,
        ),
        no_direct_swap=False,
    )


def _cost(value: float | None) -> float | None:
    """A GAP objective (total cost), or None when some job was left unplaced."""
    return value if value is not None and value < GAP_UNPLACED_PENALTY else None


def _published(path: Path, column: str) -> dict[str, int | None]:
    """The optima.csv beside (or above) a reference file, by instance; empty if none."""
    optima_file = _find_upwards(path, "optima.csv")
    return read_optima(optima_file, column) if optima_file else {}


def bench_gap(
    paths: Iterable[Path],
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    """Solve GAP files with the product's matching model; MILP, LP bound and greedy beside it."""
    rows = []
    for path in paths:
        optima = _published(path, "optimum_min")
        instance = read_gap(path)
        problem = gap_problem(instance)
        if progress:
            progress(f"gap {instance.name}: {instance.agents} agents x {instance.jobs} jobs")
        options = SolveOptions(seed=seed, workers=workers)
        ours = solve_matching(problem, Budget(time_limit), options=options).result
        milp = solve_linear(problem, backend="SCIP", time_limit=time_limit, gap_limit=1e-4)
        lp = solve_linear(problem, relax=True, time_limit=time_limit)
        by_hand = greedy(problem)
        objective = _cost(ours.objective)
        rows.append(
            BenchRow(
                suite="gap",
                instance=instance.name,
                size=f"{instance.agents}x{instance.jobs}",
                status=ours.status if objective is not None else "INCOMPLETE",
                objective=objective,
                bound=_cost(ours.bound),
                best_known=optima.get(instance.name),
                seconds=ours.seconds,
                extra={
                    "lp_bound": None if lp.objective is None else round(lp.objective, 2),
                    "milp_objective": _cost(milp.objective),
                    "milp_seconds": round(milp.seconds, 3),
                    "greedy_objective": _cost(by_hand.objective),
                    # Greedy leaves jobs unplaced on tight instances; its cost is then blank,
                    # and this says why.
                    "greedy_unplaced": term_values(problem, by_hand.chosen)["unstaffed"],
                },
            )
        )
    return rows


def bench_pmedcap(
    paths: Iterable[Path],
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    """Capacitated p-median files (hub clusters) against their published optima."""
    from matcher.bench.pmedcap import read_pmedcap

    rows = []
    for path in paths:
        optima = _published(path, "optimum")
        instance = read_pmedcap(path)
        best = optima.get(path.stem, optima.get(path.name))
        row = _bench_hub_instance(
            instance, time_limit=time_limit, workers=workers, seed=seed, progress=progress
        )
        row.instance = path.stem
        row.best_known = best if best is not None else instance.best
        rows.append(row)
    return rows


def bench_hubs_generated(
    seeds: Iterable[int],
    *,
    points: int,
    medians: int,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    """Generated p-median instances of the published shape (``matcher.bench.pmedgen``)."""
    from matcher.bench.pmedgen import generate_pmedcap

    return [
        _bench_hub_instance(
            generate_pmedcap(points=points, medians=medians, seed=instance_seed),
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            progress=progress,
        )
        for instance_seed in seeds
    ]


def _bench_hub_instance(
    instance: PMedCapInstance,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    progress: Callable[[str], None] | None,
) -> BenchRow:
    """Ours (``solvers.clusters.bounded``) and the plain MILP (HiGHS), the same limit, each
    plan through the independent checker."""
    from matcher.bench.pmedian_check import pmedian_problems
    from solvers.baselines_hubs import solve_pmedian_milp
    from solvers.clusters.bounded import solve_bounded
    from solvers.clusters.pmedian import PMedianProblem

    if progress:
        progress(f"hubs {instance.name}: {len(instance.demand)} points, p={instance.medians}")
    problem = PMedianProblem(
        distance=instance.distance(),
        demand=instance.demand,
        capacity=instance.capacity,
        medians=instance.medians,
    )
    ours = solve_bounded(
        problem, Budget(time_limit), options=SolveOptions(seed=seed, workers=workers)
    )
    milp = solve_pmedian_milp(problem, backend="HIGHS", time_limit=time_limit)
    checks = [
        pmedian_problems(problem, solution)
        for solution in (ours, milp)
        if solution.objective is not None
    ]
    return BenchRow(
        suite="pmedcap",
        instance=instance.name,
        size=f"{problem.n}/{instance.medians}/{instance.capacity}",
        status=ours.status,
        objective=ours.objective,
        bound=ours.bound,
        best_known=instance.best,
        seconds=ours.seconds,
        extra={
            "gap_pct": None if ours.gap is None else round(100 * ours.gap, 2),
            "repeatable": ours.repeatable,
            "milp_objective": milp.objective,
            "milp_bound": milp.bound,
            "milp_gap_pct": None if milp.gap is None else round(100 * milp.gap, 2),
            "milp_seconds": round(milp.seconds, 2),
            "checked": all(not found for found in checks),
        },
    )


def _find_upwards(path: Path, name: str) -> Path | None:
    for folder in [path.parent, *path.parents]:
        candidate = folder / name
        if candidate.exists():
            return candidate
    return None


def bench_cohorts(
    sizes: Iterable[tuple[str, int]],
    *,
    time_limit: float,
    seed: int = 1,
    workers: int = 1,
    gap_limit: float = 0.01,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    """Generate, write, validate, match and date each cohort in a fresh process (peak memory)."""
    context = multiprocessing.get_context("spawn")
    rows = []
    for name, schools in sizes:
        if progress:
            progress(f"cohort {name}: {schools} schools")
        with context.Pool(1) as pool:
            row = pool.apply(_run_cohort, (name, schools, time_limit, seed, workers, gap_limit))
        rows.append(row)
    return rows


def _run_cohort(
    name: str, schools: int, time_limit: float, seed: int, workers: int, gap_limit: float
) -> BenchRow:
    from matcher.io import load_round
    from matcher.io.write import write_round
    from matcher.pipeline import plan
    from matcher.synth.cohort import generate_round

    generated = generate_round(schools=schools, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        write_round(generated, folder)
        started = time.perf_counter()
        round_ = load_round(folder)
        validate_seconds = time.perf_counter() - started
    # The matching step alone, against its peers on the very same problem data.
    problem = encode(round_)
    options = SolveOptions(seed=seed, workers=workers, gap_limit=gap_limit)
    matching = solve_matching(problem, Budget(time_limit), options=options).result
    by_hand = greedy(problem)
    # Time to the same quality: the MILP stops once it has proven a plan as close to the
    # optimum as ours was proven to be (the same absolute gap), within the same time limit.
    proven = (
        None
        if matching.objective is None or matching.bound is None
        else max(1.0, matching.objective - matching.bound)
    )
    milp = solve_linear(
        problem, backend="SCIP", time_limit=time_limit, gap_limit=1e-4, absolute_gap=proven
    )
    # Then the whole job as a user runs it: match, date, feed back, verify.
    started = time.perf_counter()
    outcome = plan(round_, time_limit=time_limit, seed=seed, workers=workers, gap_limit=gap_limit)
    plan_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    visits = sum(1 for e in outcome.schedule.events if e.kind == "visit")
    return BenchRow(
        suite="cohort",
        instance=name,
        size=f"{len(round_.schools)} schools, {len(round_.staff)} staff, "
        f"{len(round_.projects)} projects",
        status=matching.status,
        objective=matching.objective,
        bound=matching.bound,
        best_known=None,
        seconds=validate_seconds + plan_seconds,
        extra={
            "schools": len(round_.schools),
            "gap_pct": None if matching.gap is None else round(100 * matching.gap, 3),
            "validate_seconds": round(validate_seconds, 2),
            "match_seconds": round(matching.seconds, 2),
            "plan_seconds": round(plan_seconds, 2),
            "feedback_rounds": outcome.feedback_rounds,
            "plan_gap_pct": None
            if outcome.matching.result.gap is None
            else round(100 * outcome.matching.result.gap, 3),
            "visit_days": visits,
            "projects_staffed": len({a.project_id for a in outcome.plan.assignments}),
            "peak_mb": round(peak_mb),
            "greedy_objective": by_hand.objective,
            "milp_objective": milp.objective,
            "milp_status": milp.status,
            "milp_seconds": round(milp.seconds, 2),
            "milp_gap_pct": _quality_gap_pct(problem, milp),
            "ours_over_milp_time": round(matching.seconds / max(milp.seconds, 1e-3), 2),
        },
    )


def _quality_gap_pct(problem: MatchingProblem, result: BaselineResult) -> float | None:
    """A baseline's proven gap on the quality terms, as ours is measured (solvers.engine.watch)."""
    if result.objective is None or result.bound is None:
        return None
    fixed_penalty = problem.weights.unstaffed * term_values(problem, result.chosen)["unstaffed"]
    return round(100 * quality_gap(result.objective, result.bound, fixed_penalty), 3)
