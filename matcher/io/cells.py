"""Turning one cell's text into a value, and saying in plain words what a cell should hold.

Only what pydantic cannot do the way users expect lives here: yes/no words, lenient choice
spellings ("All-through"), strict ISO dates within the years a school calendar can hold, numbers
written as people write them (not as Python does: ``1_000``, ``nan`` and ``inf`` are not
numbers here), semicolon lists and specialism spelling. Plain text and the bounds of numbers are
left to the domain model, and ``describe`` reads the model's own field types and bounds so the
words in an error message always match the rule that was broken.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
import types
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel

from matcher.model import DateRange

BOOLEAN_WORDS: dict[str, bool] = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
}
BOOLEAN_EXPECTED = "yes or no (true/false, yes/no, y/n or 1/0)"
DATE_EXPECTED = "a date written YYYY-MM-DD"
TIME_EXPECTED = "a time written HH:MM (24-hour clock)"
TIMEZONE_EXPECTED = "an IANA time zone such as Europe/London"
EMAIL_EXPECTED = "an email address like name@school.org.uk"
LIST_SEPARATOR = ";"

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# The years a round's dates may fall in: wide enough for any real round, narrow enough that
# every day arithmetic (a range's days, bank holidays by year) stays small and in range.
FIRST_YEAR = 2000
LAST_YEAR = 2099
YEARS_EXPECTED = f"a date in the years {FIRST_YEAR} to {LAST_YEAR}"
# ASCII digits only: Python's int() also reads other scripts' digits and "1_000".
_WHOLE = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
# Past this many digits a number is out of every range the model allows, and int() of a very
# long text is slow (Python refuses beyond 4300 digits).
_MAX_DIGITS = 30

E = TypeVar("E", bound=StrEnum)


class CellError(ValueError):
    """A cell's text cannot be read; ``value`` is the offending part (an item of a list)."""

    def __init__(self, expected: str, value: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value


def parse_bool(text: str) -> bool:
    try:
        return BOOLEAN_WORDS[text.strip().lower()]
    except KeyError:
        raise CellError(BOOLEAN_EXPECTED) from None


def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD that exists, in the years FIRST_YEAR to LAST_YEAR."""
    # fromisoformat alone also takes "20260112" and week dates; users should see one format.
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        raise CellError(DATE_EXPECTED)
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise CellError(f"a real date (there is no month {month})")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CellError(YEARS_EXPECTED)
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise CellError(f"a real date ({calendar.month_name[month]} {year} has {last_day} days)")
    return dt.date(year, month, day)


def in_years(day: dt.date) -> dt.date:
    """``day`` if it falls in the years FIRST_YEAR to LAST_YEAR; else CellError."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CellError(YEARS_EXPECTED)
    return day


def number_hint(text: str, *, whole: bool) -> str:
    """Why a text that looks numeric is not a number here, to add to the expected words.

    In a whole number a comma groups thousands; in a decimal one it is most likely the decimal
    mark of a European spreadsheet.
    """
    stripped = text.strip()
    grouped = re.fullmatch(r"[+-]?[0-9]{1,3}(?:[, ][0-9]{3})+", stripped)
    if "_" in stripped or (whole and grouped):
        return " (write it without separators between the digits)"
    if not whole and _DECIMAL_COMMA.fullmatch(stripped):
        return " (write decimals with a point: " + stripped.replace(",", ".") + ")"
    return ""


def parse_int(text: str) -> int:
    """A whole number in ASCII digits, optionally with a zero decimal part (``3.0``).

    Raises CellError with ``expected`` empty: the caller knows the words for the field.
    """
    stripped = text.strip()
    if not _WHOLE.fullmatch(stripped) or len(stripped) > _MAX_DIGITS:
        raise CellError("")
    return int(stripped.split(".")[0])


def parse_float(text: str) -> float:
    """A finite decimal number (``53.4``, ``-2.35``, ``5e-3``); CellError as for parse_int."""
    stripped = text.strip()
    if not _DECIMAL.fullmatch(stripped) or len(stripped) > 2 * _MAX_DIGITS:
        raise CellError("")
    number = float(stripped)
    if not math.isfinite(number):
        raise CellError("")
    return number


def _choice_key(text: str) -> str:
    # Dropping case, spaces, hyphens and underscores cannot make two of our choices collide
    # ("All-through" and "all_through" are the same word; no two choices differ only so).
    return re.sub(r"[\s_\-]+", "", text.lower())


def parse_choice(text: str, choices: type[E]) -> E:
    """The member of ``choices`` that ``text`` spells, ignoring case, spaces, - and _."""
    wanted = _choice_key(text)
    for member in choices:
        if _choice_key(member.value) == wanted:
            return member
    raise CellError(one_of(member.value for member in choices), value=text)


def parse_literal(text: str, choices: Iterable[str]) -> str:
    """The one of ``choices`` (plain words, e.g. a Literal's) that ``text`` spells, like above."""
    options = list(choices)
    wanted = _choice_key(text)
    for choice in options:
        if _choice_key(choice) == wanted:
            return choice
    raise CellError(one_of(options), value=text)


def split_list(text: str) -> list[str]:
    """The non-blank items of a semicolon list, in order, each stripped."""
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def parse_choice_list(text: str, choices: type[E]) -> list[E]:
    return [parse_choice(item, choices) for item in split_list(text)]


def normalise_spaces(text: str) -> str:
    return " ".join(text.split())


def normalise_specialism(text: str) -> str:
    """The one spelling kept for a specialism: spaces collapsed, lower case ("ks2 maths")."""
    return normalise_spaces(text).lower()


def normalise_areas(text: str) -> str:
    """A project's area or areas ("Oracy; reading" -> "oracy;reading"); no empty item."""
    items = [normalise_specialism(item) for item in text.split(LIST_SEPARATOR)]
    if len(items) > 1 and not all(items):
        raise CellError("one area, or several separated by ';' (none of them empty)")
    return LIST_SEPARATOR.join(dict.fromkeys(items))


def parse_specialisms(text: str) -> list[str]:
    return list(dict.fromkeys(normalise_specialism(item) for item in split_list(text)))


def one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(choices)


def did_you_mean(text: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known spelling, or ``""`` if none is close."""
    candidates = list(known)
    same_but_case = [k for k in candidates if k.lower() == text.lower()]
    close = same_but_case or difflib.get_close_matches(text, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def number_kind(model: type[BaseModel], field: str) -> type[int] | type[float] | None:
    """``int`` or ``float`` if ``model.field`` holds a number (optional or not), else None."""
    annotation = _without_none(model.model_fields[field].annotation)
    return annotation if annotation in (int, float) else None


# Kept whole (ruff noqa below): one flat dispatch on a field's type, read top to bottom.
def describe(model: type[BaseModel], field: str) -> str:  # noqa: C901
    """What ``model.field`` accepts, in plain words, from its type and constraints.

    Parameters
    ----------
    model : type of pydantic BaseModel
        A domain model class, e.g. ``matcher.model.Staff``.
    field : str
        One of its field names.

    Returns
    -------
    str
        E.g. ``"a whole number of 0 or more"`` or ``"one of forbid, allow"``.
    """
    info = model.model_fields[field]
    annotation = _without_none(info.annotation)
    limits = {
        name: getattr(item, name)
        for item in info.metadata
        for name in ("ge", "gt", "le", "lt")
        if isinstance(item, annotated_types.BaseMetadata) and hasattr(item, name)
    }
    if annotation is bool:
        return BOOLEAN_EXPECTED
    if annotation is int:
        return _number("a whole number", limits)
    if annotation is float:
        return _number("a number", limits)
    if annotation is dt.date:
        return DATE_EXPECTED
    if annotation is dt.time:
        return TIME_EXPECTED
    if get_origin(annotation) in (tuple, dict):
        return _collection(annotation)
    if _is_enum(annotation):
        return one_of(member.value for member in annotation)
    if get_origin(annotation) is Literal:
        return one_of(str(choice) for choice in get_args(annotation))
    if get_origin(annotation) is frozenset:
        (item,) = get_args(annotation)
        words = f"one or more {field} separated by {LIST_SEPARATOR}"
        if _is_enum(item):
            words += f" (each {one_of(member.value for member in item)})"
        return words
    if any("@" in str(getattr(item, "pattern", "")) for item in info.metadata):
        return EMAIL_EXPECTED
    if field.endswith("_id") or field == "id":
        return "an id (any text; compared exactly)"
    if field == "timezone":
        return TIMEZONE_EXPECTED
    return "some text"


def _collection(annotation: Any) -> str:
    # The calendar's lists and tables have two written forms (TOML, and the text of a sheet
    # cell), explained under [calendar] in docs/input-format.md rather than in every message.
    args = get_args(annotation)
    if get_origin(annotation) is dict:
        return "a whole number per phase (see [calendar])" if args[-1] is int else "a table"
    if args and args[0] is dt.date:
        return "dates (see [calendar])"
    if args and args[0] is DateRange:
        return "date ranges (see [calendar])"
    return "a list"


def _is_enum(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, StrEnum)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _number(kind: str, limits: dict[str, Any]) -> str:
    low = limits.get("ge")
    high = limits.get("le")
    if low is not None and high is not None:
        return f"{kind} from {_plain(low)} to {_plain(high)}"
    if low is not None:
        return f"{kind} of {_plain(low)} or more"
    if "gt" in limits:
        return f"{kind} above {_plain(limits['gt'])}"
    if high is not None:
        return f"{kind} of {_plain(high)} or less"
    return kind


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
