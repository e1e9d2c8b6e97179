"""Generated p-median instances of the published shape, and `matcher bench hubs` over them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from matcher.bench.pmedcap import read_pmedcap
from matcher.bench.pmedgen import FILL_BAND, generate_pmedcap, write_pmedcap
from matcher.cli import main


def test_same_seed_same_instance_other_seed_another() -> None:
    first = generate_pmedcap(points=100, medians=10, seed=4)
    again = generate_pmedcap(points=100, medians=10, seed=4)
    other = generate_pmedcap(points=100, medians=10, seed=5)
    assert np.array_equal(first.points, again.points)
    assert np.array_equal(first.demand, again.demand)
    assert not np.array_equal(first.points, other.points)


@pytest.mark.parametrize(("points", "medians"), [(100, 10), (150, 15), (200, 20)])
def test_published_shape_and_tight_capacity(points: int, medians: int) -> None:
    instance = generate_pmedcap(points=points, medians=medians, seed=1)
    assert instance.points.shape == (points, 2)
    assert instance.points.min() >= 1 and instance.points.max() <= 100
    assert instance.demand.min() >= 1 and instance.demand.max() <= 20
    fill = instance.demand.sum() / (medians * instance.capacity)
    assert FILL_BAND[0] <= fill <= FILL_BAND[1]


def test_an_impossible_shape_says_what_to_choose() -> None:
    with pytest.raises(ValueError, match="choose a shape"):
        generate_pmedcap(points=10, medians=10, seed=1)


def test_written_instance_reads_back_the_same(tmp_path: Path) -> None:
    instance = generate_pmedcap(points=60, medians=6, seed=2)
    write_pmedcap(instance, tmp_path / "gen.txt")
    back = read_pmedcap(tmp_path / "gen.txt")
    assert np.array_equal(back.distance(), instance.distance())
    assert np.array_equal(back.demand, instance.demand)
    assert (back.medians, back.capacity) == (instance.medians, instance.capacity)


def test_cli_bench_hubs_checks_ours_and_the_milp(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "bench", "hubs", "--points", "24", "--medians", "2", "--instance-seed", "3",
            "--json", "--time-limit", "5", "--out", str(tmp_path),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["checked"] is True
    assert record["bound"] <= record["objective"]
    # A 24-point instance is proven by both in the limit: the same optimum.
    assert record["status"] == "OPTIMAL"
    assert record["milp_objective"] == record["objective"]
