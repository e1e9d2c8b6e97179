"""Vega-Lite specifications of the report's charts, with their data inline.

Each function returns a plain dict (serialised by :mod:`matcher.report.page`): no data URL,
no tiles, no web font, so the page needs nothing from any other host. Charts with a bar per
school or SLE show at most :data:`MOST_BARS` of them (the largest); plan.xlsx has them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matcher.report.facts import ReportFacts

MOST_BARS = 40
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
WIDTH = 300  # a bar chart, two side by side on a laptop screen
MAP_WIDTH = 700
Spec = dict[str, Any]

_ROLE_COLOURS = {
    "domain": ["hosts", "sends", "hosts and sends", "neither"],
    "range": ["#d1495b", "#00798c", "#edae49", "#9aa5b1"],
}


def _base(height: int, width: int = WIDTH) -> Spec:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width,
        "height": height,
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 190},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
        },
    }


def _top(rows: list[Spec], key: str) -> list[Spec]:
    ranked = sorted(rows, key=lambda row: (-row[key], row["name"]))
    return ranked[:MOST_BARS]


def map_spec(facts: ReportFacts) -> Spec:
    """Schools on their coordinates, a line from each reviewer's school to the host."""
    lines = [
        {
            "lon": line.from_longitude,
            "lat": line.from_latitude,
            "lon2": line.to_longitude,
            "lat2": line.to_latitude,
            "what": line.label,
        }
        for line in facts.map_lines
    ]
    points = [
        {"lon": p.longitude, "lat": p.latitude, "name": p.name, "role": p.role}
        for p in facts.map_points
    ]
    return {
        **_base(460, MAP_WIDTH),
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": {"values": lines},
                "mark": {"type": "rule", "color": "#5c6b7a", "opacity": 0.45, "strokeWidth": 1.4},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "longitude2": {"field": "lon2"},
                    "latitude2": {"field": "lat2"},
                    "tooltip": [{"field": "what", "title": "Pairing"}],
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "circle", "size": 110, "opacity": 0.95, "stroke": "white"},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "title": "School",
                        "scale": _ROLE_COLOURS,
                    },
                    "tooltip": [
                        {"field": "name", "title": "School"},
                        {"field": "role", "title": "This round"},
                    ],
                },
            },
        ],
    }


def cells_spec(cells: Sequence[Spec]) -> Spec:
    """Schools binned into map cells (the summarised page): size by schools, colour by the
    reviewer places they host."""
    return {
        **_base(460, MAP_WIDTH),
        "projection": {"type": "mercator"},
        "data": {"values": list(cells)},
        "mark": {"type": "circle", "opacity": 0.8},
        "encoding": {
            "longitude": {"field": "lon", "type": "quantitative"},
            "latitude": {"field": "lat", "type": "quantitative"},
            "size": {"field": "schools", "type": "quantitative", "title": "Schools"},
            "color": {
                "field": "places",
                "type": "quantitative",
                "title": "Reviewer places hosted",
                "scale": {"scheme": "tealblues"},
            },
            "tooltip": [
                {"field": "schools", "title": "Schools"},
                {"field": "places", "title": "Reviewer places hosted"},
            ],
        },
    }


def sle_spec(facts: ReportFacts) -> Spec:
    """Days per SLE: earlier this year and this round, stacked, against the allowance."""
    chosen = _top(
        [
            {"name": r.name, "total": r.days_earlier + r.days_this_round,
             "earlier": r.days_earlier, "now": r.days_this_round}
            for r in facts.sle_load
        ],
        "total",
    )
    values = []
    for row in chosen:
        values.append({"name": row["name"], "part": "earlier this year", "days": row["earlier"]})
        values.append({"name": row["name"], "part": "this round", "days": row["now"]})
    order = [row["name"] for row in chosen]
    allowance = facts.sle_load[0].allowance if facts.sle_load else 0
    ticks = [{"name": name, "allowance": allowance} for name in order]
    return _stacked_with_ticks(values, ticks, order)


def _stacked_with_ticks(values: list[Spec], ticks: list[Spec], order: list[str]) -> Spec:
    field, title = "days", "Days"
    return {
        **_base(max(60, 18 * len(order))),
        "layer": [
            {
                "data": {"values": values},
                "mark": {"type": "bar", "cornerRadiusEnd": 2},
                "encoding": {
                    "y": {"field": "name", "type": "nominal", "sort": order, "title": None},
                    "x": {"field": field, "type": "quantitative", "title": title, "stack": True},
                    "color": {
                        "field": "part",
                        "type": "nominal",
                        "title": None,
                        "scale": {"range": ["#9fb3c8", "#00798c"]},
                    },
                    "order": {"field": "part", "sort": "ascending"},
                    "tooltip": [
                        {"field": "name", "title": "Name"},
                        {"field": "part", "title": "Part"},
                        {"field": field, "title": title},
                    ],
                },
            },
            {
                "data": {"values": ticks},
                "mark": {"type": "tick", "color": "#d1495b", "thickness": 3, "bandSize": 14},
                "encoding": {
                    "y": {"field": "name", "type": "nominal", "sort": order, "title": None},
                    "x": {"field": "allowance", "type": "quantitative"},
                    "tooltip": [{"field": "allowance", "title": "Allowance (days)"}],
                },
            },
        ],
    }


def release_spec(facts: ReportFacts) -> Spec:
    """Staff-days each school releases, with a tick at its release budget."""
    rows = [
        {"name": r.name, "days": r.days_released, "budget": r.release_budget}
        for r in facts.school_load
    ]
    chosen = _top(rows, "days")
    order = [row["name"] for row in chosen]
    return {
        **_base(max(60, 18 * len(order))),
        "data": {"values": chosen},
        "encoding": {"y": {"field": "name", "type": "nominal", "sort": order, "title": None}},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#00798c", "cornerRadiusEnd": 2},
                "encoding": {
                    "x": {"field": "days", "type": "quantitative", "title": "Staff-days released"},
                    "tooltip": [
                        {"field": "name", "title": "School"},
                        {"field": "days", "title": "Released"},
                        {"field": "budget", "title": "Budget"},
                    ],
                },
            },
            {
                "mark": {"type": "tick", "color": "#d1495b", "thickness": 3, "bandSize": 14},
                "encoding": {"x": {"field": "budget", "type": "quantitative"}},
            },
        ],
    }


def give_take_spec(facts: ReportFacts) -> Spec:
    """Reviewer-days each school gives (right) and receives (left)."""
    chosen = _top(
        [
            {"name": r.name, "given": r.days_released, "received": r.days_received,
             "busy": r.days_released + r.days_received}
            for r in facts.school_load
        ],
        "busy",
    )
    values = []
    for row in chosen:
        values.append({"name": row["name"], "part": "gives", "days": row["given"]})
        values.append({"name": row["name"], "part": "receives", "days": -row["received"]})
    order = [row["name"] for row in chosen]
    return {
        **_base(max(60, 18 * len(order))),
        "data": {"values": values},
        "mark": {"type": "bar", "cornerRadius": 2},
        "encoding": {
            "y": {"field": "name", "type": "nominal", "sort": order, "title": None},
            "x": {"field": "days", "type": "quantitative", "title": "← receives · gives →"},
            "color": {
                "field": "part",
                "type": "nominal",
                "title": None,
                "scale": {"domain": ["gives", "receives"], "range": ["#00798c", "#edae49"]},
            },
            "tooltip": [
                {"field": "name", "title": "School"},
                {"field": "part", "title": ""},
                {"field": "days", "title": "Reviewer-days"},
            ],
        },
    }


def cover_spec(facts: ReportFacts) -> Spec:
    """Cover cost each school carries for its staff out, in pounds."""
    chosen = _top([{"name": r.name, "cost": r.cover_cost} for r in facts.school_load], "cost")
    order = [row["name"] for row in chosen]
    return {
        **_base(max(60, 18 * len(order))),
        "data": {"values": chosen},
        "mark": {"type": "bar", "color": "#30638e", "cornerRadiusEnd": 2},
        "encoding": {
            "y": {"field": "name", "type": "nominal", "sort": order, "title": None},
            "x": {
                "field": "cost",
                "type": "quantitative",
                "title": "Cover cost (£)",
                "axis": {"format": ",d"},
            },
            "tooltip": [
                {"field": "name", "title": "School"},
                {"field": "cost", "title": "£", "format": ",d"},
            ],
        },
    }
