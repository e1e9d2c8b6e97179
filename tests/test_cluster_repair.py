"""Clusters repaired by matching inside them (solvers.clusters.repair, docs/clusters.md).

The partition counts the reviewers who could serve each project one project at a time; a
reviewer wanted by two projects of one cluster is counted for both. Town A has two projects
that need a trained lead and one lead, A3, with days for only one of them; town B has a lead
to spare. On travel and that count the towns make the clusters and one project is lost;
priced by matching, B1 joins A's cluster and both are staffed.
"""

from __future__ import annotations

from cluster_regions import place
from conftest import project, settings, staff

import matcher
from matcher.model import ClusterSettings, Round


def two_towns(**cluster_settings: object) -> Round:
    schools = [place(f"A{k}", k) for k in (1, 2, 3)]
    schools += [place(f"B{k}", 5 + k) for k in (1, 2, 3, 4)]
    people = [
        staff("LA3", "A3", max_days=1),  # a trained lead (conftest) with one day
        staff("LB1", "B1", max_days=6),
        staff("RB2", "B2", lead_reviewer=False),
        staff("RB3", "B3", lead_reviewer=False),
        staff("RB4", "B4", lead_reviewer=False),
    ]
    projects = [
        project("PA1", "A1", needs_lead=True, max_reviewers=1),
        project("PA2", "A2", needs_lead=True, max_reviewers=1),
    ]
    chosen = ClusterSettings.model_validate(
        {
            "form": True,
            "cluster_scope": "within",
            "min_size": 3,
            "max_size": 4,
            "max_travel_minutes": 60,
            **cluster_settings,
        }
    )
    return Round(
        settings=settings().model_copy(update={"clusters": chosen}),
        schools=tuple(schools),
        staff=tuple(people),
        projects=tuple(projects),
    )


def clusters_of(outcome: matcher.ClusterOutcome) -> list[set[str]]:
    return sorted((set(m) for m in outcome.plan.clusters().values()), key=sorted)


def test_forbidden_counting_one_project_at_a_time_loses_a_project() -> None:
    """Without matching's word (the cluster scope "any" prices nothing and repairs nothing),
    the towns are the clusters, and matching inside them staffs one of A's projects."""
    blind = matcher.form_clusters(two_towns(cluster_scope="any"), time_limit=10)
    assert clusters_of(blind) == [{"A1", "A2", "A3"}, {"B1", "B2", "B3", "B4"}]
    within = two_towns()
    round_ = within.replace(clusters=blind.plan.members, rotation=blind.plan.rotation)
    outcome = matcher.match(round_, time_limit=10)
    assert len(outcome.plan.unfilled) == 1
    assert matcher.verify_plan(round_, outcome.plan) == []


def test_allowed_repaired_by_matching_a_lead_joins_the_cluster_that_lacks_one() -> None:
    outcome = matcher.form_clusters(two_towns(), time_limit=10)
    assert {"A1", "A2", "B1"} <= next(c for c in clusters_of(outcome) if "A1" in c)
    counts = outcome.result.counts
    assert counts["matched_shortfall_before_repair"] == 1
    assert counts["matched_shortfall_after_repair"] == 0
    assert counts["repair_moves"] >= 1
    terms = outcome.result.terms
    assert sum(t.contribution for t in terms.values()) == outcome.result.objective
    planned = matcher.plan(two_towns(), time_limit=20, seed=0)
    assert not planned.plan.unfilled
    assert matcher.verify_plan(planned.round, planned.plan) == []


def test_repair_repeats() -> None:
    """Counted in work, not time: the same round and seed make the same moves."""
    first = matcher.form_clusters(two_towns(), time_limit=10, seed=3)
    second = matcher.form_clusters(two_towns(), time_limit=10, seed=3)
    assert first.plan == second.plan
    assert first.result.counts == second.result.counts
