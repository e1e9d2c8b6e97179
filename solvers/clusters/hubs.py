"""Hubs of schools: the capacitated p-median of ``solvers.clusters.pmedian`` plus the cluster rules.

A hub is a median school and the schools attached to it. The pair rules of clusters
(``solvers.clusters.rules``) decide which school may attach to which hub: travel to the hub,
and (by transitivity through the hub) one phase when ``phase = "same"``. Two rules need the
whole hub and are added here as constraints of their own: no two schools of one trust in a hub,
and the soft mix rules. Rotation is priced on the arc: joining a hub whose school shared last
year's cluster costs ``rotate`` more.

Components of the school graph are solved apart when the number of hubs is free (``hubs =
0``), side by side with several workers (``solvers.engine.lanes``); a fixed number of hubs couples
them, so they are then solved as one model. The time limit is counted as work
(``solvers.engine.budget``), so the same input, seed, workers and limit give the same hubs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
import numpy as np

from solvers.clusters.encode import ClusterProblem
from solvers.clusters.pmedian import (
    PMedianModel,
    PMedianProblem,
    PMedianSolution,
    build_pmedian,
    solve_pmedian_model,
)
from solvers.clusters.rules import school_graph
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    GRAPH_PAIRS_PER_SECOND,
    HUBS_MIN_SEARCH_SECONDS as MIN_SEARCH_SECONDS,
    PMEDIAN_ARCS_PER_SECOND,
)
from solvers.engine.lanes import solve_parts
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions

# Penalty per school attached to no hub: above any travel, so schools are left out last.
LEAVE_OUT_PENALTY = 100_000


@dataclass(frozen=True)
class HubSolution:
    """Hubs (global school index of the hub, members including it) and the schools left out."""

    hubs: tuple[tuple[int, tuple[int, ...]], ...]
    left_out: tuple[int, ...]
    unsolved: tuple[int, ...]  # left out because no plan was found in time for their part
    objective: float
    bound: float
    status: str
    seconds: float  # wall clock, for reports only
    # False when the clock guard, not the work limit, stopped a search (solvers.engine.budget).
    repeatable: bool = True


def add_trust_apart(m: PMedianModel, trust: np.ndarray) -> None:
    """Hard (trust = "forbid_shared"): at most one school of each trust in a hub."""
    for j, points in m.by_median.items():
        by_trust: dict[int, list[int]] = defaultdict(list)
        for i in points:
            if trust[i] >= 0:
                by_trust[int(trust[i])].append(i)
        for members in by_trust.values():
            if len(members) > 1:
                m.model.add_at_most_one(m.attach[i, j] for i in members)


def mix_breaches(m: PMedianModel, problem: ClusterProblem, local: np.ndarray) -> None:
    """Soft: per hub, schools over max_weak plus schools short of min_strong (rated rounds).

    Adds its penalty, weighted by ``mix_penalty``, to the model's extra terms.
    """
    settings = problem.settings
    if not problem.rated or not settings.mix_penalty:
        return
    weak, strong = problem.weak[local], problem.strong[local]
    for j, points in m.by_median.items():
        name = m.problem.name(j)
        over = m.model.new_int_var(0, len(points), f"mix_over[{name}]")
        weak_load = sum(m.attach[i, j] for i in points if weak[i])
        m.model.add(over >= weak_load - settings.max_weak_per_cluster * m.open[j])
        short = m.model.new_int_var(0, settings.min_strong_per_cluster, f"mix_short[{name}]")
        strong_load = sum(m.attach[i, j] for i in points if strong[i])
        m.model.add(short >= settings.min_strong_per_cluster * m.open[j] - strong_load)
        m.extra_terms.append(settings.mix_penalty * (over + short))


def _hub_problem(problem: ClusterProblem, graph: nx.Graph, local: np.ndarray) -> PMedianProblem:
    """The p-median data of the schools ``local`` (global indices), from the school graph."""
    settings = problem.settings
    position = {int(g): k for k, g in enumerate(local.tolist())}
    n = len(local)
    distance = np.zeros((n, n), dtype=np.int64)
    allowed = np.zeros((n, n), dtype=np.bool_)
    for a, b, data in graph.subgraph(local.tolist()).edges(data=True):
        i, j = position[a], position[b]
        allowed[i, j] = allowed[j, i] = True
        distance[i, j] = distance[j, i] = data["minutes"]
    previous = problem.previous[local]
    again = (previous[:, None] == previous[None, :]) & (previous[:, None] >= 0)
    distance = distance + settings.rotate * again.astype(np.int64)
    np.fill_diagonal(distance, 0)
    return PMedianProblem(
        distance=distance,
        demand=np.ones(n, dtype=np.int64),
        capacity=settings.hub_capacity,
        medians=settings.hubs or None,
        allowed=allowed,
        min_load=settings.min_size,
        leave_out_penalty=LEAVE_OUT_PENALTY,
        names=tuple(problem.school_ids[int(g)] for g in local),
    )


def solve_hubs(
    problem: ClusterProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
) -> HubSolution:
    """Choose hub schools and attach every free school to one, least travel to the hubs.

    Parameters
    ----------
    problem
        The encoded region; ``settings.hubs`` fixes the number of hubs (0: as few as the
        capacity, the size floor and the travel limit allow).
    budget
        Work shared between components by their size (``solvers.engine.lanes``, components
        side by side with several workers).
    options
        The random seed and threads.
    """
    started = time.perf_counter()
    workers = options.workers
    graph = school_graph(problem)
    budget.spend(graph.number_of_edges() / GRAPH_PAIRS_PER_SECOND)
    if problem.settings.hubs:
        groups = [sorted(graph.nodes)]  # a fixed count of hubs couples the whole region
    else:
        groups = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: c[0])
    # Too few schools for any hub: left out without a search.
    solvable = [nodes for nodes in groups if len(nodes) >= problem.settings.min_size]
    lanes = max(1, min(workers, len(solvable)))

    def build_seconds(k: int) -> float:
        # Arcs of the model: each school to itself and to every neighbour it may attach to.
        nodes = solvable[k]
        arcs = len(nodes) + 2 * graph.subgraph(nodes).number_of_edges()
        return arcs / PMEDIAN_ARCS_PER_SECOND

    def solve(k: int, share: Budget) -> PMedianSolution:
        local = np.asarray(solvable[k], dtype=np.int64)
        model = build_pmedian(_hub_problem(problem, graph, local))
        if problem.settings.trust == "forbid_shared":
            add_trust_apart(model, problem.trust[local])
        mix_breaches(model, problem, local)
        share.spend(build_seconds(k))
        # A lone lane has every worker; side by side, each lane has one.
        return solve_pmedian_model(model, share, options=options.on(workers if lanes == 1 else 1))

    solutions = solve_parts(
        [len(nodes) for nodes in solvable],
        solve,
        budget=budget,
        lanes=lanes,
        floor=[MIN_SEARCH_SECONDS + build_seconds(k) for k in range(len(solvable))],
    )
    hubs: list[tuple[int, tuple[int, ...]]] = []
    left: list[int] = []
    unsolved: list[int] = []
    objective = bound = 0.0
    for nodes in groups:
        if len(nodes) < problem.settings.min_size:
            left.extend(nodes)
            objective += LEAVE_OUT_PENALTY * len(nodes)
            bound += LEAVE_OUT_PENALTY * len(nodes)
    for nodes, solution in zip(solvable, solutions, strict=True):
        local = np.asarray(nodes, dtype=np.int64)
        if not solution.has_solution:
            left.extend(nodes)
            if solution.status != "INFEASIBLE":
                unsolved.extend(nodes)
            continue
        for j in solution.medians:
            members = tuple(int(local[i]) for i, m in enumerate(solution.median_of) if m == j)
            hubs.append((int(local[j]), members))
        left.extend(int(local[i]) for i, m in enumerate(solution.median_of) if m < 0)
        objective += solution.objective or 0.0
        bound += solution.bound or 0.0
    statuses = [solution.status for solution in solutions]
    status = "OPTIMAL" if statuses and all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"
    if any(s not in ("OPTIMAL", "FEASIBLE") for s in statuses):
        status = next(s for s in statuses if s not in ("OPTIMAL", "FEASIBLE"))
    return HubSolution(
        hubs=tuple(hubs),
        left_out=tuple(sorted(left)),
        unsolved=tuple(sorted(unsolved)),
        objective=objective,
        bound=bound,
        status=status,
        seconds=time.perf_counter() - started,
        repeatable=budget.repeatable,
    )
