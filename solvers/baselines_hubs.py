"""Benchmark peer for hubs: the capacitated p-median as a plain MILP (HiGHS or SCIP).

The compact strong formulation (attach <= open, capacity times open), written apart from the
CP-SAT builder of ``solvers.clusters.pmedian`` so the two can be compared, and solved by a MIP
solver bundled with OR-Tools through ``pywraplp``. Its time limit is the wall clock (the MIP
solvers have no count of work), so it is a peer in benchmarks only, never in the product.
"""

from __future__ import annotations

import time

import numpy as np
import ortools.linear_solver.pywraplp as pywraplp

from solvers.baselines import quiet_parameters
from solvers.clusters.pmedian import PMedianSolution
from solvers.clusters.pmedian_problem import PMedianProblem

_STATUS = {
    pywraplp.Solver.OPTIMAL: "OPTIMAL",
    pywraplp.Solver.FEASIBLE: "FEASIBLE",
    pywraplp.Solver.INFEASIBLE: "INFEASIBLE",
}


def solve_pmedian_milp(
    problem: PMedianProblem, *, backend: str = "HIGHS", time_limit: float = 30.0
) -> PMedianSolution:
    """Minimise the distance to the medians of a problem with a fixed count and no leave-out."""
    started = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver(backend)
    if solver is None:
        raise RuntimeError(f"OR-Tools was built without the {backend} solver")
    solver.SetTimeLimit(int(time_limit * 1000))
    if quiet := quiet_parameters(backend):
        solver.SetSolverSpecificParametersAsString(quiet)
    arcs = problem.arcs()
    x = {(i, j): solver.BoolVar(f"x{i}_{j}") for i, j in arcs}
    medians = sorted({j for _, j in arcs})
    y = {j: solver.BoolVar(f"y{j}") for j in medians}
    for i in range(problem.n):
        solver.Add(solver.Sum([x[i, j] for j in medians if (i, j) in x]) == 1)
    for (_, j), var in x.items():
        solver.Add(var <= y[j])
    for j in medians:
        load = solver.Sum(
            [int(problem.demand[i]) * x[i, j] for i in range(problem.n) if (i, j) in x]
        )
        solver.Add(load <= problem.capacity * y[j])
    solver.Add(solver.Sum(list(y.values())) == problem.medians)
    solver.Minimize(solver.Sum([int(problem.distance[i, j]) * v for (i, j), v in x.items()]))
    status = _STATUS.get(solver.Solve(), "UNKNOWN")
    found = status in ("OPTIMAL", "FEASIBLE")
    median_of = np.full(problem.n, -1, dtype=np.int64)
    if found:
        for (i, j), var in x.items():
            if var.solution_value() > 0.5:
                median_of[i] = j
    return PMedianSolution(
        status=status,
        medians=tuple(j for j in medians if found and y[j].solution_value() > 0.5),
        median_of=tuple(median_of.tolist()),
        objective=round(solver.Objective().Value()) if found else None,
        bound=float(np.ceil(solver.Objective().BestBound() - 1e-6)) if found else None,
        seconds=time.perf_counter() - started,
    )
