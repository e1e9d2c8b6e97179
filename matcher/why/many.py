"""Every pairing's and every unstaffed project's explanation at once, for the report.

The answers come from the same code as ``matcher explain`` (:mod:`matcher.why.api`): a
pairing's share of each soft term (``pair_shares``), and for an unstaffed project its reason,
the rules that keep each possible reviewer off it and the single relaxations that would
staff it. What ``matcher explain`` adds and the report leaves out is the cost of each change:
that is a re-solve per pairing, the report's whole time many times over.

Suggestions re-solve too, so the report makes them only for rounds of at most
:data:`SUGGEST_MAX_PROJECTS` projects, or with at most :data:`SUGGEST_MAX_UNSTAFFED`
unstaffed projects, within :data:`SUGGEST_SECONDS` of work in all, shared evenly by the
unstaffed projects and, within one, by its relaxations. The work is counted as the solvers
count it (``solvers/engine/budget.py``), so the report repeats byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.model import Plan, Round
from matcher.why.api import PlanContext, term_shares, unstaffed
from matcher.why.types import PairExplanation, TermShare
from solvers.matching.encode import encode

# Rounds up to this many projects get suggestions in the report (a 300-school cohort has
# about 300, and 28 of them unstaffed).
SUGGEST_MAX_PROJECTS = 500
# Larger rounds get them when at most this many projects are unstaffed. There each
# suggestion re-solves a neighbourhood of the project (``solvers.matching.neighbourhood``):
# 40 of the 2,000-school region's unstaffed projects took 4.0 s more than their reasons
# alone (1.6 s, load 3). All of the region's (154 to 197, 32 s at load 4,
# benchmarks/README.md) would more than treble the report's 10 s and push a region's plan
# past its 120 s, so they are left to ``matcher explain --project``.
SUGGEST_MAX_UNSTAFFED = 40
# Work shared by every suggestion's re-solve in the report, in nominal seconds.
SUGGEST_SECONDS = 20.0
# No one re-solve gets more than ``matcher explain``'s default.
EACH_MAX_SECONDS = 5.0


@dataclass(frozen=True)
class PlanReasons:
    """Each pairing's share of the soft terms, by (project id, staff id), and each
    unstaffed project's explanation, by project id; ``suggested``: whether the unstaffed
    ones carry suggestions."""

    terms: dict[tuple[str, str], dict[str, TermShare]]
    unstaffed: dict[str, PairExplanation]
    suggested: bool


def plan_reasons(
    round_: Round,
    plan: Plan,
    *,
    seed: int = 0,
    suggest: bool | None = None,
    seconds: float = SUGGEST_SECONDS,
) -> PlanReasons:
    """Explain every pairing and every unstaffed project of ``plan`` (see the module).

    ``suggest``: make suggestions (default: on rounds of at most ``SUGGEST_MAX_PROJECTS``
    projects or ``SUGGEST_MAX_UNSTAFFED`` unstaffed ones); ``seconds``: the work their
    re-solves share in all.
    """
    ctx = PlanContext(round_, plan, encode(round_), EACH_MAX_SECONDS, seed)
    terms = {
        ctx.ids(k): term_shares(ctx.problem, values)
        for k, values in ctx.shares.items()
    }
    empty = sorted(
        u.project_id
        for u in plan.unfilled
        if u.project_id in round_.project_by_id and not plan.team(u.project_id)
    )
    if suggest is None:
        suggest = 0 < len(round_.projects) <= SUGGEST_MAX_PROJECTS or (
            len(empty) <= SUGGEST_MAX_UNSTAFFED
        )
    share = min(EACH_MAX_SECONDS, seconds / max(1, len(empty)))
    return PlanReasons(
        terms=terms,
        unstaffed={
            pid: unstaffed(ctx, round_.project_by_id[pid], suggest=suggest, seconds=share)
            for pid in empty
        },
        suggested=suggest,
    )
