"""schedule.csv: the dated visits of a plan, and reading them back for ``matcher verify``.

One row per day of a visit, per findings presentation, per scoping meeting and per
governors' presentation (column ``kind``: visit, presentation, scoping, governors). The
last three columns put names beside the ids (the host's name, the project title and the
team's names, for the coordinator who writes to heads); they are not read back, and older
files without them still read. Emails stay in the input files. Rows are sorted by date, start
time and visit id, so the file is byte-identical across re-runs of the same schedule and a
moved visit shows up as a small diff.

Projects that could not be dated are not in this file: they are listed with the reason in
``unfilled.csv``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from matcher.io.plan_files import _read_table, _Row, _write_csv, school_name
from matcher.model import EVENT_KINDS, EventKind, Round, Schedule, ScheduledEvent

SCHEDULE = "schedule.csv"

SCHEDULE_COLUMNS = (
    "visit_id",
    "project_id",
    "visit_no",
    "kind",
    "date",
    "start",
    "end",
    "host_school_id",
    "staff_ids",
    # For people; at the end so readers of older files keep working.
    "host_school_name",
    "project_title",
    "staff_names",
)
# The columns read back: all but the names.
SCHEDULE_NEEDS = SCHEDULE_COLUMNS[:9]

_KINDS: tuple[EventKind, ...] = EVENT_KINDS
_STAFF_SEPARATOR = ";"
# Spreadsheets drop the leading zero of "08:45"; both spellings mean the same time.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleFileError(Exception):
    """A schedule.csv that cannot be read; ``problems`` lists every one found, in file order."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- writing ---------------------------------------------------------------------------------


def write_schedule_csv(directory: Path, schedule: Schedule, round_: Round | None = None) -> Path:
    """Write ``schedule.csv`` into a folder.

    Not atomic by itself: pass the staging folder of
    :func:`matcher.io.atomic.atomic_output` so it lands together with the other output files.

    Parameters
    ----------
    directory
        The folder to write into; it must exist.
    schedule
        The schedule; only its events are written.
    round_
        The round, for the names beside the ids; without it those columns are blank.

    Returns
    -------
    Path
        ``directory / "schedule.csv"``.
    """
    path = Path(directory) / SCHEDULE
    events = sorted(schedule.events, key=lambda e: (e.date, e.start, e.visit_id))
    _write_csv(path, SCHEDULE_COLUMNS, (_schedule_row(e, round_) for e in events))
    return path


def _schedule_row(event: ScheduledEvent, round_: Round | None) -> tuple[str | int, ...]:
    return (
        event.visit_id,
        event.project_id,
        event.visit_no,
        event.kind,
        event.date.isoformat(),
        _clock(event.start),
        _clock(event.end),
        event.host_school_id,
        _STAFF_SEPARATOR.join(sorted(event.staff_ids)),
        *_names(event, round_),
    )


def _names(event: ScheduledEvent, round_: Round | None) -> tuple[str, str, str]:
    """(host's name, project title, team names in staff-id order), blank where unknown."""
    if round_ is None:
        return "", "", ""
    project = round_.project_by_id.get(event.project_id)
    people = [round_.staff_by_id.get(staff_id) for staff_id in sorted(event.staff_ids)]
    return (
        school_name(round_, event.host_school_id),
        project.title if project is not None else "",
        _STAFF_SEPARATOR.join(person.name if person else "" for person in people),
    )


def read_schedule_cells(directory: Path) -> list[tuple[int, dict[str, str]]]:
    """Every data row of schedule.csv with its cells, for checking the name columns.

    As :func:`matcher.io.plan_files.read_pairing_cells`: spreadsheet row numbers, cells
    stripped and unquoted; empty without the file (what cannot be read is
    :func:`read_schedule`'s to report).
    """
    path = Path(directory) / SCHEDULE
    if not path.is_file():
        return []
    return [(row.number, row.cells) for row in _read_table(path, SCHEDULE_NEEDS, [])]


def _clock(time: dt.time) -> str:
    return time.strftime("%H:%M")


# --- reading ---------------------------------------------------------------------------------


def read_schedule(directory: Path) -> Schedule | None:
    """Read the events of a schedule back from ``schedule.csv``.

    ``day_no`` is not a column: it is each visit day's place among the dates of the same
    project and visit (the first date is day 1), which is what it means. Staff ids are sorted.
    Whether the schedule keeps the rules is the plan checker's business.

    Parameters
    ----------
    directory
        The folder a planning run wrote.

    Returns
    -------
    Schedule or None
        The events in file order (``unscheduled`` is empty: those projects are in
        unfilled.csv); None when the folder has no schedule.csv, as after a pairing-only run.

    Raises
    ------
    ScheduleFileError
        Listing every problem found: file, row (spreadsheet numbering, the header is row 1),
        column, the value and what was expected.
    """
    path = Path(directory) / SCHEDULE
    if not path.is_file():
        return None
    problems: list[str] = []
    rows = list(_events(_read_table(path, SCHEDULE_NEEDS, problems)))
    if problems:
        raise ScheduleFileError(problems)
    return Schedule(events=tuple(_with_day_numbers(rows)))


def _events(rows: Iterator[_Row]) -> Iterator[ScheduledEvent]:
    first_row_of: dict[str, int] = {}
    for row in rows:
        event = _event(row)
        if event is None:
            continue
        earlier = first_row_of.setdefault(event.visit_id, row.number)
        if earlier != row.number:
            row.problems.append(
                f"{row.where('visit_id')}: '{event.visit_id}' is already on row {earlier}; "
                "expected each visit id once"
            )
            continue
        yield event


def _event(row: _Row) -> ScheduledEvent | None:
    # Every cell is read before giving up on the row, so all its problems are reported.
    visit_id = row.required("visit_id", "a visit id")
    project_id = row.required("project_id", "a project id")
    visit_no = _positive_int(row, "visit_no")
    kind = row.choice("kind", _KINDS)
    date = _date(row, "date")
    start = _time(row, "start")
    end = _time(row, "end")
    host = row.required("host_school_id", "a school id")
    staff_ids = _staff_ids(row, "staff_ids")
    if start is not None and end is not None and end <= start:
        row.problems.append(
            f"{row.where('end')}: '{_clock(end)}' is not after start ({_clock(start)}); "
            "expected an end time after the start time"
        )
        return None
    if (
        visit_id is None
        or project_id is None
        or visit_no is None
        or kind is None
        or date is None
        or start is None
        or end is None
        or host is None
        or staff_ids is None
    ):
        return None
    event_kind = next(k for k in _KINDS if k == kind)
    # day_no is filled in once all rows of the visit are known.
    return ScheduledEvent(
        visit_id=visit_id,
        project_id=project_id,
        visit_no=visit_no,
        kind=event_kind,
        date=date,
        start=start,
        end=end,
        host_school_id=host,
        staff_ids=staff_ids,
    )


def _positive_int(row: _Row, column: str) -> int | None:
    expected = "a whole number, 1 or more"
    value = row.required(column, expected)
    if value is None:
        return None
    if value.isdigit() and int(value) >= 1:
        return int(value)
    row.problems.append(f"{row.where(column)}: '{value}' is not {expected}")
    return None


def _date(row: _Row, column: str) -> dt.date | None:
    expected = "a date as YYYY-MM-DD"
    value = row.required(column, expected)
    if value is None:
        return None
    # fromisoformat alone would also take "20260115" and week dates; insist on one form.
    if _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:  # well formed but no such day, like 2026-02-30
            pass
    row.problems.append(f"{row.where(column)}: '{value}' is not {expected}")
    return None


def _time(row: _Row, column: str) -> dt.time | None:
    expected = "a time as HH:MM (24-hour clock)"
    value = row.required(column, expected)
    if value is None:
        return None
    match = _CLOCK.match(value)
    if match is None:
        row.problems.append(f"{row.where(column)}: '{value}' is not {expected}")
        return None
    return dt.time(int(match.group(1)), int(match.group(2)))


def _staff_ids(row: _Row, column: str) -> tuple[str, ...] | None:
    expected = f"staff ids separated by '{_STAFF_SEPARATOR}'"
    value = row.required(column, expected)
    if value is None:
        return None
    ids = [part.strip() for part in value.split(_STAFF_SEPARATOR)]
    ids = [staff_id for staff_id in ids if staff_id]  # a trailing ";" is harmless
    doubled = sorted({staff_id for staff_id in ids if ids.count(staff_id) > 1})
    if not ids or doubled:
        detail = f" ({', '.join(doubled)} twice)" if doubled else ""
        row.problems.append(f"{row.where(column)}: '{value}' is not {expected}{detail}")
        return None
    return tuple(sorted(ids))


def _with_day_numbers(rows: Sequence[ScheduledEvent]) -> Iterator[ScheduledEvent]:
    days: dict[tuple[str, int], list[tuple[dt.date, str]]] = defaultdict(list)
    for row in rows:
        if row.kind == "visit":
            days[(row.project_id, row.visit_no)].append((row.date, row.visit_id))
    day_no = {
        visit_id: number
        for dated in days.values()
        for number, (_, visit_id) in enumerate(sorted(dated), start=1)
    }
    for row in rows:
        yield row.model_copy(update={"day_no": day_no.get(row.visit_id, 1)})
