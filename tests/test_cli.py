"""The `matcher` command end to end, on the bundled sample and on broken copies of it."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import matcher
from matcher.cli import main
from matcher.model import EVENT_KINDS

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    code, output = run("plan", str(SAMPLE), "--out", str(out), "--time-limit", "20", "--quiet")
    assert code == 0, output
    return out


def test_plan_writes_pairings_unfilled_and_summary(planned: Path) -> None:
    with (planned / "pairings.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == [
        "project_id",
        "host_school_id",
        "staff_id",
        "staff_school_id",
        "role",
        "area",
        "travel_minutes",
        "days",
        "staff_name",
        "staff_school_name",
        "host_school_name",
        "project_title",
    ]
    summary = json.loads((planned / "summary.json").read_text())
    assert summary["status"] == "OPTIMAL"
    assert summary["gap"] == 0
    assert set(summary["terms"]) == {
        "unstaffed",
        "expertise",
        "preference",
        "travel",
        "sle_balance",
        "give_take",
    }
    assert summary["counts"]["projects_staffed"] + summary["counts"]["projects_unfilled"] == 26
    # The sample's Makaton project cannot be staffed: the reason names the rule that blocks it.
    unfilled = (planned / "unfilled.csv").read_text()
    assert "P01" in unfilled and "outside the host's trust" in unfilled


def test_names_only_where_the_reader_needs_them_and_emails_only_in_calendars(
    planned: Path,
) -> None:
    staff = list(csv.DictReader((SAMPLE / "staff.csv").open(newline="", encoding="utf-8-sig")))
    # Coordinators write to heads from pairings, schedule, workbook and page (issue #18), so
    # names are there; calendars name the people who attend. Nothing but calendars has emails.
    named = {"pairings.csv", "schedule.csv", "plan.xlsx", "report.html"}
    texts = {p.name: _text(p) for p in planned.iterdir() if p.is_file()}
    assert named <= set(texts)
    for person in staff:
        assert not any(person["email"] in text for text in texts.values())
        assert not any(person["name"] in text for name, text in texts.items() if name not in named)


def _text(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "".join(book.read(name).decode("utf-8") for name in book.namelist())
    return path.read_text(encoding="utf-8")


def test_verify_accepts_the_written_plan(planned: Path) -> None:
    code, output = run("verify", str(SAMPLE), str(planned))
    assert code == 0, output
    assert "no hard rule broken" in output


def test_verify_finds_a_tampered_plan(planned: Path, tmp_path: Path) -> None:
    shutil.copytree(planned, tmp_path / "plan")
    pairings = tmp_path / "plan" / "pairings.csv"
    lines = pairings.read_text().splitlines()
    # S001 works at 910001 (Brookside): put them on Brookside's own project.
    lines.append("P01,910001,S001,910001,member,makaton and signing,0,2")
    pairings.write_text("\n".join(lines) + "\n")
    code, output = run("verify", str(SAMPLE), str(tmp_path / "plan"))
    assert code == 1
    assert "own_school" in output and "S001" in output


def test_same_seed_gives_identical_pairings(planned: Path, tmp_path: Path) -> None:
    code, _ = run("match", str(SAMPLE), "--out", str(tmp_path), "--time-limit", "20", "--quiet")
    assert code == 0
    assert (tmp_path / "pairings.csv").read_bytes() == (planned / "pairings.csv").read_bytes()


def broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "round"
    shutil.copytree(SAMPLE, copy)
    staff = copy / "staff.csv"
    lines = staff.read_text().splitlines()
    fields = lines[13].split(",")  # spreadsheet row 14
    fields[3] = "999999"  # a school that does not exist
    lines[13] = ",".join(fields)
    staff.write_text("\n".join(lines) + "\n")
    return copy


def test_validate_reports_file_row_column_and_exits_2(tmp_path: Path) -> None:
    code, output = run("validate", str(broken_copy(tmp_path)))
    assert code == 2
    assert "staff.csv row 14, column school_id: '999999'" in output


def test_match_on_bad_input_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _ = run("match", str(broken_copy(tmp_path)), "--out", str(out))
    assert code == 2
    assert not out.exists() or not any(out.iterdir())


def test_validate_accepts_the_sample() -> None:
    code, output = run("validate", str(SAMPLE))
    assert code == 0
    assert "27 schools, 106 staff, 26 projects" in output


def test_generate_writes_a_valid_round(tmp_path: Path) -> None:
    code, _ = run("generate", str(tmp_path / "cohort"), "--schools", "40", "--seed", "3")
    assert code == 0
    code, output = run("validate", str(tmp_path / "cohort"))
    assert code == 0, output
    assert "40 schools" in output


def test_help_lists_every_command() -> None:
    code, output = run("--help")
    assert code == 0
    for command in ("validate", "match", "plan", "verify", "generate"):
        assert command in output


def test_python_dash_m_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "matcher", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "Pair reviewers" in result.stdout


def test_plan_writes_schedule_and_calendars_that_verify(planned: Path) -> None:
    schedule = list(csv.DictReader((planned / "schedule.csv").open(newline="")))
    assert schedule and {row["kind"] for row in schedule} <= set(EVENT_KINDS)
    staffed = {row["project_id"] for row in csv.DictReader((planned / "pairings.csv").open())}
    assert {row["project_id"] for row in schedule} == staffed
    assert (planned / "calendars" / "round.ics").exists()
    member = next(csv.DictReader((planned / "pairings.csv").open()))["staff_id"]
    assert (planned / "calendars" / "staff" / f"{member}.ics").exists()


def test_rerun_gives_byte_identical_calendars(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    shutil.copytree(planned, out)
    code, _ = run("plan", str(SAMPLE), "--out", str(out), "--time-limit", "20", "--quiet")
    assert code == 0
    for first in (planned / "calendars").rglob("*.ics"):
        again = out / first.relative_to(planned)
        assert again.read_bytes() == first.read_bytes(), first.name


def test_calendars_command_raises_sequence_for_a_moved_visit(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "edited"
    shutil.copytree(planned, out)
    rows = list(csv.DictReader((out / "schedule.csv").open(newline="")))
    round_ = matcher.load_round(SAMPLE)

    def write(rows: list[dict[str, str]]) -> None:
        with (out / "schedule.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    # A hand edit that keeps every rule (calendars checks first): a visit a day or a week
    # later, the first that still fits.
    for moved, days in itertools.product(rows, (1, 7)):
        original = moved["date"]
        moved["date"] = (dt.date.fromisoformat(original) + dt.timedelta(days=days)).isoformat()
        write(rows)
        if not matcher.verify_written(round_, out).violations:
            break
        moved["date"] = original
    else:
        pytest.fail("no visit can be moved within the rules")
    code, output = run("calendars", str(SAMPLE), str(out))
    assert code == 0, output
    round_ics = (out / "calendars" / "round.ics").read_text()
    at = round_ics.index(f"-{moved['visit_id']}@matcher")
    block = round_ics[round_ics.rindex("BEGIN:VEVENT", 0, at) :]
    block = block[: block.index("END:VEVENT")]
    assert "SEQUENCE:1" in block
    assert f"DTSTART;TZID=Europe/London:{moved['date'].replace('-', '')}T" in block


def test_schedule_command_dates_existing_pairings(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairings-only"
    out.mkdir()
    for name in ("pairings.csv", "unfilled.csv"):
        shutil.copy(planned / name, out / name)
    code, output = run("schedule", str(SAMPLE), str(out), "--quiet")
    assert code == 0, output
    assert (out / "schedule.csv").read_bytes() == (planned / "schedule.csv").read_bytes()
    code, output = run("verify", str(SAMPLE), str(out))
    assert code == 0, output


def test_verify_finds_a_visit_moved_to_a_weekend(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "weekend"
    shutil.copytree(planned, out)
    text = (out / "schedule.csv").read_text()
    first = text.splitlines()[1].split(",")
    first[4] = "2027-01-09"  # a Saturday
    lines = text.splitlines()
    lines[1] = ",".join(first)
    (out / "schedule.csv").write_text("\n".join(lines) + "\n")
    code, output = run("verify", str(SAMPLE), str(out))
    assert code == 1
    assert "school_day" in output and "2027-01-09" in output
