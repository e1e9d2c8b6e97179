"""history_next.csv: this round's history.csv rows plus what this plan adds, for next round.

Next round's rotation (no return to a host served in the last rounds), school rotation (no
pairing of two schools that reviewed each other in the last rounds, so each row names the
reviewer's school) and SLE allowance (days given this academic year) read history.csv. A plan
writes the history it leaves behind, so the coordinator copies one file instead of adding a
row per reviewer by hand.
"""

from __future__ import annotations

from pathlib import Path

from matcher.io.formulas import write_csv
from matcher.model import HistoryEntry, Plan, Round

HISTORY_NEXT = "history_next.csv"
HISTORY_COLUMNS = ("round", "staff_id", "host_school_id", "days", "academic_year", "school_id")


def next_history(round_: Round, plan: Plan) -> list[HistoryEntry]:
    """The round's history plus one entry per (reviewer, host) of ``plan``, days summed over
    the reviewer's projects at that host, under this round's number and academic year, with
    the reviewer's school (staff move; the school rotation needs the school they came from)."""
    days: dict[tuple[str, str], int] = {}
    for a in plan.assignments:
        project = round_.project_by_id[a.project_id]
        key = (a.staff_id, project.host_school_id)
        days[key] = days.get(key, 0) + plan.days_of(project, a.staff_id)
    settings = round_.settings
    added = [
        HistoryEntry(
            round=settings.number,
            staff_id=staff_id,
            host_school_id=host,
            days=total,
            academic_year=settings.academic_year or None,
            school_id=round_.staff_by_id[staff_id].school_id,
        )
        for (staff_id, host), total in days.items()
    ]
    return sorted([*round_.history, *added], key=_order)


def _order(h: HistoryEntry) -> tuple[int, str, str, str, int, str]:
    return (h.round, h.staff_id, h.host_school_id, h.academic_year or "", h.days, h.school_id or "")


def write_history_next(directory: Path, round_: Round, plan: Plan) -> str:
    """Write history_next.csv into ``directory`` (a staging folder); returns its name."""
    rows = [
        (h.round, h.staff_id, h.host_school_id, h.days, h.academic_year or "", h.school_id or "")
        for h in next_history(round_, plan)
    ]
    write_csv(directory / HISTORY_NEXT, HISTORY_COLUMNS, rows)
    return HISTORY_NEXT
