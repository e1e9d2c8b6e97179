"""Ejection-chain tabu search for rounds where every project takes exactly one reviewer.

When every team is one reviewer, with no lead or SLE asked for, no swap rule and school
releases too large to bind, the matching problem is the generalized assignment problem (GAP):
each project (job) to one reviewer (agent), each reviewer's days within their capacity. There
the regret start of ``solvers.matching.warm_start`` stays 2 to 12% above the optimum on the
OR-Library sets, and CP-SAT with two workers does little better on the hard (type D) instances,
so this search improves the start, in the style of Yagiura, Ibaraki and Glover's ejection chains:

* The search moves through plans that may overload reviewers, paying for each day over
  capacity a price per reviewer (its capacity's LP dual) times a common factor. The factor
  grows at every local optimum that overloads someone and shrinks at every one that does not,
  so the search keeps crossing the boundary of the feasible plans instead of stopping at the
  first one it reaches; once a feasible plan has been seen it stays at most ``MAX_SCALE``.
* A move is a chain: a job moves into another reviewer, which hands one of its jobs on to a
  third, and so on, until the last job moves into a reviewer without handing anything on or
  into the reviewer the chain started from (a cycle; a swap is a cycle of two). With each
  reviewer in a chain at most once, every reviewer gains and loses at most one job, so the
  chain's change in penalised cost is a sum of one term per step; the best chain of each
  length comes from a shortest-path recursion over a jobs x jobs table of such steps.
* Each iteration takes the first neighbourhood's chain that gains (shift, swap, longer
  chains), or at a local optimum the best chain of all even if it costs more; neither may
  move a job back into an agent it left in the last few iterations (tabu), so the search
  does not fall straight back.
* On problems of 1,000 pairs and more, ``solvers.search.relink`` runs this search from many plans
  (path relinking between elite plans, then an exact merge of the best of them); below that
  one run from the rounded LP relaxation.

Projects nobody is assigned to are handled as jobs of one more "reviewer", the unstaffed
row, with unlimited capacity and a cost high enough that leaving a project out never pays while
it can be staffed (see ``unstaffed_cost``).

The result is deterministic: the work is a number of iterations fixed by the size, ties go to
the lowest index, and the tabu tenures come from a generator seeded with the problem's data.
The move tables are numpy arrays rebuilt for each plan; at 100 jobs an iteration takes about
0.6 ms, most of it the per-call overhead of the chain recursion's few dozen array operations,
so a local optimum reuses its tables at the new penalty factor rather than rebuilding them.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import ortools.linear_solver.pywraplp as pywraplp

from solvers.engine.calibration import (
    EJECTION_ITERATIONS_PER_PAIR as ITERATIONS_PER_PAIR,
    EJECTION_MAX_CELLS as MAX_CELLS,
    EJECTION_MAX_ITERATIONS as MAX_ITERATIONS,
    EJECTION_MAX_JOBS as MAX_JOBS,
    EJECTION_MAX_PAIRS as MAX_PAIRS,
    EJECTION_WORK as WORK,
)
from solvers.matching.capacity import staff_days_left
from solvers.matching.encode import MatchingProblem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

INF = math.inf
# A move must gain at least this much to count: costs are whole numbers, penalties need not be.
EPSILON = 1e-9

# The search stops once this share of its budget has passed without a better plan. Small
# instances settle long before their budget, while type D ones improve in bursts far apart:
# a fifth kept the Cattrysse starts (CP-SAT proves those optimal within a second, so the start
# is only their fallback) at 0.13 s on average and 0.5 s at most, and cost d10100 and d20100
# 0.02 to 0.03% against waiting half the budget (means over eight runs: 0.52% and 0.67%).
PATIENCE_SHARE = 0.2
MIN_PATIENCE = 100
# Longest chain tried. Over ten runs on d20100, chains of up to 6 steps ended 0.69% above the
# optimum on average, against 0.82% for 8, 0.84% for 5 and 0.97% for 4; on d10100 longer
# chains did a little better (0.49% for 6, 0.48% for 8, 0.43% for 10) but took 1.6 to 1.8
# times as long. The spread between runs (about 0.1%) is as large as these differences.
CHAIN_LENGTH = 6
# The penalty factor changes by this ratio at each local optimum. Fast changes (1.1 or more)
# made the search jump between the same few plans on type D instances; 1.02 did best over
# the Chu-Beasley sets.
PENALTY_STEP = 1.02
# Until the search first reaches a plan within every capacity it raises the factor faster: the
# rounded LP overloads agents, and at the LP's own prices overload costs little (on type B
# instances 270 iterations passed before the first feasible plan at 1.02).
REPAIR_STEP = 1.1
# After a job leaves an agent it may not go back for this many iterations (drawn in this
# range), whether the move gained or not. Over eight runs of 2,500 iterations this took d20100
# from 0.73% above the optimum to 0.58% and d10100 from 0.51% to 0.39%, against making every
# job an escape moved tabu as a whole for 5 to 15 (the previous rule): a frozen job blocked
# too much, and improving moves were free to undo an escape at once. Tenures of 1-4 or 3-9
# did worse than 2-6.
TENURE = (2, 6)
# Once a feasible plan has been seen, the penalty factor stays at most this: the factor on
# type D instances otherwise drifts to 5-12 times the LP prices, where the search spends four
# iterations in five inside the capacities and no longer crosses to the better plans beyond.
# At 4 (3 was better on average but spread twice as wide; 2 rarely got back to feasible on
# d20100) path relinking went from 0.54% to 0.46% above the optimum on d20100 (four runs).
MAX_SCALE = 4.0


@dataclass(frozen=True)
class DenseGap:
    """A GAP-shaped problem as dense agents x jobs tables, the unstaffed row last."""

    cost: FloatArray  # (agents + 1, jobs); inf where not a candidate; unstaffed_cost last
    days: FloatArray  # (agents + 1, jobs); 0 where not a candidate and on the unstaffed row
    capacity: FloatArray  # (agents + 1,); inf on the unstaffed row
    pair: IntArray  # (agents + 1, jobs): candidate pair index, -1 where none
    jobs: IntArray  # the project of each column
    row: IntArray  # each pair's agent row
    column: IntArray  # each pair's job column

    @property
    def unstaffed(self) -> int:
        return int(self.cost.shape[0]) - 1


def dense_gap(problem: MatchingProblem, cost: Sequence[float]) -> DenseGap | None:
    """The problem as a GAP, or None when it is not one (or too large to search here).

    A GAP here: every project needs exactly one reviewer and no lead or SLE, there is no swap
    rule, and no school could release more days than it allows (release_days, cover budget)
    even if every reviewer of it worked to capacity. Then a plan keeps every hard rule exactly
    when each reviewer's days stay within capacity, so moves need check nothing else.
    """
    p = problem
    if p.n_pairs == 0 or p.n_pairs > MAX_PAIRS or p.no_direct_swap:
        return None
    if not (np.all(p.project_min == 1) and np.all(p.project_max == 1)):
        return None
    if p.project_needs_lead.any() or p.project_needs_sle.any():
        return None
    if p.project_role is not None and np.any(p.project_role >= 0):
        return None  # a project whose team must include a role (needs_role)
    if p.project_area_count is not None and np.any(p.project_area_count > 1):
        return None  # a project whose team must cover several areas (areas_covered)
    capacity = staff_days_left(p)
    offered = np.bincount(p.pair_staff, weights=p.pair_days, minlength=len(p.staff_ids))
    most = np.minimum(capacity, offered)
    released = np.bincount(p.staff_school, weights=most, minlength=len(p.school_ids))
    if np.any(released > p.school_days_cap()):
        return None
    agents, agent_of = np.unique(p.pair_staff, return_inverse=True)
    jobs, job_of = np.unique(p.pair_project, return_inverse=True)
    m, n = len(agents), len(jobs)
    if (m + 1) * n > MAX_CELLS or n > MAX_JOBS:
        return None
    pair = np.full((m + 1, n), -1, dtype=np.int64)
    pair[agent_of, job_of] = np.arange(p.n_pairs)
    if np.count_nonzero(pair >= 0) != p.n_pairs:
        return None  # a reviewer offered twice for one project: not a GAP
    table = np.full((m + 1, n), INF)
    table[agent_of, job_of] = np.asarray(cost, dtype=np.float64)
    table[m] = unstaffed_cost(table[:m][np.isfinite(table[:m])], n, float(p.weights.unstaffed))
    days = np.zeros((m + 1, n))
    days[agent_of, job_of] = p.pair_days
    return DenseGap(
        cost=table,
        days=days,
        capacity=np.append(capacity[agents].astype(np.float64), INF),
        pair=pair,
        jobs=jobs.astype(np.int64),
        row=agent_of.astype(np.int64),
        column=job_of.astype(np.int64),
    )


def unstaffed_cost(costs: FloatArray, jobs: int, weight: float) -> float:
    """What a job on the unstaffed row costs in the search: the unstaffed weight, or less.

    Above ``jobs`` x (the spread of the pair costs) + the largest cost, staffing one more job
    beats any rearrangement of the others, so every such cost ranks plans the same way as the
    weight itself: fewest unstaffed first, then cost. The weight on the benchmarks (10 million
    beside costs of tens) left GLOP ABNORMAL and would make the overload prices climb for
    hundreds of iterations before leaving a job out was ever worth it.
    """
    if len(costs) == 0:
        return weight
    spread = float(costs.max() - costs.min())
    return min(weight, jobs * spread + float(np.abs(costs).max()) + 1.0)


def iteration_budget(gap: DenseGap) -> int:
    """How many iterations the search may take: bounded by size, never by the clock."""
    agents, jobs = gap.cost.shape
    pairs = len(gap.row)
    return max(
        1, min(MAX_ITERATIONS, int(ITERATIONS_PER_PAIR * pairs), WORK // (jobs * (jobs + agents)))
    )


def floor_of(gap: DenseGap, bound: float) -> float:
    """The least any plan can cost: the LP bound, rounded up when every cost is whole."""
    finite = gap.cost[np.isfinite(gap.cost)]
    whole = bool(np.all(np.mod(finite, 1.0) == 0.0))
    return math.ceil(bound - 1e-6) if whole and math.isfinite(bound) else -INF


def seed_of(problem: MatchingProblem) -> int:
    """A seed from the problem's own data, so the same problem always searches the same way."""
    data = b"".join(
        np.ascontiguousarray(a).tobytes()
        for a in (problem.pair_staff, problem.pair_project, problem.pair_days, problem.pair_travel)
    )
    return zlib.crc32(data)


def assignment_of(gap: DenseGap, chosen: Sequence[int]) -> IntArray | None:
    """Each job's agent in a plan (the unstaffed row for jobs it leaves out)."""
    agent = np.full(gap.cost.shape[1], gap.unstaffed, dtype=np.int64)
    pairs = np.asarray(sorted({int(k) for k in chosen}), dtype=np.int64)
    if len(pairs) and (pairs.min() < 0 or pairs.max() >= len(gap.row)):
        return None
    columns = gap.column[pairs]
    if len(np.unique(columns)) != len(columns):
        return None  # two reviewers on one job: not a plan of this shape
    agent[columns] = gap.row[pairs]
    return agent


def pairs_of(gap: DenseGap, agent: IntArray) -> tuple[int, ...]:
    jobs = np.flatnonzero(agent != gap.unstaffed)
    return tuple(sorted(int(k) for k in gap.pair[agent[jobs], jobs]))


def cost_of(gap: DenseGap, agent: IntArray) -> float:
    return float(gap.cost[agent, np.arange(len(agent))].sum())


def relaxation(gap: DenseGap) -> tuple[IntArray, FloatArray, float]:
    """The LP relaxation: each job on its largest fraction, a price per day of each agent's
    capacity (its dual; the unstaffed row has none), and the bound on every plan's cost.

    Starting from the rounded LP and pricing overload at the duals did better than starting
    from the regret plan (mean over ten Chu-Beasley instances, two runs each: 0.15 to 0.17%
    above the optimum, against 0.17 to 0.26% at a price of 1 and 0.33 to 0.35% at the mean
    cost per day): the duals say which agents are worth overloading for a while.
    """
    m, n = gap.cost.shape
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        raise RuntimeError("OR-Tools was built without GLOP")
    cells = [(int(i), int(j)) for i, j in np.argwhere(np.isfinite(gap.cost))]
    x = {cell: solver.NumVar(0.0, 1.0, "") for cell in cells}
    by_job: list[list[pywraplp.Variable]] = [[] for _ in range(n)]
    by_agent: list[list[tuple[float, pywraplp.Variable]]] = [[] for _ in range(m)]
    for (i, j), var in x.items():
        by_job[j].append(var)
        by_agent[i].append((float(gap.days[i, j]), var))
    for vars_ in by_job:
        solver.Add(solver.Sum(vars_) == 1)
    limits: dict[int, pywraplp.Constraint] = {}
    for i in range(m - 1):  # the unstaffed row has no capacity
        if by_agent[i]:
            limits[i] = solver.Add(
                solver.Sum([d * var for d, var in by_agent[i]]) <= float(gap.capacity[i])
            )
    solver.Minimize(solver.Sum([float(gap.cost[cell]) * var for cell, var in x.items()]))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        # Cannot happen (the unstaffed row is always open); price overload evenly if it does.
        return np.argmin(gap.cost, axis=0), np.append(np.ones(m - 1), 0.0), -INF
    share = np.zeros((m, n))
    for (i, j), var in x.items():
        share[i, j] = var.solution_value()
    prices = np.zeros(m)
    for i, limit in limits.items():
        prices[i] = max(0.0, -limit.dual_value())
    # An agent whose capacity the LP leaves slack still gets a small price: without one the
    # search would overload it for free.
    top = prices.max()
    prices[:-1] = np.maximum(prices[:-1], 0.1 * top if top > 0 else 1.0)
    return np.argmax(share, axis=0).astype(np.int64), prices, solver.Objective().Value()


def _penalty(price: FloatArray, load: FloatArray, capacity: FloatArray) -> FloatArray:
    return price * np.maximum(load - capacity, 0.0)


@dataclass
class _Tables:
    """What every move from one plan changes, split into the cost and the overload penalty at a
    factor of 1, so that a local optimum re-prices them at the new factor without recomputing.

    Moves the tabu list forbids, and moves into non-candidates, cost inf (in ``shift_cost`` and
    ``enter_cost``); penalty parts are always finite.
    """

    forbidden: BoolArray  # the tabu list they were computed under
    leave: FloatArray  # (jobs,): penalty change at j's agent when j leaves it
    shift_cost: FloatArray  # (jobs, agents + 1): j moves into t, which gives nothing up
    shift_penalty: FloatArray
    enter_cost: FloatArray | None = None  # (jobs, jobs): i moves into j's agent, which gave j up
    enter_penalty: FloatArray | None = None


class Search:
    """The tabu search; ``walk`` moves from the current plan for a number of iterations and
    returns the best plan within every capacity it passed through.

    The state (the plan, its loads, the penalty factor, the tabu list) carries over from one
    walk to the next, so a caller can start walks from plans of its own (``restart``) while
    the factor keeps what it learnt about the instance.
    """

    def __init__(self, gap: DenseGap, start: IntArray, prices: FloatArray, seed: int) -> None:
        self.gap = gap
        self.cost = gap.cost
        self.days = gap.days
        self.capacity = gap.capacity
        self.cost_t = np.ascontiguousarray(gap.cost.T)
        self.days_t = np.ascontiguousarray(gap.days.T)
        self.prices = prices
        self.scale = 1.0
        self.rng = np.random.default_rng(seed)
        self.jobs = np.arange(gap.cost.shape[1])
        self.iteration = 0
        # tabu[j, i]: the iteration until which job j may not move back into agent i.
        self.tabu: IntArray = np.zeros(gap.cost.shape, dtype=np.int64).T.copy()
        self.restart(start)

    def restart(self, agent: IntArray, *, repaired: bool = False) -> None:
        """Continue from another plan (feasible or not), with an empty tabu list; ``repaired``
        when the penalty factor already suits the problem, so it need not climb fast first."""
        self.agent = agent.astype(np.int64, copy=True)
        # With weights, bincount gives float64 (numpy's stub says intp whatever the weights).
        self.load = cast(
            FloatArray,
            np.bincount(
                self.agent,
                weights=self.days[self.agent, self.jobs],
                minlength=self.cost.shape[0],
            ),
        )
        self.total = cost_of(self.gap, self.agent)
        self.tabu[:] = 0
        self.repaired = repaired or self.feasible()
        self._cache: _Tables | None = None

    def feasible(self) -> bool:
        return bool(np.all(self.load <= self.capacity))

    def run(self, iterations: int, incumbent: float, bound: float) -> IntArray | None:
        """The best feasible assignment costing less than ``incumbent`` found from the current
        plan, or None; stops early at the bound or once a share of the budget brings nothing."""
        patience = max(MIN_PATIENCE, int(PATIENCE_SHARE * iterations))
        value, plan = self.walk(iterations, patience=patience, floor=floor_of(self.gap, bound))
        return plan if value < incumbent - EPSILON else None

    def walk(
        self,
        iterations: int,
        *,
        patience: int | None = None,
        floor: float = -INF,
        offer: Callable[[IntArray, float], object] | None = None,
    ) -> tuple[float, IntArray | None]:
        """Move for ``iterations`` (fewer when a feasible plan reaches ``floor``, or when
        ``patience`` iterations pass without a better one after the first feasible plan) and
        return the cheapest feasible plan passed, with its cost (inf, None if none). ``offer``
        sees every feasible plan cheaper than those before it in this walk."""
        best: IntArray | None = None
        best_total = INF
        last: int | None = None  # counted from the first feasible plan: repairs come first
        for step in range(iterations):
            if best_total <= floor or (
                patience is not None and last is not None and step - last > patience
            ):
                break
            it = self.iteration
            self.iteration += 1
            forbidden = self.tabu > it
            moves = self.best_chain(improving=True, forbidden=forbidden)
            if moves is None:
                self._adapt()
                moves = self.best_chain(improving=False, forbidden=forbidden)
                if moves is None:
                    continue
            for j, _ in moves:
                self.tabu[j, self.agent[j]] = it + int(self.rng.integers(*TENURE))
            self.apply(moves)
            if self.feasible():
                self.repaired = True
                if last is None:
                    last = step
                if self.total < best_total - EPSILON:
                    best, best_total, last = self.agent.copy(), self.total, step
                    if offer is not None:
                        offer(best, best_total)
        return best_total, best

    def _adapt(self) -> None:
        """At a local optimum: cheaper overload after a feasible one, dearer after not."""
        if self.feasible():
            self.scale /= PENALTY_STEP
        elif self.repaired:
            self.scale *= PENALTY_STEP
        else:
            self.scale *= REPAIR_STEP
        if self.repaired:
            self.scale = min(self.scale, MAX_SCALE)

    def apply(self, moves: Sequence[tuple[int, int]]) -> None:
        for j, to in moves:
            was = self.agent[j]
            self.load[was] -= self.days[was, j]
            self.load[to] += self.days[to, j]
            self.total += self.cost[to, j] - self.cost[was, j]
            self.agent[j] = to
        self._cache = None

    def _tables(self, forbidden: BoolArray, *, enter: bool) -> _Tables:
        """The move tables of the current plan, computed once per plan (``enter`` on demand)."""
        a, jobs, load, capacity, prices = (
            self.agent,
            self.jobs,
            self.load,
            self.capacity,
            self.prices,
        )
        t = self._cache
        if t is None or t.forbidden is not forbidden:
            now = _penalty(prices, load, capacity)
            here_cost = self.cost[a, jobs]
            here_days = self.days[a, jobs]
            leave = _penalty(prices[a], load[a] - here_days, capacity[a]) - now[a]
            shift_cost = self.cost_t - here_cost[:, None]
            shift_cost[jobs, a] = INF
            shift_cost[forbidden] = INF
            shift_penalty = (
                _penalty(prices[None, :], load[None, :] + self.days_t, capacity[None, :])
                - now[None, :]
            )
            t = self._cache = _Tables(forbidden, leave, shift_cost, shift_penalty)
        if enter and t.enter_cost is None:
            here_cost = self.cost[a, jobs]
            here_days = self.days[a, jobs]
            load_a, capacity_a, price_a = load[a], capacity[a], prices[a]
            enter_cost = self.cost_t[:, a] - here_cost[:, None]
            # A job cannot enter its own agent, nor an agent it may not go back to yet.
            enter_cost[(a[:, None] == a[None, :]) | forbidden[:, a]] = INF
            t.enter_cost = enter_cost
            t.enter_penalty = _penalty(
                price_a[None, :],
                load_a[None, :] - here_days[None, :] + self.days_t[:, a],
                capacity_a[None, :],
            ) - _penalty(price_a, load_a, capacity_a)
        return t

    # Kept whole (ruff noqa below): the chain search's hot loop: calls cost more than the branches.
    def best_chain(  # noqa: C901
        self, *, improving: bool, forbidden: BoolArray | None = None
    ) -> list[tuple[int, int]] | None:
        """The best chain of moves (job, new agent) by penalised cost, moving no job into an
        agent ``forbidden`` to it: when ``improving``, the first neighbourhood (shift, swap,
        longer chains) with one that gains; otherwise the best of them all, gain or not."""
        if forbidden is None:
            forbidden = np.zeros(self.tabu.shape, dtype=np.bool_)
        a, jobs, scale = self.agent, self.jobs, self.scale
        n, m = self.tabu.shape
        t = self._tables(forbidden, enter=False)
        leave = scale * t.leave
        shift = t.shift_cost + scale * t.shift_penalty
        limit = -EPSILON if improving else INF
        best_value = limit
        best: list[tuple[int, int]] | None = None

        single = leave[:, None] + shift
        k = int(np.argmin(single))
        if single.flat[k] < best_value:
            j, to = divmod(k, m)
            best_value, best = float(single.flat[k]), [(j, to)]
            if improving:
                return best  # the cheapest move that gains: no need for the jobs x jobs table
        t = self._tables(forbidden, enter=True)
        assert t.enter_cost is not None and t.enter_penalty is not None
        enter = t.enter_cost + scale * t.enter_penalty
        pairs = enter + enter.T
        k = int(np.argmin(pairs))
        if pairs.flat[k] < best_value:
            i, j = divmod(k, n)
            best_value, best = float(pairs.flat[k]), [(i, int(a[j])), (j, int(a[i]))]
            if improving:
                return best

        # Longer chains: one label per last job (the best chain ending with it so far), grown a
        # step per round. When looking for a gain only chains that gain so far are grown: every
        # cycle that gains has a rotation whose every prefix gains too. The table work here is
        # most of the search's time, so labels keep back-pointers rather than whole paths, and
        # which jobs a label may take next (those of agents not yet in it) is kept as a mask.
        onehot = np.zeros((n, m), dtype=np.bool_)
        onehot[jobs, a] = True
        same = onehot[:, a]  # same[i, j]: jobs i and j are on one agent
        grow = limit if improving else INF
        ends = np.flatnonzero(leave < grow)
        value = leave[ends]
        used = onehot[ends]  # agents in each label's chain
        blocked = same[ends]  # jobs of those agents
        first = ends.copy()
        rounds: list[tuple[IntArray, IntArray]] = []  # per round: the labels' jobs and parents
        chain: tuple[int, int, int] | None = None  # round, label, where the chain ends
        for r in range(CHAIN_LENGTH - 1):
            if len(ends) == 0:
                break
            step = np.where(blocked, INF, value[:, None] + enter[ends])
            came = step.argmin(axis=0)
            reached = step[came, jobs]
            keep = reached < grow
            if keep.all():
                nxt = jobs
            else:
                nxt = np.flatnonzero(keep)
                if len(nxt) == 0:
                    break
                came, reached = came[keep], reached[keep]
            value = reached
            used = used[came] | onehot[nxt]
            blocked = blocked[came] | same[nxt]
            first = first[came]
            rounds.append((ends, came))
            ends = nxt
            # Ending with a shift into an agent not yet in the chain.
            open_shift = np.where(used, INF, shift[ends])
            target = open_shift.argmin(axis=1)
            ending = value + open_shift[np.arange(len(ends)), target]
            k = int(ending.argmin())
            if ending[k] < best_value:
                best_value, chain = float(ending[k]), (r, k, int(target[k]))
            # Ending back in the first job's agent, which gave that job up.
            closing = value - leave[first] + enter[ends, first]
            k = int(closing.argmin())
            if closing[k] < best_value:
                best_value, chain = float(closing[k]), (r, k, int(a[first[k]]))
        if chain is not None:
            r, k, last = chain
            steps = [int(ends[k]) if r == len(rounds) - 1 else int(rounds[r + 1][0][k])]
            for q in range(r, -1, -1):
                k = int(rounds[q][1][k])
                steps.append(int(rounds[q][0][k]))
            steps.reverse()
            best = [(steps[q], int(a[steps[q + 1]])) for q in range(len(steps) - 1)]
            best.append((steps[-1], last))
        return best
