"""The capacitated p-median model: a hand-checked instance and the OR-Library optima."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from matcher.bench.pmedcap import PMedCapFormatError, read_pmedcap
from solvers.clusters.pmedian import HARD_RULES, PMedianProblem, solve_pmedian
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "pmedcap"


def line_of_points(positions: list[int]) -> np.ndarray:
    points = np.asarray(positions)
    return np.abs(points[:, None] - points[None, :]).astype(np.int64)


def test_every_rule_is_hard_and_documented() -> None:
    for rule in HARD_RULES:
        assert (rule.__doc__ or "").startswith("Hard"), rule.__name__


def test_two_groups_on_a_line() -> None:
    """Points 0,1,2 and 10,11,12: medians 1 and 11, each 1 + 1 away from its neighbours."""
    problem = PMedianProblem(
        distance=line_of_points([0, 1, 2, 10, 11, 12]),
        demand=np.ones(6, dtype=np.int64),
        capacity=3,
        medians=2,
    )
    solution = solve_pmedian(problem, Budget(5))
    assert solution.status == "OPTIMAL"
    assert solution.objective == 4
    assert sorted(solution.medians) == [1, 4]
    assert solution.median_of == (1, 1, 1, 4, 4, 4)


def test_capacity_forces_a_worse_split() -> None:
    """Capacity 2 with three points per group: one point must travel to the other group."""
    problem = PMedianProblem(
        distance=line_of_points([0, 1, 2, 10, 11, 12]),
        demand=np.ones(6, dtype=np.int64),
        capacity=2,
        medians=3,
    )
    solution = solve_pmedian(problem, Budget(5))
    loads = np.bincount([m for m in solution.median_of], minlength=6)
    assert loads.max() <= 2
    assert solution.objective == 1 + 1 + 8  # two pairs next to each other, and 2 -> 10


def test_as_few_medians_as_capacity_allows() -> None:
    problem = PMedianProblem(
        distance=line_of_points([0, 1, 2, 3, 4, 5]),
        demand=np.ones(6, dtype=np.int64),
        capacity=3,
        medians=None,
    )
    solution = solve_pmedian(problem, Budget(5))
    assert len(solution.medians) == 2


def test_a_bad_file_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_text("1 713\n50 5 120\n1 2 x 3\n")
    with pytest.raises(PMedCapFormatError, match=r"broken\.txt"):
        read_pmedcap(path)


def optima() -> dict[str, int]:
    # The shared file carries stray carriage returns inside its lines.
    text = (SHARED / "optima.csv").read_bytes().decode("utf-8").replace("\r", "")
    return {row["instance"]: int(row["optimum"]) for row in csv.DictReader(text.splitlines())}


# The two instances CP-SAT proves fastest, to keep the unit tests quick; benchmarks run all ten.
@pytest.mark.parametrize("name", ["pmedcap02", "pmedcap04"])
def test_published_optimum_of_osman_christofides(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/benchmarks/pmedcap is not available")
    instance = read_pmedcap(SHARED / "instances" / f"{name}.txt")
    assert instance.best == optima()[name]
    problem = PMedianProblem(
        distance=instance.distance(),
        demand=instance.demand,
        capacity=instance.capacity,
        medians=instance.medians,
    )
    solution = solve_pmedian(problem, Budget(20), options=SolveOptions(seed=1, workers=2))
    assert solution.objective == instance.best
    assert solution.status == "OPTIMAL"
