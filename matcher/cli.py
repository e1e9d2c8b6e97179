"""The ``matcher`` command: a thin click shell over the Python API.

Exit codes: 0 success (a plan may still leave projects unstaffed; they are listed),
1 a plan breaks a hard rule (``verify``), 2 bad input or bad options.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from matcher.io import InputError, load_round
from matcher.model import Plan, Round

EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])

INPUT_HELP = "INPUT is a folder of CSV files with round.toml, or one .xlsx workbook."


def _solve_options(func: F) -> F:
    options = [
        click.option(
            "--time-limit",
            type=click.FloatRange(min=0.1),
            default=30.0,
            show_default=True,
            help="Seconds the solver may search; the best plan found so far is kept.",
        ),
        click.option(
            "--seed",
            type=int,
            default=0,
            show_default=True,
            help="Random seed: the same input, seed and workers give the same plan.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Solver threads. One is fastest on most rounds; more run a parallel portfolio "
            "(still repeatable for the same seed and workers).",
        ),
        click.option(
            "--gap",
            "gap_limit",
            type=click.FloatRange(min=0.0, max=1.0),
            default=0.0,
            show_default=True,
            help="Stop once proven within this relative gap of the optimum (0.01 = 1%).",
        ),
        click.option(
            "--quiet", is_flag=True, help="No progress or summary on stderr (for scripts)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _load(path: Path) -> Round:
    """Load and validate, or print every problem and exit 2."""
    try:
        return load_round(path)
    except InputError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)


def _progress_printer(quiet: bool) -> Callable[[Any], None] | None:
    if quiet:
        return None

    def show(step: Any) -> None:
        click.echo(
            f"  {step.seconds:6.1f} s  plan {step.objective:>12g}  bound {step.bound:>12g}"
            f"  gap {100 * step.gap:6.2f}%",
            err=True,
        )

    return show


def _report(outcome: Any, written: list[Path], quiet: bool) -> None:
    if quiet:
        return
    click.echo(outcome.result.summary(), err=True)
    plan: Plan = outcome.plan
    staffed = len(outcome.round.projects) - len(plan.unfilled)
    click.echo(
        f"\n{staffed} of {len(outcome.round.projects)} projects staffed, "
        f"{len(plan.assignments)} reviewer places.",
        err=True,
    )
    for unfilled in plan.unfilled:
        click.echo(f"  unstaffed {unfilled.project_id}: {unfilled.reason}", err=True)
    for path in written:
        click.echo(f"wrote {path}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matcher")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """Pair reviewers and SLEs with school-improvement projects in other schools.

    Start with `matcher plan data/samples/alliance --out out`, or `matcher validate INPUT`
    to check a round's files. Input format: docs/input-format.md.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(message)s")


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
def validate(input_path: Path) -> None:
    """Check a round's input files and list every problem found.

    INPUT is a folder of CSV files with round.toml, or one .xlsx workbook. Each problem names
    the file, row, column, the value and what was expected. Exit code 2 if there is any.
    Nothing is written.
    """
    round_ = _load(input_path)
    click.echo(
        f"{input_path}: OK - {len(round_.schools)} schools, {len(round_.staff)} staff, "
        f"{len(round_.projects)} projects."
    )


def _run_match(input_path: Path, out: Path, quiet: bool, **solve: Any) -> None:
    from matcher.pipeline import plan as run_plan

    round_ = _load(input_path)
    outcome, written = run_plan(round_, out, progress=_progress_printer(quiet), **solve)
    _report(outcome, written, quiet)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for pairings.csv, unfilled.csv and summary.json.",
)
@_solve_options
def match(input_path: Path, out: Path, quiet: bool, **solve: Any) -> None:
    """Pair reviewers with projects and write the pairings.

    INPUT is a folder of CSV files with round.toml, or one .xlsx workbook. Writes
    pairings.csv, unfilled.csv (each unstaffed project with the reason) and summary.json
    (status, objective, bound, gap, each objective term, time, seed) into --out, all or nothing.
    """
    _run_match(input_path, out, quiet, **solve)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for every output of the round.",
)
@_solve_options
def plan(input_path: Path, out: Path, quiet: bool, **solve: Any) -> None:
    """The main job: validate the round, match reviewers to projects and write the outputs.

    INPUT is a folder of CSV files with round.toml, or one .xlsx workbook. Today this writes
    the pairings (as `match` does); scheduling and calendars join it as they land.
    """
    _run_match(input_path, out, quiet, **solve)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
def verify(input_path: Path, plan_dir: Path) -> None:
    """Re-check a written plan (DIR/pairings.csv, DIR/unfilled.csv) against every hard rule.

    INPUT is the round the plan was made for. The check shares no code with the solver.
    Exit code 1 if any rule is broken, 2 if the input or plan files are unreadable.
    """
    from matcher.io.plan_files import PlanFileError, read_plan
    from matcher.verify import verify_plan

    round_ = _load(input_path)
    try:
        written = read_plan(plan_dir)
    except PlanFileError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    violations = verify_plan(round_, written)
    if violations:
        click.echo(f"{len(violations)} hard-rule violation(s):", err=True)
        for violation in violations:
            click.echo(f"  [{violation.rule}] {violation.message}", err=True)
        sys.exit(EXIT_VIOLATIONS)
    click.echo(
        f"{plan_dir}: OK - {len(written.assignments)} reviewer places, "
        f"{len(written.unfilled)} unstaffed project(s), no hard rule broken."
    )


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--schools",
    type=click.IntRange(min=3),
    default=30,
    show_default=True,
    help="Number of schools in the cohort.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
def generate(out: Path, schools: int, seed: int) -> None:
    """Write a realistic synthetic cohort (input format) into OUT, for tests and benchmarks.

    School locations are clustered around towns, phases and trusts mixed in realistic
    proportions, with staff, SLEs, projects, conflicts, history and preferences. The same
    --schools and --seed always give the same files.
    """
    from matcher.generate import generate_round
    from matcher.io.write import write_round

    round_ = generate_round(schools=schools, seed=seed)
    for path in write_round(round_, out):
        click.echo(f"wrote {path}", err=True)


if __name__ == "__main__":
    main()
