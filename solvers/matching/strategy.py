"""How a matching model is solved: whole, in independent parts, or window by window.

The rules and terms are stated in ``solvers.matching.model``; this module decides how to
search it: a start plan (``warm_start``), parts solved side by side (``engine.lanes``),
bounds carried between parts, and very large rounds improved window by window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from solvers.bounds.round_bound import round_bound
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    HINT_MAX_PAIRS,
    MATCHING_MIN_SEARCH_SECONDS as MIN_SEARCH_SECONDS,
    MIN_PART_SECONDS,
    PAIRS_BUILT_PER_SECOND,
    PAIRS_PER_EXTRA_SECOND,
    PROBE_SECONDS,
    WINDOWS_BOUND_SHARE,
)
from solvers.engine.carried_bounds import CarriedBounds, frame
from solvers.engine.decompose import IntArray, dropped_pairs, pair_parts, restrict
from solvers.engine.lanes import solve_new_parts
from solvers.engine.memo import SolvedParts, fingerprint
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions
from solvers.engine.result import SolveResult, TermValue, quality_gap
from solvers.engine.watch import GapWatch
from solvers.matching.encode import MatchingProblem
from solvers.matching.greedy import greedy
from solvers.matching.model import SOFT_TERMS, MatchingModel, build_model, weight_of
from solvers.matching.objective import objective_of, term_values
from solvers.matching.warm_start import best_start, relinks, staffed_floor, start_seconds
from solvers.search.windows import improve_by_windows


@dataclass(frozen=True)
class MatchingSolution:
    result: SolveResult
    chosen: tuple[int, ...]  # pair indices
    leads: frozenset[int]  # pair indices whose reviewer leads the team
    staffed: tuple[bool, ...]  # per project


class SolvedMatchingParts(SolvedParts[MatchingSolution]):
    """Matching parts solved before, by content, and their proven bounds, which also hold
    for the same parts with fewer pairs (``solvers.engine.carried_bounds``)."""

    def __init__(self) -> None:
        super().__init__()
        self.bounds = CarriedBounds()


def solver_for(budget: Budget, options: SolveOptions) -> cp_model.CpSolver:
    """A CP-SAT solver for a matching model, stopped after the work ``budget`` has left.

    The gap stop is not CP-SAT's own: ``GapWatch`` measures it on the quality terms."""
    workers = options.workers
    solver = cp_model.CpSolver()
    budget.limit(solver, workers)
    solver.parameters.random_seed = int(options.seed)
    solver.parameters.num_workers = int(workers)
    # The LP relaxation of this model is strong (it is close to a transportation problem);
    # full linearisation turns it into bounds and cuts, which on the 300-school cohort takes
    # a proof from "not within 20 s" to about 2 s (benchmarks/README.md).
    solver.parameters.linearization_level = 2
    # Symmetry detection and probing cost seconds on large parts and found nothing useful
    # there: the first good plan on a 16,000-pair part came at 8 s instead of 29 s.
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    if workers > 1:
        solver.parameters.subsolvers.extend(["max_lp", "quick_restart"])
        # Interleaved workers make a multi-worker search repeatable: same input + seed, same plan.
        solver.parameters.interleave_search = True
        # One subsolver task per batch: with the default batch the two workers wait on each
        # other's slowest task, which on the 60 Cattrysse GAP instances cost 26 s in all
        # against 10 s with batches of one.
        solver.parameters.interleave_batch_size = 1
    return solver


def solve_matching(
    problem: MatchingProblem,
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
    hint: Collection[int] | None = None,
    solved_parts: SolvedMatchingParts | None = None,
) -> MatchingSolution:
    """Build and solve the matching model; the best plan found and how good it is.

    Independent parts (``solvers.engine.decompose``) are solved ``options.workers`` at a time,
    each with a share of the time limit in proportion to its pairs (one part alone gets every
    worker). The limit is ``budget``, counted in work, not seconds (``solvers.engine.budget``),
    with a wall-clock guard. ``options.gap_limit`` stops each part once its plan is proven
    within that relative gap, measured on the quality terms (``solvers.engine.watch``). The
    search starts from ``hint`` (pair indices of a feasible plan, e.g. the previous round's) or
    else from ``solvers.matching.warm_start.best_start``. Parts found in ``solved_parts`` are
    not solved again; the parts solved now are added to it, and their bounds carry over to the
    same parts with fewer pairs in a later call. A part reached after the time is spent keeps
    its starting plan, unproven, so the call ends near its limit.

    A round whose parts would have to be cut into regions (``solvers.engine.decompose.pair_parts``
    leaves pairs between them out) is solved window by window instead, from greedy on the
    whole round (``_solve_by_windows``); ``solved_parts`` is not used there.
    """
    started = time.perf_counter()
    parts = pair_parts(problem)
    if dropped_pairs(problem, parts):
        solution = _solve_by_windows(problem, parts, budget=budget, options=options, hint=hint)
    else:
        solution = _solve_in_parts(
            problem,
            parts,
            started=started,
            budget=budget,
            options=options,
            hint=hint,
            memo=SolvedMatchingParts() if solved_parts is None else solved_parts,
        )
    return replace(solution, result=replace(solution.result, repeatable=budget.repeatable))


def _solve_in_parts(
    problem: MatchingProblem,
    part_pairs: list[IntArray],
    *,
    started: float,
    budget: Budget,
    options: SolveOptions,
    hint: Collection[int] | None,
    memo: SolvedMatchingParts,
) -> MatchingSolution:
    """Each independent part solved (``workers`` at a time) and the parts' plans merged."""
    parts = [(pairs, *restrict(problem, pairs)) for pairs in part_pairs]
    hinted = None if hint is None else np.isin(np.arange(problem.n_pairs), list(hint))
    frame_key = frame(problem)

    def solve(
        part: int, share: Budget | None, cp_sat_workers: int, search: bool = True
    ) -> MatchingSolution:
        pairs, sub, _staff, _projects = parts[part]
        solution = _solve_part(
            sub,
            share,
            options.on(cp_sat_workers),
            hint=None if hinted is None else np.flatnonzero(hinted[pairs]),
            known_bound=memo.bounds.bound_for(frame_key, problem, pairs),
            search=search,
        )
        if solution.result.bound is not None:
            memo.bounds.remember(frame_key, problem, pairs, solution.result.bound)
        return solution

    found = solve_new_parts(
        [fingerprint(sub) for _pairs, sub, _staff, _projects in parts],
        [len(pairs) for pairs, *_ in parts],
        solve,
        memo=memo,
        budget=budget,
        workers=options.workers,
        floor=lambda part: MIN_PART_SECONDS + len(parts[part][0]) / PAIRS_PER_EXTRA_SECOND,
        overtime=lambda part: solve(part, None, 1, search=False),
    )
    solved = [
        (solution, pairs, staff, projects)
        for solution, (pairs, _sub, staff, projects) in zip(found, parts, strict=True)
    ]
    return _merge(problem, solved, time.perf_counter() - started, options)


def _solve_by_windows(
    problem: MatchingProblem,
    parts: list[IntArray],
    *,
    budget: Budget,
    options: SolveOptions,
    hint: Collection[int] | None,
) -> MatchingSolution:
    """A round too large for one model and linked across its regions (a national cohort):
    greedy on the whole round, then improved window by window (``solvers.search.windows``).

    Starting from the whole round's greedy plan and keeping only passes that improve it, the
    answer is never worse than greedy; windows see the pairs between regions, which solving
    the regions apart would lose. No bound is proven for the whole round. ``parts`` is
    ``pair_parts(problem)``: the regions, and the groups SLE balance is measured in.
    """
    started = time.perf_counter()
    kept = () if hint is None else _whole_teams(problem, sorted(hint))
    start = greedy(problem, keep=kept).chosen

    def solve_free(free: MatchingProblem, plan: IntArray, share: Budget) -> Sequence[int]:
        return _solve_in_parts(
            free,
            pair_parts(free),
            started=time.perf_counter(),
            budget=share,
            options=options,
            hint=plan.tolist(),
            memo=SolvedMatchingParts(),
        ).chosen

    # The whole round's bound gets a fixed share of the work, charged whole whatever it
    # uses, so the windows' share, and so the plan, do not depend on how fast the LP ran.
    proving = budget.part(WINDOWS_BOUND_SHARE * budget.left)
    budget.spend(proving.seconds)
    search = improve_by_windows(problem, start, solve_free, parts=parts, budget=budget)
    proven = round_bound(problem, parts, search.chosen, budget=proving, options=options)
    solution = _solution(
        problem,
        search.chosen,
        _first_leads(problem, search.chosen),
        "FEASIBLE",
        proven.bound,
        started,
        options,
        parts=parts,
        counts={
            "window_passes": search.passes,
            "improving_window_passes": search.improving_passes,
            "greedy_objective": search.start_objective,
            "bound_capped_groups": proven.capped_groups,
            "bound_regions": proven.regions,
            "bound_settled_regions": proven.settled_regions,
        },
    )
    return replace(
        solution,
        result=replace(
            solution.result, bound_method=proven.method, bound_seconds=proven.seconds
        ),
    )


def _solve_part(
    problem: MatchingProblem,
    budget: Budget | None,
    options: SolveOptions,
    *,
    hint: IntArray | None = None,
    known_bound: float | None = None,
    search: bool = True,
) -> MatchingSolution:
    """Solve one part, starting from ``hint`` (pair indices of a plan) or else the better of
    greedy and the regret warm start (``solvers.matching.warm_start.best_start``).

    ``known_bound`` is a bound proven before (``solvers.engine.carried_bounds``): a start already
    within the gap limit of it is the answer without a search. Without ``search`` or
    ``budget`` the start is the answer (the time is spent).

    The starting plan is not handed to CP-SAT as a hint: CP-SAT follows a hint branch by
    branch with the LP at every node, which on a 16,000-pair part took 15 s, longer than
    solving from scratch. It is the incumbent the gap is measured against instead, so a good
    start stops the search as soon as the bound comes within the gap, and it is the answer
    whenever the search finds nothing better.
    """
    started = time.perf_counter()
    # Where the start would relink elite plans (larger GAP-shaped rounds: seconds of work),
    # CP-SAT first gets a short search from the single chain search's plan: on most such
    # rounds that already proves the optimum, and the relinking is then not needed.
    relinking = hint is None and search and budget is not None and relinks(problem)
    if hint is None:
        start = _whole_teams(problem, best_start(problem, relinking=not relinking))
    else:
        # The previous plan, less teams that lost a member, with its gaps staffed greedily:
        # an incumbent with a project more unstaffed than need be is no use to the gap stop.
        start = greedy(problem, keep=_whole_teams(problem, hint.tolist())).chosen
    start_objective = float(objective_of(problem, start))
    start_penalty = float(
        weight_of(problem, "unstaffed") * term_values(problem, start)["unstaffed"]
    )
    if known_bound is not None and (
        start_objective <= known_bound
        or quality_gap(start_objective, known_bound, start_penalty) <= options.gap_limit
    ):
        status = "OPTIMAL" if start_objective <= known_bound else "FEASIBLE"
        return _solution(
            problem,
            start,
            _first_leads(problem, start),
            status,
            known_bound,
            started,
            options,
        )
    if not search or budget is None:
        return _solution(
            problem,
            start,
            _first_leads(problem, start),
            "FEASIBLE",
            known_bound,
            started,
            options,
        )
    m = build_model(problem)
    # A plan staffing this many projects exists; when an unstaffed project outweighs every
    # other term, no optimum staffs fewer (solvers.matching.warm_start.staffed_floor).
    floor = staffed_floor(problem, start)
    if floor:
        m.model.add(sum(m.staffed) >= floor)
    if problem.n_pairs <= HINT_MAX_PAIRS:
        _hint(m, problem, start)
    # Building the start and the model took time the share counts too, as work in proportion
    # to the pairs (measured, not clocked, so the share left repeats); the search itself
    # always gets MIN_SEARCH_SECONDS.
    budget.spend(
        problem.n_pairs / PAIRS_BUILT_PER_SECOND
        + (start_seconds(problem, relinking=False) if hint is None else 0.0)
    )
    first_share = PROBE_SECONDS if relinking else max(MIN_SEARCH_SECONDS, budget.left)
    found = _search(m, problem, start, budget, first_share, known_bound, options)
    if relinking and not found.settled(problem, options.gap_limit):
        budget.spend(start_seconds(problem))
        relinked = _whole_teams(problem, best_start(problem))
        if objective_of(problem, relinked) < objective_of(problem, found.chosen):
            m.model.clear_hints()
            if problem.n_pairs <= HINT_MAX_PAIRS:
                _hint(m, problem, relinked)
            incumbent = relinked
        else:
            incumbent = found.chosen
        found = _search(
            m,
            problem,
            incumbent,
            budget,
            max(MIN_SEARCH_SECONDS, budget.left),
            found.bound,
            options,
        )
    return _solution(
        problem, found.chosen, found.leads, found.status, found.bound, started, options
    )


@dataclass(frozen=True)
class _Searched:
    """What one CP-SAT search of a part left: the best plan (the start if it found nothing
    better), its status name and the best bound proven (None without one)."""

    chosen: tuple[int, ...]
    leads: frozenset[int]
    status: str
    bound: float | None

    def settled(self, problem: MatchingProblem, gap_limit: float) -> bool:
        """Proven optimal, or within the gap limit: no further search is needed."""
        if self.status == "OPTIMAL":
            return True
        if self.bound is None:
            return False
        objective = float(objective_of(problem, self.chosen))
        penalty = float(
            weight_of(problem, "unstaffed") * term_values(problem, self.chosen)["unstaffed"]
        )
        return objective <= self.bound or quality_gap(objective, self.bound, penalty) <= gap_limit


def _search(
    m: MatchingModel,
    problem: MatchingProblem,
    start: tuple[int, ...],
    budget: Budget,
    seconds: float,
    known_bound: float | None,
    options: SolveOptions,
) -> _Searched:
    """Search ``m`` for ``seconds`` of ``budget``'s work (charged to it), with ``start`` as
    the incumbent the gap is measured against and the answer if nothing better is found."""
    start_objective = float(objective_of(problem, start))
    start_penalty = float(
        weight_of(problem, "unstaffed") * term_values(problem, start)["unstaffed"]
    )
    searching = budget.part(seconds)
    solver = solver_for(searching, options)
    watch = GapWatch(
        solver,
        m.staffed,
        weight_of(problem, "unstaffed"),
        options.gap_limit,
        options.progress,
        incumbent=(start_objective, start_penalty),
        bound=known_bound,
    )
    status = solver.solve(m.model, watch)
    searching.charge(solver, options.workers)
    budget.spend(searching.used)
    searched = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    # The best bound proven, from the search's end or from its last report.
    proofs = [
        b
        for b in (known_bound, watch.bound, solver.best_objective_bound if searched else None)
        if b is not None
    ]
    # Every coefficient is an integer, so a plan's value is one and the bound rounds up.
    bound = float(math.ceil(max(proofs) - 1e-6)) if proofs else None
    if status == cp_model.OPTIMAL or (
        status == cp_model.FEASIBLE and solver.objective_value <= start_objective
    ):
        chosen = tuple(k for k in range(problem.n_pairs) if solver.value(m.assign[k]))
        leads = frozenset(k for k, var in m.lead.items() if solver.value(var))
        return _Searched(chosen, leads, solver.status_name(status), bound)
    found = "OPTIMAL" if status == cp_model.INFEASIBLE else "FEASIBLE"
    return _Searched(tuple(start), _first_leads(problem, start), found, bound)


def _terms(
    problem: MatchingProblem, chosen: Sequence[int], parts: list[IntArray] | None = None
) -> dict[str, TermValue]:
    """Each soft term of a plan: its value, weight and signed contribution to the objective."""
    values = term_values(problem, chosen, parts)
    return {
        name: TermValue(
            values[name],
            weight_of(problem, name),
            sign * weight_of(problem, name) * values[name],
            description,
        )
        for name, _builder, sign, description in SOFT_TERMS
    }


# Kept whole (ruff noqa below): a part's result from the pieces its search leaves.
def _solution(  # noqa: PLR0913
    problem: MatchingProblem,
    chosen: tuple[int, ...],
    leads: frozenset[int],
    status: str,
    bound: float | None,
    started: float,
    options: SolveOptions,
    *,
    parts: list[IntArray] | None = None,
    counts: dict[str, int] | None = None,
) -> MatchingSolution:
    """A part's plan with its terms, counts (the problem's, and ``counts``) and time taken;
    ``parts`` as for ``solvers.baselines.term_values``."""
    terms = _terms(problem, chosen, parts)
    result = SolveResult(
        status=status,
        objective=float(sum(t.contribution for t in terms.values())),
        bound=bound,
        seconds=time.perf_counter() - started,
        seed=options.seed,
        workers=options.workers,
        terms=terms,
        counts={**_counts(problem), **(counts or {})},
        fixed_penalty=terms["unstaffed"].contribution,
    )
    staffed = {int(problem.pair_project[k]) for k in chosen}
    return MatchingSolution(
        result=result,
        chosen=chosen,
        leads=leads,
        staffed=tuple(j in staffed for j in range(len(problem.project_ids))),
    )


def _whole_teams(problem: MatchingProblem, chosen: Sequence[int]) -> tuple[int, ...]:
    """The pairs of a plan whose teams are still whole: a plan that lost a member (a pair
    excluded since) leaves that project unstaffed rather than under strength."""
    teams: dict[int, list[int]] = {}
    for k in sorted(set(chosen)):
        teams.setdefault(int(problem.pair_project[k]), []).append(k)
    return tuple(
        sorted(
            k
            for j, team in teams.items()
            if problem.project_min[j] <= len(team) <= problem.project_max[j]
            and (
                not problem.project_needs_lead[j]
                or any(problem.staff_is_lead[problem.pair_staff[k]] for k in team)
            )
            and (
                not problem.project_needs_sle[j]
                or any(problem.staff_is_sle[problem.pair_staff[k]] for k in team)
            )
            and problem.covers_areas(j, team)
            and problem.has_role(j, team)
            for k in team
        )
    )


def _hint(m: MatchingModel, problem: MatchingProblem, start: Sequence[int]) -> None:
    """Hand the start to CP-SAT as a hint (on small parts only; see ``HINT_MAX_PAIRS``)."""
    chosen = set(start)
    leads = _first_leads(problem, start)
    staffed = {int(problem.pair_project[k]) for k in chosen}
    for k, var in enumerate(m.assign):
        m.model.add_hint(var, k in chosen)
    for k, var in m.lead.items():
        m.model.add_hint(var, k in leads)
    for j, var in enumerate(m.staffed):
        m.model.add_hint(var, j in staffed)


def _first_leads(problem: MatchingProblem, chosen: Sequence[int]) -> frozenset[int]:
    """On each team that needs a lead, its first trained lead leads."""
    lead_of: dict[int, int] = {}
    for k in chosen:
        j = int(problem.pair_project[k])
        if problem.project_needs_lead[j] and problem.staff_is_lead[problem.pair_staff[k]]:
            lead_of.setdefault(j, k)
    return frozenset(lead_of.values())


def _merge(
    problem: MatchingProblem,
    solved: list[tuple[MatchingSolution, IntArray, IntArray, IntArray]],
    seconds: float,
    options: SolveOptions,
) -> MatchingSolution:
    """One solution from the parts; projects with no candidate at all count as unstaffed."""
    staffed = [False] * len(problem.project_ids)
    chosen: list[int] = []
    leads: set[int] = set()
    for solution, pairs, _staff, projects in solved:
        chosen.extend(int(pairs[k]) for k in solution.chosen)
        leads.update(int(pairs[k]) for k in solution.leads)
        for local, ok in enumerate(solution.staffed):
            staffed[int(projects[local])] = ok
    found = all(s.result.has_solution for s, *_ in solved)
    unstaffed_weight = weight_of(problem, "unstaffed")
    alone = len(problem.project_ids) - sum(len(projects) for *_, projects in solved)
    terms: dict[str, TermValue] = {}
    for name, _builder, sign, description in SOFT_TERMS:
        value = sum(s.result.terms[name].value for s, *_ in solved if s.result.terms)
        value += alone if name == "unstaffed" else 0
        weight = weight_of(problem, name)
        terms[name] = TermValue(value, weight, sign * weight * value, description)
    constant = unstaffed_weight * alone
    objective = constant + sum(s.result.objective or 0.0 for s, *_ in solved)
    proven = all(s.result.bound is not None for s, *_ in solved)
    bound = constant + sum(s.result.bound or 0.0 for s, *_ in solved) if proven else None
    statuses = {s.result.status for s, *_ in solved}
    status = "OPTIMAL" if statuses <= {"OPTIMAL"} else ("FEASIBLE" if found else "UNKNOWN")
    result = SolveResult(
        status=status,
        objective=objective if found else None,
        bound=bound if found else None,
        seconds=seconds,
        seed=options.seed,
        workers=options.workers,
        terms=terms if found else {},
        counts={
            **_counts(problem),
            "parts": len(solved),
            # Parts reached once the time was spent keep their start unproven; any one of them
            # leaves the whole bound unknown, and the user should see why.
            "parts_without_bound": sum(s.result.bound is None for s, *_ in solved),
        },
        fixed_penalty=terms["unstaffed"].contribution,
    )
    return MatchingSolution(
        result=result,
        chosen=tuple(sorted(chosen)) if found else (),
        leads=frozenset(leads) if found else frozenset(),
        staffed=tuple(staffed) if found else (False,) * len(problem.project_ids),
    )


def _term_values(m: MatchingModel, solver: cp_model.CpSolver) -> dict[str, TermValue]:
    terms: dict[str, TermValue] = {}
    for name, _builder, sign, description in SOFT_TERMS:
        value = int(solver.value(m.terms[name][0]))
        weight = weight_of(m.problem, name)
        terms[name] = TermValue(value, weight, sign * weight * value, description)
    return terms


def _counts(problem: MatchingProblem) -> dict[str, int]:
    return {
        "candidate_pairs": problem.n_pairs,
        "projects": len(problem.project_ids),
        "staff": len(problem.staff_ids),
        "schools": len(problem.school_ids),
    }


