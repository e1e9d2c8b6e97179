"""Which published schedule rows a team could keep on their dates: what the matching change
stage needs to weigh dates it cannot see.

A re-plan counts each schedule.csv row moved, added or cancelled as one change, like each
reviewer taken off or put on a team (docs/model.md). Teams are chosen before any date is set,
so the matching stage is told, for each published visit, what rules out keeping it on its
date: the visit itself (the host closed that day, the window moved, a lock elsewhere, a visit
the project no longer has: no team keeps it), or one reviewer's own or school's calendar.

Both come from the dating encoder's own allowed starts (``dated_project`` for the project
alone and with one reviewer), so a row counted here as lost is lost in every schedule the
dating model can make with that team. The count is a lower bound on the rows a team choice
changes (other visits may still push a kept row off its date), which keeps the matching
stage's proven bound a bound on the whole change count.

The records are the matching stage's (``solvers.matching.changes``): dating follows matching
in the flow, so this drawer may know that one's inputs, never the other way round.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set

from matcher.days import SchoolCalendar
from matcher.model import Project, Round, ScheduledEvent
from solvers.dating.encode import DatedProject, _with_locks, dated_project, earliest_dates
from solvers.matching.changes import GOVERNORS, SCOPING, KnockOn, PublishedRows, RowGroup

_EXTRA_ITEMS = {"scoping": SCOPING, "governors": GOVERNORS}


def published_rows(
    round_: Round,
    published: Mapping[str, ScheduledEvent],
    candidates: Mapping[str, Sequence[str]],
) -> PublishedRows:
    """The published rows (events by visit_id) grouped by visit, each group with what rules
    out keeping it; ``candidates`` are each project's possible reviewers (staff ids)."""
    calendar = SchoolCalendar(round_.settings, round_.availability)
    by_project: dict[str, list[ScheduledEvent]] = defaultdict(list)
    for event in published.values():
        by_project[event.project_id].append(event)
    groups: list[RowGroup] = []
    added: dict[str, int] = {}
    knock_on: dict[str, tuple[KnockOn, ...]] = {}
    for project in round_.projects:
        pid = project.project_id
        rows = by_project.pop(pid, [])
        added[pid] = sum(1 for visit_id in _row_ids(project) if visit_id not in published)
        if rows:
            lookup = _Lookup(round_, calendar, project, candidates.get(pid, ()))
            mine = lookup.groups(rows)
            groups.extend(mine)
            if table := lookup.knock_on(mine):
                knock_on[pid] = table
    # Rows of projects gone from projects.csv change (are cancelled) whatever the plan.
    groups.extend(
        RowGroup(pid, len(rows), frozenset(), forced=True) for pid, rows in by_project.items()
    )
    max_out = {school.school_id: school.max_staff_out_per_day for school in round_.schools}
    return PublishedRows(tuple(groups), added, knock_on, max_out)


def undatable_pairs(
    round_: Round, candidates: Mapping[str, Sequence[str]]
) -> set[tuple[str, str]]:
    """(staff id, project id) candidate pairs whose reviewer alone leaves the project no dates
    (their own or their school's unavailable days): no plan has them, so a re-plan rules them
    out before matching rather than after a round of feedback."""
    calendar = SchoolCalendar(round_.settings, round_.availability)
    days = calendar.term_days
    found: set[tuple[str, str]] = set()
    for project in round_.projects:
        lookup = _Lookup(round_, calendar, project, candidates.get(project.project_id, ()))
        found.update(
            (person, project.project_id)
            for person in lookup.people
            if earliest_dates(days, lookup.with_person(person)) is None
        )
    return found


def _row_ids(project: Project) -> list[str]:
    """The schedule.csv visit ids a dated project has (as ``solvers.dating.strategy``)."""
    pid = project.project_id
    ids = [
        f"{pid}-v{v + 1}-d{d + 1}" for v in range(project.visits) for d in range(project.visit_days)
    ]
    asked = (
        (project.presentation, "p"),
        (project.scoping_meeting, "s"),
        (project.governors_presentation, "g"),
    )
    return [*ids, *(f"{pid}-{suffix}" for wanted, suffix in asked if wanted)]


class _Lookup:
    """One project's allowed starts, alone and with each candidate who has days off."""

    def __init__(
        self, round_: Round, calendar: SchoolCalendar, project: Project, people: Sequence[str]
    ) -> None:
        self.round, self.calendar, self.project = round_, calendar, project
        self.days = calendar.term_days
        self.index = {day: t for t, day in enumerate(self.days)}
        self.alone = _with_locks(round_, self.days, dated_project(round_, calendar, project, []))
        # Only someone with unavailable days (or whose school has some) can block a date.
        self.people = [p for p in people if self._has_days_off(p)]
        self.with_one: dict[str, DatedProject] = {}
        self._starts: dict[int, int] = {}  # item -> the start (or day) that keeps it

    def _has_days_off(self, staff_id: str) -> bool:
        home = self.round.staff_by_id[staff_id].school_id
        return bool(self.calendar.unavailable_bits(staff_id) | self.calendar.unavailable_bits(home))

    def with_person(self, staff_id: str) -> DatedProject:
        if staff_id not in self.with_one:
            self.with_one[staff_id] = dated_project(
                self.round, self.calendar, self.project, [staff_id]
            )
        return self.with_one[staff_id]

    def groups(self, rows: Sequence[ScheduledEvent]) -> list[RowGroup]:
        """Rows of one visit that share a start form a group: they are kept or lost together."""
        keyed: dict[tuple[int, int | None], int] = defaultdict(int)
        for event in rows:
            keyed[self._key(event)] += 1
        return [self._group(key, count) for key, count in sorted(keyed.items(), key=str)]

    def knock_on(self, groups: Sequence[RowGroup]) -> tuple[KnockOn, ...]:
        """For each set of items that can be pushed off their dates, the further rows of the
        project's other items that must then change too: with any team (staff id ""), and
        with each reviewer who pushes some off on the team (``_Items``)."""
        kept = [g for g in groups if not g.forced and g.item >= 0]
        if len({g.item for g in kept}) < len(kept):
            return ()  # an item on two starts (a hand-edited schedule): not weighed
        items = {g.item: (self._starts[g.item], g.rows) for g in kept}
        blockable = {g.item for g in kept if g.blocked_by}
        table = [
            KnockOn("", lost, extra)
            for lost, extra in _Items(self, self.alone, items).knock_on(blockable)
        ]
        for person in sorted({p for g in kept for p in g.blocked_by}):
            table.extend(
                KnockOn(person, lost, extra)
                for lost, extra in _Items(self, self.with_person(person), items).knock_on(
                    blockable
                )
            )
        return tuple(table)

    def _key(self, event: ScheduledEvent) -> tuple[int, int | None]:
        """(visit index, the visit count for the presentation, or a negative item for the
        scoping meeting and governors' presentation; the start or day that keeps the row, if
        any)."""
        t = self.index.get(event.date)
        extra = _EXTRA_ITEMS.get(event.kind)
        if extra is not None:
            project = self.project
            asked = project.scoping_meeting if extra == SCOPING else project.governors_presentation
            return extra, t if asked else None
        if event.kind == "presentation":
            return self.project.visits, t if self.project.presentation else None
        v, d = event.visit_no - 1, event.day_no - 1
        if t is None or v >= self.project.visits or d >= self.project.visit_days:
            return v, None
        return v, t - d

    def _group(self, key: tuple[int, int | None], count: int) -> RowGroup:
        pid, (item, start) = self.project.project_id, key
        if start is None or not self._allowed(self.alone, key):
            return RowGroup(pid, count, frozenset(), forced=True, item=item)
        blocked = frozenset(p for p in self.people if not self._allowed(self.with_person(p), key))
        if item < 0:
            # Blocked by the people who could not attend on that day: for the scoping meeting,
            # as its one attendee (``solvers.matching.changes`` weighs who leads). A first
            # visit moved earlier than it is left to the dating stage: the count stays a
            # lower bound.
            return RowGroup(pid, count, blocked, forced=False, item=item)
        self._starts[item] = start
        visit = item < self.project.visits
        days = tuple(range(start, start + self.project.visit_days)) if visit else (start,)
        return RowGroup(pid, count, blocked, forced=False, item=item, days=days, away=visit)

    def _allowed(self, dated: DatedProject, key: tuple[int, int | None]) -> bool:
        visit, start = key
        if start is None:
            return False
        if visit == SCOPING:
            return start in dated.scoping_days
        if visit == GOVERNORS:
            return start in dated.governors_days
        if visit >= self.project.visits:
            return start in dated.presentation_days
        locked = dated.locked_starts.get(visit)
        return start in dated.starts and (locked is None or locked == start)



class _Items:
    """The dating model's visit order for one project (``add_visit_order``: visits in order,
    at least ``min_gap`` calendar days apart, the presentation after the last), on the starts
    ``dated`` allows (the project alone, or with one reviewer: a superset of what any team
    with them allows). Items are visits by index and the presentation (index ``visits``);
    kept items stay on their published start. The fewest rows that change when some items
    cannot stay is then a lower bound on what the dates of any such team change."""

    def __init__(
        self, lookup: _Lookup, dated: DatedProject, items: Mapping[int, tuple[int, int]]
    ) -> None:
        self.dated, self.locked = dated, lookup.alone.locked_starts
        self.visits, self.presentation = lookup.project.visits, lookup.project.presentation
        self.items = items  # item -> (published start, rows)
        self.ordinal = [day.toordinal() for day in lookup.days]

    def knock_on(self, blockable: Set[int]) -> list[tuple[frozenset[int], int]]:
        """For each set of ``blockable`` items lost, the further rows that must change."""
        table = []
        everything = sum(rows for _start, rows in self.items.values())
        for size in range(1, len(blockable) + 1):
            for lost in itertools.combinations(sorted(blockable), size):
                own = sum(self.items[i][1] for i in lost)
                least = self._least(frozenset(lost), everything)
                if least > own:
                    table.append((frozenset(lost), least - own))
        return table

    def _least(self, lost: frozenset[int], everything: int) -> int:
        """The fewest rows changed with ``lost`` off their starts: the cheapest set of items
        to move, containing them, that leaves the rest a valid order."""
        others = sorted(set(self.items) - lost)
        best = everything
        for size in range(len(others) + 1):
            for more in itertools.combinations(others, size):
                moved = lost | set(more)
                rows = sum(self.items[i][1] for i in moved)
                if rows < best and self._fits(moved):
                    best = rows
        return best

    def _fits(self, moved: Set[int]) -> bool:
        ordinal = self.ordinal
        last: int | None = None  # ordinal of the previous visit's last day
        length, gap = self.dated.visit_days, self.dated.min_gap
        for v in range(self.visits):
            locked = self.locked.get(v)
            if v in self.items and v not in moved:
                choices: tuple[int, ...] = (self.items[v][0],)
            else:
                choices = self.dated.starts if locked is None else (locked,)
            start = next((t for t in choices if last is None or ordinal[t] - last >= gap), None)
            if start is None or start + length - 1 >= len(ordinal):
                return False
            last = ordinal[start + length - 1]
        if not self.presentation:
            return True
        talk = self.visits
        kept = talk in self.items and talk not in moved
        days = (self.items[talk][0],) if kept else self.dated.presentation_days
        return any(last is None or ordinal[t] > last for t in days)
