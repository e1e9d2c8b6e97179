"""Baselines the CP-SAT model is measured against, on the same MatchingProblem.

- ``greedy``: what a coordinator does by hand: hardest project first (fewest candidates), then
  the best nearby eligible reviewers that still have days and release left.
- ``solve_linear``: the same model as a mixed-integer program for a MIP solver bundled with
  OR-Tools (SCIP or HiGHS via ``pywraplp``), or, with ``relax=True``, its LP relaxation, whose
  optimum is a lower bound on every plan's objective.
- ``objective_of``: the objective of any set of chosen pairs, from the definition in
  docs/model.md, so all methods are scored by one yardstick.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solvers.decompose import IntArray, pair_parts
from solvers.encode import MatchingProblem
from solvers.scheduling import SchedulingProblem, greedy_dates


@dataclass(frozen=True)
class BaselineResult:
    method: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float
    chosen: tuple[int, ...] = ()


def objective_of(
    problem: MatchingProblem, chosen: tuple[int, ...], parts: Sequence[IntArray] | None = None
) -> int:
    """The weighted objective of a plan given as chosen pair indices (docs/model.md);
    ``parts`` as for ``term_values``."""
    values = term_values(problem, chosen, parts)
    signs = {"expertise": -1, "preference": -1}
    return sum(
        signs.get(name, 1) * int(getattr(problem.weights, name)) * value
        for name, value in values.items()
    )


def term_values(
    problem: MatchingProblem, chosen: tuple[int, ...], parts: Sequence[IntArray] | None = None
) -> dict[str, int]:
    """Each objective term's value (natural units) for a plan given as chosen pair indices.

    ``parts`` is ``pair_parts(problem)`` when the caller has it already: on a national round
    it takes 3 s, nearly all the time this takes.
    """
    staffed = {int(problem.pair_project[k]) for k in chosen}
    unstaffed = len(problem.project_ids) - len(staffed)
    fit = sum(int(problem.pair_fit[k]) for k in chosen)
    preference = sum(int(problem.pair_preference[k]) for k in chosen)
    travel = sum(int(problem.pair_travel[k]) for k in chosen)
    sle_share = 0
    if problem.sle_allowance > 0:
        # SLE balance is the largest share within each independent part, summed over parts.
        days = {i: int(problem.sle_days_used[i]) for i in set(problem.pair_staff.tolist())}
        for k in chosen:
            days[int(problem.pair_staff[k])] += int(problem.pair_days[k])
        for pairs in pair_parts(problem) if parts is None else parts:
            shares = [
                math.ceil(100 * days[i] / problem.sle_allowance)
                for i in set(problem.pair_staff[pairs].tolist())
                if problem.staff_is_sle[i]
            ]
            sle_share += max(shares, default=0)
    balance = (
        [0] * len(problem.school_ids)
        if problem.school_days_offset is None
        else [int(d) for d in problem.school_days_offset]
    )
    for k in chosen:
        balance[int(problem.staff_school[problem.pair_staff[k]])] += int(problem.pair_days[k])
        balance[int(problem.project_host[problem.pair_project[k]])] -= int(problem.pair_days[k])
    return {
        "unstaffed": unstaffed,
        "expertise": fit,
        "preference": preference,
        "travel": travel,
        "sle_balance": sle_share,
        "give_take": sum(abs(b) for b in balance),
    }


def greedy(problem: MatchingProblem, keep: Sequence[int] = ()) -> BaselineResult:
    """Hardest project first; each takes its best still-available reviewers, as few as allowed.

    ``keep`` (pair indices of whole, valid teams) are placed first and their projects left as
    they are: the rest of the round is staffed around them (a plan repaired after a change).
    """
    started = time.perf_counter()
    days_left = problem.staff_max_days.astype(int).tolist()
    sle_left = [
        max(0, problem.sle_allowance - int(u)) if sle else 10**9
        for u, sle in zip(problem.sle_days_used, problem.staff_is_sle, strict=True)
    ]
    release_left = problem.school_release.astype(int).tolist()
    serves: set[tuple[int, int]] = set()
    by_project = problem.pairs_of_project()
    chosen: list[int] = []
    w = problem.weights

    def score(k: int) -> float:
        return (
            w.travel * int(problem.pair_travel[k])
            - w.expertise * int(problem.pair_fit[k])
            - w.preference * int(problem.pair_preference[k])
        )

    def available(k: int, team: list[int]) -> bool:
        s, d = int(problem.pair_staff[k]), int(problem.pair_days[k])
        school = int(problem.staff_school[s])
        host = int(problem.project_host[problem.pair_project[k]])
        swapped = problem.no_direct_swap and (host, school) in serves
        # Team-mates already picked from the same school use its release too.
        pending = sum(
            int(problem.pair_days[m])
            for m in team
            if problem.staff_school[problem.pair_staff[m]] == school
        )
        return (
            days_left[s] >= d
            and sle_left[s] >= d
            and release_left[school] - pending >= d
            and not swapped
        )

    def book(team: Sequence[int]) -> None:
        for k in team:
            s, d = int(problem.pair_staff[k]), int(problem.pair_days[k])
            days_left[s] -= d
            sle_left[s] -= d
            release_left[int(problem.staff_school[s])] -= d
            serves.add(
                (int(problem.staff_school[s]), int(problem.project_host[problem.pair_project[k]]))
            )
        chosen.extend(team)

    book(keep)
    kept = {int(problem.pair_project[k]) for k in keep}
    for j in sorted(range(len(problem.project_ids)), key=lambda j: (len(by_project[j]), j)):
        if j in kept:
            continue
        team = _pick_team(problem, j, sorted(by_project[j], key=score), available)
        if team is not None:
            book(team)
    picked = tuple(sorted(chosen))
    return BaselineResult(
        method="greedy",
        status="FEASIBLE",
        objective=objective_of(problem, picked),
        bound=None,
        seconds=time.perf_counter() - started,
        chosen=picked,
    )


def _pick_team(
    problem: MatchingProblem,
    j: int,
    ranked: list[int],
    available: Callable[[int, list[int]], bool],
) -> list[int] | None:
    """The best team of minimum size with a lead and an SLE where needed, or None."""
    team: list[int] = []
    people: set[int] = set()

    def take(predicate: Callable[[int], bool]) -> bool:
        for k in ranked:
            s = int(problem.pair_staff[k])
            if s not in people and predicate(s) and available(k, team):
                team.append(k)
                people.add(s)
                return True
        return False

    if problem.project_needs_lead[j] and not take(lambda s: problem.staff_is_lead[s]):
        return None
    has_sle = any(problem.staff_is_sle[int(problem.pair_staff[k])] for k in team)
    if problem.project_needs_sle[j] and not has_sle and not take(lambda s: problem.staff_is_sle[s]):
        return None
    while len(team) < problem.project_min[j]:
        if not take(lambda s: True):
            return None
    return team if len(team) <= problem.project_max[j] else None


def solve_linear(
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
    for k, var in lead.items():
        solver.Add(var <= x[k])
    for i, pairs in enumerate(p.pairs_of_staff()):
        days = solver.Sum([int(p.pair_days[k]) * x[k] for k in pairs])
        limit = int(p.staff_max_days[i])
        if p.staff_is_sle[i]:
            limit = min(limit, max(0, p.sle_allowance - int(p.sle_days_used[i])))
        if pairs:
            solver.Add(days <= limit)
    for s, pairs in enumerate(p.pairs_of_giving_school()):
        if pairs:
            solver.Add(
                solver.Sum([int(p.pair_days[k]) * x[k] for k in pairs]) <= int(p.school_release[s])
            )
    if p.no_direct_swap:
        _add_linear_no_swap(solver, p, x, binary)
    shares = []
    if p.sle_allowance > 0:
        # One largest-share variable per independent part, as in the CP-SAT model.
        for n, pairs in enumerate(pair_parts(p)):
            share = (
                solver.NumVar(0, infinity, f"s{n}")
                if relax
                else solver.IntVar(0, infinity, f"s{n}")
            )
            shares.append(share)
            staff_pairs: dict[int, list[int]] = {}
            for k in pairs.tolist():
                staff_pairs.setdefault(int(p.pair_staff[k]), []).append(k)
            for i, own in staff_pairs.items():
                if p.staff_is_sle[i]:
                    days = int(p.sle_days_used[i]) + solver.Sum(
                        [int(p.pair_days[k]) * x[k] for k in own]
                    )
                    solver.Add(100 * days <= p.sle_allowance * share)
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
    if absolute_gap is not None and not relax:
        solver.SetSolverSpecificParametersAsString(_ABSOLUTE_GAP[backend].format(absolute_gap))
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
        for j, (visit_days, _talk) in dates.items()
        for t in visit_days
    )
    return len(dates), late
