"""What a plan uses of every limited resource, kept in one ledger by every heuristic.

The CP-SAT model states the capacity rules as constraints (``solvers.matching.model``:
``capacity``, ``sle_allowance``, ``release``, ``cover_budget``, ``no_direct_swap``); greedy,
the warm start and the ejection-chain search keep the same rules by booking pairs in this
ledger instead, so the arithmetic of "days left" is written once.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from solvers.engine.decompose import IntArray
from solvers.matching.encode import MatchingProblem


def sle_days_left(problem: MatchingProblem, staff: int) -> int:
    """Days of the yearly SLE allowance not yet used by ``staff`` (history included)."""
    return max(0, int(problem.sle_allowances()[staff]) - int(problem.sle_days_used[staff]))


def staff_days_left(problem: MatchingProblem) -> IntArray:
    """Days each reviewer can still give: max_days, and for an SLE the allowance left too."""
    left = np.maximum(0, problem.sle_allowances() - problem.sle_days_used)
    capacity = np.where(
        problem.staff_is_sle,
        np.minimum(problem.staff_max_days, left),
        problem.staff_max_days,
    )
    return capacity.astype(np.int64)


class Ledger:
    """Days left per reviewer and per releasing school, and which school serves which host.

    ``fits`` says whether a pair can join the plan as booked so far under the capacity,
    allowance, release, cover budget and no-direct-swap rules; team rules (size, lead, SLE)
    are the caller's.
    """

    def __init__(self, problem: MatchingProblem) -> None:
        p = problem
        self.staff = p.pair_staff.tolist()
        self.days = p.pair_days.tolist()
        school = p.staff_school.tolist()
        host = p.project_host.tolist()
        self.giver = [school[i] for i in self.staff]
        self.host = [host[j] for j in p.pair_project.tolist()]
        self.swap_rule = bool(p.no_direct_swap)
        self.days_left: list[int] = staff_days_left(p).tolist()
        # release_days and the cover budget both count a school's staff-days out: one figure.
        self.release_left: list[int] = p.school_days_cap().astype(int).tolist()
        self.serves: Counter[tuple[int, int]] = Counter()

    def fits(self, k: int) -> bool:
        """Pair k can be booked: its reviewer and school have the days, and no swap follows."""
        d, giver, host = self.days[k], self.giver[k], self.host[k]
        if self.days_left[self.staff[k]] < d or self.release_left[giver] < d:
            return False
        return not self.swap_rule or (giver != host and not self.serves[(host, giver)])

    def book(self, k: int) -> None:
        d = self.days[k]
        self.days_left[self.staff[k]] -= d
        self.release_left[self.giver[k]] -= d
        self.serves[(self.giver[k], self.host[k])] += 1

    def unbook(self, k: int) -> None:
        d = self.days[k]
        self.days_left[self.staff[k]] += d
        self.release_left[self.giver[k]] += d
        self.serves[(self.giver[k], self.host[k])] -= 1
