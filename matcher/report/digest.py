"""The summarised page for very large rounds: totals by area, the largest loads, and a search.

A national round (20,000 projects, 80,000 people) would make a page of tens of megabytes that
a browser takes minutes to lay out. Above :data:`SUMMARY_ABOVE_PROJECTS` projects the page
shows instead: totals per postcode area and per project area, the :data:`TOP` busiest SLEs
and schools, visits per month, preference outcomes counted, schools on the map binned into
cells, and a search box over every school and person whose data sits in the page as compact
arrays (indices, not repeated names) read by a few lines of inline JavaScript. plan.xlsx
keeps every row.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from matcher.model import Round
from matcher.report.facts import ReportFacts, SchoolLoad, SleLoad

# Rounds with more projects than this get the summarised page (a 2,000-school region has
# about 2,000 projects and keeps the full one).
SUMMARY_ABOVE_PROJECTS = 3000
# Rows in each "largest" table.
TOP = 50
# Map cells, in degrees of latitude and longitude (about 11 km by 7 km in England).
CELL_DEGREES = 0.1

_AREA = re.compile(r"[A-Za-z]{1,2}")


@dataclass(frozen=True)
class AreaRow:
    """Totals for one postcode area or one project area."""

    name: str
    schools: int
    projects: int
    staffed: int
    unfilled: int
    places: int
    days_released: int
    cover_cost: int


@dataclass(frozen=True)
class Digest:
    by_postcode: tuple[AreaRow, ...]
    by_subject: tuple[AreaRow, ...]
    top_sles: tuple[SleLoad, ...]
    top_schools: tuple[SchoolLoad, ...]
    months: tuple[tuple[str, int, int], ...]  # month, visit days, presentations
    outcomes: tuple[tuple[str, int], ...]  # preference outcome, people
    search: dict[str, Any]  # compact arrays for the page's search box
    cells: tuple[dict[str, Any], ...]  # binned map points


def summarised(round_: Round) -> bool:
    """Whether the round gets the summarised page."""
    return len(round_.projects) > SUMMARY_ABOVE_PROJECTS


def postcode_area(postcode: str | None) -> str:
    """The letters a postcode starts with ("CO27 8RX" is CO), or "no postcode"."""
    found = _AREA.match((postcode or "").strip())
    return found.group(0).upper() if found else "no postcode"


def digest(round_: Round, facts: ReportFacts) -> Digest:
    """The summarised page's tables (see the module)."""
    return Digest(
        by_postcode=_by_postcode(round_, facts),
        by_subject=_by_subject(round_, facts),
        top_sles=tuple(
            sorted(facts.sle_load, key=lambda r: (-(r.days_this_round + r.days_earlier), r.name))[
                :TOP
            ]
        ),
        top_schools=tuple(
            sorted(facts.school_load, key=lambda r: (-r.days_released, r.name))[:TOP]
        ),
        months=_months(facts),
        outcomes=tuple(sorted(Counter(p.outcome for p in facts.preferences).items())),
        search=_search(round_, facts),
        cells=_cells(facts),
    )


def _by_postcode(round_: Round, facts: ReportFacts) -> tuple[AreaRow, ...]:
    area = {s.school_id: postcode_area(s.postcode) for s in round_.schools}
    return _totals(round_, facts, lambda school_id: area.get(school_id, "no postcode"), area)


def _by_subject(round_: Round, facts: ReportFacts) -> tuple[AreaRow, ...]:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    staffed = {p.project_id for p in facts.pairings}
    for project in round_.projects:
        row = rows[project.area]
        row["projects"] += 1
        row["staffed" if project.project_id in staffed else "unfilled"] += 1
    for p in facts.pairings:
        rows[p.area]["places"] += 1
    return tuple(
        AreaRow(name, 0, r["projects"], r["staffed"], r["unfilled"], r["places"], 0, 0)
        for name, r in sorted(rows.items(), key=lambda item: (-item[1]["projects"], item[0]))
    )


def _totals(
    round_: Round, facts: ReportFacts, where: Any, area: dict[str, str]
) -> tuple[AreaRow, ...]:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for name in area.values():
        rows[name]["schools"] += 1
    staffed = {p.project_id for p in facts.pairings}
    for project in round_.projects:
        row = rows[where(project.host_school_id)]
        row["projects"] += 1
        row["staffed" if project.project_id in staffed else "unfilled"] += 1
    for p in facts.pairings:
        rows[where(p.host_school_id)]["places"] += 1
    for load in facts.school_load:
        rows[where(load.school_id)]["days_released"] += load.days_released
        rows[where(load.school_id)]["cover_cost"] += load.cover_cost
    return tuple(
        AreaRow(
            name, r["schools"], r["projects"], r["staffed"], r["unfilled"], r["places"],
            r["days_released"], r["cover_cost"],
        )
        for name, r in sorted(rows.items(), key=lambda item: (-item[1]["projects"], item[0]))
    )


def _months(facts: ReportFacts) -> tuple[tuple[str, int, int], ...]:
    counts: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for v in facts.visits:
        counts[(v.date.year, v.date.month)][v.kind] += 1
    return tuple(
        (f"{facts.start.replace(year=y, month=m, day=1):%B %Y}", c["visit"], c["presentation"])
        for (y, m), c in sorted(counts.items())
    )


def _search(round_: Round, facts: ReportFacts) -> dict[str, Any]:
    """Schools, people, projects and places as arrays that point at each other by index."""
    schools = sorted(round_.schools, key=lambda s: s.school_id)
    school_at = {s.school_id: n for n, s in enumerate(schools)}
    people = sorted(round_.staff, key=lambda s: s.staff_id)
    person_at = {s.staff_id: n for n, s in enumerate(people)}
    first = {p.project_id: p for p in facts.pairings}
    projects = sorted(round_.projects, key=lambda p: p.project_id)
    project_at = {p.project_id: n for n, p in enumerate(projects)}

    def when(project_id: str) -> str:
        row = first.get(project_id)
        if row is None or row.first_day is None:
            return ""
        return row.first_day.isoformat()

    return {
        "schools": [[s.school_id, s.name] for s in schools],
        "people": [[s.staff_id, s.name, school_at.get(s.school_id, -1)] for s in people],
        "projects": [
            [p.project_id, p.title, school_at.get(p.host_school_id, -1), when(p.project_id)]
            for p in projects
        ],
        "places": [
            [project_at[p.project_id], person_at[p.staff_id], int(p.role == "lead")]
            for p in facts.pairings
        ],
        "unfilled": [
            project_at[u.project_id] for u in facts.unfilled if u.project_id in project_at
        ],
    }


def _cells(facts: ReportFacts) -> tuple[dict[str, Any], ...]:
    """Schools binned by position: how many, and how many reviewer places they host."""
    hosted = Counter(p.host_school_id for p in facts.pairings)
    cells: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for point in facts.map_points:
        key = (round(point.latitude / CELL_DEGREES), round(point.longitude / CELL_DEGREES))
        cells[key]["schools"] += 1
        cells[key]["places"] += hosted.get(point.school_id, 0)
    return tuple(
        {
            "lat": round(lat * CELL_DEGREES, 3),
            "lon": round(lon * CELL_DEGREES, 3),
            "schools": c["schools"],
            "places": c["places"],
        }
        for (lat, lon), c in sorted(cells.items())
    )
