"""`matcher bench`: OR-Library GAP through the product's own matching model, and cohorts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.bench.orlib import BenchmarkFileError, read_gap
from matcher.bench.results import markdown_table
from matcher.bench.runners import bench_gap, gap_problem
from matcher.cli import main
from solvers.engine.budget import Budget
from solvers.matching.strategy import solve_matching

SHARED_GAP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "gap"


def cattrysse(name: str) -> Path:
    path = SHARED_GAP / "instances" / "cattrysse1994" / name
    if not path.exists():
        pytest.skip("../shared/benchmarks/gap is not beside the repository")
    return path


def tiny_gap(tmp_path: Path) -> Path:
    """2 agents, 3 jobs: costs, resources, capacities. Optimum 3 (agent 0 takes jobs 0, 1)."""
    path = tmp_path / "tiny"
    path.write_text("2 3\n1 1 9\n5 5 1\n2 2 2\n1 1 1\n4 2\n")
    return path


def test_read_gap_shapes(tmp_path: Path) -> None:
    instance = read_gap(tiny_gap(tmp_path))
    assert (instance.agents, instance.jobs) == (2, 3)
    assert instance.capacity.tolist() == [4, 2]


def test_malformed_gap_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("2 3\n1 2 3\n")
    with pytest.raises(BenchmarkFileError, match="5 numbers, expected 16 for 2 agents x 3 jobs"):
        read_gap(bad)


def test_tiny_gap_solved_by_the_matching_model(tmp_path: Path) -> None:
    result = solve_matching(gap_problem(read_gap(tiny_gap(tmp_path))), Budget(5)).result
    assert result.status == "OPTIMAL"
    assert result.objective == 3


def test_cattrysse_instance_reaches_the_published_optimum() -> None:
    (row,) = bench_gap([cattrysse("gap1-0")], time_limit=10)
    assert row.best_known == 261
    assert row.objective == 261
    assert row.status == "OPTIMAL"
    assert row.extra["milp_objective"] == pytest.approx(261)
    assert float(str(row.extra["lp_bound"])) <= 261
    # Greedy either places every job, at a cost no better than the optimum, or says how many
    # it left out.
    unplaced = row.extra["greedy_unplaced"]
    greedy_cost = row.extra["greedy_objective"]
    assert (unplaced == 0 and float(str(greedy_cost)) >= 261) or (
        int(str(unplaced)) > 0 and greedy_cost is None
    )


def test_cli_bench_gap_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "gap",
            str(tiny_gap(tmp_path)),
            "--json",
            "--time-limit",
            "5",
            "--out",
            str(tmp_path / "results"),
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records[0]["instance"] == "tiny"
    assert records[0]["objective"] == 3
    assert {"instance", "objective", "bound", "status", "seconds"} <= set(records[0])
    assert (tmp_path / "results" / "gap.md").exists()
    assert (tmp_path / "results" / "gap.csv").exists()


def test_cli_bench_rejects_unknown_size(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["bench", "cohort", "--size", "galaxy", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "galaxy" in result.output


def test_cli_bench_pmedcap_reaches_the_published_optimum(tmp_path: Path) -> None:
    instance = SHARED_GAP.parent / "pmedcap" / "instances" / "pmedcap01.txt"
    if not instance.exists():
        pytest.skip("../shared/benchmarks/pmedcap is not beside the repository")
    result = CliRunner().invoke(
        main,
        ["bench", "pmedcap", str(instance), "--json", "--time-limit", "20", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["best_known"] == 713
    assert record["objective"] == 713


def test_result_tables_print_whole_values_alike() -> None:
    table = markdown_table(
        [
            {"instance": "a", "objective": 1023.0, "bound": 991.0, "gap_pct": 0.96},
            {"instance": "b", "objective": 963.0, "bound": 962.5, "gap_pct": 0.0},
        ]
    )
    assert "| a | 1,023 | 991 | 0.96 |" in table
    assert "| b | 963 | 962.50 | 0.00 |" in table
