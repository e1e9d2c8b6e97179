"""The capacitated p-median solved in four steps, each using what the one before proved.

1. **Bound** (``solvers.clusters.lagrange``): subgradient steps on the Lagrangian relaxation of
   "every point attached once"; a knapsack per candidate median keeps its integrality, so the
   bound is the set-partitioning one, stronger than the compact model's LP that CP-SAT starts
   from (measured in benchmarks/README.md).
2. **Lagrangian heuristic**: every few steps the relaxation's medians are opened and every
   point attached to them (``solvers.clusters.moves.polish``: the flow rounded, then points
   moved under capacity); the best plan so far steers the step size.
3. **Swap search** (``solvers.clusters.swap``): close one median, open a nearby or
   relaxation-cheap point, priced by the transportation problem before it is attached.
4. **Branch and bound** over the medians (``solvers.clusters.branch``), each node bounded by
   the relaxation with some medians held open or closed: the bound rises past the
   set-partitioning one, best node first, and the tree's relaxations give plans too.
5. **CP-SAT** on the model without the arcs and medians the bound rules out for any plan at
   least as good as the best one (``lagrange.reduced_arcs``), hinted with that plan, its
   objective held at or above the bound.

Each step stops early once the plan is proven optimal (the rounded-up bound reaches it). The
limit is counted as work throughout (table cells, flow arcs, CP-SAT's deterministic time), so
the same problem, seed, workers and limit give the same medians. Problems the relaxation does
not model (a free number of medians, a floor on each median's load) go to
``solvers.clusters.pmedian.solve_pmedian`` unchanged.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from solvers.clusters.assign import transport
from solvers.clusters.branch import branch_and_bound
from solvers.clusters.lagrange import EPS, Dual, Lagrangian, Relaxed, reduced_arcs, subgradient
from solvers.clusters.moves import polish
from solvers.clusters.pmedian import (
    PMedianSolution,
    build_pmedian,
    distance_term,
    solve_pmedian,
    solve_pmedian_model,
)
from solvers.clusters.pmedian_problem import PMedianProblem
from solvers.clusters.swap import Incumbent, incumbent_of, swap_search
from solvers.engine.budget import Budget
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions

# Shares of the limit: the bound (it usually converges well before), then the swap search;
# CP-SAT has the rest, and whatever the steps before it left.
BOUND_SHARE = 0.3
SWAP_SHARE = 0.2
# Share of what is left after the swaps for the branch and bound; CP-SAT has the rest.
TREE_SHARE = 0.5
# Medians of every this many subgradient steps are attached (step 1 always, for a first plan).
HEURISTIC_EVERY = 5


def applies(problem: PMedianProblem) -> bool:
    """Whether the relaxation models the problem: a fixed number of medians, no load floor."""
    return problem.medians is not None and problem.min_load == 0


@dataclass
class _Best:
    """The incumbent during the bound's steps, and every set of medians already attached."""

    incumbent: Incumbent | None = None
    tried: set[frozenset[int]] | None = None

    @property
    def cost(self) -> float:
        return math.inf if self.incumbent is None else float(self.incumbent.plan.cost)


def _bound_and_plans(problem: PMedianProblem, budget: Budget) -> tuple[Lagrangian, Dual, _Best]:
    relax = Lagrangian(problem)
    best = _Best(tried=set())
    share = budget.part(budget.left * BOUND_SHARE)

    def on_relaxed(relaxed: Relaxed, iteration: int) -> None:
        if iteration % HEURISTIC_EVERY != 1:
            return
        medians = tuple(sorted(relaxed.chosen.tolist()))
        assert best.tried is not None
        if frozenset(medians) in best.tried:
            return
        best.tried.add(frozenset(medians))
        flow = transport(problem, list(medians), share)
        if flow is None or flow.cost >= best.cost:  # cannot beat the best plan: not attached
            return
        plan = polish(problem, list(medians), share)
        if plan is not None and plan.cost < best.cost:
            best.incumbent = incumbent_of(plan)

    dual = subgradient(relax, share, upper=lambda: best.cost, on_relaxed=on_relaxed)
    budget.spend(share.used)
    return relax, dual, best


def solve_bounded(
    problem: PMedianProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
) -> PMedianSolution:
    """Solve a capacitated p-median problem: Lagrangian bound, heuristic plans, then CP-SAT.

    Parameters
    ----------
    problem
        The index-level data; see ``applies`` for what is solved this way.
    budget
        Work for every step (``solvers.engine.budget``).
    options
        The seed, and the CP-SAT searches run side by side in the last step.
    """
    if not applies(problem):
        return solve_pmedian(problem, budget, options=options)
    started = time.perf_counter()
    relax, dual, best = _bound_and_plans(problem, budget)
    bound = math.ceil(dual.bound - EPS)
    if best.incumbent is None:  # the relaxation's medians never fitted: CP-SAT alone
        return solve_pmedian(problem, budget, options=options)
    incumbent = best.incumbent
    if incumbent.plan.cost > bound:
        rank = np.argsort(dual.best.median_value, kind="stable")
        share = budget.part(budget.left * SWAP_SHARE / (1 - BOUND_SHARE))
        incumbent = swap_search(problem, incumbent, share, rank=rank, seed=options.seed)
        budget.spend(share.used)
    if incumbent.plan.cost <= bound:
        return _solution(problem, incumbent, bound, started, budget)
    share = budget.part(budget.left * TREE_SHARE)
    tree = branch_and_bound(problem, relax, dual, incumbent, share, seed=options.seed)
    budget.spend(share.used)
    bound = max(bound, math.ceil(tree.bound - EPS))
    if tree.closed or tree.incumbent.plan.cost <= bound:
        return _solution(problem, tree.incumbent, bound, started, budget)
    return _search(problem, relax, dual, tree.incumbent, budget, options, started, bound)


def _search(
    problem: PMedianProblem,
    relax: Lagrangian,
    dual: Dual,
    incumbent: Incumbent,
    budget: Budget,
    options: SolveOptions,
    started: float,
    bound: int,
) -> PMedianSolution:
    """CP-SAT on the arcs the bound leaves, hinted with ``incumbent``, held above ``bound``."""
    allowed, may_open = reduced_arcs(relax, dual.best, float(incumbent.plan.cost))
    if problem.allowed is not None:
        allowed &= problem.allowed
    model = build_pmedian(replace(problem, allowed=allowed))
    for j, var in model.open.items():
        if not may_open[j]:
            model.model.add(var == 0)
    total = distance_term(model)
    if problem.leave_out_penalty is not None:
        total += problem.leave_out_penalty * sum(model.left.values())
    model.model.add(total >= bound)
    hint = {i: j for i, j in enumerate(incumbent.plan.median_of) if j >= 0}
    searched = solve_pmedian_model(model, budget, options=options, hint=hint, prove=True)
    found_bound = max(bound, int(searched.bound or 0))
    if searched.objective is not None and searched.objective < incumbent.plan.cost:
        return replace(
            searched,
            bound=float(min(found_bound, searched.objective)),
            status="OPTIMAL" if found_bound >= searched.objective else "FEASIBLE",
            seconds=time.perf_counter() - started,
        )
    return _solution(problem, incumbent, found_bound, started, budget)


def _solution(
    problem: PMedianProblem, incumbent: Incumbent, bound: int, started: float, budget: Budget
) -> PMedianSolution:
    cost = incumbent.plan.cost
    return PMedianSolution(
        status="OPTIMAL" if bound >= cost else "FEASIBLE",
        medians=incumbent.medians,
        median_of=incumbent.plan.median_of,
        objective=float(cost),
        bound=float(min(bound, cost)),
        seconds=time.perf_counter() - started,
        repeatable=budget.repeatable,
    )
