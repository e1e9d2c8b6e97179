"""Shared cohorts for the benchmarks: generated once per session, deterministic by seed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from matcher.generate import generate_round
from matcher.model import Round

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    """A small markdown table on stderr, so `make bench` shows the figures side by side."""
    if not rows:
        return
    columns = list(rows[0])
    lines = [f"\n### {title}", "| " + " | ".join(columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    print("\n".join(lines), file=sys.stderr)


@pytest.fixture(scope="session")
def la_round() -> Round:
    """The 'la' cohort: 300 schools, about 1,200 staff and 300 projects."""
    return generate_round(schools=300, seed=1)
