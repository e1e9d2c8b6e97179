"""Where the partition's gap lies: one solve of the 2,000-school region, figures per component.

    PYTHONPATH=. python benchmarks/partition_profile.py [--limit 50] [--seed 1] [--workers 2]
        [--region 1] [--set partition.CUT_SHARE=0.5 ...]

Prints, per component of the region (``solvers.clusters.partition.solve_partition``): its
schools, the work each step used (first pass, cuts, search), the LP bound before and after
the count row and cuts, the plan and the gap it leaves, largest absolute gap first; then the
totals. ``--set module.NAME=VALUE`` overrides a constant of a ``solvers.clusters`` module for
the run (a trial of another setting without editing the code). The clock guard is widened
(as in ``tests/busy.py``) so the figures are what an idle machine gives however busy this
one is: every step is limited by work, and the guard is the only thing that reads the clock.
Not a benchmark (no timing is asserted or kept).
"""

from __future__ import annotations

import argparse
import importlib
import time
from typing import Any

import solvers.clusters.partition as partition
from matcher.synth.cohort import generate_round
from solvers.clusters.encode import encode_clusters
from solvers.engine import budget as budget_module
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

GUARD = 10.0  # times the limit: far past any run, so only work decides


def profile(limit: float, seed: int, workers: int, settings: list[str], region: int = 1) -> None:
    for setting in settings:
        name, value = setting.split("=")
        module, constant = name.rsplit(".", 1)
        target = importlib.import_module(f"solvers.clusters.{module}")
        setattr(target, constant, type(getattr(target, constant))(float(value)))
    # Every component's result (and the work of its steps) as the solve combines them: the
    # lanes may have run in processes of their own.
    results: list[partition.ComponentResult] = []
    combine = partition._combine

    def keep(problem: Any, found: Any, *args: Any, **kw: Any) -> Any:
        results.extend(found)
        return combine(problem, found, *args, **kw)

    partition._combine = keep  # type: ignore[assignment]
    budget_module.CLOCK_GUARD = GUARD
    problem = encode_clusters(generate_round(schools=2000, seed=region))
    started = time.perf_counter()
    budget = Budget(limit)
    solution = partition.solve_partition(
        problem, budget, options=SolveOptions(seed=seed, workers=workers)
    )
    seconds = time.perf_counter() - started
    penalty = partition.LEAVE_OUT_PENALTY

    def gap(result: partition.ComponentResult) -> float:
        return result.objective - result.bound

    print(
        f"{'schools':>7} {'first':>6} {'cuts':>6} {'search':>6} {'uncut':>9} {'bound':>9} "
        f"{'rounds':>6} {'plan':>7} {'gap':>6} {'gap%':>6} status"
    )
    for result in sorted(results, key=lambda r: -gap(r)):
        steps = result.steps
        schools = sum(map(len, result.clusters)) + len(result.left_out)
        plan = result.objective - penalty * len(result.left_out)
        print(
            f"{schools:>7} {steps.first:>6.2f} {steps.cuts:>6.2f} {steps.search:>6.2f} "
            f"{steps.uncut or 0.0:>9.1f} {steps.cut or 0.0:>9.1f} {steps.cut_rounds:>6} "
            f"{plan:>7} {gap(result):>6.0f} {100 * gap(result) / max(1, plan):>6.2f} "
            f"{result.status}"
        )
    left = len(solution.left_out)
    total = solution.objective - penalty * left
    bound = solution.bound - penalty * left
    print(
        f"plan {total:,.0f} bound {bound:,.0f} gap {100 * (total - bound) / total:.2f}% "
        f"work {budget.used:.1f} of {limit} seconds {seconds:.1f} "
        f"repeatable {solution.repeatable}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--region", type=int, default=1, help="generate_round's seed")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE")
    args = parser.parse_args()
    profile(args.limit, args.seed, args.workers, args.set, args.region)


if __name__ == "__main__":
    main()
