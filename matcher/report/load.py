"""The SLE manager's view of a written plan: deployment per SLE and release per school."""

from __future__ import annotations

import os
from dataclasses import dataclass

from matcher.model import Round
from matcher.report.facts import SchoolLoad, SleLoad, school_load, sle_load
from matcher.written import WrittenPlanError, read_written


@dataclass(frozen=True)
class LoadTables:
    """Days per SLE against the yearly allowance (history included) and, per school, the
    staff-days it released against its budget, what it received and the cover it pays for."""

    sles: tuple[SleLoad, ...]
    schools: tuple[SchoolLoad, ...]

    @property
    def budgets_cover(self) -> bool:
        """Some school has a cover budget (schools.csv cover_budget): show the column."""
        return any(s.cover_budget is not None for s in self.schools)

    @property
    def over_budget(self) -> tuple[SchoolLoad, ...]:
        """Schools releasing more than their budget (a plan matcher made never does)."""
        return tuple(s for s in self.schools if s.days_released > s.release_budget)


def load_tables(round_: Round, folder: str | os.PathLike[str]) -> LoadTables:
    """The load tables of the plan written in ``folder`` for ``round_``.

    Raises WrittenPlanError if the folder holds no readable pairings.
    """
    written = read_written(folder)
    if written.plan is None:
        raise WrittenPlanError([f"{folder}: no pairings.csv; run `matcher plan` first."])
    return LoadTables(
        sles=sle_load(round_, written.plan), schools=school_load(round_, written.plan)
    )
