"""The Python API the CLI wraps: match a round, and run the main job (``plan``).

Data flows one way: Round -> solvers.encode -> CP-SAT -> solvers.decode -> Plan ->
matcher.verify (independent re-check) -> export.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matcher.model import Plan, Round
from matcher.verify import Violation, verify_plan
from solvers.assignment import Progress, solve_matching
from solvers.decode import decode
from solvers.encode import encode
from solvers.explain import explain_unstaffed, precheck
from solvers.result import SolveResult

log = logging.getLogger(__name__)


class PlanCheckError(RuntimeError):
    """The solver produced a plan the independent checker rejects: a bug, never user error."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = "\n".join(f"  - {v.message}" for v in violations)
        super().__init__(f"the plan breaks {len(violations)} hard rule(s):\n{lines}")


@dataclass(frozen=True)
class MatchOutcome:
    """A matched round: the plan, how good it is, and why anything is left unstaffed."""

    round: Round
    plan: Plan
    result: SolveResult

    def summary(self) -> dict[str, object]:
        """What summary.json holds: status, objective, bound, gap, terms, time, seed, counts."""
        staffed = len(self.round.projects) - len(self.plan.unfilled)
        return {
            "round": self.round.settings.name,
            "status": self.result.status,
            "objective": self.result.objective,
            "bound": self.result.bound,
            "gap": self.result.gap,
            "terms": {
                name: {
                    "value": term.value,
                    "weight": term.weight,
                    "contribution": term.contribution,
                    "description": term.description,
                }
                for name, term in self.result.terms.items()
            },
            "wall_time_seconds": round(self.result.seconds, 3),
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
    seed, workers
        The same round, seed and workers give the same plan.
    gap_limit
        Stop once the plan is proven within this relative gap of the optimum (0.01 = 1%).
    progress
        Called with each improving plan (objective, bound, seconds).
    explain_time_limit
        Seconds per unstaffed project for finding the rules that conflict.

    Raises
    ------
    PlanCheckError
        If the independent checker finds a broken hard rule (a bug: please report it).
    """
    reasons = precheck(round_)
    problem = encode(round_)
    log.info(
        "matching %d projects, %d staff, %d candidate pairs",
        len(problem.project_ids),
        len(problem.staff_ids),
        problem.n_pairs,
    )
    solution = solve_matching(
        problem,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        gap_limit=gap_limit,
        progress=progress,
    )
    staffed = [pid for pid, ok in zip(problem.project_ids, solution.staffed, strict=True) if ok]
    to_explain = [
        pid
        for pid, ok in zip(problem.project_ids, solution.staffed, strict=True)
        if not ok and pid not in reasons
    ]
    if solution.result.has_solution and to_explain:
        reasons.update(
            explain_unstaffed(
                round_,
                problem,
                unstaffed=to_explain,
                staffed=staffed,
                time_limit=explain_time_limit,
                seed=seed,
            )
        )
    plan = decode(problem, solution, reasons)
    violations = verify_plan(round_, plan)
    if violations:
        raise PlanCheckError(violations)
    return MatchOutcome(round=round_, plan=plan, result=solution.result)


def plan(
    round_: Round,
    out_dir: str | os.PathLike[str],
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    gap_limit: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
) -> tuple[MatchOutcome, list[Path]]:
    """The main job: match the round and write every output into ``out_dir`` atomically."""
    from matcher.io.plan_files import write_match_outputs

    outcome = match(
        round_,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        gap_limit=gap_limit,
        progress=progress,
    )
    written = write_match_outputs(out_dir, round_, outcome.plan, outcome.summary())
    return outcome, written
