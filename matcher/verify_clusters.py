"""An independent cluster checker: every hard rule of peer-review clusters, in plain Python.

Nothing here is shared with ``solvers/``: the clustering models and this checker are two
implementations of docs/clusters.md, so a bug in one shows up as a disagreement. Every plan
``matcher.form_clusters`` makes passes through :func:`verify_clusters`, and so does
``matcher verify`` when its folder holds clusters.csv.

Pinned clusters are the coordinator's own decision and are kept as they are, so the rules on
size, travel, trust and phase apply to the clusters that were formed; a pinned cluster is only
checked to be unchanged. The mix rules are soft (priced, not forbidden) and are not checked
here; clusters_summary.json reports them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import NamedTuple

from matcher.model import ClusterPlan, Round


@dataclass(frozen=True, kw_only=True)
class ClusterViolation:
    """One broken cluster rule: the rule's name, the cluster and school it concerns, in words."""

    rule: str
    cluster_id: str | None = None
    school_id: str | None = None
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class _Breach(NamedTuple):
    message: str
    cluster_id: str | None = None
    school_id: str | None = None


class _Facts:
    """Lookups over one plan, worked out once and shared by every rule."""

    def __init__(self, round_: Round, plan: ClusterPlan) -> None:
        self.round = round_
        self.plan = plan
        self.settings = round_.settings.clusters

    @cached_property
    def members(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for member in self.plan.members:
            groups[member.cluster_id].append(member.school_id)
        return dict(groups)

    @cached_property
    def pinned_ids(self) -> set[str]:
        return {m.cluster_id for m in self.round.clusters if m.pinned}

    @cached_property
    def formed(self) -> dict[str, list[str]]:
        """Clusters made by this plan (not pinned), with known schools only."""
        known = self.round.school_by_id
        return {
            cluster_id: [s for s in schools if s in known]
            for cluster_id, schools in self.members.items()
            if cluster_id not in self.pinned_ids
        }

    @cached_property
    def hubs(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for member in self.plan.members:
            if member.hub:
                found[member.cluster_id].append(member.school_id)
        return dict(found)

    def journey(self, a: str, b: str) -> int:
        """The longer of the two one-way journeys: what both schools must put up with."""
        return max(self.round.travel_minutes(a, b), self.round.travel_minutes(b, a))


Check = Callable[[_Facts], Iterator[_Breach]]


def _unknown_school(facts: _Facts) -> Iterator[_Breach]:
    """Hard: every school the plan names is a school of the round."""
    known = facts.round.school_by_id
    for member in facts.plan.members:
        if member.school_id not in known:
            yield _Breach(
                f"{member.school_id} in cluster {member.cluster_id} is not a school of the round",
                member.cluster_id,
                member.school_id,
            )
    for left in facts.plan.left_out:
        if left.school_id not in known:
            yield _Breach(f"{left.school_id} is left out but is not a school of the round")


def _each_school_once(facts: _Facts) -> Iterator[_Breach]:
    """Hard: every school is in exactly one cluster or listed as left out, never both."""
    places = Counter(m.school_id for m in facts.plan.members)
    left = Counter(s.school_id for s in facts.plan.left_out)
    for school in facts.round.schools:
        school_id = school.school_id
        clustered, listed = places[school_id], left[school_id]
        if clustered + listed == 0:
            yield _Breach(
                f"{school_id} is in no cluster and not listed as left out", None, school_id
            )
        elif clustered > 1:
            yield _Breach(f"{school_id} is in {clustered} clusters", None, school_id)
        elif clustered and listed:
            yield _Breach(f"{school_id} is in a cluster and listed as left out", None, school_id)
        elif listed > 1:
            yield _Breach(f"{school_id} is listed as left out {listed} times", None, school_id)


def _pinned_kept(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a pinned cluster of clusters.csv is in the plan exactly as it was."""
    given: dict[str, set[str]] = defaultdict(set)
    for member in facts.round.clusters:
        if member.pinned:
            given[member.cluster_id].add(member.school_id)
    for cluster_id, schools in sorted(given.items()):
        kept = set(facts.members.get(cluster_id, []))
        if kept != schools:
            missing = ", ".join(sorted(schools - kept)) or "nobody"
            extra = ", ".join(sorted(kept - schools)) or "nobody"
            yield _Breach(
                f"pinned cluster {cluster_id} was changed: missing {missing}; added {extra}",
                cluster_id,
            )


def _size(facts: _Facts) -> Iterator[_Breach]:
    """Hard: a formed cluster has min_size..max_size schools (min_size..hub_capacity for hubs)."""
    low = facts.settings.min_size
    high = facts.settings.hub_capacity if facts.settings.mode == "hub" else facts.settings.max_size
    for cluster_id, schools in sorted(facts.formed.items()):
        if not low <= len(schools) <= high:
            yield _Breach(
                f"cluster {cluster_id} has {len(schools)} schools; it needs {low} to {high}",
                cluster_id,
            )


def _travel(facts: _Facts) -> Iterator[_Breach]:
    """Hard: the journey between two schools of a cluster (to the hub, for hubs) is in limit."""
    limit = facts.settings.max_travel_minutes
    for cluster_id, schools in sorted(facts.formed.items()):
        if facts.settings.mode == "hub":
            hubs = [h for h in facts.hubs.get(cluster_id, []) if h in schools]
            pairs = [(h, s) for h in hubs[:1] for s in schools if s != h]
        else:
            pairs = list(combinations(sorted(schools), 2))
        for a, b in pairs:
            minutes = facts.journey(a, b)
            if minutes > limit:
                yield _Breach(
                    f"cluster {cluster_id}: {a} and {b} are {minutes} minutes apart; "
                    f"the limit is {limit}",
                    cluster_id,
                    b,
                )


def _trust(facts: _Facts) -> Iterator[_Breach]:
    """Hard (trust = "forbid_shared"): no two schools of one trust share a cluster."""
    if facts.settings.trust != "forbid_shared":
        return
    for cluster_id, schools in sorted(facts.formed.items()):
        by_trust: dict[str, list[str]] = defaultdict(list)
        for school_id in schools:
            trust = facts.round.school_by_id[school_id].trust
            if trust is not None:
                by_trust[trust].append(school_id)
        for trust, together in sorted(by_trust.items()):
            if len(together) > 1:
                yield _Breach(
                    f"cluster {cluster_id}: {', '.join(sorted(together))} are all in trust "
                    f"'{trust}'",
                    cluster_id,
                )


def _phase(facts: _Facts) -> Iterator[_Breach]:
    """Hard (phase = "same"): the schools of a cluster share one phase."""
    if facts.settings.phase != "same":
        return
    for cluster_id, schools in sorted(facts.formed.items()):
        phases = {str(facts.round.school_by_id[s].phase) for s in schools}
        if len(phases) > 1:
            yield _Breach(
                f"cluster {cluster_id} mixes phases {', '.join(sorted(phases))}", cluster_id
            )


def _hub(facts: _Facts) -> Iterator[_Breach]:
    """Hard: in hub mode a formed cluster has exactly one hub school; otherwise none."""
    for cluster_id in sorted(facts.formed):
        count = len(facts.hubs.get(cluster_id, []))
        if facts.settings.mode == "hub" and count != 1:
            yield _Breach(f"hub {cluster_id} has {count} hub schools; it needs one", cluster_id)
        if facts.settings.mode == "partition" and count:
            yield _Breach(
                f"cluster {cluster_id} marks a hub school, but clusters.mode is partition",
                cluster_id,
            )


def _rotation(facts: _Facts) -> Iterator[_Breach]:
    """Hard: inside a cluster of 3 or more, reviews run in one cycle through every school.

    Each school reviews exactly one other and is reviewed by exactly one, all within its
    cluster, in a single cycle, so no two schools simply review each other.
    """
    arcs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for edge in facts.plan.rotation:
        arcs[edge.cluster_id].append((edge.reviewing_school_id, edge.host_school_id))
    for cluster_id in sorted(set(arcs) - set(facts.members)):
        yield _Breach(f"rotation names cluster {cluster_id}, which the plan does not have")
    for cluster_id, schools in sorted(facts.members.items()):
        if len(schools) < 3:
            continue
        yield from _one_cycle(cluster_id, set(schools), arcs.get(cluster_id, []))


def _one_cycle(
    cluster_id: str, schools: set[str], arcs: list[tuple[str, str]]
) -> Iterator[_Breach]:
    outside = [f"{a}->{b}" for a, b in arcs if a not in schools or b not in schools]
    if outside:
        yield _Breach(
            f"cluster {cluster_id}: review {', '.join(outside)} leaves the cluster", cluster_id
        )
        return
    reviews = Counter(a for a, _ in arcs)
    hosts = Counter(b for _, b in arcs)
    for school_id in sorted(schools):
        if reviews[school_id] != 1 or hosts[school_id] != 1:
            yield _Breach(
                f"cluster {cluster_id}: {school_id} reviews {reviews[school_id]} and is "
                f"reviewed by {hosts[school_id]} schools; each must be exactly 1",
                cluster_id,
                school_id,
            )
            return
    successor = dict(arcs)
    start = min(schools)
    seen = [start]
    while successor[seen[-1]] != start:
        seen.append(successor[seen[-1]])
    if len(seen) != len(schools):
        yield _Breach(
            f"cluster {cluster_id}: reviews form more than one cycle "
            f"({' -> '.join(seen)} -> {start} leaves out the rest)",
            cluster_id,
        )


CHECKS: tuple[tuple[str, Check], ...] = (
    ("unknown_school", _unknown_school),
    ("each_school_once", _each_school_once),
    ("pinned_kept", _pinned_kept),
    ("size", _size),
    ("travel", _travel),
    ("trust", _trust),
    ("phase", _phase),
    ("hub", _hub),
    ("rotation", _rotation),
)
"""Every hard cluster rule under its stable name, in the order its violations are reported."""


def verify_clusters(round_: Round, plan: ClusterPlan) -> list[ClusterViolation]:
    """Re-check every hard cluster rule of a round against a cluster plan.

    Parameters
    ----------
    round_
        The round the clusters were formed for (its ``[clusters]`` settings and pinned
        clusters).
    plan
        Clusters, rotation and schools left out, from ``form_clusters`` or read from files.

    Returns
    -------
    list of ClusterViolation
        Every broken rule, in the order of :data:`CHECKS`; empty when the plan is valid.
    """
    facts = _Facts(round_, plan)
    found: list[ClusterViolation] = []
    for rule, check in CHECKS:
        for breach in check(facts):
            found.append(ClusterViolation(rule=rule, **breach._asdict()))
    return found
