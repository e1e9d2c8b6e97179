"""Day clashes among the published rows a team choice keeps: what the change stage adds when
its plan keeps two visits on one day for one reviewer, or more people out of one school on a
day than it releases.

The change stage (``solvers.matching.changes``) counts the published rows each team choice
decides before any date is set. Rows it counts as kept stay on their published days, so the
people on those teams are out on those days: a reviewer put on a second team whose kept visit
shares a day with their first, or a school whose kept visits together take more of its staff
out on a day than ``max_staff_out_per_day``, cannot keep them all (dating's rules
``one_place`` and ``release_per_day``). Such plans looked cheaper to the change stage than
the dates then made them.

Each clash is one constraint over a reviewer's (or a school's) kept rows on one day:
``sum(z) <= limit`` with ``z >= assign - lost`` for each pair and kept group on that day. Every
plan the dating model can date satisfies it with ``lost`` meaning "not on its published day",
so the change count stays a lower bound on the true one, and its proven least number a bound
on every plan's changes. There are far too many such days to add them all to a region's
model, and almost none bind, so they are added lazily: only the days the stage's plan breaks,
then the stage is solved again (``DayClashes.broken``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solvers.matching.model import MatchingModel

# A clash: ("person", staff id) or ("school", school id), and the term day.
Clash = tuple[tuple[str, str], int]
_PERSON, _SCHOOL = "person", "school"


@dataclass(frozen=True)
class KeptGroup:
    """A published row group the change stage may keep: its project (index), the term days
    its team is busy on it, and whether those days take the team out of their schools (a
    visit; a presentation is after school)."""

    project: int
    days: tuple[int, ...]
    away: bool


@dataclass
class DayClashes:
    """The groups of one part's model and the clash constraints added to it so far."""

    m: MatchingModel
    groups: Mapping[int, KeptGroup]  # group number -> group
    lost: Mapping[int, cp_model.IntVar]  # group number -> its lost literal
    max_out: Mapping[str, int]  # school id -> max_staff_out_per_day
    # group number -> the constraint pinning a group no reviewer blocks to its project's
    # staffing (kept whenever staffed), released once a clash names it
    pins: dict[int, cp_model.Constraint] = field(default_factory=dict)
    added: set[Clash] = field(default_factory=set)
    _z: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)

    def broken(self, chosen: Collection[int], lost: Collection[int]) -> list[Clash]:
        """The (person or school, day) limits the plan breaks if every group not ``lost`` (group
        numbers) keeps its days with the ``chosen`` pairs' teams; none already constrained."""
        load: dict[Clash, int] = defaultdict(int)
        team = self._teams(chosen)
        for n, g in self.groups.items():
            if n in lost:
                continue
            for k in team.get(g.project, ()):
                for day in g.days:
                    load[(_PERSON, self._staff(k)), day] += 1
                    if g.away:
                        load[(_SCHOOL, self._school(k)), day] += 1
        return sorted(
            clash
            for clash, people in load.items()
            if people > self._limit(clash[0]) and clash not in self.added
        )

    def add(self, clashes: Sequence[Clash]) -> None:
        """Constrain each (person or school, day): its people on kept groups within the limit."""
        by_day: dict[int, list[int]] = defaultdict(list)
        for n, g in self.groups.items():
            for day in g.days:
                by_day[day].append(n)
        pairs = self.m.problem.pairs_of_project()
        for clash in clashes:
            (kind, who), day = clash
            self.added.add(clash)
            terms = [
                self._kept_with(k, n)
                for n in by_day.get(day, ())
                if kind == _PERSON or self.groups[n].away
                for k in pairs[self.groups[n].project]
                if (self._staff(k) if kind == _PERSON else self._school(k)) == who
            ]
            if len(terms) > self._limit((kind, who)):
                self.m.model.add(cp_model.LinearExpr.sum(terms) <= self._limit((kind, who)))

    def _kept_with(self, k: int, n: int) -> cp_model.IntVar:
        """A literal that is 1 whenever pair k is chosen and group n keeps its days."""
        pin = self.pins.pop(n, None)
        if pin is not None:
            # CP-SAT cannot remove a constraint; one emptied in the model is ignored, and the
            # model is solved again from scratch with its hint, so nothing else remembers it.
            pin.proto.clear_linear()
        if (k, n) not in self._z:
            z = self.m.model.new_bool_var(f"kept_with[{k},{n}]")
            self.m.model.add(z >= self.m.assign[k] - self.lost[n])
            self._z[k, n] = z
        return self._z[k, n]

    def _teams(self, chosen: Collection[int]) -> dict[int, list[int]]:
        team: dict[int, list[int]] = defaultdict(list)
        for k in chosen:
            team[int(self.m.problem.pair_project[k])].append(k)
        return team

    def _staff(self, k: int) -> str:
        problem = self.m.problem
        return problem.staff_ids[int(problem.pair_staff[k])]

    def _school(self, k: int) -> str:
        problem = self.m.problem
        return problem.school_ids[int(problem.staff_school[problem.pair_staff[k]])]

    def _limit(self, resource: tuple[str, str]) -> int:
        kind, who = resource
        # A school missing from max_out (none given) is never constrained.
        return 1 if kind == _PERSON else self.max_out.get(who, 2**31)
