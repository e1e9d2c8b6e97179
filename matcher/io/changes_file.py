"""changes.csv: what a plan made from a published one changed, one row per change."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matcher.changes import Change
from matcher.io.formulas import write_csv

CHANGES = "changes.csv"
CHANGES_COLUMNS = ("kind", "project_id", "staff_id", "visit_no", "old", "new", "reason")


def write_changes(directory: Path, changes: Sequence[Change]) -> str:
    """Write changes.csv into ``directory`` (a staging folder); header only when nothing
    changed. Returns its name."""
    rows = [(c.kind, c.project_id, c.staff_id, c.visit_no, c.old, c.new, c.reason) for c in changes]
    write_csv(directory / CHANGES, CHANGES_COLUMNS, rows)
    return CHANGES
