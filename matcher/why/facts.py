"""The hard rules that forbid one reviewer on one project, each with the facts behind it.

Pair rules are asked of the solver's own checks (``solvers.matching.eligibility``), so the
answer is the solver's; plan rules are worked out against the written plan as it stands: the
pair added as a team member, what would the plan break? The independent checker
(``matcher.verify_plan``) on that plan names the same rules (tests/test_explain.py).
"""

from __future__ import annotations

from collections.abc import Callable

from matcher.model import Plan, Project, Round, Staff
from matcher.why.types import RuleFact
from solvers.matching.eligibility import PAIR_RULES, PairContext, reviewing_school

# Pair rules a coordinator may relax (the others are facts: own school, specialism, phase,
# declared conflicts); matcher.why.relax tries each.
RELAXABLE = ("same_trust", "travel", "rotation", "cluster_scope")


def _school(round_: Round, school_id: str) -> str:
    school = round_.school_by_id.get(school_id)
    return school_id if school is None else f"{school.name} ({school_id})"


def who(person: Staff) -> str:
    return f"{person.name} ({person.staff_id})"


def _own_school(ctx: PairContext, person: Staff, project: Project) -> str:
    return f"{who(person)} works at the host school, {_school(ctx.round, project.host_school_id)}"


def _area(ctx: PairContext, person: Staff, project: Project) -> str:
    areas = project.areas
    said = f"area is {areas[0]}" if len(areas) == 1 else f"areas are {' and '.join(areas)}"
    return (
        f"the project's {said}; {who(person)}'s specialisms are "
        f"{', '.join(sorted(person.specialisms))}"
    )


def _phase(ctx: PairContext, person: Staff, project: Project) -> str:
    phase = ctx.round.school_by_id[project.host_school_id].phase
    return (
        f"{_school(ctx.round, project.host_school_id)} is a {phase} school; {who(person)} "
        f"reviews {', '.join(sorted(person.phases))}"
    )


def _conflict(ctx: PairContext, person: Staff, project: Project) -> str:
    reasons = [
        c.reason
        for c in ctx.round.conflicts
        if c.staff_id == person.staff_id and c.school_id == project.host_school_id
    ]
    why = f" ({'; '.join(r for r in reasons if r)})" if any(reasons) else ""
    host = _school(ctx.round, project.host_school_id)
    return f"{who(person)} declared a conflict of interest with {host}{why}"


def _trust(ctx: PairContext, person: Staff, project: Project) -> str:
    trust = ctx.round.school_by_id[project.host_school_id].trust
    return (
        f"{_school(ctx.round, person.school_id)} and {_school(ctx.round, project.host_school_id)} "
        f'are both in trust {trust}; rules.same_trust is "forbid"'
    )


def _rotation(ctx: PairContext, person: Staff, project: Project) -> str:
    rules, now = ctx.round.settings.rules, ctx.round.settings.number
    rows = [
        h
        for h in ctx.round.history
        if h.staff_id == person.staff_id
        and h.host_school_id == project.host_school_id
        and now - rules.rotation_rounds <= h.round < now
    ]
    last = max(rows, key=lambda h: h.round)
    return (
        f"history: {who(person)} served {_school(ctx.round, project.host_school_id)} in round "
        f"{last.round} ({last.days} day(s)); rules.rotation_rounds = {rules.rotation_rounds} "
        f"forbids a return before round {last.round + rules.rotation_rounds + 1} "
        f"(this is round {now})"
    )


def _school_rotation(ctx: PairContext, person: Staff, project: Project) -> str:
    """Reads "Oak Primary (A) reviewed Elm Academy (B) in round 3 (2025/26); school rotation
    is 2 rounds": the latest history row that pairs the two schools, either way."""
    rules, now = ctx.round.settings.rules, ctx.round.settings.number
    home, host = person.school_id, project.host_school_id
    rows = [
        (h.round, reviewer, h)
        for h in ctx.round.history
        if now - rules.school_rotation_rounds <= h.round < now
        and (reviewer := reviewing_school(ctx.round, h)) is not None
        and {reviewer, h.host_school_id} == {home, host}
        and reviewer != h.host_school_id
    ]
    when, reviewer, last = max(rows, key=lambda row: (row[0], row[1], row[2].staff_id))
    reviewed = host if reviewer == home else home
    # A row without a year belongs to this round's year (docs/input-format.md, history.csv).
    year = last.academic_year or ctx.round.settings.academic_year
    said = f" ({year})" if year else ""
    return (
        f"{_school(ctx.round, reviewer)} reviewed {_school(ctx.round, reviewed)} in round "
        f"{when}{said}; school rotation is {_rounds(rules.school_rotation_rounds)} "
        f"(rules.school_rotation_rounds: no pairing again before round "
        f"{when + rules.school_rotation_rounds + 1}, this is round {now})"
    )


def _rounds(count: int) -> str:
    return f"{count} round" if count == 1 else f"{count} rounds"


def _travel(ctx: PairContext, person: Staff, project: Project) -> str:
    minutes = ctx.round.travel_minutes(person.school_id, project.host_school_id)
    return (
        f"{minutes} minutes from {_school(ctx.round, person.school_id)} to "
        f"{_school(ctx.round, project.host_school_id)}; rules.max_travel_minutes is "
        f"{ctx.round.settings.rules.max_travel_minutes}"
    )


def _scope(ctx: PairContext, person: Staff, project: Project) -> str:
    scope = ctx.round.settings.clusters.cluster_scope
    home = ctx.cluster_of.get(person.school_id) or "none"
    host = ctx.cluster_of.get(project.host_school_id) or "none"
    return (
        f'clusters.cluster_scope is "{scope}": {person.school_id} is in cluster {home}, '
        f"the host {project.host_school_id} in cluster {host}"
    )


def _cycle(ctx: PairContext, person: Staff, project: Project) -> str:
    before = sorted(ctx.reviewers_of.get(project.host_school_id, frozenset()))
    named = ", ".join(_school(ctx.round, s) for s in before) or "no school"
    return (
        f"clusters.review_cycle is true: in its cluster's cycle {named} reviews "
        f"{_school(ctx.round, project.host_school_id)}, not {_school(ctx.round, person.school_id)}"
    )


_PAIR_FACTS: dict[str, Callable[[PairContext, Staff, Project], str]] = {
    "own_school": _own_school,
    "expertise_area": _area,
    "expertise_phase": _phase,
    "conflict": _conflict,
    "same_trust": _trust,
    "rotation": _rotation,
    "school_rotation": _school_rotation,
    "travel": _travel,
    "cluster_scope": _scope,
    "review_cycle": _cycle,
}


def pair_rule_facts(ctx: PairContext, person: Staff, project: Project) -> list[RuleFact]:
    """Every pair rule the pair breaks, in ``PAIR_RULES`` order. At one's own school the
    shared trust goes unsaid, as the checker leaves it: own_school says it all."""
    broken = [rule.name for rule in PAIR_RULES if not rule.check(ctx, person, project)]
    if "own_school" in broken and "same_trust" in broken:
        broken.remove("same_trust")
    return [RuleFact(name, _PAIR_FACTS[name](ctx, person, project)) for name in broken]


def plan_rule_facts(round_: Round, plan: Plan, person: Staff, project: Project) -> list[RuleFact]:
    """Every plan rule the written plan would break with the reviewer added to the team."""
    return [
        fact
        for check in (_team_full, _capacity, _sle_allowance, _release, _cover_budget, _swap)
        if (fact := check(round_, plan, person, project)) is not None
    ]


def _team_full(round_: Round, plan: Plan, person: Staff, project: Project) -> RuleFact | None:
    team = [a.staff_id for a in plan.team(project.project_id)]
    if not team or len(team) < project.max_reviewers:
        return None
    return RuleFact(
        "team_size",
        f"the team of {project.project_id} is full: {', '.join(team)} "
        f"({len(team)} of at most {project.max_reviewers})",
    )


def _days(round_: Round, plan: Plan, staff_ids: set[str]) -> tuple[int, list[str]]:
    """Days the plan gives these reviewers, and on which projects (in plan order)."""
    days, where = 0, []
    places = sorted(n for s in staff_ids for n in plan.places_by_staff.get(s, ()))
    for a in (plan.assignments[n] for n in places):
        if a.project_id in round_.project_by_id:
            given = plan.days_of(round_.project_by_id[a.project_id], a.staff_id)
            days += given
            where.append(f"{a.project_id} ({a.staff_id}, {given} day(s))")
    return days, where


def _needs(plan: Plan, person: Staff, project: Project) -> int:
    """Days ``person`` would be out on ``project`` joining its team as a member: with the
    scoping meeting's half day when they would be the one to attend it (the team's lead, or
    in a team without one the member first by staff id)."""
    team = plan.team(project.project_id)
    leads = [a.staff_id for a in team if a.role == "lead"]
    ids = [a.staff_id for a in team if a.staff_id != person.staff_id] + [person.staff_id]
    attends = min(leads or ids) == person.staff_id
    return project.days_out(scoping=project.scoping_meeting and attends)


def _listed(where: list[str]) -> str:
    return ", ".join(where) if where else "no other project"


def _capacity(round_: Round, plan: Plan, person: Staff, project: Project) -> RuleFact | None:
    used, where = _days(round_, plan, {person.staff_id})
    if used + _needs(plan, person, project) <= person.max_days:
        return None
    return RuleFact(
        "capacity",
        f"{who(person)} already gives {used} day(s) on {_listed(where)}; "
        f"{project.project_id} needs {_needs(plan, person, project)} more and max_days is "
        f"{person.max_days}",
    )


def _sle_allowance(round_: Round, plan: Plan, person: Staff, project: Project) -> RuleFact | None:
    if not person.is_sle:
        return None
    used, where = _days(round_, plan, {person.staff_id})
    earlier = round_.sle_days_used(person.staff_id)
    allowance = round_.sle_allowance(person.staff_id)
    if earlier + used + _needs(plan, person, project) <= allowance:
        return None
    source = (
        "rules.sle_allowance_days"
        if person.sle_allowance_days is None
        else "their sle_allowance_days (staff.csv)"
    )
    return RuleFact(
        "sle_allowance",
        f"SLE {who(person)} has {earlier} day(s) earlier this year (history) and {used} this "
        f"round on {_listed(where)}; {project.project_id} needs {_needs(plan, person, project)} "
        f"more and {source} is {allowance}",
    )


def _release(round_: Round, plan: Plan, person: Staff, project: Project) -> RuleFact | None:
    school = round_.school_by_id[person.school_id]
    colleagues = {s.staff_id for s in round_.staff_by_school.get(school.school_id, ())}
    used, where = _days(round_, plan, colleagues)
    if used + _needs(plan, person, project) <= school.release_days:
        return None
    return RuleFact(
        "release",
        f"{_school(round_, school.school_id)} already releases {used} staff-day(s) "
        f"({_listed(where)}); {project.project_id} needs {_needs(plan, person, project)} more and "
        f"its release_days is {school.release_days}",
    )


def _cover_budget(round_: Round, plan: Plan, person: Staff, project: Project) -> RuleFact | None:
    school = round_.school_by_id[person.school_id]
    if school.cover_budget is None:
        return None
    per_day = round_.settings.calendar.cover_cost(school.phase)
    colleagues = {s.staff_id for s in round_.staff if s.school_id == school.school_id}
    used, where = _days(round_, plan, colleagues)
    if (used + _needs(plan, person, project)) * per_day <= school.cover_budget:
        return None
    budget = school.cover_budget
    said = f"{budget:,.0f}" if budget.is_integer() else f"{budget:,.2f}"
    return RuleFact(
        "cover_budget",
        f"{_school(round_, school.school_id)} already pays £{used * per_day:,} of cover for "
        f"{used} staff-day(s) ({_listed(where)}); {project.project_id} needs "
        f"{_needs(plan, person, project)} more at £{per_day} a day and its cover_budget is £{said}",
    )


def _swap(round_: Round, plan: Plan, person: Staff, project: Project) -> RuleFact | None:
    if not round_.settings.rules.no_direct_swap:
        return None
    home, host = person.school_id, project.host_school_id
    # The host's own staff sent to the reviewer's school (looked up by person, not by
    # scanning the plan: the report asks this of every candidate of every empty project).
    sent = {s.staff_id for s in round_.staff_by_school.get(host, ())}
    places = sorted(n for s in sent for n in plan.places_by_staff.get(s, ()))
    back = [
        f"{a.staff_id} on {a.project_id}"
        for a in (plan.assignments[n] for n in places)
        if a.project_id in round_.project_by_id
        and round_.project_by_id[a.project_id].host_school_id == home
    ]
    if not back or home == host:
        return None
    return RuleFact(
        "no_direct_swap",
        f"{_school(round_, host)} already reviews {_school(round_, home)} "
        f"({', '.join(back)}); rules.no_direct_swap forbids the two reviewing each other",
    )


def unstaffed_rule_facts(
    ctx: PairContext,
    plan: Plan,
    project: Project,
    candidates: list[Staff],
    blocked: dict[str, list[Staff]],
) -> list[RuleFact]:
    """What keeps reviewers off an unstaffed project: every plan rule that keeps one of its
    possible reviewers off (``plan_rule_facts``, reviewer by reviewer), then, for each pair
    rule a coordinator could relax, the reviewer it alone keeps out who is nearest the host
    (``blocked``: ``matcher.why.relax.blocked_only_by``), with how many more it keeps out."""
    round_ = ctx.round
    facts = [
        fact for person in candidates for fact in plan_rule_facts(round_, plan, person, project)
    ]
    for rule in RELAXABLE:
        people = blocked.get(rule, [])
        if not people:
            continue
        nearest = min(
            people,
            key=lambda p: (round_.travel_minutes(p.school_id, project.host_school_id), p.staff_id),
        )
        more = f" (and {len(people) - 1} more kept out by it alone)" if len(people) > 1 else ""
        facts.append(RuleFact(rule, _PAIR_FACTS[rule](ctx, nearest, project) + more))
    return facts
