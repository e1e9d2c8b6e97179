"""Benchmark peers the CP-SAT model is measured against, on the same MatchingProblem.

- ``solve_linear``: the same model as a mixed-integer program for a MIP solver bundled with
  OR-Tools (SCIP or HiGHS via ``pywraplp``), or, with ``relax=True``, its LP relaxation, whose
  optimum is a lower bound on every plan's objective.
- ``greedy_schedule``: greedy dates, scored as a coordinator would compare them.

The product's own greedy and objective are ``solvers.matching.greedy`` and
``solvers.matching.objective``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import ortools.linear_solver.pywraplp as pywraplp

from solvers.dating.encode import SchedulingProblem
from solvers.dating.greedy import greedy_dates
from solvers.engine.decompose import pair_parts
from solvers.matching.encode import MatchingProblem
from solvers.matching.greedy import BaselineResult


# Kept whole (ruff noqa below): the peer's whole MILP, in one piece beside the model.
def solve_linear(  # noqa: C901
    problem: MatchingProblem,
    *,
    relax: bool = False,
    backend: str = "SCIP",
    time_limit: float = 30.0,
    gap_limit: float = 0.0,
    absolute_gap: float | None = None,
) -> BaselineResult:
    """The matching model as a MILP (or its LP relaxation), solved by a bundled MIP/LP solver.

    The formulation mirrors docs/model.md term by term, written independently of the CP-SAT
    builder so the two can be compared. ``absolute_gap`` stops the search once the plan is
    proven within that many objective units of the optimum: given the absolute gap CP-SAT
    proved, it measures the MILP's time to the same proven quality.
    """
    started = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("GLOP" if relax else backend)
    if solver is None:
        raise RuntimeError(f"OR-Tools was built without the {backend} solver")
    solver.SetTimeLimit(int(time_limit * 1000))
    p, w = problem, problem.weights
    infinity = solver.infinity()

    def binary(name: str) -> pywraplp.Variable:
        return solver.NumVar(0, 1, name) if relax else solver.BoolVar(name)

    x = [binary(f"x{k}") for k in range(p.n_pairs)]
    staffed = [binary(f"y{j}") for j in range(len(p.project_ids))]
    lead = {
        k: binary(f"l{k}")
        for k in range(p.n_pairs)
        if p.staff_is_lead[p.pair_staff[k]] and p.project_needs_lead[p.pair_project[k]]
    }
    for j, pairs in enumerate(p.pairs_of_project()):
        team = solver.Sum([x[k] for k in pairs])
        solver.Add(team <= int(p.project_max[j]) * staffed[j])
        solver.Add(team >= int(p.project_min[j]) * staffed[j])
        if p.project_needs_lead[j]:
            solver.Add(solver.Sum([lead[k] for k in pairs if k in lead]) == staffed[j])
        if p.project_needs_sle[j]:
            sles = [x[k] for k in pairs if p.staff_is_sle[p.pair_staff[k]]]
            solver.Add(solver.Sum(sles) >= staffed[j])
        if p.needs_role(j):
            solver.Add(solver.Sum([x[k] for k in pairs if p.pair_has_role(k)]) >= staffed[j])
        for a in range(p.area_count(j) if p.several_areas(j) else 0):
            having = [x[k] for k in pairs if p.pair_has_area(k, 1 << a)]
            solver.Add(solver.Sum(having) >= staffed[j])
    for k, var in lead.items():
        solver.Add(var <= x[k])
    for i, pairs in enumerate(p.pairs_of_staff()):
        days = solver.Sum([int(p.pair_days[k]) * x[k] for k in pairs])
        limit = int(p.staff_max_days[i])
        if p.staff_is_sle[i]:
            limit = min(limit, max(0, int(p.sle_allowances()[i]) - int(p.sle_days_used[i])))
        if pairs:
            solver.Add(days <= limit)
    caps = p.school_days_cap()  # release_days, and the days a cover budget pays for
    for s, pairs in enumerate(p.pairs_of_giving_school()):
        if pairs:
            solver.Add(solver.Sum([int(p.pair_days[k]) * x[k] for k in pairs]) <= int(caps[s]))
    if p.no_direct_swap:
        _add_linear_no_swap(solver, p, x, binary)
    shares = []
    if p.sle_share_on():
        # One largest-share variable per independent part, as in the CP-SAT model.
        for n, part in enumerate(pair_parts(p)):
            share = (
                solver.NumVar(0, infinity, f"s{n}")
                if relax
                else solver.IntVar(0, infinity, f"s{n}")
            )
            shares.append(share)
            staff_pairs: dict[int, list[int]] = {}
            for k in part.tolist():
                staff_pairs.setdefault(int(p.pair_staff[k]), []).append(k)
            for i, own in staff_pairs.items():
                if p.staff_is_sle[i] and p.sle_allowances()[i] > 0:
                    days = int(p.sle_days_used[i]) + solver.Sum(
                        [int(p.pair_days[k]) * x[k] for k in own]
                    )
                    solver.Add(100 * days <= int(p.sle_allowances()[i]) * share)
    giving, receiving = p.pairs_of_giving_school(), p.pairs_of_receiving_school()
    gaps = []
    offset = [0] * len(p.school_ids) if p.school_days_offset is None else p.school_days_offset
    for s in range(len(p.school_ids)):
        if giving[s] or receiving[s]:
            given = int(offset[s]) + solver.Sum([int(p.pair_days[k]) * x[k] for k in giving[s]])
            received = solver.Sum([int(p.pair_days[k]) * x[k] for k in receiving[s]])
            gap = solver.NumVar(0, infinity, f"g{s}")
            solver.Add(gap >= given - received)
            solver.Add(gap >= received - given)
            gaps.append(gap)
    # Schools with no candidate pair keep the give-and-take their fixed teams left them.
    idle = sum(
        abs(int(offset[s])) for s in range(len(p.school_ids)) if not giving[s] and not receiving[s]
    )
    solver.Minimize(
        w.give_take * idle
        + w.unstaffed * solver.Sum([1 - y for y in staffed])
        - w.expertise * solver.Sum([int(p.pair_fit[k]) * x[k] for k in range(p.n_pairs)])
        - w.preference * solver.Sum([int(p.pair_preference[k]) * x[k] for k in range(p.n_pairs)])
        + w.travel * solver.Sum([int(p.pair_travel[k]) * x[k] for k in range(p.n_pairs)])
        + w.sle_balance * solver.Sum(shares)
        + w.give_take * solver.Sum(gaps)
    )
    parameters = pywraplp.MPSolverParameters()
    # 0 = proven optimal (the solvers' default stops within 0.01%, too loose for exact tests).
    parameters.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, gap_limit)
    specific = quiet_parameters(backend)
    if absolute_gap is not None and not relax:
        specific += _ABSOLUTE_GAP[backend].format(absolute_gap)
    if specific and not relax:
        solver.SetSolverSpecificParametersAsString(specific)
    status = solver.Solve(parameters)
    names = {
        pywraplp.Solver.OPTIMAL: "OPTIMAL",
        pywraplp.Solver.FEASIBLE: "FEASIBLE",
        pywraplp.Solver.INFEASIBLE: "INFEASIBLE",
    }
    found = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    objective = solver.Objective().Value() if found else None
    bound = objective if relax else (solver.Objective().BestBound() if found else None)
    chosen = (
        ()
        if relax or not found
        else tuple(k for k in range(p.n_pairs) if x[k].solution_value() > 0.5)
    )
    return BaselineResult(
        method="lp" if relax else f"milp-{backend.lower()}",
        status=names.get(status, "UNKNOWN"),
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - started,
        chosen=chosen,
    )


# Each backend's own name for "stop once proven within this absolute gap".
_ABSOLUTE_GAP = {"SCIP": "limits/absgap = {}\n", "HIGHS": "mip_abs_gap = {}\n"}


def quiet_parameters(backend: str) -> str:
    """Solver-specific parameters that keep ``backend`` off stdout.

    HiGHS prints its banner there whatever OR-Tools' own output setting, which broke the
    JSON that ``matcher bench ... --json`` writes to stdout. (OR-Tools reports False for
    HiGHS options it did apply, so the call's answer is not read.)
    """
    return "output_flag=false\n" if backend == "HIGHS" else ""


def _add_linear_no_swap(
    solver: pywraplp.Solver,
    p: MatchingProblem,
    x: list[pywraplp.Variable],
    binary: Callable[[str], pywraplp.Variable],
) -> None:
    directions: dict[tuple[int, int], list[int]] = {}
    for k in range(p.n_pairs):
        key = (int(p.staff_school[p.pair_staff[k]]), int(p.project_host[p.pair_project[k]]))
        directions.setdefault(key, []).append(k)
    for (a, b), forward in directions.items():
        backward = directions.get((b, a))
        if backward is None or a > b:
            continue
        serves = binary(f"swap{a}_{b}")
        for k in forward:
            solver.Add(x[k] <= serves)
        for k in backward:
            solver.Add(x[k] <= 1 - serves)


def greedy_schedule(problem: SchedulingProblem) -> tuple[int, int]:
    """Date projects one by one, fewest options first, each at its earliest free dates.

    Returns (projects dated, staff visit-days in a term's last week), the figures a
    coordinator would compare.
    """
    dates = greedy_dates(problem)
    late = sum(
        len(problem.projects[j].team) * (t in problem.last_week)
        for j, picked in dates.items()
        for t in picked.visit_days(problem.projects[j].visit_days)
    )
    return len(dates), late
