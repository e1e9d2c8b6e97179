"""Who reviews whom inside each cluster: one directed cycle through all of its schools.

A reviews B, B reviews C, C reviews A: every school hosts once and reviews once, and no two
schools simply swap (a cycle through three or more schools has no arc both ways). Among the
cycles, the one that repeats fewest of last round's directions is chosen, then the one with
least travel along its arcs. A cluster of up to ``LIST_UP_TO`` schools has at most 720 cycles,
which are simply listed; a larger hub is left to CP-SAT (``add_circuit``), all in one model,
one worker, stopped by work (``solvers.engine.budget``), so a re-run gives the same cycles.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence

from ortools.sat.python import cp_model

from solvers.engine.budget import Budget

# A repeated direction outweighs any travel saved by repeating it.
REPEAT_PENALTY = 10_000
# Clusters up to this size have their cycles listed ((size - 1)! of them) instead of solved.
LIST_UP_TO = 7


def repeated(
    arcs: Collection[tuple[object, object]], previous: Collection[tuple[object, object]]
) -> int:
    """How many arcs (reviewer, host) repeat a direction of last round."""
    return sum(1 for arc in arcs if arc in previous)


def solve_rotation(
    clusters: Sequence[Sequence[int]],
    *,
    minutes: Callable[[int, int], int],
    previous: Collection[tuple[int, int]],
    names: Sequence[str],
    budget: Budget,
    seed: int = 0,
) -> list[list[tuple[int, int]]]:
    """A review cycle per cluster, as (reviewing school, host school) arcs in cycle order.

    Parameters
    ----------
    clusters
        School indices of each cluster.
    minutes
        Travel from a reviewing school to its host.
    previous
        Last round's (reviewer, host) arcs, to repeat as few as possible.
    names
        School ids by index, for the names of CP-SAT variables.
    budget
        Work for the search, charged with it (the model is tiny; a proof takes milliseconds);
        a search the clock guard stopped marks it not repeatable.
    seed
        CP-SAT's random seed.

    Returns
    -------
    list of list of (int, int)
        Per cluster: empty for a single school, both directions for a pair (a swap cannot be
        avoided there), otherwise one cycle through every school.
    """
    listed = {
        k: _cheapest_listed_cycle(members, minutes, previous)
        for k, members in enumerate(clusters)
        if 3 <= len(members) <= LIST_UP_TO
    }
    model = cp_model.CpModel()
    chosen: list[dict[tuple[int, int], cp_model.IntVar]] = []
    cost: list[cp_model.LinearExprT] = []
    for members in clusters:
        arcs: dict[tuple[int, int], cp_model.IntVar] = {}
        if len(members) > LIST_UP_TO:
            circuit = []
            for a_pos, a in enumerate(members):
                for b_pos, b in enumerate(members):
                    if a != b:
                        var = model.new_bool_var(f"reviews[{names[a]}->{names[b]}]")
                        arcs[a, b] = var
                        circuit.append((a_pos, b_pos, var))
                        price = minutes(a, b) + REPEAT_PENALTY * ((a, b) in previous)
                        cost.append(price * var)
            model.add_circuit(circuit)
        chosen.append(arcs)
    model.minimize(sum(cost))
    if not cost:
        model = cp_model.CpModel()  # nothing left for CP-SAT: an empty model solves at once
    solver = cp_model.CpSolver()
    budget.limit(solver, 1)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    budget.charge(solver, 1)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"no review rotation found ({solver.status_name(status)})")
    result: list[list[tuple[int, int]]] = []
    for k, (members, arcs) in enumerate(zip(clusters, chosen, strict=True)):
        if k in listed:
            result.append(listed[k])
        elif len(members) == 2:
            a, b = members
            result.append([(a, b), (b, a)])
        elif len(members) < 2:
            result.append([])
        else:
            picked = {a: b for (a, b), var in arcs.items() if solver.value(var)}
            result.append(_in_cycle_order(members[0], picked))
    return result


def _cheapest_listed_cycle(
    members: Sequence[int],
    minutes: Callable[[int, int], int],
    previous: Collection[tuple[int, int]],
) -> list[tuple[int, int]]:
    """Every cycle through ``members`` (fixing the first school), the cheapest one."""
    first, rest = members[0], list(members[1:])
    best: tuple[int, list[tuple[int, int]]] | None = None
    for order in itertools.permutations(rest):
        path = [first, *order]
        arcs = [(path[k], path[(k + 1) % len(path)]) for k in range(len(path))]
        price = sum(minutes(a, b) + REPEAT_PENALTY * ((a, b) in previous) for a, b in arcs)
        if best is None or price < best[0]:  # the first of equals, so re-runs agree
            best = (price, arcs)
    assert best is not None
    return best[1]


def _in_cycle_order(first: int, successor: dict[int, int]) -> list[tuple[int, int]]:
    order = [(first, successor[first])]
    while order[-1][1] != first:
        school = order[-1][1]
        order.append((school, successor[school]))
    return order
