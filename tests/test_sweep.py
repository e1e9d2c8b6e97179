"""matcher sweep: a grid of scenarios, one plan each, compared in sweep.csv (docs/sweep.md)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import matcher
import matcher.pipeline
from matcher.cli import main
from matcher.io.problems import InputError
from matcher.sweep import read_grid
from matcher.sweep.folders import SCENARIO_FILE
from matcher.sweep.table import chart_spec, render_html, write_tables

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
GRID = """\
[run]
time_limit = 2
seed = 0

[grid]
"rules.max_travel_minutes" = [45, 60]
rules.sle_allowance_days = [15, 25]
"""
NAMES = [
    "max_travel_minutes=45,sle_allowance_days=15",
    "max_travel_minutes=45,sle_allowance_days=25",
    "max_travel_minutes=60,sle_allowance_days=15",
    "max_travel_minutes=60,sle_allowance_days=25",
]
# Files whose bytes depend on the clock (how long a plan took), not on the plan.
TIMED = {"run.json", SCENARIO_FILE, "sweep.csv", "sweep.xlsx", "sweep.html"}


def _grid(tmp_path: Path, text: str = GRID) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "sweep.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in TIMED
    }


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """The 2x2 grid on the sample, swept once in this process for the tests that read it."""
    base = tmp_path_factory.mktemp("sweep")
    grid = _grid(base)
    outcome = matcher.run_sweep(SAMPLE, grid, base / "out")
    return grid, base / "out", outcome


def test_grid_product_names_each_combination(tmp_path: Path) -> None:
    grid = read_grid(_grid(tmp_path))
    assert [s.name for s in grid.scenarios] == NAMES
    assert grid.scenarios[1].overrides == {
        "rules.max_travel_minutes": 45,
        "rules.sle_allowance_days": 25,
    }
    assert grid.run.time_limit == 2
    assert grid.run.workers == 1


def test_listed_scenarios_take_nested_and_dotted_keys(tmp_path: Path) -> None:
    text = """\
[[scenario]]
name = "tight"
rules.max_travel_minutes = 30

[[scenario]]
name = "generous"
"rules.sle_allowance_days" = 30
"""
    grid = read_grid(_grid(tmp_path, text))
    assert [(s.name, s.overrides) for s in grid.scenarios] == [
        ("tight", {"rules.max_travel_minutes": 30}),
        ("generous", {"rules.sle_allowance_days": 30}),
    ]


def test_generated_names_are_folder_safe(tmp_path: Path) -> None:
    text = '[grid]\n"round.coordinator_email" = ["a/b@x.org", "../up@x.org"]\n'
    names = [s.name for s in read_grid(_grid(tmp_path, text)).scenarios]
    assert names == ["coordinator_email=a_b_x.org", "coordinator_email=.._up_x.org"]
    assert all("/" not in name for name in names)


def test_grid_file_problems_are_all_listed(tmp_path: Path) -> None:
    text = """\
[runs]
seed = 1

[run]
time_limit = -1
cores = 2

[[scenario]]
name = "a"

[[scenario]]
name = "A"

[[scenario]]
name = "../x"
"""
    with pytest.raises(InputError) as caught:
        read_grid(_grid(tmp_path, text))
    message = str(caught.value)
    assert "grid.toml, setting runs: expected only [[scenario]], [grid] and [run]" in message
    assert "[run] in grid.toml, setting time_limit: '-1' is not a number from 0.1" in message
    assert "[run] in grid.toml, setting cores" in message
    assert "[[scenario]] 2 in grid.toml, setting name: 'A' is not a name used once" in message
    assert "[[scenario]] 3 in grid.toml, setting name: '../x'" in message


def test_sweep_writes_a_folder_and_row_per_scenario(swept: tuple[Path, Path, Any]) -> None:
    _, out, outcome = swept
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == NAMES
    rows = _rows(out)
    assert [row["scenario"] for row in rows] == NAMES
    assert [row["rules.max_travel_minutes"] for row in rows] == ["45", "45", "60", "60"]
    assert [row["rules.sle_allowance_days"] for row in rows] == ["15", "25", "15", "25"]
    for row in rows:
        assert row["status"] in {"OPTIMAL", "FEASIBLE"}
        assert int(row["staffed"]) + int(row["unfilled"]) == 26  # the sample's projects
        assert int(row["travel"]) > 0
    assert outcome.planned == tuple(NAMES) and outcome.skipped == ()
    assert (out / "sweep.xlsx").stat().st_size > 0
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert "vegaEmbed" in page and NAMES[0] in page


def test_each_scenario_is_the_plan_matcher_plan_makes(swept: tuple[Path, Path, Any]) -> None:
    """Overrides set directly on the settings (not through the grid reader) give the same plan."""
    _, out, _ = swept
    round_ = matcher.load_round(SAMPLE)
    for travel, allowance in [(45, 25), (60, 15)]:
        rules = round_.settings.rules.model_copy(
            update={"max_travel_minutes": travel, "sle_allowance_days": allowance}
        )
        changed = round_.replace(settings=round_.settings.model_copy(update={"rules": rules}))
        outcome = matcher.plan(changed, time_limit=2, seed=0, workers=1)
        direct = out.parent / f"direct-{travel}-{allowance}"
        matcher.write_outputs(direct, changed, outcome.plan, outcome.summary(), outcome.schedule)
        folder = out / f"max_travel_minutes={travel},sle_allowance_days={allowance}"
        assert (folder / "pairings.csv").read_bytes() == (direct / "pairings.csv").read_bytes()
        assert (folder / "summary.json").read_bytes() == (direct / "summary.json").read_bytes()


def test_resume_plans_only_unfinished_scenarios(
    tmp_path: Path, swept: tuple[Path, Path, Any]
) -> None:
    grid, out, _ = swept
    copy = tmp_path / "out"
    _copy_tree(out, copy)
    before = {name: (copy / name / "summary.json").stat().st_mtime_ns for name in NAMES}
    _remove_tree(copy / NAMES[2])
    (copy / NAMES[3] / SCENARIO_FILE).unlink()  # killed after writing its plan, before marking

    outcome = matcher.run_sweep(SAMPLE, grid, copy)

    assert outcome.planned == (NAMES[2], NAMES[3])
    assert outcome.skipped == (NAMES[0], NAMES[1])
    for name in NAMES[:2]:
        assert (copy / name / "summary.json").stat().st_mtime_ns == before[name]
    assert _files(copy) == _files(out)
    assert [row["scenario"] for row in _rows(copy)] == NAMES


def test_changed_run_options_plan_again(tmp_path: Path, swept: tuple[Path, Path, Any]) -> None:
    _, out, _ = swept
    copy = tmp_path / "out"
    _copy_tree(out, copy)
    grid = _grid(tmp_path, GRID.replace("seed = 0", "seed = 1").replace("[45, 60]", "[45]"))
    outcome = matcher.run_sweep(SAMPLE, grid, copy)
    assert outcome.planned == tuple(NAMES[:2])


def test_bad_override_exits_2_naming_scenario_and_key(tmp_path: Path) -> None:
    text = """\
[[scenario]]
name = "far"
"rules.max_travel_minutes" = 100000

[[scenario]]
name = "typo"
rules.sle_alowance_days = 15
"""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["sweep", str(SAMPLE), "--grid", str(_grid(tmp_path, text)), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert (
        "scenario far ([[scenario]] 1) in grid.toml, setting rules.max_travel_minutes: "
        "'100000' is not a whole number from 0 to"
    ) in result.output
    assert (
        "scenario typo ([[scenario]] 2) in grid.toml, setting rules.sle_alowance_days: "
        "expected a known setting name (did you mean rules.sle_allowance_days?)"
    ) in result.output
    assert not out.exists()


def test_override_checked_against_other_settings(tmp_path: Path) -> None:
    text = '[[scenario]]\nname = "late"\n"round.end" = 2026-12-01\n'
    with pytest.raises(InputError) as caught:
        matcher.run_sweep(SAMPLE, _grid(tmp_path, text), tmp_path / "out")
    assert "scenario late ([[scenario]] 1) in grid.toml, setting round.start" in str(caught.value)


def test_failed_scenario_is_a_row_and_the_sweep_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_plan = matcher.pipeline.plan

    def plan_or_fail(round_: matcher.model.Round, **options: Any) -> Any:
        if round_.settings.rules.max_travel_minutes == 45:
            raise RuntimeError("solver crashed")
        return real_plan(round_, **options)

    monkeypatch.setattr(matcher.pipeline, "plan", plan_or_fail)
    text = GRID.replace("[15, 25]", "[15]")
    out = tmp_path / "out"
    outcome = matcher.run_sweep(SAMPLE, _grid(tmp_path, text), out)
    rows = {row["scenario"]: row for row in _rows(out)}
    failed = rows["max_travel_minutes=45,sle_allowance_days=15"]
    assert failed["status"] == "failed"
    assert failed["reason"] == "RuntimeError: solver crashed"
    assert rows["max_travel_minutes=60,sle_allowance_days=15"]["status"] in {"OPTIMAL", "FEASIBLE"}
    assert len(outcome.rows) == 2

    monkeypatch.setattr(matcher.pipeline, "plan", real_plan)
    again = matcher.run_sweep(SAMPLE, _grid(tmp_path, text), out)
    assert again.planned == ("max_travel_minutes=45,sle_allowance_days=15",)


def test_two_processes_write_what_one_does(tmp_path: Path, swept: tuple[Path, Path, Any]) -> None:
    grid, out, _ = swept
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(SAMPLE),
            "--grid",
            str(grid),
            "--out",
            str(tmp_path / "out"),
            "--processes",
            "2",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _files(tmp_path / "out") == _files(out)
    untimed = [{k: v for k, v in row.items() if k != "seconds"} for row in _rows(out)]
    again = [{k: v for k, v in row.items() if k != "seconds"} for row in _rows(tmp_path / "out")]
    assert again == untimed


def _copy_tree(source: Path, target: Path) -> None:
    import shutil

    shutil.copytree(source, target, copy_function=shutil.copy2)


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder)
    assert not os.path.exists(folder)


def test_a_dask_cluster_writes_what_local_processes_do(
    tmp_path: Path, swept: tuple[Path, Path, Any]
) -> None:
    distributed = pytest.importorskip("distributed")
    grid, out, _ = swept
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = CliRunner().invoke(
            main,
            [
                "sweep",
                str(SAMPLE),
                "--grid",
                str(grid),
                "--out",
                str(tmp_path / "out"),
                "--cluster",
                cluster.scheduler_address,
                "--quiet",
            ],
        )
    assert result.exit_code == 0, result.output
    assert _files(tmp_path / "out") == _files(out)
    assert [row["scenario"] for row in _rows(tmp_path / "out")] == NAMES


def test_an_unreachable_cluster_exits_2_writing_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    import matcher.sweep.remote

    # Nothing listens there; Dask retries a refused connection until its timeout.
    monkeypatch.setattr(matcher.sweep.remote, "CONNECT_SECONDS", 1)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(SAMPLE),
            "--grid",
            str(_grid(tmp_path)),
            "--out",
            str(out),
            "--cluster",
            "tcp://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert not out.exists()


def test_page_shows_figures_as_a_reader_compares_them() -> None:
    long = "max_travel_minutes=45,sle_allowance_days=15,release_days=6"
    rows: list[dict[str, Any]] = [
        {
            "scenario": long,
            "status": "FEASIBLE",
            "staffed": 1763,
            "travel": 112235,
            "gap": 0.0085,
            "objective": 26686235.0,
            "seconds": 21.434,
            "repeatable": True,
            "rules.max_travel_minutes": 45,
        },
        {"scenario": "b", "status": "failed", "reason": "killed", "gap": None},
    ]
    page = render_html(rows, ["rules.max_travel_minutes"])
    shown = ("1,763", "112,235", "0.85%", "26,686,235", "21.4", "<th>rules.max_travel_minutes")
    for text in shown:
        assert text in page
    assert "26686235.0" not in page and "killed" in page
    # Scenario names are drawn whole, and a failed scenario draws no bar.
    for chart in chart_spec(rows)["vconcat"]:
        assert chart["encoding"]["y"]["axis"]["labelLimit"] == 0
    assert [value["scenario"] for value in chart_spec(rows)["data"]["values"]] == [long]


def test_workbook_formats_gaps_as_percent_and_keeps_fractional_overrides(tmp_path: Path) -> None:
    rows = [{"scenario": "a", "status": "FEASIBLE", "staffed": 1763, "gap": 0.0085, "x": 0.5}]
    write_tables(tmp_path, rows, ["x"], dt.date(2027, 1, 4))
    sheet = load_workbook(tmp_path / "sweep.xlsx").active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    formats = {name: cell.number_format for name, cell in zip(header, sheet[2], strict=True)}
    assert formats["gap"] == "0.00%" and formats["staffed"] == "#,##0"
    assert formats["x"] == "General" and sheet.cell(2, header.index("x") + 1).value == 0.5
