"""The objective of any plan given as chosen pairs, from the definition in docs/model.md:
one yardstick for CP-SAT, greedy, the MILP peer and every heuristic.
"""

from __future__ import annotations

from collections.abc import Sequence

from solvers.engine.decompose import IntArray, pair_parts
from solvers.matching.encode import MatchingProblem


def objective_of(
    problem: MatchingProblem, chosen: tuple[int, ...], parts: Sequence[IntArray] | None = None
) -> int:
    """The weighted objective of a plan given as chosen pair indices (docs/model.md);
    ``parts`` as for ``term_values``."""
    values = term_values(problem, chosen, parts)
    signs = {"expertise": -1, "preference": -1}
    return sum(
        signs.get(name, 1) * int(getattr(problem.weights, name)) * value
        for name, value in values.items()
    )


def term_values(
    problem: MatchingProblem, chosen: Sequence[int], parts: Sequence[IntArray] | None = None
) -> dict[str, int]:
    """Each objective term's value (natural units) for a plan given as chosen pair indices.

    ``parts`` is ``pair_parts(problem)`` when the caller has it already: on a national round
    it takes 3 s, nearly all the time this takes.
    """
    staffed = {int(problem.pair_project[k]) for k in chosen}
    unstaffed = len(problem.project_ids) - len(staffed)
    fit = sum(int(problem.pair_fit[k]) for k in chosen)
    preference = sum(int(problem.pair_preference[k]) for k in chosen)
    travel = sum(int(problem.pair_travel[k]) for k in chosen)
    sle_share = 0
    if problem.sle_share_on():
        # SLE balance is the largest share within each independent part, summed over parts.
        days = {i: int(problem.sle_days_used[i]) for i in set(problem.pair_staff.tolist())}
        for k in chosen:
            days[int(problem.pair_staff[k])] += int(problem.pair_days[k])
        for pairs in pair_parts(problem) if parts is None else parts:
            shares = [
                problem.sle_share(i, days[i])
                for i in set(problem.pair_staff[pairs].tolist())
                if problem.staff_is_sle[i]
            ]
            sle_share += max(shares, default=0)
    balance = (
        [0] * len(problem.school_ids)
        if problem.school_days_offset is None
        else [int(d) for d in problem.school_days_offset]
    )
    for k in chosen:
        balance[int(problem.staff_school[problem.pair_staff[k]])] += int(problem.pair_days[k])
        balance[int(problem.project_host[problem.pair_project[k]])] -= int(problem.pair_days[k])
    return {
        "unstaffed": unstaffed,
        "expertise": fit,
        "preference": preference,
        "travel": travel,
        "sle_balance": sle_share,
        "give_take": sum(abs(b) for b in balance),
    }


