"""Independent parts and regions of a matching problem."""

from __future__ import annotations

import numpy as np
from conftest import make_round, project, school, staff

from matcher.synth.cohort import generate_round
from solvers.baselines import solve_linear
from solvers.engine.budget import Budget
from solvers.engine.decompose import dropped_pairs, pair_parts
from solvers.matching.encode import encode
from solvers.matching.strategy import solve_matching


def test_two_far_apart_towns_are_two_parts_and_solve_as_one() -> None:
    """Towns 100 km apart share no pairing: two parts, and the sum of parts is the optimum."""
    schools = [
        school("A"),
        school("B", lat_offset=0.05),
        school("C", lat_offset=1.0),
        school("D", lat_offset=1.05),
    ]
    people = [staff("S1", "B"), staff("S2", "A"), staff("S3", "D", is_sle=True), staff("S4", "C")]
    projects = [project("P1", "A"), project("P2", "B"), project("P3", "C"), project("P4", "D")]
    problem = encode(make_round(schools, people, projects))
    parts = pair_parts(problem)
    assert len(parts) == 2
    assert dropped_pairs(problem, parts) == 0
    ours = solve_matching(problem, Budget(10)).result
    whole = solve_linear(problem, time_limit=10)
    assert ours.status == "OPTIMAL"
    assert whole.objective is not None and round(whole.objective) == ours.objective


def test_large_part_is_cut_into_regions_without_crossing_pairs() -> None:
    problem = encode(generate_round(schools=120, seed=4))
    parts = pair_parts(problem, max_pairs=problem.n_pairs // 3)
    assert len(parts) >= 3
    giving = problem.staff_school[problem.pair_staff]
    hosting = problem.project_host[problem.pair_project]
    region_of: dict[int, int] = {}
    for n, pairs in enumerate(parts):
        for s in np.concatenate([giving[pairs], hosting[pairs]]).tolist():
            assert region_of.setdefault(s, n) == n  # every school in exactly one region
    assert all(len(pairs) <= problem.n_pairs // 3 for pairs in parts)
    assert dropped_pairs(problem, parts) == problem.n_pairs - sum(len(p) for p in parts) > 0
