"""What ``matcher explain`` answers, as plain data: ids and facts, ready for text or JSON.

The JSON form (``to_dict``) is documented in docs/explain.md; keep the two together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from matcher.model import Assignment, Plan

Verdict = Literal["assigned", "forbidden", "not_chosen", "unstaffed"]


@dataclass(frozen=True)
class RuleFact:
    """A hard rule (its ``matcher.rules`` name) and the facts that make it bite."""

    rule: str
    detail: str


@dataclass(frozen=True)
class TermShare:
    """One soft term: the pair's value in the term's natural units and its signed, weighted
    contribution to the objective (negative = it makes the plan better)."""

    value: int
    contribution: int


@dataclass(frozen=True)
class Move:
    """A reviewer put on (``added``) or taken off (``removed``) a project by the change."""

    project_id: str
    staff_id: str
    change: Literal["added", "removed"]
    role: Literal["lead", "member"] = "member"  # the role on the project (added or removed)


@dataclass(frozen=True)
class Alternative:
    """The best plan found with the change: what moves, and whether its cost is proven."""

    status: str  # CP-SAT's: OPTIMAL (cost proven least), FEASIBLE, INFEASIBLE, UNKNOWN
    moves: tuple[Move, ...] = ()
    objective: int | None = None
    cost_bound: int | None = None  # no plan with the change costs less than this
    replaced_by: tuple[str, ...] = ()  # staff ids who join the project in the pair's place
    description: str = ""  # what was changed (a suggestion for an unstaffed project)
    setting: str | None = None  # the setting or column a suggestion changes
    value: str | None = None  # the value it would take
    # What was re-solved: the change's whole independent "part" (status and cost_bound hold
    # for the round), or only its "neighbourhood" (the cost is then an upper bound on the
    # least cost of the change, and a status says nothing about the round).
    scope: Literal["part", "neighbourhood"] = "part"

    @property
    def proven(self) -> bool:
        """The cost is the least any plan with the change can have."""
        return self.status == "OPTIMAL" and self.scope == "part"

    def applied_to(self, plan: Plan) -> Plan:
        """``plan`` with this alternative's moves made: the plan it describes."""
        removed = {(m.project_id, m.staff_id) for m in self.moves if m.change == "removed"}
        kept = [a for a in plan.assignments if (a.project_id, a.staff_id) not in removed]
        added = [
            Assignment(project_id=m.project_id, staff_id=m.staff_id, role=m.role)
            for m in self.moves
            if m.change == "added"
        ]
        staffed = {a.project_id for a in kept + added}
        unfilled = tuple(u for u in plan.unfilled if u.project_id not in staffed)
        return Plan(assignments=tuple(kept + added), unfilled=unfilled)


@dataclass(frozen=True)
class PairExplanation:
    """Why one reviewer is, or is not, on one project (``staff_id`` None: a project alone)."""

    project_id: str
    staff_id: str | None
    verdict: Verdict
    rules: tuple[RuleFact, ...] = ()
    terms: dict[str, TermShare] = field(default_factory=dict)
    cost_of_change: int | None = None
    alternative: Alternative | None = None
    reason: str | None = None  # an unstaffed project's reason, from unfilled.csv
    suggestions: tuple[Alternative, ...] = ()

    def to_dict(self) -> dict[str, object]:
        alt = self.alternative
        return {
            "project_id": self.project_id,
            "staff_id": self.staff_id,
            "verdict": self.verdict,
            "rules": [{"rule": r.rule, "detail": r.detail} for r in self.rules],
            "terms": {
                name: {"value": t.value, "contribution": t.contribution}
                for name, t in self.terms.items()
            },
            "cost_of_change": self.cost_of_change,
            "alternative": None if alt is None else _alternative(alt),
            "reason": self.reason,
            "suggestions": [_alternative(s) for s in self.suggestions],
        }


def _alternative(alt: Alternative) -> dict[str, object]:
    return {
        "status": alt.status,
        "scope": alt.scope,
        "proven": alt.proven,
        "objective": alt.objective,
        "cost_bound": alt.cost_bound,
        "replaced_by": list(alt.replaced_by),
        "moves": [
            {
                "project_id": m.project_id,
                "staff_id": m.staff_id,
                "change": m.change,
                "role": m.role,
            }
            for m in alt.moves
        ],
        "description": alt.description,
        "setting": alt.setting,
        "value": alt.value,
    }


@dataclass(frozen=True)
class Explanation:
    """Every answer for one question, and the current plan's objective they are measured
    against (``objective_of`` on the written plan)."""

    items: tuple[PairExplanation, ...]
    objective: int
    time_limit: float

    def to_dict(self) -> dict[str, object]:
        return {
            "objective": self.objective,
            "time_limit": self.time_limit,
            "items": [item.to_dict() for item in self.items],
        }
