"""What the cross-file checks of ``matcher.io.validate`` and ``validate_clusters`` look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from matcher.io.problems import ProblemLog
from matcher.io.tables import Row, Table
from matcher.model import Settings


@dataclass(frozen=True)
class Context:
    """What every cross-file check may look at."""

    tables: Mapping[str, Table]
    settings: Settings | None
    log: ProblemLog

    def column_cells(self, name: str, column: str) -> Iterator[tuple[Row, str]]:
        """(row, cell) for every non-blank cell of a column; nothing if it is absent."""
        table = self.tables.get(name)
        if table is None or not table.has(column):
            return
        for row in table.rows:
            if row[column]:
                yield row, row[column]


Check = Callable[[Context], None]
