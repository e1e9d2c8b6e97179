"""The objective of any plan given as chosen pairs, from the definition in docs/model.md:
one yardstick for CP-SAT, greedy, the MILP peer and every heuristic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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




def objective_change(
    problem: MatchingProblem,
    before: Sequence[int],
    after: Sequence[int],
    parts: Sequence[IntArray],
) -> int:
    """``objective_of(after) - objective_of(before)``, counted on what the two plans do not
    share: a re-solve of a neighbourhood changes a few teams of a region, where counting
    either whole plan takes 40 ms (``parts``: the problem's, as for ``term_values``)."""
    old, new = set(before), set(after)
    removed, added = sorted(old - new), sorted(new - old)
    change = dict.fromkeys(("unstaffed", "expertise", "preference", "travel"), 0)
    for ks, sign in ((added, 1), (removed, -1)):
        for k in ks:
            change["expertise"] += sign * int(problem.pair_fit[k])
            change["preference"] += sign * int(problem.pair_preference[k])
            change["travel"] += sign * int(problem.pair_travel[k])
    change["unstaffed"] = _staffed_count(problem, old, removed + added) - _staffed_count(
        problem, new, removed + added
    )
    change["give_take"] = _give_take_change(problem, old, removed, added)
    change["sle_balance"] = _sle_balance_change(problem, old, removed, added, parts)
    signs = {"expertise": -1, "preference": -1}
    return sum(
        signs.get(name, 1) * int(getattr(problem.weights, name)) * value
        for name, value in change.items()
    )


def _staffed_count(problem: MatchingProblem, plan: set[int], touching: list[int]) -> int:
    """How many of the projects of the pairs ``touching`` have a team in ``plan``."""
    projects = {int(problem.pair_project[k]) for k in touching}
    return len({int(problem.pair_project[k]) for k in plan} & projects)


def _give_take_change(
    problem: MatchingProblem, old: set[int], removed: list[int], added: list[int]
) -> int:
    """The change of the summed |given - received| over the schools the changed pairs touch."""
    def ends(k: int) -> tuple[int, int]:
        return int(problem.staff_school[problem.pair_staff[k]]), int(
            problem.project_host[problem.pair_project[k]]
        )

    schools = {s for k in removed + added for s in ends(k)}
    balance = {
        s: 0 if problem.school_days_offset is None else int(problem.school_days_offset[s])
        for s in schools
    }
    for k in old:
        home, host = ends(k)
        if home in balance:
            balance[home] += int(problem.pair_days[k])
        if host in balance:
            balance[host] -= int(problem.pair_days[k])
    after = dict(balance)
    for ks, sign in ((added, 1), (removed, -1)):
        for k in ks:
            home, host = ends(k)
            after[home] += sign * int(problem.pair_days[k])
            after[host] -= sign * int(problem.pair_days[k])
    return sum(abs(after[s]) - abs(balance[s]) for s in schools)


def _sle_balance_change(
    problem: MatchingProblem,
    old: set[int],
    removed: list[int],
    added: list[int],
    parts: Sequence[IntArray],
) -> int:
    """The change of the summed largest SLE share per part, over the parts of the SLEs whose
    days change."""
    if not problem.sle_share_on():
        return 0
    moved: dict[int, int] = {}
    for ks, sign in ((added, 1), (removed, -1)):
        for k in ks:
            i = int(problem.pair_staff[k])
            if problem.staff_is_sle[i]:
                moved[i] = moved.get(i, 0) + sign * int(problem.pair_days[k])
    if not moved:
        return 0
    days: dict[int, int] = {}
    for k in old:
        i = int(problem.pair_staff[k])
        days[i] = days.get(i, 0) + int(problem.pair_days[k])
    marked = np.zeros(len(problem.staff_ids), dtype=np.bool_)
    marked[list(moved)] = True
    change = 0
    for pairs in parts:
        staff = problem.pair_staff[pairs]
        if not marked[staff].any():
            continue
        sles = [i for i in set(staff.tolist()) if problem.staff_is_sle[i]]
        used = {i: int(problem.sle_days_used[i]) + days.get(i, 0) for i in sles}
        change += max(problem.sle_share(i, used[i] + moved.get(i, 0)) for i in sles) - max(
            problem.sle_share(i, used[i]) for i in sles
        )
    return change


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
