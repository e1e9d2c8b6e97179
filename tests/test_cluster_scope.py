"""clusters.cluster_scope: one pair rule in the matcher and the same rule, apart, in verify."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_round, project, school, staff
from pair_rule_probe import allowed, flagged

from matcher.model import (
    ClusterMember,
    ClusterSettings,
    RotationEdge,
    Round,
)
from solvers.matching.eligibility import PAIR_RULES
from solvers.matching.explain import precheck

# Cluster K1 is A (the host), B and C; D is in no cluster. One oracy reviewer at B, C and D.
CLUSTER = [("K1", "A"), ("K1", "B"), ("K1", "C")]


def scoped(scope: str, *, rotation: list[tuple[str, str]] = (), clusters: Any = CLUSTER) -> Round:  # type: ignore[assignment]
    round_ = make_round(
        [school(s, lat_offset=0.01 * k) for k, s in enumerate("ABCD")],
        [staff("SB", "B"), staff("SC", "C"), staff("SD", "D")],
        [project("P1", "A")],
        clusters=[ClusterMember(cluster_id=c, school_id=s) for c, s in clusters],
        rotation=[
            RotationEdge(cluster_id="K1", reviewing_school_id=a, host_school_id=b)
            for a, b in rotation
        ],
    )
    chosen = ClusterSettings(cluster_scope=scope)  # type: ignore[arg-type]
    return round_.replace(settings=round_.settings.model_copy(update={"clusters": chosen}))


def test_the_rule_is_hard_and_registered() -> None:
    (rule,) = [r for r in PAIR_RULES if r.name == "cluster_scope"]
    assert (rule.check.__doc__ or "").startswith("Hard")


@pytest.mark.parametrize(
    ("scope", "rotation", "expected"),
    [
        ("any", [], {"SB", "SC", "SD"}),
        ("within", [], {"SB", "SC"}),
        # The rotation no longer narrows `within`: that is clusters.review_cycle.
        ("within", [("B", "A")], {"SB", "SC"}),
        ("outside", [], {"SD"}),
    ],
)
def test_matcher_and_checker_agree_on_who_may_review(
    scope: str, rotation: list[tuple[str, str]], expected: set[str]
) -> None:
    round_ = scoped(scope, rotation=rotation)
    assert allowed(round_, "cluster_scope") == expected
    assert flagged(round_, "cluster_scope") == {"SB", "SC", "SD"} - expected


def test_skipped_when_the_round_has_no_clusters() -> None:
    round_ = scoped("within", clusters=[])
    assert allowed(round_, "cluster_scope") == {"SB", "SC", "SD"}
    assert flagged(round_, "cluster_scope") == set()


def test_a_host_in_no_cluster_has_nobody_within() -> None:
    round_ = scoped("within", clusters=[("K1", "B"), ("K1", "C"), ("K1", "D")])
    assert allowed(round_, "cluster_scope") == set()
    assert "host's peer-review cluster" in precheck(round_)["P1"]


def test_the_explanation_names_the_cluster() -> None:
    round_ = scoped("within", rotation=[("C", "A")])
    round_ = round_.replace(staff=round_.staff[2:])  # only SD, outside the cluster
    assert "work in the host's peer-review cluster" in precheck(round_)["P1"]
