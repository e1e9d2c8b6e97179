"""Greedy dates: projects one by one, fewest options first, each at its earliest free dates.

The start of every dating search and what a part keeps if its search finds nothing.
"""

from __future__ import annotations

from collections import defaultdict

from solvers.dating.encode import DatedProject, Picked, SchedulingProblem, earliest_dates


def greedy_dates(problem: SchedulingProblem) -> dict[int, Picked]:
    """Date projects one by one, fewest options first, each at its earliest free dates.

    What a coordinator would do by hand, and a feasible starting point (hint) for the model:
    the linking rules are kept through day-by-day tallies. Returns, per project index dated,
    its chosen term days.
    """
    tally = _Tally(problem)
    dated: dict[int, Picked] = {}
    order = sorted(range(len(problem.projects)), key=lambda j: (len(problem.projects[j].starts), j))
    for j in order:
        p = problem.projects[j]
        picked = tally.earliest_free(p)
        if picked is not None:
            tally.book(p, picked)
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

    def _within_caps(self, releasing: dict[str, int], leaders: dict[str, int], t: int) -> bool:
        return all(
            self.out[(s, t)] + n <= self.problem.max_out[s] for s, n in releasing.items()
        ) and all(
            self.leaders[(s, t)] + n <= self.problem.max_leaders_out[s] for s, n in leaders.items()
        )

    def free(self, p: DatedProject, t: int) -> bool:
        return (
            self.talk_free(p, t)
            and self._within_caps(p.releasing, p.leaders_releasing, t)
            and self.hosted[(p.host, t)] < self.problem.max_visits_per_day
        )

    def talk_free(self, p: DatedProject, t: int) -> bool:
        return all((person, t) not in self.person_days for person in p.team)

    def scoping_free(self, p: DatedProject, t: int) -> bool:
        return (p.lead, t) not in self.person_days and self._within_caps(
            p.scoping_releasing, p.scoping_leaders, t
        )

    def earliest_free(self, p: DatedProject) -> Picked | None:
        return earliest_dates(
            self.problem.days,
            p,
            visit_ok=lambda t: self.free(p, t),
            scoping_ok=lambda t: self.scoping_free(p, t),
            talk_ok=lambda t: self.talk_free(p, t),
        )

    def book(self, p: DatedProject, picked: Picked) -> None:
        for t in picked.visit_days(p.visit_days):
            self.person_days.update((person, t) for person in p.team)
            for school, count in p.releasing.items():
                self.out[(school, t)] += count
            for school, count in p.leaders_releasing.items():
                self.leaders[(school, t)] += count
            self.hosted[(p.host, t)] += 1
        for talk in (picked.talk, picked.governors):
            if talk is not None:
                self.person_days.update((person, talk) for person in p.team)
        if picked.scoping is not None and p.lead is not None:
            t = picked.scoping
            self.person_days.add((p.lead, t))
            for school, count in p.scoping_releasing.items():
                self.out[(school, t)] += count
            for school, count in p.scoping_leaders.items():
                self.leaders[(school, t)] += count
