"""One pair rule probed from both sides: who the solver's eligibility lets onto the first
project, and whom the independent checker flags when put alone on it. The allowed/forbidden
tests of each pair rule compare the two."""

from __future__ import annotations

from matcher.model import Assignment, Plan, Round
from matcher.verify import verify_plan
from solvers.matching.eligibility import PAIR_RULES, PairContext


def allowed(round_: Round, rule_name: str) -> set[str]:
    (rule,) = [r for r in PAIR_RULES if r.name == rule_name]
    ctx = PairContext.of(round_)
    return {s.staff_id for s in round_.staff if rule.check(ctx, s, round_.projects[0])}


def flagged(round_: Round, rule_name: str) -> set[str]:
    project_id = round_.projects[0].project_id
    found = set()
    for person in round_.staff:
        plan = Plan(assignments=(Assignment(project_id=project_id, staff_id=person.staff_id),))
        if any(v.rule == rule_name for v in verify_plan(round_, plan)):
            found.add(person.staff_id)
    return found
