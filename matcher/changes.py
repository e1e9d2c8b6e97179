"""What changed between a published plan and a new one: one row per change, with why.

A reviewer taken off or put on a team is one change; each schedule.csv row (a visit day or a
presentation) moved, added or cancelled is one change. ``project_unstaffed`` and
``project_staffed`` rows say why a whole team and its visits went or came; they are not
counted again (their reviewers and visits have rows of their own). A ``role_changed`` row (a
reviewer who stays on a team and becomes, or stops being, its lead, usually because the lead
left) is not counted either: the issue's count is reviewers on or off and schedule rows, and
the solvers minimise that; the row is there so the reviewer is told.

Shares nothing with the solvers: this is how the product reports changes, and the count the
solvers minimise is checked against it (tests/test_changes.py).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from matcher.days import SchoolCalendar
from matcher.model import Assignment, Plan, Round, Schedule, ScheduledEvent
from matcher.rules import rules_of
from matcher.verify import verify_plan

if TYPE_CHECKING:
    from matcher.notices import Notice

Kind = Literal[
    "reviewer_removed",
    "reviewer_added",
    "visit_moved",
    "visit_added",
    "visit_cancelled",
    "project_unstaffed",
    "project_staffed",
    "role_changed",
]
# Rows that explain others rather than count as changes of their own.
SUMMARY_KINDS: frozenset[str] = frozenset({"project_unstaffed", "project_staffed"})
# Rows that are told but not counted (see the module docstring).
UNCOUNTED_KINDS: frozenset[str] = SUMMARY_KINDS | {"role_changed"}
_PAIR_RULES = frozenset(name for name, r in rules_of("matching").items() if r.kind == "pair")


@dataclass(frozen=True)
class Change:
    """One row of changes.csv. ``visit_no`` is the event's visit number, ``"p"`` for a
    presentation, ``"s"`` for a scoping meeting, ``"g"`` for a governors' presentation;
    ``old`` and ``new`` are dates for visit rows, blank where there is none."""

    kind: Kind
    project_id: str
    staff_id: str = ""
    visit_no: str = ""
    old: str = ""
    new: str = ""
    reason: str = ""

    def sort_key(self) -> tuple[str, ...]:
        return (self.project_id, self.kind, self.staff_id, self.visit_no, self.old, self.new)


@dataclass(frozen=True)
class Revision:
    """A plan made from a published one: what changed, the published plan's folder (whose
    calendars the new ones carry on from), and who to tell (``PlanOutcome.notices``)."""

    changes: tuple[Change, ...]
    published: str | os.PathLike[str]
    notices: tuple[Notice, ...] = ()


def count_changes(changes: Iterable[Change]) -> int:
    """The number of changes: every row but the project summaries and role changes."""
    return sum(1 for c in changes if c.kind not in UNCOUNTED_KINDS)


def diff_plans(
    round_: Round,
    old: tuple[Plan, Schedule | None],
    new: tuple[Plan, Schedule | None],
) -> list[Change]:
    """Every change from ``old`` (plan, schedule) to ``new``, sorted by project and kind."""
    why = _Reasons(round_, old[0], old[1], new[0])
    changes: list[Change] = []
    old_teams, new_teams = _teams(old[0]), _teams(new[0])
    for project_id in sorted(old_teams.keys() - new_teams.keys()):
        changes.append(Change("project_unstaffed", project_id, reason=why.unstaffed(project_id)))
    for project_id in sorted(new_teams.keys() - old_teams.keys()):
        changes.append(Change("project_staffed", project_id))
    for project_id in sorted(old_teams.keys() | new_teams.keys()):
        before, after = old_teams.get(project_id, set()), new_teams.get(project_id, set())
        for staff_id in sorted(before - after):
            reason = why.removed(project_id, staff_id)
            changes.append(Change("reviewer_removed", project_id, staff_id, reason=reason))
        for staff_id in sorted(after - before):
            changes.append(Change("reviewer_added", project_id, staff_id))
    changes.extend(_role_changes(old[0], new[0]))
    changes.extend(_event_changes(why, _events(old[1]), _events(new[1])))
    return sorted(changes, key=Change.sort_key)


def _role_changes(old: Plan, new: Plan) -> list[Change]:
    """Reviewers on a team before and after whose role (lead or member) changed."""
    before = {(a.project_id, a.staff_id): a.role for a in old.assignments}
    return [
        Change("role_changed", a.project_id, a.staff_id, old=role, new=a.role)
        for a in new.assignments
        if (role := before.get((a.project_id, a.staff_id))) is not None and role != a.role
    ]


def _teams(plan: Plan) -> dict[str, set[str]]:
    return {pid: {a.staff_id for a in team} for pid, team in plan.teams_by_project.items()}


def _events(schedule: Schedule | None) -> dict[str, ScheduledEvent]:
    return {} if schedule is None else {e.visit_id: e for e in schedule.events}


# changes.csv visit_no of the events that are not visit days (a visit day gives its number).
EVENT_LABELS = {"presentation": "p", "scoping": "s", "governors": "g"}


def event_label(event: ScheduledEvent) -> str:
    """What changes.csv's visit_no says of an event: its visit's number, or p, s or g."""
    return EVENT_LABELS.get(event.kind, str(event.visit_no))


def _event_changes(
    why: _Reasons, old: dict[str, ScheduledEvent], new: dict[str, ScheduledEvent]
) -> list[Change]:
    found: list[Change] = []
    for visit_id in sorted(old.keys() | new.keys()):
        before, after = old.get(visit_id), new.get(visit_id)
        if before is not None and after is not None:
            if before.date != after.date:
                found.append(
                    Change(
                        "visit_moved",
                        after.project_id,
                        visit_no=event_label(after),
                        old=before.date.isoformat(),
                        new=after.date.isoformat(),
                        reason=why.moved(before),
                    )
                )
        elif before is not None:
            found.append(
                Change(
                    "visit_cancelled",
                    before.project_id,
                    visit_no=event_label(before),
                    old=before.date.isoformat(),
                    reason=why.cancelled(before),
                )
            )
        elif after is not None:
            found.append(
                Change(
                    "visit_added",
                    after.project_id,
                    visit_no=event_label(after),
                    new=after.date.isoformat(),
                )
            )
    return found


class _Reasons:
    """Plain words for a change, where the input says why: a drop-out, a new unavailability, a
    pair rule the reviewer now breaks, a project the new plan could not staff."""

    def __init__(
        self, round_: Round, old_plan: Plan, old_schedule: Schedule | None, new_plan: Plan
    ) -> None:
        self.round = round_
        self.calendar = SchoolCalendar(round_.settings, round_.availability)
        self.old_dates: dict[str, list[dt.date]] = {}
        for e in () if old_schedule is None else old_schedule.events:
            self.old_dates.setdefault(e.project_id, []).append(e.date)
        self.unfilled = {u.project_id: u.reason for u in new_plan.unfilled}
        self.new_teams = _teams(new_plan)

    def unstaffed(self, project_id: str) -> str:
        if project_id not in self.round.project_by_id:
            return "the project is no longer in projects.csv"
        return self.unfilled.get(project_id, "")

    def removed(self, project_id: str, staff_id: str) -> str:
        person = self.round.staff_by_id.get(staff_id)
        if person is None:
            return "the reviewer is no longer in staff.csv"
        if person.max_days == 0:
            return "drop-out: max_days is 0"
        if project_id not in self.round.project_by_id:
            return "the project is no longer in projects.csv"
        busy = [
            d
            for d in self.old_dates.get(project_id, [])
            if not self.calendar.person_free(staff_id, d)
        ]
        if busy:
            return f"the reviewer is now unavailable on {min(busy).isoformat()}"
        broken = [
            v
            for v in verify_plan(
                self.round,
                Plan(assignments=(Assignment(project_id=project_id, staff_id=staff_id),)),
            )
            if v.rule in _PAIR_RULES
        ]
        if broken:
            return f"now breaks the {broken[0].rule} rule: {broken[0].message}"
        if project_id not in self.new_teams:
            return "the project is no longer staffed"
        return ""

    def moved(self, event: ScheduledEvent) -> str:
        blocked = self._blocked(event)
        if blocked:
            return blocked
        team = self.new_teams.get(event.project_id, set())
        if team != set(event.staff_ids):
            return "the team changed"
        return ""

    def cancelled(self, event: ScheduledEvent) -> str:
        if event.project_id not in self.new_teams:
            return "the project is no longer staffed"
        return self._blocked(event) or "the project's visits changed"

    def _blocked(self, event: ScheduledEvent) -> str:
        if not self.calendar.is_term_day(event.date):
            return f"{event.date.isoformat()} is no longer a school day"
        if not self.calendar.school_open(event.host_school_id, event.date):
            return f"the host is now unavailable on {event.date.isoformat()}"
        for staff_id in event.staff_ids:
            if staff_id in self.round.staff_by_id and not self.calendar.person_free(
                staff_id, event.date
            ):
                return f"{staff_id} is now unavailable on {event.date.isoformat()}"
        return ""
