"""The Python API the CLI wraps: match a round, date its visits, run the main job (``plan``).

Data flows one way: Round -> solvers.matching.encode -> CP-SAT -> solvers.matching.decode -> Plan ->
matcher.verify (independent re-check) -> export. Matching and dating are joined by feedback
(docs/scheduling.md): pairings that cannot be dated are forbidden and the round re-matched.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from matcher.changes import Change, Revision, count_changes, diff_plans
from matcher.clusters import ClusterOutcome, form_clusters
from matcher.days import SchoolCalendar
from matcher.io.atomic import atomic_output
from matcher.io.calendar import write_calendars
from matcher.io.changes_file import write_changes
from matcher.io.cluster_files import write_cluster_files
from matcher.io.history_files import write_history_next
from matcher.io.notices_file import write_notices
from matcher.io.owned import MATCH_OWNS, SCHEDULE_OWNS
from matcher.io.plan_files import write_match_files, write_whole_run_time
from matcher.io.schedule_files import write_schedule_csv
from matcher.locks import LockError, impossible_locks
from matcher.model import Plan, Round, Schedule, ScheduledEvent, UnfilledProject
from matcher.notices import Notice, build_notices
from matcher.report.build import write_report_files
from matcher.verify import Violation, verify_plan
from matcher.verify_schedule import verify_schedule
from matcher.written import WrittenPlan
from solvers.dating.changes import NoDatesError, solve_dates_fewest_changes
from solvers.dating.encode import SchedulingProblem, encode_schedule
from solvers.dating.explain import CLASHES, ClashModels, diagnose
from solvers.dating.keepable import published_rows, undatable_pairs
from solvers.dating.strategy import PartDates, components, solve_schedule
from solvers.engine.budget import Budget
from solvers.engine.calibration import ROUND_PAIRS_PER_SECOND
from solvers.engine.memo import SolvedParts
from solvers.engine.options import SolveOptions
from solvers.engine.result import SolveResult
from solvers.engine.watch import Progress
from solvers.matching.changes import (
    NoPlanError,
    PublishedRows,
    StagedMatching,
    solve_fewest_changes,
)
from solvers.matching.decode import decode
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.explain import explain_unstaffed, precheck
from solvers.matching.strategy import SolvedMatchingParts, solve_matching

log = logging.getLogger(__name__)

MAX_FEEDBACK_ROUNDS = 4
# With matching kept inside clusters, the comparison without them gets this share of the limit
# after the job (like explanations): a time box, so its count is the best found within it.
COMPARE_SHARE = 0.1
# No feedback round starts with less than this share of the time limit left.
LAST_ROUND_SHARE = 0.1
# Nor with less than this share of what the last round took: a round re-solves only the parts
# that changed, from the last plan and its bounds, so it costs less than the round before, but
# one cut short by the time limit leaves those parts at their starting plans.
NEXT_ROUND_SHARE = 0.5
NOT_YET_EXPLAINED = "not staffed (explanation pending)"
# Naming the rule behind a clash builds the project's dating part once, without objective,
# for all its clashing projects (solvers.dating.explain.ClashModels), at about this many
# projects a second: 1,010 to 1,250 measured building every part of a plan of the
# 2,000-school cohort (250 parts, 1,847 projects; its 15 parts of 30 or more alone: 1,010 to
# 1,150), against 800 to 1,100 for the model with its objective on the same machine.
DATING_BUILT_PER_SECOND = 1_100


class PlanCheckError(RuntimeError):
    """The solver produced a plan the independent checker rejects: a bug, never user error."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = "\n".join(f"  - {v.message}" for v in violations)
        super().__init__(f"the plan breaks {len(violations)} hard rule(s):\n{lines}")


def _terms(result: SolveResult) -> dict[str, object]:
    return {
        name: {
            "value": term.value,
            "weight": term.weight,
            "contribution": term.contribution,
            "description": term.description,
        }
        for name, term in result.terms.items()
    }


def _result_summary(result: SolveResult) -> dict[str, object]:
    return {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "objective_gap": result.objective_gap,
        # Who proved the bound: the search's own ("cp-sat"), or a separate step for a round
        # solved window by window (docs/model.md); its time goes to run.json.
        "bound_method": result.bound_method or ("cp-sat" if result.bound is not None else None),
        "bound_seconds": None if result.bound_seconds is None else round(result.bound_seconds, 3),
        "terms": _terms(result),
        "wall_time_seconds": round(result.seconds, 3),
        "repeatable": result.repeatable,
    }


@dataclass(frozen=True)
class MatchOutcome:
    """A matched round: the plan, how good it is, and why anything is left unstaffed."""

    round: Round
    plan: Plan
    result: SolveResult
    # The index-level problem the plan was solved on, kept so later steps need not rebuild it.
    problem: MatchingProblem | None = field(default=None, repr=False, compare=False)
    # From a published plan: (pair changes made, proven least number), else None.
    changes: tuple[int, int] | None = None

    def summary(self) -> dict[str, object]:
        """What summary.json holds: status, objective, bound, gap, terms, time, seed, counts."""
        staffed = len(self.round.projects) - len(self.plan.unfilled)
        return {
            "round": self.round.settings.name,
            "round_number": self.round.settings.number,
            **_result_summary(self.result),
            "seed": self.result.seed,
            "workers": self.result.workers,
            "counts": {
                **self.result.counts,
                "projects_staffed": staffed,
                "projects_unfilled": len(self.plan.unfilled),
                "reviewer_places": len(self.plan.assignments),
                "reviewers_used": len({a.staff_id for a in self.plan.assignments}),
            },
        }


@dataclass(frozen=True)
class _Feedback:
    """What ``plan``'s feedback loop carries into its next matching.

    ``excluded_pairs`` and ``excluded_projects`` (with reasons) are ruled out from outside the
    pairing rules (those that cannot be dated); ``start_from`` is the plan to start from (its
    teams still allowed); ``solved_parts`` are independent parts solved before, reused when
    unchanged, with bounds that still hold when a part has lost pairs.
    """

    excluded_pairs: frozenset[tuple[str, str]] = frozenset()
    excluded_projects: Mapping[str, str] = field(default_factory=dict)
    start_from: Plan | None = None
    solved_parts: SolvedMatchingParts | None = None
    # A re-plan (locks, or a published plan): solved in stages (solvers.matching.changes),
    # with the published (staff id, project id) pairs to change least, None = no change stage.
    staged: bool = False
    published: frozenset[tuple[str, str]] | None = None
    # The published schedule's rows by visit_id, whose changes the teams decide count too.
    published_events: Mapping[str, ScheduledEvent] = field(default_factory=dict)
    # The published leads (staff id, project id): kept as leads while on their teams.
    published_leads: frozenset[tuple[str, str]] = frozenset()


def match(
    round_: Round,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    gap_limit: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
    explain_time_limit: float = 5.0,
) -> MatchOutcome:
    """Pair reviewers with projects; every unstaffed project comes back with a reason.

    Parameters
    ----------
    round_
        A validated round (``matcher.load_round``).
    time_limit
        Seconds for the main solve; the best plan found so far is returned when it ends.
        Counted as work, not on the clock (``solvers.engine.budget``), with the clock as a guard.
    seed, workers
        The same round, seed, workers and limit give the same plan.
    gap_limit
        Stop once the plan is proven within this relative gap of the optimum (0.01 = 1%),
        measured on the quality terms (docs/model.md).
    progress
        Called with each improving plan or bound (objective, bound, seconds).
    explain_time_limit
        Seconds per unstaffed project for finding the rules that conflict (shared among
        them, each at most ``solvers.engine.calibration.EXPLAIN_MAX_SECONDS``).

    Raises
    ------
    PlanCheckError
        If the independent checker finds a broken hard rule (a bug: please report it).
    """
    options = SolveOptions(seed=seed, workers=workers, gap_limit=gap_limit, progress=progress)
    return _match(
        round_,
        Budget(time_limit),
        _phase(options, "matching"),
        explain_time_limit=explain_time_limit,
    )


def _match(
    round_: Round,
    budget: Budget,
    options: SolveOptions,
    *,
    explain_time_limit: float = 5.0,
    explain: bool = True,
    feedback: _Feedback = _Feedback(),
) -> MatchOutcome:
    """``match`` within ``budget`` (a share of ``plan``'s); ``explain=False`` defers finding
    the rules that stop unstaffed projects (``plan`` does it after its last round)."""
    excluded_projects = dict(feedback.excluded_projects)
    reasons = precheck(
        round_, excluded_pairs=feedback.excluded_pairs, excluded_projects=excluded_projects
    )
    problem = encode(
        round_, excluded_pairs=feedback.excluded_pairs, excluded_projects=set(excluded_projects)
    )
    log.info(
        "matching %d projects, %d staff, %d candidate pairs",
        len(problem.project_ids),
        len(problem.staff_ids),
        problem.n_pairs,
    )
    # What the round costs beyond its parts' searches, counted as work (not clocked) so the
    # searches' shares, and so the plan, repeat.
    budget.spend(problem.n_pairs / ROUND_PAIRS_PER_SECOND)
    start_from = feedback.start_from
    changes: tuple[int, int] | None = None
    if feedback.staged:
        rows = _published_rows(round_, problem, feedback)
        staged = _solve_staged(problem, budget, options, feedback, rows)
        solution, changes = staged.solution, (staged.changes, staged.changes_bound)
    else:
        solution = solve_matching(
            problem,
            budget,
            options=options,
            hint=None if start_from is None else _pair_indices(problem, start_from),
            solved_parts=feedback.solved_parts,
        )
    staffed = [pid for pid, ok in zip(problem.project_ids, solution.staffed, strict=True) if ok]
    to_explain = [
        pid
        for pid, ok in zip(problem.project_ids, solution.staffed, strict=True)
        if not ok and pid not in reasons
    ]
    if not explain:
        reasons.update(dict.fromkeys(to_explain, NOT_YET_EXPLAINED))
    elif solution.result.has_solution and to_explain:
        reasons.update(
            explain_unstaffed(
                round_,
                problem,
                Budget(explain_time_limit * len(to_explain)),
                unstaffed=to_explain,
                staffed=staffed,
                options=options,
                teams=_teams(decode(problem, solution, {})),
            )
        )
    plan = decode(problem, solution, reasons)
    violations = verify_plan(round_, plan)
    if violations:
        raise PlanCheckError(violations)
    return MatchOutcome(
        round=round_, plan=plan, result=solution.result, problem=problem, changes=changes
    )


def _teams(plan_: Plan) -> dict[str, list[str]]:
    """Each staffed project's reviewers (staff ids), for explanations that name them."""
    return {pid: [a.staff_id for a in team] for pid, team in plan_.teams_by_project.items()}


def _solve_staged(
    problem: MatchingProblem,
    budget: Budget,
    options: SolveOptions,
    feedback: _Feedback,
    rows: PublishedRows | None,
) -> StagedMatching:
    """Most staffed, then fewest changes to the published pairs (and the ``rows`` teams
    decide), then quality; locks that clash only through the rest of the plan are a
    LockError."""
    try:
        return solve_fewest_changes(
            problem,
            budget,
            feedback.published,
            options=options,
            rows=rows,
            leads=feedback.published_leads,
        )
    except NoPlanError as error:
        if not error.infeasible:
            raise  # nothing found in the time: a timing problem, not a clash of locks
        raise LockError(
            [f"[locks] the locks cannot all hold together with the hard rules ({error})"]
        ) from error


def _published_rows(
    round_: Round, problem: MatchingProblem, feedback: _Feedback
) -> PublishedRows | None:
    """What the published schedule's rows tell the change stage (``solvers.dating.keepable``),
    None without a published plan."""
    if feedback.published is None:
        return None
    candidates: dict[str, list[str]] = {}
    for i, j in zip(problem.pair_staff, problem.pair_project, strict=True):
        candidates.setdefault(problem.project_ids[j], []).append(problem.staff_ids[i])
    return published_rows(round_, feedback.published_events, candidates)


def _pair_indices(problem: MatchingProblem, plan_: Plan) -> list[int]:
    """The candidate pairs a plan uses (pairs no longer allowed are left out)."""
    wanted = {(a.staff_id, a.project_id) for a in plan_.assignments}
    return [
        k
        for k, (i, j) in enumerate(zip(problem.pair_staff, problem.pair_project, strict=True))
        if (problem.staff_ids[i], problem.project_ids[j]) in wanted
    ]


@dataclass(frozen=True)
class ScheduleOutcome:
    """Dated visits for a plan, and each staffed project that could not be dated, with why."""

    schedule: Schedule
    result: SolveResult
    # project id -> (diagnosis kind, reason, reviewers whose calendars block it)
    diagnoses: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    # The dating problem the schedule was solved on, kept so later steps need not rebuild it.
    problem: SchedulingProblem | None = field(default=None, repr=False, compare=False)
    # From a published schedule: (row changes made, proven least number), else None.
    changes: tuple[int, int] | None = None


def schedule(
    round_: Round,
    plan: Plan,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    gap_limit: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
) -> ScheduleOutcome:
    """Date every visit of the plan's staffed projects; explain the ones that cannot be dated.

    The options as for ``match``.
    """
    options = SolveOptions(seed=seed, workers=workers, gap_limit=gap_limit, progress=progress)
    return _schedule(round_, plan, Budget(time_limit), _phase(options, "dating"))


def _schedule(
    round_: Round,
    plan: Plan,
    budget: Budget,
    options: SolveOptions,
    *,
    explain_clashes: bool = True,
    solved_parts: SolvedParts[PartDates] | None = None,
    published: Mapping[str, ScheduledEvent] | None = None,
) -> ScheduleOutcome:
    """``schedule`` within ``budget``. ``explain_clashes`` names the rule behind each clash
    with other visits (a few extra solves); the feedback loop skips it until its last round.
    ``solved_parts`` as for ``_Feedback``. With ``published`` (events by visit_id; empty for
    locks alone) the dates are found in stages, fewest changes before quality."""
    problem = encode_schedule(round_, plan)
    changes: tuple[int, int] | None = None
    if published is not None:
        try:
            staged = solve_dates_fewest_changes(problem, budget, published, options=options)
        except NoDatesError as error:
            if not error.infeasible:
                raise  # nothing found in the time: a timing problem, not a clash of locks
            raise LockError([f"[locks] the locked dates cannot all hold ({error})"]) from error
        solution, changes = staged.solution, (staged.changes, staged.changes_bound)
    else:
        solution = solve_schedule(problem, budget, options=options, solved_parts=solved_parts)
    diagnoses = _diagnoses(round_, plan, solution.unscheduled, problem if explain_clashes else None)
    unscheduled = tuple(
        UnfilledProject(project_id=pid, reason=diagnoses[pid][1]) for pid in solution.unscheduled
    )
    return ScheduleOutcome(
        schedule=Schedule(events=solution.events, unscheduled=unscheduled),
        result=solution.result,
        diagnoses=diagnoses,
        problem=problem,
        changes=changes,
    )


@dataclass(frozen=True)
class PlanOutcome:
    """The main job's result: consistent pairings and dates, and how they were reached."""

    round: Round
    matching: MatchOutcome
    scheduling: ScheduleOutcome
    plan: Plan  # only projects that are both staffed and dated keep their teams
    feedback_rounds: int
    clusters: ClusterOutcome | None = None  # formed first when [clusters] form = true
    # False when the wall clock, not the work budget, stopped a search: a re-run may differ.
    repeatable: bool = True
    # From a published plan (``plan(previous=...)``): every change, and the proven least
    # number of changes of the staged search (pairings, then dates for those teams).
    changes: tuple[Change, ...] | None = None
    changes_bound: int | None = None
    # Projects the published plan could not date among the other visits, left unstaffed by
    # the re-plan: the bound is over the plans that leave them so too.
    changes_bound_leaves_out: tuple[str, ...] = ()
    # Who to tell about those changes, one notice each (matcher.notices).
    notices: tuple[Notice, ...] | None = None
    # With matching kept inside clusters: the same round matched without them, to compare.
    without_clusters: MatchOutcome | None = None
    # The whole job's seconds, every step from clusters to the last check: the matching
    # result's own seconds cover its search only.
    seconds: float | None = None

    @property
    def schedule(self) -> Schedule:
        return self.scheduling.schedule

    def summary(self) -> dict[str, object]:
        base = self.matching.summary()
        counts = dict(base["counts"])  # type: ignore[call-overload]
        counts.update(
            projects_staffed=len(self.round.projects) - len(self.plan.unfilled),
            projects_unfilled=len(self.plan.unfilled),
            reviewer_places=len(self.plan.assignments),
            visit_days=sum(1 for e in self.schedule.events if e.kind == "visit"),
            presentations=sum(1 for e in self.schedule.events if e.kind == "presentation"),
            feedback_rounds=self.feedback_rounds,
        )
        # Counted only when some project asks for them, so other rounds' summaries are as were.
        for kind, key in (
            ("scoping", "scoping_meetings"),
            ("governors", "governors_presentations"),
        ):
            held = sum(1 for e in self.schedule.events if e.kind == kind)
            if held:
                counts[key] = held
        whole = {} if self.seconds is None else {"wall_time_seconds": round(self.seconds, 3)}
        return {
            **base,
            **whole,
            "matching_wall_time_seconds": base["wall_time_seconds"],
            "counts": counts,
            "scheduling": _result_summary(self.scheduling.result),
            "cover_cost": cover_cost(self.round, self.plan),
            "repeatable": self.repeatable,
            **({"clusters": self.clusters.brief()} if self.clusters is not None else {}),
            **self._cluster_staffing(),
            **self._changes_summary(),
        }

    def _cluster_staffing(self) -> dict[str, object]:
        """Projects staffed inside the clusters against a matching without them."""
        other = self.without_clusters
        if other is None:
            return {}
        return {
            "cluster_staffing": {
                "projects": len(self.round.projects),
                "staffed_within_clusters": len(self.round.projects) - len(self.plan.unfilled),
                "staffed_without_clusters": len(other.round.projects) - len(other.plan.unfilled),
                "without_clusters_status": other.result.status,
                "without_clusters_gap": other.result.gap,
            }
        }

    def _changes_summary(self) -> dict[str, object]:
        if self.changes is None:
            return {}
        by_kind = Counter(c.kind for c in self.changes)
        return {
            "changes": count_changes(self.changes),
            "changes_bound": self.changes_bound,
            **(
                {"changes_bound_leaves_out": list(self.changes_bound_leaves_out)}
                if self.changes_bound_leaves_out
                else {}
            ),
            "changes_by_kind": dict(sorted(by_kind.items())),
        }


def cover_cost(round_: Round, plan: Plan) -> int:
    """Pounds of cover for every staff-day out, by the releasing school's phase (reported)."""
    calendar = SchoolCalendar(round_.settings)
    total = 0
    for a in plan.assignments:
        project = round_.project_by_id[a.project_id]
        home = round_.school_by_id[round_.staff_by_id[a.staff_id].school_id]
        total += calendar.cover_cost(home.phase) * plan.days_of(project, a.staff_id)
    return total


def plan(
    round_: Round,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    gap_limit: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
    previous: WrittenPlan | None = None,
) -> PlanOutcome:
    """The main job: match, date the visits, feed undatable pairings back, repeat.

    Each round of feedback forbids the (reviewer, project) pairs whose calendars cannot be
    dated and the projects no team could date, then re-matches, until every staffed project is
    dated or nothing new can be learned (at most ``MAX_FEEDBACK_ROUNDS``).

    ``time_limit`` is the budget for the whole job: each solve may use half of what is left,
    and no round starts with less than a tenth left, so the job ends near the limit however
    many rounds of feedback it would take. It is counted in work, not seconds
    (``solvers.engine.budget``), so the same round, seed, workers and limit give the same plan; the
    clock is a guard, and ``PlanOutcome.repeatable`` says whether it had to stop the job.

    ``previous`` is a published plan (``matcher.read_previous``): the new plan keeps every
    hard rule, staffs as many projects as any plan can, then makes the fewest changes to it
    (a reviewer off or on a team, a schedule row moved, added or cancelled), and only then
    weighs the usual quality terms (docs/model.md). ``PlanOutcome.changes`` lists them. A
    round with locks (locks.csv) is solved the same way; locks no plan can keep raise
    ``LockError`` before any solve.
    """
    started = time.perf_counter()
    problems = impossible_locks(round_)
    if problems:
        raise LockError(problems)
    staged = previous is not None or bool(round_.locks)
    published_pairs = _published_pairs(previous)
    published_events = _published_events(previous) if staged else None
    budget = Budget(time_limit)
    options = SolveOptions(seed=seed, workers=workers, gap_limit=gap_limit, progress=progress)

    def share(fraction: float) -> Budget:
        return budget.part(max(1.0, budget.left * fraction))

    clustering = share(0.5)
    clustered = _form_clusters_first(round_, budget=clustering, seed=seed, workers=workers)
    if clustered is not None:
        # Forming clusters counts its work too (docs/clusters.md): what it used, the same on
        # every run, is what matching and dating do not get.
        budget.spend(clustering.used)
        round_ = clustered.round.replace(
            clusters=clustered.plan.members, rotation=clustered.plan.rotation
        )
    guessed: set[tuple[str, str]] = set()
    # Projects even their host alone cannot date need no team: rule them out before matching.
    excluded_projects = undatable_projects(round_)
    left_out = _published_clashes(round_, previous)
    excluded_projects.update(left_out)
    excluded_pairs = _undatable_pairs(round_, excluded_projects) if previous is not None else set()
    matched_parts = SolvedMatchingParts()
    dated_parts = SolvedParts[PartDates]()
    last_plan: Plan | None = None
    for feedback_round in range(1, MAX_FEEDBACK_ROUNDS + 1):
        round_started = budget.used
        matching = share(0.5)
        feedback = _Feedback(
            frozenset(excluded_pairs),
            excluded_projects,
            last_plan,
            matched_parts,
            staged=staged,
            published=published_pairs,
            published_events=published_events or {},
            published_leads=_published_leads(previous),
        )
        stage = _phase(options, f"matching, round {feedback_round}")
        matched = _match(round_, matching, stage, explain=False, feedback=feedback)
        budget.spend(matching.used)
        dating = share(0.5)
        stage = _phase(options, f"dating, round {feedback_round}")
        dated = _schedule(
            round_,
            matched.plan,
            dating,
            stage,
            explain_clashes=False,
            solved_parts=dated_parts,
            published=published_events,
        )
        budget.spend(dating.used)
        last_plan = matched.plan
        learned = _learn(matched.plan, dated, excluded_pairs, excluded_projects, guessed)
        if not dated.schedule.unscheduled or not learned:
            break
        last_cost = budget.used - round_started
        if budget.exhausted(max(LAST_ROUND_SHARE * time_limit, NEXT_ROUND_SHARE * last_cost)):
            # Too little time left for another round to help; what is still undated is
            # explained below, rather than the job overrunning its limit.
            log.info("feedback stopped after round %d: time limit", feedback_round)
            break
        log.info("feedback round %d: re-matching without undatable pairings", feedback_round)
    # Explanations get what is left of the budget, and at least a tenth of it.
    explaining = budget.last_step(max(budget.left, LAST_ROUND_SHARE * time_limit))
    _phase(options, "explaining what is left unstaffed or undated")
    matched = _explain_unstaffed_now(
        round_,
        matched,
        excluded_pairs,
        excluded_projects,
        seed=seed,
        workers=workers,
        budget=explaining,
    )
    # Naming clash rules gets what is left, and at least a twentieth of the limit.
    naming = budget.last_step(LAST_ROUND_SHARE / 2 * time_limit)
    dated = _name_clashes(round_, matched.plan, dated, naming)
    final = _drop_undated(matched.plan, dated.schedule)
    violations = verify_plan(round_, final) + verify_schedule(round_, final, dated.schedule)
    if violations:
        raise PlanCheckError(violations)
    comparing = budget.last_step(COMPARE_SHARE * time_limit)
    without = _match_without_clusters(round_, comparing, options, excluded_projects)
    return PlanOutcome(
        round_,
        matched,
        dated,
        final,
        feedback_round,
        clusters=clustered,
        repeatable=budget.repeatable and (clustered is None or clustered.result.repeatable),
        without_clusters=without,
        **_revision(round_, previous, (final, matched, dated), proven=not guessed),
        changes_bound_leaves_out=tuple(sorted(left_out)),
        seconds=time.perf_counter() - started,
    )


def _phase(options: SolveOptions, name: str) -> SolveOptions:
    """Options whose progress reports carry ``name``; the step's start is reported at once."""
    report = options.progress
    if report is None:
        return options
    report(Progress(seconds=0.0, objective=math.nan, bound=math.nan, phase=name))

    def labelled(step: Progress) -> None:
        report(replace(step, phase=name))

    return replace(options, progress=labelled)


def _published_pairs(previous: WrittenPlan | None) -> frozenset[tuple[str, str]] | None:
    if previous is None or previous.plan is None:
        return None
    return frozenset((a.staff_id, a.project_id) for a in previous.plan.assignments)


def _published_leads(previous: WrittenPlan | None) -> frozenset[tuple[str, str]]:
    if previous is None or previous.plan is None:
        return frozenset()
    leads = (a for a in previous.plan.assignments if a.role == "lead")
    return frozenset((a.staff_id, a.project_id) for a in leads)


def _published_events(previous: WrittenPlan | None) -> dict[str, ScheduledEvent]:
    if previous is None or previous.schedule is None:
        return {}
    return {e.visit_id: e for e in previous.schedule.events}


def _revision(
    round_: Round,
    previous: WrittenPlan | None,
    new: tuple[Plan, MatchOutcome, ScheduleOutcome],
    *,
    proven: bool,
) -> dict[str, Any]:
    """``PlanOutcome``'s changes and their bound, from a published plan (else nothing).

    The bound is the matching change stage's proven least number of pair changes plus the
    schedule rows the teams decide (``solvers.matching.changes``): no plan that keeps every
    hard rule and lock and staffs as many projects makes fewer changes (docs/model.md). It is
    None when that is not proven: the feedback loop ruled a pair out on a guess (``proven``
    False), or a project the last matching staffed was left undated."""
    final, matched, dated = new
    if previous is None or previous.plan is None:
        return {}
    changes = diff_plans(round_, (previous.plan, previous.schedule), (final, dated.schedule))
    complete = len(final.assignments) == len(matched.plan.assignments)
    bound = matched.changes[1] if matched.changes and proven and complete else None
    before, after = previous.schedule, dated.schedule
    notices = build_notices(round_, changes, before, after)
    return {"changes": tuple(changes), "changes_bound": bound, "notices": notices}


def _match_without_clusters(
    round_: Round, budget: Budget, options: SolveOptions, excluded_projects: Mapping[str, str]
) -> MatchOutcome | None:
    """When matching is kept inside clusters (``within`` or a review cycle): the round matched
    without them, within ``budget``, to report what the clusters cost in projects staffed.
    Pairings only, not dated, so it can only count as many as a full plan would or more."""
    settings = round_.settings.clusters
    if not round_.clusters or not (settings.cluster_scope == "within" or settings.review_cycle):
        return None
    open_round = round_.replace(clusters=(), rotation=())
    stage = _phase(options, "matching without clusters, to compare")
    feedback = _Feedback(excluded_projects=excluded_projects)
    return _match(open_round, budget, stage, explain=False, feedback=feedback)


def _form_clusters_first(
    round_: Round, *, budget: Budget, seed: int, workers: int
) -> ClusterOutcome | None:
    """Peer-review clusters for the round when ``[clusters] form = true``, within ``budget``;
    matching then runs inside them (``clusters.cluster_scope``)."""
    if not round_.settings.clusters.form:
        return None
    return form_clusters(round_, budget=budget, seed=seed, workers=workers)


def _explain_unstaffed_now(
    round_: Round,
    matched: MatchOutcome,
    excluded_pairs: set[tuple[str, str]],
    excluded_projects: dict[str, str],
    *,
    seed: int,
    workers: int,
    budget: Budget,
) -> MatchOutcome:
    """Explain the final matching's unstaffed projects (skipped in earlier feedback rounds)."""
    pending = [u.project_id for u in matched.plan.unfilled if u.reason == NOT_YET_EXPLAINED]
    if not pending:
        return matched
    problem = matched.problem or encode(
        round_, excluded_pairs=frozenset(excluded_pairs), excluded_projects=set(excluded_projects)
    )
    staffed = sorted({a.project_id for a in matched.plan.assignments})
    reasons = explain_unstaffed(
        round_,
        problem,
        budget,
        unstaffed=pending,
        staffed=staffed,
        options=SolveOptions(seed=seed, workers=workers),
        teams=_teams(matched.plan),
    )
    unfilled = tuple(
        u.model_copy(update={"reason": reasons[u.project_id]}) if u.project_id in reasons else u
        for u in matched.plan.unfilled
    )
    return replace(matched, plan=matched.plan.model_copy(update={"unfilled": unfilled}))


def _diagnoses(
    round_: Round,
    plan_: Plan,
    project_ids: Sequence[str],
    problem: SchedulingProblem | None,
    budget: Budget | None = None,
) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Why each project could not be dated: (kind, reason, reviewers whose calendars block it).

    With ``problem`` a clash with other visits also names the rule behind it (extra solves),
    for projects reached before ``budget``'s deadline.
    """
    calendar = SchoolCalendar(round_.settings, round_.availability)
    # Each project's share of the budget, evenly, so which rule is named does not depend on
    # how fast the projects before it went (five seconds' worth at most, as alone).
    each = 5.0 if budget is None else min(5.0, budget.seconds / max(1, len(project_ids)))
    # Only a project's own independent part can clash with it: diagnose within that part.
    part_of = (
        {p.project_id: part for part in components(problem) for p in part.projects}
        if problem is not None
        else {}
    )
    # A part's model is built once for all its projects named, and dropped after its last.
    models = ClashModels()
    last_of = {id(part_of[p]): i for i, p in enumerate(project_ids) if p in part_of}
    charged: set[int] = set()
    found: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for i, project_id in enumerate(project_ids):
        team = sorted(a.staff_id for a in plan_.team(project_id))
        project = round_.project_by_id[project_id]
        part = part_of.get(project_id)
        in_time = budget is None or not budget.exhausted()
        searched = models.searched
        why = diagnose(
            round_,
            calendar,
            project,
            team,
            part if in_time else None,
            budget=Budget(each),
            lead=plan_.lead_of(project_id),
            models=models,
        )
        if budget is not None and in_time and part is not None:
            # What naming took, counted as work: each rule search (its allowance and loading
            # the part), and building the part's model the first time one of its projects is
            # named, so the projects reached are the same on every run.
            build = 0.0 if id(part) in charged else len(part.projects) / DATING_BUILT_PER_SECOND
            charged.add(id(part))
            budget.spend(models.searched - searched + build)
        if part is not None and last_of[id(part)] == i:
            models.release(part)
        found[project_id] = (why.kind, why.reason, why.blocking_members)
    return found


def _name_clashes(
    round_: Round, plan_: Plan, dated: ScheduleOutcome, budget: Budget
) -> ScheduleOutcome:
    """For projects still undated because of other visits, name the rule that blocks them
    (those reached before ``budget``'s deadline; the rest say only that the dates are taken)."""
    clashing = [p for p, (kind, _r, _b) in dated.diagnoses.items() if kind == "contention"]
    if not clashing:
        return dated
    diagnoses = {
        **dated.diagnoses,
        **_diagnoses(
            round_, plan_, clashing, dated.problem or encode_schedule(round_, plan_), budget
        ),
    }
    unscheduled = tuple(
        UnfilledProject(project_id=u.project_id, reason=diagnoses[u.project_id][1])
        for u in dated.schedule.unscheduled
    )
    return replace(
        dated,
        schedule=dated.schedule.model_copy(update={"unscheduled": unscheduled}),
        diagnoses=diagnoses,
    )


def undatable_projects(round_: Round) -> dict[str, str]:
    """Projects whose visits do not fit their window on the days the host is open."""
    calendar = SchoolCalendar(round_.settings, round_.availability)
    reasons: dict[str, str] = {}
    for project in round_.projects:
        found = diagnose(round_, calendar, project, [])
        if found.kind == "project":
            reasons[project.project_id] = found.reason
    return reasons


def _published_clashes(round_: Round, previous: WrittenPlan | None) -> dict[str, str]:
    """Projects the published plan left unstaffed because other visits took their dates. A
    re-plan leaves them so: staffing them would move others' visits, the published plan
    could not, and trying costs rounds of feedback on a large round. The proven bound on
    changes is then over the plans that leave them unstaffed too (docs/model.md)."""
    if previous is None or previous.plan is None:
        return {}
    note = " (in the published plan; left unstaffed by the re-plan)"
    return {
        u.project_id: u.reason if u.reason.endswith(note) else u.reason + note
        for u in previous.plan.unfilled
        if u.reason.startswith(CLASHES) and u.project_id in round_.project_by_id
    }


def _undatable_pairs(round_: Round, excluded_projects: Mapping[str, str]) -> set[tuple[str, str]]:
    """Candidate pairs whose reviewer alone leaves the project no dates. A re-plan rules them
    out first: a new absence would otherwise cost a round of feedback to learn them."""
    problem = encode(round_, excluded_projects=set(excluded_projects))
    candidates: dict[str, list[str]] = {}
    for i, j in zip(problem.pair_staff, problem.pair_project, strict=True):
        candidates.setdefault(problem.project_ids[j], []).append(problem.staff_ids[i])
    return undatable_pairs(round_, candidates)


def _learn(
    plan_: Plan,
    dated: ScheduleOutcome,
    excluded_pairs: set[tuple[str, str]],
    excluded_projects: dict[str, str],
    guessed: set[tuple[str, str]],
) -> bool:
    """Record what the undated projects teach the matcher; False if nothing new. Pairs ruled
    out on a guess rather than a proof (no plan could date them) also go in ``guessed``."""
    before = (len(excluded_pairs), len(excluded_projects))
    places = Counter(a.staff_id for a in plan_.assignments)
    for project_id, (kind, reason, blocking) in dated.diagnoses.items():
        team = [a.staff_id for a in plan_.team(project_id)]
        if kind == "project":
            excluded_projects[project_id] = reason
        elif kind == "members":
            excluded_pairs.update((person, project_id) for person in blocking)
            if len(blocking) == len(team) > 1:
                # Perhaps only the team together has no date (each member alone may): a guess.
                guessed.update((person, project_id) for person in blocking)
        else:
            # Clashing with other visits: try a different team, starting with its busiest member.
            busiest = max(sorted(team), key=lambda p: places[p])
            excluded_pairs.add((busiest, project_id))
            guessed.add((busiest, project_id))
    return (len(excluded_pairs), len(excluded_projects)) != before


def _drop_undated(plan_: Plan, schedule_: Schedule) -> Plan:
    """Projects that could not be dated lose their teams and join the unfilled list."""
    undated = {u.project_id: u.reason for u in schedule_.unscheduled}
    return Plan(
        assignments=tuple(a for a in plan_.assignments if a.project_id not in undated),
        unfilled=plan_.unfilled
        + tuple(UnfilledProject(project_id=p, reason=r) for p, r in sorted(undated.items())),
    )


def schedule_pairings(
    round_: Round,
    pairings: Plan,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    gap_limit: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
) -> tuple[Plan, ScheduleOutcome]:
    """Date a given set of pairings (no re-matching); undated projects join the unfilled list."""
    dated = schedule(
        round_,
        pairings,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        gap_limit=gap_limit,
        progress=progress,
    )
    final = _drop_undated(pairings, dated.schedule)
    violations = verify_schedule(round_, final, dated.schedule)
    if violations:
        raise PlanCheckError(violations)
    return final, dated


def write_outputs(
    out_dir: str | os.PathLike[str],
    round_: Round,
    plan_: Plan,
    summary: Mapping[str, object],
    schedule_: Schedule | None = None,
    clusters: ClusterOutcome | Literal["keep"] | None = None,
    *,
    revision: Revision | None = None,
    started: float | None = None,
) -> list[Path]:
    """Write every output of a run into ``out_dir``, which is replaced whole, all or nothing.

    pairings.csv, unfilled.csv, summary.json, run.json (its run times), plan.xlsx and
    report.html (:mod:`matcher.report`) always; with a schedule also schedule.csv,
    history_next.csv (next round's history.csv) and calendars/ (carrying each event's SEQUENCE
    forward from calendars already in ``out_dir``); with clusters their files. Files of an
    earlier plan this run does not write are removed, other files in ``out_dir`` kept
    (``matcher.io.owned``).

    Parameters
    ----------
    clusters
        The clusters formed, to write their files; ``"keep"`` keeps the cluster files
        already in ``out_dir`` (``schedule``: the pairings it dates were made in them); None
        removes them.
    revision
        A plan made from a published one (``plan(previous=...)``): its changes are written as
        changes.csv, its notices as notices.csv and notices/ (``matcher.io.notices_file``),
        and when ``out_dir`` holds no calendars yet, event UIDs and SEQUENCE
        carry on from the published folder's, so calendar programs update the events they
        have (and drop those cancelled) rather than add copies.
    started
        ``time.perf_counter()`` when the run began (before reading its input): run.json's
        ``wall_time_seconds`` is then the whole run's, to the last file written, and the
        plan's own time is kept as ``planning_seconds``.

    Raises
    ------
    OutputFolderError
        If ``out_dir`` cannot take outputs (``matcher.io.out_folder``); nothing is written.
    """
    target = Path(out_dir)
    owns = SCHEDULE_OWNS if clusters == "keep" else MATCH_OWNS
    with atomic_output(target, owns=owns) as staging:
        # Read inside: the calendars a run killed mid-swap left are back in place by now.
        previous = target if (target / "calendars").exists() else None
        if previous is None and revision is not None:
            previous = Path(revision.published)
        names = write_match_files(staging, round_, plan_, summary)
        written = [target / name for name in names]
        if revision is not None:
            written.append(target / write_changes(staging, revision.changes))
            written.extend(target / name for name in write_notices(staging, revision.notices))
        if schedule_ is not None:
            written.append(target / write_schedule_csv(staging, schedule_, round_).name)
            written.append(target / write_history_next(staging, round_, plan_))
            roles = {(a.project_id, a.staff_id): a.role for a in plan_.assignments}
            for path in write_calendars(staging, round_, schedule_, previous=previous, roles=roles):
                written.append(target / path.relative_to(staging))
        if isinstance(clusters, ClusterOutcome):
            names = write_cluster_files(
                staging, clusters.plan, longest=clusters.longest(), summary=clusters.summary()
            )
            written.extend(target / name for name in names)
        written.extend(
            target / name for name in write_report_files(staging, round_, plan_, schedule_, summary)
        )
        if started is not None:
            write_whole_run_time(staging, summary, time.perf_counter() - started)
    return written
