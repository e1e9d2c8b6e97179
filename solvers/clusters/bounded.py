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
4. **Cut bound** (``solvers.clusters.cut_bound``), with a second worker: the
   set-partitioning LP by column generation, with the subset-row cuts its solutions break
   (of three points, at most one cluster holds two), priced exactly in the knapsacks. The
   cuts lift the bound past the set-partitioning one where the plain tree is slowest
   (gen100x10s7: 1,078 to 1,107 in some 8 s of work).
5. **Branch and bound** over the medians (``solvers.clusters.branch``), each node bounded by
   the relaxation with some medians held open or closed: the bound rises past the
   set-partitioning one, best node first, and the tree's relaxations give plans too. With a
   second worker there are two trees, one per core (``_two_sides``): here after the plan
   search, and in a forked twin after the cut bound, its nodes paying the cut bound's cuts
   at the prices it ended with. A last CP-SAT search on the reduced model, given half of the
   tree's work before, raised neither bound nor plan on the generated instances, where the
   tree alone ended higher (gen100x10s1: bound 1,029 against 1,027; pmedcap08: 809 against
   797).

Each step stops early once the plan is proven optimal (the rounded-up bound reaches it). The
limit is counted as work throughout (table cells, flow arcs, move cells, CP-SAT's
deterministic time in exact assignments), so the same problem, seed and limit give the same
medians; the steps run on one core, but where ``options.workers`` allows two, the cut bound
and its tree run beside the swap search, the exact descent and the plain tree, in a forked
twin (``solvers.clusters.twin``), and a side that proves the plan optimal stops the other.
Problems the relaxation does not model (a free number of medians, a floor on each median's
load) go to ``solvers.clusters.pmedian.solve_pmedian`` unchanged, with its workers.
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
from solvers.clusters.cut_bound import cut_bound
from solvers.clusters.lagrange import (
    EPS,
    Dual,
    FloatArray,
    Lagrangian,
    Pace,
    Relaxed,
    subgradient,
)
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
# No bound yet (the cut bound not run).
NO_BOUND = -(10**18)
# Medians of every this many subgradient steps are attached (step 1 always, for a first plan).
HEURISTIC_EVERY = 5
# The plain tree's steps at each child beside the cut bound's side, which proves most of the
# bound there: fewer than alone (``branch.NODE_PACE``, 25 steps), for more nodes and so more
# plans from their relaxations (gen200x20s2: 1,486 to 1,481, s4: 1,448 to 1,442; the
# generated 100-point instances unchanged; benchmarks/README.md).
BESIDE_CUTS_PACE = Pace(first_step=1.0, stall=3, most=10)
# The tree's nodes bounded by the coupled relaxation (solvers.clusters.coupled). Off: its
# steps cost five times the separate ones for under 1 of bound at the root, and the tree
# with it ended lower in 30 s of work (gen100x10s4: 1,052 against 1,058; benchmarks/README.md).
COUPLED = False
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
    if options.workers >= 2 and can_fork() and search.start.plan.cost > search.bound:
        incumbent, bound = _two_sides(problem, relax, dual, search, budget)
        return _solution(problem, incumbent, bound, started, budget)
    here = _search_plans(problem, search)
    budget.spend(here.used)
    if here.incumbent.plan.cost <= bound:
        return _solution(problem, here.incumbent, bound, started, budget)
    tree = branch_and_bound(
        problem,
        relax,
        dual,
        here.incumbent,
        budget,
        seed=options.seed,
        coupled=COUPLED,
        workers=options.workers,
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
class _Side:
    """One side's outcome: its plan (None: it had none of its own), its bound, its work."""

    incumbent: Incumbent | None
    bound: int
    used: float
    repeatable: bool


def _cut_side(
    problem: PMedianProblem,
    relax: Lagrangian,
    dual: Dual,
    request: _CutRequest,
    seed: int,
    plan_of: Callable[[], Incumbent],
    settled: Callable[[], bool],
    proved: Callable[[], None],
) -> _Side:
    """The twin's side: the cut bound until it converges, then the tree whose nodes pay its
    cuts, from the plan search's plan (``plan_of`` waits for it), with the work left; both
    end early once ``settled`` (a side proved the plan search's plan, or the other side its
    own). Calls ``proved`` where it proves the plan search's plan optimal."""
    budget = request.budget
    found = cut_bound(
        problem,
        request.clusters,
        request.multipliers,
        budget,
        upper=request.upper,
        until=lambda: budget.used if settled() else None,
    )
    bound = math.ceil(found.bound - EPS) if np.isfinite(found.bound) else NO_BOUND
    incumbent = plan_of()
    if incumbent.plan.cost <= bound:
        proved()
    if incumbent.plan.cost <= bound or found.duals is None or settled() or budget.exhausted():
        return _Side(None, bound, budget.used, budget.repeatable)
    tree = branch_and_bound(
        problem, relax, dual, incumbent, budget, seed=seed, cuts=found.duals, stop=settled
    )
    bound = max(bound, math.ceil(tree.bound - EPS))
    if tree.incumbent == incumbent and incumbent.plan.cost <= bound:
        proved()
    return _Side(tree.incumbent, bound, budget.used, budget.repeatable)


def _two_sides(
    problem: PMedianProblem, relax: Lagrangian, dual: Dual, search: _PlanSearch, budget: Budget
) -> tuple[Incumbent, int]:
    """Two processes, one per core, each with all the work left: here the plan search, then
    the median tree; in a forked twin the cut bound (``solvers.clusters.cut_bound``) until it
    converges, then the tree whose nodes pay its cuts. The best plan and bound of the two.

    Their trees differ in what a node costs: one paying the cuts searches some 85 clusters a
    step, six plain steps' work, for a root lifted most where the plain tree is slowest
    (gen100x10s7: 1,078 to 1,107 at the cut bound, where the plain tree ends at 1,099; s1:
    1,018 to 1,036 with the cut bound's work to converge; benchmarks/README.md). The twin
    starts its tree from the plan search's plan, sent once that ends, so what it proves does
    not depend on which side is faster.
    """
    start = search.start
    clusters = [
        (m, tuple(i for i, at in enumerate(start.plan.median_of) if at == m)) for m in start.medians
    ]
    request = _CutRequest(
        clusters, dual.best.multipliers, budget.part(budget.left), float(start.plan.cost)
    )
    theirs, ours = multiprocessing.get_context("fork").Pipe(duplex=False)

    def plan_of() -> Incumbent:
        plan: Incumbent = theirs.recv()
        return plan

    # 1 once this side proves its plan optimal, 2 once the twin proves the plan search's: the
    # answer is then this side's plan either way (a tree keeps its plan unless one is strictly
    # better, and none is), so the other side stops and whatever it had is not read.
    done = multiprocessing.get_context("fork").Value("b", 0)

    def settled() -> bool:
        return bool(done.value)

    def proved_by(side: int) -> Callable[[], None]:
        def mark() -> None:
            with done.get_lock():
                done.value = done.value or side

        return mark

    twin: Twin[_CutRequest, _Side] = Twin(
        lambda asked: _cut_side(
            problem, relax, dual, asked, search.seed, plan_of, settled, proved_by(2)
        )
    )
    with twin:
        twin.send(request)
        searched = _search_plans(problem, search)
        incumbent, bound = searched.incumbent, search.bound
        if incumbent.plan.cost <= bound:
            proved_by(1)()
        ours.send(incumbent)
        share = budget.part(budget.left)
        share.spend(searched.used)
        if incumbent.plan.cost > bound and not settled():
            tree = branch_and_bound(
                problem,
                relax,
                dual,
                incumbent,
                share,
                seed=search.seed,
                stop=settled,
                node_pace=BESIDE_CUTS_PACE,
            )
            incumbent, bound = tree.incumbent, max(bound, math.ceil(tree.bound - EPS))
            if incumbent.plan.cost <= bound:
                proved_by(1)()
        here = _Side(incumbent, bound, share.used, share.repeatable)
        there = twin.receive()
    theirs.close()
    ours.close()
    if done.value:
        # The plan is this side's, proven: the bound is its value.
        budget.spend(max(here.used, there.used))
        if not (here.repeatable and there.repeatable):
            budget.trip()
        return incumbent, int(incumbent.plan.cost)
    charge_side_by_side(budget, here, there)
    best = incumbent
    if there.incumbent is not None and there.incumbent.plan.cost < best.plan.cost:
        best = there.incumbent
    return best, max(bound, there.bound)


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
