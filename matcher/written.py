"""A plan folder already written: read it back, re-check it, rewrite its calendars.

The commands that work on a written plan (``schedule``, ``calendars``, ``verify``,
``report``) are thin
shells over these functions, which a user can call from Python too. Those that build on a
written plan check it first with the independent checkers and refuse one that breaks a hard
rule (:class:`BrokenPlanError`), so a hand edit that puts a reviewer at their own school is
never dated or sent out as invitations.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from matcher.io.atomic import atomic_output, reading
from matcher.io.calendar import write_calendars
from matcher.io.cluster_files import (
    ClusterFileError,
    has_clusters,
    read_cluster_cells,
    read_cluster_plan,
)
from matcher.io.owned import CALENDARS_OWNS, REPORT_OWNS
from matcher.io.plan_files import (
    PAIRINGS,
    UNFILLED,
    PlanFileError,
    read_pairing_cells,
    read_plan,
    read_unfilled_cells,
)
from matcher.io.schedule_files import (
    SCHEDULE,
    ScheduleFileError,
    read_schedule,
    read_schedule_cells,
)
from matcher.model import ClusterPlan, Plan, Round, Schedule
from matcher.report.build import write_report_files
from matcher.verify import Violation, verify_plan
from matcher.verify_clusters import ClusterViolation, verify_clusters
from matcher.verify_columns import (
    verify_cluster_columns,
    verify_name_columns,
    verify_pairing_columns,
)
from matcher.verify_schedule import verify_schedule

AnyViolation = Violation | ClusterViolation


class WrittenPlanError(Exception):
    """A written plan's files cannot be read; ``problems`` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class BrokenPlanError(Exception):
    """A written plan breaks hard rules, so a command that builds on it refuses to.

    ``violations`` lists every one, as ``matcher verify`` reports them; nothing was written.
    """

    def __init__(self, folder: str | os.PathLike[str], violations: list[AnyViolation]) -> None:
        self.violations = list(violations)
        lines = "".join(f"\n  [{v.rule}] {v.message}" for v in self.violations)
        super().__init__(
            f"{folder}: {len(self.violations)} hard-rule violation(s); nothing was written.{lines}"
        )


@dataclass(frozen=True)
class WrittenPlan:
    """What a folder holds: pairings (None for a folder of clusters alone), dates, clusters."""

    plan: Plan | None
    schedule: Schedule | None
    clusters: ClusterPlan | None


@dataclass(frozen=True)
class WrittenCheck:
    """The hard rules a written plan breaks (empty: none), and what was checked."""

    written: WrittenPlan
    violations: list[AnyViolation] = field(default_factory=list)

    def summary(self, folder: str | os.PathLike[str]) -> str:
        if self.written.plan is None:
            clusters = self.written.clusters
            count = len(clusters.clusters()) if clusters is not None else 0
            return f"{folder}: OK - {count} clusters, no cluster rule broken."
        return (
            f"{folder}: OK - {len(self.written.plan.assignments)} reviewer places, "
            f"{len(self.written.plan.unfilled)} unstaffed project(s), no hard rule broken."
        )


def read_written(folder: str | os.PathLike[str]) -> WrittenPlan:
    """Read pairings, dates and clusters back from a folder ``plan``, ``match`` or ``clusters``
    wrote. Raises WrittenPlanError naming every unreadable file, row and column."""
    target = Path(folder)
    # Every file from one version of the folder, never some from a run replacing it.
    with reading(target):
        try:
            clusters = read_cluster_plan(target) if has_clusters(target) else None
            if clusters is not None and not (target / "pairings.csv").exists():
                return WrittenPlan(plan=None, schedule=None, clusters=clusters)
            plan, dates = read_plan(target), read_schedule(target)
            return WrittenPlan(plan=plan, schedule=dates, clusters=clusters)
        except (PlanFileError, ScheduleFileError, ClusterFileError) as error:
            raise WrittenPlanError(error.problems) from error


def read_previous(folder: str | os.PathLike[str], round_: Round) -> WrittenPlan:
    """A plan folder published earlier for this round, to re-plan from (``plan(previous=)``).

    Its summary.json must name this round (name and number, as round.toml gives them) and
    its pairings and dates must read back. The plan is not re-checked against the round: a
    drop-out or a new unavailability is why it is re-planned, and the new plan keeps every
    rule. Raises WrittenPlanError, naming the folder and what is wrong.
    """
    target = Path(folder)
    summary_path = target / "summary.json"
    if not target.is_dir() or not (target / "pairings.csv").is_file():
        raise WrittenPlanError(
            [f"{target}: not a plan folder (no pairings.csv); give --previous the --out "
             "folder of an earlier `matcher plan`."]
        )
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise WrittenPlanError(
            [f"{summary_path}: cannot be read as a plan summary ({error})"]
        ) from error
    settings = round_.settings
    if not isinstance(summary, dict):
        summary = {}
    name, number = summary.get("round"), summary.get("round_number")
    if name != settings.name or number != settings.number:
        raise WrittenPlanError(
            [f"{summary_path}: the plan is for round {name!r} (number {number}), not this "
             f"round {settings.name!r} (number {settings.number}) of round.toml; give "
             "--previous a plan of this round."]
        )
    written = read_written(target)
    if written.plan is None:
        raise WrittenPlanError([f"{target}: no pairings.csv; not a plan folder."])
    return written


def verify_written(round_: Round, folder: str | os.PathLike[str]) -> WrittenCheck:
    """Re-check a written plan against every hard rule: clusters, pairings and dates.

    The checkers share no code with the solvers. Pairings matched inside clusters that the same
    run formed are checked against those clusters, not the round's input ones. The columns
    people read but no command reads back (a pairing's schools, area, travel minutes and days;
    a cluster's size and longest journey; the names beside the ids in pairings.csv,
    schedule.csv and unfilled.csv) must say what the round says (rule ``column``).
    """
    written = read_written(folder)
    violations = _rule_violations(round_, written, dates=True)
    if written.clusters is not None:
        cells = read_cluster_cells(folder)
        violations += verify_cluster_columns(round_, written.clusters, cells)
    if written.plan is not None:
        pairings = read_pairing_cells(folder)
        violations += verify_pairing_columns(round_, pairings)
        violations += verify_name_columns(round_, PAIRINGS, pairings)
        violations += verify_name_columns(round_, UNFILLED, read_unfilled_cells(folder))
        violations += verify_name_columns(round_, SCHEDULE, read_schedule_cells(Path(folder)))
    return WrittenCheck(written=written, violations=violations)


def _rule_violations(round_: Round, written: WrittenPlan, *, dates: bool) -> list[AnyViolation]:
    """The hard rules the folder's clusters, pairings and (if ``dates``) schedule break."""
    violations: list[AnyViolation] = []
    if written.clusters is not None:
        violations += verify_clusters(round_, written.clusters)
        round_ = round_.replace(
            clusters=written.clusters.members, rotation=written.clusters.rotation
        )
    if written.plan is not None:
        violations += verify_plan(round_, written.plan)
        if dates and written.schedule is not None:
            violations += verify_schedule(round_, written.plan, written.schedule)
    return violations


def pairings_to_date(round_: Round, folder: str | os.PathLike[str]) -> Plan:
    """The pairings of a written plan, for dating them again, once they keep every hard rule.

    The folder's clusters (if any) and pairings are checked; its schedule.csv is not, nor
    the columns of pairings.csv that no command reads: dating replaces them all, so pairings
    edited by hand can be re-dated.

    Parameters
    ----------
    round_
        The round the pairings were made for.
    folder
        A folder ``match`` or ``plan`` wrote.

    Returns
    -------
    Plan
        The pairings and unfilled projects.

    Raises
    ------
    WrittenPlanError
        If the files cannot be read, or the folder has no pairings.csv.
    BrokenPlanError
        If the pairings (or the clusters they were matched in) break a hard rule.
    """
    written = read_written(folder)
    if written.plan is None:
        raise WrittenPlanError([f"{folder}: no pairings.csv; run `matcher match` or `plan` first."])
    violations = _rule_violations(round_, written, dates=False)
    if violations:
        raise BrokenPlanError(folder, violations)
    return written.plan


def rewrite_calendars(round_: Round, folder: str | os.PathLike[str]) -> list[Path]:
    """Rewrite ``folder/calendars/`` from its schedule.csv, all or nothing (the folder is
    replaced whole, every file but calendars/ carried over unchanged).

    Events keep their UIDs; a moved event gets a higher SEQUENCE and a vanished one is
    exported as cancelled. The folder is first checked as :func:`verify_written` checks it,
    so invitations never go out for a plan that breaks a hard rule or for a schedule.csv
    whose teams are not those of pairings.csv.

    Raises
    ------
    WrittenPlanError
        If the files cannot be read, or the folder has no schedule.csv.
    BrokenPlanError
        If the folder breaks any hard rule; nothing is written then.
    """
    target = Path(folder)
    check = verify_written(round_, target)
    written = check.written
    if written.plan is None or written.schedule is None:
        raise WrittenPlanError([f"{target}: no schedule.csv; run `matcher plan` first."])
    if check.violations:
        raise BrokenPlanError(target, check.violations)
    roles = {(a.project_id, a.staff_id): a.role for a in written.plan.assignments}
    with atomic_output(target, owns=CALENDARS_OWNS) as staging:
        paths = write_calendars(staging, round_, written.schedule, previous=target, roles=roles)
        names = [path.relative_to(staging) for path in paths]
    return [target / name for name in names]


def rebuild_report(round_: Round, folder: str | os.PathLike[str]) -> list[Path]:
    """Rebuild ``folder``'s plan.xlsx and report.html from its files, all or nothing.

    The folder is checked first as :func:`verify_written` checks it, so a report never shows
    a plan that breaks a hard rule. From an unchanged folder the files are byte-identical to
    those ``plan`` (or ``match``) wrote there; after a hand edit they show the edited plan.
    Every other file in the folder is carried over unchanged.

    Parameters
    ----------
    round_
        The round the plan was made for.
    folder
        A folder ``plan``, ``match`` or ``schedule`` wrote.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    WrittenPlanError
        If the files cannot be read, or the folder has no pairings.csv.
    BrokenPlanError
        If the folder breaks any hard rule; nothing is written then.
    """
    target = Path(folder)
    check = verify_written(round_, target)
    written = check.written
    if written.plan is None:
        raise WrittenPlanError([f"{target}: no pairings.csv; run `matcher plan` first."])
    if check.violations:
        raise BrokenPlanError(target, check.violations)
    summary = _read_summary(target)
    with atomic_output(target, owns=REPORT_OWNS) as staging:
        names = write_report_files(staging, round_, written.plan, written.schedule, summary)
    return [target / name for name in names]


def _read_summary(folder: Path) -> dict[str, object]:
    """summary.json as written; empty if missing (the page then shows no solver status)."""
    path = folder / "summary.json"
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WrittenPlanError([f"{path}: not readable JSON ({error})"]) from error
    if not isinstance(loaded, dict):
        raise WrittenPlanError([f"{path}: expected a JSON object"])
    return loaded
