"""Problems found in a round's input, the one exception that carries all of them, and warnings.

A user fixes input in a spreadsheet, so every problem is located the way a spreadsheet shows it
(file or sheet, row, column) and says what was expected in plain words. Reading never stops at
the first problem: everything found is collected and raised together.

A warning is input that is odd but usable (a file read as Windows-1252, a line break folded in a
name, a school placed outside England): the round still loads. Warnings are for the user's eyes
on stderr, so they name files, rows, columns and ids but never quote a name or an email.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Long cells (a pasted paragraph) would swamp the message; the start is enough to find it.
_MAX_SHOWN = 60


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    file : str
        Where it is: a file name such as ``"staff.csv"``, or ``"sheet staff"`` in a workbook.
    row : int or None
        The row as a spreadsheet shows it: the header is row 1, the first data row is row 2.
        None when the problem concerns a whole file (or round.toml, which has no rows).
    column : str or None
        The column name; in round.toml the dotted setting name (``"rules.max_travel_minutes"``).
    value : str or None
        The text found; ``""`` for a blank cell; None when no single value is at fault.
    expected : str
        What was expected, in plain words.
    """

    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.row or 0, self.column or "", self.value or "", self.expected)

    def __str__(self) -> str:
        where = _where(self.file, self.row, self.column)
        if self.value is None:
            return f"{where}: expected {self.expected}"
        if self.value == "":
            return f"{where}: blank, expected {self.expected}"
        return f"{where}: {_shorten(self.value)!r} is not {self.expected}"


@dataclass(frozen=True, kw_only=True)
class InputWarning:
    """Something odd in the input that is still usable: the round loads and the run goes on.

    Not an exception: warnings are collected while reading and handed back with the round
    (``matcher.io.read_round``) or with the ``InputError``.

    Attributes
    ----------
    file, row, column : str, int or None, str or None
        Where it is, as for ``Problem``.
    message : str
        What is odd and what was done about it, in plain words (no names or emails).
    """

    file: str
    row: int | None = None
    column: str | None = None
    message: str

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.row or 0, self.column or "", self.message)

    def __str__(self) -> str:
        return f"{_where(self.file, self.row, self.column)}: {self.message}"


def _where(file: str, row: int | None, column: str | None) -> str:
    where = file
    if row is not None:
        where += f" row {row}"
    if column is not None:
        where += f", {'setting' if file.endswith('.toml') else 'column'} {column}"
    return where


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def sorted_warnings(warnings: Iterable[InputWarning]) -> tuple[InputWarning, ...]:
    """Warnings without repeats, in file, row, column order (so runs print them identically)."""
    return tuple(sorted(dict.fromkeys(warnings), key=InputWarning.sort_key))


class InputError(Exception):
    """The input cannot be used; ``problems`` lists everything wrong with it, sorted.

    Parameters
    ----------
    problems : iterable of Problem
        Every problem found. Duplicates are dropped and the rest sorted by file, row, column.
    source : str, optional
        The folder or workbook that was read, named in the first line of the message.
    warnings : iterable of InputWarning, optional
        Odd but usable input found on the way; not part of the message, which lists problems.
    """

    def __init__(
        self,
        problems: Iterable[Problem],
        source: str | None = None,
        *,
        warnings: Iterable[InputWarning] = (),
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(dict.fromkeys(problems), key=Problem.sort_key)
        )
        self.source = source
        self.warnings = sorted_warnings(warnings)
        super().__init__(self.problems)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'' if count == 1 else 's'}"
        if self.source:
            head += f" in {self.source}"
        return "\n".join([f"{head}:", *(f"  {problem}" for problem in self.problems)])


class ProblemLog:
    """Collects problems (and warnings) while a round is read, so every check runs to the end.

    ``len`` and iteration count problems only: a warning never stops a round from loading.
    """

    def __init__(self) -> None:
        self._problems: list[Problem] = []
        self._warnings: list[InputWarning] = []

    def add(
        self,
        file: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        expected: str,
    ) -> None:
        self._problems.append(
            Problem(file=file, row=row, column=column, value=value, expected=expected)
        )

    def warn(
        self, file: str, *, row: int | None = None, column: str | None = None, message: str
    ) -> None:
        self._warnings.append(InputWarning(file=file, row=row, column=column, message=message))

    @property
    def warnings(self) -> tuple[InputWarning, ...]:
        return sorted_warnings(self._warnings)

    def __len__(self) -> int:
        return len(self._problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._problems)
