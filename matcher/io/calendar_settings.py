"""The ``[calendar]`` settings that are not plain numbers or words: date ranges, dates, times,
a cost per phase and a time zone, written in round.toml or in a workbook's ``round`` sheet.

round.toml can hold them as TOML values (``terms = [{start = 2027-01-04, end = 2027-02-12}]``,
``cover_cost_per_day = {primary = 180}``), but a sheet cell holds only text, so each also has
a compact text form, accepted in both places:

- date ranges: ``2027-01-04..2027-02-12; 2027-02-22..2027-03-26`` (a lone date is one day)
- dates: ``2027-01-04; 2027-02-22``
- a cost per phase: ``primary=180; secondary=220``
- a time: ``08:45``

``convert`` turns either form into what ``matcher.model.CalendarSettings`` takes, and raises
``CellError`` in the user's words; ``check_calendar`` then compares settings with each other
and with the round's dates. ``to_text`` writes a value back in the compact form.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from matcher.days import SchoolCalendar
from matcher.io import cells
from matcher.io.problems import ProblemLog
from matcher.model import POUNDS, CalendarSettings, DateRange, Phase, Settings

RANGE_SEPARATOR = ".."
PAIR_SEPARATOR = "="
RANGE_EXPECTED = (
    "a date range written YYYY-MM-DD..YYYY-MM-DD, "
    "or in round.toml {start = YYYY-MM-DD, end = YYYY-MM-DD}"
)
RANGES_EXPECTED = (
    "a list of date ranges (YYYY-MM-DD..YYYY-MM-DD separated by ;, "
    "or in round.toml [{start = YYYY-MM-DD, end = YYYY-MM-DD}, ...])"
)
DATES_EXPECTED = "a list of dates (YYYY-MM-DD separated by ;, or in round.toml [YYYY-MM-DD, ...])"
COSTS_EXPECTED = (
    "a cost per phase written primary=180; secondary=220, "
    "or in round.toml {primary = 180, secondary = 220}"
)

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")

Converter = Callable[[object], object]


# --- reading one value ------------------------------------------------------------------------


def _date(value: object, expected: str, shown: str) -> dt.date:
    """A TOML date or a YYYY-MM-DD text; ``shown`` is what the message quotes if it is neither."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        try:
            return cells.in_years(value)
        except cells.CellError as error:
            raise cells.CellError(error.expected, value=shown) from None
    if isinstance(value, str):
        try:
            return cells.parse_date(value)
        except cells.CellError as error:
            if error.expected != cells.DATE_EXPECTED:  # a date, but not a real one, or too far
                raise cells.CellError(error.expected, value=shown) from None
    raise cells.CellError(expected, value=shown)


def _range_from_text(item: str) -> DateRange:
    start_text, _, end_text = item.partition(RANGE_SEPARATOR)
    start = _date(start_text.strip(), RANGE_EXPECTED, item)
    end = _date(end_text.strip(), RANGE_EXPECTED, item) if end_text.strip() else start
    return _in_order(start, end, item)


def _range_from_table(item: Mapping[str, Any]) -> DateRange:
    shown = ", ".join(f"{key} = {to_text(value)}" for key, value in item.items())
    if set(item) != {"start", "end"}:
        raise cells.CellError(RANGE_EXPECTED, value="{" + shown + "}")
    start = _date(item["start"], RANGE_EXPECTED, "{" + shown + "}")
    end = _date(item["end"], RANGE_EXPECTED, "{" + shown + "}")
    return _in_order(start, end, f"{to_text(start)}{RANGE_SEPARATOR}{to_text(end)}")


def _in_order(start: dt.date, end: dt.date, shown: str) -> DateRange:
    if start > end:
        raise cells.CellError("a date range whose start is on or before its end", value=shown)
    return DateRange(start=start, end=end)


def _items(value: object, expected: str) -> list[object]:
    """The items of a TOML array, or of a semicolon list written as text."""
    if isinstance(value, str):
        return list(cells.split_list(value))
    if isinstance(value, list | tuple):
        return list(value)
    raise cells.CellError(expected, value=to_text(value))


def to_ranges(value: object) -> tuple[DateRange, ...]:
    """Date ranges from a TOML array of ``{start, end}`` tables or from ``a..b; c..d`` text."""
    ranges = []
    # A lone TOML table is one range, as a lone text range is.
    for item in [value] if isinstance(value, dict) else _items(value, RANGES_EXPECTED):
        if isinstance(item, str):
            ranges.append(_range_from_text(item))
        elif isinstance(item, dict):
            ranges.append(_range_from_table(item))
        else:
            raise cells.CellError(RANGE_EXPECTED, value=to_text(item))
    return tuple(ranges)


def to_dates(value: object) -> tuple[dt.date, ...]:
    """Dates from a TOML array (or one TOML date) or from ``a; b`` text."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return (cells.in_years(value),)
    return tuple(
        _date(item, cells.DATE_EXPECTED, to_text(item)) for item in _items(value, DATES_EXPECTED)
    )


def to_time(value: object) -> dt.time:
    """A TOML local time or ``HH:MM`` (``HH:MM:SS``, as a workbook shows a time cell) text."""
    if isinstance(value, dt.time):
        return value
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is not None:
        hour, minute, second = (int(part or 0) for part in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return dt.time(hour, minute, second)
    raise cells.CellError(cells.TIME_EXPECTED, value=to_text(value))


def _cost(value: object, phase: str) -> int:
    expected = f"a whole number from 0 to {POUNDS} (the cost for {phase})"
    # bool is an int in Python, but `primary = true` is surely a slip, not a cost of 1.
    if isinstance(value, int) and not isinstance(value, bool):
        cost = value
    elif isinstance(value, str):
        try:
            cost = cells.parse_int(value)
        except cells.CellError:
            raise cells.CellError(expected, value=value) from None
    else:
        raise cells.CellError(expected, value=to_text(value))
    if not 0 <= cost <= POUNDS:
        raise cells.CellError(expected, value=to_text(value))
    return cost


def to_costs(value: object) -> dict[str, int]:
    """A whole number per phase, from a TOML table or from ``primary=180; secondary=220``."""
    amount: object
    if isinstance(value, str):
        pairs: list[tuple[str, object]] = []
        for item in cells.split_list(value):
            name, separator, amount = item.partition(PAIR_SEPARATOR)
            if not separator:
                raise cells.CellError(COSTS_EXPECTED, value=item)
            pairs.append((name.strip(), amount.strip()))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise cells.CellError(COSTS_EXPECTED, value=to_text(value))
    costs: dict[str, int] = {}
    for name, amount in pairs:
        phase = cells.parse_choice(name, Phase).value
        if phase in costs:
            raise cells.CellError("each phase only once", value=name)
        costs[phase] = _cost(amount, phase)
    return costs


def to_timezone(value: object) -> str:
    """An IANA zone name that this machine's time-zone database knows."""
    if isinstance(value, str) and value.strip():
        name = value.strip()
        try:
            zoneinfo.ZoneInfo(name)
            return name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a folder of the zone database ("Europe") or a name too long for a file.
            # Only a bad name pays for listing every zone, to suggest the closest one.
            hint = cells.did_you_mean(name, zoneinfo.available_timezones())
            raise cells.CellError(cells.TIMEZONE_EXPECTED + hint, value=name) from None
    raise cells.CellError(cells.TIMEZONE_EXPECTED, value=to_text(value))


# The calendar settings read here, by dotted key; the rest are plain values pydantic reads.
CONVERTERS: dict[str, Converter] = {
    "calendar.terms": to_ranges,
    "calendar.holidays": to_ranges,
    "calendar.inset_days": to_dates,
    "calendar.timezone": to_timezone,
    "calendar.day_start": to_time,
    "calendar.day_end": to_time,
    "calendar.presentation_start": to_time,
    "calendar.presentation_end": to_time,
    "calendar.governors_start": to_time,
    "calendar.governors_end": to_time,
    "calendar.cover_cost_per_day": to_costs,
}


def convert(key: str, value: object) -> object:
    """``value`` of setting ``key`` as the model takes it (unchanged if ``key`` is not ours).

    Parameters
    ----------
    key : str
        The dotted setting name, e.g. ``"calendar.terms"``.
    value : object
        A TOML value, or the text of a sheet cell.

    Returns
    -------
    object
        What ``matcher.model.CalendarSettings`` takes for that field.

    Raises
    ------
    CellError
        If the value cannot be read; ``value`` on the error is the offending item.
    """
    converter = CONVERTERS.get(key)
    return value if converter is None else converter(value)


# --- writing one value --------------------------------------------------------------------------


def to_text(value: object) -> str:
    """A settings value in the compact text form (the form a sheet cell holds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, DateRange):
        if value.start == value.end:
            return value.start.isoformat()
        return f"{value.start.isoformat()}{RANGE_SEPARATOR}{value.end.isoformat()}"
    if isinstance(value, dt.time):
        return value.isoformat("minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return f"{cells.LIST_SEPARATOR} ".join(
            f"{key}{PAIR_SEPARATOR}{to_text(amount)}" for key, amount in value.items()
        )
    if isinstance(value, list | tuple):
        return f"{cells.LIST_SEPARATOR} ".join(to_text(item) for item in value)
    return str(value)


# --- checks across settings ---------------------------------------------------------------------


def check_calendar(
    settings: Settings, rows: Mapping[str, int | None], label: str, log: ProblemLog
) -> None:
    """Terms inside the round and in order; each day's hours and the presentation slot in order.

    Parameters
    ----------
    settings : Settings
        The settings as read (each value already valid on its own).
    rows : mapping of str to int or None
        The sheet row of each setting given (None in round.toml).
    label : str
        How the settings are named in messages.
    log : ProblemLog
        Receives every problem found.
    """
    calendar = settings.calendar
    _terms_in_round(calendar.terms, settings, rows.get("calendar.terms"), label, log)
    for first, second in (
        ("day_start", "day_end"),
        ("presentation_start", "presentation_end"),
        ("governors_start", "governors_end"),
    ):
        if getattr(calendar, first) >= getattr(calendar, second):
            _log_times_out_of_order(calendar, first, second, rows, label, log)
    if not SchoolCalendar(settings).term_days:
        # Usable (every project then says it cannot be dated), but surely not what was meant.
        log.warn(
            label,
            row=rows.get("calendar.terms"),
            column="calendar.terms",
            message="the round has no school day (weekends, holidays, INSET days and bank "
            "holidays cover it all): no visit can be dated",
        )


def _log_times_out_of_order(
    calendar: CalendarSettings,
    first: str,
    second: str,
    rows: Mapping[str, int | None],
    label: str,
    log: ProblemLog,
) -> None:
    # Blame the start, unless the user wrote only the end (then the end is what they changed).
    blamed, other, word = first, second, "before"
    if f"calendar.{first}" not in rows and f"calendar.{second}" in rows:
        blamed, other, word = second, first, "after"
    log.add(
        label,
        row=rows.get(f"calendar.{blamed}"),
        column=f"calendar.{blamed}",
        value=to_text(getattr(calendar, blamed)),
        expected=f"{word} calendar.{other} ({to_text(getattr(calendar, other))})",
    )


def _terms_in_round(
    terms: Iterable[DateRange], settings: Settings, row: int | None, label: str, log: ProblemLog
) -> None:
    round_range = f"{settings.start.isoformat()} to {settings.end.isoformat()}"
    previous: DateRange | None = None
    for term in terms:
        if term.start < settings.start or term.end > settings.end:
            expected = f"a term within the round ({round_range})"
        elif previous is not None and term.start <= previous.end:
            expected = f"a term starting after the one before it ends ({to_text(previous)})"
        else:
            expected = ""
        if expected:
            log.add(label, row=row, column="calendar.terms", value=to_text(term), expected=expected)
        previous = term
