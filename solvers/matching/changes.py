"""Matching from a published plan: the most projects staffed, then the fewest changes to it,
then the usual quality, in that order and never traded against each other.

One CP-SAT model (``solvers.matching.model.build_model``, locks included) is solved in stages:
each stage optimises one level and fixes what it reached as a constraint before the next. A
change is a reviewer taken off or put on a team (a published pair not chosen, or a chosen pair
not published). Each independent part is its own model, solved the same way (see
``solve_fewest_changes``); the published plan is a near-complete hint.

Schedule rows are changes too, and the change stage counts the ones a team choice decides
before any date is set (``PublishedRows``, built by ``solvers.dating.keepable``): every row of
a project left unstaffed (cancelled) or newly staffed (added), every row no team can keep, and
every row of a visit whose old date a chosen reviewer cannot make. That count never exceeds
the rows the dating stage will change for those teams, so the stage minimises a lower bound
on the whole change count (pairs plus rows), and its proven bound is a lower bound on the
changes of every plan in its scope (docs/model.md, "Re-planning"): the reviewers' changes are
not bought at the price of more visits moved, nor the reverse.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from solvers.engine.budget import Budget
from solvers.engine.calibration import MIN_PART_SECONDS, PAIRS_PER_EXTRA_SECOND
from solvers.engine.decompose import IntArray, pair_parts, restrict
from solvers.engine.options import SolveOptions
from solvers.matching.clashes import DayClashes, KeptGroup
from solvers.matching.encode import MatchingProblem
from solvers.matching.model import MatchingModel, build_model, set_objective
from solvers.matching.strategy import (
    MatchingSolution,
    _merge as merge_parts,
    _solution,
    _whole_teams,
    solver_for,
)

log = logging.getLogger(__name__)
# Shares of the budget for the staffing and change stages; the quality stage gets the rest.
STAGE_SHARE = 1 / 3
# The change stage is solved again at most this many times with the day clashes its plan
# showed (``solvers.matching.clashes``); each time adds every clash the plan has.
MAX_CLASH_ROUNDS = 5
# Row group items of the scoping meeting and the governors' presentation (visits are 0 and
# up, the presentation is the visit count): one row each, never weighed in knock-on tables.
SCOPING, GOVERNORS = -2, -3
# Parts are never cut into regions here: a cut would drop pairs, and the bound with them.
_ALL = 2**62
_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


class NoPlanError(RuntimeError):
    """No plan keeps every hard rule and lock (the model is infeasible), or none was found in
    the time; ``infeasible`` says which."""

    def __init__(self, infeasible: bool) -> None:
        self.infeasible = infeasible
        super().__init__(
            "no plan keeps every hard rule and lock"
            if infeasible
            else "no plan was found within the time limit"
        )


@dataclass(frozen=True)
class RowGroup:
    """Published schedule rows of one project kept or lost together (one visit's days on one
    start, or the presentation): ``forced`` when no team keeps them on their dates, else
    ``blocked_by`` the reviewers whose own or school's calendar rules out those dates."""

    project_id: str
    rows: int
    blocked_by: frozenset[str]
    forced: bool
    # The visit's index, or the project's visit count for the presentation; negative for the
    # scoping meeting and governors' presentation (never ``blocked_by``, never knocked on).
    item: int = -1
    # The term days the team is busy on them when kept (none given for the scoping meeting
    # and governors' presentation), and whether those days take it out of school (a visit).
    days: tuple[int, ...] = ()
    away: bool = False


@dataclass(frozen=True)
class KnockOn:
    """A visit moved off its date can push the project's next visit or presentation off
    theirs: with exactly the items ``lost`` (visit indices; the visit count for the
    presentation) lost, and ``staff_id`` on the team ("" for any team), ``rows`` more rows
    change."""

    staff_id: str
    lost: frozenset[int]
    rows: int


@dataclass(frozen=True)
class PublishedRows:
    """The published schedule as the change stage sees it: its row groups, and the rows each
    project (by id) adds when staffed that the published schedule did not have."""

    groups: tuple[RowGroup, ...] = ()
    added: Mapping[str, int] = field(default_factory=dict)
    knock_on: Mapping[str, tuple[KnockOn, ...]] = field(default_factory=dict)
    # school id -> max_staff_out_per_day, for the clashes among kept rows (``clashes``).
    max_out: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StagedMatching:
    """The plan, the changes the change stage counted (pairs, and the rows its teams decide)
    and the proven least number of them."""

    solution: MatchingSolution
    changes: int
    changes_bound: int


def solve_fewest_changes(
    problem: MatchingProblem,
    budget: Budget,
    published: Collection[tuple[str, str]] | None,
    *,
    options: SolveOptions,
    rows: PublishedRows | None = None,
    leads: Collection[tuple[str, str]] = (),
) -> StagedMatching:
    """Staff the most projects, then change the fewest published (staff id, project id) pairs
    and the schedule ``rows`` the teams decide, then the usual objective (``published`` None:
    no change stage, for locks alone). Raises NoPlanError when no plan exists or was found.

    A published lead (``leads``, pairs) still on the team stays its lead: which member leads
    weighs in no term, and a needless new lead is one more person to tell.

    Each independent part (``solvers.engine.decompose``, never cut into regions) is solved on
    its own, smallest first, with a share of ``budget`` by its pairs. Every level is a sum
    over parts (staffed projects, changes; quality as ``solvers.matching.strategy`` counts it
    in parts), so the most staffed over the round is the most in every part, the fewest
    changes then the sum of each part's fewest, and the parts' bounds add up to a bound for
    the round. A part the change did not reach proves its levels at once from the published
    plan (the hint): all of a large round's search goes where something changed."""
    started = time.perf_counter()
    rows = rows or PublishedRows()
    wanted = None if published is None else set(published)
    parts = [(pairs, *restrict(problem, pairs)) for pairs in pair_parts(problem, max_pairs=_ALL)]
    in_parts = {problem.project_ids[int(j)] for *_, projects in parts for j in projects}
    index = {
        (problem.staff_ids[int(i)], problem.project_ids[int(j)])
        for i, j in zip(problem.pair_staff, problem.pair_project, strict=True)
    }
    # Published pairs no longer allowed (a drop-out's, a new conflict's) and rows of projects
    # no reviewer can serve now are changes whatever the plan.
    fixed = len((wanted or set()) - index) + sum(
        g.rows for g in rows.groups if g.project_id not in in_parts
    )
    solved: list[tuple[MatchingSolution, IntArray, IntArray, IntArray]] = []
    value, bound = fixed, fixed
    pairs_left = max(1, problem.n_pairs)
    for pairs, sub, staff, projects in sorted(parts, key=lambda part: len(part[0])):
        share = budget.part(budget.left * len(pairs) / pairs_left)
        pairs_left -= len(pairs)
        mine = set(sub.project_ids)
        part = _solve_part(
            sub,
            share,
            None if wanted is None else {pair for pair in wanted & index if pair[1] in mine},
            options,
            {pair for pair in leads if pair[1] in mine},
            PublishedRows(
                tuple(g for g in rows.groups if g.project_id in mine),
                {pid: n for pid, n in rows.added.items() if pid in mine},
                {pid: t for pid, t in rows.knock_on.items() if pid in mine},
                rows.max_out,
            ),
        )
        budget.spend(share.used)
        solved.append((part.solution, pairs, staff, projects))
        value, bound = value + part.changes, bound + part.changes_bound
    solution = merge_parts(problem, solved, time.perf_counter() - started, options)
    return StagedMatching(solution, value, bound)


def _solve_part(
    problem: MatchingProblem,
    budget: Budget,
    published: set[tuple[str, str]] | None,
    options: SolveOptions,
    leads: set[tuple[str, str]],
    rows: PublishedRows,
) -> StagedMatching:
    """One independent part in stages; every published pair given is one of its pairs."""
    started = time.perf_counter()
    m = build_model(problem)
    index = {
        (problem.staff_ids[int(i)], problem.project_ids[int(j)]): k
        for k, (i, j) in enumerate(zip(problem.pair_staff, problem.pair_project, strict=True))
    }
    kept_leads = [k for k in (index.get(pair, -1) for pair in leads) if k in m.lead]
    for k in kept_leads:
        m.model.add_implication(m.assign[k], m.lead[k])
    was = {index[pair] for pair in published or ()}
    rows_changed, clashes = _row_changes(m, rows)
    changes = (
        sum(1 - m.assign[k] for k in was)
        + sum(m.assign[k] for k in range(problem.n_pairs) if k not in was)
        + rows_changed
    )
    _hint(m, set(_whole_teams(problem, sorted(was))), kept_leads)
    # The first two stages must end with a plan: never less than a fresh part's floor.
    floor = MIN_PART_SECONDS + problem.n_pairs / PAIRS_PER_EXTRA_SECOND
    share = max(floor, STAGE_SHARE * budget.left)
    staffed = _stage(m, sum(m.staffed), budget.part(share), options, -1, track=changes)
    budget.spend(staffed.used)
    m.model.add(sum(m.staffed) >= staffed.value)
    if published is None:
        fewest = replace(staffed, value=0, bound=0, used=0.0)
    else:
        fewest = _stage(
            m, changes, budget.part(max(floor, budget.left / 2)), options, +1, staffed,
            track=changes, watch=clashes.lost,
        )
        budget.spend(fewest.used)
        fewest = _settle_clashes(m, changes, clashes, (fewest, fewest), budget, options, floor)
    kept = 0
    if published is not None:
        if fewest.found:
            m.model.add(changes <= fewest.value)
        else:
            _keep_teams(m, set(fewest.chosen))
        kept = _keep_unchanged_teams(m, was, set(fewest.chosen))
    set_objective(m)
    _hint(m, set(fewest.chosen), fewest.leads)
    best = _stage(m, None, budget.part(budget.left), options, +1, fewest, watch=clashes.lost)
    budget.spend(best.used)
    if published is not None and not clashes.broken(fewest.chosen, fewest.watched):
        # Free of clashes too: another plan at the same count may keep rows that clash
        # (which its dates would then move); the change stage's plan is the one to fall
        # back on. Only after a change stage that settled its own: else a clash added
        # here could leave no plan within its count.
        best = _settle_clashes(m, None, clashes, (best, fewest), budget, options, floor)
    # A quality stage that found nothing in its time proved no bound on the quality terms,
    # nor one that kept some teams as they were (a bound for those teams only).
    bound = None if not best.found or kept else float(best.bound)
    solution = _solution(problem, best.chosen, best.leads, best.status, bound, started, options)
    # A clash stage that found nothing: the plan before, whose count the clashes may raise.
    return StagedMatching(solution, max(fewest.value, fewest.bound), int(fewest.bound))


def _settle_clashes(
    m: MatchingModel,
    target: cp_model.LinearExprT | None,
    clashes: DayClashes,
    stages: tuple[_Stage, _Stage],
    budget: Budget,
    options: SolveOptions,
    floor: float,
) -> _Stage:
    """Solve a stage (minimising ``target``; None: the objective set) again while its plan
    keeps rows that clash on a day (``solvers.matching.clashes``), each time with those days
    constrained: the plan then counts the rows its dates will have to change, and the bound
    stays a bound. ``stages``: the stage's plan, and the plan to fall back on when a new
    solve finds nothing (``found`` False then)."""
    stage, fallback = stages
    for _ in range(MAX_CLASH_ROUNDS):
        broken = clashes.broken(stage.chosen, stage.watched)
        if not broken:
            return stage
        log.debug("change stages: %d day clashes among kept rows", len(broken))
        clashes.add(broken)
        _hint(m, set(stage.chosen), stage.leads)
        share = budget.part(max(floor, budget.left / 2))
        track = 0 if target is None else target
        again = _stage(m, target, share, options, +1, fallback, track=track, watch=clashes.lost)
        budget.spend(again.used)
        if not again.found:
            return again
        stage = again
        if target is not None:
            fallback = again  # the quality stage falls back on the change stage's plan only
    return stage


def _keep_teams(m: MatchingModel, chosen: set[int]) -> None:
    """Fix every team as in ``chosen`` (pair indices), for the quality stage."""
    for k, var in enumerate(m.assign):
        m.model.add(var == int(k in chosen))


def _keep_unchanged_teams(m: MatchingModel, was: set[int], chosen: set[int]) -> int:
    """Fix the teams the change stage left as published, for the quality stage: at the fewest
    changes they could only trade places with other teams at equal cost, and a model of the
    teams that changed alone searches in a fraction of the time. How many were fixed."""
    kept = 0
    for j, pairs in enumerate(m.problem.pairs_of_project()):
        if {k for k in pairs if k in was} != {k for k in pairs if k in chosen}:
            continue
        kept += 1
        m.model.add(m.staffed[j] == int(any(k in chosen for k in pairs)))
        for k in pairs:
            m.model.add(m.assign[k] == int(k in chosen))
    return kept


def _row_changes(
    m: MatchingModel, rows: PublishedRows
) -> tuple[cp_model.LinearExpr, DayClashes]:
    """The schedule rows the teams decide (see the module docstring), and the groups whose
    day clashes may be added later (``solvers.matching.clashes``)."""
    problem = m.problem
    project = {pid: j for j, pid in enumerate(problem.project_ids)}
    pairs = problem.pairs_of_project()
    # sum(coefficient * variable) + fixed, one term per project or row group.
    variables: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    fixed = 0
    losing: dict[str, dict[int, cp_model.IntVar]] = {}
    kept: dict[int, KeptGroup] = {}
    lost_of: dict[int, cp_model.IntVar] = {}
    pins: dict[int, cp_model.Constraint] = {}
    for pid, n in rows.added.items():
        if n and pid in project:
            variables.append(m.staffed[project[pid]])
            coefficients.append(n)
    for n, g in enumerate(rows.groups):
        j = project.get(g.project_id)
        if g.forced or j is None:
            fixed += g.rows  # no team keeps these (or can staff the project): always changed
            continue
        lost = m.model.new_bool_var(f"rows_lost[{g.project_id},{n}]")
        m.model.add_implication(m.staffed[j].Not(), lost)
        blocking = [k for k in pairs[j] if problem.staff_ids[problem.pair_staff[k]] in g.blocked_by]
        if g.item == SCOPING:
            _scoping_lost(m, (j, pairs[j]), blocking, lost)
        else:
            for k in blocking:
                m.model.add_implication(m.assign[k], lost)
        if not blocking:
            # Lost only with the whole project, until a day clash says otherwise (released
            # then: ``DayClashes.add``). Pinned so that it cannot be lost for nothing, to
            # escape a knock-on row the table counts only when exactly its items are lost.
            pins[n] = m.model.add(lost + m.staffed[j] == 1)
        variables.append(lost)
        coefficients.append(g.rows)
        if g.item >= 0:
            losing.setdefault(g.project_id, {})[g.item] = lost
            kept[n] = KeptGroup(j, g.days, g.away)
            lost_of[n] = lost
    for pid, lost_items in losing.items():
        table = rows.knock_on.get(pid, ())
        if table:
            variables.append(_knock_on(m, project[pid], pairs[project[pid]], lost_items, table))
            coefficients.append(1)
    expr = cp_model.LinearExpr.weighted_sum(variables, coefficients) + fixed
    return expr, DayClashes(m, kept, lost_of, rows.max_out, pins=pins)


def _scoping_lost(
    m: MatchingModel,
    project: tuple[int, Sequence[int]],
    blocking: Sequence[int],
    lost: cp_model.IntVar,
) -> None:
    """A scoping meeting's row is lost when its one attendee cannot come that day: a lead
    among ``blocking`` (pairs), or a team of blocked reviewers only (whoever attends). Who
    attends a team without a lead (the first member by id) is not modelled: a lower bound.
    ``project``: its index and its pairs."""
    j, pairs = project
    if not blocking:
        return
    for k in blocking:
        if k in m.lead:
            m.model.add_implication(m.lead[k], lost)
    free = [m.assign[k] for k in pairs if k not in set(blocking)]
    m.model.add(lost >= m.staffed[j] - cp_model.LinearExpr.sum(free))


def _knock_on(
    m: MatchingModel,
    j: int,
    pairs: Sequence[int],
    lost: Mapping[int, cp_model.IntVar],
    table: Sequence[KnockOn],
) -> cp_model.IntVar:
    """The further rows project ``j`` changes: at least each row of ``table`` whose items are
    exactly those lost while the project is staffed (and its reviewer on the team). The
    largest, not a sum: two reviewers pushing one visit off push the next one off once."""
    problem = m.problem
    on_team = {problem.staff_ids[problem.pair_staff[k]]: m.assign[k] for k in pairs}
    name = f"knock_on[{problem.project_ids[j]}]"
    extra = m.model.new_int_var(0, max(r.rows for r in table), name)
    for r in table:
        if not r.lost <= lost.keys() or (r.staff_id and r.staff_id not in on_team):
            continue  # an item no candidate blocks is lost only with the whole project
        inside = sum(lost[i] for i in r.lost)
        outside = sum(var for i, var in lost.items() if i not in r.lost)
        exact = inside - outside - len(r.lost) + m.staffed[j]  # 1 when exactly, else <= 0
        if r.staff_id:
            exact += on_team[r.staff_id] - 1
        m.model.add(extra >= r.rows * exact)
    return extra


@dataclass(frozen=True)
class _Stage:
    value: int
    bound: int
    chosen: tuple[int, ...]
    leads: frozenset[int]
    status: str
    used: float
    tracked: int = 0  # the value of the stage's ``track`` expression in its plan
    found: bool = True  # False: the stage found nothing and kept the plan before it
    watched: frozenset[int] = frozenset()  # the keys of the ``watch`` literals that are 1


def _stage(
    m: MatchingModel,
    target: cp_model.LinearExprT | None,
    budget: Budget,
    options: SolveOptions,
    sense: int,
    before: _Stage | None = None,
    track: cp_model.LinearExprT = 0,
    watch: Mapping[int, cp_model.IntVar] | None = None,
) -> _Stage:
    """Optimise ``target`` (``sense`` +1 minimise, -1 maximise; None: the objective already
    set) within ``budget``; the plan found, its value and CP-SAT's best bound, and the value
    of ``track`` in it. A stage that finds nothing in its time keeps the plan of the stage
    ``before`` (which the constraints fixed so far allow) with ``before``'s tracked value as
    its own, and CP-SAT's bound (still a bound)."""
    if target is not None:
        if sense > 0:
            m.model.minimize(target)
        else:
            m.model.maximize(target)
    solver = solver_for(budget, options)
    status = solver.solve(m.model)
    budget.charge(solver, options.workers)
    log.debug(
        "change stage on %d pairs: %s, value %s, bound %s, %.1f s work in %.1f s",
        m.problem.n_pairs,
        solver.status_name(status),
        solver.objective_value if status in _SOLVED else None,
        solver.best_objective_bound,
        budget.used,
        solver.wall_time,
    )
    if status not in _SOLVED:
        if before is not None and status != cp_model.INFEASIBLE:
            bound = _rounded(solver.best_objective_bound, sense)
            return replace(
                before,
                value=before.tracked,
                bound=bound,
                status="FEASIBLE",
                used=budget.used,
                found=False,
            )
        raise NoPlanError(infeasible=status == cp_model.INFEASIBLE)
    chosen = tuple(k for k in range(m.problem.n_pairs) if solver.value(m.assign[k]))
    leads = frozenset(k for k, var in m.lead.items() if solver.value(var))
    value = round(solver.objective_value)
    bound = _rounded(solver.best_objective_bound, sense)
    tracked = round(solver.value(track))
    watched = frozenset(n for n, var in (watch or {}).items() if solver.value(var))
    status_name = solver.status_name(status)
    return _Stage(value, bound, chosen, leads, status_name, budget.used, tracked, True, watched)


def _rounded(bound: float, sense: int) -> int:
    """Every coefficient is an integer: the bound rounds towards the plans' side."""
    return math.ceil(bound - 1e-6) if sense > 0 else math.floor(bound + 1e-6)



def _hint(m: MatchingModel, chosen: set[int], leads: Collection[int] = ()) -> None:
    """Start the search from a plan (the published one's whole teams, then each stage's),
    ``leads`` first among the leads it hints, so the hint is a plan CP-SAT can take at once."""
    m.model.clear_hints()
    teams: dict[int, list[int]] = {}
    for k in sorted(chosen):
        teams.setdefault(int(m.problem.pair_project[k]), []).append(k)
    for k, var in enumerate(m.assign):
        m.model.add_hint(var, k in chosen)
    for j, var in enumerate(m.staffed):
        m.model.add_hint(var, j in teams)
    leading = set()
    for team in teams.values():
        able = [k for k in team if k in m.lead]
        if able:
            leading.add(next((k for k in able if k in leads), able[0]))
    for k, var in m.lead.items():
        m.model.add_hint(var, k in leading)
