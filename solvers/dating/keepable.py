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

from collections import defaultdict
from collections.abc import Mapping, Sequence

from matcher.days import SchoolCalendar
from matcher.model import Project, Round, ScheduledEvent
from solvers.dating.encode import DatedProject, _with_locks, dated_project
from solvers.matching.changes import PublishedRows, RowGroup


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
    for project in round_.projects:
        pid = project.project_id
        rows = by_project.pop(pid, [])
        added[pid] = sum(1 for visit_id in _row_ids(project) if visit_id not in published)
        if rows:
            lookup = _Lookup(round_, calendar, project, candidates.get(pid, ()))
            groups.extend(lookup.groups(rows))
    # Rows of projects gone from projects.csv change (are cancelled) whatever the plan.
    groups.extend(
        RowGroup(pid, len(rows), frozenset(), forced=True) for pid, rows in by_project.items()
    )
    return PublishedRows(tuple(groups), added)


def _row_ids(project: Project) -> list[str]:
    """The schedule.csv visit ids a dated project has (as ``solvers.dating.strategy``)."""
    pid = project.project_id
    ids = [
        f"{pid}-v{v + 1}-d{d + 1}" for v in range(project.visits) for d in range(project.visit_days)
    ]
    return [*ids, f"{pid}-p"] if project.presentation else ids


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

    def _has_days_off(self, staff_id: str) -> bool:
        home = self.round.staff_by_id[staff_id].school_id
        return bool(self.calendar.unavailable_bits(staff_id) | self.calendar.unavailable_bits(home))

    def _with(self, staff_id: str) -> DatedProject:
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

    def _key(self, event: ScheduledEvent) -> tuple[int, int | None]:
        """(visit index, or -1 for the presentation; the start that keeps the row, if any)."""
        t = self.index.get(event.date)
        if event.kind == "presentation":
            return -1, t if self.project.presentation else None
        v, d = event.visit_no - 1, event.day_no - 1
        if t is None or v >= self.project.visits or d >= self.project.visit_days:
            return v, None
        return v, t - d

    def _group(self, key: tuple[int, int | None], count: int) -> RowGroup:
        pid = self.project.project_id
        if not self._allowed(self.alone, key):
            return RowGroup(pid, count, frozenset(), forced=True)
        blocked = frozenset(p for p in self.people if not self._allowed(self._with(p), key))
        return RowGroup(pid, count, blocked, forced=False)

    @staticmethod
    def _allowed(dated: DatedProject, key: tuple[int, int | None]) -> bool:
        visit, start = key
        if start is None:
            return False
        if visit < 0:
            return start in dated.presentation_days
        locked = dated.locked_starts.get(visit)
        return start in dated.starts and (locked is None or locked == start)

