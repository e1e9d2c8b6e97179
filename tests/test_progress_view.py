"""The progress line: the step by name, the whole run's time, and the gap once there is a plan."""

from __future__ import annotations

import io
import math

from rich.console import Console

from matcher.progress_view import ProgressView, describe
from solvers.engine.watch import Progress


def test_a_step_start_names_the_step_without_numbers() -> None:
    start = Progress(seconds=0.0, objective=math.nan, bound=math.nan, phase="dating, round 2")
    assert describe(start, 12.34) == "  12.3 s  dating, round 2"


def test_an_improving_plan_shows_plan_bound_and_gap_with_separators() -> None:
    step = Progress(seconds=3.0, objective=-146_397_000.0, bound=-146_400_000.0, phase="matching")
    line = describe(step, 5.0)
    assert "plan -146,397,000" in line and "bound -146,400,000" in line
    assert "e+" not in line  # never -1.46397e+08
    assert line.endswith("%")


def test_piped_output_prints_one_line_per_step_not_per_improvement() -> None:
    buffer = io.StringIO()
    view = ProgressView(Console(file=buffer, force_terminal=False, width=100))
    with view:
        for phase in ("matching, round 1", "matching, round 1", "dating, round 1"):
            view(Progress(seconds=1.0, objective=10.0, bound=9.0, phase=phase))
        view.finish("Planned")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3
    assert "matching, round 1" in lines[0] and "dating, round 1" in lines[1]
    assert lines[2].startswith("Planned in ") and lines[2].endswith(" s.")
