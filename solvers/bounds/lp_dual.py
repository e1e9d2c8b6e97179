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
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh
from scipy import sparse

from solvers.bounds.relaxation import FloatArray, LinearRelaxation

# The LP solvers bundled with OR-Tools that may prove the bound: PDLP (first-order, for
# national rounds) and GLOP (simplex, exact on small ones). HiGHS through the same interface
# returned duals that proved nothing on a 300-school round, so it is not offered.
BACKENDS = {"pdlp": "pdlp", "glop": "glop"}
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


def _duals(
    lp: LinearRelaxation, backend: str, time_limit: float, tolerance: float
) -> tuple[FloatArray | None, float | None, str]:
    """The row duals ``backend`` returns for ``lp`` (None without), its objective, its status."""
    duals, objective, status = model_duals(_model(lp), backend, time_limit, tolerance)
    if duals is None or len(duals) != lp.n_rows:
        return None, None, status
    return duals, (None if objective is None else objective + lp.constant), status


def model_duals(
    model: mbh.ModelBuilderHelper, backend: str, time_limit: float, tolerance: float = 1e-6
) -> tuple[FloatArray | None, float | None, str]:
    """Solve ``model`` with ``backend``: its row duals (None without), objective, status."""
    solver = mbh.ModelSolverHelper(BACKENDS[backend])
    solver.set_time_limit_in_seconds(time_limit)
    if backend == "pdlp":
        solver.set_solver_specific_parameters(_pdlp_parameters(tolerance))
    solver.solve(model)
    status = solver.status().name
    if not solver.has_response():
        return None, None, status
    objective = solver.objective_value() if solver.has_solution() else None
    return np.asarray(solver.dual_values(), dtype=np.float64), objective, status


def reduced_costs(lp: LinearRelaxation, duals: FloatArray) -> FloatArray:
    """``c - A'd`` for every column, with ``duals`` as ``proven_bound`` repairs them."""
    d = fitting(lp, duals)
    return lp.objective - np.bincount(
        lp.columns, weights=lp.values * d[lp.rows], minlength=lp.n_columns
    )


def fitting(lp: LinearRelaxation, duals: FloatArray) -> FloatArray:
    """Each dual with the sign its row's finite sides allow, else zero."""
    d = np.where(np.isfinite(lp.row_lower), np.maximum(duals, 0.0), 0.0) + np.where(
        np.isfinite(lp.row_upper), np.minimum(duals, 0.0), 0.0
    )
    return np.nan_to_num(d)


def proven_bound(lp: LinearRelaxation, duals: FloatArray) -> float:
    """The Lagrangian dual value at ``duals`` (any vector), rounded up to an integer: no point
    of the relaxation, so no plan, has a smaller objective (module docstring)."""
    d = fitting(lp, duals)
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
    return sparse_model(
        lp.lower,
        lp.upper,
        lp.objective,
        (lp.row_lower, lp.row_upper),
        sparse.csr_matrix((lp.values, (lp.rows, lp.columns)), shape=(lp.n_rows, lp.n_columns)),
    )


def sparse_model(
    lower: FloatArray,
    upper: FloatArray,
    cost: FloatArray,
    sides: tuple[FloatArray, FloatArray],
    matrix: sparse.csr_matrix,
) -> mbh.ModelBuilderHelper:
    """``min cost.v`` s.t. ``sides[0] <= matrix v <= sides[1]``, ``lower <= v <= upper``, as
    an OR-Tools model filled in one call (adding a national round's 17 million terms one by
    one from Python took over a minute)."""
    model = mbh.ModelBuilderHelper()
    # OR-Tools' stubs spell numpy's array types wrongly (ndarray[float64, ...]).
    model.fill_model_from_sparse_data(
        lower,  # type: ignore[arg-type]
        upper,  # type: ignore[arg-type]
        cost,  # type: ignore[arg-type]
        sides[0],  # type: ignore[arg-type]
        sides[1],  # type: ignore[arg-type]
        matrix,
    )
    return model


def _pdlp_parameters(tolerance: float) -> str:
    """PDLP's parameters as text: relative optimality tolerance, and presolve off (the dual
    must belong to the rows as given, not to a presolved model)."""
    return (
        "termination_criteria { simple_optimality_criteria { "
        f"eps_optimal_absolute: 0 eps_optimal_relative: {tolerance} }} }}"
    )
