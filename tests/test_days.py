"""School days (matcher.days): which dates a visit may use, and for whom.

Most tests use the spring term 2027 of the bundled sample, small enough to check on a wall
calendar: terms 4 January to 12 February and 22 February to 26 March (half term 15-19
February), an INSET day on Monday 4 January, and Good Friday (26 March) a bank holiday.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pytest

from matcher.days import SchoolCalendar, england_bank_holidays
from matcher.model import Availability, CalendarSettings, DateRange, Settings

# The published list, kept beside the repository (in ../shared), not inside it.
SHARED = Path(__file__).resolve().parents[2] / "shared"
OFFICIAL_BANK_HOLIDAYS = SHARED / "data" / "calendar" / "england_bank_holidays.csv"

D = dt.date


def spring_2027(**calendar: Any) -> Settings:
    """The sample's round and calendar; keyword arguments replace calendar settings."""
    fields: dict[str, Any] = {
        "terms": [
            DateRange(start=D(2027, 1, 4), end=D(2027, 2, 12)),
            DateRange(start=D(2027, 2, 22), end=D(2027, 3, 26)),
        ],
        "inset_days": [D(2027, 1, 4)],
        **calendar,
    }
    return Settings(
        name="Spring 2027",
        start=D(2027, 1, 4),
        end=D(2027, 3, 26),
        calendar=CalendarSettings.model_validate(fields),
    )


def away(
    some_id: str,
    start: dt.date,
    end: dt.date | None = None,
    kind: Literal["unavailable", "preferred"] = "unavailable",
) -> Availability:
    """One availability.csv row; a single day unless ``end`` is given."""
    return Availability(id=some_id, start=start, end=end or start, kind=kind)


# --- term days ---------------------------------------------------------------------------------


def test_term_days_are_the_weekdays_of_the_terms_less_closures() -> None:
    days = SchoolCalendar(spring_2027()).term_days
    # 11 weeks of terms = 55 weekdays, less the INSET day and Good Friday.
    assert len(days) == 53
    assert days[0] == D(2027, 1, 5), "4 January is an INSET day"
    assert days[-1] == D(2027, 3, 25), "26 March is Good Friday"
    assert all(day.weekday() < 5 for day in days)
    assert list(days) == sorted(days)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2027, 1, 9), "a Saturday"),
        (D(2027, 1, 10), "a Sunday"),
        (D(2027, 1, 4), "an INSET day"),
        (D(2027, 2, 15), "half term: between the terms"),
        (D(2027, 2, 19), "half term: between the terms"),
        (D(2027, 3, 26), "Good Friday, a bank holiday"),
        (D(2027, 1, 1), "before the round"),
        (D(2027, 3, 29), "Easter Monday, after the round"),
    ],
)
def test_these_are_not_term_days(day: dt.date, why: str) -> None:
    assert not SchoolCalendar(spring_2027()).is_term_day(day), why


@pytest.mark.parametrize("day", [D(2027, 1, 5), D(2027, 2, 12), D(2027, 2, 22), D(2027, 3, 25)])
def test_these_are_term_days(day: dt.date) -> None:
    assert SchoolCalendar(spring_2027()).is_term_day(day)


def test_holidays_close_days_inside_a_term() -> None:
    closure = DateRange(start=D(2027, 3, 1), end=D(2027, 3, 2))
    calendar = SchoolCalendar(spring_2027(holidays=[closure]))
    assert not calendar.is_term_day(D(2027, 3, 1))
    assert not calendar.is_term_day(D(2027, 3, 2))
    assert calendar.is_term_day(D(2027, 3, 3))


def test_a_bank_holiday_is_a_term_day_when_bank_holidays_are_switched_off() -> None:
    calendar = SchoolCalendar(spring_2027(bank_holidays=False))
    assert calendar.is_term_day(D(2027, 3, 26))
    assert len(calendar.term_days) == 54


def test_without_terms_the_whole_round_is_term_time() -> None:
    calendar = SchoolCalendar(spring_2027(terms=[], inset_days=[]))
    assert calendar.is_term_day(D(2027, 2, 17)), "no half term unless one is given"
    assert calendar.term_days[0] == D(2027, 1, 4)
    assert not calendar.is_term_day(D(2027, 3, 26)), "bank holidays still close schools"


# --- bank holidays -----------------------------------------------------------------------------


def official_bank_holidays(years: range) -> set[dt.date]:
    """England and Wales bank holidays from the published list, for some years."""
    if not OFFICIAL_BANK_HOLIDAYS.exists():
        pytest.skip(f"{OFFICIAL_BANK_HOLIDAYS} is not here (it lives outside the repository)")
    with OFFICIAL_BANK_HOLIDAYS.open(encoding="utf-8") as handle:
        return {
            D.fromisoformat(row["date"])
            for row in csv.DictReader(handle)
            if row["division"] == "england-and-wales" and D.fromisoformat(row["date"]).year in years
        }


def test_bank_holidays_match_the_official_list_on_weekdays() -> None:
    years = range(2024, 2028)
    official = official_bank_holidays(years)
    from_package = england_bank_holidays(years)
    # The package also lists a holiday on the weekend day it falls (Boxing Day 2026 is a
    # Saturday) beside its weekday substitute; only weekdays can close a school.
    assert {day for day in from_package if day.weekday() < 5} == official
    assert len(official) == 32


def test_substitute_days_close_schools() -> None:
    # Christmas Day and Boxing Day 2027 fall on a weekend; the 27th and 28th are bank holidays.
    holidays = england_bank_holidays([2027])
    assert {D(2027, 12, 27), D(2027, 12, 28)} <= holidays


# --- availability ------------------------------------------------------------------------------


def test_a_school_marked_unavailable_is_closed_on_those_days_only() -> None:
    mocks = away("910011", D(2027, 1, 11), D(2027, 1, 15))
    calendar = SchoolCalendar(spring_2027(), [mocks])
    assert not calendar.school_open("910011", D(2027, 1, 11))
    assert not calendar.school_open("910011", D(2027, 1, 15))
    assert calendar.school_open("910011", D(2027, 1, 18))
    assert calendar.school_open("910012", D(2027, 1, 12)), "other schools are open"


def test_no_school_is_open_outside_term_days() -> None:
    calendar = SchoolCalendar(spring_2027())
    assert not calendar.school_open("910011", D(2027, 2, 16))
    assert calendar.school_open("910011", D(2027, 2, 22))


def test_a_person_marked_unavailable_is_not_free_that_day() -> None:
    calendar = SchoolCalendar(spring_2027(), [away("S014", D(2027, 2, 4))])
    assert not calendar.person_free("S014", D(2027, 2, 4))
    assert calendar.person_free("S014", D(2027, 2, 3))
    assert calendar.person_free("S015", D(2027, 2, 4))


def test_preferred_days_are_looked_up_by_id_and_do_not_close_anything() -> None:
    liked = away("S031", D(2027, 3, 9), D(2027, 3, 10), kind="preferred")
    calendar = SchoolCalendar(spring_2027(), [liked])
    assert calendar.preferred("S031", D(2027, 3, 9))
    assert calendar.preferred("S031", D(2027, 3, 10))
    assert not calendar.preferred("S031", D(2027, 3, 11))
    assert not calendar.preferred("S032", D(2027, 3, 9))
    assert calendar.person_free("S031", D(2027, 3, 9))


# --- last weeks and cover -----------------------------------------------------------------------


def test_last_weeks_are_the_term_days_of_each_terms_final_seven_days() -> None:
    last = SchoolCalendar(spring_2027()).last_weeks
    first_term = {D(2027, 2, day) for day in range(8, 13)}  # Monday 8 to Friday 12 February
    # 20 to 26 March less Good Friday and the weekend.
    second_term = {D(2027, 3, day) for day in range(22, 26)}
    assert last == first_term | second_term


def test_last_weeks_never_include_closed_days() -> None:
    calendar = SchoolCalendar(spring_2027(inset_days=[D(2027, 2, 12)]))
    assert D(2027, 2, 12) not in calendar.last_weeks
    assert D(2027, 2, 11) in calendar.last_weeks


def test_cover_cost_is_by_phase_with_a_default() -> None:
    calendar = SchoolCalendar(spring_2027(cover_cost_per_day={"primary": 150}))
    assert calendar.cover_cost("primary") == 150
    assert calendar.cover_cost("special") == 200


def test_a_grid_reference_becomes_the_ordnance_surveys_own_worked_latitude_and_longitude() -> None:
    from matcher.travel import GridRef, grid_to_latlon

    # The worked example of the OS guide to coordinate systems: 52°39'27.2531"N 1°43'4.5177"E.
    where = grid_to_latlon(GridRef(651409.903, 313177.270))
    assert abs(where.latitude - (52 + 39 / 60 + 27.2531 / 3600)) < 1e-6
    assert abs(where.longitude - (1 + 43 / 60 + 4.5177 / 3600)) < 1e-6
