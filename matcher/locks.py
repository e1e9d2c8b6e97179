"""Locks (locks.csv) that no plan can keep, found before any solve and named with the rule.

Each locked reviewer must pass the pair rules for the project (own school, expertise, conflict,
trust, rotation, travel...), and the locked teams together must keep the rules that only grow
with more reviewers (capacity, SLE allowance, release, no direct swap, team maximum). A locked
date must suit the host and the locked reviewers. What is left (locks that clash only through
the rest of the plan) the solvers find infeasible, and ``LockError`` says so in general terms.

Uses the independent checkers, never the solvers: the words are the checker's.
"""

from __future__ import annotations

from collections import defaultdict

from matcher.days import SchoolCalendar
from matcher.model import Assignment, Plan, Round
from matcher.rules import rules_of
from matcher.verify import verify_plan

# Rules a plan of the locked reviewers alone breaks only if every plan keeping them does.
_GROWING = frozenset({"capacity", "sle_allowance", "release", "no_direct_swap"})
_PAIR = frozenset(name for name, r in rules_of("matching").items() if r.kind == "pair")


class LockError(Exception):
    """Locks no plan can keep; ``problems`` says which lock breaks which rule, in words."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(
            f"locks.csv: {len(self.problems)} lock(s) no plan can keep; nothing was written."
            f"{lines}"
        )


def impossible_locks(round_: Round) -> list[str]:
    """Every lock that breaks a hard rule whatever else the plan does, as a sentence."""
    locked = sorted({(lk.project_id, lk.staff_id) for lk in round_.locks if lk.staff_id})
    plan = Plan(assignments=tuple(Assignment(project_id=p, staff_id=s) for p, s in locked))
    problems = [
        f"[{v.rule}] {v.message}"
        for v in verify_plan(round_, plan)
        if v.rule in _PAIR | _GROWING
    ]
    team: dict[str, int] = defaultdict(int)
    for project_id, _staff in locked:
        team[project_id] += 1
    for project_id, size in sorted(team.items()):
        most = round_.project_by_id[project_id].max_reviewers
        if size > most:
            problems.append(
                f"[team_size] {size} reviewers are locked on project {project_id}, "
                f"which takes at most {most}"
            )
    return problems + _date_problems(round_)


def _date_problems(round_: Round) -> list[str]:
    calendar = SchoolCalendar(round_.settings, round_.availability)
    people: dict[str, list[str]] = defaultdict(list)
    for lk in round_.locks:
        if lk.staff_id:
            people[lk.project_id].append(lk.staff_id)
    problems = []
    for lk in round_.locks:
        if lk.date is None or lk.visit_no is None:
            continue
        project = round_.project_by_id[lk.project_id]
        what = f"visit {lk.visit_no} of project {lk.project_id} locked on {lk.date.isoformat()}"
        if not calendar.school_open(project.host_school_id, lk.date):
            problems.append(f"[school_day] {what}: the host is unavailable that day")
        for staff_id in sorted(set(people[lk.project_id])):
            if not calendar.person_free(staff_id, lk.date):
                problems.append(f"[one_place] {what}: {staff_id} is unavailable that day")
    return problems
