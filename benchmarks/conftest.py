"""Shared cohorts for the benchmarks: generated once per session, deterministic by seed."""

from __future__ import annotations

import pytest

from matcher.model import Round
from matcher.synth.cohort import generate_round


@pytest.fixture(scope="session")
def la_round() -> Round:
    """The 'la' cohort: 300 schools, about 1,200 staff and 300 projects."""
    return generate_round(schools=300, seed=1)


@pytest.fixture(scope="session")
def region_round() -> Round:
    """The 'region' cohort: 2,000 schools, about 8,000 staff and 2,000 projects."""
    return generate_round(schools=2000, seed=1)
