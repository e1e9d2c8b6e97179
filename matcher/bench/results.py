"""Benchmark results as markdown, CSV and JSON, and the scaling curve as a PNG."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

from matcher.io.atomic import atomic_output
from matcher.io.formulas import csv_cells


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # A whole objective or bound reads as one in every row (991, not 991.00 above 1,023).
        if abs(value) >= 1000 or (value.is_integer() and abs(value) >= 100):
            return f"{value:,.0f}"
        return f"{value:.2f}"
    return str(value)


def markdown_table(rows: Sequence[dict[str, object]]) -> str:
    """One row per instance; every key that appears in any row is a column."""
    if not rows:
        return "(no instances)\n"
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _csv_text(rows: Sequence[dict[str, object]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    # Instance names come from files: quoted like every CSV people open (matcher.io.formulas).
    writer.writerows(dict(zip(row, csv_cells(row.values()), strict=True)) for row in rows)
    return buffer.getvalue()


def write_results(
    out_dir: str | os.PathLike[str], suite: str, rows: Sequence[dict[str, object]]
) -> list[Path]:
    """``<suite>.md``, ``<suite>.csv`` and ``<suite>.json`` in ``out_dir``, all or nothing."""
    target = Path(out_dir)
    names = [f"{suite}.md", f"{suite}.csv", f"{suite}.json"]
    with atomic_output(target) as staging:
        (staging / names[0]).write_text(f"# {suite}\n\n" + markdown_table(rows))
        (staging / names[1]).write_text(_csv_text(rows))
        (staging / names[2]).write_text(json.dumps(list(rows), indent=2, default=str) + "\n")
        if suite == "cohort" and _plot_scaling(rows, staging / "scaling.png"):
            names.append("scaling.png")
    return [target / name for name in names]


def _plot_scaling(rows: Sequence[dict[str, object]], path: Path) -> bool:
    """Wall time against cohort size, log-log; False if matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no screen on servers
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(figsize=(6, 4))
    for key, marker, label in (
        ("plan_seconds", "o", "plan (match + date)"),
        ("match_seconds", "s", "match (1% gap)"),
    ):
        points = sorted(
            (float(str(row["schools"])), float(str(row[key])))
            for row in rows
            if row.get("schools") and row.get(key) is not None
        )
        if points:
            axes.plot(*zip(*points, strict=True), marker=marker, label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("schools in the cohort")
    axes.set_ylabel("wall time (s)")
    axes.set_title("matcher: time against cohort size (2 cores)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True
