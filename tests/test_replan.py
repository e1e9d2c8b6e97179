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
from matcher.model import Assignment, Availability, Lock, Plan, Round, Schedule, ScheduledEvent
from matcher.notices import build_notices
from matcher.verify_schedule import verify_schedule
from matcher.written import WrittenPlan
from solvers.dating.changes import solve_dates_fewest_changes
from solvers.dating.encode import encode_schedule
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
WINDOW = {"earliest": dt.date(2026, 1, 12), "latest": dt.date(2026, 1, 14)}
FRIDAY = dt.date(2026, 1, 16)


def tiny(*, long_visit: bool = False, dropped: str = "") -> Round:
    """Three projects at A, B, C needing one reviewer each, over three days; four reviewers,
    one per school; ``dropped`` (a staff id) has max_days 0. ``long_visit``: PA's visit is
    three days, anywhere in Monday to Friday."""
    schools = [school(s) for s in "ABCD"]
    people = [
        staff(f"S{i}", s, max_days=0 if dropped == f"S{i}" else 6) for i, s in enumerate("ABCD")
    ]
    projects = [project(f"P{s}", s, max_reviewers=1, **WINDOW) for s in "ABC"]
    if long_visit:
        projects[0] = projects[0].model_copy(update={"visit_days": 3, "latest": FRIDAY})
    return make_round(schools, people, projects)


def _checked(round_: Round, plan: Plan, schedule: Schedule) -> bool:
    return not matcher.verify_plan(round_, plan) and not verify_schedule(round_, plan, schedule)


def brute_force_fewest(round_: Round, old: WrittenPlan) -> int:
    """The fewest changes among every checked plan that staffs the most projects: every
    reviewer and every start of each project's visit (or none) tried."""
    days = SchoolCalendar(round_.settings).term_days
    per_project: list[list[tuple[str, int] | None]] = []
    for p in round_.projects:
        starts = [
            t
            for t in range(len(days) - p.visit_days + 1)
            if p.earliest <= days[t] and days[t + p.visit_days - 1] <= p.latest
        ]
        per_project.append([None, *itertools.product([s.staff_id for s in round_.staff], starts)])
    best: tuple[int, int] | None = None
    for choice in itertools.product(*per_project):
        plan, schedule = _plan_of(round_, days, choice)
        if not _checked(round_, plan, schedule):
            continue
        assert old.plan is not None
        changes = count_changes(diff_plans(round_, (old.plan, old.schedule), (plan, schedule)))
        key = (-len(plan.assignments), changes)
        best = key if best is None else min(best, key)
    assert best is not None
    return best[1]


def _plan_of(
    round_: Round, days: tuple[dt.date, ...], choice: tuple[tuple[str, int] | None, ...]
) -> tuple[Plan, Schedule]:
    assignments: list[Assignment] = []
    events: list[ScheduledEvent] = []
    settings = round_.settings.calendar
    for p, picked in zip(round_.projects, choice, strict=True):
        if picked is None:
            continue
        staff_id, first = picked
        assignments.append(Assignment(project_id=p.project_id, staff_id=staff_id, role="lead"))
        events.extend(
            ScheduledEvent(
                visit_id=f"{p.project_id}-v1-d{d + 1}",
                project_id=p.project_id,
                visit_no=1,
                day_no=d + 1,
                kind="visit",
                date=days[first + d],
                start=settings.day_start,
                end=settings.day_end,
                host_school_id=p.host_school_id,
                staff_ids=(staff_id,),
            )
            for d in range(p.visit_days)
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


def _published_early(round_: Round) -> WrittenPlan:
    """The plan published with PA's long visit locked to Monday, so it has room to move."""
    monday = Lock(project_id="PA", visit_no=1, date=WINDOW["earliest"])
    return _published(round_.replace(locks=(monday,)))


@pytest.mark.parametrize("dropped", ["S1", "S2", "S3"])
def test_a_drop_out_changes_no_more_than_the_brute_force_minimum(dropped: str) -> None:
    old = _published(tiny())
    after = tiny(dropped=dropped)
    outcome = matcher.plan(after, time_limit=5, previous=old)
    assert _checked(after, outcome.plan, outcome.schedule)
    assert outcome.changes is not None
    assert count_changes(outcome.changes) == brute_force_fewest(after, old)
    assert outcome.changes_bound is not None
    assert outcome.changes_bound <= count_changes(outcome.changes)


def _edited(round_: Round, old: WrittenPlan, edit: str) -> Round:
    """``round_`` after one edit to the published ``old``: PA's or PB's reviewer (or host)
    newly unavailable on the first day of its visit, or PA's reviewer dropping out."""
    assert old.schedule is not None
    target = "PA" if edit.endswith("PA") else "PB"
    first = next(e for e in old.schedule.events if e.project_id == target and e.day_no == 1)
    if edit.startswith("drop"):
        return round_.replace(
            staff=tuple(
                p.model_copy(update={"max_days": 0}) if p.staff_id in first.staff_ids else p
                for p in round_.staff
            )
        )
    who = first.host_school_id if edit.startswith("host") else first.staff_ids[0]
    absent = Availability(id=who, start=first.date, end=first.date, kind="unavailable")
    return round_.replace(availability=(*round_.availability, absent))


EDITS = ["absent PA", "absent PB", "host PB", "drop PA"]


@pytest.mark.parametrize("edit", EDITS)
def test_the_fewest_changes_and_their_bound_match_a_brute_force_minimum(edit: str) -> None:
    """Pairs and schedule rows together: the plan is at the brute-force minimum of the total,
    and the bound reported is proven, so never above it."""
    before = tiny(long_visit=True)
    old = _published_early(before)
    after = _edited(before, old, edit)
    outcome = matcher.plan(after, time_limit=5, previous=old)
    assert _checked(after, outcome.plan, outcome.schedule)
    assert outcome.changes is not None and outcome.changes_bound is not None
    fewest = brute_force_fewest(after, old)
    assert outcome.changes_bound <= fewest == count_changes(outcome.changes)


def test_a_long_visit_keeps_its_dates_when_a_swap_costs_less() -> None:
    """PA's three-day visit (Monday to Wednesday, room to move to Friday) loses its reviewer's
    Monday: two changes (one reviewer off, one on) beat three (every day of the visit moved),
    though the swap changes more pairs (the stages once took the fewest pairs first)."""
    before = tiny(long_visit=True)
    old = _published_early(before)
    after = _edited(before, old, "absent PA")
    outcome = matcher.plan(after, time_limit=5, previous=old)
    assert outcome.changes is not None
    kinds = sorted(c.kind for c in outcome.changes)
    assert kinds == ["reviewer_added", "reviewer_removed"]
    assert outcome.changes_bound == 2


def brute_force_fewest_rows(round_: Round, plan: Plan, old: Schedule) -> tuple[int, int]:
    """(Most projects dated, fewest schedule rows changed) over every start of every visit of
    ``plan``'s teams, kept as they are."""
    days = SchoolCalendar(round_.settings).term_days
    teams = plan.teams_by_project
    per_project: list[list[tuple[str, int] | None]] = []
    for p in round_.projects:
        team = teams.get(p.project_id)
        starts = [
            t
            for t in range(len(days) - p.visit_days + 1)
            if p.earliest <= days[t] and days[t + p.visit_days - 1] <= p.latest
        ]
        per_project.append([None] + ([(team[0].staff_id, t) for t in starts] if team else []))
    best: tuple[int, int] | None = None
    for choice in itertools.product(*per_project):
        dated, schedule = _plan_of(round_, days, choice)
        if not verify_schedule(round_, dated, schedule):
            rows = count_changes(diff_plans(round_, (plan, old), (plan, schedule)))
            key = (-len(dated.assignments), rows)
            best = key if best is None else min(best, key)
    assert best is not None
    return -best[0], best[1]


@pytest.mark.parametrize("edit", EDITS)
def test_the_dating_stage_matches_a_brute_force_minimum(edit: str) -> None:
    """The dating stage alone, the published teams kept: the most projects dated, then the
    fewest rows changed, at the brute-force minimum, with a bound no higher."""
    before = tiny(long_visit=True)
    old = _published_early(before)
    after = _edited(before, old, edit)
    assert old.plan is not None and old.schedule is not None
    teams = Plan(
        assignments=tuple(
            a for a in old.plan.assignments if after.staff_by_id[a.staff_id].max_days > 0
        )
    )
    published = {e.visit_id: e for e in old.schedule.events}
    staged = solve_dates_fewest_changes(
        encode_schedule(after, teams), Budget(5), published, options=SolveOptions()
    )
    dated = {e.project_id for e in staged.solution.events}
    most, fewest = brute_force_fewest_rows(after, teams, old.schedule)
    assert len(dated) == most
    assert staged.changes_bound <= staged.changes == fewest


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
    busy = tiny(dropped="S1").replace(locks=(Lock(project_id="PB", staff_id="S1"),))
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


def test_a_new_lead_is_told_but_not_counted_as_a_change() -> None:
    """The lead leaves; the member who stays becomes lead: one change (the lead off the team),
    a role_changed row, and a notice for the new lead."""
    round_ = tiny(dropped="S1")
    old = Plan(
        assignments=(
            Assignment(project_id="PA", staff_id="S1", role="lead"),
            Assignment(project_id="PA", staff_id="S2", role="member"),
        )
    )
    new = Plan(assignments=(Assignment(project_id="PA", staff_id="S2", role="lead"),))
    changes = diff_plans(round_, (old, None), (new, None))
    assert [(c.kind, c.staff_id, c.old, c.new) for c in changes] == [
        ("reviewer_removed", "S1", "", ""),
        ("role_changed", "S2", "member", "lead"),
    ]
    assert count_changes(changes) == 1
    told = {n.recipient_id: n.text for n in build_notices(round_, changes, None, None)}
    assert "You are now the lead reviewer" in told["S2"]


def test_a_re_plan_keeps_a_published_lead_who_stays() -> None:
    """Which member leads weighs in no term: a re-plan keeps the published leads."""
    round_ = tiny().replace(
        projects=tuple(
            p.model_copy(update={"max_reviewers": 2, "needs_lead": True}) for p in tiny().projects
        )
    )
    first = matcher.plan(round_, time_limit=5)
    old = WrittenPlan(plan=first.plan, schedule=first.schedule, clusters=None)
    outcome = matcher.plan(round_, time_limit=5, previous=old)
    assert outcome.changes == ()


def clash_round(*, dropped: bool) -> Round:
    """PA (at A) has a three-day visit that cannot move (its window is those three days); PB
    (at B) a three-day visit with two weeks of room. S1 (near, at C) and S2 (near, at C) can
    review either, S4 (at D, further away) only adds travel. ``dropped``: S1 has max_days 0."""
    fixed = {"visit_days": 3, "max_reviewers": 1, **WINDOW}
    roomy = {**fixed, "latest": dt.date(2026, 1, 23)}
    return make_round(
        [school("A"), school("B"), school("C", lat_offset=0.01), school("D", lat_offset=0.15)],
        [staff("S1", "C", max_days=0 if dropped else 6), staff("S2", "C"), staff("S4", "D")],
        [project("PA", "A", **fixed), project("PB", "B", **roomy)],
    )


def _clash_published() -> WrittenPlan:
    """PA with S1 and PB with S2, both on Monday 12 to Wednesday 14 January."""
    round_ = clash_round(dropped=False)
    days = SchoolCalendar(round_.settings).term_days
    monday = days.index(WINDOW["earliest"])
    plan, schedule = _plan_of(round_, days, (("S1", monday), ("S2", monday)))
    assert _checked(round_, plan, schedule)
    return WrittenPlan(plan=plan, schedule=schedule, clusters=None)


def test_a_reviewer_moved_onto_a_kept_visit_on_the_same_days_is_counted() -> None:
    """S1 drops out of PA. S2, the nearer reviewer, would keep PA's dates but is on PB on the
    same three days, so PB's three rows would move (5 changes); S4 changes only the team (2).
    The pairing stage once counted S2's choice as 2 (PB's rows kept), chose it for its
    shorter travel and proved 2 as the least: 5 changes against a bound of 2. The day clash
    among kept rows (solvers.matching.clashes) makes it count 5, so it takes S4."""
    old = _clash_published()
    after = clash_round(dropped=True)
    outcome = matcher.plan(after, time_limit=5, previous=old)
    assert _checked(after, outcome.plan, outcome.schedule)
    assert outcome.changes is not None
    fewest = brute_force_fewest(after, old)
    assert count_changes(outcome.changes) == fewest == 2
    assert outcome.changes_bound == fewest
    assert {a.staff_id for a in outcome.plan.assignments if a.project_id == "PA"} == {"S4"}
