"""report.html: the round on one self-contained page, for a coordinator or a head teacher.

Rendered with jinja2 from ``templates/report.html.j2`` (shipped as package data). Styles,
data and the chart library are inline: the charts are Vega-Lite specifications drawn by
vega-embed, whose JavaScript comes from the ``vl-convert-python`` package
(:func:`vl_convert.javascript_bundle`, about 0.9 MB), so the page asks no other host for
anything: no CDN, no web font, no map tiles (the map is schools on their coordinates).
Nothing in it depends on the time or a random id, so the same plan gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from matcher.report import charts
from matcher.report.digest import Digest
from matcher.report.facts import ReportFacts, VisitRow
from matcher.report.names import PAGE
from matcher.why.text import TERM_WORDS

# Chips shown in one day of the month calendar before "+N more".
MOST_PER_DAY = 5


@dataclass(frozen=True)
class _Day:
    date: dt.date | None  # None: a weekday of another month, left blank
    visits: tuple[VisitRow, ...]


@dataclass(frozen=True)
class _Month:
    title: str
    weeks: tuple[tuple[_Day, ...], ...]  # Monday to Friday
    visits: tuple[VisitRow, ...]


# How the schedule table names an event that is not a visit day.
KIND_WORDS = {
    "presentation": "presentation",
    "scoping": "scoping meeting (lead)",
    "governors": "governors' presentation",
}


def write_page(directory: Path, facts: ReportFacts, digest: Digest | None = None) -> Path:
    """Write report.html into a folder.

    Parameters
    ----------
    directory
        The folder to write into (report.html there is replaced).
    facts
        The report's tables (:func:`matcher.report.facts.report_facts`).
    digest
        For a very large round, the summarised page's tables
        (:func:`matcher.report.digest.digest`); None for the full page.

    Returns
    -------
    Path
        ``directory / "report.html"``.
    """
    path = Path(directory) / PAGE
    path.write_text(render_page(facts, digest), encoding="utf-8", newline="\n")
    return path


def render_page(facts: ReportFacts, digest: Digest | None = None) -> str:
    """The page as text (see the module docstring)."""
    specs = {
        "map": charts.map_spec(facts) if digest is None else charts.cells_spec(digest.cells),
        "sle": charts.sle_spec(facts),
        "release": charts.release_spec(facts),
        "givetake": charts.give_take_spec(facts),
        "cover": charts.cover_spec(facts),
    }
    template = _environment().get_template("report.html.j2")
    return template.render(
        facts=facts,
        h=facts.headline,
        specs={name: _script_json(spec) for name, spec in specs.items()},
        months=[] if digest is not None else _months(facts.visits),
        d=digest,
        search="" if digest is None else _script_json(digest.search),
        most_bars=charts.MOST_BARS,
        most_per_day=MOST_PER_DAY,
        kind_words=KIND_WORDS,
        vega=_inline_script(_vega_bundle()),
    )


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("matcher.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["day"] = lambda d: "" if d is None else f"{d:%a} {d.day} {d:%b %Y}"
    env.filters["short"] = lambda d: f"{d:%a} {d.day} {d:%b}"
    env.filters["clock"] = lambda t: f"{t:%H:%M}"
    # Whole pounds as they were ("£1,500"); a budget with pence keeps them ("£1,500.50").
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else n  # "19,636"
    env.filters["pounds"] = lambda n: f"£{n:,.0f}" if float(n).is_integer() else f"£{n:,.2f}"
    env.filters["percent"] = lambda x: "" if x is None else f"{100 * x:.1f}%"
    env.filters["terms"] = _terms_text
    env.globals["term_words"] = TERM_WORDS
    return env


def _terms_text(terms: tuple[tuple[str, int, int], ...]) -> str:
    """A pairing's terms on one line, for a tooltip: "travel (minutes x days) 84 (+84); ..."."""
    return "; ".join(
        f"{TERM_WORDS.get(name, name)} {value:,} ({contribution:+,})"
        for name, value, contribution in terms
    )


@cache
def _vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script, from the installed vl-convert.

    Bundling takes vl-convert about 2.5 s, as long as the rest of a 2,000-school report, and
    gives the same text every time for one version of it, so the text is kept in the user's
    cache folder (``MATCHER_CACHE``, else ``$XDG_CACHE_HOME/matcher``, else
    ``~/.cache/matcher``) under that version, and bundled afresh when it is missing or
    cannot be kept.
    """
    import vl_convert

    # The page calls window.vegaEmbed alone; vega and vega-lite come along as its dependencies.
    snippet = "window.vegaEmbed = vegaEmbed;"
    kept = _cache_folder() / f"vega-embed-{importlib.metadata.version('vl-convert-python')}.js"
    with suppress(OSError, UnicodeDecodeError):
        text = kept.read_text(encoding="utf-8")
        if text.endswith(_BUNDLE_END):
            return text[: -len(_BUNDLE_END)]
    code = str(vl_convert.javascript_bundle(snippet))
    with suppress(OSError):
        kept.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a page built meanwhile never reads half a bundle.
        part = kept.with_suffix(f".{os.getpid()}.part")
        part.write_text(code + _BUNDLE_END, encoding="utf-8")
        part.replace(kept)
    return code


# Ends a complete cached bundle; taken off again when read, so the page is the same either way.
_BUNDLE_END = "\n// end of the vega-embed bundle\n"


def _cache_folder() -> Path:
    if folder := os.environ.get("MATCHER_CACHE"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "matcher"


def _inline_script(code: str) -> str:
    # Only "</script" can end a script element early; "<\/" means the same inside JS strings.
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _script_json(value: Any) -> str:
    """JSON safe inside a <script type="application/json"> element, keys sorted."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _months(visits: tuple[VisitRow, ...]) -> list[_Month]:
    """Visits by month, each month as weeks of Monday to Friday."""
    by_month: dict[tuple[int, int], list[VisitRow]] = defaultdict(list)
    for visit in visits:
        by_month[(visit.date.year, visit.date.month)].append(visit)
    months = []
    for (year, month), rows in sorted(by_month.items()):
        by_day: dict[dt.date, list[VisitRow]] = defaultdict(list)
        for visit in rows:
            by_day[visit.date].append(visit)
        first = dt.date(year, month, 1)
        day = first - dt.timedelta(days=first.weekday())
        weeks = []
        while day.month == month or day < first:
            week = []
            for offset in range(5):
                date = day + dt.timedelta(days=offset)
                inside = date.month == month
                week.append(_Day(date if inside else None, tuple(by_day.get(date, []))))
            if any(d.date is not None for d in week):
                weeks.append(tuple(week))
            day += dt.timedelta(days=7)
        months.append(_Month(f"{first:%B %Y}", tuple(weeks), tuple(rows)))
    return months
