"""Re-planning from a published plan: fewest changes, locks kept, every plan checked."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_round, project, school, staff

import matcher
from matcher.changes import count_changes, diff_plans
from matcher.cli import main
from matcher.days import SchoolCalendar
from matcher.model import Assignment, Lock, Plan, Round, Schedule, ScheduledEvent
from matcher.verify_schedule import verify_schedule
from matcher.written import WrittenPlan

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
WINDOW = {"earliest": dt.date(2026, 1, 12), "latest": dt.date(2026, 1, 14)}


def tiny(**dropped: int) -> Round:
    """Three one-day projects at A, B, C over three days; four reviewers, one per school."""
    schools = [school(s) for s in "ABCD"]
    people = [staff(f"S{i}", s, max_days=dropped.get(f"S{i}", 6)) for i, s in enumerate("ABCD")]
    projects = [project(f"P{s}", s, max_reviewers=1, **WINDOW) for s in "ABC"]
    return make_round(schools, people, projects)


def _checked(round_: Round, plan: Plan, schedule: Schedule) -> bool:
    return not matcher.verify_plan(round_, plan) and not verify_schedule(round_, plan, schedule)


def brute_force_fewest(round_: Round, old: WrittenPlan) -> int:
    """The fewest changes among every checked plan that staffs the most projects."""
    days = [d for d in SchoolCalendar(round_.settings).term_days if WINDOW["earliest"] <= d]
    days = [d for d in days if d <= WINDOW["latest"]]
    options: list[tuple[str, dt.date] | None] = [
        None,
        *itertools.product([s.staff_id for s in round_.staff], days),
    ]
    best: tuple[int, int] | None = None
    for choice in itertools.product(options, repeat=len(round_.projects)):
        plan, schedule = _plan_of(round_, choice)
        if not _checked(round_, plan, schedule):
            continue
        assert old.plan is not None
        changes = count_changes(diff_plans(round_, (old.plan, old.schedule), (plan, schedule)))
        key = (-len(plan.assignments), changes)
        best = key if best is None else min(best, key)
    assert best is not None
    return best[1]


def _plan_of(
    round_: Round, choice: tuple[tuple[str, dt.date] | None, ...]
) -> tuple[Plan, Schedule]:
    assignments, events = [], []
    settings = round_.settings.calendar
    for p, picked in zip(round_.projects, choice, strict=True):
        if picked is None:
            continue
        staff_id, day = picked
        assignments.append(Assignment(project_id=p.project_id, staff_id=staff_id, role="lead"))
        events.append(
            ScheduledEvent(
                visit_id=f"{p.project_id}-v1-d1",
                project_id=p.project_id,
                visit_no=1,
                kind="visit",
                date=day,
                start=settings.day_start,
                end=settings.day_end,
                host_school_id=p.host_school_id,
                staff_ids=(staff_id,),
            )
        )
    unfilled = tuple(
        matcher.model.UnfilledProject(project_id=p.project_id, reason="-")
        for p in round_.projects
        if p.project_id not in {a.project_id for a in assignments}
    )
    return Plan(assignments=tuple(assignments), unfilled=unfilled), Schedule(events=tuple(events))


def _published(round_: Round) -> WrittenPlan:
    outcome = matcher.plan(round_, time_limit=5)
    return WrittenPlan(plan=outcome.plan, schedule=outcome.schedule, clusters=None)


@pytest.mark.parametrize("dropped", ["S1", "S2", "S3"])
def test_a_drop_out_changes_no_more_than_the_brute_force_minimum(dropped: str) -> None:
    old = _published(tiny())
    after = tiny(**{dropped: 0})
    outcome = matcher.plan(after, time_limit=5, previous=old)
    assert _checked(after, outcome.plan, outcome.schedule)
    assert outcome.changes is not None
    assert count_changes(outcome.changes) == brute_force_fewest(after, old)
    assert outcome.changes_bound is not None
    assert outcome.changes_bound <= count_changes(outcome.changes)


def test_an_unchanged_round_gives_no_change() -> None:
    round_ = tiny()
    old = _published(round_)
    outcome = matcher.plan(round_, time_limit=5, previous=old)
    assert outcome.changes == ()
    assert outcome.summary()["changes"] == 0 == outcome.summary()["changes_bound"]


def test_a_locked_reviewer_and_date_hold() -> None:
    round_ = tiny().replace(
        locks=(
            Lock(project_id="PA", staff_id="S3"),
            Lock(project_id="PB", visit_no=1, date=dt.date(2026, 1, 14)),
        )
    )
    outcome = matcher.plan(round_, time_limit=5)
    assert any(a.project_id == "PA" and a.staff_id == "S3" for a in outcome.plan.assignments)
    dates = {e.project_id: e.date for e in outcome.schedule.events}
    assert dates["PB"] == dt.date(2026, 1, 14)
    assert _checked(round_, outcome.plan, outcome.schedule)


@pytest.mark.parametrize(("reviewer", "rules"), [("S3", []), ("S2", ["locks"])])
def test_the_checker_allows_a_kept_lock_and_reports_a_broken_one(
    reviewer: str, rules: list[str]
) -> None:
    round_ = tiny().replace(locks=(Lock(project_id="PA", staff_id="S3"),))
    unfilled = tuple(
        matcher.model.UnfilledProject(project_id=p, reason="-") for p in ("PB", "PC")
    )
    plan = Plan(assignments=(Assignment(project_id="PA", staff_id=reviewer),), unfilled=unfilled)
    assert [v.rule for v in matcher.verify_plan(round_, plan)] == rules


def test_an_impossible_lock_is_named_with_its_rule() -> None:
    own = tiny().replace(locks=(Lock(project_id="PA", staff_id="S0"),))
    with pytest.raises(matcher.LockError, match=r"\[own_school\]"):
        matcher.plan(own, time_limit=5)
    busy = tiny(S1=0).replace(locks=(Lock(project_id="PB", staff_id="S1"),))
    with pytest.raises(matcher.LockError, match=r"\[capacity\]"):
        matcher.plan(busy, time_limit=5)


@pytest.fixture(scope="module")
def sample_old(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("old")
    result = CliRunner().invoke(
        main, ["plan", str(SAMPLE), "--out", str(out), "--time-limit", "5", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_cli_unchanged_input_writes_a_header_only_changes_csv(
    sample_old: Path, tmp_path: Path
) -> None:
    new = tmp_path / "new"
    args = ["plan", str(SAMPLE), "--out", str(new), "--previous", str(sample_old)]
    result = CliRunner().invoke(main, [*args, "--time-limit", "5", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (new / "changes.csv").read_text(encoding="utf-8").splitlines() == [
        "kind,project_id,staff_id,visit_no,old,new,reason"
    ]


@pytest.mark.parametrize("case", ["missing", "not_a_plan", "other_round", "corrupt"])
def test_cli_refuses_a_bad_previous_folder(sample_old: Path, tmp_path: Path, case: str) -> None:
    bad = tmp_path / "bad"
    if case != "missing":
        import shutil

        shutil.copytree(sample_old, bad)
    if case == "not_a_plan":
        (bad / "pairings.csv").unlink()
    elif case == "other_round":
        text = (bad / "summary.json").read_text(encoding="utf-8")
        (bad / "summary.json").write_text(
            text.replace('"round_number": 3', '"round_number": 2'), encoding="utf-8"
        )
    elif case == "corrupt":
        (bad / "pairings.csv").write_text("project_id,staff_id,role\nP02,,boss\n", "utf-8")
    new = tmp_path / "new"
    args = ["plan", str(SAMPLE), "--out", str(new), "--previous", str(bad), "--quiet"]
    result = CliRunner().invoke(main, [*args, "--time-limit", "5"])
    assert result.exit_code == 2, result.output
    assert not new.exists()
