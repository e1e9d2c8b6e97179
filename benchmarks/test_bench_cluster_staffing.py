"""Clusters that staff their projects: projects staffed inside clusters against without them.

Target (issue 19): the bundled sample, with its clusters formed and matching kept within them
(`cluster_scope = "within"`), staffs at least 90% of what it staffs without clusters. Each
round is planned twice in the same run: clusters formed on travel alone (`staffing_penalty =
0`, as before issue 19) and formed knowing the projects (the default penalty); the count
without clusters is the comparison matching `matcher plan` makes itself (summary.json
`cluster_staffing`). Figures are projects staffed and their ratio, never seconds alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from reporting import print_table

import matcher
from matcher.model import Round
from matcher.synth.cohort import generate_round

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "alliance"
TARGET = 0.9
TIME_LIMITS = {"sample": 30.0, "la-300": 60.0}


def _round(name: str) -> Round:
    if name == "sample":
        round_ = matcher.load_round(SAMPLE)
        return _with(round_, form=True)
    # The 300-school cohort with clusters of the default 3-4 schools, matched within them.
    return _with(generate_round(schools=300, seed=1), form=True, cluster_scope="within")


def _with(round_: Round, **changes: object) -> Round:
    clusters = round_.settings.clusters.model_copy(update=changes)
    return round_.replace(settings=round_.settings.model_copy(update={"clusters": clusters}))


@pytest.mark.parametrize("name", ["sample", "la-300"])
def test_staffed_within_clusters_against_without(benchmark, name: str) -> None:
    knowing = _round(name)
    blind = _with(knowing, staffing_penalty=0)

    def run() -> list[dict[str, object]]:
        rows = []
        for formed, round_ in (("travel alone", blind), ("knowing the projects", knowing)):
            started = time.perf_counter()
            outcome = matcher.plan(round_, time_limit=TIME_LIMITS[name], seed=1, workers=1)
            seconds = time.perf_counter() - started
            figures = outcome.summary()["cluster_staffing"]
            assert isinstance(figures, dict)
            within, without = (
                figures["staffed_within_clusters"],
                figures["staffed_without_clusters"],
            )
            rows.append(
                {
                    "round": name,
                    "clusters formed on": formed,
                    "projects": figures["projects"],
                    "staffed within": within,
                    "staffed without": without,
                    "within / without": f"{within / max(1, without):.2f}",
                    "without proved": figures["without_clusters_status"] == "OPTIMAL",
                    "clusters gap %": f"{100 * (outcome.clusters.result.gap or 0):.1f}"
                    if outcome.clusters is not None
                    else "",
                    "seconds": f"{seconds:.1f}",
                }
            )
        return rows

    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    print_table(f"projects staffed within clusters, {name}", rows)
    benchmark.extra_info["rows"] = rows
    blind_row, knowing_row = rows
    assert int(knowing_row["staffed within"]) >= int(blind_row["staffed within"])  # type: ignore[call-overload]
    if name == "sample":
        ratio = int(knowing_row["staffed within"]) / int(knowing_row["staffed without"])  # type: ignore[call-overload]
        assert ratio >= TARGET, f"target missed: {ratio:.2f} of what it staffs without clusters"
