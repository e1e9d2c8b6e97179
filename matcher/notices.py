"""Who to tell about a re-plan, and what: one notice per person or school, in plain English.

A plan made from a published one (``plan(previous=...)``) changes some teams and dates; each
change is told to everyone it touches:

* a reviewer taken off or put on a team: that reviewer;
* a reviewer who stays on a team and becomes or stops being its lead: that reviewer, and the
  host school (who its lead is);
* a visit day or presentation moved, added or cancelled: every reviewer on it (before and
  after) who stays on the team (one taken off or put on hears it with that change);
* every change to a project: its host school;
* every change to a reviewer's days (on or off a team, a visit of theirs moved, added or
  cancelled): the school that releases them.

A notice gathers all of its recipient's changes, sorted by date, and names only what they need:
project titles, host schools, dates, and the reviewers on their own teams or visits (never
anyone's email; a staff notice's email is the recipient's own).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from matcher.changes import SUMMARY_KINDS, Change, event_label
from matcher.model import Project, Round, Schedule, ScheduledEvent

RecipientKind = Literal["staff", "school"]
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LAST = dt.date.max  # items with no date come after dated ones


@dataclass(frozen=True)
class Notice:
    """One recipient's message: ``changes`` counts the change rows it tells them about."""

    recipient_kind: RecipientKind
    recipient_id: str
    name: str
    email: str
    changes: int
    text: str


@dataclass(frozen=True, order=True)
class _Item:
    """One sentence of a notice, in date order."""

    day: dt.date
    project_id: str
    text: str


@dataclass
class _Draft:
    items: set[_Item] = field(default_factory=set)
    changes: set[Change] = field(default_factory=set)


def nice_date(day: dt.date) -> str:
    """``Tue 12 Jan 2027``, the same whatever the machine's locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _dates(days: Iterable[dt.date]) -> str:
    ordered = [nice_date(d) for d in sorted(set(days))]
    if len(ordered) <= 1:
        return "".join(ordered)
    return ", ".join(ordered[:-1]) + " and " + ordered[-1]


def build_notices(
    round_: Round,
    changes: Sequence[Change],
    before: Schedule | None,
    after: Schedule | None,
) -> tuple[Notice, ...]:
    """Every notice for ``changes`` (from :func:`matcher.changes.diff_plans`), staff first,
    each kind by id; ``before`` and ``after`` are the published and the new schedules."""
    writer = _Writer(round_, before, after)
    writer.switched = {
        (c.project_id, c.staff_id)
        for c in changes
        if c.kind in ("reviewer_removed", "reviewer_added")
    }
    for change in changes:
        writer.add(change)
    return writer.notices()


class _Writer:
    def __init__(self, round_: Round, before: Schedule | None, after: Schedule | None) -> None:
        self.round = round_
        self.before = () if before is None else before.events
        self.after = () if after is None else after.events
        self.drafts: dict[tuple[RecipientKind, str], _Draft] = defaultdict(_Draft)
        self.names = {s.staff_id: s.name for s in round_.staff}
        # (project, reviewer) taken off or put on the team: told that, not each visit again.
        self.switched: set[tuple[str, str]] = set()
        self.title = f"{round_.settings.name}, round {round_.settings.number}"

    # -- names ------------------------------------------------------------------------------

    def person(self, staff_id: str) -> str:
        member = self.round.staff_by_id.get(staff_id)
        return staff_id if member is None else member.name

    def school(self, school_id: str) -> str:
        found = self.round.school_by_id.get(school_id)
        return school_id if found is None else found.name

    def review(self, project_id: str) -> str:
        """``the peer review of <area> at <host> ("<title>")``."""
        project = self.round.project_by_id.get(project_id)
        if project is None:
            return f"the peer review {project_id}"
        return (
            f"the peer review of {project.area} at {self.school(project.host_school_id)} "
            f'("{project.title}")'
        )

    # -- recipients -------------------------------------------------------------------------

    def tell(self, kind: RecipientKind, recipient: str, change: Change, item: _Item) -> None:
        draft = self.drafts[(kind, recipient)]
        draft.items.add(item)
        if change.kind not in SUMMARY_KINDS:
            draft.changes.add(change)

    def tell_school_of(self, staff_id: str, change: Change, item: _Item) -> None:
        member = self.round.staff_by_id.get(staff_id)
        if member is not None:
            self.tell("school", member.school_id, change, item)

    def tell_host(self, change: Change, item: _Item) -> None:
        project = self.round.project_by_id.get(change.project_id)
        if project is not None:
            self.tell("school", project.host_school_id, change, item)

    # -- changes ----------------------------------------------------------------------------

    def add(self, change: Change) -> None:
        if change.kind in ("reviewer_removed", "reviewer_added"):
            self.reviewer(change)
        elif change.kind in ("visit_moved", "visit_added", "visit_cancelled"):
            self.visit(change)
        elif change.kind == "role_changed":
            self.role(change)
        else:
            self.project(change)

    def days_of(self, events: Iterable[ScheduledEvent], change: Change) -> list[dt.date]:
        return [
            e.date
            for e in events
            if e.project_id == change.project_id and change.staff_id in e.staff_ids
        ]

    def reviewer(self, change: Change) -> None:
        removed = change.kind == "reviewer_removed"
        days = self.days_of(self.before if removed else self.after, change)
        first = min(days, default=_LAST)
        name, review = self.person(change.staff_id), self.review(change.project_id)
        why = _reason(change.reason, name, self.names)
        if removed:
            own = f"You are no longer on the team for {review}{_reason(change.reason, '', {})}."
            host = f"{name} is no longer on the team for {review}{why}."
            release = f"{name} is no longer on the team for {review}{why}."
            if days:
                own += f" Your visit days on {_dates(days)} are cancelled."
                host += f" They will not visit on {_dates(days)}."
                release += f" They no longer need release on {_dates(days)}."
        else:
            own = f"You are now on the team for {review}."
            host = f"{name} joins the team for {review}."
            release = f"{name} joins the team for {review}."
            if days:
                own += f" Your visit days: {_dates(days)}."
                host += f" They will visit on {_dates(days)}."
                release += f" They need release on {_dates(days)}."
        self.tell("staff", change.staff_id, change, _Item(first, change.project_id, own))
        self.tell_host(change, _Item(first, change.project_id, host))
        self.tell_school_of(change.staff_id, change, _Item(first, change.project_id, release))

    def role(self, change: Change) -> None:
        days = self.days_of(self.after, change)
        item = min(days, default=_LAST)
        name, review = self.person(change.staff_id), self.review(change.project_id)
        if change.new == "lead":
            own = f"You are now the lead reviewer for {review}; the rest of your part is as before."
            host = f"{name} now leads the team for {review}."
        else:
            own = f"You are no longer the lead reviewer for {review}; you stay on the team."
            host = f"{name} no longer leads the team for {review}."
        self.tell("staff", change.staff_id, change, _Item(item, change.project_id, own))
        self.tell_host(change, _Item(item, change.project_id, host))

    def event(self, events: Iterable[ScheduledEvent], change: Change, day: str) -> tuple[str, ...]:
        """The team on the change's event on ``day`` (ISO), in ``events``."""
        for e in events:
            number = event_label(e)
            same = e.project_id == change.project_id and number == change.visit_no
            if same and day and e.date.isoformat() == day:
                return e.staff_ids
        return ()

    def visit(self, change: Change) -> None:
        old_team = set(self.event(self.before, change, change.old))
        new_team = set(self.event(self.after, change, change.new))
        told = {s for s in old_team | new_team if (change.project_id, s) not in self.switched}
        what = _what(self.round.project_by_id.get(change.project_id), change)
        day = min(dt.date.fromisoformat(d) for d in (change.old, change.new) if d)
        review = self.review(change.project_id)
        sentence = f"{_when(change)}: {what} for {review} {_how(change)}"
        sentence += _reason(change.reason, "a reviewer", self.names)
        for staff_id in sorted(told):
            self.tell("staff", staff_id, change, _Item(day, change.project_id, sentence + "."))
            release = f"{sentence}; {self.person(staff_id)} is on it."
            self.tell_school_of(staff_id, change, _Item(day, change.project_id, release))
        names = ", ".join(self.person(s) for s in sorted(old_team | new_team))
        host = sentence + (f" (team: {names})." if names else ".")
        self.tell_host(change, _Item(day, change.project_id, host))

    def project(self, change: Change) -> None:
        review = self.review(change.project_id)
        if change.kind == "project_unstaffed":
            why = _reason(change.reason, "a reviewer", self.names)
            text = f"No team could be kept for {review}{why}."
        else:
            text = f"A team has been found for {review}."
        self.tell_host(change, _Item(_LAST, change.project_id, text))

    # -- output -----------------------------------------------------------------------------

    def notices(self) -> tuple[Notice, ...]:
        found = []
        for (kind, recipient), draft in sorted(self.drafts.items()):
            if not draft.changes:
                continue  # only summaries: nothing of theirs changed
            if kind == "staff":
                member = self.round.staff_by_id.get(recipient)
                name = recipient if member is None else member.name
                email = "" if member is None else member.email
            else:
                name, email = self.school(recipient), ""
            text = _letter(kind, name, sorted(draft.items), self.title, bool(self.after))
            found.append(Notice(kind, recipient, name, email, len(draft.changes), text))
        return tuple(sorted(found, key=lambda n: (n.recipient_kind != "staff", n.recipient_id)))


def _what(project: Project | None, change: Change) -> str:
    if change.visit_no == "p":
        return "the findings presentation"
    if change.visit_no == "s":
        return "the scoping meeting"
    if change.visit_no == "g":
        return "the governors' presentation"
    days = "" if project is None or project.visit_days == 1 else " (one of its days)"
    return f"visit {change.visit_no}{days}"


def _when(change: Change) -> str:
    return nice_date(dt.date.fromisoformat(change.old or change.new))


def _how(change: Change) -> str:
    if change.kind == "visit_moved":
        return f"moves to {nice_date(dt.date.fromisoformat(change.new))}"
    if change.kind == "visit_added":
        return "is added"
    return "is cancelled"


def _reason(reason: str, name: str, names: dict[str, str]) -> str:
    """The change's reason in plain words, as a clause: `` (<why>)`` or nothing. ``name`` is
    the reviewer a drop-out or an absence is about (blank: the notice's own recipient);
    ``names`` turns the staff ids a reason may hold into names."""
    if not reason:
        return ""
    if reason.startswith("drop-out"):
        return f" ({name} has withdrawn)" if name else " (you have withdrawn)"
    prefix = "the reviewer is now unavailable on "
    if reason.startswith(prefix):
        day = nice_date(dt.date.fromisoformat(reason[len(prefix) :]))
        return (
            f" ({name} is now unavailable on {day})"
            if name
            else f" (you are now unavailable on {day})"
        )
    return f" ({_plain(reason, names)})"


def _plain(text: str, names: dict[str, str]) -> str:
    """``text`` with every ISO date (YYYY-MM-DD) written as :func:`nice_date` does and every
    word that is a staff id written as that person's name."""
    words = []
    for word in text.split(" "):
        try:
            words.append(nice_date(dt.date.fromisoformat(word)))
        except ValueError:
            words.append(names.get(word, word))
    return " ".join(words)


def _letter(kind: RecipientKind, name: str, items: Sequence[_Item], title: str, dated: bool) -> str:
    greeting = f"Dear {name}," if kind == "staff" else f"Dear colleagues at {name},"
    lines = [greeting, "", f"The peer review plan ({title}) has changed:", ""]
    lines.extend(f"- {item.text}" for item in items)
    lines.append("")
    if dated:
        lines.append("Your calendar file has the update.")
    lines.append("With thanks,")
    lines.append("The alliance coordinator")
    return "\n".join(lines) + "\n"
