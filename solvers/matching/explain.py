"""Plain-words reasons why a project cannot be staffed.

Two layers, cheapest first:

1. ``precheck``: for each project, count the reviewers left after each pair rule in turn, and
   say which rule empties the list ("5 have specialism oracy; 3 of them review primary schools;
   none of them live within 60 minutes' travel").
2. ``explain_unstaffed``: for a project the solver left unstaffed although candidates exist,
   re-solve with one enforcement literal per rule instance and ask CP-SAT for the rules that
   cannot hold together (``sufficient_assumptions_for_infeasibility``), then shrink that set
   by deletion so every rule named is needed.
"""

from __future__ import annotations

import difflib
import itertools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from matcher.model import Project, Round
from solvers.engine.budget import Budget
from solvers.engine.calibration import (
    EXPLAIN_MAX_SECONDS,
    EXPLAIN_PAIRS_BUILT_PER_SECOND,
    EXPLAIN_PAIRS_COPIED_PER_SECOND,
)
from solvers.engine.decompose import pair_parts, restrict
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions
from solvers.matching.capacity import sle_days_left
from solvers.matching.cover import cover_days
from solvers.matching.eligibility import PairContext, Screen, project_areas
from solvers.matching.encode import MatchingProblem
from solvers.matching.model import build_model


@dataclass(frozen=True)
class _Step:
    survivors: str
    keep: npt.NDArray[np.int64]  # staff indices


def _funnel(
    screen: Screen, project: Project, excluded_pairs: Collection[tuple[str, str]]
) -> list[_Step]:
    """Reviewers left after each pair rule, then after the single-pair capacity rules."""
    ctx = screen.ctx
    days = project.days_per_reviewer
    steps = [_Step(rule.survivors(ctx, project), kept) for rule, kept in screen.survivors(project)]
    pool = steps[-1].keep

    def narrow(keep: npt.NDArray[np.bool_], words: str) -> None:
        nonlocal pool
        pool = pool[keep]
        steps.append(_Step(words, pool))

    if excluded_pairs:
        blocked = {screen.staff_index[s] for s, p in excluded_pairs if p == project.project_id}
        narrow(
            ~np.isin(pool, np.fromiter(blocked, dtype=np.int64, count=len(blocked))),
            "have dates free that fit the visits (calendars)",
        )
    more = _scoping_words(project)

    def need() -> npt.NDArray[np.int64]:
        # Whoever could attend the scoping meeting is booked its half day too (matching).
        attend = ~project.needs_lead | screen.is_lead[pool]
        return days + project.scoping_days * attend.astype(np.int64)

    narrow(screen.max_days[pool] >= need(), f"have {days} days free{more} (max_days)")
    narrow(
        ~screen.is_sle[pool] | (screen.sle_allowance[pool] - screen.sle_used[pool] >= need()),
        f"have {days} days of SLE allowance left{more} (if SLEs)",
    )
    narrow(
        screen.school_release[screen.staff_school[pool]] >= need(),
        f"work at a school that can release {days} days{more}",
    )
    narrow(
        screen.cover_days[screen.staff_school[pool]] >= need(),
        f"work at a school whose cover budget pays for {days} days{more}",
    )
    return steps


DAY_RULES = frozenset({"capacity", "sle_allowance", "release", "cover_budget"})


def _scoping_note(project: Project, rules: set[str]) -> list[str]:
    """When a day budget is in the conflict, that the scoping meeting adds to its lead's days."""
    if not project.scoping_days or not rules & DAY_RULES:
        return []
    return [
        f"its scoping meeting is half a day more for whoever attends it "
        f"({project.days_out(scoping=True)} days, not {project.days_per_reviewer})"
    ]


def _booked_days(round_: Round, project: Project, staff_id: str) -> int:
    """Days matching books for ``staff_id`` on ``project``: the scoping meeting's half day
    too for whoever could attend it (solvers.matching.encode)."""
    attends = not project.needs_lead or round_.staff_by_id[staff_id].lead_reviewer
    return project.days_per_reviewer + project.scoping_days * attends


def _scoping_words(project: Project) -> str:
    """What the scoping meeting adds to the days its attendee needs, in words."""
    if not project.scoping_days:
        return ""
    who = "a trained lead" if project.needs_lead else "each"
    return f" ({who} {project.days_out(scoping=True)} with the scoping meeting)"


def _describe_funnel(steps: list[_Step], last: int) -> str:
    """Reads "6 staff have specialism oracy; 2 of them review special schools; none of ..."."""
    parts = [f"{len(steps[0].keep)} staff {steps[0].survivors}"]
    for before, step in itertools.pairwise(steps[: last + 1]):
        if len(step.keep) == len(before.keep):
            continue  # a rule that removed nobody says nothing useful
        count = "none" if not len(step.keep) else str(len(step.keep))
        words = _singular(step.survivors) if len(step.keep) == 1 else step.survivors
        parts.append(f"{count} of them {words}")
    return "; ".join(parts)


def _singular(phrase: str) -> str:
    """ "have no conflict" -> "has no conflict", "work outside" -> "works outside": the survivors'
    phrases start with a plural verb, and "1 of them" takes the singular."""
    verb, _, rest = phrase.partition(" ")
    verb = "has" if verb == "have" else verb + "s"
    return f"{verb} {rest}" if rest else verb


def _reviewers(count: int) -> str:
    return f"{count} reviewer" if count == 1 else f"{count} reviewers"


def precheck(
    round_: Round,
    *,
    excluded_pairs: Collection[tuple[str, str]] = frozenset(),
    excluded_projects: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Projects that no plan can staff, each with the reason, found without solving.

    ``excluded_projects`` maps projects already known to be impossible to their reason.
    """
    screen = Screen(PairContext.of(round_))
    reasons: dict[str, str] = dict(excluded_projects or {})
    for project in round_.projects:
        if project.project_id in reasons:
            continue
        steps = _funnel(screen, project, excluded_pairs)
        pool = steps[-1].keep
        if not len(steps[0].keep):
            reasons[project.project_id] = _nobody_lists(screen, project)
            continue
        shortfall = next(
            (i for i, step in enumerate(steps) if len(step.keep) < project.min_reviewers),
            None,
        )
        if shortfall is not None:
            reasons[project.project_id] = (
                f"needs {_reviewers(project.min_reviewers)} but "
                f"{_describe_funnel(steps, shortfall)}"
            )
        elif project.needs_lead and not screen.is_lead[pool].any():
            reasons[project.project_id] = (
                f"needs a trained lead reviewer but none of the {len(pool)} eligible reviewers "
                "is one (lead_reviewer)"
            )
        elif project.needs_sle and not screen.is_sle[pool].any():
            reasons[project.project_id] = (
                f"needs an SLE but none of the {len(pool)} eligible reviewers is an SLE"
            )
        elif project.needs_role is not None and not any(
            screen.staff[i].role == project.needs_role for i in pool
        ):
            reasons[project.project_id] = (
                f"needs {project.needs_role.with_article} on the team (needs_role) but none of the "
                f"{len(pool)} eligible reviewers is one"
            )
        elif missing := _areas_nobody_covers(screen, project, pool):
            areas = project_areas(project)
            reasons[project.project_id] = (
                f"needs a team covering {' and '.join(areas)} but no team covers "
                f"{_both(areas)}: none of the {len(pool)} eligible reviewers has "
                f"{' or '.join(missing)}"
            )
    return reasons


def _areas_nobody_covers(
    screen: Screen, project: Project, pool: npt.NDArray[np.int64]
) -> list[str]:
    """The areas of a several-area project that no eligible reviewer has (areas_covered)."""
    areas = project_areas(project)
    if len(areas) < 2:
        return []
    having = set().union(*(screen.ctx.specialisms[screen.staff[i].staff_id] for i in pool))
    return [area for area in areas if area not in having]


def _both(areas: Sequence[str]) -> str:
    """ "both oracy and reading", or "all of a, b and c"."""
    if len(areas) == 2:
        return f"both {areas[0]} and {areas[1]}"
    return f"all of {', '.join(areas[:-1])} and {areas[-1]}"


def _nobody_lists(screen: Screen, project: Project) -> str:
    """The reason for a project whose area no one in the round has: a rare area, or a typo."""
    areas = project_areas(project)
    if len(areas) > 1:
        return (
            f"needs {_reviewers(project.min_reviewers)} with specialism "
            f"{' or '.join(repr(a) for a in areas)} but no one in the round lists any of them"
        )
    close = difflib.get_close_matches(project.area, sorted(screen.by_area), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"needs {_reviewers(project.min_reviewers)} with specialism {project.area!r} but no one "
        f"in the round lists it{hint}"
    )


class _Assumptions:
    """One enforcement literal per rule instance, named so a core can be read back."""

    def __init__(self, model: cp_model.CpModel) -> None:
        self.model = model
        self.literals: dict[tuple[str, str], cp_model.IntVar] = {}

    def __call__(self, rule: str, subject: str) -> Sequence[cp_model.IntVar]:
        key = (rule, subject)
        if key not in self.literals:
            self.literals[key] = self.model.new_bool_var(f"rule[{rule}:{subject}]")
        return (self.literals[key],)


@dataclass(frozen=True)
class _Words:
    """What a rule's sentence may name: the round, the (part of the) problem and the teams the
    plan gave the projects it staffed (by project id: staff ids), for what is committed."""

    round: Round
    problem: MatchingProblem
    teams: Mapping[str, Sequence[str]]


def _school_words(round_: Round, school_id: str) -> str:
    school = round_.school_by_id.get(school_id)
    return f"{school.name} ({school_id})" if school is not None else school_id


def _cover_budget_sentence(words: _Words, school_id: str) -> str:
    """The school, its budget, the days it pays for and what the plan already commits."""
    round_ = words.round
    school = round_.school_by_id[school_id]
    per_day = round_.settings.calendar.cover_cost(school.phase)
    budget = school.cover_budget or 0.0
    said = f"{budget:,.0f}" if budget.is_integer() else f"{budget:,.2f}"
    head = (
        f"school {_school_words(round_, school_id)} spends at most £{said} on cover "
        f"(cover_budget: {cover_days(round_, school)} staff-day(s) at £{per_day})"
    )
    committed: list[str] = []
    total = 0
    for project_id, team in sorted(words.teams.items()):
        mine = [s for s in team if round_.staff_by_id[s].school_id == school_id]
        if mine:
            project = round_.project_by_id[project_id]
            days = sum(_booked_days(round_, project, s) for s in mine)
            total += days * per_day
            committed.append(f"{project_id} ({', '.join(mine)}, {days} day(s))")
    if not committed:
        return head
    return f"{head}, £{total:,} already committed by {', '.join(committed)}"


def _release_sentence(words: _Words, school_id: str) -> str:
    release = words.round.school_by_id[school_id].release_days
    return f"school {school_id} releases at most {release} staff-days"


def _swap_sentence(words: _Words, subject: str) -> str:
    first, second = subject.split("/")
    return f"schools {first} and {second} do not review each other both ways"


def _sle_allowance_sentence(words: _Words, staff_id: str) -> str:
    index = words.problem.staff_ids.index(staff_id)
    return f"SLE {staff_id} has only {sle_days_left(words.problem, index)} allowance days left"


def _team_size_sentence(words: _Words, project_id: str) -> str:
    minimum = words.round.project_by_id[project_id].min_reviewers
    return f"project {project_id} has at least {_reviewers(minimum)}"


def _needed_role(words: _Words, project_id: str) -> str:
    role = words.round.project_by_id[project_id].needs_role
    return "someone of the role it needs" if role is None else role.with_article


def _areas_sentence(words: _Words, project_id: str) -> str:
    areas = project_areas(words.round.project_by_id[project_id])
    return f"project {project_id}'s team covers {_both(areas)}"


_SENTENCES: dict[str, Callable[[_Words, str], str]] = {
    "staff": lambda w, pid: f"project {pid} is staffed",
    "team_size": _team_size_sentence,
    "lead": lambda w, pid: f"project {pid} has a trained lead",
    "sle": lambda w, pid: f"project {pid} has an SLE",
    "needs_role": lambda w, pid: f"project {pid} has {_needed_role(w, pid)} on its team",
    "areas_covered": _areas_sentence,
    "capacity": lambda w, sid: (
        f"reviewer {sid} works at most {w.round.staff_by_id[sid].max_days} days"
    ),
    "sle_allowance": _sle_allowance_sentence,
    "release": _release_sentence,
    "cover_budget": _cover_budget_sentence,
    "no_direct_swap": _swap_sentence,
}


def _sentence(rule: str, subject: str, words: _Words) -> str:
    said = _SENTENCES.get(rule)
    return f"{rule} ({subject})" if said is None else said(words, subject)


def _assume(model: cp_model.CpModel, literals: Sequence[int]) -> None:
    """Assume ``literals`` (proto indices of Boolean variables) instead of what was."""
    model.clear_assumptions()
    model.proto.assumptions.extend(literals)


def _is_infeasible(
    model: cp_model.CpModel, assumed: Sequence[int], budget: Budget, seed: int
) -> bool | None:
    """True if the assumed rules cannot all hold, False if they can, None if unsure in time."""
    _assume(model, assumed)
    solver = _solver(budget, seed)
    status = solver.solve(model)
    budget.charge(solver, 1)
    return _verdict(status)


def _solver(budget: Budget, seed: int) -> cp_model.CpSolver:
    """One worker, stopped after ``budget``'s work (a fresh share for each question)."""
    solver = cp_model.CpSolver()
    budget.part(budget.seconds).limit(solver, 1)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    return solver


def _verdict(status: cp_model.CpSolverStatus) -> bool | None:
    """True if the assumptions cannot all hold, False if they can, None if unsure in time."""
    if status == cp_model.INFEASIBLE:
        return True
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    return None


OUT_OF_TIME = (
    "left unstaffed: other projects used the reviewers it could have had; which rules force "
    "that was not worked out within the time limit (run again with a longer --time-limit)"
)
ANOTHER_REGION = (
    "its possible reviewers all work in another region: the round was too large "
    "to solve whole and was split into regions (docs/model.md)"
)


@dataclass(frozen=True)
class _Part:
    """An independent part with projects to explain: only a project's own part can stop it."""

    problem: MatchingProblem
    rivals: tuple[str, ...]  # the part's projects the plan staffed, in ``staffed``'s order
    explain: tuple[str, ...]  # the part's projects to explain, in ``unstaffed``'s order

    # Building the part's guarded model, and copying it for a project, are counted as work in
    # proportion to its pairs (not clocked, so which projects a run explains repeats).
    @property
    def build_seconds(self) -> float:
        return self.problem.n_pairs / EXPLAIN_PAIRS_BUILT_PER_SECOND

    @property
    def copy_seconds(self) -> float:
        return self.problem.n_pairs / EXPLAIN_PAIRS_COPIED_PER_SECOND


@dataclass(frozen=True)
class _Guarded:
    """A part's matching model with every rule instance guarded by a literal (``_Assumptions``)
    and a ("staff", project) literal for each project the plan staffed. Built once for all the
    part's projects to explain and never searched itself: each project's question is asked of
    a copy with its own staff literal added, so that its model and assumptions are exactly
    those of a model built for it alone, and so is its answer."""

    model: cp_model.CpModel
    literals: Mapping[tuple[str, str], int]  # proto indices, the same in every copy
    staffed: Mapping[str, int]  # each project to explain's staffed variable (proto index)

    def for_project(self, project_id: str) -> _Guarded:
        # Copying the proto costs about a fortieth of building it (the 2,000-school cohort's
        # parts), and threads may copy one model at once: it is only read.
        copy = self.model.clone()
        (literal,) = _Assumptions(copy)("staff", project_id)
        staffed = copy.get_bool_var_from_proto_index(self.staffed[project_id])
        copy.add(staffed == 1).only_enforce_if(literal)
        return _Guarded(copy, {**self.literals, ("staff", project_id): literal.index}, {})


def _guarded_model(part: _Part) -> _Guarded:
    problem = part.problem
    model = cp_model.CpModel()
    guard = _Assumptions(model)
    m = build_model(problem, guard=guard, model=model)
    m.model.clear_objective()
    position = {pid: j for j, pid in enumerate(problem.project_ids)}
    for pid in part.rivals:
        (literal,) = guard("staff", pid)
        m.model.add(m.staffed[position[pid]] == 1).only_enforce_if(literal)
    staffed = {pid: m.staffed[position[pid]].index for pid in part.explain}
    return _Guarded(model, {key: lit.index for key, lit in guard.literals.items()}, staffed)


def _parts(
    problem: MatchingProblem, unstaffed: Sequence[str], staffed: Sequence[str]
) -> list[_Part]:
    """The parts holding projects to explain, in the order of their first such project."""
    part_of_project = np.full(len(problem.project_ids), -1, dtype=np.int64)
    all_pairs = pair_parts(problem)
    for n, pairs in enumerate(all_pairs):
        part_of_project[problem.pair_project[pairs]] = n
    index = {pid: j for j, pid in enumerate(problem.project_ids)}

    def part_of(pid: str) -> int:
        return int(part_of_project[index[pid]]) if pid in index else -1

    wanted = [n for n in dict.fromkeys(part_of(pid) for pid in unstaffed) if n >= 0]
    parts: list[_Part] = []
    for n in wanted:
        sub, _staff, _projects = restrict(problem, all_pairs[n])
        parts.append(
            _Part(
                sub,
                rivals=tuple(pid for pid in staffed if part_of(pid) == n),
                explain=tuple(pid for pid in unstaffed if part_of(pid) == n),
            )
        )
    return parts


class _Explaining:
    """The projects to explain in a fixed order, part by part, run by threads as they come
    free, and which of them count: a project is explained if the work before it in that order
    (each part's model the first time, each project's copy of it and its searches) plus its own
    model leaves some of the stage's work. That depends only on counts and CP-SAT's
    deterministic time, not on which thread ran what or how fast: a project started before the
    work turned out spent (another thread's earlier project was still searching) is run but
    its answer not used."""

    def __init__(self, parts: Sequence[_Part], work: float, each: float) -> None:
        self.parts = parts
        self.order = [(n, pid) for n, part in enumerate(parts) for pid in part.explain]
        self.work = work
        self.each = each  # a project's share for each search
        # Each part's model is charged at its first project, whichever thread builds it, and a
        # copy of it at every project.
        self.model_seconds = [
            parts[n].copy_seconds + (parts[n].build_seconds if pid == parts[n].explain[0] else 0)
            for n, pid in self.order
        ]
        self.used: list[float | None] = [None] * len(self.order)
        self.answers: list[str | None] = [None] * len(self.order)
        self._left = [len(part.explain) for part in parts]
        self._models: list[_Guarded | None] = [None] * len(parts)
        self._changed = threading.Condition()
        self._part_locks = [threading.Lock() for _ in parts]

    def may_start(self, k: int) -> bool:
        """False when the work before ``k`` is known to leave none (then nor does it for any
        later project: skipped). True when it leaves some, or still would if every earlier
        project still searching used a full share; otherwise wait for those to finish, rather
        than search for an answer likely not to be used. Waiting changes when, never which."""
        with self._changed:
            while True:
                known = sum(u for u in self.used[:k] if u is not None)
                searching = sum(u is None for u in self.used[:k])
                before = sum(self.model_seconds[: k + 1]) + known
                if before >= self.work:
                    return False
                if before + searching * self.each < self.work or not searching:
                    return True
                self._changed.wait()

    def model(self, n: int) -> _Guarded:
        """Part ``n``'s model, built by the first thread to need it; others wait for it."""
        with self._part_locks[n]:
            built = self._models[n] or _guarded_model(self.parts[n])
            self._models[n] = built
            return built

    def finished(self, k: int, answer: str | None, used: float) -> None:
        n = self.order[k][0]
        with self._changed:
            self.answers[k] = answer
            self.used[k] = used
            self._changed.notify_all()
        with self._part_locks[n]:
            self._left[n] -= 1
            if not self._left[n]:
                self._models[n] = None  # no project of it is left: free its model

    def reasons(self) -> tuple[dict[str, str], float]:
        """Each project's answer, or OUT_OF_TIME from the first that the work before it and
        its part's model leave none for; and the work of the answers used."""
        reasons: dict[str, str] = {}
        before = counted = 0.0
        for k, (_n, pid) in enumerate(self.order):
            # A project's model counts before it whether or not it is then explained, so
            # once the work is spent no later project is (as ``may_start`` assumes).
            before += self.model_seconds[k]
            answer = self.answers[k]
            if before >= self.work or answer is None:
                reasons[pid] = OUT_OF_TIME
                continue
            reasons[pid] = answer
            before += self.used[k] or 0.0
            counted += self.model_seconds[k] + (self.used[k] or 0.0)
        return reasons, counted


def explain_unstaffed(
    round_: Round,
    problem: MatchingProblem,
    budget: Budget,
    *,
    unstaffed: Sequence[str],
    staffed: Sequence[str],
    options: SolveOptions = DEFAULT_OPTIONS,
    teams: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, str]:
    """For each unstaffed project, the smallest set of rules that stop it being staffed too.

    ``staffed`` are the projects the plan did staff: the question asked is "why can this project
    not be staffed as well as those?". ``teams`` (project id: staff ids) are their teams, so a
    budget rule can say what the plan already commits. Each part's guarded model is built once
    for all its projects to explain. Projects are explained ``options.workers`` at a time,
    part by part, each search stopped after ``budget`` shared out evenly, and at most
    ``EXPLAIN_MAX_SECONDS``, of work (``solvers.engine.budget``). The models and searches
    together have ``budget``'s work on each worker: no project is explained past that, in a
    fixed order (``_Explaining``), nor started after ``budget``'s deadline; those left say so.
    """
    many = max(1, len(unstaffed))
    workers = max(1, options.workers)
    each = min(EXPLAIN_MAX_SECONDS, budget.seconds * workers / many)
    parts = _parts(problem, unstaffed, staffed)
    run = _Explaining(parts, budget.left * workers, each)

    def explain(k: int) -> None:
        n, project_id = run.order[k]
        if not run.may_start(k) or budget.exhausted():
            run.finished(k, None, 0.0)
            return
        share = budget.part(each)
        answer: str | None = None
        try:
            answer = _explain_one(
                round_,
                parts[n],
                run.model(n).for_project(project_id),
                project_id,
                budget=share,
                seed=options.seed,
                teams=teams or {},
            )
        finally:
            # Even on an error: later projects may be waiting for its work (``may_start``).
            run.finished(k, answer, share.used)

    # CP-SAT releases the interpreter lock while it searches, so the projects' searches run
    # side by side; the pool hands them out in order, each to the first thread free.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="explain") as pool:
        list(pool.map(explain, range(len(run.order))))
    found, spent = run.reasons()
    budget.spend(spent / workers)
    # A project in no part had candidates (or precheck would have said), all in another region.
    reasons = dict.fromkeys(unstaffed, ANOTHER_REGION)
    reasons.update(found)
    return reasons


def _explain_one(
    round_: Round,
    part: _Part,
    guarded: _Guarded,
    project_id: str,
    *,
    budget: Budget,
    seed: int,
    teams: Mapping[str, Sequence[str]],
) -> str:
    """Assume every rule, the staffed rivals and the project staffed; name what conflicts."""
    key_of = {index: key for key, index in guarded.literals.items()}
    everything = list(guarded.literals.values())
    model = guarded.model
    solver = _solver(budget, seed)
    _assume(model, everything)
    status = solver.solve(model)
    budget.charge(solver, 1)
    verdict = _verdict(status)
    if verdict is False:
        return (
            "could be staffed alongside the others, but the weights preferred another plan "
            "or the time limit ended the search; raise weights.unstaffed or --time-limit"
        )
    if verdict is None:
        return "no team found within the time limit; the cause was not proven"
    # The same solve that proved the conflict names a set of assumptions behind it.
    core = _shrink(
        model, list(solver.sufficient_assumptions_for_infeasibility()), budget=budget, seed=seed
    )
    keys = sorted(key_of[index] for index in core)
    rivals = sorted(s for r, s in keys if r == "staff" and s != project_id)
    words = _Words(round_, part.problem, teams)
    rules = [_sentence(r, s, words) for r, s in keys if r != "staff"]
    rules += _scoping_note(round_.project_by_id[project_id], {r for r, _s in keys})
    lead = (
        f"cannot be staffed while {', '.join(rivals)} {'is' if len(rivals) == 1 else 'are'}"
        if rivals
        else "cannot be staffed"
    )
    return f"{lead}: these rules conflict: " + "; ".join(rules) if rules else lead


def _shrink(model: cp_model.CpModel, core: list[int], *, budget: Budget, seed: int) -> list[int]:
    """Drop every assumption the conflict does not need (deletion-based minimisation)."""
    needed = list(core)
    for literal in core:
        trial = [x for x in needed if x != literal]
        if _is_infeasible(model, trial, budget, seed):
            needed = trial
    return needed
