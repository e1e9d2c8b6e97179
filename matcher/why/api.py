"""``matcher.explain``: why a reviewer is (or is not) on a project, and what a change costs.

Every cost is a re-solve of the written plan's part with one change (``solvers.matching.
whatif``), measured as the difference of ``objective_of`` on the whole round; docs/explain.md.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from matcher.model import Plan, Project, Round, Staff
from matcher.why.facts import pair_rule_facts, plan_rule_facts, unstaffed_rule_facts
from matcher.why.relax import Relaxation, blocked_only_by, relaxations
from matcher.why.types import (
    Alternative,
    Explanation,
    Move,
    PairExplanation,
    TermShare,
    Verdict,
)
from solvers.engine.calibration import EXACT_ROUND_PAIRS
from solvers.engine.decompose import IntArray, extend_parts, pair_parts
from solvers.matching.eligibility import PairContext, Screen, is_eligible, project_areas
from solvers.matching.encode import MatchingProblem, append_pairs, encode, resettled
from solvers.matching.model import SOFT_TERMS, weight_of
from solvers.matching.neighbourhood import PAIR_REACH, SUGGESTION_REACH, Reach, re_solve
from solvers.matching.objective import objective_of, pair_shares
from solvers.matching.whatif import Change, WhatIf, what_if

# Rounds with one rule relaxed kept encoded at once (each is the whole round's problem).
KEEP_RELAXED = 4
# Relaxations of a plan rule: they change the problem's settings, not its candidate pairs.
PLAN_RELAXATIONS = frozenset({"team_size", "sle_allowance", "no_direct_swap"})


class ExplainError(ValueError):
    """The question names a project or reviewer the round does not have, or neither."""


@dataclass
class PlanContext:
    """The written plan as pair indices of the round's problem."""

    round: Round
    plan: Plan
    problem: MatchingProblem
    seconds: float
    seed: int
    # How much of the round a pair's re-solve frees (``solvers.matching.neighbourhood``).
    reach: Reach = PAIR_REACH
    # The plan in rounds with one rule relaxed, by setting and value (see ``under``).
    _relaxed: OrderedDict[tuple[str, str], PlanContext] = field(default_factory=OrderedDict)
    _relaxed_contexts: dict[tuple[str, str], PairContext] = field(default_factory=dict)

    def under(self, relaxed: Relaxation) -> PlanContext:
        """The same plan in the round with one rule relaxed. A relaxation is the same round
        whichever project it is tried for (allowing same-trust reviewers, a travel limit of
        70 minutes), and encoding a region takes seconds, so the last few are kept."""
        key = (relaxed.setting, relaxed.value)
        if key in self._relaxed:
            self._relaxed.move_to_end(key)
        else:
            there = PlanContext(relaxed.round, self.plan, encode(relaxed.round), 0.0, self.seed)
            self._relaxed[key] = there
            if len(self._relaxed) > KEEP_RELAXED:
                self._relaxed.popitem(last=False)
        return self._relaxed[key]

    @cached_property
    def pair_of(self) -> dict[tuple[str, str], int]:
        p = self.problem
        return {
            (p.staff_ids[int(i)], p.project_ids[int(j)]): k
            for k, (i, j) in enumerate(zip(p.pair_staff, p.pair_project, strict=True))
        }

    @cached_property
    def chosen(self) -> tuple[int, ...]:
        keys = ((a.staff_id, a.project_id) for a in self.plan.assignments)
        return tuple(sorted(self.pair_of[key] for key in keys if key in self.pair_of))

    @cached_property
    def leads(self) -> frozenset[int]:
        return frozenset(
            self.pair_of[(a.staff_id, a.project_id)]
            for a in self.plan.assignments
            if a.role == "lead" and (a.staff_id, a.project_id) in self.pair_of
        )

    @cached_property
    def pair_context(self) -> PairContext:
        return PairContext.of(self.round)

    @cached_property
    def by_area(self) -> dict[str, list[Staff]]:
        """Reviewers by specialism (normalised), in file order."""
        found: dict[str, list[Staff]] = {}
        for person in self.round.staff:
            for area in sorted(self.pair_context.specialisms[person.staff_id]):
                found.setdefault(area, []).append(person)
        return found

    def with_area(self, project: Project) -> list[Staff]:
        """Reviewers with (one of) the project's areas: the only ones a relaxed rule can let
        in, as the area itself is never relaxed."""
        ids: set[str] = set()
        people = []
        for area in project_areas(project):
            for person in self.by_area.get(area, []):
                if person.staff_id not in ids:
                    ids.add(person.staff_id)
                    people.append(person)
        return people

    @cached_property
    def candidates(self) -> dict[str, list[str]]:
        """Each project's possible reviewers (the pairs the pair rules allow), by staff id."""
        found: dict[str, list[str]] = {}
        for staff_id, project_id in sorted(self.pair_of):
            found.setdefault(project_id, []).append(staff_id)
        return found

    @cached_property
    def parts(self) -> list[IntArray]:
        return pair_parts(self.problem)

    @cached_property
    def objective(self) -> int:
        return objective_of(self.problem, self.chosen, self.parts)

    @cached_property
    def shares(self) -> dict[int, dict[str, int]]:
        """Each chosen pair's share of every term (``pair_shares``)."""
        return pair_shares(self.problem, self.chosen, self.parts)

    def ids(self, k: int) -> tuple[str, str]:
        p = self.problem
        return p.project_ids[int(p.pair_project[k])], p.staff_ids[int(p.pair_staff[k])]

    def alternative(self, found: WhatIf, project_id: str) -> Alternative:
        return alternative_of(self.problem, self.chosen, self.leads, found, project_id)

    @cached_property
    def screen(self) -> Screen:
        """The pair rules in bulk, for the pairs a relaxed rule adds (``_staffed_near``)."""
        return Screen(self.pair_context)

    @cached_property
    def project_index(self) -> dict[str, int]:
        return {pid: j for j, pid in enumerate(self.problem.project_ids)}

    def re_solve(self, change: Change) -> WhatIf:
        """The plan with one change (``solvers.matching.neighbourhood.re_solve``), with its
        objective."""
        found = re_solve(
            self.problem,
            self.chosen,
            self.leads,
            change,
            seconds=self.seconds,
            seed=self.seed,
            parts=self.parts,
            reach=self.reach,
        )
        if found.objective is None and found.cost is not None:
            found = replace(found, objective=self.objective + found.cost)
        return found

    def relaxed_context(self, relaxed: Relaxation) -> PairContext:
        """The pair rules' lookups under a relaxation, kept per setting and value: the same
        relaxation is tried for many projects (allowing same-trust reviewers)."""
        key = (relaxed.setting, relaxed.value)
        if key not in self._relaxed_contexts:
            self._relaxed_contexts[key] = self.pair_context.under(relaxed.round)
        return self._relaxed_contexts[key]

    @cached_property
    def small(self) -> bool:
        """Small enough to encode again with each rule relaxed and re-solve a suggestion's
        whole part in the relaxed round: exact, and quick (``EXACT_ROUND_PAIRS``)."""
        return self.problem.n_pairs <= EXACT_ROUND_PAIRS


def alternative_of(
    problem: MatchingProblem,
    chosen: Collection[int],
    leads: Collection[int],
    found: WhatIf,
    project_id: str,
) -> Alternative:
    """The plan ``found`` with a change, as the moves from the plan ``chosen`` (with its lead
    pairs ``leads``) of ``problem``."""
    scope = found.scope
    if not found.found:  # no plan with the change (INFEASIBLE), or none found in time
        return Alternative(status=found.status, cost_bound=found.cost_bound, scope=scope)

    def ids(k: int) -> tuple[str, str]:
        return problem.project_ids[int(problem.pair_project[k])], problem.staff_ids[
            int(problem.pair_staff[k])
        ]

    before, after = set(chosen), set(found.chosen)
    changed = {ids(k)[0] for k in before ^ after}
    # A lead swapped inside a team that is otherwise the same is a tie the solver broke
    # either way, not a move anyone would notice; in a changed team it is shown as one.
    relabelled = {
        k for k in before & after if (k in leads) != (k in found.leads) and ids(k)[0] in changed
    }
    moves = [
        Move(*ids(k), "removed", "lead" if k in leads else "member")
        for k in sorted((before - after) | relabelled)
    ]
    moves += [
        Move(*ids(k), "added", "lead" if k in found.leads else "member")
        for k in sorted((after - before) | relabelled)
    ]
    newcomers = {ids(k) for k in after - before}
    return Alternative(
        status=found.status,
        moves=tuple(sorted(moves, key=lambda m: (m.project_id, m.change, m.staff_id))),
        objective=found.objective,
        cost_bound=found.cost_bound,
        replaced_by=tuple(
            m.staff_id
            for m in moves
            if m.change == "added"
            and m.project_id == project_id
            and (m.project_id, m.staff_id) in newcomers
        ),
        scope=scope,
    )


def explain(
    round_: Round,
    folder: str | os.PathLike[str],
    *,
    project_id: str | None = None,
    staff_id: str | None = None,
    time_limit: float = 5.0,
    seed: int = 0,
) -> Explanation:
    """Why ``staff_id`` is or is not on ``project_id`` in the plan written in ``folder``.

    With both: one answer (verdict, rules with their facts, soft terms, the cost of changing
    it and the best plan with the change). With ``project_id`` alone: its team member by
    member, or, when it is unstaffed, its reason, the rules that keep each possible reviewer
    off it, and the single relaxations that would staff it. With ``staff_id`` alone: each of
    their assignments, and the projects they could serve (rule facts only, no re-solve). Each
    re-solve gets ``time_limit`` seconds of work. :func:`explain_plan` asks the same of a
    plan in memory.
    """
    # matcher.written writes the report, which asks this package for its reasons: the folder
    # reader is imported here, when a question about a folder is asked, not with the package.
    from matcher.written import WrittenPlanError, read_written

    _check_question(round_, project_id, staff_id)
    plan = read_written(folder).plan
    if plan is None:
        raise WrittenPlanError([f"{folder}: no pairings.csv to explain"])
    return explain_plan(
        round_, plan, project_id=project_id, staff_id=staff_id, time_limit=time_limit, seed=seed
    )


def term_shares(problem: MatchingProblem, values: dict[str, int]) -> dict[str, TermShare]:
    """A pairing's share of each quality term (``pair_shares``), with its signed, weighted
    contribution to the objective; the unstaffed term is a project's, not a pairing's."""
    return {
        name: TermShare(values[name], sign * weight_of(problem, name) * values[name])
        for name, _build, sign, _words in SOFT_TERMS
        if name != "unstaffed"
    }


def _check_question(round_: Round, project_id: str | None, staff_id: str | None) -> None:
    if project_id is None and staff_id is None:
        raise ExplainError("name a project (--project), a reviewer (--staff) or both")
    if project_id is not None and project_id not in round_.project_by_id:
        raise ExplainError(f"{project_id} is not a project of the round")
    if staff_id is not None and staff_id not in round_.staff_by_id:
        raise ExplainError(f"{staff_id} is not a reviewer of the round")


def explain_plan(
    round_: Round,
    plan: Plan,
    *,
    project_id: str | None = None,
    staff_id: str | None = None,
    time_limit: float = 5.0,
    seed: int = 0,
) -> Explanation:
    """:func:`explain` for a plan in memory (the same answers, the same code)."""
    _check_question(round_, project_id, staff_id)
    ctx = PlanContext(round_, plan, encode(round_), time_limit, seed)
    if project_id is not None and staff_id is not None:
        items = [_pair(ctx, round_.staff_by_id[staff_id], round_.project_by_id[project_id])]
    elif project_id is not None:
        items = _project(ctx, round_.project_by_id[project_id])
    else:
        assert staff_id is not None
        items = _staff(ctx, round_.staff_by_id[staff_id])
    return Explanation(items=tuple(items), objective=ctx.objective, time_limit=time_limit)


def _pair(ctx: PlanContext, person: Staff, project: Project) -> PairExplanation:
    key = (person.staff_id, project.project_id)
    k = ctx.pair_of.get(key)
    on_team = any(a.staff_id == person.staff_id for a in ctx.plan.team(project.project_id))
    if on_team:
        return _assigned(ctx, person, project, k)
    rules = pair_rule_facts(ctx.pair_context, person, project)
    rules += plan_rule_facts(ctx.round, ctx.plan, person, project)
    verdict: Verdict = "forbidden" if rules else "not_chosen"
    if k is None:
        return PairExplanation(project.project_id, person.staff_id, verdict, tuple(rules))
    forced = ctx.re_solve(Change(pair=k, chosen=True))
    return PairExplanation(
        project.project_id,
        person.staff_id,
        verdict,
        tuple(rules),
        cost_of_change=forced.cost,
        alternative=ctx.alternative(forced, project.project_id),
    )


def _assigned(ctx: PlanContext, person: Staff, project: Project, k: int | None) -> PairExplanation:
    if k is None:  # on the team, but the pair rules now forbid it (an edited plan or round)
        rules = pair_rule_facts(ctx.pair_context, person, project)
        return PairExplanation(project.project_id, person.staff_id, "assigned", tuple(rules))
    terms = term_shares(ctx.problem, ctx.shares[k])
    dropped = ctx.re_solve(Change(pair=k, chosen=False))
    return PairExplanation(
        project.project_id,
        person.staff_id,
        "assigned",
        terms=terms,
        cost_of_change=dropped.cost,
        alternative=ctx.alternative(dropped, project.project_id),
    )


def _project(ctx: PlanContext, project: Project) -> list[PairExplanation]:
    team = ctx.plan.team(project.project_id)
    if team:
        return [_pair(ctx, ctx.round.staff_by_id[a.staff_id], project) for a in team]
    return [unstaffed(ctx, project)]


def unstaffed(
    ctx: PlanContext, project: Project, *, suggest: bool = True, seconds: float | None = None
) -> PairExplanation:
    """Why a project has no team: the plan's reason, the rules that keep each reviewer off it
    (``unstaffed_rule_facts``) and, with ``suggest``, each single relaxation that staffs it.
    ``seconds``: the work all its re-solves share (default: ``ctx.seconds`` each)."""
    pid = project.project_id
    reason = next((u.reason for u in ctx.plan.unfilled if u.project_id == pid), None)
    people = [ctx.round.staff_by_id[s] for s in ctx.candidates.get(pid, ())]
    blocked = blocked_only_by(ctx.pair_context, project, ctx.with_area(project))
    rules = unstaffed_rule_facts(ctx.pair_context, ctx.plan, project, people, blocked)
    suggestions = []
    tried = list(relaxations(ctx.round, project, len(people), blocked, {r.rule for r in rules}))
    each = ctx.seconds if seconds is None else seconds / max(1, len(tried))
    for relaxed in tried if suggest else ():
        found = (
            _staffed_with(ctx.under(relaxed), project, each)
            if ctx.small
            else _staffed_near(ctx, relaxed, project, blocked, each)
        )
        if found is not None:
            suggestions.append(
                Alternative(
                    status=found.status,
                    moves=found.moves,
                    objective=found.objective,
                    cost_bound=found.cost_bound,
                    replaced_by=found.replaced_by,
                    description=relaxed.words,
                    setting=relaxed.setting,
                    value=relaxed.value,
                    scope=found.scope,
                )
            )
    return PairExplanation(
        pid, None, "unstaffed", tuple(rules), reason=reason, suggestions=tuple(suggestions)
    )


def _staffed_with(there: PlanContext, project: Project, seconds: float) -> Alternative | None:
    """The plan with the project staffed in ``there`` (the round with a rule relaxed), or None
    if none is found within ``seconds`` of work."""
    j = there.problem.project_ids.index(project.project_id)
    if not (there.problem.pair_project == j).any():
        return None
    found = what_if(
        there.problem,
        there.chosen,
        there.leads,
        Change(project=j),
        seconds=seconds,
        seed=there.seed,
        parts=there.parts,
    )
    return there.alternative(found, project.project_id) if found.found else None


def _staffed_near(
    ctx: PlanContext,
    relaxed: Relaxation,
    project: Project,
    blocked: dict[str, list[Staff]],
    seconds: float,
) -> Alternative | None:
    """The plan with the project staffed under the relaxed rule, or None if none is found
    within ``seconds`` of work, for a round too large to encode again per relaxation. Of the
    relaxed round only what reaches the project is taken: the reviewers the relaxed rule lets
    serve it (those it alone kept out, ``blocked``), appended to the round's pairs, and the
    settings a plan rule relaxes; then the project's part is re-solved when it is small, its
    neighbourhood when not (``re_solve``). A plan found is a plan of the whole relaxed round
    (its pairs are a subset of that round's), which is what the suggestion claims."""
    j = ctx.project_index[project.project_id]
    problem = ctx.problem
    if relaxed.rule in PLAN_RELAXATIONS:
        problem = resettled(problem, relaxed.round)
    else:
        there = ctx.relaxed_context(relaxed)
        newcomers = sorted(
            ctx.screen.staff_index[person.staff_id]
            for person in blocked.get(relaxed.rule, ())
            if is_eligible(there, person, project)
        )
        if not newcomers:  # the rule lets nobody new in: relaxing it is not what would help
            return None
        problem = append_pairs(problem, ctx.screen, j, np.array(newcomers, dtype=np.int64))
    parts = extend_parts(problem, ctx.parts, ctx.problem.n_pairs)
    found = re_solve(
        problem,
        ctx.chosen,
        ctx.leads,
        Change(project=j),
        seconds=seconds,
        seed=ctx.seed,
        parts=parts,
        reach=SUGGESTION_REACH,
    )
    if not found.found:
        return None
    if found.objective is None:
        found = replace(found, objective=objective_of(problem, found.chosen, parts))
    return alternative_of(problem, ctx.chosen, ctx.leads, found, project.project_id)


def _staff(ctx: PlanContext, person: Staff) -> list[PairExplanation]:
    items = [
        _pair(ctx, person, ctx.round.project_by_id[a.project_id])
        for a in ctx.plan.assignments
        if a.staff_id == person.staff_id and a.project_id in ctx.round.project_by_id
    ]
    serving = {a.project_id for a in ctx.plan.assignments if a.staff_id == person.staff_id}
    for staff_id, project_id in sorted(ctx.pair_of, key=lambda key: key[1]):
        if staff_id != person.staff_id or project_id in serving:
            continue
        project = ctx.round.project_by_id[project_id]
        rules = plan_rule_facts(ctx.round, ctx.plan, person, project)
        verdict: Verdict = "forbidden" if rules else "not_chosen"
        items.append(PairExplanation(project_id, person.staff_id, verdict, tuple(rules)))
    return items
