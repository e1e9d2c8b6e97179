"""A round's settings: round.toml (folder form) or the ``round`` sheet (workbook form).

Both forms become the same list of dotted keys (``rules.max_travel_minutes``) and values, checked
against ``matcher.model.Settings``. Unknown keys are problems: a typo must never silently fall
back to a default. ``settings_reference`` writes the settings table of docs/input-format.md from
the model, so the documented defaults cannot drift from the real ones.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from matcher.io import calendar_settings, cells
from matcher.io.problems import ProblemLog
from matcher.io.tables import Table, screen_cell
from matcher.model import (
    CalendarSettings,
    ClusterSettings,
    Rules,
    ScheduleWeights,
    Settings,
    TravelSettings,
    Weights,
)

# The [round] table holds Settings' own fields; the others are nested models.
SECTIONS: dict[str, type[BaseModel]] = {
    "rules": Rules,
    "weights": Weights,
    "travel": TravelSettings,
    "calendar": CalendarSettings,
    "schedule_weights": ScheduleWeights,
    "clusters": ClusterSettings,
}
ROUND_FIELDS: tuple[str, ...] = tuple(f for f in Settings.model_fields if f not in SECTIONS)

# What each setting does, for the generated table in docs/input-format.md.
MEANINGS: dict[str, str] = {
    "round.name": "Name of the round, shown on every output.",
    "round.number": "This round's number. history.csv rows with a lower number are past rounds.",
    "round.academic_year": (
        "E.g. `2025/26`. History rows of the same year count towards the SLE allowance."
    ),
    "round.start": "First day of the round. Every project's visit window must lie inside it.",
    "round.end": "Last day of the round.",
    "round.coordinator_email": "Who to contact about the round, shown on outputs.",
    "rules.same_trust": (
        "`forbid`: nobody reviews a school in their own school's trust. `allow`: they may."
    ),
    "rules.max_travel_minutes": "Longest one-way journey from a reviewer's school to a host.",
    "rules.rotation_rounds": (
        "Nobody returns to a host they served (history.csv) in this many previous rounds."
    ),
    "rules.school_rotation_rounds": (
        "Two schools that reviewed each other, either way (history.csv), in this many previous "
        "rounds are not paired again: no reviewer from one on a project of the other. 0: off."
    ),
    "rules.no_direct_swap": (
        "`true`: if school A's staff serve school B, B's staff do not serve A in this round."
    ),
    "rules.sle_allowance_days": (
        "Most days an SLE gives in an academic year, counting history.csv days of the same year."
    ),
    "weights.unstaffed": "Penalty for each project left without a team.",
    "weights.expertise": "Reward for reviewers whose expertise fits the project well.",
    "weights.preference": "Reward for each preference point honoured (preferences.csv).",
    "weights.travel": "Penalty per travel minute, counted once per day out.",
    "weights.sle_balance": "Penalty on the largest share of the yearly allowance any SLE uses.",
    "weights.give_take": "Penalty per day a school gives more than it receives, or the reverse.",
    "travel.speed_kmh": "Average door-to-door speed for estimated journeys.",
    "travel.detour_factor": "Road distance over straight-line distance.",
    "travel.overhead_minutes": "Minutes added to every estimated journey (parking, signing in).",
    "calendar.terms": (
        "Term-time date ranges; visits fall on term days only. None given: the whole round."
    ),
    "calendar.holidays": "Closures inside the terms, such as a half-term week: no visits.",
    "calendar.inset_days": "Staff training days: no pupils in school, so no visits.",
    "calendar.bank_holidays": "`true`: skip England's bank holidays (from the holidays package).",
    "calendar.timezone": "Time zone of the visit times, for the exported calendars.",
    "calendar.day_start": "When visit hours begin on each visit day.",
    "calendar.day_end": "When visit hours end on each visit day.",
    "calendar.presentation_start": (
        "Start of the after-school slot in which a team presents its findings to the host "
        "(projects with `presentation`), on a school day after the last visit."
    ),
    "calendar.presentation_end": "End of the after-school findings presentation slot.",
    "calendar.min_gap_days": (
        "Calendar days from the last day of one visit to the first day of the next "
        "(a project's own `min_gap_days` overrides it)."
    ),
    "calendar.presentation_within_days": (
        "School days after the last visit within which a presentation falls (a project's own "
        "`presentation_within_days` overrides it). None: any later school day in the window."
    ),
    "calendar.governors_start": (
        "Start of the evening presentation to the host's governors (projects with "
        "`governors_presentation`), on a day after the senior team's presentation."
    ),
    "calendar.governors_end": "End of the evening presentation to governors.",
    "calendar.max_visits_per_day": "Most review teams a host school receives on one day.",
    "calendar.cover_cost_per_day": (
        "Cost in pounds of covering one staff-day out, by the releasing school's phase. "
        "Reported, and capped for a school with a cover_budget (schools.csv)."
    ),
    "calendar.default_cover_cost_per_day": (
        "Cover cost per staff-day out for a phase that `cover_cost_per_day` does not list."
    ),
    "schedule_weights.unscheduled": (
        "Penalty for each staffed project whose visits cannot all be dated."
    ),
    "schedule_weights.preferred_days": (
        "Reward per visit day on a day the host or a team member marked preferred "
        "(availability.csv)."
    ),
    "schedule_weights.release_spread": (
        "Penalty per staff-day out in each school's busiest week, to spread release over the term."
    ),
    "schedule_weights.end_of_term": "Penalty per staff visit-day in the last week of a term.",
    "clusters.form": "`true`: `matcher plan` forms peer-review clusters first, then matches.",
    "clusters.mode": (
        "`partition`: clusters of min_size..max_size schools that review one another. "
        "`hub`: schools gather around chosen hub schools (capacitated p-median)."
    ),
    "clusters.min_size": "Fewest schools in a cluster (a hub counts its hub school).",
    "clusters.max_size": "Most schools in a cluster (partition mode; hubs use hub_capacity).",
    "clusters.max_travel_minutes": (
        "Longest journey between two schools of a cluster (in hub mode: to the hub school)."
    ),
    "clusters.phase": "`same`: a cluster's schools share one phase. `mixed`: any phases.",
    "clusters.trust": (
        "`forbid_shared`: no two schools of one trust in a cluster. `allow`: they may be."
    ),
    "clusters.max_weak_per_cluster": (
        "Most schools rated needs_improvement in one cluster (soft, see mix_penalty)."
    ),
    "clusters.min_strong_per_cluster": (
        "Fewest schools rated strong in one cluster (soft, see mix_penalty)."
    ),
    "clusters.mix_penalty": (
        "Penalty, in travel minutes, per school over max_weak or under min_strong in a cluster. "
        "Used only when schools.csv has ratings."
    ),
    "clusters.rotate": (
        "Penalty, in travel minutes, per pair of schools that shared an unpinned cluster in "
        "clusters.csv and share one again. 0 switches it off."
    ),
    "clusters.objective": (
        "`total`: least travel over all clusters. `worst`: shortest longest journey in any "
        "cluster first, then least total travel."
    ),
    "clusters.hub_capacity": "Most schools a hub takes, its own hub school included.",
    "clusters.hubs": "Number of hubs; 0 = as few as hub_capacity and the travel limit allow.",
    "clusters.cluster_scope": (
        "For matching: `within` = reviewers from the host's own cluster; `outside` = from "
        "other clusters; `any` = anywhere. With `within`, clusters are formed so their "
        "projects can be staffed inside them (see staffing_penalty)."
    ),
    "clusters.review_cycle": (
        "`true`: each host's reviewers come from the school before it in its cluster's review "
        "cycle (rotation.csv, or the cycle `matcher plan` forms). Not with cluster_scope = "
        "`outside`."
    ),
    "clusters.staffing_penalty": (
        "Penalty, in travel minutes, per reviewer a cluster lacks for its projects (eligible "
        "reviewers from its other schools, or from the school before the host with "
        "review_cycle). Used when cluster_scope is `within` or review_cycle is on; 0 = travel "
        "alone."
    ),
}


# The value of a sheet cell already reported as unreadable (a formula with no saved value): the
# setting is known to be given, so it must neither take its default nor be called missing.
UNREADABLE = object()


@dataclass(frozen=True)
class Entry:
    """One setting as written: dotted key, value (TOML value or cell text), sheet row if any."""

    key: str
    value: object
    row: int | None = None


def all_keys() -> list[str]:
    """Every setting's dotted name, in the order the model declares them."""
    return [f"round.{name}" for name in ROUND_FIELDS] + [
        f"{section}.{name}" for section, model in SECTIONS.items() for name in model.model_fields
    ]


def load_settings(raw: str | Table, label: str, log: ProblemLog) -> Settings | None:
    """Settings from round.toml's text or a ``round`` sheet; None after logging problems.

    Parameters
    ----------
    raw : str or Table
        The TOML text (folder form) or the sheet with columns ``key`` and ``value``.
    label : str
        How the settings are named in messages (``"round.toml"`` or ``"sheet round"``).
    log : ProblemLog
        Receives every problem found.
    """
    entries = (
        entries_from_toml(raw, label, log) if isinstance(raw, str) else entries_from_sheet(raw, log)
    )
    return None if entries is None else build_settings(entries, label, log)


def entries_from_toml(text: str, label: str, log: ProblemLog) -> list[Entry] | None:
    try:
        document = tomllib.loads(text)
    except ValueError as error:  # TOMLDecodeError, or an integer too long for Python to read
        log.add(label, expected=f"valid TOML ({error})")
        return None
    entries: list[Entry] = []
    for key, value in document.items():
        if key == "round" or key in SECTIONS:
            if not isinstance(value, dict):
                log.add(label, column=key, value=str(value), expected=f"a table written [{key}]")
                continue
            entries.extend(Entry(f"{key}.{name}", inner) for name, inner in value.items())
        else:
            entries.append(Entry(key, value))
    return entries


def entries_from_sheet(table: Table, log: ProblemLog) -> list[Entry] | None:
    missing = [column for column in ("key", "value") if not table.has(column)]
    for column in missing:
        log.add(table.label, row=1, column=column, expected="this column in the header row")
    if missing:
        return None
    entries = []
    for row in table.rows:
        if "key" in row.reported:
            continue  # reported when the sheet was read
        if not row["key"]:
            log.add(table.label, row=row.number, column="key", value="", expected="a setting name")
        elif "value" in row.reported:
            entries.append(Entry(row["key"].lower(), UNREADABLE, row.number))
        elif row["value"]:  # a blank value keeps the default, as in a CSV cell
            entries.append(Entry(row["key"].lower(), row["value"], row.number))
    return entries


def build_settings(entries: Iterable[Entry], label: str, log: ProblemLog) -> Settings | None:
    """Check names, then values, of every setting; the Settings, or None if any was wrong."""
    known = all_keys()
    data: dict[str, Any] = {}
    rows: dict[str, int | None] = {}
    unreadable: set[str] = set()
    for entry in entries:
        if entry.key not in known:
            log.add(
                label,
                row=entry.row,
                column=entry.key,
                expected="a known setting name" + _suggest(entry.key, known),
            )
        elif entry.key in rows:
            log.add(label, row=entry.row, column=entry.key, expected="each setting only once")
        elif entry.value is UNREADABLE:
            rows[entry.key] = entry.row
            unreadable.add(entry.key)
        else:
            rows[entry.key] = entry.row
            section, name = entry.key.split(".", 1)
            target = data if section == "round" else data.setdefault(section, {})
            target[name] = entry.value
    reported = unreadable | _convert_calendar(data, rows, label, log)
    reported |= _convert_plain(data, rows, label, log)
    problems_before = len(log)
    _check_date_order(data, rows, label, log)
    _check_review_cycle(data, rows, label, log)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        _log_validation_error(error, data, rows, label, log, problems_before, reported)
        return None
    if reported:
        # A default now stands in for a value that was given: checks against it (here, and
        # across files: history against round.number) would blame the wrong thing.
        return None
    calendar_settings.check_calendar(settings, rows, label, log)
    return settings


def _convert_calendar(
    data: dict[str, Any], rows: dict[str, int | None], label: str, log: ProblemLog
) -> set[str]:
    """Read the calendar's ranges, dates, times and costs (TOML values or sheet text) in place.

    A value that cannot be read is logged and dropped, so the model does not report it again;
    the keys dropped are returned.
    """
    reported = set()
    section = data.get("calendar", {})
    for name, value in list(section.items()):
        key = f"calendar.{name}"
        try:
            section[name] = calendar_settings.convert(key, value)
        except cells.CellError as error:
            del section[name]
            reported.add(key)
            shown = _text(value) if error.value is None else error.value
            log.add(label, row=rows.get(key), column=key, value=shown, expected=error.expected)
    return reported


def _convert_plain(
    data: dict[str, Any], rows: dict[str, int | None], label: str, log: ProblemLog
) -> set[str]:
    """Read numbers, dates and text as cells are read, in place; the keys found unreadable.

    pydantic alone would take ``"1_000"`` and ``true`` for numbers and any date at all. TOML's
    own numbers (``1_000`` unquoted is TOML syntax) stay as TOML reads them.
    """
    reported = set()
    for key in all_keys():
        section, name = key.split(".", 1)
        target = data if section == "round" else data.get(section, {})
        if name not in target or key in calendar_settings.CONVERTERS:
            continue
        model = Settings if section == "round" else SECTIONS[section]
        value = target[name]
        if isinstance(value, str) and _is_text(model, name):
            text = screen_cell(value, label, rows.get(key), key, log)
            if text is None:
                reported.add(key)
                del target[name]
            else:
                target[name] = text
            continue
        try:
            target[name] = _plain(model, name, value)
        except cells.CellError as error:
            reported.add(key)
            del target[name]  # the model must not take it as it is, nor call it missing
            log.add(
                label, row=rows.get(key), column=key, value=_text(value), expected=error.expected
            )
    return reported


def _is_text(model: type[BaseModel], name: str) -> bool:
    return cells.number_kind(model, name) is None and not _date_field(model, name)


def _date_field(model: type[BaseModel], name: str) -> bool:
    return model.model_fields[name].annotation is dt.date


def _plain(model: type[BaseModel], name: str, value: object) -> object:
    """A number or date setting as the model takes it; CellError in the user's words."""
    kind = cells.number_kind(model, name)
    if kind is not None:
        if isinstance(value, bool):
            raise cells.CellError(cells.describe(model, name))
        if isinstance(value, str):
            parse = cells.parse_int if kind is int else cells.parse_float
            try:
                return parse(value)
            except cells.CellError:
                raise cells.CellError(
                    cells.describe(model, name) + cells.number_hint(value, whole=kind is int)
                ) from None
        return value
    if _date_field(model, name):
        if isinstance(value, dt.datetime):
            raise cells.CellError(cells.DATE_EXPECTED)
        if isinstance(value, dt.date):
            return cells.in_years(value)
        if isinstance(value, str):
            return cells.parse_date(value)
    return value


def _suggest(key: str, known: list[str]) -> str:
    # A key put in the wrong table (or outside any table) is found by its last part.
    leaf = key.rsplit(".", 1)[-1]
    same_leaf = [k for k in known if k.endswith(f".{leaf}")]
    if len(same_leaf) == 1:
        return f" (did you mean {same_leaf[0]}?)"
    return cells.did_you_mean(key, known).replace("'", "")


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return cells.parse_date(str(value))
    except cells.CellError:
        return None


def _check_date_order(
    data: dict[str, Any], rows: dict[str, int | None], label: str, log: ProblemLog
) -> None:
    start, end = _as_date(data.get("start")), _as_date(data.get("end"))
    if start is not None and end is not None and start > end:
        log.add(
            label,
            row=rows.get("round.start"),
            column="round.start",
            value=start.isoformat(),
            expected=f"on or before round.end ({end.isoformat()})",
        )


def _check_review_cycle(
    data: dict[str, Any], rows: dict[str, int | None], label: str, log: ProblemLog
) -> None:
    """A review cycle stays inside the cluster, so it cannot be asked for with reviewers from
    outside it."""
    section = data.get("clusters", {})
    if section.get("review_cycle") is True and section.get("cluster_scope") == "outside":
        log.add(
            label,
            row=rows.get("clusters.review_cycle"),
            column="clusters.review_cycle",
            value="true",
            expected='false while clusters.cluster_scope is "outside" (a review cycle stays '
            "inside the cluster)",
        )


def _log_validation_error(
    error: ValidationError,
    data: dict[str, Any],
    rows: dict[str, int | None],
    label: str,
    log: ProblemLog,
    problems_before: int,
    reported: set[str],
) -> None:
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"]]
        if not loc:
            if len(log) == problems_before:  # our own date check already said it otherwise
                log.add(label, expected=detail["msg"].removeprefix("Value error, "))
            continue
        if loc[0] in SECTIONS and len(loc) == 1 and detail["type"] == "value_error":
            # A rule across a section's settings (clusters: min_size above max_size).
            log.add(label, column=loc[0], expected=detail["msg"].removeprefix("Value error, "))
            continue
        if loc[0] in SECTIONS:
            section, model, name = loc[0], SECTIONS[loc[0]], loc[1] if len(loc) > 1 else ""
            value = data.get(section, {}).get(name) if name else None
        else:
            section, model, name = "round", Settings, loc[0]
            value = data.get(name)
        key = f"{section}.{name}"
        if key in reported:
            continue  # already said in our own words
        log.add(
            label,
            row=rows.get(key),
            column=key,
            value=None if detail["type"] == "missing" else _text(value),
            expected=cells.describe(model, name)
            + (" (this setting is required)" if detail["type"] == "missing" else ""),
        )


def _text(value: object) -> str:
    # Dates, times, ranges and cost tables read as a sheet cell would hold them.
    return calendar_settings.to_text(value)


def _default(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    default = info.get_default(call_default_factory=True)
    if default is PydanticUndefined:
        return "required"
    if default is None or default == ():
        return "(none)"
    if default == "":
        return '`""`'
    return f"`{_text(default)}`"


def settings_reference() -> str:
    """The Markdown table of every setting, its default and what it accepts, from the model."""
    lines = ["| Setting | Default | Accepts | Meaning |", "|---|---|---|---|"]
    for key in all_keys():
        section, name = key.split(".", 1)
        model = Settings if section == "round" else SECTIONS[section]
        lines.append(
            f"| `{key}` | {_default(model, name)} | {cells.describe(model, name)} "
            f"| {MEANINGS.get(key, '')} |"
        )
    return "\n".join(lines)
