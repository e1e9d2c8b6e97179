"""Re-plan a cohort after three drop-outs and two new absences, from the published plan (fewest
changes) and from scratch, in the same run: the 300-school cohort and the 2,000-school region.

Targets (issue 16): the re-plan's changes within 1% of the proven least number (or at it), the
re-plan faster than planning the edited round afresh, and at 2,000 schools under 60 s. The
300-school targets are asserted; the region's are printed (its time depends on the machine's
load far more than a unit of work does, benchmarks/README.md).
"""

from __future__ import annotations

import datetime as dt
import time

from reporting import print_table

from matcher.changes import count_changes, diff_plans
from matcher.model import Availability, Round
from matcher.pipeline import PlanOutcome, plan
from matcher.verify import verify_plan
from matcher.verify_schedule import verify_schedule
from matcher.written import WrittenPlan

LIMIT = {"time_limit": 20, "gap_limit": 0.01, "seed": 1}
REGION_LIMIT = {"time_limit": 60, "gap_limit": 0.01, "seed": 1}


def edited(round_: Round, published: PlanOutcome) -> Round:
    """Three staffed reviewers drop out (max_days 0); two others are newly unavailable for the
    week (Monday to Friday) of their first visit. Chosen by position among the staffed
    reviewers' sorted ids, so the same on every run."""
    staffed = sorted({a.staff_id for a in published.plan.assignments})
    picked = [staffed[len(staffed) * k // 6] for k in range(1, 6)]
    dropped, absent = set(picked[:3]), picked[3:]
    people = tuple(
        p.model_copy(update={"max_days": 0}) if p.staff_id in dropped else p for p in round_.staff
    )
    rows = []
    for staff_id in absent:
        first = min(e.date for e in published.schedule.events if staff_id in e.staff_ids)
        monday = first - dt.timedelta(days=first.weekday())
        rows.append(
            Availability(
                id=staff_id,
                start=monday,
                end=monday + dt.timedelta(days=4),
                kind="unavailable",
                note="new absence",
            )
        )
    return round_.replace(staff=people, availability=(*round_.availability, *rows))


def _timed(
    round_: Round, previous: WrittenPlan | None = None, limit: dict[str, float] = LIMIT
) -> tuple[PlanOutcome, float]:
    started = time.perf_counter()
    outcome = plan(round_, previous=previous, **limit)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    assert verify_plan(round_, outcome.plan) == []
    assert verify_schedule(round_, outcome.plan, outcome.schedule) == []
    return outcome, seconds


def test_replan_la_cohort(benchmark, la_round: Round) -> None:
    figures = _replan(benchmark, la_round, LIMIT)
    assert figures["made"] <= figures["bound"] * 1.01, "target missed: over 1% above the least"
    assert figures["seconds"] < figures["fresh_seconds"], "target missed: slower than afresh"


def test_replan_region_cohort(benchmark, region_round: Round) -> None:
    figures = _replan(benchmark, region_round, REGION_LIMIT)
    print(
        f"targets: within 1% of the least: {figures['made'] <= figures['bound'] * 1.01}; "
        f"under 60 s: {figures['seconds'] < 60}; faster than afresh: "
        f"{figures['seconds'] < figures['fresh_seconds']}"
    )


def _replan(benchmark, round_: Round, limit: dict[str, float]) -> dict[str, float]:
    """Plan, edit, re-plan from the plan and afresh; print the table, return the figures."""
    first, first_seconds = _timed(round_, limit=limit)
    published = WrittenPlan(plan=first.plan, schedule=first.schedule, clusters=None)
    after = edited(round_, first)

    def run() -> tuple[PlanOutcome, float]:
        return _timed(after, published, limit)

    replanned, replan_seconds = benchmark.pedantic(run, rounds=1, iterations=1)
    fresh, fresh_seconds = _timed(after, limit=limit)

    def changes(outcome: PlanOutcome) -> int:
        old = (first.plan, first.schedule)
        return count_changes(diff_plans(after, old, (outcome.plan, outcome.schedule)))

    assert replanned.changes is not None
    # None: not proven (the feedback loop guessed, or a staffed project went undated).
    bound = replanned.changes_bound
    made, fresh_made = changes(replanned), changes(fresh)
    assert made == count_changes(replanned.changes)
    staffed = len(after.projects) - len(replanned.plan.unfilled)
    fresh_staffed = len(after.projects) - len(fresh.plan.unfilled)
    print_table(
        f"re-plan after 3 drop-outs and 2 absences, {len(after.projects)} projects "
        f"(first plan {first_seconds:.1f} s; {len(replanned.notices or ())} notices)",
        [
            {
                "method": "plan --previous (fewest changes)",
                "projects staffed": staffed,
                "changes": made,
                "proven least": "not proven" if bound is None else bound,
                "seconds": f"{replan_seconds:.1f}",
            },
            {
                "method": "plan afresh (same edited round)",
                "projects staffed": fresh_staffed,
                "changes": fresh_made,
                "proven least": "",
                "seconds": f"{fresh_seconds:.1f}",
            },
            {
                "method": "ratio previous / afresh",
                "projects staffed": "",
                "changes": f"{made / max(fresh_made, 1):.3f}",
                "proven least": "",
                "seconds": f"{replan_seconds / fresh_seconds:.2f}",
            },
        ],
    )
    figures = {
        "made": made,
        "bound": -1 if bound is None else bound,
        "fresh_changes": fresh_made,
        "seconds": replan_seconds,
        "fresh_seconds": fresh_seconds,
        "first_seconds": first_seconds,
        "staffed": staffed,
        "fresh_staffed": fresh_staffed,
        "notices": len(replanned.notices or ()),
        "repeatable": replanned.repeatable,
    }
    benchmark.extra_info.update(figures)
    assert bound is None or bound <= made
    return figures
