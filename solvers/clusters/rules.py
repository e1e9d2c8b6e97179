"""The rules of peer-review clusters: hard pair rules, soft cluster terms, and the school graph.

Two schools may share a cluster only if every rule in ``CLUSTER_PAIR_RULES`` allows the pair;
a cluster is then a clique of the school graph (``school_graph``). Each rule works on arrays of
pairs at once (a region has ~100,000 near pairs) and is applied in a fixed order, so that a
school no cluster can take is explained by the first rule that leaves it too few partners
(``solvers.clusters.explain``).

The soft terms price one cluster; the objective of every clustering model is the sum over its
clusters of ``cluster_cost``, with the weights from ``[clusters]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from solvers.clusters.encode import BoolArray, ClusterProblem, IntArray

PairMask = Callable[[ClusterProblem, IntArray, IntArray, IntArray], BoolArray]


@dataclass(frozen=True)
class ClusterPairRule:
    """A hard rule on two schools sharing a cluster, with the words to explain it."""

    name: str
    allows: PairMask
    # Completes "... of them <survivors>", e.g. "are in another trust".
    survivors: Callable[[ClusterProblem], str]


def within_travel(
    problem: ClusterProblem, a: IntArray, b: IntArray, minutes: IntArray
) -> BoolArray:
    """Hard: the longer one-way journey between the two schools is within max_travel_minutes."""
    return minutes <= problem.settings.max_travel_minutes


def trusts_apart(problem: ClusterProblem, a: IntArray, b: IntArray, minutes: IntArray) -> BoolArray:
    """Hard (trust = "forbid_shared"): two schools of one trust never share a cluster."""
    if problem.settings.trust == "allow":
        return np.ones(len(a), dtype=np.bool_)
    return (problem.trust[a] < 0) | (problem.trust[a] != problem.trust[b])


def phases_alike(problem: ClusterProblem, a: IntArray, b: IntArray, minutes: IntArray) -> BoolArray:
    """Hard (phase = "same"): the schools of a cluster share one phase."""
    if problem.settings.phase == "mixed":
        return np.ones(len(a), dtype=np.bool_)
    return problem.phase[a] == problem.phase[b]


def both_free(problem: ClusterProblem, a: IntArray, b: IntArray, minutes: IntArray) -> BoolArray:
    """Hard: a school in a pinned cluster stays there, so it pairs with nobody new."""
    return (problem.pinned[a] < 0) & (problem.pinned[b] < 0)


CLUSTER_PAIR_RULES: tuple[ClusterPairRule, ...] = (
    ClusterPairRule(
        "travel",
        within_travel,
        lambda p: f"are within {p.settings.max_travel_minutes} minutes' travel",
    ),
    ClusterPairRule("trust", trusts_apart, lambda p: "are outside its trust"),
    ClusterPairRule("phase", phases_alike, lambda p: "are of its phase"),
    ClusterPairRule("pinned_kept", both_free, lambda p: "are not in a pinned cluster"),
)


def allowed_pairs(problem: ClusterProblem) -> tuple[IntArray, IntArray, IntArray]:
    """The near pairs every rule allows: (a, b, minutes) with a < b."""
    a, b, minutes = problem.near_a, problem.near_b, problem.near_minutes
    keep = np.ones(len(a), dtype=np.bool_)
    for rule in CLUSTER_PAIR_RULES:
        keep &= rule.allows(problem, a, b, minutes)
    return a[keep], b[keep], minutes[keep]


def school_graph(problem: ClusterProblem) -> nx.Graph:
    """Free schools as nodes; an edge, weighted by its minutes, where two may share a cluster."""
    graph = nx.Graph()
    graph.add_nodes_from(problem.free().tolist())
    a, b, minutes = allowed_pairs(problem)
    graph.add_weighted_edges_from(
        zip(a.tolist(), b.tolist(), minutes.tolist(), strict=True), weight="minutes"
    )
    return graph


# --- soft terms of one cluster -----------------------------------------------------------------


def travel_minutes(problem: ClusterProblem, members: Sequence[int], minutes: np.ndarray) -> int:
    """Soft: minutes between every two members (the longer way), summed over the pairs.

    ``minutes`` is a square table over at least ``members`` (one component's schools).
    """
    picked = minutes[np.ix_(members, members)]
    return int(np.triu(picked, 1).sum())


def longest_journey(problem: ClusterProblem, members: Sequence[int], minutes: np.ndarray) -> int:
    """The longest journey between two members: what ``objective = "worst"`` keeps short."""
    return int(minutes[np.ix_(members, members)].max())


def repeated_pairs(problem: ClusterProblem, members: Sequence[int]) -> int:
    """Soft: pairs of members that were in one of last year's clusters together."""
    previous = problem.previous[list(members)]
    previous = previous[previous >= 0]
    counts = np.unique(previous, return_counts=True)[1]
    return int((counts * (counts - 1) // 2).sum())


def mix_breaches(problem: ClusterProblem, members: Sequence[int]) -> int:
    """Soft: schools over max_weak_per_cluster plus schools short of min_strong_per_cluster.

    Zero when no school is rated: the mix rules only speak about ratings that were given.
    """
    if not problem.rated:
        return 0
    chosen = list(members)
    settings = problem.settings
    over = max(0, int(problem.weak[chosen].sum()) - settings.max_weak_per_cluster)
    short = max(0, settings.min_strong_per_cluster - int(problem.strong[chosen].sum()))
    return over + short


def cluster_cost(problem: ClusterProblem, members: Sequence[int], minutes: np.ndarray) -> int:
    """The objective's price of one cluster: travel plus weighted rotation and mix terms."""
    settings = problem.settings
    return (
        travel_minutes(problem, members, minutes)
        + settings.rotate * repeated_pairs(problem, members)
        + settings.mix_penalty * mix_breaches(problem, members)
    )
