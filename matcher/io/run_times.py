"""Run times apart from results: the one thing that differs between two runs of the same job.

A summary's fields whose names end in ``seconds`` (``wall_time_seconds`` and the like) are
taken out of ``summary.json`` into ``run.json`` (``clusters_summary.json``'s into
``clusters_run.json``), at the same place in the same nesting. The same input, seed and
options then give byte-identical folders but for those files.
"""

from __future__ import annotations

from collections.abc import Mapping


def split_run_times(summary: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Split a summary into (what repeats run to run, the run times).

    Parameters
    ----------
    summary
        A summary as the solvers report it; nested mappings are split too.

    Returns
    -------
    tuple of dict
        The summary without any field named ``...seconds``, and those fields, nested as they
        were (empty if there were none).
    """
    kept: dict[str, object] = {}
    times: dict[str, object] = {}
    for key, value in summary.items():
        if key.endswith("seconds"):
            times[key] = value
        elif isinstance(value, Mapping):
            inner, inner_times = split_run_times(value)
            kept[key] = inner
            if inner_times:
                times[key] = inner_times
        else:
            kept[key] = value
    return kept, times


def run_file_name(summary_name: str) -> str:
    """``summary.json`` -> ``run.json``; ``clusters_summary.json`` -> ``clusters_run.json``."""
    return summary_name.replace("summary", "run")
