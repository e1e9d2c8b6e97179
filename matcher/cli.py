"""The ``matcher`` command: a thin click shell over the Python API.

Exit codes: 0 success (a plan may still leave projects unstaffed; they are listed),
1 a plan breaks a hard rule (``verify``; ``schedule`` and ``calendars`` then write nothing),
2 bad input or bad options (an output folder that cannot take the outputs among them:
refused before any solve, nothing written).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console

import matcher
from matcher.model import Plan, Round
from matcher.progress_view import ProgressView
from matcher.synth import COHORT_SIZES

EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])

INPUT_HELP = "INPUT is a folder of CSV files with round.toml, or one .xlsx workbook."

# CP-SAT's random seed is a 32-bit integer, and parallel searches use seed, seed + 1, ...
MAX_WORKERS = 128
MAX_SEED = 1_000_000_000
MAX_SECONDS = 86_400.0  # a day: a longer --time-limit is a typo, and inf would never stop
MAX_SCHOOLS = 100_000  # a generated cohort: five times England's schools


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange, refusing nan (which passes every comparison) and inf."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def _time_limit_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--time-limit",
        type=FiniteFloatRange(min=0.1, max=MAX_SECONDS),
        default=30.0,
        show_default=True,
        help=help_text,
    )


def _seed_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=MAX_SEED),
        default=0,
        show_default=True,
        help=help_text,
    )


def _workers_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--workers",
        type=click.IntRange(min=1, max=MAX_WORKERS),
        default=1,
        show_default=True,
        help=help_text,
    )


def _solve_options(func: F) -> F:
    options = [
        _time_limit_option(
            "Seconds the solvers may search (for `plan`, the budget of the whole job, "
            "shared by forming clusters, matching, dating and any re-matching); the best plan "
            "so far is kept. "
            "Counted as solver work, not on the clock, so a re-run with the same input, seed, "
            "workers and limit gives the same plan; the clock only stops a run on a machine "
            "far slower or busier than usual (summary.json then says repeatable: false)."
        ),
        _seed_option("Random seed: the same input, seed and workers give the same plan."),
        _workers_option(
            "Cores to use: independent parts of the round are solved this many at a "
            "time (a round in one part gets a parallel portfolio). Set it to your core count "
            "for large rounds."
        ),
        click.option(
            "--gap",
            "gap_limit",
            type=FiniteFloatRange(min=0.0, max=1.0),
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
    """Load and validate, or print every problem and exit 2; warnings go to stderr either way.

    Warnings are printed even with --quiet: like problems, they are about the user's data.
    """
    try:
        loaded = matcher.read_round(path)
    except matcher.InputError as error:
        _say_warnings(error.warnings)
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    _say_warnings(loaded.warnings)
    return loaded.round


def _say_warnings(warnings: tuple[Any, ...]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _check_out(out: Path, *inputs: Path) -> None:
    """Refuse an output folder that cannot take the outputs, before any solve: exit 2."""
    try:
        matcher.check_out_folder(out, inputs=inputs)
    except matcher.OutputFolderError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)


@contextmanager
def _writing() -> Iterator[None]:
    """A write the filesystem refuses (permissions, a full disk) is a message and exit 2; the
    output folder is then as it was."""
    try:
        yield
    except matcher.OutputFolderError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)


@contextmanager
def _progress(quiet: bool, started: float | None = None) -> Iterator[ProgressView | None]:
    """A live progress line on stderr (None with --quiet), its clock from ``started``."""
    if quiet:
        yield None
        return
    with ProgressView(Console(stderr=True), started) as view:
        yield view


def _report(
    round_: Round,
    plan_: Plan,
    results: list[tuple[str, Any]],
    written: list[Path],
    quiet: bool,
    note: str | None = None,
) -> None:
    """What a run did, on stderr: each solve's summary, the counts, every unfilled project."""
    if quiet:
        return
    for title, result in results:
        click.echo(f"\n{title}\n{result.summary()}", err=True)
    staffed = len(round_.projects) - len(plan_.unfilled)
    click.echo(
        f"\n{staffed} of {len(round_.projects)} projects staffed, "
        f"{len(plan_.assignments)} reviewer places.",
        err=True,
    )
    if note:
        click.echo(note, err=True)
    for unfilled in plan_.unfilled:
        click.echo(f"  unfilled {unfilled.project_id}: {unfilled.reason}", err=True)
    _say_written(written)


def _cluster_note(summary: dict[str, Any]) -> str | None:
    """"staffed 23 of 26 within clusters; 25 without clusters", when matching kept inside."""
    figures = summary.get("cluster_staffing")
    if not figures:
        return None
    proved = "" if figures["without_clusters_status"] == "OPTIMAL" else " (best found in time)"
    return (
        f"Staffed {figures['staffed_within_clusters']} of {figures['projects']} within "
        f"clusters; {figures['staffed_without_clusters']} without clusters{proved}."
    )


def _say_written(written: list[Path]) -> None:
    """Name the top-level files; count the calendars rather than list dozens of them."""
    # One pass each way: a national plan writes 48,000 calendars, and asking the list of them
    # about every written path took minutes after the plan was written.
    calendars = [p for p in written if "calendars" in p.parts]
    for path in written:
        if "calendars" not in path.parts:
            click.echo(f"wrote {path}", err=True)
    if calendars:
        folder = calendars[0].parents[0] if calendars[0].parent.name == "calendars" else None
        where = folder or next(p for p in calendars[0].parents if p.name == "calendars")
        click.echo(f"wrote {len(calendars)} calendar file(s) under {where}", err=True)


def _pairings_to_date(round_: Round, plan_dir: Path) -> Plan:
    """Written pairings that keep every hard rule; else the problems and exit 2, or the
    broken rules and exit 1 (as `verify`)."""
    try:
        return matcher.pairings_to_date(round_, plan_dir)
    except matcher.WrittenPlanError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    except matcher.BrokenPlanError as error:
        _refuse(error)


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
    pairings.csv, unfilled.csv (each unstaffed project with the reason), summary.json
    (status, objective, bound, gap, each objective term, seed), run.json (times), plan.xlsx
    and report.html (the report, without dates) into --out, all or nothing. No dates: `plan`
    matches and dates together; a schedule.csv and calendars/ of an earlier `plan` in --out
    are removed, your own files kept.
    """
    started = time.perf_counter()
    _check_out(out, input_path)
    round_ = _load(input_path)
    with _progress(quiet, started) as view:
        outcome = matcher.match(round_, progress=view, **solve)
    with _writing():
        written = matcher.write_outputs(
            out, round_, outcome.plan, outcome.summary(), started=started
        )
    _report(round_, outcome.plan, [("matching", outcome.result)], written, quiet)
    if view is not None:
        view.finish("Matched and written")


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for every output of the round.",
)
@click.option(
    "--previous",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A plan folder published earlier for this round: change it as little as possible "
    "(writes changes.csv, notices.csv and notices/).",
)
@_solve_options
def plan(input_path: Path, out: Path, previous: Path | None, quiet: bool, **solve: Any) -> None:
    """The main job: validate, match reviewers to projects, date every visit, write it all.

    INPUT is a folder of CSV files with round.toml, or one .xlsx workbook. Pairings that cannot
    be dated are fed back to the matcher and the round re-matched, so every staffed project in
    the output is dated. Writes pairings.csv, unfilled.csv, summary.json, run.json (times),
    schedule.csv, calendars/ (one .ics per reviewer, per school, and round.ics), plan.xlsx
    (every table as a workbook) and report.html (the round on one page) into --out,
    all or nothing: --out is replaced whole, your own files in it kept. Re-running into the
    same --out keeps calendar UIDs and raises SEQUENCE for moved events, so calendar clients
    update events instead of duplicating them.

    With --previous OLD (the --out of an earlier plan of this round, e.g. after a drop-out)
    the new plan staffs as many projects as any plan can, then changes OLD as little as
    possible, and only then weighs quality; changes.csv lists every change and why,
    notices.csv and notices/ hold a message for each person and school to tell, and the
    calendars carry on from OLD's so calendar programs update their events.
    """
    started = time.perf_counter()
    _check_out(out, input_path)
    round_ = _load(input_path)
    published = None if previous is None else _read_previous(previous, round_)
    try:
        with _progress(quiet, started) as view:
            outcome = matcher.plan(round_, progress=view, previous=published, **solve)
    except matcher.LockError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    revision = None
    if outcome.changes is not None and previous is not None:
        revision = matcher.Revision(
            changes=outcome.changes, published=previous, notices=outcome.notices or ()
        )
    with _writing():
        written = matcher.write_outputs(
            out,
            round_,
            outcome.plan,
            outcome.summary(),
            outcome.schedule,
            clusters=outcome.clusters,
            revision=revision,
            started=started,
        )
    results = [("matching", outcome.matching.result), ("dating", outcome.scheduling.result)]
    if outcome.clusters is not None:
        results.insert(0, ("clusters", outcome.clusters.result))
    _report(round_, outcome.plan, results, written, quiet, _cluster_note(outcome.summary()))
    if revision is not None and not quiet:
        summary = outcome.summary()
        click.echo(
            f"{summary['changes']} change(s) to {previous} (proven least: "
            f"{summary['changes_bound']}); see changes.csv",
            err=True,
        )
    if view is not None:
        view.finish("Planned and written")


def _read_previous(folder: Path, round_: Round) -> Any:
    """The published plan to change least, or the problem and exit 2."""
    try:
        return matcher.read_previous(folder, round_)
    except matcher.WrittenPlanError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the outputs (default: DIR itself).",
)
@_solve_options
def schedule(input_path: Path, plan_dir: Path, out: Path | None, quiet: bool, **solve: Any) -> None:
    """Date the visits of pairings already made (DIR/pairings.csv), without re-matching.

    INPUT is the round the pairings were made for. The pairings are checked first: if they
    break a hard rule (e.g. after a hand edit) the rules are listed, nothing is written and
    the exit code is 1. Projects that cannot be dated lose their teams and go to unfilled.csv
    with the date rules that block them. Writes pairings.csv, unfilled.csv, summary.json,
    schedule.csv and calendars/ into --out (default DIR).
    """
    started = time.perf_counter()
    _check_out(out or plan_dir, input_path)
    round_ = _load(input_path)
    pairings = _pairings_to_date(round_, plan_dir)
    with _progress(quiet, started) as view:
        final, dated = matcher.schedule_pairings(round_, pairings, progress=view, **solve)
    summary = {
        "round": round_.settings.name,
        "scheduling": dated.result.to_dict(),
        "counts": {"events": len(dated.schedule.events), "unfilled": len(final.unfilled)},
    }
    with _writing():
        written = matcher.write_outputs(
            out or plan_dir, round_, final, summary, dated.schedule, "keep", started=started
        )
    _report(round_, final, [("dating", dated.result)], written, quiet)
    if view is not None:
        view.finish("Dated and written")


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
def calendars(input_path: Path, plan_dir: Path) -> None:
    """(Re)write DIR/calendars/ from DIR/schedule.csv, e.g. after editing a date by hand.

    INPUT is the round. Events keep their UIDs; an event whose time changed gets a higher
    SEQUENCE, and one that disappeared is exported as cancelled, so calendar clients update
    rather than duplicate. DIR is checked first as `matcher verify` checks it: if it breaks a
    hard rule the rules are listed, nothing is written and the exit code is 1.
    """
    _rewrite_in_place(input_path, plan_dir, matcher.rewrite_calendars)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="OUT", type=click.Path(file_okay=False, path_type=Path))
def report(input_path: Path, plan_dir: Path) -> None:
    """(Re)build OUT/plan.xlsx and OUT/report.html from the plan written in OUT.

    INPUT is the round. `plan` and `match` write both already; run this after editing the
    plan's files by hand, or on a folder written before the report existed. OUT is checked
    first as `matcher verify` checks it: if it breaks a hard rule the rules are listed,
    nothing is written and the exit code is 1. From an unchanged folder the files are
    byte-identical to those `plan` wrote.
    """
    _rewrite_in_place(input_path, plan_dir, matcher.rebuild_report)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--width", type=click.IntRange(60, 400), default=None, help="Table width.")
def load(input_path: Path, plan_dir: Path, width: int | None) -> None:
    """The SLE manager's view of the plan in DIR: days per SLE and per school.

    INPUT is the round. One table of SLEs (days this round, days given earlier this academic
    year from history.csv, the yearly allowance and what is left; fewest left first), one of
    schools (staff-days released against the school's release budget, days received, give
    minus take, cover cost; most released first). Nothing is written; plan.xlsx and
    report.html carry the same tables.
    """
    from rich.console import Console

    from matcher.report.terminal import print_load

    round_ = _load(input_path)
    try:
        tables = matcher.load_tables(round_, plan_dir)
    except matcher.WrittenPlanError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    print_load(tables, Console(width=width, highlight=False))


def _rewrite_in_place(
    input_path: Path, plan_dir: Path, rewrite: Callable[[Round, Path], list[Path]]
) -> None:
    """Rewrite some of a written plan's files from the others, after checking the folder:
    unreadable files exit 2, a broken hard rule exits 1, nothing written either way."""
    _check_out(plan_dir, input_path)
    round_ = _load(input_path)
    try:
        with _writing():
            written = rewrite(round_, plan_dir)
    except matcher.WrittenPlanError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    except matcher.BrokenPlanError as error:
        _refuse(error)
    _say_written(written)


def _refuse(error: Exception) -> NoReturn:
    """A written plan that breaks hard rules: every one on stderr, exit 1 as `verify`."""
    click.echo(str(error), err=True)
    sys.exit(EXIT_VIOLATIONS)


def _exit_on_violations(violations: list[Any]) -> None:
    if violations:
        click.echo(f"{len(violations)} hard-rule violation(s):", err=True)
        for violation in violations:
            click.echo(f"  [{violation.rule}] {violation.message}", err=True)
        sys.exit(EXIT_VIOLATIONS)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
def verify(input_path: Path, plan_dir: Path) -> None:
    """Re-check a written plan against every hard rule: pairings, dates and clusters if present.

    DIR holds pairings.csv and unfilled.csv, schedule.csv if the visits were dated, and
    clusters.csv if clusters were formed (a folder `matcher clusters` wrote is checked alone).
    INPUT is the round the plan was made for. The check shares no code with the solver. The
    columns of pairings.csv and clusters.csv that are there to read (schools, area, travel
    minutes, days, cluster sizes) must also say what the round says.
    Exit code 1 if any rule is broken, 2 if the input or plan files are unreadable.
    """
    round_ = _load(input_path)
    try:
        check = matcher.verify_written(round_, plan_dir)
    except matcher.WrittenPlanError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    _exit_on_violations(check.violations)
    click.echo(check.summary(plan_dir))


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("plan_dir", metavar="OUT", type=click.Path(file_okay=False, path_type=Path))
@click.option("--project", "project_id", default=None, help="The project asked about.")
@click.option("--staff", "staff_id", default=None, help="The reviewer asked about.")
@click.option("--json", "as_json", is_flag=True, help="JSON (docs/explain.md) instead of text.")
@click.option(
    "--time-limit",
    type=FiniteFloatRange(min=0.1, max=MAX_SECONDS),
    default=5.0,
    show_default=True,
    help="Seconds of work for each re-solve (the cost of a change).",
)
@_seed_option("Random seed for the re-solves.")
def explain(
    input_path: Path,
    plan_dir: Path,
    project_id: str | None,
    staff_id: str | None,
    as_json: bool,
    time_limit: float,
    seed: int,
) -> None:
    """Why a reviewer is, or is not, on a project in the plan written in OUT.

    With --project and --staff: the rules that forbid the pair (with their facts), or what
    the pairing brings to the plan, and the cost of changing it with the best plan that
    makes the change. With --project alone: its team, or why it is unstaffed and which single
    relaxed rule would staff it, with whom. With --staff alone: their assignments and the
    projects they could serve. Costs re-solve part of the plan (docs/explain.md).
    """
    import json

    round_ = _load(input_path)
    try:
        found = matcher.explain(
            round_,
            plan_dir,
            project_id=project_id,
            staff_id=staff_id,
            time_limit=time_limit,
            seed=seed,
        )
    except (matcher.WrittenPlanError, matcher.ExplainError) as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2))
    else:
        click.echo(matcher.explanation_text(round_, found))


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--schools",
    type=click.IntRange(min=3, max=MAX_SCHOOLS),
    default=None,
    help="Number of schools in the cohort [default: 30, or every usable school of --locations].",
)
@click.option(
    "--size",
    type=click.Choice(list(COHORT_SIZES)),
    default=None,
    help="A named number of schools, instead of --schools: "
    + ", ".join(f"{name} {count:,}" for name, count in COHORT_SIZES.items())
    + ".",
)
@click.option(
    "--locations",
    metavar="trafford|england|PATH",
    default=None,
    help="Stand the cohort on real schools from a schools register extract: trafford (93 "
    "schools) or england (5,428), read from ../shared/data/schools/ beside the repository, or "
    "the path of a CSV in either layout. Takes the schools nearest one the seed picks.",
)
@_seed_option("Random seed.")
def generate(
    out: Path, schools: int | None, size: str | None, locations: str | None, seed: int
) -> None:
    """Write a realistic synthetic cohort (input format) into OUT, for tests and benchmarks.

    School locations are clustered around towns, phases and trusts mixed in realistic
    proportions, with staff, SLEs, projects, conflicts, history and preferences. With
    --locations the schools are real ones (URN, name, postcode, phase, place, and trust where
    the extract names it); the people stay fictional. The same options always give the same
    files. Exit code 2 if the locations file is missing or too small.
    """
    if schools is not None and size is not None:
        raise click.UsageError("--schools and --size both set the number of schools: give one.")
    _check_out(out)
    if size is not None:
        schools = COHORT_SIZES[size]
    try:
        register = matcher.load_register(locations) if locations is not None else None
        if schools is None:
            schools = len(register) if register is not None else 30
        round_ = matcher.generate_round(schools=schools, seed=seed, locations=register)
    except matcher.LocationsError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if register is not None:
        click.echo(f"{schools:,} schools from {register.source}", err=True)
    with _writing():
        written = matcher.write_round(round_, out)
    for path in written:
        click.echo(f"wrote {path}", err=True)


@main.group()
def bench() -> None:
    """Benchmarks: published reference instances and generated cohorts, with peers.

    Each suite prints a table (instance, size, status, objective, bound or best known, gap,
    time, and the peers measured in the same run: plain MILP, LP bound, greedy) and saves it
    as markdown, CSV and JSON under --out. Method: benchmarks/README.md.
    """


def _bench_options(func: F) -> F:
    options = [
        _time_limit_option(
            "Seconds per solve, the same for ours and every peer (ours counts them as "
            "solver work, so its runs repeat; the peers' limit is the clock)."
        ),
        _seed_option("Random seed."),
        _workers_option("Solver threads."),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("benchmarks/results"),
            show_default=True,
            help="Folder for <suite>.md, .csv and .json (and scaling.png for cohorts).",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print one JSON object per instance on stdout (instance, objective, bound, "
            "status, seconds, ...) instead of the table.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _publish(suite: str, rows: list[Any], out: Path, as_json: bool) -> None:
    import json

    from matcher.bench import markdown_table, write_results

    records = [row.as_dict() for row in rows]
    with _writing():
        written = write_results(out, suite, records)
    if as_json:
        click.echo(json.dumps(records, indent=2, default=str))
    else:
        click.echo(markdown_table(records))
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _run_files_suite(
    suite: str,
    runner: Callable[..., list[Any]],
    file_error: type[Exception],
    files: tuple[Path, ...],
    time_limit: float,
    seed: int,
    workers: int,
    out: Path,
    as_json: bool,
) -> None:
    """Run a suite over reference files; a malformed file is a clear message and exit 2."""
    try:
        rows = runner(
            files,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            progress=lambda text: click.echo(text, err=True),
        )
    except file_error as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    _publish(suite, rows, out, as_json)


@bench.command("gap")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@_bench_options
def bench_gap_command(
    files: tuple[Path, ...], time_limit: float, seed: int, workers: int, out: Path, as_json: bool
) -> None:
    """Generalized assignment (OR-Library) FILES, solved by the product's matching model.

    Agents become reviewers, jobs projects needing one reviewer; optimal values come from the
    optima.csv beside the files (e.g. ../shared/benchmarks/gap/). Peers: SCIP MILP of the same
    model, its LP bound, and greedy.
    """
    from matcher.bench import BenchmarkFileError, bench_gap

    _run_files_suite(
        "gap", bench_gap, BenchmarkFileError, files, time_limit, seed, workers, out, as_json
    )


@bench.command("pmedcap")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@_bench_options
def bench_pmedcap_command(
    files: tuple[Path, ...], time_limit: float, seed: int, workers: int, out: Path, as_json: bool
) -> None:
    """Capacitated p-median (OR-Library pmedcap) FILES with the hub method, beside a MILP.

    Distances are floor(Euclidean) as the published optima assume; optimal values come from
    the optima.csv beside the files (e.g. ../shared/benchmarks/pmedcap/).
    """
    from matcher.bench import PMedCapFormatError, bench_pmedcap

    _run_files_suite(
        "pmedcap",
        bench_pmedcap,
        PMedCapFormatError,
        files,
        time_limit,
        seed,
        workers,
        out,
        as_json,
    )


@bench.command("hubs")
@click.option("--points", type=click.IntRange(2), default=100, show_default=True, help="Points.")
@click.option(
    "--medians", type=click.IntRange(1), default=10, show_default=True, help="Medians (hubs)."
)
@click.option(
    "--instance-seed",
    "instance_seeds",
    type=int,
    multiple=True,
    default=tuple(range(1, 11)),
    show_default=True,
    help="Seed of one generated instance; repeat for several.",
)
@_bench_options
def bench_hubs_command(
    points: int,
    medians: int,
    instance_seeds: tuple[int, ...],
    time_limit: float,
    seed: int,
    workers: int,
    out: Path,
    as_json: bool,
) -> None:
    """Generated capacitated p-median instances of the published shape (capacity 120).

    Coordinates 1..100, demands 1..20, as Osman and Christofides drew theirs
    (matcher/bench/pmedgen.py); ours beside the plain MILP (HiGHS) with the same limit.
    """
    from matcher.bench import bench_hubs_generated

    rows = bench_hubs_generated(
        instance_seeds,
        points=points,
        medians=medians,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        progress=lambda text: click.echo(text, err=True),
    )
    _publish("hubs", rows, out, as_json)


@bench.command("cohort")
@click.option(
    "--size",
    "sizes",
    multiple=True,
    default=("alliance", "la"),
    show_default=True,
    help="Cohort size by name (alliance, la, region, nation) or a number of schools; repeat "
    "for several.",
)
@_bench_options
def bench_cohort_command(
    sizes: tuple[str, ...], time_limit: float, seed: int, workers: int, out: Path, as_json: bool
) -> None:
    """Generated cohorts end to end: write, validate, match (1% gap) and date each one.

    Each cohort runs in a fresh process so its peak memory is its own. Peers on the same
    matching problem: SCIP MILP and greedy. Saves scaling.png (time against size) too.
    """
    from matcher.bench import bench_cohorts

    chosen: list[tuple[str, int]] = []
    for size in sizes:
        if size in COHORT_SIZES:
            chosen.append((size, COHORT_SIZES[size]))
        elif size.isascii() and size.isdigit() and 3 <= int(size) <= MAX_SCHOOLS:
            chosen.append((f"{size} schools", int(size)))
        else:
            names = ", ".join(COHORT_SIZES)
            click.echo(
                f"--size {size!r}: expected one of {names} "
                f"or a number of schools (3 to {MAX_SCHOOLS})",
                err=True,
            )
            sys.exit(EXIT_BAD_INPUT)
    rows = bench_cohorts(
        chosen,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        progress=lambda text: click.echo(text, err=True),
    )
    _publish("cohort", rows, out, as_json)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for clusters.csv, rotation.csv and clusters_summary.json.",
)
@_time_limit_option(
    "Seconds for forming the clusters; the best found so far is kept. Counted as solver "
    "work, not on the clock, so a re-run with the same input, seed, workers and limit gives "
    "the same clusters; the clock only stops a run on a machine far slower or busier than "
    "usual (clusters_summary.json then says repeatable: false)."
)
@_seed_option("Random seed.")
@_workers_option("Solver threads.")
@click.option("--quiet", is_flag=True, help="No progress or summary on stderr (for scripts).")
def clusters(
    input_path: Path, out: Path, time_limit: float, seed: int, workers: int, quiet: bool
) -> None:
    """Form peer-review clusters (or hubs) for every school of a region.

    INPUT is a folder of CSV files with round.toml, or one .xlsx workbook; `[clusters]` in its
    settings says how (docs/clusters.md). Writes clusters.csv, rotation.csv (who reviews whom
    inside each cluster), clusters_summary.json (travel per cluster, bound, gap, schools
    left out and why) and clusters_run.json (times) into --out, all or nothing; other files
    in --out are kept.
    """
    _check_out(out, input_path)
    round_ = _load(input_path)

    def show(step: Any) -> None:
        click.echo(
            f"  {step.seconds:6.1f} s  part {step.done}/{step.total} ({step.schools} schools)"
            f"  plan {step.objective:>8g}  bound {step.bound:>8g}"
            + (f"  ({step.left_out} left out)" if step.left_out else ""),
            err=True,
        )

    try:
        outcome = matcher.form_clusters(
            round_,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            progress=None if quiet else show,
        )
    except matcher.ClusterSettingsError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    with _writing():
        written = matcher.write_cluster_outputs(
            out, outcome.plan, longest=outcome.longest(), summary=outcome.summary()
        )
    if quiet:
        return
    click.echo(f"\nclusters\n{outcome.result.summary()}", err=True)
    click.echo(
        f"\n{len(outcome.stats)} clusters, {len(outcome.plan.left_out)} school(s) left out.",
        err=True,
    )
    for left in outcome.plan.left_out:
        click.echo(f"  left out {left.school_id}: {left.reason}", err=True)
    _say_written(written)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--grid",
    "grid_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="TOML file of scenarios: [[scenario]] tables of round.toml overrides, [grid], [run].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for a plan folder per scenario, sweep.csv, sweep.xlsx and sweep.html.",
)
@click.option(
    "--processes",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=1,
    show_default=True,
    help="Scenarios planned at a time, each in its own process (the files are the same for "
    "any number).",
)
@click.option(
    "--cluster",
    default=None,
    metavar="ADDRESS",
    help="Plan the scenarios on the Dask scheduler at ADDRESS (tcp://host:8786) instead of "
    "local processes; its workers must see INPUT and --out at the same paths. Needs "
    "pip install 'matcher[cluster]'.",
)
@click.option("--quiet", is_flag=True, help="No progress or summary on stderr (for scripts).")
def sweep(
    input_path: Path,
    grid_path: Path,
    out: Path,
    processes: int,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Plan the round once per scenario of --grid and compare the plans (docs/sweep.md).

    INPUT is a folder of CSV files with round.toml, or one .xlsx workbook. Each scenario
    overrides some round.toml settings; its plan goes into --out/<scenario>/ (the files
    `plan` writes) and sweep.csv, sweep.xlsx and sweep.html compare staffed projects, travel,
    gap and time. Every override is checked first: a wrong one is listed, naming the scenario
    and setting, nothing is written and the exit code is 2. A scenario that fails while
    planning is a `failed` row with the reason, and the others go on. Re-running the same
    command skips scenarios already finished, so a killed sweep carries on where it stopped.
    """

    def show(row: dict[str, Any]) -> None:
        if not quiet:
            figures = (
                row["reason"]
                if row["status"] == "failed"
                else (f"{row['staffed']} staffed, travel {row['travel']}, {row['seconds']} s")
            )
            click.echo(f"  {row['scenario']}: {row['status']} - {figures}", err=True)

    if cluster is not None and processes != 1:
        click.echo("--processes and --cluster: give one (the cluster has its workers)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    try:
        outcome = matcher.run_sweep(
            input_path, grid_path, out, processes=processes, done=show, cluster=cluster
        )
    except (matcher.InputError, matcher.OutputFolderError, matcher.SweepClusterError) as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if quiet:
        return
    failed = sum(1 for row in outcome.rows if row["status"] == "failed")
    click.echo(
        f"{len(outcome.rows)} scenario(s): {len(outcome.planned)} planned, "
        f"{len(outcome.skipped)} already finished, {failed} failed.",
        err=True,
    )
    _say_written(list(outcome.written))


if __name__ == "__main__":
    main()
