"""Path relinking between elite plans, with the ejection-chain tabu search at points on the path
and an exact merge of the best plans at the end.

On the hard generalized assignment instances (Chu and Beasley's type D) a single run of the
chain search of ``solvers.search.ejection`` settles in one region of the plans: longer runs,
restarts with other tenures or CP-SAT re-solving the jobs of a few agents all stop 0.5 to 0.7% above
the optimum on d20100. Following Yagiura, Ibaraki and Glover ("A path relinking approach with
ejection chains for the generalized assignment problem", EJOR 2006), this keeps a small
*elite* set of plans that are both good and different from each other and searches between
them:

* The elite set starts from the caller's plan and from chain-search walks: one from the
  rounded LP relaxation, the others from that plan with a third of its jobs moved to random
  candidates.
* A *path* from one elite plan A to another B moves, one job at a time, a job on which they
  differ to its agent in B, always the move that adds least to the penalised cost (cost plus
  overload at the search's current prices), so it keeps near the capacities. Points on the
  path share most of their jobs with one parent or the other, and the chain search started
  from each (a short walk, with the penalty factor carried over from walk to walk) finds what
  mixes of the two are worth.
* Every feasible plan a walk finds is offered to the elite set. A plan enters if it is better
  than the worst and differs from every member in at least a tenth of the jobs, or, when it
  is that close to a member, only by replacing that member if it is better: so the set does
  not fill up with copies of one region. A plan better than the whole set always enters.
* At the end the best few elite plans are *merged*: CP-SAT finds the cheapest plan within
  every capacity that gives each job one of the agents those plans give it. By then the elite
  plans agree on most jobs (on d20100 ten of them leave 58 jobs with a choice, 200 pairs in
  all), so this small problem is solved exactly in a second or two, and it recombines all of
  them at once where a path mixes two: on d20100 it took the elite set's best from 6,223 to
  6,206 (optimum 6,185) where 16,800 iterations of relinking had crept from 6,235 to 6,223.

Everything is counted in iterations fixed by the size and in CP-SAT's deterministic time with
one worker, and every random choice comes from the search's generator, seeded with the
problem's data: the same problem always gives the same plan. The work is only worth it where
CP-SAT cannot close the gap by itself; below ``MIN_PAIRS`` candidate pairs (the Cattrysse
instances, solved to optimality within a second) the single chain search of
``solvers.search.ejection`` runs instead.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from solvers.engine.calibration import (
    RELINK_MAX_ITERATIONS as MAX_ITERATIONS,
    RELINK_WORK as WORK,
)
from solvers.search.ejection import DenseGap, Search

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Relinking runs from this many candidate pairs (100 jobs x 10 agents) up.
MIN_PAIRS = 1_000
# Elite plans kept, and the least share of jobs on which a new member differs from every other.
ELITE_SIZE = 10
MIN_DISTANCE_SHARE = 0.1
# The elite set is built by this many walks of INITIAL_WALK iterations per job each: the first
# from the rounded LP, the others from it with SHAKE_SHARE of its jobs moved at random.
INITIAL_WALKS = 6
INITIAL_WALK = 8
SHAKE_SHARE = 1 / 3
# Points searched on each path (evenly spaced), and the walk from each in iterations per job.
# Over four runs on d20100 two points and 200 iterations did as well as one point and 300
# (0.53% and 0.54% above the optimum) and better on d10100 against three points and 100.
PATH_POINTS = 2
WALK = 2
# Relinking needs at least this many paths after building the elite set to be worth its time;
# where the budget allows fewer (200 jobs: 4,600 iterations, 6.5 s, left d10200 and d20200
# where the single search leaves them in 0.5 s) the single search runs instead.
MIN_PATHS = 20
# The merges at the end: of the best 3, then 5, 7 and 10 elite plans (each merge sees the one
# before it among them), each within MERGE_WORK of CP-SAT's deterministic time on one worker
# (about as many seconds here). On d20100 the best 5 gave 6,209 in 0.4 s, 7 gave 6,206 in 2.4 s
# (solved to optimality); the whole elite set of 10 with the LP's pairs added (223 pairs) found
# nothing better in 7 s: the union must stay small for the merge to be exact and quick.
MERGE_SIZES = (3, 5, 7, 10)
MERGE_WORK = 1.0


def applies(gap: DenseGap) -> bool:
    """Whether the problem is large enough for relinking to be needed, and small enough for
    its budget to pay for enough paths."""
    jobs = gap.cost.shape[1]
    initial = INITIAL_WALKS * INITIAL_WALK * jobs
    paths = MIN_PATHS * PATH_POINTS * WALK * jobs
    return len(gap.row) >= MIN_PAIRS and iteration_budget(gap) >= initial + paths


def iteration_budget(gap: DenseGap) -> int:
    """Iterations for the whole relinking, bounded by size, never by the clock."""
    agents, jobs = gap.cost.shape
    return max(1, min(MAX_ITERATIONS, WORK // (jobs * (jobs + agents))))


class Elite:
    """Good plans far enough apart; ``offer`` decides who enters (see the module docstring)."""

    def __init__(self, size: int, min_distance: int) -> None:
        self.size = size
        self.min_distance = min_distance
        self.plans: list[IntArray] = []
        self.costs: list[float] = []

    def __len__(self) -> int:
        return len(self.plans)

    @property
    def best(self) -> tuple[float, IntArray | None]:
        if not self.plans:
            return np.inf, None
        k = int(np.argmin(self.costs))
        return self.costs[k], self.plans[k]

    def offer(self, plan: IntArray, cost: float) -> bool:
        """Take a feasible plan in if it earns its place; whether it did."""
        if not self.plans:
            self._put(len(self.plans), plan, cost)
            return True
        distance = np.array([np.count_nonzero(plan != other) for other in self.plans])
        closest = int(np.argmin(distance))
        if distance[closest] == 0:
            return False
        if cost < min(self.costs):
            # A new best enters whatever its distance, in place of the plan most like it
            # (or beside the others while there is room and it is far from all of them).
            where = len(self.plans) if self._room(distance) else closest
            self._put(where, plan, cost)
            return True
        if distance[closest] < self.min_distance:
            if cost < self.costs[closest]:
                self._put(closest, plan, cost)
                return True
            return False
        if len(self.plans) < self.size:
            self._put(len(self.plans), plan, cost)
            return True
        worst = int(np.argmax(self.costs))
        if cost < self.costs[worst]:
            self._put(worst, plan, cost)
            return True
        return False

    def _room(self, distance: npt.NDArray[np.int64]) -> bool:
        return len(self.plans) < self.size and bool(distance.min() >= self.min_distance)

    def _put(self, where: int, plan: IntArray, cost: float) -> None:
        if where == len(self.plans):
            self.plans.append(plan.copy())
            self.costs.append(cost)
        else:
            self.plans[where] = plan.copy()
            self.costs[where] = cost


def relink(search: Search, incumbent: IntArray, floor: float) -> IntArray | None:
    """The best feasible plan found by relinking, if it costs less than ``incumbent`` (a
    feasible assignment of the search's problem); ``search`` starts at the LP rounding."""
    gap = search.gap
    jobs = gap.cost.shape[1]
    budget = iteration_budget(gap)
    elite = Elite(ELITE_SIZE, max(2, round(MIN_DISTANCE_SHARE * jobs)))
    incumbent_cost = float(gap.cost[incumbent, np.arange(jobs)].sum())
    elite.offer(incumbent, incumbent_cost)
    rounded = search.agent.copy()
    initial, walk = INITIAL_WALK * jobs, WALK * jobs
    used = 0
    for k in range(INITIAL_WALKS):
        if elite.best[0] <= floor:
            break
        if k:
            search.restart(shake(gap, rounded, search.rng))
        search.walk(initial, floor=floor, offer=elite.offer)
        used += initial
    while used + PATH_POINTS * walk <= budget and len(elite) >= 2 and elite.best[0] > floor:
        a, b = (int(k) for k in search.rng.choice(len(elite), size=2, replace=False))
        for point in path_points(search, elite.plans[a], elite.plans[b], PATH_POINTS):
            # A point between two feasible plans needs no fast climb of the penalty factor.
            search.restart(point, repaired=True)
            search.walk(walk, floor=floor, offer=elite.offer)
        used += PATH_POINTS * walk
    for size in MERGE_SIZES:
        if len(elite) < 2 or elite.best[0] <= floor:
            break
        order = np.argsort(elite.costs, kind="stable")[:size]
        merged = merge(gap, [elite.plans[int(k)] for k in order])
        if merged is not None:
            elite.offer(merged, float(gap.cost[merged, np.arange(jobs)].sum()))
    cost, plan = elite.best
    return plan if plan is not None and cost < incumbent_cost - 1e-9 else None


def shake(gap: DenseGap, plan: IntArray, rng: np.random.Generator) -> IntArray:
    """``plan`` with a share of its jobs moved to a random candidate agent each (the
    unstaffed row only for a job with no candidate)."""
    agents, jobs = gap.cost.shape
    shaken = plan.copy()
    count = max(1, round(SHAKE_SHARE * jobs))
    for j in sorted(int(k) for k in rng.choice(jobs, size=min(count, jobs), replace=False)):
        candidates = np.flatnonzero(np.isfinite(gap.cost[: agents - 1, j]))
        if len(candidates):
            shaken[j] = int(candidates[int(rng.integers(len(candidates)))])
    return shaken


def path_points(search: Search, start: IntArray, goal: IntArray, count: int) -> list[IntArray]:
    """``count`` evenly spaced plans on the greedy path from ``start`` to ``goal``: each step
    moves the job, among those still on a different agent from ``goal``, whose move to its
    agent there adds least to the cost plus overload at the search's current prices."""
    gap = search.gap
    price = search.scale * search.prices
    plan = start.copy()
    differ = np.flatnonzero(start != goal)
    length = len(differ)
    if length < 2:
        return []
    marks = {round(length * (q + 1) / (count + 1)) for q in range(count)}
    marks = {mark for mark in marks if 0 < mark < length}
    # With weights, bincount gives float64 (numpy's stub says intp whatever the weights).
    load = cast(
        FloatArray,
        np.bincount(
            plan, weights=gap.days[plan, np.arange(len(plan))], minlength=gap.cost.shape[0]
        ),
    )
    capacity = gap.capacity
    points: list[IntArray] = []
    left = differ.copy()
    for step in range(1, max(marks, default=0) + 1):
        was, to = plan[left], goal[left]
        out_days, in_days = gap.days[was, left], gap.days[to, left]
        change = (
            gap.cost[to, left]
            - gap.cost[was, left]
            + _overload(price[was], load[was] - out_days, capacity[was])
            - _overload(price[was], load[was], capacity[was])
            + _overload(price[to], load[to] + in_days, capacity[to])
            - _overload(price[to], load[to], capacity[to])
        )
        k = int(np.argmin(change))
        j = int(left[k])
        load[plan[j]] -= gap.days[plan[j], j]
        plan[j] = goal[j]
        load[plan[j]] += gap.days[plan[j], j]
        left = np.delete(left, k)
        if step in marks:
            points.append(plan.copy())
    return points


def _overload(price: FloatArray, load: FloatArray, capacity: FloatArray) -> FloatArray:
    return price * np.maximum(load - capacity, 0.0)


def merge(gap: DenseGap, plans: list[IntArray]) -> IntArray | None:
    """The cheapest plan within every capacity that gives each job one of the agents ``plans``
    (feasible assignments) give it, as far as CP-SAT gets within MERGE_WORK from the first
    plan as its hint; None when the costs or days are not whole numbers (CP-SAT takes whole
    numbers only) or it finds nothing cheaper than the first plan."""
    agents, jobs = gap.cost.shape
    allowed = np.zeros((agents, jobs), dtype=np.bool_)
    for plan in plans:
        allowed[plan, np.arange(jobs)] = True
    rows, columns = np.nonzero(allowed)
    cost = gap.cost[rows, columns]
    days = gap.days[rows, columns]
    if not (np.all(np.mod(cost, 1.0) == 0.0) and np.all(np.mod(days, 1.0) == 0.0)):
        return None
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in range(len(rows))]
    for j in range(jobs):
        model.add_exactly_one(x[k] for k in np.flatnonzero(columns == j))
    for i in range(agents):
        on = np.flatnonzero(rows == i)
        # Agents whose allowed jobs all fit together, and the unstaffed row, need no limit.
        if len(on) and np.isfinite(gap.capacity[i]) and days[on].sum() > gap.capacity[i]:
            model.add(sum(int(days[k]) * x[k] for k in on) <= math.floor(gap.capacity[i]))
    model.minimize(sum(int(cost[k]) * x[k] for k in range(len(rows))))
    for k in range(len(rows)):
        model.add_hint(x[k], bool(plans[0][columns[k]] == rows[k]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one worker: the same model always gives the same plan
    solver.parameters.max_deterministic_time = MERGE_WORK
    # The full LP relaxation (knapsack rows and all) proved d20100's merge optimal in 2.7 units
    # of work where the default took 4.6.
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    merged = plans[0].copy()
    chosen = np.array([solver.boolean_value(v) for v in x], dtype=np.bool_)
    merged[columns[chosen]] = rows[chosen]
    first = float(gap.cost[plans[0], np.arange(jobs)].sum())
    better = float(cost[chosen].sum()) < first - 1e-9
    return merged if better else None
