"""MatchingSolution (indices) -> Plan (ids again)."""

from __future__ import annotations

from collections.abc import Mapping

from matcher.model import Assignment, Plan, UnfilledProject
from solvers.matching.encode import MatchingProblem
from solvers.matching.strategy import MatchingSolution


def decode(
    problem: MatchingProblem, solution: MatchingSolution, reasons: Mapping[str, str]
) -> Plan:
    """The plan a solution describes; ``reasons`` explains each unstaffed project."""
    assignments = [
        Assignment(
            project_id=problem.project_ids[problem.pair_project[k]],
            staff_id=problem.staff_ids[problem.pair_staff[k]],
            role="lead" if k in solution.leads else "member",
        )
        for k in solution.chosen
    ]
    assignments.sort(key=lambda a: (a.project_id, a.role != "lead", a.staff_id))
    unfilled = [
        UnfilledProject(project_id=pid, reason=reasons.get(pid, "not staffed"))
        for pid, staffed in zip(problem.project_ids, solution.staffed, strict=True)
        if not staffed
    ]
    return Plan(assignments=tuple(assignments), unfilled=tuple(unfilled))
