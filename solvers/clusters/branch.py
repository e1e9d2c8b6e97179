"""Branch and bound over the open medians, each node bounded by the Lagrangian relaxation.

The relaxation's bound (``solvers.clusters.lagrange``) equals the set-partitioning LP, and on
the published instances that is still 2-6% below the optimum: the relaxation opens a little of
many medians. Holding one median open in one branch and closed in the other takes that away,
and the bound of each branch is raised again by a few subgradient steps from its parent's
multipliers. The tree is searched best bound first, so the least open bound is a proven bound
for the whole problem at any moment, and the search can stop on its work limit with it.

At every node:

- **reduced-cost fixing**: a free median whose opening (or closing) alone lifts the node's
  bound to the best plan's value is closed (or held open) for the whole subtree;
- **branching** on the free median the recent relaxations opened closest to half the time;
- **plans**: the medians a child's relaxation opens are attached when the transportation
  bound says they could beat the best plan (``solvers.clusters.moves.polish``: the flow
  rounded, points moved under capacity, medians moved inside their clusters); a node whose
  medians are all decided is attached exactly (``solvers.clusters.assign``) and closed.

The work is counted as the relaxation's and the assignments' (``Budget``), so the same
problem, seed and limit give the same tree.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from solvers.clusters.assign import attach, transport
from solvers.clusters.cut_bound import FoundDuals
from solvers.clusters.lagrange import (
    EPS,
    Dual,
    FloatArray,
    Lagrangian,
    Pace,
    reduced_arcs,
    subgradient,
)
from solvers.clusters.moves import polish
from solvers.clusters.penalised import CutsByPoint
from solvers.clusters.pmedian_problem import IntArray, PMedianProblem
from solvers.clusters.swap import Incumbent, incumbent_of
from solvers.clusters.twin import (
    Bounded,
    Bounding,
    Twin,
    bound_child,
    charge_side_by_side,
    node_twin,
)
from solvers.engine.budget import Budget

# Exact node bounds were measured and left off: each child bounded by its set-partitioning
# LP (column generation, GLOP master warm-started with the parent's columns, these knapsacks
# as pricing) is 2-7 above its 25 steps, but takes 12-20 pricing rounds and LP solves, 3-4
# times the steps' work, so the tree ends no higher in the same work (gen100x10s1 / s4 / s7,
# 20 s of tree work: 1,027 / 1,058 / 1,092 against 1,030 / 1,059 / 1,093). Even exact bounds
# at the steps' cost would give only 1,031 / 1,062 / 1,097 (benchmarks/README.md).

# Subgradient steps at each child, started from its parent's multipliers, halving the step
# after NODE_STALL steps without a better bound.
NODE_PACE = Pace(first_step=1.0, stall=4, most=25)
# Subgradient steps at the root with the cut bound's cuts, from its multipliers.
CUT_ROOT_PACE = Pace(first_step=0.5, stall=5, most=50)
# Subgradient steps of the coupled relaxation at the root, from the separate one's multipliers.
ROOT_PACE = Pace(first_step=1.0, stall=10, most=300)
OPEN, FREE, CLOSED = 1, 0, -1
# Nodes solve only the knapsacks the relaxation may open (``Lagrangian(screen=True)``):
# the same bounds at about half the work (benchmarks/README.md).
SCREEN = True


@dataclass(order=True)
class _Node:
    bound: float
    order: int
    state: IntArray = field(compare=False)
    multipliers: FloatArray = field(compare=False)
    opened: FloatArray = field(compare=False)


@dataclass(frozen=True)
class Tree:
    """What the search proved: a bound on every plan, the best plan, the nodes it took.

    ``closed``: every node was settled, so ``bound`` is the best plan's value (optimal).
    """

    bound: float
    incumbent: Incumbent
    nodes: int
    closed: bool


def fix_medians(state: IntArray, dual: Dual, p: int, cost: float) -> IntArray:
    """``state`` with the free medians the bound at ``dual`` decides for every plan below
    ``cost``: closed where opening them lifts the bound to ``cost``, open where closing does."""
    relaxed = dual.best
    value = relaxed.median_value
    free = np.flatnonzero(state == FREE)
    wanted = p - int((state == OPEN).sum())
    order = free[np.argsort(value[free], kind="stable")]
    out = state.copy()
    if wanted <= 0 or len(order) <= wanted:
        out[order] = CLOSED if wanted <= 0 else OPEN
        return out
    last, first_out = value[order[wanted - 1]], value[order[wanted]]
    closing = order[wanted:]
    out[closing[np.ceil(relaxed.separate - last + value[closing] - EPS) >= cost]] = CLOSED
    keeping = order[:wanted]
    out[keeping[np.ceil(relaxed.separate - value[keeping] + first_out - EPS) >= cost]] = OPEN
    return out


class _Search:
    """The open nodes, the best plan and every set of medians already attached."""

    def __init__(
        self, problem: PMedianProblem, relax: Lagrangian, incumbent: Incumbent, seed: int
    ) -> None:
        self.problem = problem
        self.relax = relax
        self.best = incumbent
        self.seed = seed
        self.heap: list[_Node] = []
        self.tried: dict[frozenset[int], bool] = {}  # medians attached: was it proven best
        self.unsettled = math.inf  # least bound of leaves whose exact attachment was not proven
        self.count = 0

    @property
    def cost(self) -> float:
        return float(self.best.plan.cost)

    def push(self, dual: Dual, state: IntArray, budget: Budget) -> None:
        """Fix what the bound decides, settle the node if its medians are all decided, else
        keep it open."""
        if math.ceil(dual.bound - EPS) >= self.cost:
            return
        state = fix_medians(state, dual, self.relax.p, self.cost)
        if int((state == OPEN).sum()) == self.relax.p:
            self.try_plan(np.flatnonzero(state == OPEN), budget, leaf=True)
            return
        self.count += 1
        node = _Node(dual.bound, self.count, state, dual.best.multipliers, dual.opened)
        heapq.heappush(self.heap, node)

    def try_plan(self, medians: IntArray, budget: Budget, *, leaf: bool = False) -> None:
        """Attach ``medians`` if they could beat the best plan: quickly for a relaxation's
        medians, exactly for a ``leaf`` (the node is settled only if that is proven)."""
        key = frozenset(medians.tolist())
        if key in self.tried and (self.tried[key] or not leaf):
            return
        ordered = sorted(key)
        flow = transport(self.problem, ordered, budget)
        if flow is None or math.ceil(flow.cost - EPS) >= self.cost:
            self.tried[key] = True  # nothing below the best plan with these medians
            return
        plan = polish(self.problem, ordered, budget)
        if plan is not None and plan.cost < self.cost:
            self.best = incumbent_of(plan)
        if leaf and (plan is None or not plan.proven):
            # Settling the leaf needs the best plan with exactly these medians, proven.
            plan = attach(self.problem, ordered, budget, self.seed, beat=self.cost)
            if plan is not None and plan.cost < self.cost:
                self.best = Incumbent(tuple(ordered), plan)
        self.tried[key] = (
            plan is not None
            and plan.proven
            and tuple(ordered) == tuple(j for j, k in enumerate(plan.median_of) if j == k)
        )
        if leaf and not self.tried[key]:
            self.unsettled = min(self.unsettled, math.ceil(flow.cost - EPS))

    def lower_bound(self) -> float:
        """The least bound of any plan not yet ruled out: open nodes, unsettled leaves, the
        best plan."""
        least = min(self.cost, self.unsettled)
        if self.heap:
            least = min(least, math.ceil(self.heap[0].bound - EPS))
        return float(least)


def _branch_median(node: _Node) -> int:
    free = np.flatnonzero(node.state == FREE)
    return int(free[np.argmin(np.abs(node.opened[free] - 0.5), axis=0)])


def _children(node: _Node, p: int) -> list[IntArray]:
    j = _branch_median(node)
    states = []
    for side in (OPEN, CLOSED):
        state = node.state.copy()
        state[j] = side
        held, free = int((state == OPEN).sum()), int((state == FREE).sum())
        if held <= p <= held + free:
            states.append(state)
    return states


def _side_by_side(
    twin: Twin[Bounding, Bounded],
    relax: Lagrangian,
    node: _Node,
    states: list[IntArray],
    upper: float,
    budget: Budget,
) -> list[Dual]:
    """Bound two children at once, the first here, the second in ``twin``.

    Each may use all the work left; they run side by side, so the longer one's work is what
    the tree's limit pays (its critical path). Both read the best plan's value ``upper`` from
    before either is bounded, so the bounds do not depend on which finishes first.
    """
    first, second = (
        Bounding(node.multipliers, state, upper, budget.part(budget.left), NODE_PACE)
        for state in states
    )
    twin.send(second)
    here = bound_child(relax, first)
    there = twin.receive()
    charge_side_by_side(budget, here, there)
    return [here.dual, there.dual]


def branch_and_bound(  # noqa: PLR0913 (the tree's settings, all keyword-only)
    problem: PMedianProblem,
    relax: Lagrangian,
    root: Dual,
    incumbent: Incumbent,
    budget: Budget,
    *,
    seed: int = 0,
    coupled: bool = False,
    workers: int = 1,
    cuts: FoundDuals | None = None,
    stop: Callable[[], bool] | None = None,
    node_pace: Pace = NODE_PACE,
) -> Tree:
    """Search the medians best bound first from the relaxation ``root`` until every node is
    settled or ``budget`` is spent; ``incumbent``: the best plan known.

    ``coupled``: every node is bounded by the coupled relaxation (``solvers.clusters.coupled``),
    its root raised from ``root``'s multipliers first. ``cuts``: subset-row cuts at the prices
    the cut bound found (``solvers.clusters.cut_bound``), paid by every node's clusters, the
    root raised from the cut bound's multipliers (not with ``coupled``). ``workers`` of 2 or
    more: a node's two
    children are bounded at once in two processes (``solvers.clusters.twin``), both against
    the best plan from before the node, so the tree differs a little from one worker's.
    ``stop``, read before each node, ends the search early (its result is then not wanted);
    ``node_pace``: the subgradient steps at each child.
    """
    # Arcs and medians no plan below the best one uses are left out of the whole tree: fewer
    # profitable points per knapsack, fewer medians to table.
    allowed, may_open = reduced_arcs(relax, root.best, float(incumbent.plan.cost) - 1)
    if problem.allowed is not None:
        allowed &= problem.allowed
    problem = replace(problem, allowed=allowed)
    prices = None if cuts is None or coupled else CutsByPoint(cuts.triples, cuts.prices, problem.n)
    relax = Lagrangian(problem, coupled=coupled, screen=SCREEN, cuts=prices)
    search = _Search(problem, relax, incumbent, seed)
    state = np.where(may_open, FREE, CLOSED).astype(np.int64)

    def steps(start: FloatArray, state: IntArray, pace: Pace) -> Dual:
        return subgradient(
            relax, budget, upper=lambda: search.cost, start=start, state=state, pace=pace
        )

    if relax.cuts is not None and cuts is not None:
        with_cuts = steps(cuts.points, state, CUT_ROOT_PACE)
        if with_cuts.bound > root.bound:
            root = with_cuts
    if coupled:
        root = steps(root.best.multipliers, state, ROOT_PACE)
    search.push(root, state, budget)
    nodes = 0
    # Forked once here, so it holds this tree's relaxation (the arcs left out above).
    with node_twin(relax, workers) as twin:
        while search.heap and not budget.exhausted() and not (stop is not None and stop()):
            node = heapq.heappop(search.heap)
            if math.ceil(node.bound - EPS) >= search.cost:
                continue
            nodes += 1
            states = _children(node, relax.p)
            if twin is not None and len(states) == 2:
                duals = _side_by_side(twin, relax, node, states, search.cost, budget)
                for state, dual in zip(states, duals, strict=True):
                    search.try_plan(np.sort(dual.best.chosen), budget)
                    search.push(dual, state, budget)
                continue
            for state in states:
                dual = steps(node.multipliers, state, node_pace)
                search.try_plan(np.sort(dual.best.chosen), budget)
                search.push(dual, state, budget)
    closed = not search.heap and search.unsettled >= search.cost
    return Tree(search.lower_bound(), search.best, nodes, closed)
