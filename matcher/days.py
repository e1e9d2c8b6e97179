"""School days: which dates of a round a visit may use, for whom.

A term day is a weekday inside one of the round's terms (or inside the round when no terms are
given), outside its holidays, not an INSET day and not an England bank holiday (from the
``holidays`` package). A school is open on a term day unless availability.csv marks it
unavailable; a person is free on a day unless they are marked unavailable.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

import holidays

from matcher.model import Availability, DateRange, Settings


def england_bank_holidays(years: Iterable[int]) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)))


def _days(span: DateRange) -> Iterable[dt.date]:
    day = span.start
    while day <= span.end:
        yield day
        day += dt.timedelta(days=1)


class SchoolCalendar:
    """Term days of a round, and who is unavailable or prefers which days."""

    def __init__(self, settings: Settings, availability: Iterable[Availability] = ()) -> None:
        self.settings = settings
        self._unavailable: dict[str, set[dt.date]] = defaultdict(set)
        self._preferred: dict[str, set[dt.date]] = defaultdict(set)
        for row in availability:
            target = self._unavailable if row.kind == "unavailable" else self._preferred
            target[row.id].update(_days(DateRange(start=row.start, end=row.end)))

    @cached_property
    def _terms(self) -> tuple[DateRange, ...]:
        calendar = self.settings.calendar
        whole_round = DateRange(start=self.settings.start, end=self.settings.end)
        return calendar.terms or (whole_round,)

    @cached_property
    def _closed(self) -> frozenset[dt.date]:
        calendar = self.settings.calendar
        closed: set[dt.date] = set(calendar.inset_days)
        for span in calendar.holidays:
            closed.update(_days(span))
        if calendar.bank_holidays:
            years = range(self.settings.start.year, self.settings.end.year + 1)
            closed.update(england_bank_holidays(years))
        return frozenset(closed)

    @cached_property
    def term_days(self) -> tuple[dt.date, ...]:
        """Every term day of the round, in order."""
        round_span = DateRange(start=self.settings.start, end=self.settings.end)
        return tuple(
            day
            for day in _days(round_span)
            if day.weekday() < 5
            and day not in self._closed
            and any(day in term for term in self._terms)
        )

    @cached_property
    def _term_day_set(self) -> frozenset[dt.date]:
        return frozenset(self.term_days)

    def is_term_day(self, day: dt.date) -> bool:
        return day in self._term_day_set

    def school_open(self, school_id: str, day: dt.date) -> bool:
        """Hard: a term day the school has not marked unavailable."""
        return self.is_term_day(day) and day not in self._unavailable.get(school_id, ())

    def person_free(self, staff_id: str, day: dt.date) -> bool:
        """Hard: the person has not marked the day unavailable."""
        return day not in self._unavailable.get(staff_id, ())

    def preferred(self, some_id: str, day: dt.date) -> bool:
        return day in self._preferred.get(some_id, ())

    # The same marks as term-day bit sets (bit t = ``term_days[t]``): a project's usable days
    # over its host, schools and team are then a few integer ORs, not a test per id and day,
    # which matters when a national round dates 20,000 projects.

    def unavailable_bits(self, some_id: str) -> int:
        """Term days the school or person has marked unavailable, as bits."""
        return self._unavailable_bits.get(some_id, 0)

    def preferred_bits(self, some_id: str) -> int:
        """Term days the school or person prefers, as bits."""
        return self._preferred_bits.get(some_id, 0)

    @cached_property
    def _term_index(self) -> dict[dt.date, int]:
        return {day: t for t, day in enumerate(self.term_days)}

    def _as_bits(self, marks: dict[str, set[dt.date]]) -> dict[str, int]:
        index = self._term_index
        bits = {
            some_id: sum(1 << index[d] for d in days if d in index)
            for some_id, days in marks.items()
        }
        return {some_id: b for some_id, b in bits.items() if b}

    @cached_property
    def _unavailable_bits(self) -> dict[str, int]:
        return self._as_bits(self._unavailable)

    @cached_property
    def _preferred_bits(self) -> dict[str, int]:
        return self._as_bits(self._preferred)

    @cached_property
    def last_weeks(self) -> frozenset[dt.date]:
        """Term days in the last seven days of each term (soft: keep visits away from them)."""
        tail: set[dt.date] = set()
        for term in self._terms:
            start = max(term.start, term.end - dt.timedelta(days=6))
            tail.update(d for d in _days(DateRange(start=start, end=term.end)))
        return frozenset(d for d in tail if d in self._term_day_set)

    def cover_cost(self, phase: str) -> int:
        return self.settings.calendar.cover_cost(phase)
