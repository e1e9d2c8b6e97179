"""The capacitated p-median problem in CP-SAT, on index-level data.

Choose ``p`` of the points as medians and attach every point to one median, so that the demand
attached to a median stays within its capacity, at least total distance. Hubs of schools are
exactly this (a school is a point of demand 1, a hub is a median, ``hub_capacity`` the
capacity), and so are the OR-Library instances of Osman and Christofides the benchmarks check
it against; both feed the same ``PMedianProblem``.

Each hard rule is one ``add_*`` function registered in ``HARD_RULES``. ``build_pmedian``
returns the model with its variables, so a caller can add rules of its own (the school hubs
add trust and mix rules, ``solvers.clusters.hubs``) before ``solve_pmedian_model``.

The time limit is counted as work (CP-SAT's deterministic time, ``solvers.engine.budget``), and
several workers search side by side, one seed each (``solvers.clusters.work.race``), so the
same problem, seed, workers and limit give the same medians however busy the machine.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solvers.clusters.pmedian_problem import BoolArray, IntArray, PMedianProblem
from solvers.clusters.work import Searched, race
from solvers.engine.budget import Budget
from solvers.engine.calibration import PMEDIAN_WORK_PER_CORE_SECOND
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions

__all__ = ["BoolArray", "IntArray", "PMedianProblem"]  # re-exported: callers import it here


@dataclass
class PMedianModel:
    """The CP-SAT model of a problem, with its variables, for callers to add rules to."""

    problem: PMedianProblem
    model: cp_model.CpModel
    attach: dict[tuple[int, int], cp_model.IntVar]
    open: dict[int, cp_model.IntVar]
    left: dict[int, cp_model.IntVar]
    by_point: dict[int, list[int]] = field(default_factory=dict)  # point -> its medians
    by_median: dict[int, list[int]] = field(default_factory=dict)  # median -> its points
    extra_terms: list[cp_model.LinearExpr | int] = field(default_factory=list)


def add_one_median_each(m: PMedianModel) -> None:
    """Hard: every point is attached to exactly one median (or left out, if allowed)."""
    for i in range(m.problem.n):
        options = [m.attach[i, j] for j in m.by_point.get(i, [])]
        if i in m.left:
            options.append(m.left[i])
        m.model.add_exactly_one(options)


def add_open_median(m: PMedianModel) -> None:
    """Hard: points attach only to open medians, and an open median serves itself."""
    for (i, j), var in m.attach.items():
        if i == j:
            m.model.add(var == m.open[j])
        else:
            m.model.add_implication(var, m.open[j])


def add_capacity(m: PMedianModel) -> None:
    """Hard: the demand attached to a median is within capacity (and at least min_load)."""
    p = m.problem
    for j, points in m.by_median.items():
        load = sum(int(p.demand[i]) * m.attach[i, j] for i in points)
        # Multiplying by open[j] is what makes the LP bound strong (a closed median has no room).
        m.model.add(load <= p.capacity * m.open[j])
        if p.min_load:
            m.model.add(load >= p.min_load * m.open[j])


def add_median_count(m: PMedianModel) -> None:
    """Hard: exactly ``medians`` medians are open (when the problem fixes it)."""
    if m.problem.medians is not None:
        m.model.add(sum(m.open.values()) == m.problem.medians)


HARD_RULES: tuple[Callable[[PMedianModel], None], ...] = (
    add_one_median_each,
    add_open_median,
    add_capacity,
    add_median_count,
)


def distance_term(m: PMedianModel) -> cp_model.LinearExpr | int:
    """Soft: the distance from every point to its median."""
    p = m.problem
    return sum(int(p.distance[i, j]) * var for (i, j), var in m.attach.items() if p.distance[i, j])


def build_pmedian(problem: PMedianProblem) -> PMedianModel:
    """Variables and every hard rule; the objective is set by ``solve_pmedian_model``."""
    model = cp_model.CpModel()
    arcs = problem.arcs()
    medians = sorted({j for _, j in arcs})
    m = PMedianModel(
        problem=problem,
        model=model,
        attach={
            (i, j): model.new_bool_var(f"attach[{problem.name(i)}->{problem.name(j)}]")
            for i, j in arcs
        },
        open={j: model.new_bool_var(f"median[{problem.name(j)}]") for j in medians},
        left={}
        if problem.leave_out_penalty is None
        else {i: model.new_bool_var(f"left_out[{problem.name(i)}]") for i in range(problem.n)},
    )
    for i, j in arcs:
        m.by_point.setdefault(i, []).append(j)
        m.by_median.setdefault(j, []).append(i)
    for add_rule in HARD_RULES:
        add_rule(m)
    return m


@dataclass(frozen=True)
class PMedianSolution:
    """Open medians and the median of every point (-1: left out), and how good that is."""

    status: str
    medians: tuple[int, ...]
    median_of: tuple[int, ...]
    objective: float | None
    bound: float | None
    seconds: float  # wall clock, for reports only
    # False when the clock guard, not the work limit, stopped a search (solvers.engine.budget).
    repeatable: bool = True

    @property
    def has_solution(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1.0)


def solve_pmedian_model(
    m: PMedianModel,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
    hint: dict[int, int] | None = None,
    prove: bool = False,
) -> PMedianSolution:
    """Minimise distance plus any extra terms (and left-out penalties) of a built model.

    ``budget`` (work) limits the searches. With ``medians = None`` the number of medians is
    minimised first, with half the work left, then the distance with that number fixed, with
    the rest. ``prove``: with several workers, every second search is CP-SAT's best-first
    search on the LP (``optimize_with_lb_tree_search``), which raises the bound far sooner
    on these models (pmedcap08: 803 against 775 in the same work) while the others find plans.
    """
    started = time.perf_counter()
    seed, workers = options.seed, options.workers
    p = m.problem
    if hint:
        for (i, j), var in m.attach.items():
            m.model.add_hint(var, hint.get(i) == j)
    if p.medians is None:
        # Fewer points left out matters more than any number of medians.
        m.model.minimize(sum(m.open.values()) + (p.n + 1) * _left_count(m))
        fewest = _search(m.model, budget, seed, workers, seconds=budget.left / 2)
        if not fewest.found:
            return _no_solution(fewest, started, budget)
        opened = round(sum(fewest.solver.value(v) for v in m.open.values()))
        m.model.add(sum(m.open.values()) <= opened)
        _hint_from(m, fewest.solver)
    objective = distance_term(m) + sum(m.extra_terms)
    if p.leave_out_penalty is not None:
        objective += p.leave_out_penalty * _left_count(m)
    m.model.minimize(objective)
    searched = _search(m.model, budget, seed, workers, prove=prove)
    if not searched.found:
        return _no_solution(searched, started, budget)
    solver = searched.solver
    median_of = [-1] * p.n
    for (i, j), var in m.attach.items():
        if solver.value(var):
            median_of[i] = j
    return PMedianSolution(
        status=solver.status_name(searched.status),
        medians=tuple(j for j, var in m.open.items() if solver.value(var)),
        median_of=tuple(median_of),
        # Integer coefficients: the plan's value is whole and the bound rounds up.
        objective=float(round(solver.objective_value)),
        bound=float(math.ceil((searched.bound or 0.0) - 1e-6)),
        seconds=time.perf_counter() - started,
        repeatable=budget.repeatable,
    )


def solve_pmedian(
    problem: PMedianProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
) -> PMedianSolution:
    """Build and solve a capacitated p-median problem.

    Parameters
    ----------
    problem
        The index-level data.
    budget
        Work for the searches (``solvers.engine.budget``); the best solution found is returned
        with its bound.
    options
        The random seed, and searches side by side.
    """
    return solve_pmedian_model(build_pmedian(problem), budget, options=options)


def _left_count(m: PMedianModel) -> cp_model.LinearExpr | int:
    return sum(m.left.values())


def _hint_from(m: PMedianModel, solver: cp_model.CpSolver) -> None:
    m.model.clear_hints()
    for var in [*m.attach.values(), *m.open.values(), *m.left.values()]:
        m.model.add_hint(var, bool(solver.value(var)))


def _no_solution(searched: Searched, started: float, budget: Budget) -> PMedianSolution:
    return PMedianSolution(
        searched.solver.status_name(searched.status),
        (),
        (),
        None,
        None,
        time.perf_counter() - started,
        repeatable=budget.repeatable,
    )


def _search(
    model: cp_model.CpModel,
    budget: Budget,
    seed: int,
    workers: int,
    seconds: float | None = None,
    prove: bool = False,
) -> Searched:
    def configure(solver: cp_model.CpSolver) -> None:
        # The LP of the strong formulation (attach <= open) is tight; use all of it.
        solver.parameters.linearization_level = 2

    return race(
        model,
        budget,
        seed=seed,
        workers=workers,
        rate=PMEDIAN_WORK_PER_CORE_SECOND,
        configure=configure,
        seconds=seconds,
        vary=_best_first if prove and workers > 1 else None,
    )


def _best_first(solver: cp_model.CpSolver, k: int) -> None:
    if k % 2 == 1:
        solver.parameters.optimize_with_lb_tree_search = True
