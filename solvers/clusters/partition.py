"""Partition a region's schools into peer-review clusters: networkx, column generation, CP-SAT.

1. ``school_graph`` (networkx): an edge where two schools may share a cluster. Schools in no
   clique of ``min_size`` cannot be clustered at all; they are set aside (and explained by
   ``solvers.clusters.explain``). The rest split into connected components, each solved on
   its own. With several workers they are dealt to as many lanes, each a process of its own
   (``solvers.engine.processes``: the first pass and the cuts are Python, which threads
   cannot run side by side); each lane does steps 2 and 3 for its components with all the
   work left, one worker each.
2. Per component, first pass: a starting partition from networkx (Louvain communities cut to
   size, and a plain greedy; ``solvers.clusters.start``), then column generation on the
   set-partitioning LP (``solvers.clusters.lp``), which proves a lower bound and yields a pool
   of promising clusters. CP-SAT checks whether the pool can leave out fewer schools than the
   start did.
3. Second pass, with the work left: CP-SAT picks one cluster or "left out" per school from
   the pool, hinted with the best plan so far, the number left out held fixed. Small
   components are searched to a proof; large ones by CP-SAT's large-neighbourhood search,
   which finds good plans of hundreds of schools far sooner, hinted with a plan rounded from
   the LP (``solvers.clusters.rounding``): its whole clusters kept, the rest searched to a
   proof. A large component whose rounded plan is within ``LNS_GAP`` of its bound is not
   searched at all.

The time limit is counted as work, never read off the clock (``solvers.clusters.work``): the
same input, seed, workers and limit give the same clusters on a busy machine as on an idle
one, and ``PartitionSolution.repeatable`` says whether the clock guard had to step in.

The gap is measured against the LP bound, so it speaks about every possible cluster, not only
the pool. With ``objective = "worst"`` CP-SAT first minimises the longest journey inside any
cluster and then, holding that, the total; the bound is then on the longest journey (see
``worst_journey_bound``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
from ortools.sat.python import cp_model

from solvers.clusters.component import Component, build_component
from solvers.clusters.encode import ClusterProblem
from solvers.clusters.exchange import exchange
from solvers.clusters.lp import ColumnGeneration, ColumnPool, LpBound
from solvers.clusters.pricing import MAX_PARTIALS, price_columns
from solvers.clusters.regroup import regroup
from solvers.clusters.rounding import rounded_plan
from solvers.clusters.rules import school_graph
from solvers.clusters.start import Cluster, clique_with, start_partition
from solvers.clusters.work import LNS_GAP, Searched, pricing_seconds, search_cover
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    BOUND_SHARE,
    COLUMNS_ADDED_PER_SECOND,
    COVER_COLUMNS_PER_SECOND,
    CUT_ROUNDS,
    CUT_SHARE,
    EXCHANGE_SHARE,
    FEWER_SHARE,
    GRAPH_PAIRS_PER_SECOND,
    MIN_FEWER_SECONDS,
    MIN_FIRST_SECONDS,
    PARTITION_MIN_SEARCH_SECONDS as MIN_SEARCH_SECONDS,
    PROVE_SHARE,
    REGROUP_SHARE,
    ROUND_SHARE,
    START_CELLS_PER_SECOND,
    SUPPORT_SHARE,
)
from solvers.engine.lanes import lanes_of
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions
from solvers.engine.processes import can_fork, in_processes

# Penalty per school left out in the summary's objective: above any cluster's price, so that
# fewer schools left out always reads as better.
LEAVE_OUT_PENALTY = 100_000
# After the LP, clusters within WIDEN_THRESHOLD minutes of reduced cost join the pool (at most
# WIDEN_PER_ANCHOR per school): near-cheapest columns the LP did not need may suit the plan.
WIDEN_THRESHOLD = 10.0
WIDEN_PER_ANCHOR = 12
# With the staffing terms the pricing prunes on travel alone, so the widening (a heuristic,
# not a proof) keeps fewer partial clusters: one call of 50,000 per anchor took minutes on
# the 300-school cohort with clusters of up to six.
WIDEN_PARTIALS_STAFFED = 2_000
# Components up to this many schools are searched to a proof; larger ones by CP-SAT's LNS.
PROVE_UP_TO = 80
# The search's shares (``_search_weight``): by size times the plan's gap to its bound, so a
# middling component whose rounded plan is 6% off is not left 1.6 s while a larger one within
# 0.2% gets 6 s (2,000-school regions 1 / 2 / 3 at limit 50, solve seed 1: 0.65 / 1.20 /
# 0.98% by size alone, 0.60 / 1.03 / 1.05% so; solve seed 2, regions 2 / 3: 1.30 / 1.76% and
# 0.92 / 1.38%; benchmarks/README.md).
SEARCH_GAP_FLOOR = 0.002
SEARCH_GAP_CEILING = 0.05
# A proof over every cluster is tried when the clusters that could beat the plan are this few
# (found with at most PROOF_PARTIALS partial clusters per school).
PROOF_COLUMNS = 30_000
PROOF_PARTIALS = 20_000
# Components searched by LNS up to this many schools first have a tree search over the
# clusters their last LP solution uses (``_support_plan``, with ``SUPPORT_SHARE`` of their
# search's work): on the 2,000-school region it proves the 94-school component optimal, where
# the LNS alone stayed 12 to 24 over; on the larger ones the work it took cost the LNS more
# than the hint gave (benchmarks/README.md).
SUPPORT_UP_TO = 160
# Starting partitions tried (solvers.clusters.start); the better one hints CP-SAT.
START_METHODS = ("louvain", "greedy")


@dataclass(frozen=True)
class ComponentSteps:
    """The work each step of one component used (nominal seconds) and its bound after the
    first pass and after the cuts (None: no LP bound), for reports."""

    first: float = 0.0
    cuts: float = 0.0
    search: float = 0.0
    uncut: float | None = None
    cut: float | None = None
    cut_rounds: int = 0


@dataclass(frozen=True)
class ComponentResult:
    """The clusters chosen in one component (global school indices) and how good they are."""

    clusters: tuple[Cluster, ...]
    left_out: tuple[int, ...]
    objective: int  # in the units of PartitionSolution.objective
    bound: float
    start_objective: int
    status: str
    columns: int
    steps: ComponentSteps = ComponentSteps()


@dataclass(frozen=True)
class PartitionSolution:
    """Clusters of the whole region, in global school indices, and the proof of quality.

    ``objective`` and ``bound`` are in the units of the objective setting: for ``total``,
    cluster prices plus ``LEAVE_OUT_PENALTY`` per school left out (the bound holds for plans
    that leave out as many schools); for ``worst``, the longest journey inside any cluster,
    in minutes. ``fixed_left_out`` schools fit no cluster at all; ``start_objective`` is the
    better starting partition's value, the baseline the solve improves on.
    """

    clusters: tuple[Cluster, ...]
    left_out: tuple[int, ...]
    fixed_left_out: tuple[int, ...]
    objective: float
    bound: float
    start_objective: float
    status: str
    seconds: float  # wall clock, for reports only
    components: int
    columns: int
    # False when the clock guard, not the work limit, stopped a search or a round of column
    # generation (solvers.engine.budget): the same input and seed may then give other clusters.
    repeatable: bool = True


@dataclass(frozen=True)
class Progress:
    """One finished component, for progress display on stderr."""

    done: int
    total: int
    schools: int
    objective: float  # without the left-out penalty: travel and the other soft terms
    bound: float
    seconds: float
    left_out: int = 0


def clusterable(problem: ClusterProblem, graph: nx.Graph) -> tuple[list[list[int]], list[int]]:
    """Components of the schools that some cluster can take, and the schools none can.

    A school in no clique of ``min_size`` can never be clustered; removing it destroys no
    clique of anyone else, so one pass finds them all.
    """
    low = problem.settings.min_size
    hopeless: list[int] = []
    for nodes in nx.connected_components(graph):
        if len(nodes) < low:
            hopeless.extend(nodes)
            continue
        comp = build_component(problem, graph, sorted(nodes))
        for local in range(comp.size):
            if clique_with(comp, local, low) is None:
                hopeless.append(int(comp.schools[local]))
    kept = graph.subgraph(set(graph.nodes) - set(hopeless))
    parts = sorted((sorted(c) for c in nx.connected_components(kept)), key=lambda c: c[0])
    return parts, sorted(hopeless)


def worst_journey_bound(comp: Component, schools: Sequence[int]) -> int:
    """A floor on the longest journey of any plan that clusters ``schools`` (local indices).

    Each of them shares a cluster with at least ``min_size - 1`` partners, so some journey in
    its cluster is at least as long as its (min_size - 1)-th shortest allowed journey.
    """
    need = comp.problem.settings.min_size - 1
    floor = 0
    for school in schools:
        journeys = np.sort(comp.minutes[school, comp.allowed[school]])
        if len(journeys) >= need:
            floor = max(floor, int(journeys[need - 1]))
    return floor


def solve_partition(
    problem: ClusterProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
    progress: Callable[[Progress], None] | None = None,
) -> PartitionSolution:
    """Partition every free school of ``problem`` into clusters of min_size..max_size.

    Parameters
    ----------
    problem
        The encoded region (``solvers.clusters.encode.encode_clusters``).
    budget
        Work for the whole solve (``solvers.clusters.work``), with the clock as a guard at
        ``solvers.engine.budget.CLOCK_GUARD`` times the limit; what the solve used is in
        ``budget.used``. The components are dealt to lanes (``_solve_lane``), each with the
        work left: in each, every component first gets a plan, a proven bound and a pool (up
        to ``BOUND_SHARE`` of the lane's work, each its share by size), then stronger bounds
        (``CUT_SHARE`` of the rest), then the large components' plans rounded from their LPs
        (``ROUND_SHARE`` of the rest), and the rest improves the plans.
    options
        The seed and workers: with several workers the components are dealt to as many lanes,
        each a process of its own (``_in_processes``), one worker each; a lone lane, in this
        process, has them all (a search races one per seed: ``solvers.clusters.work.race``).
        The gap limit is not used.
    progress
        Called as each component is finished (a cluster report, not matching's Progress).
    """
    started = time.perf_counter()
    seed, workers = options.seed, options.workers
    graph = school_graph(problem)
    parts, hopeless = clusterable(problem, graph)
    budget.spend(graph.number_of_edges() / GRAPH_PAIRS_PER_SECOND)
    comps = [build_component(problem, graph, nodes) for nodes in parts]
    done = 0

    def report(k: int, result: ComponentResult) -> None:
        # Lanes finish in any order; the count and the display are for people, not the plan.
        nonlocal done
        if progress is None:
            return
        done += 1
        elapsed = time.perf_counter() - started
        left = len(result.left_out)
        penalty = 0 if problem.settings.objective == "worst" else LEAVE_OUT_PENALTY * left
        progress(
            Progress(
                done,
                len(comps),
                comps[k].size,
                result.objective - penalty,
                result.bound - penalty,
                elapsed,
                left_out=left,
            )
        )

    lanes = max(1, min(workers, len(comps)))
    if lanes == 1:
        results = _solve_lane(
            comps, list(range(len(comps))), budget, seed=seed, workers=workers, report=report
        )
    else:
        results = _in_processes(comps, lanes, budget, seed=seed, report=report)
    return _combine(
        problem,
        [results[k] for k in range(len(comps))],
        hopeless,
        len(parts),
        time.perf_counter() - started,
        repeatable=budget.repeatable,
    )


@dataclass(frozen=True)
class _LaneOutcome:
    """What a lane's process sends back: its components' results, and the work it used."""

    results: dict[int, ComponentResult]
    used: float
    repeatable: bool


def _in_processes(
    comps: Sequence[Component],
    lanes: int,
    budget: Budget,
    *,
    seed: int,
    report: Callable[[int, ComponentResult], None],
) -> dict[int, ComponentResult]:
    """``_solve_lane`` for ``lanes`` lanes side by side, each in a process of its own with all
    the work left and one worker, so that the first pass and the cuts (Python, holding its
    lock) run on every core, not only the searches.

    Which lane solves which component is fixed by their sizes (``solvers.engine.lanes.lanes_of``),
    and a lane's results depend only on its components, so the clusters are the same whichever
    lane ends first. The budget is charged with the busiest lane's work, since they ran at once.
    """
    seconds = budget.left
    side_by_side = can_fork()

    def run_lane(queue: list[int], send: Callable[[object], None]) -> _LaneOutcome:
        # Lanes run one after another where processes cannot be started: each then gets its
        # own clock guard from its start, so the guard stops none that side by side it would not.
        lane = budget.part(seconds) if side_by_side else budget.last_step(seconds)
        results = _solve_lane(
            comps, queue, lane, seed=seed, workers=1, report=lambda k, r: send((k, r))
        )
        return _LaneOutcome(results, lane.used, lane.repeatable)

    def forward(message: tuple[int, ComponentResult]) -> None:
        report(*message)

    outcomes = in_processes(lanes_of([c.size for c in comps], lanes), run_lane, on_message=forward)
    budget.spend(max(o.used for o in outcomes))
    if not all(o.repeatable for o in outcomes):
        budget.trip()
    return {k: result for o in outcomes for k, result in o.results.items()}


def _solve_lane(
    comps: Sequence[Component],
    queue: Sequence[int],
    budget: Budget,
    *,
    seed: int,
    workers: int,
    report: Callable[[int, ComponentResult], None],
) -> dict[int, ComponentResult]:
    """The components ``queue`` (indices into ``comps``) one after another within ``budget``:
    every one's first pass, then its cuts, then (for those searched by LNS) its plan rounded
    from its LP, then its search; their results by index.

    Every share depends only on the work done before it in the lane, so it is the same on
    every run. First pass: in the components' order, each its share by size of the first
    pass's work still left. Cuts: smallest first, each its share by size of the cuts' work
    left: the count row lifts a bound by about as much whatever the component's size, and a
    small one's rounds cost least; what they leave goes to the larger ones. Search: smallest
    first (``_search_all``).
    """
    first = budget.part(BOUND_SHARE * budget.left)
    work: dict[int, _Work] = {}
    steps: dict[int, ComponentSteps] = {}
    order = sorted(queue)
    for n, k in enumerate(order):
        # Each component may take its share, by size, of the first pass's work still left.
        share = comps[k].size / sum(comps[j].size for j in order[n:])
        own = first.part(max(MIN_FIRST_SECONDS, first.left * share))
        work[k] = _first_pass(comps[k], own, seed=seed, workers=workers)
        first.spend(own.used)
        lp = work[k].lp
        bound = None if lp is None else lp.bound
        steps[k] = ComponentSteps(first=own.used, uncut=bound, cut=bound)
    budget.spend(first.used)
    # Then every bound is strengthened by cuts, with a share of the work left: after the first
    # pass, so that no component's cuts take the work another needs to solve its LP at all.
    strengthen = budget.part(CUT_SHARE * budget.left)
    order = sorted(queue, key=lambda k: (comps[k].size, k))
    for n, k in enumerate(order):
        share = comps[k].size / sum(comps[j].size for j in order[n:])
        own = strengthen.part(strengthen.left * share)
        _strengthen(work[k], own)
        strengthen.spend(own.used)
        lp, generation = work[k].lp, work[k].generation
        steps[k] = replace(
            steps[k],
            cuts=own.used,
            cut=None if lp is None else lp.bound,
            cut_rounds=0 if generation is None else generation.cut_rounds,
        )
    budget.spend(strengthen.used)
    # Then the large components' plans are rounded from their LPs, with a share of the work
    # left, each its share by size: a few come out within LNS_GAP of their bounds and need no
    # search, so the work their searches would have had goes to the others.
    rounding = budget.part(ROUND_SHARE * budget.left)
    order = [k for k in sorted(queue, key=lambda k: (comps[k].size, k)) if _roundable(work[k])]
    for n, k in enumerate(order):
        share = comps[k].size / sum(comps[j].size for j in order[n:])
        own = rounding.part(rounding.left * share)
        _rounded(work[k], own, seed=seed)
        rounding.spend(own.used)
    budget.spend(rounding.used)
    out: dict[int, ComponentResult] = {}

    def finished(k: int, result: ComponentResult, used: float) -> None:
        out[k] = replace(result, steps=replace(steps[k], search=used))
        report(k, out[k])

    _search_all(work, budget, seed=seed, workers=workers, finished=finished)
    return out


def _search_all(
    work: dict[int, _Work],
    budget: Budget,
    *,
    seed: int,
    workers: int,
    finished: Callable[[int, ComponentResult, float], None],
) -> None:
    """Every component's search (``_second_pass``) with the work left, smallest first;
    ``finished(k, result, work used)`` as each ends.

    The shares differ from ``solvers.engine.lanes.solve_parts``, whose slack lets a part take
    up to twice its fair share in the hope that it stops early: a component searched by LNS
    stops early only within LNS_GAP of its bound, so the slack only moved the work from the largest
    components, where it helps most, to the middling ones (on the 2,000-school region the
    398-school component was left 7 s of 37). Here each component gets its share of the work
    left by size times its plan's gap (``_search_weight``); what a proved one leaves goes to
    the larger ones after it. A component with less than its floor left keeps its first-pass
    plan, and one whose plan (rounded from its LP) is already within LNS_GAP of its bound is
    not searched.
    """
    lane = budget.part(budget.left)
    queue = sorted(work, key=lambda k: (work[k].comp.size, -k))
    for k in [k for k in queue if _near_bound(work[k])]:
        item = work[k]
        result = _component_result(
            item.comp, item.plan, item.start, "FEASIBLE", item.lp, len(item.pool)
        )
        finished(k, result, 0.0)
        queue.remove(k)
    weight = {k: _search_weight(work[k]) for k in queue}
    waiting = sum(weight.values())
    for k in queue:
        item = work[k]
        fraction = weight[k] / waiting
        waiting -= weight[k]
        floor = MIN_SEARCH_SECONDS + len(item.pool) / COVER_COLUMNS_PER_SECOND
        # Less than its floor left (or past the job's deadline): the first-pass plan.
        if lane.exhausted(floor):
            result = _component_result(
                item.comp, item.plan, item.start, "FEASIBLE", item.lp, len(item.pool)
            )
            finished(k, result, 0.0)
            continue
        share = lane.part(max(floor, lane.left * fraction))
        result = _second_pass(item, share, seed=seed, workers=workers)
        lane.spend(share.used)
        finished(k, result, share.used)
    budget.spend(lane.used)


def _search_weight(work: _Work) -> float:
    """A component's claim on its lane's search work: its size times its plan's relative gap
    to its LP bound, that gap taken within SEARCH_GAP_FLOOR..SEARCH_GAP_CEILING (the ceiling
    where the gap is not known: no LP, or the longest journey minimised)."""
    size = float(max(1, work.comp.size))
    if work.lp is None or work.comp.problem.settings.objective != "total":
        return size * SEARCH_GAP_CEILING
    price = _price(work.comp, work.plan)
    gap = (price - math.ceil(work.lp.bound - 1e-6)) / max(1.0, price)
    return size * min(SEARCH_GAP_CEILING, max(SEARCH_GAP_FLOOR, gap))


def _combine(
    problem: ClusterProblem,
    results: Sequence[ComponentResult],
    hopeless: Sequence[int],
    components: int,
    seconds: float,
    *,
    repeatable: bool = True,
) -> PartitionSolution:
    worst = problem.settings.objective == "worst"

    def combine(values: list[float]) -> float:
        # The longest journey of the region is the longest of any component's.
        return float(max(values, default=0) if worst else sum(values))

    objective = combine([r.objective for r in results])
    bound = combine([r.bound for r in results])
    return PartitionSolution(
        clusters=tuple(c for r in results for c in r.clusters),
        left_out=tuple(sorted(s for r in results for s in r.left_out)),
        fixed_left_out=tuple(hopeless),
        objective=objective,
        bound=bound,
        start_objective=combine([r.start_objective for r in results]),
        status="OPTIMAL" if objective == bound else "FEASIBLE",
        seconds=seconds,
        components=components,
        columns=sum(r.columns for r in results),
        repeatable=repeatable,
    )


@dataclass
class _Work:
    """A component between the passes: its pool, best plan, bound and starting partition."""

    comp: Component
    pool: ColumnPool
    plan: list[Cluster]
    lp: LpBound | None
    start: list[Cluster]
    generation: ColumnGeneration | None = None

    @property
    def left_count(self) -> int:
        return self.comp.size - sum(len(c) for c in self.plan)


def _price(comp: Component, plan: Sequence[Cluster]) -> int:
    return sum(comp.cost(c) for c in plan)


def _first_pass(comp: Component, budget: Budget, *, seed: int, workers: int) -> _Work:
    """Starting partitions, the LP bound and pool, and the fewest schools left out, within
    ``budget`` (a column generation round or search that started is finished)."""
    budget.spend(comp.size**2 / START_CELLS_PER_SECOND)
    starts = [start_partition(comp, method=m, seed=seed) for m in START_METHODS]
    start = min(starts, key=lambda plan: (comp.size - sum(map(len, plan)), _price(comp, plan)))
    pool = ColumnPool()
    for cluster in (c for plan in starts for c in plan):
        pool.add(cluster, comp.cost(cluster))
    work = _Work(comp, pool, list(start), None, list(start))
    work.generation = ColumnGeneration(comp, pool, left_out=work.left_count, budget=budget)
    work.lp = work.generation.run(budget, cut_rounds=0)
    _widen(work, budget)
    if work.left_count:
        # Proving that nobody else can be clustered may take long; a share of the work will do.
        fewer_budget = budget.part(
            max(MIN_FEWER_SECONDS, min(budget.left, FEWER_SHARE * budget.seconds))
        )
        fewer = _fewest_left_out(work, fewer_budget, seed=seed, workers=workers)
        budget.spend(fewer_budget.used)
        if fewer is not None:
            work.plan = fewer
            # The bound must now be for plans leaving out fewer: up to one more share for it.
            again = budget.part(budget.left + budget.seconds)
            work.generation = ColumnGeneration(comp, pool, left_out=work.left_count, budget=again)
            work.lp = work.generation.run(again, cut_rounds=0)
            budget.spend(again.used)
    return work


def _widen(work: _Work, budget: Budget) -> None:
    """Add the clusters within WIDEN_THRESHOLD of pricing out to the pool: near-cheapest
    columns the LP did not need may suit the plan."""
    if work.lp is None:
        return
    widened = price_columns(
        work.comp,
        work.lp.duals,
        threshold=WIDEN_THRESHOLD,
        per_anchor=WIDEN_PER_ANCHOR,
        max_partials=MAX_PARTIALS if work.comp.staffing is None else WIDEN_PARTIALS_STAFFED,
        cuts=work.lp.cuts,
    )
    for cluster, cost in zip(widened.members, widened.cost, strict=True):
        work.pool.add(cluster, cost)
    budget.spend(pricing_seconds(widened) + len(widened.members) / COLUMNS_ADDED_PER_SECOND)


def _strengthen(work: _Work, budget: Budget) -> None:
    """Subset-row cuts and column generation on, within ``budget``; the clusters near pricing
    out under the new prices join the pool."""
    if work.generation is None or work.lp is None or budget.exhausted():
        return
    if work.comp.problem.settings.objective != "total":
        return  # the bound of "worst" is not the LP's
    # The generation keeps its best bound of every round, so this never lowers it.
    work.lp = work.generation.run(budget, cut_rounds=CUT_ROUNDS) or work.lp
    if work.generation.cut_rounds:
        _widen(work, budget)


def _second_pass(work: _Work, budget: Budget, *, seed: int, workers: int) -> ComponentResult:
    """The cheapest plan CP-SAT finds in the pool, as many schools left out as the best so far.

    A plan CP-SAT proves optimal over the pool is then, if work is left, proved optimal over
    every possible cluster (``_prove``).
    """
    lns = work.comp.size > PROVE_UP_TO
    # Exchanges between neighbouring clusters (solvers.clusters.exchange) before the search,
    # for a better hint, and after it, for clusters the pool lacks; then groups of
    # neighbouring clusters partitioned again at best (solvers.clusters.regroup). Each has a
    # share kept back, since CP-SAT's search uses all the work it is given.
    polish = _exchanges(work.comp)
    reserve = EXCHANGE_SHARE * budget.left if polish else 0.0
    # Off by default (REGROUP_SHARE = 0): on the 2,000-school region regrouping did not
    # improve the LNS plans of the large components, and on the small ones the work it took
    # was missed by the larger components after them in the lane (benchmarks/README.md).
    regroups = polish and not lns and REGROUP_SHARE > 0
    regrouping = REGROUP_SHARE * budget.left if regroups else 0.0
    # A tree search over the LP's clusters first, for a better hint (on the total only,
    # which is what ``_adopt`` compares).
    total = work.comp.problem.settings.objective == "total"
    supported = lns and work.comp.size <= SUPPORT_UP_TO and SUPPORT_SHARE > 0
    if supported and total:
        _support_plan(work, budget, SUPPORT_SHARE * budget.left, seed=seed, workers=workers)
    if reserve:
        _exchange(work, budget, reserve)
    search = budget.part(max(0.0, budget.left - reserve - regrouping))
    work.plan, status = _cheapest(work, search, seed=seed, workers=workers, lns=lns)
    if lns:
        status = "FEASIBLE"  # stopped near the LP's bound at best: not a proof over the pool
    budget.spend(search.used)
    if polish:
        improved = _exchange(work, budget, reserve)
        if regroups:
            improved = _regroup(work, budget, seed=seed) or improved
        if improved and status == "OPTIMAL" and not lns:
            # Better than the pool's best: the pool, which now holds the new clusters, is
            # searched to a proof again (quick on the components searched by a tree).
            again = budget.part(budget.left / 2)
            work.plan, status = _cheapest(work, again, seed=seed, workers=workers, lns=False)
            budget.spend(again.used)
        elif improved:
            status = "FEASIBLE"  # better than the pool's best: a proof starts again
    proven = False
    if status == "OPTIMAL" and work.comp.problem.settings.objective == "total":
        proven = _prove(work, budget, seed=seed, workers=workers)
    return _component_result(
        work.comp, work.plan, work.start, status, work.lp, len(work.pool), proven=proven
    )


def _support_plan(work: _Work, budget: Budget, seconds: float, *, seed: int, workers: int) -> bool:
    """The cheapest plan over the clusters the last LP solution uses (and the plan's), by a
    tree search within ``seconds`` of ``budget``; kept if cheaper; whether it was.

    A restricted master heuristic: a few dozen to a few hundred columns where the LP, with
    its cuts, says the good clusters are, small enough for CP-SAT to search to a proof, and
    where the LP is nearly whole that proof is the optimum. Charged as every cover model
    search is (its columns, and CP-SAT's deterministic time)."""
    generation = work.generation
    if generation is None or work.lp is None:
        return False
    master = generation.master
    used = [m for m, v in zip(master.members, master.values(), strict=True) if v > 1e-6]
    pool = ColumnPool()
    for members in [*used, *work.plan]:
        pool.add(members, work.pool.cost[work.pool.position(members)])
    part = budget.part(seconds)
    plan, _ = _cheapest(
        _Work(work.comp, pool, list(work.plan), work.lp, work.start),
        part,
        seed=seed,
        workers=workers,
        lns=False,
    )
    budget.spend(part.used)
    return _adopt(work, plan)


def _roundable(work: _Work) -> bool:
    """Whether the component's plan is rounded from its LP before its search: a component
    searched by LNS, on the total (which is what ``_adopt`` compares)."""
    objective = work.comp.problem.settings.objective
    return work.comp.size > PROVE_UP_TO and objective == "total" and work.generation is not None


def _rounded(work: _Work, budget: Budget, *, seed: int) -> bool:
    """The LP's whole clusters and the best partition of the schools they leave
    (``solvers.clusters.rounding``), within ``budget``; kept if cheaper; whether it was."""
    generation = work.generation
    if generation is None or work.lp is None:
        return False
    master = generation.master
    plan = rounded_plan(
        work.comp,
        work.pool,
        master.members,
        master.values(),
        left_count=work.left_count,
        budget=budget,
        seed=seed,
    )
    return plan is not None and _adopt(work, plan)


def _near_bound(work: _Work) -> bool:
    """Whether the plan is within LNS_GAP of the LP's bound, so that no search is worth its
    work (a component searched by LNS, on the total)."""
    if work.lp is None or work.comp.size <= PROVE_UP_TO:
        return False
    if work.comp.problem.settings.objective != "total":
        return False
    price = _price(work.comp, work.plan)
    return price - math.ceil(work.lp.bound - 1e-6) <= LNS_GAP * price


def _exchanges(comp: Component) -> bool:
    """Whether exchanges apply: on the total only (an exchange may lengthen the longest
    journey), and not with the staffing terms (priced by matching's tables, not counted)."""
    return comp.problem.settings.objective == "total" and comp.staffing is None


def _exchange(work: _Work, budget: Budget, seconds: float) -> bool:
    """Improve the plan by exchanges within ``seconds`` of ``budget``; whether it did. Its
    clusters join the pool, where the cover model's hint must find them."""
    part = budget.part(seconds)
    plan = exchange(work.comp, work.plan, part)
    budget.spend(part.used)
    return _adopt(work, plan)


def _regroup(work: _Work, budget: Budget, *, seed: int) -> bool:
    """Improve the plan by regrouping neighbouring clusters with the work left; whether it
    did. Its clusters join the pool, as the exchanges' do."""
    plan = regroup(work.comp, work.plan, budget, seed=seed)
    return _adopt(work, plan)


def _adopt(work: _Work, plan: list[Cluster]) -> bool:
    """Keep ``plan`` if it is cheaper than the current one; whether it was. Its clusters join
    the pool, where the cover model's hint must find them."""
    if _price(work.comp, plan) >= _price(work.comp, work.plan):
        return False
    for cluster in plan:
        work.pool.add(cluster, work.comp.cost(cluster))
    work.plan = plan
    return True


def _prove(work: _Work, budget: Budget, *, seed: int, workers: int) -> bool:
    """Whether the plan is optimal over every cluster, not only over the pool.

    With the converged LP's prices, a plan costs at least the LP value plus the reduced costs
    of its clusters. So a cheaper plan than this one uses only clusters whose reduced cost is
    below (this plan - LP value). When there are few of those, CP-SAT over the pool and all of
    them settles it (and may find that cheaper plan).
    """
    lp = work.lp
    if lp is None or not lp.converged:
        return False
    if _price(work.comp, work.plan) - lp.bound <= 1e-6:
        return True
    # The final prices' own LP value (cuts' duals included), which the reduced costs add to.
    gap = _price(work.comp, work.plan) - lp.lp_value
    if budget.exhausted(MIN_SEARCH_SECONDS):
        return False
    priced = price_columns(
        work.comp,
        lp.duals,
        threshold=gap,
        per_anchor=None,
        max_partials=PROOF_PARTIALS,
        cuts=lp.cuts,
    )
    budget.spend(pricing_seconds(priced))
    if not priced.exact or len(priced.members) > PROOF_COLUMNS:
        return False
    for cluster, cost in zip(priced.members, priced.cost, strict=True):
        work.pool.add(cluster, cost)
    budget.spend(len(priced.members) / COLUMNS_ADDED_PER_SECOND)
    proof = budget.part(PROVE_SHARE * budget.left)
    work.plan, status = _cheapest(work, proof, seed=seed, workers=workers, lns=False)
    budget.spend(proof.used)
    return status == "OPTIMAL"


def _component_result(
    comp: Component,
    plan: Sequence[Cluster],
    start: Sequence[Cluster],
    status: str,
    lp: LpBound | None,
    columns: int,
    *,
    proven: bool = False,
) -> ComponentResult:
    left = sorted(set(range(comp.size)) - {s for c in plan for s in c})
    if comp.problem.settings.objective == "worst":
        objective = max((comp.longest(c) for c in plan), default=0)
        start_objective = max((comp.longest(c) for c in start), default=0)
        bound: float = worst_journey_bound(comp, sorted({s for c in plan for s in c}))
    else:
        start_left = comp.size - sum(len(c) for c in start)
        start_objective = _price(comp, start) + LEAVE_OUT_PENALTY * start_left
        objective = _price(comp, plan) + LEAVE_OUT_PENALTY * len(left)
        # The LP bound is on plans that leave out as many schools as this one.
        floor = 0.0 if lp is None else math.ceil(lp.bound - 1e-6)
        bound = objective if proven else floor + LEAVE_OUT_PENALTY * len(left)
    bound = min(bound, objective)
    return ComponentResult(
        clusters=tuple(tuple(int(comp.schools[s]) for s in c) for c in plan),
        left_out=tuple(int(comp.schools[s]) for s in left),
        objective=int(objective),
        bound=float(bound),
        start_objective=int(start_objective),
        status="OPTIMAL" if objective == bound else status,
        columns=columns,
    )


@dataclass
class _Cover:
    """A CP-SAT model choosing, for every school, one pooled cluster or "left out"."""

    model: cp_model.CpModel
    pick: list[cp_model.IntVar]
    left: list[cp_model.IntVar]
    cost: cp_model.LinearExprT


def _cover_model(work: _Work) -> _Cover:
    comp, pool = work.comp, work.pool
    ids = comp.problem.school_ids
    name = [ids[int(g)] for g in comp.schools]
    model = cp_model.CpModel()
    pick = [
        model.new_bool_var(f"cluster[{'+'.join(name[s] for s in members)}]")
        for members in pool.members
    ]
    left = [model.new_bool_var(f"left_out[{name[s]}]") for s in range(comp.size)]
    covering: list[list[cp_model.IntVar]] = [[left[s]] for s in range(comp.size)]
    for var, members in zip(pick, pool.members, strict=True):
        for s in members:
            covering[s].append(var)
    for options in covering:
        model.add_exactly_one(options)
    # The best plan so far is a valid start; its clusters are always in the pool.
    chosen = set(work.plan)
    for var, members in zip(pick, pool.members, strict=True):
        model.add_hint(var, members in chosen)
    covered = {s for c in work.plan for s in c}
    for s, var in enumerate(left):
        model.add_hint(var, s not in covered)
    cost = sum(c * v for c, v in zip(pool.cost, pick, strict=True))
    return _Cover(model, pick, left, cost)


def _chosen(work: _Work, cover: _Cover, solver: cp_model.CpSolver) -> list[Cluster]:
    return [m for m, var in zip(work.pool.members, cover.pick, strict=True) if solver.value(var)]


def _fewest_left_out(
    work: _Work, budget: Budget, *, seed: int, workers: int
) -> list[Cluster] | None:
    """A plan from the pool leaving out fewer schools than the best so far, or None."""
    cover = _cover_model(work)
    budget.spend(len(work.pool) / COVER_COLUMNS_PER_SECOND)
    cover.model.add(sum(cover.left) <= work.left_count - 1)
    # Fewest left out first, then the cheapest such plan: a small weight keeps the search easy.
    cover.model.minimize(sum(cover.left))
    searched = search_cover(cover.model, budget, seed=seed, workers=workers, lns=False)
    if not searched.found:
        return None
    return _chosen(work, cover, searched.solver)


def _cheapest(
    work: _Work, budget: Budget, *, seed: int, workers: int, lns: bool
) -> tuple[list[Cluster], str]:
    """CP-SAT over the pool, the number left out fixed; the hint plan if nothing better.

    Uses all of ``budget``'s work left (half each for the two stages of ``worst``)."""
    cover = _cover_model(work)
    budget.spend(len(work.pool) / COVER_COLUMNS_PER_SECOND)
    # A fixed count keeps the objective in minutes, which CP-SAT searches far better than
    # a large penalty per school left out.
    cover.model.add(sum(cover.left) == work.left_count)
    if work.comp.problem.settings.objective == "worst":
        searched = _worst_then_total(work, cover, budget, seed=seed, workers=workers, lns=lns)
    else:
        objective: cp_model.LinearExprT = cover.cost
        if lns and work.lp is not None:
            # The LP's bound holds for every plan of the pool leaving out as many: as the
            # objective's least value it lets LNS stop within LNS_GAP of it and pass its
            # work on to the components after it.
            objective = cover.model.new_int_var(
                math.ceil(work.lp.bound - 1e-6), sum(work.pool.cost), "travel"
            )
            cover.model.add(objective == cover.cost)
        cover.model.minimize(objective)
        searched = search_cover(cover.model, budget, seed=seed, workers=workers, lns=lns)
    if not searched.found:
        return list(work.plan), "FEASIBLE"
    return _chosen(work, cover, searched.solver), searched.solver.status_name(searched.status)


def _worst_then_total(
    work: _Work, cover: _Cover, budget: Budget, *, seed: int, workers: int, lns: bool
) -> Searched:
    """Lexicographic: the shortest longest journey, then, holding it, the least total."""
    longest = [work.comp.longest(m) for m in work.pool.members]
    worst = cover.model.new_int_var(0, max(longest, default=0), "longest_journey")
    for var, minutes in zip(cover.pick, longest, strict=True):
        cover.model.add(worst >= minutes).only_enforce_if(var)
    cover.model.minimize(worst)
    first = search_cover(
        cover.model, budget, seed=seed, workers=workers, lns=lns, seconds=budget.left / 2
    )
    if not first.found:
        return first
    solver = first.solver
    cover.model.add(worst <= solver.value(worst))
    cover.model.clear_hints()
    for var in [*cover.pick, *cover.left]:
        cover.model.add_hint(var, bool(solver.value(var)))
    cover.model.minimize(cover.cost)
    second = search_cover(cover.model, budget, seed=seed, workers=workers, lns=lns)
    # Stopped before any plan in stage two: stage one's plan still holds.
    return second if second.found else first
