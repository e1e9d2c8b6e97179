"""What if one pair were forbidden, or forced, or one project had to be staffed?

Answers ``matcher explain``: the plan is re-solved with one more constraint, starting from the
current plan, and the difference in objective is the cost of the change. Only the independent
part (``solvers.engine.decompose``) that holds the pair or project is re-solved; every other
part keeps its teams, so the change and its cost are local, and the part's CP-SAT objective is
the plan's objective restricted to that part (the SLE balance term is a per-part maximum,
docs/model.md), which makes the part's proven bound a proven bound on the cost.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

from solvers.engine.budget import Budget
from solvers.engine.decompose import IntArray, pair_parts, restrict
from solvers.engine.options import SolveOptions
from solvers.matching.encode import MatchingProblem
from solvers.matching.model import build_model
from solvers.matching.objective import objective_of
from solvers.matching.strategy import solver_for


@dataclass(frozen=True)
class Change:
    """One constraint added to the plan: a pair's variable fixed, or a project staffed."""

    pair: int | None = None  # pair index in the whole problem
    chosen: bool = True  # the pair forced in (True) or kept out (False)
    project: int | None = None  # project index that must be staffed


@dataclass(frozen=True)
class WhatIf:
    """The best plan found with the change, as pair indices of the whole problem.

    ``cost`` is its objective minus the current plan's (both ``objective_of`` on the whole
    problem); ``cost_bound`` a proven lower bound on the least cost of the change (None when
    the search proved nothing); ``proven`` when ``cost`` is that least cost. ``scope``: what
    was re-solved, the change's whole independent ``"part"`` (``status`` and ``cost_bound``
    hold for the round) or only its ``"neighbourhood"`` (``solvers.matching.neighbourhood``:
    ``cost`` is then an upper bound on the least cost, nothing is proven), of ``free_pairs``
    pairs.
    """

    status: str
    chosen: tuple[int, ...] = ()
    leads: frozenset[int] = frozenset()
    objective: int | None = None
    cost: int | None = None
    cost_bound: int | None = None
    scope: Literal["part", "neighbourhood"] = "part"
    free_pairs: int = 0

    @property
    def found(self) -> bool:
        return self.status in {"OPTIMAL", "FEASIBLE"}

    @property
    def proven(self) -> bool:
        return self.status == "OPTIMAL" and self.scope == "part"


def part_of(problem: MatchingProblem, change: Change, parts: Sequence[IntArray]) -> IntArray:
    """The pairs of the independent part the change touches (every pair when it is in none)."""
    for pairs in parts:
        if change.pair is not None and change.pair in pairs:
            return pairs
        if change.project is not None and np.any(problem.pair_project[pairs] == change.project):
            return pairs
    return np.arange(problem.n_pairs, dtype=np.int64)


def what_if(
    problem: MatchingProblem,
    current: Collection[int],
    current_leads: Collection[int],
    change: Change,
    *,
    seconds: float,
    seed: int = 0,
    parts: Sequence[IntArray] | None = None,
) -> WhatIf:
    """Re-solve the part of ``problem`` the change touches, from the current plan (pair
    indices ``current`` with the lead pairs ``current_leads``), within ``seconds`` of work.
    ``parts``: ``pair_parts(problem)`` when the caller has it (seconds on a region)."""
    parts = pair_parts(problem) if parts is None else parts
    pairs = part_of(problem, change, parts)
    sub, _staff, projects = restrict(problem, pairs)
    m = build_model(sub)
    where = {int(k): n for n, k in enumerate(pairs.tolist())}
    if change.pair is not None:
        m.model.add(m.assign[where[change.pair]] == int(change.chosen))
    if change.project is not None:
        m.model.add(m.staffed[int(np.flatnonzero(projects == change.project)[0])] == 1)
    now = set(current)
    for k, n in where.items():
        m.model.add_hint(m.assign[n], k in now)
    solver = solver_for(Budget(seconds), SolveOptions(seed=seed))
    status = solver.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return WhatIf(status=solver.status_name(status), free_pairs=len(pairs))
    inside = set(where)
    kept = [k for k in current if k not in inside]
    found = [int(pairs[n]) for n in range(len(pairs)) if solver.boolean_value(m.assign[n])]
    chosen = tuple(sorted(kept + found))
    leads = {k for k in current_leads if k not in inside} | {
        int(pairs[n]) for n, var in m.lead.items() if solver.boolean_value(var)
    }
    before = objective_of(problem, tuple(current), parts)
    after = objective_of(problem, chosen, parts)
    part_before = objective_of(sub, tuple(where[k] for k in current if k in inside))
    bound = solver.best_objective_bound
    return WhatIf(
        status=solver.status_name(status),
        chosen=chosen,
        leads=frozenset(leads),
        objective=after,
        cost=after - before,
        cost_bound=math.ceil(bound - 1e-6) - part_before if math.isfinite(bound) else None,
        free_pairs=len(pairs),
    )
