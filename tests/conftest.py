"""Shared tiny rounds, built by hand so every number in a test can be checked on paper."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from matcher.model import Project, Round, School, Settings, Staff


def school(school_id: str, **overrides: Any) -> School:
    """A primary school near Altrincham; ``lat_offset`` moves it north (0.1 degree ~ 11 km)."""
    offset = overrides.pop("lat_offset", 0.0)
    fields: dict[str, Any] = {
        "school_id": school_id,
        "name": f"School {school_id}",
        "phase": "primary",
        "trust": None,
        "latitude": 53.39 + offset,
        "longitude": -2.35,
        "postcode": "WA14 1AA",
        "max_staff_out_per_day": 2,
        "release_days": 20,
    }
    return School(**{**fields, **overrides})


def staff(staff_id: str, school_id: str, **overrides: Any) -> Staff:
    fields: dict[str, Any] = {
        "staff_id": staff_id,
        "name": f"Person {staff_id}",
        "email": f"{staff_id.lower()}@example.org",
        "school_id": school_id,
        "role": "middle_leader",
        "specialisms": {"oracy"},
        "phases": {"primary"},
        "is_sle": False,
        "lead_reviewer": True,
        "max_days": 6,
    }
    return Staff(**{**fields, **overrides})


def project(project_id: str, host_school_id: str, **overrides: Any) -> Project:
    fields: dict[str, Any] = {
        "project_id": project_id,
        "host_school_id": host_school_id,
        "area": "oracy",
        "title": f"Oracy review {project_id}",
        "min_reviewers": 1,
        "max_reviewers": 2,
        "needs_lead": False,
        "needs_sle": False,
        "visits": 1,
        "visit_days": 1,
        "earliest": dt.date(2026, 1, 12),
        "latest": dt.date(2026, 3, 27),
    }
    return Project(**{**fields, **overrides})


def settings(**rules: Any) -> Settings:
    return Settings.model_validate(
        {
            "name": "Spring 2026",
            "number": 3,
            "academic_year": "2025/26",
            "start": dt.date(2026, 1, 5),
            "end": dt.date(2026, 3, 27),
            "coordinator_email": "coordinator@example.org",
            "rules": rules,
        }
    )


def make_round(
    schools: list[School], staff_: list[Staff], projects: list[Project], **extra: Any
) -> Round:
    rules = extra.pop("rules", {})
    return Round(
        settings=settings(**rules),
        schools=tuple(schools),
        staff=tuple(staff_),
        projects=tuple(projects),
        **{k: tuple(v) for k, v in extra.items()},
    )


@pytest.fixture
def two_school_round() -> Round:
    """Just two schools: A hosts one oracy project, B has the one oracy reviewer."""
    return make_round(
        [school("A"), school("B", lat_offset=0.05)],
        [staff("S1", "B")],
        [project("P1", "A")],
    )
