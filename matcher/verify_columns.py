"""The columns of a written plan that are there for people, checked against the round.

pairings.csv and clusters.csv carry columns no command reads back: a reviewer's school, the
host, the area, the travel minutes and the days of each pairing; the size and longest journey
of each cluster. People read them, so a hand edit or a stale copy that leaves them saying
something the round does not is bad data, even when every rule is kept. ``matcher verify``
therefore works each one out again from the round and reports every difference, naming the
file, row, column, the value and the value expected. The names written beside the ids
(pairings.csv, schedule.csv and unfilled.csv: a reviewer's name, a school's name, a project's
title) are checked the same way by :func:`verify_name_columns`, since a coordinator writes to
heads from them; a reviewer's name is personal data, so a message about one names the staff
id, never the name written or expected. (The other columns of schedule.csv are all read back
and checked by :mod:`matcher.verify_schedule`.)

As in the other checkers nothing comes from ``solvers/`` or the writers: travel minutes are
the round's own (:meth:`matcher.model.Round.travel_minutes`: travel.csv, else the documented
estimate from coordinates). A column missing from a file is not checked (the file is only
narrower); a blank cell is reported, with the value it should hold. Rows whose ids are not in
the round are left to the rules that report unknown ids. Messages name ids only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations
from typing import NamedTuple

from matcher.model import ClusterPlan, Round
from matcher.verify import Violation
from matcher.verify_clusters import ClusterViolation

COLUMN_RULE = "column"
"""The rule name a mismatched column is reported under, by both functions here."""

PAIRINGS_FILE = "pairings.csv"
CLUSTERS_FILE = "clusters.csv"
# Name columns whose values are personal data: reported without the value.
_PERSONAL = frozenset({"staff_name", "staff_names"})
_STAFF_SEPARATOR = ";"

CellRows = Iterable[tuple[int, Mapping[str, str]]]
"""Data rows as (spreadsheet row number, the header row being 1; cells by column name)."""


class _Mismatch(NamedTuple):
    column: str
    value: str
    expected: str | int


def _scoping_attendees(rows: list[tuple[int, Mapping[str, str]]]) -> dict[str, str]:
    """Who goes to each project's scoping meeting, by the rows: the team's lead, or in a team
    without one the member first by staff id."""
    leads: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for _number, cells in rows:
        project_id, staff_id = cells.get("project_id", ""), cells.get("staff_id", "")
        members.setdefault(project_id, []).append(staff_id)
        if cells.get("role") == "lead":
            leads.setdefault(project_id, []).append(staff_id)
    return {p: min(leads.get(p) or team) for p, team in members.items()}


def verify_pairing_columns(round_: Round, rows: CellRows) -> list[Violation]:
    """Compare the reader's columns of pairings.csv with what the round says.

    Parameters
    ----------
    round_
        The round the plan was made for.
    rows
        The data rows of pairings.csv, as :func:`matcher.io.plan_files.read_pairing_cells`
        gives them (cells stripped, formula quoting undone).

    Returns
    -------
    list of Violation
        One per cell that differs, under the rule ``"column"``, in file order: host_school_id
        (the project's host), staff_school_id (the reviewer's school), area (the project's),
        travel_minutes (one way, home school to host) and days (the reviewer's days out: the
        project's days per reviewer, and for the scoping meeting's attendee its half day
        too, rounded up over the project).
    """
    rows = list(rows)
    attends = _scoping_attendees(rows)
    found: list[Violation] = []
    for number, cells in rows:
        project = round_.project_by_id.get(cells.get("project_id", ""))
        person = round_.staff_by_id.get(cells.get("staff_id", ""))
        if project is None or person is None:
            continue  # unknown_project and unknown_staff report these
        expected: dict[str, str | int] = {
            "host_school_id": project.host_school_id,
            "staff_school_id": person.school_id,
            "area": project.area,
            "days": project.days_out(
                scoping=project.scoping_meeting
                and attends.get(project.project_id) == person.staff_id
            ),
        }
        schools = round_.school_by_id
        if person.school_id in schools and project.host_school_id in schools:
            minutes = round_.travel_minutes(person.school_id, project.host_school_id)
            expected["travel_minutes"] = minutes
        for mismatch in _mismatches(cells, expected):
            found.append(
                Violation(
                    rule=COLUMN_RULE,
                    project_id=project.project_id,
                    staff_id=person.staff_id,
                    message=_message(PAIRINGS_FILE, number, mismatch),
                )
            )
    return found


def verify_name_columns(round_: Round, file: str, rows: CellRows) -> list[Violation]:
    """Compare the names written beside the ids with the round's.

    Parameters
    ----------
    round_
        The round the plan was made for.
    file
        The file the rows come from (pairings.csv, schedule.csv or unfilled.csv), for messages.
    rows
        Its data rows (cells stripped, formula quoting undone).

    Returns
    -------
    list of Violation
        One per name cell that differs, under the rule ``"column"``, in file order:
        project_title and host_school_name (from ``project_id``), staff_name and
        staff_school_name (from ``staff_id``), staff_names (from ``staff_ids``, in that order).
        Ids the round does not know are left to the rules that report them.
    """
    found: list[Violation] = []
    for number, cells in rows:
        expected = _expected_names(round_, cells)
        for mismatch in _mismatches(cells, expected):
            hidden = mismatch.column in _PERSONAL
            found.append(
                Violation(
                    rule=COLUMN_RULE,
                    project_id=cells.get("project_id") or None,
                    staff_id=cells.get("staff_id") or None,
                    message=_message(file, number, mismatch, hide_values=hidden),
                )
            )
    return found


def _expected_names(round_: Round, cells: Mapping[str, str]) -> dict[str, str | int]:
    expected: dict[str, str | int] = {}
    schools = round_.school_by_id
    project = round_.project_by_id.get(cells.get("project_id", ""))
    if project is not None:
        expected["project_title"] = project.title
        if project.host_school_id in schools:
            expected["host_school_name"] = schools[project.host_school_id].name
    person = round_.staff_by_id.get(cells.get("staff_id", ""))
    if person is not None:
        expected["staff_name"] = person.name
        if person.school_id in schools:
            expected["staff_school_name"] = schools[person.school_id].name
    ids = [part.strip() for part in cells.get("staff_ids", "").split(_STAFF_SEPARATOR)]
    team = [round_.staff_by_id.get(staff_id) for staff_id in ids if staff_id]
    if team and all(member is not None for member in team):
        expected["staff_names"] = _STAFF_SEPARATOR.join(m.name for m in team if m is not None)
    return expected


def verify_cluster_columns(
    round_: Round, plan: ClusterPlan, rows: CellRows
) -> list[ClusterViolation]:
    """Compare the reader's columns of clusters.csv with the clusters it lists.

    Parameters
    ----------
    round_
        The round, for travel minutes and the cluster mode (``[clusters] mode``).
    plan
        The clusters as read back from the same file (who is in which cluster, the hubs).
    rows
        The data rows of clusters.csv, as :func:`matcher.io.cluster_files.read_cluster_cells`
        gives them.

    Returns
    -------
    list of ClusterViolation
        One per cell that differs, under the rule ``"column"``, in file order: size (schools
        in the cluster) and max_travel_minutes (the longest journey between two of its schools,
        the longer way round; in hub mode, between a school and its hub).
    """
    clusters = plan.clusters()
    hubs = {m.cluster_id: m.school_id for m in plan.members if m.hub}
    found: list[ClusterViolation] = []
    for number, cells in rows:
        cluster_id = cells.get("cluster_id", "")
        schools = clusters.get(cluster_id)
        if schools is None:
            continue  # a row the cluster rules already report (blank id)
        expected: dict[str, str | int] = {"size": len(schools)}
        longest = _longest(round_, schools, hubs.get(cluster_id))
        if longest is not None:
            expected["max_travel_minutes"] = longest
        for mismatch in _mismatches(cells, expected):
            found.append(
                ClusterViolation(
                    rule=COLUMN_RULE,
                    cluster_id=cluster_id,
                    school_id=cells.get("school_id") or None,
                    message=_message(CLUSTERS_FILE, number, mismatch),
                )
            )
    return found


def _longest(round_: Round, schools: tuple[str, ...], hub: str | None) -> int | None:
    """The longest journey in a cluster; None if a school is unknown (unknown_school says)."""
    if any(school_id not in round_.school_by_id for school_id in schools):
        return None
    if round_.settings.clusters.mode == "hub" and hub is not None:
        pairs = [(hub, school_id) for school_id in schools if school_id != hub]
    else:
        pairs = list(combinations(schools, 2))
    return max(
        (max(round_.travel_minutes(a, b), round_.travel_minutes(b, a)) for a, b in pairs),
        default=0,
    )


def _mismatches(cells: Mapping[str, str], expected: Mapping[str, str | int]) -> Iterator[_Mismatch]:
    # In the file's own column order, as a reader looking along the row would find them.
    for column, value in cells.items():
        if column in expected and not _same(value, expected[column]):
            yield _Mismatch(column, value, expected[column])


def _same(value: str, expected: str | int) -> bool:
    if isinstance(expected, str):
        return value == expected  # ids: "0910001" is not "910001"
    # A spreadsheet may save a whole number as "14.0"; it still says 14.
    try:
        return float(value) == expected
    except ValueError:
        return False


def _message(file: str, number: int, mismatch: _Mismatch, *, hide_values: bool = False) -> str:
    where = f"{file} row {number}, column {mismatch.column}"
    if hide_values:
        # Personal data stays out of messages (they end up in logs and terminals).
        state = "is empty" if not mismatch.value else "does not match the round"
        return f"{where}: the name {state}; expected the name the round gives for that id"
    if not mismatch.value:
        return f"{where}: the value is empty; expected '{mismatch.expected}' (from the round)"
    return f"{where}: '{mismatch.value}' does not match the round; expected '{mismatch.expected}'"
