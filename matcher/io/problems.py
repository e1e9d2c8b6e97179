"""Problems found in a round's input, and the one exception that carries all of them.

A user fixes input in a spreadsheet, so every problem is located the way a spreadsheet shows it
(file or sheet, row, column) and says what was expected in plain words. Reading never stops at
the first problem: everything found is collected and raised together.
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
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", {'setting' if self.file.endswith('.toml') else 'column'} {self.column}"
        if self.value is None:
            return f"{where}: expected {self.expected}"
        if self.value == "":
            return f"{where}: blank, expected {self.expected}"
        return f"{where}: {_shorten(self.value)!r} is not {self.expected}"


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class InputError(Exception):
    """The input cannot be used; ``problems`` lists everything wrong with it, sorted.

    Parameters
    ----------
    problems : iterable of Problem
        Every problem found. Duplicates are dropped and the rest sorted by file, row, column.
    source : str, optional
        The folder or workbook that was read, named in the first line of the message.
    """

    def __init__(self, problems: Iterable[Problem], source: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(dict.fromkeys(problems), key=Problem.sort_key)
        )
        self.source = source
        super().__init__(self.problems)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'' if count == 1 else 's'}"
        if self.source:
            head += f" in {self.source}"
        return "\n".join([f"{head}:", *(f"  {problem}" for problem in self.problems)])


class ProblemLog:
    """Collects problems while a round is read, so that every check can run to the end."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []

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

    def __len__(self) -> int:
        return len(self._problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._problems)
