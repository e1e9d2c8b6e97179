"""Personal data never reaches the log: names and emails only where the recipient needs them.

The README promises it; a run at full verbosity over a round with warnings (a name with a line
break) and an unstaffed project is where a name would leak, if anywhere.
"""

from __future__ import annotations

import csv
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


def people(folder: Path) -> list[str]:
    with (folder / "staff.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [value for row in rows for value in (row["name"], row["email"]) if value]


@pytest.fixture(scope="module")
def odd_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a name broken over two lines (a warning names its row, not the name)."""
    folder = tmp_path_factory.mktemp("round") / "in"
    shutil.copytree(SAMPLE, folder)
    path = folder / "staff.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("name")] = "Claire\nMoore"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def test_a_debug_run_of_plan_logs_no_name_or_email(odd_round: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "matcher", "-vv", "plan", str(odd_round), "--out",
         str(tmp_path / "out"), "--time-limit", "5"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    logged = done.stdout + done.stderr
    assert "DEBUG" in logged or "INFO" in logged  # the log was on
    assert "warning:" in logged  # and the odd name was reported
    leaked = [value for value in people(SAMPLE) if value in logged]
    assert "Claire" not in logged
    assert leaked == []


def test_validate_warnings_name_rows_not_people(
    odd_round: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import matcher

    with caplog.at_level(logging.DEBUG):
        read = matcher.read_round(odd_round)
    assert read.warnings
    words = " ".join(str(w) for w in read.warnings) + caplog.text
    assert [value for value in people(SAMPLE) if value in words] == []


def test_a_debug_run_of_sweep_logs_no_name_or_email(odd_round: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text('[run]\ntime_limit = 2\n[grid]\n"rules.max_travel_minutes" = [45, 60]\n')
    done = subprocess.run(
        [sys.executable, "-m", "matcher", "-vv", "sweep", str(odd_round), "--grid", str(grid),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    logged = done.stdout + done.stderr
    assert "DEBUG" in logged or "INFO" in logged  # the log was on
    assert "max_travel_minutes=45" in logged  # and each scenario was reported
    assert "Claire" not in logged
    assert [value for value in people(SAMPLE) if value in logged] == []
