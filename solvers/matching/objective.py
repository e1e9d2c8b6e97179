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




def pair_shares(
    problem: MatchingProblem, chosen: Sequence[int], parts: Sequence[IntArray] | None = None
) -> dict[int, dict[str, int]]:
    """Each chosen pair's share of every term: ``term_values`` of the plan minus
    ``term_values`` of the plan without that pair alone, for all pairs at once (a report
    shows one per pairing; taking each out and re-counting would be quadratic).

    ``parts`` as for ``term_values``.
    """
    parts = pair_parts(problem) if parts is None else parts
    team: dict[int, int] = {}
    for k in chosen:
        j = int(problem.pair_project[k])
        team[j] = team.get(j, 0) + 1
    sle = _sle_share_drops(problem, chosen, parts)
    give_take = _give_take_drops(problem, chosen)
    return {
        int(k): {
            "unstaffed": -1 if team[int(problem.pair_project[k])] == 1 else 0,
            "expertise": int(problem.pair_fit[k]),
            "preference": int(problem.pair_preference[k]),
            "travel": int(problem.pair_travel[k]),
            "sle_balance": sle.get(int(k), 0),
            "give_take": give_take[int(k)],
        }
        for k in chosen
    }


def _sle_share_drops(
    problem: MatchingProblem, chosen: Sequence[int], parts: Sequence[IntArray]
) -> dict[int, int]:
    """How much the summed largest SLE share per part falls when each chosen pair goes."""
    if not problem.sle_share_on():
        return {}
    days = {i: int(problem.sle_days_used[i]) for i in set(problem.pair_staff.tolist())}
    for k in chosen:
        days[int(problem.pair_staff[k])] += int(problem.pair_days[k])
    # Each part's SLEs by share, largest first: without one SLE's pair, the part's largest
    # share is the larger of the next SLE's and that SLE's own share with fewer days.
    ranked: list[list[tuple[int, int]]] = []
    parts_of: dict[int, list[int]] = {}
    for p, pairs in enumerate(parts):
        sles = [i for i in set(problem.pair_staff[pairs].tolist()) if problem.staff_is_sle[i]]
        ranked.append(sorted(((problem.sle_share(i, days[i]), i) for i in sles), reverse=True))
        for i in sles:
            parts_of.setdefault(i, []).append(p)
    drops: dict[int, int] = {}
    for k in chosen:
        i = int(problem.pair_staff[k])
        fewer = problem.sle_share(i, days[i] - int(problem.pair_days[k]))
        drop = 0
        for p in parts_of.get(i, []):
            largest = ranked[p][0][0]
            others = max((share for share, j in ranked[p][:2] if j != i), default=0)
            drop += largest - max(others, fewer)
        drops[int(k)] = drop
    return drops


def _give_take_drops(problem: MatchingProblem, chosen: Sequence[int]) -> dict[int, int]:
    """How much the give-and-take gap (sum over schools of |given - received|) falls when
    each chosen pair goes: only its two schools' balances move."""
    balance = (
        [0] * len(problem.school_ids)
        if problem.school_days_offset is None
        else [int(d) for d in problem.school_days_offset]
    )
    ends = {}
    for k in chosen:
        home = int(problem.staff_school[problem.pair_staff[k]])
        host = int(problem.project_host[problem.pair_project[k]])
        balance[home] += int(problem.pair_days[k])
        balance[host] -= int(problem.pair_days[k])
        ends[int(k)] = (home, host, int(problem.pair_days[k]))
    drops = {}
    for k, (home, host, d) in ends.items():
        if home == host:
            drops[k] = 0
            continue
        before = abs(balance[home]) + abs(balance[host])
        drops[k] = before - abs(balance[home] - d) - abs(balance[host] + d)
    return drops
