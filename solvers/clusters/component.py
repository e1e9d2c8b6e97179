"""One connected component of the school graph, as dense local tables for the cluster models.

No cluster spans two components of the school graph (a cluster is a clique), so each
component is solved on its own. Inside one, schools are numbered 0..m-1 in the order of their
global index, and the pair tables are dense: a component holds a few hundred schools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from solvers.clusters.encode import BoolArray, ClusterProblem, IntArray
from solvers.clusters.staffing import LocalStaffing, local_staffing

# Beyond any real cost; marks a pair that may not share a cluster.
FORBIDDEN = np.inf


@dataclass(frozen=True)
class Component:
    """Schools of one component and their pair tables (local indices 0..m-1).

    ``pair_cost`` is what two members add to their cluster's price: the minutes between them
    plus the rotation penalty if they shared a cluster last year; ``FORBIDDEN`` where the pair
    may not share a cluster. ``minutes`` is the plain travel time (0 where forbidden).
    """

    problem: ClusterProblem
    schools: IntArray  # global index of each local school
    minutes: np.ndarray  # int64, m x m
    allowed: BoolArray  # m x m, symmetric, False on the diagonal
    pair_cost: np.ndarray  # float64, m x m
    # The component's projects and who could staff them, when clusters are priced by it.
    staffing: LocalStaffing | None = None

    @property
    def size(self) -> int:
        return len(self.schools)

    @property
    def weak(self) -> BoolArray:
        return self.problem.weak[self.schools]

    @property
    def strong(self) -> BoolArray:
        return self.problem.strong[self.schools]

    def cost(self, members: Sequence[int]) -> int:
        """The objective's price of a cluster given by local indices."""
        chosen = list(members)
        pairs = self.pair_cost[np.ix_(chosen, chosen)]
        total = int(np.triu(pairs, 1).sum())
        total += self.problem.settings.mix_penalty * self.mix(chosen)
        return total + int(self.staffing_cost(np.asarray([chosen], dtype=np.int64))[0])

    def staffing_cost(self, clusters: IntArray) -> IntArray:
        """The staffing term of each cluster (rows of local indices, all of one size): the
        penalty times the reviewers its projects lack inside it; 0 when not priced.

        Demands only one school could meet are not priced: such a guess at capacity clashes
        kept the sample's clusters from what matching inside them can staff, and the clashes
        are now measured by matching itself (``solvers.clusters.repair``)."""
        if self.staffing is None or not clusters.shape[1]:
            return np.zeros(len(clusters), dtype=np.int64)
        short, _single = self.staffing.terms(clusters)
        return self.problem.settings.staffing_penalty * short

    def mix(self, members: Sequence[int]) -> int:
        """Schools over max_weak plus schools short of min_strong (0 if nobody is rated)."""
        if not self.problem.rated:
            return 0
        settings = self.problem.settings
        chosen = list(members)
        over = max(0, int(self.weak[chosen].sum()) - settings.max_weak_per_cluster)
        short = max(0, settings.min_strong_per_cluster - int(self.strong[chosen].sum()))
        return over + short

    def longest(self, members: Sequence[int]) -> int:
        chosen = list(members)
        return int(self.minutes[np.ix_(chosen, chosen)].max())

    def is_clique(self, members: Sequence[int]) -> bool:
        chosen = list(members)
        block = self.allowed[np.ix_(chosen, chosen)]
        return bool(block.sum() == len(chosen) * (len(chosen) - 1))


def build_component(problem: ClusterProblem, graph: nx.Graph, nodes: Sequence[int]) -> Component:
    """Dense tables for the schools ``nodes`` (global indices) of ``graph``."""
    schools = np.asarray(sorted(nodes), dtype=np.int64)
    local = {int(g): i for i, g in enumerate(schools.tolist())}
    m = len(schools)
    minutes = np.zeros((m, m), dtype=np.int64)
    allowed = np.zeros((m, m), dtype=np.bool_)
    for a, b, data in graph.subgraph(schools.tolist()).edges(data=True):
        i, j = local[a], local[b]
        minutes[i, j] = minutes[j, i] = data["minutes"]
        allowed[i, j] = allowed[j, i] = True
    previous = problem.previous[schools]
    same_previous = (previous[:, None] == previous[None, :]) & (previous[:, None] >= 0)
    pair_cost = minutes + problem.settings.rotate * same_previous.astype(np.int64)
    pair_cost = np.where(allowed, pair_cost.astype(np.float64), FORBIDDEN)
    staffing = None
    if problem.demands is not None:
        staffing = local_staffing(problem.demands, schools, cycle=problem.settings.review_cycle)
    return Component(problem, schools, minutes, allowed, pair_cost, staffing)
