"""Greedy dates: projects one by one, fewest options first, each at its earliest free dates.

The start of every dating search and what a part keeps if its search finds nothing.
"""

from __future__ import annotations

from collections import defaultdict

from solvers.dating.encode import DatedProject, SchedulingProblem


def greedy_dates(problem: SchedulingProblem) -> dict[int, tuple[list[int], int | None]]:
    """Date projects one by one, fewest options first, each at its earliest free dates.

    What a coordinator would do by hand, and a feasible starting point (hint) for the model:
    the linking rules are kept through day-by-day tallies. Returns, per project index dated,
    its visit days (term-day indices) and its presentation day.
    """
    tally = _Tally(problem)
    dated: dict[int, tuple[list[int], int | None]] = {}
    order = sorted(range(len(problem.projects)), key=lambda j: (len(problem.projects[j].starts), j))
    for j in order:
        p = problem.projects[j]
        picked = tally.earliest_free(p)
        if picked is not None:
            tally.book(p, *picked)
            dated[j] = picked
    return dated


class _Tally:
    """Who is out, and which hosts receive, on each term day so far."""

    def __init__(self, problem: SchedulingProblem) -> None:
        self.problem = problem
        self.person_days: set[tuple[str, int]] = set()
        self.out: dict[tuple[str, int], int] = defaultdict(int)
        self.leaders: dict[tuple[str, int], int] = defaultdict(int)  # leaders_per_day
        self.hosted: dict[tuple[str, int], int] = defaultdict(int)

    def free(self, p: DatedProject, t: int) -> bool:
        return (
            all((person, t) not in self.person_days for person in p.team)
            and all(self.out[(s, t)] + n <= self.problem.max_out[s] for s, n in p.releasing.items())
            and all(
                self.leaders[(s, t)] + n <= self.problem.max_leaders_out[s]
                for s, n in p.leaders_releasing.items()
            )
            and self.hosted[(p.host, t)] < self.problem.max_visits_per_day
        )

    def earliest_free(self, p: DatedProject) -> tuple[list[int], int | None] | None:
        ordinal = self.problem.ordinal
        days: list[int] = []
        first_free = -(10**9)
        for _ in range(p.visits):
            start = next(
                (
                    t
                    for t in p.starts
                    if ordinal(t) >= first_free
                    and all(self.free(p, d) for d in range(t, t + p.visit_days))
                ),
                None,
            )
            if start is None:
                return None
            days.extend(range(start, start + p.visit_days))
            first_free = ordinal(days[-1]) + p.min_gap
        if not p.presentation:
            return days, None
        talk = next(
            (
                t
                for t in p.presentation_days
                if ordinal(t) > ordinal(days[-1])
                and all((person, t) not in self.person_days for person in p.team)
            ),
            None,
        )
        return None if talk is None else (days, talk)

    def book(self, p: DatedProject, days: list[int], talk: int | None) -> None:
        for t in days:
            self.person_days.update((person, t) for person in p.team)
            for school, count in p.releasing.items():
                self.out[(school, t)] += count
            for school, count in p.leaders_releasing.items():
                self.leaders[(school, t)] += count
            self.hosted[(p.host, t)] += 1
        if talk is not None:
            self.person_days.update((person, talk) for person in p.team)
