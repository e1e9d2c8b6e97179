"""Benchmark runners and reference-instance readers, apart from the product's core.

``runners`` measures the product against peers (plain MILP, LP bound, greedy) on published
instances and generated cohorts; ``orlib`` and ``pmedcap`` read the OR-Library files kept in
``../shared``; ``results`` writes the tables and the scaling chart.
"""

from matcher.bench.orlib import BenchmarkFileError
from matcher.bench.pmedcap import PMedCapFormatError
from matcher.bench.results import markdown_table, write_results
from matcher.bench.runners import bench_cohorts, bench_gap, bench_hubs_generated, bench_pmedcap

__all__ = [
    "BenchmarkFileError",
    "PMedCapFormatError",
    "bench_cohorts",
    "bench_gap",
    "bench_hubs_generated",
    "bench_pmedcap",
    "markdown_table",
    "write_results",
]
