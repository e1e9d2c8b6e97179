"""The capacitated p-median solved in five steps, each using what the one before proved.

1. **Bound** (``solvers.clusters.lagrange``): subgradient steps on the Lagrangian relaxation of
   "every point attached once"; a knapsack per candidate median keeps its integrality, so the
   bound is the set-partitioning one, stronger than the compact model's LP that CP-SAT starts
   from (measured in benchmarks/README.md).
2. **Lagrangian heuristic**: every few steps the relaxation's medians are opened and every
   point attached to them (``solvers.clusters.moves.polish``: the flow rounded, then points
   moved under capacity); the best plan so far steers the step size.
3. **Swap search** (``solvers.clusters.swap``): close one median, open a nearby or
   relaxation-cheap point, priced by the transportation problem, then polished; kicked and
   repeated from the best plan while that helps; then the same swaps attached exactly
   (``swap.exact_descent``: CP-SAT, every point free), which polishing misjudges.
4. **Cut bound** (``solvers.clusters.cut_bound``), with a second worker, beside step 3 and
   with its share of the limit: the set-partitioning LP by column generation, with the
   subset-row cuts its solutions break (of three points, at most one cluster holds two),
   priced exactly in the knapsacks. The cuts lift the bound past the set-partitioning one
   where the tree is slowest (gen100x10s7: 1,078 to 1,099-1,102 in 15 s of work alone).
5. **Branch and bound** over the medians (``solvers.clusters.branch``), each node bounded by
   the relaxation with some medians held open or closed: the bound rises past the
   set-partitioning one, best node first, and the tree's relaxations give plans too. It has
   all the work left: a last CP-SAT search on the reduced model, given half of it before,
   raised neither bound nor plan on the generated instances, where the tree alone ended
   higher (gen100x10s1: bound 1,029 against 1,027; pmedcap08: 809 against 797).

Each step stops early once the plan is proven optimal (the rounded-up bound reaches it). The
limit is counted as work throughout (table cells, flow arcs, move cells, CP-SAT's
deterministic time in exact assignments), so the same problem, seed and limit give the same
medians; the steps run on one core, but where ``options.workers`` allows two, the cut bound
runs beside the swap search and exact descent, and the tree bounds a node's two children at
once, each in a forked twin (``solvers.clusters.twin``). Problems the relaxation does not
model (a free number of medians, a floor on each median's load) go to
``solvers.clusters.pmedian.solve_pmedian`` unchanged, with its workers.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from solvers.clusters.assign import transport
from solvers.clusters.branch import branch_and_bound
from solvers.clusters.cut_bound import FoundDuals, cut_bound
from solvers.clusters.lagrange import EPS, Dual, FloatArray, Lagrangian, Relaxed, subgradient
from solvers.clusters.moves import polish
from solvers.clusters.pmedian import PMedianSolution, solve_pmedian
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.clusters.swap import Incumbent, exact_descent, incumbent_of, swap_search
from solvers.clusters.twin import Twin, charge_side_by_side
from solvers.engine.budget import Budget
from solvers.engine.calibration import LAGRANGE_CELLS_PER_SECOND, LAGRANGE_SECONDS_PER_STEP
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions
from solvers.engine.processes import can_fork

# Shares of the limit: the bound (it usually converges well before), then the swap search;
# the branch and bound has the rest, and whatever the steps before it left.
BOUND_SHARE = 0.3
SWAP_SHARE = 0.2
# Of the limit, at most this share for the exact descent after the swap search (its swaps
# attached in CP-SAT, every point free): gen100x10s4 1,076 -> 1,074 (the optimum) in 1.5 s.
EXACT_SHARE = 0.1
# The cut bound's work beside the plan search, as a share of the plan search's; it stops
# where the plan search ended, if that is sooner, so the tree never waits for it.
CUT_SHARE = 1.0
# No bound yet (the cut bound not run).
NO_BOUND = -(10**18)
# Medians of every this many subgradient steps are attached (step 1 always, for a first plan).
HEURISTIC_EVERY = 5
# The tree's nodes bounded by the coupled relaxation (solvers.clusters.coupled). Off: its
# steps cost five times the separate ones for under 1 of bound at the root, and the tree
# with it ended lower in 30 s of work (gen100x10s4: 1,052 against 1,058; benchmarks/README.md).
COUPLED = False
# The tree's nodes pay the cut bound's subset-row cuts at the prices it found (with two
# workers, where the cut bound runs).
TREE_CUTS = True
# The bound's steps solve only the knapsacks the relaxation may open (``Lagrangian(screen=True)``).
SCREEN = True


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
    relax = Lagrangian(problem, screen=SCREEN)
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
    if SCREEN:
        # Every knapsack solved once at the best multipliers, for the arcs they rule out.
        relax = Lagrangian(problem)
        cells, steps = relax.cells, relax.steps
        dual = replace(dual, best=relax.evaluate(dual.best.multipliers))
        share.spend(
            (relax.cells - cells) / LAGRANGE_CELLS_PER_SECOND
            + (relax.steps - steps) * LAGRANGE_SECONDS_PER_STEP
        )
    budget.spend(share.used)
    return relax, dual, best


def solve_bounded(
    problem: PMedianProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
) -> PMedianSolution:
    """Solve a capacitated p-median problem: Lagrangian bound, heuristic plans, then a tree.

    Parameters
    ----------
    problem
        The index-level data; see ``applies`` for what is solved this way.
    budget
        Work for every step (``solvers.engine.budget``).
    options
        The seed (the swap search's kicks, CP-SAT's exact assignments); the workers of
        ``solve_pmedian`` for problems the relaxation does not model.
    """
    if not applies(problem):
        return solve_pmedian(problem, budget, options=options)
    started = time.perf_counter()
    relax, dual, best = _bound_and_plans(problem, budget)
    bound = math.ceil(dual.bound - EPS)
    if best.incumbent is None:  # the relaxation's medians never fitted: CP-SAT alone
        return solve_pmedian(problem, budget, options=options)
    search = _PlanSearch(
        best.incumbent,
        bound,
        np.argsort(dual.best.median_value, kind="stable"),
        budget.part(budget.left * SWAP_SHARE / (1 - BOUND_SHARE)),
        budget.part(budget.seconds * EXACT_SHARE),
        options.seed,
    )
    incumbent, cut = _plans_and_cuts(problem, search, dual, budget, options.workers)
    bound = max(bound, NO_BOUND if cut is None else cut.bound)
    if incumbent.plan.cost <= bound:
        return _solution(problem, incumbent, bound, started, budget)
    tree = branch_and_bound(
        problem,
        relax,
        dual,
        incumbent,
        budget,
        seed=options.seed,
        coupled=COUPLED,
        workers=options.workers,
        cuts=None if cut is None or not TREE_CUTS else cut.duals,
    )
    bound = max(bound, math.ceil(tree.bound - EPS))
    return _solution(problem, tree.incumbent, bound, started, budget)


@dataclass(frozen=True)
class _PlanSearch:
    """The swap search and the exact descent from ``start``: all they depend on."""

    start: Incumbent
    bound: int
    rank: IntArray  # medians by their value in the relaxation, cheapest first
    swap: Budget
    exact: Budget
    seed: int


@dataclass(frozen=True)
class _Searched:
    incumbent: Incumbent
    used: float
    repeatable: bool


def _search_plans(problem: PMedianProblem, search: _PlanSearch) -> _Searched:
    """Steps 3 and 4 of the method (the module's docstring), each stopping at the bound."""
    incumbent = search.start
    if incumbent.plan.cost > search.bound:
        incumbent = swap_search(problem, incumbent, search.swap, rank=search.rank, seed=search.seed)
    if incumbent.plan.cost > search.bound and EXACT_SHARE > 0:
        incumbent = exact_descent(
            problem, incumbent, search.exact, rank=search.rank, seed=search.seed
        )
    used = search.swap.used + search.exact.used
    return _Searched(incumbent, used, search.swap.repeatable and search.exact.repeatable)


@dataclass(frozen=True)
class _CutRequest:
    """The cut bound's start (``solvers.clusters.cut_bound``): a plan's clusters, the
    relaxation's best multipliers, its share of the limit and the plan's value."""

    clusters: list[tuple[int, tuple[int, ...]]]
    multipliers: FloatArray
    budget: Budget
    upper: float


@dataclass(frozen=True)
class _CutFound:
    bound: int
    used: float
    repeatable: bool
    duals: FoundDuals | None = None


def _cut_bound(
    problem: PMedianProblem, request: _CutRequest, until: Callable[[], float | None]
) -> _CutFound:
    found = cut_bound(
        problem,
        request.clusters,
        request.multipliers,
        request.budget,
        upper=request.upper,
        until=until,
    )
    bound = math.ceil(found.bound - EPS) if np.isfinite(found.bound) else NO_BOUND
    return _CutFound(bound, found.used, request.budget.repeatable, found.duals)


def _plans_and_cuts(
    problem: PMedianProblem, search: _PlanSearch, dual: Dual, budget: Budget, workers: int
) -> tuple[Incumbent, _CutFound | None]:
    """The plan search here and, with a second worker, the cut bound in a forked twin at once
    (given the plan search's share); the plan, and the cut bound (``NO_BOUND`` without one).

    The cut bound lifts the bound by its subset-row cuts where the median tree is slowest
    (gen100x10s4 at 30 s: 1,062 to 1,064; with more of the limit 1,065-1,070, and s7 1,096
    to 1,102; benchmarks/README.md); it took the place of the plan search with the next
    seed, worth one unit on one instance (gen100x10s6: 1,071 against 1,072).
    The two run side by side, so the limit is charged the longer one's work.
    """
    if workers < 2 or not can_fork() or search.start.plan.cost <= search.bound:
        here = _search_plans(problem, search)
        budget.spend(here.used)
        return here.incumbent, None
    start = search.start
    clusters = [
        (m, tuple(i for i, at in enumerate(start.plan.median_of) if at == m)) for m in start.medians
    ]
    request = _CutRequest(
        clusters,
        dual.best.multipliers,
        budget.part(CUT_SHARE * (search.swap.seconds + search.exact.seconds)),
        float(start.plan.cost),
    )
    # The plan search's work, once it ends (-1 before): the cut bound stops there, so the tree
    # does not wait for it (pmedcap08 waited: 820 / 814 at 20 s; proven in 13.1 s since).
    ended = multiprocessing.get_context("fork").Value("d", -1.0)

    def until() -> float | None:
        return None if ended.value < 0 else float(ended.value)

    twin: Twin[_CutRequest, _CutFound] = Twin(lambda asked: _cut_bound(problem, asked, until))
    with twin:
        twin.send(request)
        here = _search_plans(problem, search)
        ended.value = here.used
        there = twin.receive()
    charge_side_by_side(budget, here, there)
    return here.incumbent, there


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
