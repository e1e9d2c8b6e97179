"""Write plan.xlsx and report.html for a plan, the same bytes whoever calls it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from matcher.io.plan_files import _summary_json
from matcher.io.run_times import split_run_times
from matcher.model import Plan, Round, Schedule
from matcher.report.digest import digest, summarised
from matcher.report.facts import report_facts
from matcher.report.page import write_page
from matcher.report.workbook import write_workbook
from matcher.why.many import plan_reasons


def write_report_files(
    directory: Path,
    round_: Round,
    plan: Plan,
    schedule: Schedule | None,
    summary: Mapping[str, object],
) -> list[str]:
    """Write plan.xlsx and report.html into ``directory`` (callers pass a staging folder).

    Parameters
    ----------
    directory
        The folder to write into; it must exist.
    round_
        The round the plan was made for.
    plan
        Pairings and unfilled projects.
    schedule
        The dated visits, or None for pairings alone (``match``).
    summary
        The run's summary; only what summary.json keeps of it is used (run times are not),
        as JSON gives it back, so a plan in memory and the same plan read back from its
        folder give byte-identical files.

    Returns
    -------
    list of str
        The file names written.
    """
    repeatable, _ = split_run_times(summary)
    as_written = json.loads(_summary_json(repeatable))
    if summarised(round_):
        # A national round: the page summarises, and reasons are matcher explain's to give
        # one project at a time (encoding such a round alone takes longer than a report).
        facts = report_facts(round_, plan, schedule, as_written)
        page = write_page(directory, facts, digest(round_, facts))
    else:
        facts = report_facts(round_, plan, schedule, as_written, plan_reasons(round_, plan))
        page = write_page(directory, facts)
    return [write_workbook(directory, facts).name, page.name]
