"""Turning one cell's text into a value, and saying in plain words what a cell should hold.

Only what pydantic cannot do the way users expect lives here: yes/no words, lenient choice
spellings ("All-through"), strict ISO dates, semicolon lists and specialism spelling. Numbers and
plain text are left to the domain model, and ``describe`` reads the model's own field types and
bounds so the words in an error message always match the rule that was broken.
"""

from __future__ import annotations

import datetime as dt
import difflib
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

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

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
    # fromisoformat alone also takes "20260112" and week dates; users should see one format.
    if _ISO_DATE.fullmatch(text.strip()):
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise CellError(DATE_EXPECTED)


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
