"""Visit kinds for a generated cohort (issue #19): scoping meetings, half-day visits, findings
presentations with a deadline, and presentations to governors.

Drawn from a random stream of their own (``VISIT_KINDS_STREAM``), after the rest of the cohort,
so every other column of every file is what the same seed gave before these columns existed.
The proportions are a judgement of how school-to-school review programmes run, not data:

- a findings presentation to the senior team for 40% of projects, due within ten school days
  (two weeks) of the last visit for 60% of those, and heard by governors too for 10% of them;
- a scoping meeting for 30% of projects with more than one visit (the longer reviews);
- a half-day (three-hour, morning) data-collection visit for 20% of projects with one-day
  visits (interviews, a book look).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from matcher.model import Project

VISIT_KINDS_STREAM = 192  # issue 19, part B; AVAILABILITY_STREAM is 1
PRESENTATION_SHARE = 0.4
DEADLINE_SHARE = 0.6
DEADLINE_SCHOOL_DAYS = 10
GOVERNORS_SHARE = 0.1
SCOPING_SHARE = 0.3
HALF_DAY_SHARE = 0.2
HALF_DAY_VISIT_HOURS = 3  # a morning (matcher.model.HALF_DAY_HOURS is the most a half day is)


def with_visit_kinds(seed: int, projects: Sequence[Project]) -> list[Project]:
    """``projects`` with visit kinds drawn for them, from the seed's own stream.

    Every draw is an array the size of the cohort, so a project's kinds depend only on the seed
    and its place in the list.
    """
    rng = np.random.default_rng([seed, VISIT_KINDS_STREAM])
    count = len(projects)
    talk = rng.random(count) < PRESENTATION_SHARE
    deadline = talk & (rng.random(count) < DEADLINE_SHARE)
    governors = talk & (rng.random(count) < GOVERNORS_SHARE)
    scoping = rng.random(count) < SCOPING_SHARE
    half = rng.random(count) < HALF_DAY_SHARE
    found = []
    for i, project in enumerate(projects):
        update: dict[str, Any] = {}
        if talk[i]:
            update["presentation"] = True
            update["governors_presentation"] = bool(governors[i])
            if deadline[i]:
                update["presentation_within_days"] = DEADLINE_SCHOOL_DAYS
        if scoping[i] and project.visits > 1:
            update["scoping_meeting"] = True
        if half[i] and project.visit_days == 1:
            update["visit_hours"] = HALF_DAY_VISIT_HOURS
        found.append(project.model_copy(update=update) if update else project)
    return found
