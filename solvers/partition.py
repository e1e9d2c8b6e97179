"""Partition a region's schools into peer-review clusters: networkx, column generation, CP-SAT.

1. ``school_graph`` (networkx): an edge where two schools may share a cluster. Schools in no
   clique of ``min_size`` cannot be clustered at all; they are set aside (and explained by
   ``solvers.cluster_explain``). The rest split into connected components, solved one by one.
2. Per component: a starting partition from networkx communities cut to size
   (``solvers.cluster_start``), cheap nearby clusters, then column generation on the
   set-partitioning LP (``solvers.cluster_lp``), which proves a lower bound.
3. CP-SAT picks one cluster or "left out" per school from the column pool, hinted with the
   starting partition. The gap is measured against the proven bound, so it speaks about the
   whole problem, not only the pool.

With ``objective = "worst"`` CP-SAT first minimises the longest journey inside any cluster,
then, holding that, the total; the bound is then on the longest journey (see
``worst_journey_bound``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from ortools.sat.python import cp_model

from solvers.cluster_component import Component, build_component
from solvers.cluster_encode import ClusterProblem
from solvers.cluster_lp import ColumnPool, LpBound, column_generation
from solvers.cluster_pricing import price_columns
from solvers.cluster_rules import school_graph
from solvers.cluster_start import clique_with, nearby_clusters, start_partition

# Penalty per school left out: above any cluster's price, so a school is left out only when
# no partition can take it together with the others.
LEAVE_OUT_PENALTY = 100_000
# Shares of a component's time: the first quick plan, then the first plan and the bound.
FIRST_SHARE = 0.15
BOUND_SHARE = 0.5
# Columns kept per anchor school when the pool is widened after the LP, and the reduced costs
# (minutes) up to which CP-SAT sees the pool, step by step.
WIDEN_PER_ANCHOR = 12
WIDEN_THRESHOLDS = (1.0, 3.0, 6.0, 10.0)
# Starting partitions tried (solvers.cluster_start); the better one hints CP-SAT.
START_METHODS = ("louvain", "greedy")


@dataclass(frozen=True)
class ComponentResult:
    """The clusters chosen in one component (global school indices) and how good they are."""

    clusters: tuple[tuple[int, ...], ...]
    left_out: tuple[int, ...]
    objective: int  # in the component's objective units (see PartitionSolution)
    bound: float
    start_objective: int
    status: str
    columns: int


@dataclass(frozen=True)
class PartitionSolution:
    """Clusters of the whole region, in global school indices, and the proof of quality.

    ``objective`` and ``bound`` are in the units of the objective setting: for ``total``,
    cluster prices plus ``LEAVE_OUT_PENALTY`` per school left out; for ``worst``, the longest
    journey inside any cluster (minutes). ``fixed_left_out`` schools fit no cluster at all.
    """

    clusters: tuple[tuple[int, ...], ...]
    left_out: tuple[int, ...]
    fixed_left_out: tuple[int, ...]
    objective: float
    bound: float
    start_objective: float
    status: str
    seconds: float
    components: int
    columns: int


@dataclass(frozen=True)
class Progress:
    """One finished component, for progress display on stderr."""

    done: int
    total: int
    schools: int
    objective: float
    bound: float
    seconds: float


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
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[Progress], None] | None = None,
) -> PartitionSolution:
    """Partition every free school of ``problem`` into clusters of min_size..max_size.

    Parameters
    ----------
    problem
        The encoded region (``solvers.cluster_encode.encode_clusters``).
    time_limit
        Seconds for the whole solve; half goes to proving the bound, the rest to CP-SAT,
        shared between components by their size.
    seed, workers
        CP-SAT's random seed and threads; the same inputs give the same clusters.
    progress
        Called after each component.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    graph = school_graph(problem)
    parts, hopeless = clusterable(problem, graph)
    total_schools = sum(len(p) for p in parts) or 1
    results: list[ComponentResult] = []
    schools_left = total_schools
    for done, nodes in enumerate(parts, start=1):
        comp = build_component(problem, graph, nodes)
        # Each component may use its share of the time still left.
        share = comp.size / schools_left
        budget = max(0.05, (deadline - time.perf_counter()) * share)
        result = _solve_component(comp, budget=budget, seed=seed, workers=workers)
        results.append(result)
        schools_left -= comp.size
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(Progress(done, len(parts), comp.size, result.objective, result.bound, elapsed))
    worst = problem.settings.objective == "worst"

    def combine(values: list[float]) -> float:
        # The longest journey of the region is the longest of any component's.
        return float(max(values, default=0) if worst else sum(values))

    return PartitionSolution(
        clusters=tuple(c for r in results for c in r.clusters),
        left_out=tuple(sorted(s for r in results for s in r.left_out)),
        fixed_left_out=tuple(hopeless),
        objective=combine([r.objective for r in results]),
        bound=combine([r.bound for r in results]),
        start_objective=combine([r.start_objective for r in results]),
        status=_overall_status([r.status for r in results]),
        seconds=time.perf_counter() - started,
        components=len(parts),
        columns=sum(r.columns for r in results),
    )


def _overall_status(statuses: Sequence[str]) -> str:
    if all(s == "OPTIMAL" for s in statuses):
        return "OPTIMAL"
    return "FEASIBLE"


def _plan_value(comp: Component, plan: Sequence[tuple[int, ...]]) -> int:
    left = comp.size - sum(len(c) for c in plan)
    return sum(comp.cost(c) for c in plan) + LEAVE_OUT_PENALTY * left


def _solve_component(comp: Component, *, budget: float, seed: int, workers: int) -> ComponentResult:
    started = time.perf_counter()
    deadline = started + budget
    starts = [start_partition(comp, method=m, seed=seed) for m in START_METHODS]
    start = min(starts, key=lambda plan: _plan_value(comp, plan))
    pool = ColumnPool()
    for cluster in [c for plan in starts for c in plan] + nearby_clusters(
        comp, nearest=6, per_school=3
    ):
        pool.add(cluster, comp.cost(cluster))
    # A first, quick plan on the seed pool settles how many schools must be left out.
    plan, status = _master(
        comp,
        pool,
        pool.members,
        start,
        time_limit=max(0.05, FIRST_SHARE * budget),
        seed=seed,
        workers=workers,
    )
    left_count = comp.size - sum(len(c) for c in plan)
    lp = column_generation(comp, pool, left_out=left_count, deadline=started + BOUND_SHARE * budget)
    plan, status = _improve(comp, pool, plan, lp, deadline=deadline, seed=seed, workers=workers)
    if comp.size - sum(len(c) for c in plan) != left_count:
        # Fewer left out than the bound assumed: prove it again for the new count.
        left_count = comp.size - sum(len(c) for c in plan)
        lp = column_generation(comp, pool, left_out=left_count, deadline=deadline)
    return _component_result(comp, plan, start, status, lp, len(pool))


def _improve(
    comp: Component,
    pool: ColumnPool,
    plan: list[tuple[int, ...]],
    lp: LpBound | None,
    *,
    deadline: float,
    seed: int,
    workers: int,
) -> tuple[list[tuple[int, ...]], str]:
    """Re-solve on ever larger sub-pools of the cheapest columns (by reduced cost).

    CP-SAT proves a small pool optimal in moments but drowns in a large one; growing the pool
    step by step, each step hinted with the last plan, finds better plans sooner.
    """
    status = "FEASIBLE"
    if lp is None:
        return plan, status
    widened = price_columns(
        comp, lp.duals, threshold=WIDEN_THRESHOLDS[-1], per_anchor=WIDEN_PER_ANCHOR
    )
    for cluster, cost in zip(widened.members, widened.cost, strict=True):
        pool.add(cluster, cost)
    reduced = [
        cost - float(lp.duals[list(members)].sum())
        for members, cost in zip(pool.members, pool.cost, strict=True)
    ]
    for threshold in WIDEN_THRESHOLDS:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        current = set(plan)
        subset = [
            members
            for members, rc in zip(pool.members, reduced, strict=True)
            if rc <= threshold or members in current
        ]
        plan, status = _master(
            comp,
            pool,
            subset,
            plan,
            time_limit=remaining,
            seed=seed,
            workers=workers,
            left_out=comp.size - sum(len(c) for c in plan),
        )
        if status != "OPTIMAL":
            break  # out of time on this pool; a larger one would not do better
    return plan, status


def _component_result(
    comp: Component,
    plan: Sequence[tuple[int, ...]],
    start: Sequence[tuple[int, ...]],
    status: str,
    lp: LpBound | None,
    columns: int,
) -> ComponentResult:
    covered = {s for c in plan for s in c}
    left = [s for s in range(comp.size) if s not in covered]
    if comp.problem.settings.objective == "worst":
        objective = max((comp.longest(c) for c in plan), default=0)
        start_objective = max((comp.longest(c) for c in start), default=0)
        bound: float = worst_journey_bound(comp, sorted(covered))
    else:
        start_left = comp.size - sum(len(c) for c in start)
        start_objective = sum(comp.cost(c) for c in start) + LEAVE_OUT_PENALTY * start_left
        # The bound is on plans that leave out as many schools as this one.
        objective = sum(comp.cost(c) for c in plan) + LEAVE_OUT_PENALTY * len(left)
        bound = (0.0 if lp is None else math.ceil(lp.bound - 1e-6)) + LEAVE_OUT_PENALTY * len(left)
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


def _master(
    comp: Component,
    pool: ColumnPool,
    subset: Sequence[tuple[int, ...]],
    hint: Sequence[tuple[int, ...]],
    *,
    time_limit: float,
    seed: int,
    workers: int,
    left_out: int | None = None,
) -> tuple[list[tuple[int, ...]], str]:
    """CP-SAT over ``subset`` of the pool: each school in exactly one chosen cluster, or left out.

    With ``left_out`` the number of schools left out is fixed and only their price counts;
    without, each one left out costs ``LEAVE_OUT_PENALTY``. (A fixed count keeps the
    objective's coefficients in minutes, which CP-SAT searches far better.) The hint must be a
    partition drawn from ``subset``; it is returned if no plan is found in time.
    """
    ids = comp.problem.school_ids
    name = [ids[int(g)] for g in comp.schools]
    model = cp_model.CpModel()
    pick = [
        model.new_bool_var(f"cluster[{'+'.join(name[s] for s in members)}]") for members in subset
    ]
    cost = [pool.cost[pool.position(members)] for members in subset]
    left = [model.new_bool_var(f"left_out[{name[s]}]") for s in range(comp.size)]
    covering: list[list[cp_model.IntVar]] = [[left[s]] for s in range(comp.size)]
    for var, members in zip(pick, subset, strict=True):
        for s in members:
            covering[s].append(var)
    for options in covering:
        model.add_exactly_one(options)
    hinted = set(hint)
    for var, members in zip(pick, subset, strict=True):
        model.add_hint(var, members in hinted)
    hint_covers = {s for c in hint for s in c}
    for s, var in enumerate(left):
        model.add_hint(var, s not in hint_covers)
    total = sum(c * v for c, v in zip(cost, pick, strict=True))
    if left_out is None:
        total += LEAVE_OUT_PENALTY * sum(left)
    else:
        model.add(sum(left) == left_out)
    solver = _solver(time_limit=time_limit, seed=seed, workers=workers)
    if comp.problem.settings.objective == "worst":
        status = _minimise_worst_first(comp, subset, model, pick, left, total, solver)
    else:
        model.minimize(total)
        status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(hint), "FEASIBLE"
    chosen = [subset[k] for k, var in enumerate(pick) if solver.value(var)]
    return chosen, solver.status_name(status)


def _minimise_worst_first(
    comp: Component,
    subset: Sequence[tuple[int, ...]],
    model: cp_model.CpModel,
    pick: list[cp_model.IntVar],
    left: list[cp_model.IntVar],
    total: cp_model.LinearExprT,
    solver: cp_model.CpSolver,
) -> int:
    """Lexicographic: fewest schools left out, then the shortest longest journey, then total."""
    longest = [comp.longest(m) for m in subset]
    worst = model.new_int_var(0, max(longest, default=0), "longest_journey")
    for var, minutes in zip(pick, longest, strict=True):
        model.add(worst >= minutes).only_enforce_if(var)
    # A school left out outweighs any journey; then the journey; the total waits for stage 2.
    model.minimize(LEAVE_OUT_PENALTY * sum(left) + worst)
    half = solver.parameters.max_time_in_seconds / 2
    solver.parameters.max_time_in_seconds = half
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status
    model.add(sum(left) <= round(sum(solver.value(v) for v in left)))
    model.add(worst <= solver.value(worst))
    model.clear_hints()
    for var in [*pick, *left]:
        model.add_hint(var, bool(solver.value(var)))
    model.minimize(total)
    return solver.solve(model)


def _solver(*, time_limit: float, seed: int, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.random_seed = int(seed)
    solver.parameters.num_workers = int(workers)
    # Set partitioning has a strong LP relaxation; let CP-SAT use all of it.
    solver.parameters.linearization_level = 2
    if workers > 1:
        # Interleaved workers keep a multi-worker search repeatable for the same seed.
        solver.parameters.interleave_search = True
    return solver
