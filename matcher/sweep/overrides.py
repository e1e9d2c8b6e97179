"""A scenario's overrides applied to a round's settings, checked as round.toml values are.

The round's own settings are turned back into the dotted entries round.toml gives
(``matcher.io.settings.Entry``), the overridden ones replaced, and the whole set read again by
``build_settings``: the same conversions, ranges and checks across settings (a term outside
the round's dates, clusters.min_size above max_size) as a round.toml holding those values.
"""

from __future__ import annotations

from typing import Any

from matcher.io.problems import ProblemLog
from matcher.io.settings import SECTIONS, Entry, all_keys, build_settings
from matcher.model import Settings


def current_entries(settings: Settings) -> dict[str, object]:
    """Every setting's value by dotted key, in the forms round.toml gives (a date range as a
    ``{start, end}`` table, which model_dump makes of it)."""
    dumped = settings.model_dump()
    values: dict[str, object] = {}
    for key in all_keys():
        section, name = key.split(".", 1)
        values[key] = dumped[name] if section == "round" else dumped[section][name]
    return values


def apply_overrides(
    settings: Settings, overrides: dict[str, Any], label: str, log: ProblemLog
) -> Settings | None:
    """``settings`` with ``overrides`` (dotted key -> TOML value) applied and re-validated.

    Parameters
    ----------
    settings
        The round's settings, as read from its round.toml or round sheet.
    overrides
        The scenario's values; an unknown key is a problem, as in round.toml.
    label
        How the scenario is named in messages (it should end in the grid file's name).
    log
        Receives every problem, each naming ``label``, the key, the value and what was expected.

    Returns
    -------
    Settings or None
        The new settings, or None when any problem was logged.
    """
    values = current_entries(settings)
    # Unknown keys go in as they are, for build_settings to report in round.toml's words.
    values.update(overrides)
    return build_settings([Entry(key, value) for key, value in values.items()], label, log)


def effective_value(settings: Settings, key: str) -> object:
    """The value a setting takes in ``settings`` (for the sweep's comparison columns)."""
    section, name = key.split(".", 1)
    holder: object = (
        settings if section == "round" or section not in SECTIONS else getattr(settings, section)
    )
    return getattr(holder, name, None)
