"""Dating the 300-school cohort's pairings with visit kinds against the same pairings without.

The cohort draws scoping meetings, half-day visits, presentation deadlines and governors'
presentations (``matcher.synth.kinds``); the baseline strips them from the same round, so the
two runs share pairings, calendar and seed and differ only in the kinds. Reported as ratios
(time, projects dated) measured in the same run.
"""

from __future__ import annotations

import time

from reporting import print_table

from matcher.model import Plan, Round
from matcher.pipeline import ScheduleOutcome, plan, schedule_pairings
from matcher.verify_schedule import verify_schedule

PLAIN = {
    "presentation": False,
    "scoping_meeting": False,
    "visit_hours": None,
    "presentation_within_days": None,
    "governors_presentation": False,
}


def _dated(round_: Round, pairings: Plan) -> tuple[ScheduleOutcome, float]:
    started = time.perf_counter()
    final, outcome = schedule_pairings(round_, pairings, time_limit=20, seed=1)
    seconds = time.perf_counter() - started
    assert verify_schedule(round_, final, outcome.schedule) == []
    return outcome, seconds


def test_date_la_cohort_with_and_without_kinds(la_round: Round) -> None:
    pairings = plan(la_round, time_limit=20, gap_limit=0.01, seed=1).plan
    plain_round = la_round.replace(
        projects=tuple(p.model_copy(update=PLAIN) for p in la_round.projects)
    )
    kinds, kinds_seconds = _dated(la_round, pairings)
    plain, plain_seconds = _dated(plain_round, pairings)
    staffed = len({a.project_id for a in pairings.assignments})
    rows = []
    for name, outcome, seconds in (
        ("with kinds", kinds, kinds_seconds),
        ("without (baseline)", plain, plain_seconds),
    ):
        dated = {e.project_id for e in outcome.schedule.events}
        rows.append(
            {
                "round": name,
                "projects dated": f"{len(dated)} of {staffed}",
                "events": len(outcome.schedule.events),
                "seconds": f"{seconds:.1f}",
                "time ratio": f"{seconds / plain_seconds:.2f}",
            }
        )
    print_table("dating the la cohort's pairings, visit kinds against none", rows)
