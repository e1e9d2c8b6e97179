"""Plan files: what a matching run writes, and reading the pairings back for ``matcher verify``.

A run writes these files into its output folder, all or none of them:

``pairings.csv``
    One row per reviewer on a project. The columns after ``role`` are there for the reader's
    convenience; the last four put names beside the ids (the reviewer's name, their school's,
    the host's and the project title), because coordinators read this file to write to
    heads. Reviewers' names are personal data: they are here because the coordinator who
    sends the visits needs them; emails stay in the input files.
``unfilled.csv``
    The projects left unstaffed, with the reason, the title and the host's name.
``summary.json``
    Whatever summary the caller passes (status, objective, terms and so on), but run times.
``run.json``
    The summary's run times (fields named ``...seconds``; ``matcher.io.run_times``), if any.

The files but run.json are byte-identical across re-runs of the same plan, so a changed
pairing shows up as a one-line diff. A plan is read back from ``project_id``, ``staff_id`` and
``role`` (and ``unfilled.csv``); ``matcher verify`` also checks that the other columns still
say what the round says (:mod:`matcher.verify_columns`), and ``matcher schedule`` writes them
afresh. Text a spreadsheet would run as a formula is written quoted
(:mod:`matcher.io.formulas`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Literal

from matcher.io.atomic import atomic_output
from matcher.io.formulas import restore, write_csv
from matcher.io.run_times import run_file_name, split_run_times
from matcher.model import Assignment, Plan, Round, UnfilledProject

PAIRINGS = "pairings.csv"
UNFILLED = "unfilled.csv"
SUMMARY = "summary.json"
RUN = run_file_name(SUMMARY)

PAIRINGS_COLUMNS = (
    "project_id",
    "host_school_id",
    "staff_id",
    "staff_school_id",
    "role",
    "area",
    "travel_minutes",
    "days",
    # Names after every id column, at the end so readers of older files keep working.
    "staff_name",
    "staff_school_name",
    "host_school_name",
    "project_title",
)
UNFILLED_COLUMNS = ("project_id", "reason", "project_title", "host_school_name")

# The columns read back; the rest of pairings.csv is for people.
_PAIRINGS_NEEDS = ("project_id", "staff_id", "role")
_UNFILLED_NEEDS = ("project_id", "reason")
_ROLES = ("lead", "member")


class PlanFileError(Exception):
    """Plan files that cannot be read; ``problems`` lists every one found, in file order."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- writing ---------------------------------------------------------------------------------


def write_match_outputs(
    out_dir: str | os.PathLike[str],
    round_: Round,
    plan: Plan,
    summary: Mapping[str, object],
) -> list[Path]:
    """Write pairings.csv, unfilled.csv, summary.json and run.json into a folder, all or nothing.

    Parameters
    ----------
    out_dir
        The output folder; created if missing, replaced whole (``matcher.io.atomic``). The
        files of an earlier plan that this one does not write (schedule.csv, calendars/,
        clusters files) are removed; other files in it are kept.
    round_
        The round the plan was made for, to fill in schools, areas, travel and days.
    plan
        The plan to write. Every project and staff id in it must be in ``round_``.
    summary
        Written as pretty-printed JSON with sorted keys; dates and enums become strings. Its
        run times go to run.json.

    Returns
    -------
    list of Path
        The files written, in ``out_dir``.

    Raises
    ------
    ValueError
        If the plan names a project or staff member that is not in the round.
    TypeError
        If the summary holds a value JSON cannot represent. Nothing is written then.
    """
    # Checked before the folder is touched, so a bad plan leaves no trace either.
    _pairing_rows(round_, plan)
    from matcher.io.owned import MATCH_OWNS  # here: matcher.io.owned imports this module

    with atomic_output(out_dir, owns=MATCH_OWNS) as staging:
        names = write_match_files(staging, round_, plan, summary)
    return [Path(out_dir) / name for name in names]


def write_match_files(
    directory: Path, round_: Round, plan: Plan, summary: Mapping[str, object]
) -> list[str]:
    """Write the files into ``directory`` as they are (callers pass a staging folder).

    Returns the file names written (run.json only if the summary holds run times).
    """
    pairings = _pairing_rows(round_, plan)
    unfilled = [
        (project_id, reason, *_project_names(round_, project_id))
        for project_id, reason in sorted((u.project_id, u.reason) for u in plan.unfilled)
    ]
    repeatable, times = split_run_times(summary)
    _write_csv(directory / PAIRINGS, PAIRINGS_COLUMNS, pairings)
    _write_csv(directory / UNFILLED, UNFILLED_COLUMNS, unfilled)
    (directory / SUMMARY).write_text(_summary_json(repeatable), encoding="utf-8", newline="")
    if not times:
        return [PAIRINGS, UNFILLED, SUMMARY]
    (directory / RUN).write_text(_summary_json(times), encoding="utf-8", newline="")
    return [PAIRINGS, UNFILLED, SUMMARY, RUN]


def write_whole_run_time(
    directory: Path, summary: Mapping[str, object], seconds: float
) -> None:
    """Rewrite run.json with ``seconds``, the whole run to its last file, as
    ``wall_time_seconds``; the plan's own time (reading and writing left out) stays as
    ``planning_seconds``. Written last, so an analyst's figure is what the run really took."""
    _, times = split_run_times(summary)
    if "wall_time_seconds" in times:
        times["planning_seconds"] = times["wall_time_seconds"]
    times["wall_time_seconds"] = round(seconds, 3)
    (directory / RUN).write_text(_summary_json(times), encoding="utf-8", newline="")


def _pairing_rows(round_: Round, plan: Plan) -> list[tuple[str | int, ...]]:
    unknown = sorted(
        {a.project_id for a in plan.assignments if a.project_id not in round_.project_by_id}
        | {a.staff_id for a in plan.assignments if a.staff_id not in round_.staff_by_id}
    )
    if unknown:
        raise ValueError(f"the plan names ids that are not in the round: {', '.join(unknown)}")
    ordered = sorted(plan.assignments, key=lambda a: (a.project_id, a.role != "lead", a.staff_id))
    return [_pairing_row(round_, plan, a) for a in ordered]


def _pairing_row(round_: Round, plan: Plan, a: Assignment) -> tuple[str | int, ...]:
    project = round_.project_by_id[a.project_id]
    person = round_.staff_by_id[a.staff_id]
    home = person.school_id
    title, host_name = _project_names(round_, a.project_id)
    return (
        a.project_id,
        project.host_school_id,
        a.staff_id,
        home,
        a.role,
        project.area,
        round_.travel_minutes(home, project.host_school_id),
        plan.days_of(project, a.staff_id),
        person.name,
        school_name(round_, home),
        host_name,
        title,
    )


def school_name(round_: Round, school_id: str) -> str:
    """The school's name, or "" for an id the round does not know (the checkers report it)."""
    school = round_.school_by_id.get(school_id)
    return school.name if school is not None else ""


def _project_names(round_: Round, project_id: str) -> tuple[str, str]:
    """(title, host school's name) of a project; blanks for an id the round does not know."""
    project = round_.project_by_id.get(project_id)
    if project is None:
        return "", ""
    return project.title, school_name(round_, project.host_school_id)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    # One writer for every CSV people open: ids that look like formulas are neutralised.
    write_csv(path, header, rows)


def _summary_json(summary: Mapping[str, object]) -> str:
    text = json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False, default=_as_json)
    return text + "\n"


def _as_json(value: object) -> object:
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    raise TypeError(f"summary.json cannot hold a value of type {type(value).__name__}")


# --- reading ---------------------------------------------------------------------------------


def read_plan(out_dir: str | os.PathLike[str]) -> Plan:
    """Read a plan back from pairings.csv and unfilled.csv.

    Only ``project_id``, ``staff_id`` and ``role`` are read from pairings.csv (the other
    columns are checked against the round by :mod:`matcher.verify_columns`). A missing
    unfilled.csv means no unfilled projects.
    Whether the plan keeps the rules is :func:`matcher.verify.verify_plan`'s business.

    Parameters
    ----------
    out_dir
        The folder a matching run wrote.

    Returns
    -------
    Plan
        The assignments in file order, and the unfilled projects.

    Raises
    ------
    PlanFileError
        Listing every problem found in either file: file, row (spreadsheet numbering, the
        header is row 1), column, the value and what was expected.
    """
    folder = Path(out_dir)
    problems: list[str] = []
    pairings_path = folder / PAIRINGS
    if pairings_path.is_file():
        assignments = list(_assignments(_read_table(pairings_path, _PAIRINGS_NEEDS, problems)))
    else:
        assignments = []
        problems.append(f"{PAIRINGS}: not found in {folder}; expected the file a match run writes")
    unfilled_path = folder / UNFILLED
    unfilled: list[UnfilledProject] = []
    if unfilled_path.is_file():
        unfilled = list(_unfilled(_read_table(unfilled_path, _UNFILLED_NEEDS, problems)))
    if problems:
        raise PlanFileError(problems)
    return Plan(assignments=tuple(assignments), unfilled=tuple(unfilled))


def read_pairing_cells(out_dir: str | os.PathLike[str]) -> list[tuple[int, dict[str, str]]]:
    """Every data row of pairings.csv with its cells, for checking the columns people read.

    Parameters
    ----------
    out_dir
        The folder a matching run wrote.

    Returns
    -------
    list of (int, dict)
        Each non-blank data row's spreadsheet row number (the header is row 1) and its cells
        by column, stripped and with formula quoting undone; empty without the file. What
        cannot be read is :func:`read_plan`'s to report.
    """
    path = Path(out_dir) / PAIRINGS
    if not path.is_file():
        return []
    return [(row.number, row.cells) for row in _read_table(path, _PAIRINGS_NEEDS, [])]


def read_unfilled_cells(out_dir: str | os.PathLike[str]) -> list[tuple[int, dict[str, str]]]:
    """Every data row of unfilled.csv with its cells, as :func:`read_pairing_cells`."""
    path = Path(out_dir) / UNFILLED
    if not path.is_file():
        return []
    return [(row.number, row.cells) for row in _read_table(path, _UNFILLED_NEEDS, [])]


class _Row:
    """One data row, which notes its own problems in the shared list as values are read."""

    def __init__(self, file: str, number: int, cells: dict[str, str], problems: list[str]):
        self.file, self.number, self.cells, self.problems = file, number, cells, problems

    def where(self, column: str) -> str:
        return f"{self.file} row {self.number}, column {column}"

    def required(self, column: str, expected: str) -> str | None:
        value = self.cells[column]
        if not value:
            self.problems.append(f"{self.where(column)}: the value is empty; expected {expected}")
            return None
        return value

    def choice(self, column: str, allowed: Sequence[str]) -> str | None:
        expected = f"one of {', '.join(allowed)}"
        value = self.required(column, expected)
        if value is None:
            return None
        # Spreadsheets capitalise as they please; "Lead" is meant as lead.
        if value.casefold() in allowed:
            return value.casefold()
        self.problems.append(f"{self.where(column)}: '{value}' is not {expected}")
        return None


def _assignments(rows: Iterator[_Row]) -> Iterator[Assignment]:
    for row in rows:
        project_id = row.required("project_id", "a project id")
        staff_id = row.required("staff_id", "a staff id")
        role = row.choice("role", _ROLES)
        if project_id and staff_id and role:
            lead_or_member: Literal["lead", "member"] = "lead" if role == "lead" else "member"
            yield Assignment(project_id=project_id, staff_id=staff_id, role=lead_or_member)


def _unfilled(rows: Iterator[_Row]) -> Iterator[UnfilledProject]:
    for row in rows:
        project_id = row.required("project_id", "a project id")
        if project_id:
            yield UnfilledProject(project_id=project_id, reason=row.cells["reason"])


def _read_table(path: Path, needs: Sequence[str], problems: list[str]) -> Iterator[_Row]:
    """Rows of a CSV file as :class:`_Row`, with values stripped; blank rows are skipped.

    Problems with the file as a whole (encoding, header) are noted and end the file early.
    """
    try:
        # utf-8-sig: a file saved from Excel starts with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})")
        return
    records = enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    try:
        header = _header(path.name, records, needs, problems)
        if header is None:
            return
        for number, cells in records:
            row = _data_row(path.name, header, number, cells, problems)
            if row is not None:
                yield row
    except csv.Error as error:
        problems.append(f"{path.name}: unreadable CSV ({error}); rows from there on were skipped")


def _data_row(
    file: str, header: list[str], number: int, cells: list[str], problems: list[str]
) -> _Row | None:
    # Spreadsheets leave blank rows at the end; they mean nothing.
    if not any(cell.strip() for cell in cells):
        return None
    if len(cells) > len(header):
        problems.append(
            f"{file} row {number}: {len(cells)} cells but the header has {len(header)} columns"
        )
        return None
    # restore: the writer quoted ids that a spreadsheet would take for formulas.
    values = dict(zip(header, (restore(c.strip()) for c in cells), strict=False))
    return _Row(file, number, {column: values.get(column, "") for column in header}, problems)


def _header(
    file: str,
    records: Iterator[tuple[int, list[str]]],
    needs: Sequence[str],
    problems: list[str],
) -> list[str] | None:
    first = next(records, None)
    if first is None:
        problems.append(f"{file}: the file is empty; expected a header row {','.join(needs)}")
        return None
    header = [cell.strip() for cell in first[1]]
    missing = [column for column in needs if column not in header]
    if missing:
        problems.append(
            f"{file} row 1 (header): missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(needs)}"
        )
        return None
    doubled = sorted({c for c in needs if header.count(c) > 1})
    if doubled:
        problems.append(f"{file} row 1 (header): column(s) {', '.join(doubled)} appear twice")
        return None
    return header
