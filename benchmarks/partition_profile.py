"""Where the partition's gap lies: one solve of the 2,000-school region, figures per component.

    PYTHONPATH=. python benchmarks/partition_profile.py [--limit 50] [--seed 1] [--workers 2]
        [--set partition.CUT_SHARE=0.5 ...]

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
from dataclasses import dataclass
from typing import Any

import solvers.clusters.partition as partition
from matcher.synth.cohort import generate_round
from solvers.clusters.encode import encode_clusters
from solvers.engine import budget as budget_module
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

GUARD = 10.0  # times the limit: far past any run, so only work decides


@dataclass
class _Row:
    schools: int
    first: float = 0.0
    cuts: float = 0.0
    search: float = 0.0
    uncut: float = 0.0
    bound: float = 0.0
    cut_rounds: int = 0
    plan: int = 0
    final_bound: float = 0.0
    status: str = "overtime"


def _key(comp: Any) -> int:
    return int(comp.schools[0])


def profile(limit: float, seed: int, workers: int, settings: list[str]) -> None:
    for setting in settings:
        name, value = setting.split("=")
        module, constant = name.rsplit(".", 1)
        target = importlib.import_module(f"solvers.clusters.{module}")
        setattr(target, constant, type(getattr(target, constant))(float(value)))
    rows: dict[int, _Row] = {}
    first_pass, strengthen, second_pass, component_result = (
        partition._first_pass,
        partition._strengthen,
        partition._second_pass,
        partition._component_result,
    )

    def first(comp: Any, budget: Budget, **kw: Any) -> Any:
        work = first_pass(comp, budget, **kw)
        row = rows.setdefault(_key(comp), _Row(comp.size))
        row.first = budget.used
        if work.lp is not None:
            row.uncut = row.bound = work.lp.bound
        return work

    def cut(work: Any, budget: Budget, *args: Any, **kw: Any) -> Any:
        out = strengthen(work, budget, *args, **kw)
        row = rows[_key(work.comp)]
        row.cuts += budget.used
        if work.lp is not None:
            row.bound = work.lp.bound
        if work.generation is not None:
            row.cut_rounds = work.generation.cut_rounds
        return out

    def second(work: Any, budget: Budget, **kw: Any) -> Any:
        result = second_pass(work, budget, **kw)
        rows[_key(work.comp)].search = budget.used
        return result

    def settle(comp: Any, *args: Any, **kw: Any) -> Any:
        # Solved or not (overtime), every component's result is made here.
        result = component_result(comp, *args, **kw)
        row = rows[_key(comp)]
        row.status = result.status
        left = len(result.left_out)
        row.plan = result.objective - partition.LEAVE_OUT_PENALTY * left
        row.final_bound = result.bound - partition.LEAVE_OUT_PENALTY * left
        return result

    partition._first_pass = first  # type: ignore[assignment]
    partition._strengthen = cut  # type: ignore[assignment]
    partition._second_pass = second  # type: ignore[assignment]
    partition._component_result = settle  # type: ignore[assignment]
    budget_module.CLOCK_GUARD = GUARD
    problem = encode_clusters(generate_round(schools=2000, seed=1))
    started = time.perf_counter()
    budget = Budget(limit)
    solution = partition.solve_partition(
        problem, budget, options=SolveOptions(seed=seed, workers=workers)
    )
    seconds = time.perf_counter() - started
    ranked = sorted(rows.items(), key=lambda kv: -(kv[1].plan - kv[1].final_bound))
    print(
        f"{'schools':>7} {'first':>6} {'cuts':>6} {'search':>6} {'uncut':>9} {'bound':>9} "
        f"{'rounds':>6} {'plan':>7} {'gap':>6} {'gap%':>6} status"
    )
    for _, row in ranked:
        gap = row.plan - row.final_bound
        print(
            f"{row.schools:>7} {row.first:>6.2f} {row.cuts:>6.2f} {row.search:>6.2f} "
            f"{row.uncut:>9.1f} {row.bound:>9.1f} {row.cut_rounds:>6} {row.plan:>7} "
            f"{gap:>6.0f} {100 * gap / max(1, row.plan):>6.2f} {row.status}"
        )
    left = len(solution.left_out)
    plan = solution.objective - partition.LEAVE_OUT_PENALTY * left
    bound = solution.bound - partition.LEAVE_OUT_PENALTY * left
    print(
        f"plan {plan:,.0f} bound {bound:,.0f} gap {100 * (plan - bound) / plan:.2f}% "
        f"work {budget.used:.1f} of {limit} seconds {seconds:.1f} "
        f"repeatable {solution.repeatable}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE")
    args = parser.parse_args()
    profile(args.limit, args.seed, args.workers, args.set)


if __name__ == "__main__":
    main()
