"""A proven lower bound on a matching problem's objective from its LP relaxation's dual.

An LP solver's answer is only as good as its tolerances, and a first-order method such as
PDLP stops at an approximately optimal, approximately feasible point. The bound is therefore
not the solver's objective value but the value of the Lagrangian dual at the duals it
returns: for any row duals ``d`` whose signs fit the rows' finite sides, and reduced costs
``r = c - A'd``,

    min over the box of  c.v  >=  sum over rows of d_i * (side of row i d_i points at)
                                + sum over columns of min(r_j * lower_j, r_j * upper_j),

which holds for every ``d`` (weak duality), however far the solver was from optimal. A dual
of the wrong sign for a row's side (a row with no lower side cannot take a positive dual) is
set to zero first, which keeps the inequality true. Every column of the relaxation is boxed
(``solvers.matching.relaxation``), so every term is finite. Every objective coefficient is an
integer, so a plan's objective is one, and the bound is rounded up, after a margin for the
floating-point sums.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver.python import model_builder_helper as mbh

from solvers.bounds.relaxation import FloatArray, LinearRelaxation

# The LP solvers bundled with OR-Tools that may prove the bound: PDLP (first-order, for
# national rounds) and GLOP (simplex, exact on small ones). HiGHS through the same interface
# returned duals that proved nothing on a 300-school round, so it is not offered.
BACKENDS = {"pdlp": "pdlp", "glop": "glop"}
# A column left out enters the restricted LP when its reduced cost is below minus this.
PRICE_TOLERANCE = 1e-6
# Relative error allowed for the floating-point sums of the dual bound before rounding up.
FLOAT_MARGIN = 1e-9


@dataclass(frozen=True)
class SolvedRelaxation:
    """The bound an LP solver's duals prove, and what the solver said."""

    bound: float  # rounded up: every point of the relaxation, so every plan, is at least this
    lp_objective: float | None  # the solver's own objective value (not itself proven)
    status: str


def solve_relaxation(
    lp: LinearRelaxation,
    *,
    backend: str = "pdlp",
    time_limit: float = 60.0,
    tolerance: float = 1e-6,
) -> SolvedRelaxation:
    """Solve ``lp`` with ``backend`` (a name in ``BACKENDS``) and prove a bound from its duals.

    ``tolerance`` is PDLP's relative optimality tolerance; the bound is valid whatever it is,
    and tighter the smaller it is. A solver that returns no duals proves no bound (-inf).
    """
    duals, objective, status = _duals(lp, backend, time_limit, tolerance)
    bound = -math.inf if duals is None else proven_bound(lp, duals)
    return SolvedRelaxation(bound, objective, status)


def price_and_solve(
    lp: LinearRelaxation,
    start: npt.NDArray[np.bool_],
    *,
    backend: str = "pdlp",
    time_limit: float = 60.0,
    tolerance: float = 1e-6,
    rounds: int = 4,
) -> SolvedRelaxation:
    """Solve ``lp`` on the ``start`` columns only, and add the columns its duals price below
    zero, for at most ``rounds`` solves (column generation).

    Every round's duals prove a bound on the whole ``lp`` (a column left out enters the bound
    at its own reduced cost), so the answer is the best of them; once no column left out prices
    below zero, the restricted LP's optimum is the whole LP's. A national round has 1.8 million
    pairs, nearly all of which no optimum uses: handing them all to the LP solver costs more
    than the solve.
    """
    kept = start.copy()
    best = SolvedRelaxation(-math.inf, None, "NOT_SOLVED")
    started = time.perf_counter()
    for _ in range(rounds):
        left = time_limit - (time.perf_counter() - started)
        if left <= 0:
            break
        duals, objective, status = _duals(lp.keeping(kept), backend, left, tolerance)
        if duals is None:
            break
        bound = proven_bound(lp, duals)
        if bound > best.bound:
            best = SolvedRelaxation(bound, objective, status)
        entering = ~kept & (reduced_costs(lp, duals) < -PRICE_TOLERANCE)
        if not entering.any():
            break
        kept |= entering
    return best


def _duals(
    lp: LinearRelaxation, backend: str, time_limit: float, tolerance: float
) -> tuple[FloatArray | None, float | None, str]:
    """The row duals ``backend`` returns for ``lp`` (None without), its objective, its status."""
    solver = mbh.ModelSolverHelper(BACKENDS[backend])
    solver.set_time_limit_in_seconds(time_limit)
    if backend == "pdlp":
        solver.set_solver_specific_parameters(_pdlp_parameters(tolerance))
    solver.solve(_model(lp))
    status = solver.status().name
    if not solver.has_response():
        return None, None, status
    objective = solver.objective_value() + lp.constant if solver.has_solution() else None
    duals = np.asarray(solver.dual_values(), dtype=np.float64)
    return (duals if len(duals) == lp.n_rows else None), objective, status


def reduced_costs(lp: LinearRelaxation, duals: FloatArray) -> FloatArray:
    """``c - A'd`` for every column, with ``duals`` as ``proven_bound`` repairs them."""
    d = _fitting(lp, duals)
    return lp.objective - np.bincount(
        lp.columns, weights=lp.values * d[lp.rows], minlength=lp.n_columns
    )


def _fitting(lp: LinearRelaxation, duals: FloatArray) -> FloatArray:
    """Each dual with the sign its row's finite sides allow, else zero."""
    d = np.where(np.isfinite(lp.row_lower), np.maximum(duals, 0.0), 0.0) + np.where(
        np.isfinite(lp.row_upper), np.minimum(duals, 0.0), 0.0
    )
    return np.nan_to_num(d)


def proven_bound(lp: LinearRelaxation, duals: FloatArray) -> float:
    """The Lagrangian dual value at ``duals`` (any vector), rounded up to an integer: no point
    of the relaxation, so no plan, has a smaller objective (module docstring)."""
    d = _fitting(lp, duals)
    rows = np.where(d > 0, d * np.nan_to_num(lp.row_lower, neginf=0.0), 0.0) + np.where(
        d < 0, d * np.nan_to_num(lp.row_upper, posinf=0.0), 0.0
    )
    reduced = reduced_costs(lp, d)
    columns = np.minimum(reduced * lp.lower, reduced * lp.upper)
    value = lp.constant + float(rows.sum()) + float(columns.sum())
    # The sums' rounding error is at most a tiny fraction of the largest magnitudes summed.
    scale = abs(lp.constant) + float(np.abs(rows).sum()) + float(np.abs(columns).sum())
    return float(math.ceil(value - FLOAT_MARGIN * scale - 1e-9))


def _model(lp: LinearRelaxation) -> mbh.ModelBuilderHelper:
    """The relaxation as an OR-Tools model: columns in one call, rows one call each."""
    model = mbh.ModelBuilderHelper()
    # OR-Tools' stubs spell numpy's array types wrongly (ndarray[float64, ...]).
    model.add_var_array_with_bounds(
        lp.lower,  # type: ignore[arg-type]
        lp.upper,  # type: ignore[arg-type]
        np.zeros(lp.n_columns, dtype=np.bool_),  # type: ignore[arg-type]
        "",
    )
    model.set_objective_coefficients(np.arange(lp.n_columns).tolist(), lp.objective.tolist())
    for i in range(lp.n_rows):
        model.add_linear_constraint()
        model.set_constraint_lower_bound(i, float(lp.row_lower[i]))
        model.set_constraint_upper_bound(i, float(lp.row_upper[i]))
    add = model.add_term_to_constraint
    for row, column, value in zip(
        lp.rows.tolist(), lp.columns.tolist(), lp.values.tolist(), strict=True
    ):
        add(row, column, value)
    return model


def _pdlp_parameters(tolerance: float) -> str:
    """PDLP's parameters as text: relative optimality tolerance, and presolve off (the dual
    must belong to the rows as given, not to a presolved model)."""
    return (
        "termination_criteria { simple_optimality_criteria { "
        f"eps_optimal_absolute: 0 eps_optimal_relative: {tolerance} }} }}"
    )
