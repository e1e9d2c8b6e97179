"""matcher: pair reviewers and SLEs with school-improvement projects.

The public API is loaded lazily so that ``import matcher`` does no work and so that
``solvers`` (which imports ``matcher.model``) never sees a half-initialised package.

>>> import matcher
>>> round_ = matcher.load_round("data/samples/alliance")   # doctest: +SKIP
>>> outcome = matcher.match(round_, time_limit=10, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "load_round": "matcher.io",
    "read_round": "matcher.io",
    "InputError": "matcher.io",
    "InputWarning": "matcher.io",
    "match": "matcher.pipeline",
    "plan": "matcher.pipeline",
    "schedule": "matcher.pipeline",
    "write_outputs": "matcher.pipeline",
    "verify_plan": "matcher.verify",
    "form_clusters": "matcher.clusters",
    "verify_clusters": "matcher.verify_clusters",
    "schedule_pairings": "matcher.pipeline",
    "write_cluster_outputs": "matcher.io.cluster_files",
    "write_round": "matcher.io.write",
    "ClusterSettingsError": "matcher.clusters",
    "read_written": "matcher.written",
    "read_previous": "matcher.written",
    "LockError": "matcher.locks",
    "Revision": "matcher.changes",
    "verify_written": "matcher.written",
    "rewrite_calendars": "matcher.written",
    "rebuild_report": "matcher.written",
    "WrittenPlanError": "matcher.written",
    "pairings_to_date": "matcher.written",
    "BrokenPlanError": "matcher.written",
    "load_tables": "matcher.report.load",
    "LoadTables": "matcher.report.load",
    "generate_round": "matcher.synth.cohort",
    "load_register": "matcher.synth.register",
    "LocationsError": "matcher.synth.register",
    "check_out_folder": "matcher.io.out_folder",
    "explain": "matcher.why",
    "explanation_text": "matcher.why",
    "Explanation": "matcher.why",
    "ExplainError": "matcher.why",
    "OutputFolderError": "matcher.io.out_folder",
    # A function named apart from its package: importing matcher.sweep binds the package there.
    "run_sweep": "matcher.sweep.core",
    "read_grid": "matcher.sweep.grid",
    "SweepClusterError": "matcher.sweep.remote",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'matcher' has no attribute {name!r}")
    return getattr(import_module(module), name)
