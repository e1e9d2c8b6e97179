"""Attaching points to a given set of open medians, within capacity, at least distance.

``transport`` solves the transportation problem (a min-cost flow, OR-Tools): points send their
demand to open medians, split if need be. Its value bounds from below every plan with those
medians, and with unit demands (school hubs) its flow is a plan, and optimal. With other
demands a point may come out split; ``attach`` then solves the small assignment problem with
those medians in CP-SAT (points x open medians), hinted with each point's largest share and
bounded from below by the flow.

A median always serves itself: its own demand is taken off its room before the flow.
The work is counted: flow arcs at ``FLOW_ARCS_PER_SECOND``, CP-SAT in deterministic time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.engine.budget import Budget
from solvers.engine.calibration import FLOW_ARCS_PER_SECOND, PMEDIAN_WORK_PER_CORE_SECOND

# Most nominal seconds one exact assignment (CP-SAT) may take.
ASSIGN_SECONDS = 0.3


@dataclass(frozen=True)
class Attached:
    """A plan for given medians: its value and each point's median (-1: left out)."""

    cost: int
    median_of: tuple[int, ...]
    proven: bool  # no plan with these medians is cheaper


@dataclass(frozen=True)
class Flow:
    """The transportation problem's value, and each arc's flow (point, median, amount)."""

    cost: float
    points: IntArray
    medians: IntArray
    amounts: IntArray


def _arcs(problem: PMedianProblem, medians: list[int]) -> tuple[IntArray, IntArray, IntArray]:
    """(point, median, cost) of every arc from a point that is not a median to an open one."""
    is_median = np.zeros(problem.n, dtype=np.bool_)
    is_median[medians] = True
    others = np.flatnonzero(~is_median)
    open_ = np.asarray(medians, dtype=np.int64)
    ok = np.ones((len(others), len(open_)), dtype=np.bool_)
    if problem.allowed is not None:
        ok = problem.allowed[np.ix_(others, open_)].copy()
    rows, cols = np.nonzero(ok)
    points, heads = others[rows], open_[cols]
    return points, heads, problem.distance[points, heads].astype(np.int64)


def transport(problem: PMedianProblem, medians: list[int], budget: Budget) -> Flow | None:
    """The cheapest split flow of every point's demand to ``medians``; None if none fits."""
    n, p = problem.n, len(medians)
    room = problem.capacity - problem.demand[medians]
    if (room < 0).any():
        return None
    points, heads, costs = _arcs(problem, medians)
    # A point pays its distance once, whatever its demand: per unit of demand that is
    # distance / demand, made whole by a common multiple of the demands.
    scale = int(np.lcm.reduce(np.unique(problem.demand)))
    per_unit = scale // problem.demand
    position = {j: k for k, j in enumerate(medians)}
    head_node = n + np.asarray([position[j] for j in heads.tolist()], dtype=np.int64)
    sink = n + p
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = [points, n + np.arange(p)]
    nodes_to = [head_node, np.full(p, sink)]
    capacities = [problem.demand[points], room]
    unit_costs = [costs * per_unit[points], np.zeros(p, dtype=np.int64)]
    is_median = np.zeros(n, dtype=np.bool_)
    is_median[medians] = True
    others = np.flatnonzero(~is_median)
    if problem.leave_out_penalty is not None:
        tails.append(others)
        nodes_to.append(np.full(len(others), sink))
        capacities.append(problem.demand[others])
        unit_costs.append(problem.leave_out_penalty * per_unit[others])
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails),
        np.concatenate(nodes_to),
        np.concatenate(capacities),
        np.concatenate(unit_costs),
    )
    supplies = np.zeros(n + p + 1, dtype=np.int64)
    supplies[others] = problem.demand[others]
    supplies[sink] = -int(problem.demand[others].sum())
    flow.set_nodes_supplies(np.arange(n + p + 1), supplies)
    budget.spend(len(arcs) / FLOW_ARCS_PER_SECOND)
    if flow.solve() != flow.OPTIMAL:
        return None
    amounts = flow.flows(arcs)[: len(points)]
    used = amounts > 0
    return Flow(flow.optimal_cost() / scale, points[used], heads[used], amounts[used])


def attach(
    problem: PMedianProblem,
    medians: list[int],
    budget: Budget,
    seed: int = 0,
    beat: float | None = None,
    *,
    exact: bool = True,
) -> Attached | None:
    """The best plan with exactly these ``medians`` open (or a good one, when not proven).

    The flow splits few points (at most one per median in a basic solution); those alone are
    decided first, with every other point where the flow sent it: by rounding (each to the
    open median with room nearest to it), and when that misses the flow's bound, unless not
    ``exact``, in CP-SAT. Only when they do not fit is every point decided afresh, and also
    when the placed split points do not ``beat`` a value the flow's bound says these medians
    could beat (the swap search's best plan). Not ``exact``: a rounded plan is returned as
    found (searches that only need a good plan, quickly).
    """
    flow = transport(problem, medians, budget)
    if flow is None:
        return None
    whole = flow.amounts == problem.demand[flow.points]
    fixed = dict(zip(flow.points[whole].tolist(), flow.medians[whole].tolist(), strict=True))
    rounded = round_flow(problem, medians, flow, fixed)
    if rounded is not None and (not exact or rounded.proven):
        return rounded
    repaired = _assignment(problem, medians, flow, budget, seed, fixed)
    if rounded is not None and (repaired is None or rounded.cost <= repaired.cost):
        repaired = rounded
    if repaired is not None and (beat is None or repaired.cost < beat):
        return replace(repaired, proven=False)
    afresh = _assignment(problem, medians, flow, budget, seed, {})
    if repaired is None or (afresh is not None and afresh.cost < repaired.cost):
        return afresh
    return replace(repaired, proven=False)


def round_flow(
    problem: PMedianProblem, medians: list[int], flow: Flow, fixed: dict[int, int]
) -> Attached | None:
    """The flow's whole points where it sent them, each split point (largest first) to the
    nearest open median it still fits; None if one fits nowhere. Proven when no dearer than
    the flow's bound."""
    median_of = np.full(problem.n, -1, dtype=np.int64)
    median_of[medians] = medians
    load = dict(zip(medians, problem.demand[medians].tolist(), strict=True))
    for i, j in fixed.items():
        median_of[i] = j
        load[j] += int(problem.demand[i])
    split = sorted(set(flow.points.tolist()) - fixed.keys(), key=lambda i: -problem.demand[i])
    for i in split:
        fits = [
            j
            for j in medians
            if load[j] + problem.demand[i] <= problem.capacity
            and (problem.allowed is None or problem.allowed[i, j])
        ]
        if not fits:
            return None
        j = min(fits, key=lambda j: (problem.distance[i, j], j))
        median_of[i] = j
        load[j] += int(problem.demand[i])
    plan = tuple(median_of.tolist())
    cost = plan_cost(problem, plan)
    return Attached(cost, plan, proven=cost <= math.ceil(flow.cost - 1e-9))


def _left_cost(problem: PMedianProblem, median_of: IntArray) -> int:
    left = int((median_of < 0).sum())
    return 0 if left == 0 else left * int(problem.leave_out_penalty or 0)


def _assignment(
    problem: PMedianProblem,
    medians: list[int],
    flow: Flow,
    budget: Budget,
    seed: int,
    fixed: dict[int, int],
) -> Attached | None:
    """The generalized assignment of the points not ``fixed`` to ``medians``, in CP-SAT."""
    points, heads, costs = _arcs(problem, medians)
    free = np.asarray([i not in fixed for i in points.tolist()], dtype=np.bool_)
    points, heads, costs = points[free], heads[free], costs[free]
    model = cp_model.CpModel()
    x = [
        model.new_bool_var(f"x{i}_{j}")
        for i, j in zip(points.tolist(), heads.tolist(), strict=True)
    ]
    by_point: dict[int, list[int]] = {}
    by_median: dict[int, list[int]] = {}
    for k, (i, j) in enumerate(zip(points.tolist(), heads.tolist(), strict=True)):
        by_point.setdefault(i, []).append(k)
        by_median.setdefault(j, []).append(k)
    left: dict[int, cp_model.IntVar] = {}
    if problem.leave_out_penalty is not None:
        left = {i: model.new_bool_var(f"left{i}") for i in by_point}
    for i, ks in by_point.items():
        model.add_exactly_one([x[k] for k in ks] + ([left[i]] if i in left else []))
    taken = dict.fromkeys(medians, 0)
    for i, j in fixed.items():
        taken[j] += int(problem.demand[i])
    for j in medians:
        room = problem.capacity - int(problem.demand[j]) - taken[j]
        ks = by_median.get(j, [])
        model.add(sum(int(problem.demand[points[k]]) * x[k] for k in ks) <= room)
    constant = sum(int(problem.distance[i, j]) for i, j in fixed.items())
    penalty = int(problem.leave_out_penalty or 0)
    objective: cp_model.LinearExpr | int = sum(
        int(c) * x[k] for k, c in enumerate(costs.tolist()) if c
    ) + sum(penalty * v for v in left.values())
    model.add(objective + constant >= math.ceil(flow.cost - 1e-9))
    model.minimize(objective)
    largest = _largest_share(flow)
    for k, (i, j) in enumerate(zip(points.tolist(), heads.tolist(), strict=True)):
        model.add_hint(x[k], largest.get(i) == j)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    budget.limit(solver, 1, ASSIGN_SECONDS, rate=PMEDIAN_WORK_PER_CORE_SECOND)
    status = solver.solve(model)
    budget.charge(solver, 1, rate=PMEDIAN_WORK_PER_CORE_SECOND)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    median_of = np.full(problem.n, -1, dtype=np.int64)
    median_of[medians] = medians
    for i, j in fixed.items():
        median_of[i] = j
    for k, var in enumerate(x):
        if solver.value(var):
            median_of[points[k]] = heads[k]
    plan = tuple(median_of.tolist())
    return Attached(plan_cost(problem, plan), plan, proven=status == cp_model.OPTIMAL)


def _largest_share(flow: Flow) -> dict[int, int]:
    """Each point's median that took most of its demand in the flow (the hint)."""
    largest: dict[int, tuple[int, int]] = {}
    for i, j, amount in zip(
        flow.points.tolist(), flow.medians.tolist(), flow.amounts.tolist(), strict=True
    ):
        if amount > largest.get(i, (-1, 0))[1]:
            largest[i] = (j, amount)
    return {i: j for i, (j, _) in largest.items()}


def plan_cost(problem: PMedianProblem, median_of: tuple[int, ...]) -> int:
    """Distance of every attached point to its median, plus the penalty of those left out."""
    of = np.asarray(median_of, dtype=np.int64)
    attached = of >= 0
    cost = int(problem.distance[np.flatnonzero(attached), of[attached]].sum())
    return cost + _left_cost(problem, of)
