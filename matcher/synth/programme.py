"""How the programmes really run (issue #19), laid over a synthetic cohort once it is drawn.

Projects with two areas, projects that need a senior leader or a head on the team, schools
that let few leaders out on one day, SLEs with their own yearly allowance, schools with a
cover budget, and the school rotation. Each is drawn from a random stream of its own, in arrays
the size of the cohort, after everything else: the schools, staff, projects, history and
preferences a seed gave before these inputs existed stay exactly as they were, and only the new
columns (and the plans made from them) are new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from matcher.model import Phase, Project, Role, Round, School, Staff

PROGRAMME_STREAM = 2  # cohort.AVAILABILITY_STREAM is 1; the main draws use the bare seed

# Shares of the programmes we serve: most projects name one area; leadership projects ask for
# a senior leader (a few for a head); a third of schools cap the leaders out on one day; a
# quarter of SLEs have their own allowance; a few schools' governors set a cover budget.
SECOND_AREA_SHARE = 0.12
NEEDS_SENIOR_LEADER_SHARE = 0.12
NEEDS_HEADTEACHER_SHARE = 0.02
LEADER_CAP_SHARE = 0.3
OWN_ALLOWANCE_SHARE = 0.25
OWN_ALLOWANCES = (10, 15, 25, 30)
COVER_BUDGET_SHARE = 0.15
# A budget pays for this share of the school's release_days at its cover cost, so it binds
# before release_days does when the school gives much.
COVER_BUDGET_SHARE_OF_RELEASE = (0.5, 0.9)
COVER_BUDGET_STEP = 50  # governors set budgets in round figures
SCHOOL_ROTATION_ROUNDS = 1


@dataclass(frozen=True)
class _Draws:
    """Every random number, one array per use, each as long as what it is drawn for."""

    second_area: np.ndarray
    which_area: np.ndarray
    role: np.ndarray
    leader_cap: np.ndarray
    own_allowance: np.ndarray
    allowance: np.ndarray
    budget: np.ndarray
    budget_share: np.ndarray

    @classmethod
    def of(cls, seed: int, round_: Round) -> _Draws:
        rng = np.random.default_rng([seed, PROGRAMME_STREAM])
        projects, schools, staff = len(round_.projects), len(round_.schools), len(round_.staff)
        return cls(
            second_area=rng.random(projects),
            which_area=rng.random(projects),
            role=rng.random(projects),
            leader_cap=rng.random(schools),
            own_allowance=rng.random(staff),
            allowance=rng.integers(len(OWN_ALLOWANCES), size=staff),
            budget=rng.random(schools),
            budget_share=rng.uniform(*COVER_BUDGET_SHARE_OF_RELEASE, size=schools),
        )


def add_programme_shapes(
    round_: Round, *, seed: int, area_weights: Mapping[Phase, Mapping[str, float]]
) -> Round:
    """The round with the #19 inputs drawn for ``seed``; ``area_weights`` says how common
    each area is at a school of each phase (a second area is drawn from the host's)."""
    draws = _Draws.of(seed, round_)
    rules = round_.settings.rules.model_copy(
        update={"school_rotation_rounds": SCHOOL_ROTATION_ROUNDS}
    )
    return round_.replace(
        settings=round_.settings.model_copy(update={"rules": rules}),
        schools=tuple(_school(round_, s, draws, n) for n, s in enumerate(round_.schools)),
        staff=tuple(_person(p, draws, n) for n, p in enumerate(round_.staff)),
        projects=tuple(
            _project(round_, p, draws, n, area_weights) for n, p in enumerate(round_.projects)
        ),
    )


def _project(
    round_: Round,
    project: Project,
    draws: _Draws,
    n: int,
    area_weights: Mapping[Phase, Mapping[str, float]],
) -> Project:
    changes: dict[str, object] = {}
    if draws.second_area[n] < SECOND_AREA_SHARE:
        phase = round_.school_by_id[project.host_school_id].phase
        second = _second_area(area_weights[phase], project.area, float(draws.which_area[n]))
        if second is not None:
            changes["area"] = f"{project.area};{second}"
    if draws.role[n] < NEEDS_HEADTEACHER_SHARE:
        changes["needs_role"] = Role.HEADTEACHER
    elif draws.role[n] < NEEDS_HEADTEACHER_SHARE + NEEDS_SENIOR_LEADER_SHARE:
        changes["needs_role"] = Role.SENIOR_LEADER
    return project.model_copy(update=changes) if changes else project


def _second_area(weights: Mapping[str, float], first: str, draw: float) -> str | None:
    """The area at ``draw`` (0 to 1) of the phase's areas other than ``first``, by weight."""
    areas = sorted(a for a, w in weights.items() if w > 0 and a != first)
    if not areas:
        return None
    cumulative = np.cumsum([weights[a] for a in areas])
    at = int(np.searchsorted(cumulative, draw * cumulative[-1], side="right"))
    return areas[min(at, len(areas) - 1)]


def _school(round_: Round, school: School, draws: _Draws, n: int) -> School:
    changes: dict[str, object] = {}
    if draws.leader_cap[n] < LEADER_CAP_SHARE:
        # Large schools (three or more out a day) can spare two leaders; the rest one.
        changes["max_leaders_out_per_day"] = 2 if school.max_staff_out_per_day >= 3 else 1
    if draws.budget[n] < COVER_BUDGET_SHARE:
        per_day = round_.settings.calendar.cover_cost(school.phase)
        pounds = school.release_days * per_day * float(draws.budget_share[n])
        changes["cover_budget"] = float(round(pounds / COVER_BUDGET_STEP) * COVER_BUDGET_STEP)
    return school.model_copy(update=changes) if changes else school


def _person(person: Staff, draws: _Draws, n: int) -> Staff:
    if not person.is_sle or draws.own_allowance[n] >= OWN_ALLOWANCE_SHARE:
        return person
    own = OWN_ALLOWANCES[int(draws.allowance[n])]
    return person.model_copy(update={"sle_allowance_days": own})
