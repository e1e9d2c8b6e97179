"""Clusters repaired by matching: move schools so that matching inside them staffs more.

The partition prices a cluster by counting, one project at a time, the reviewers who could
serve it (``solvers.clusters.staffing``); it cannot see the capacity clashes between the
projects of one cluster (a reviewer's ``max_days``, a school's daily release and hosting
limits, leaders out, no direct swaps, school rotation, SLE allowances). So with
``cluster_scope = "within"`` the formed clusters are then priced again by the real matcher:
each cluster's projects are matched with its own reviewers (``solvers.matching``, the
round's every rule), and a local search moves schools between clusters while that lowers

    cluster price (travel, rotation, mix)  +  staffing_penalty x reviewers of unstaffed projects

where an unstaffed project counts its minimum team. Three moves are tried around each host
whose project the matcher leaves unstaffed: the host to another cluster, the host swapped with
a school of another cluster, and a school of another cluster pulled into the host's. Every
move keeps the cluster rules: sizes within ``min_size``..``max_size``, and every two schools
of a cluster allowed to share one (``solvers.clusters.rules``); with ``objective = "worst"``
no cluster's longest journey grows beyond the plan's. The best move around a host is made,
host by host, pass after pass, until no move helps or the work share is spent.

With matching kept inside clusters, the clusters are independent matching problems (every
rule that spans projects speaks about one reviewer, one school or two schools reviewing
each other, all inside one cluster), so a move is priced by matching only the two clusters it
changes. Each cluster's matching is remembered by its members. The work is counted, never
timed: encoding the round once, and each matching's CP-SAT work (``solvers.engine.budget``),
so the same round, seed and limit make the same moves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.model import Round
from solvers.clusters.encode import ClusterProblem
from solvers.clusters.rules import allowed_pairs, mix_breaches, repeated_pairs
from solvers.engine.budget import Budget
from solvers.engine.calibration import PAIRS_BUILT_PER_SECOND
from solvers.engine.decompose import restrict
from solvers.engine.options import DEFAULT_OPTIONS, SolveOptions
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.strategy import solve_matching

# Work one cluster's matching may use: clusters hold a few dozen pairs, proved in far less.
MATCH_SECONDS = 0.5
# Counted for every matching besides its CP-SAT work (building it, the warm start), so the
# search ends after a fixed number of matchings even where each is proved at once.
# (measured: 1.8 ms of wall time a matching on the sample's clusters).
MATCH_FLOOR_SECONDS = 0.002

# A move must lower the price by more than this (prices are whole minutes).
MIN_GAIN = 0.5
# Where no single move helps, pairs of moves are tried from this many best first moves.
FIRST_MOVES = 8

Members = frozenset[int]


def repair_applies(problem: ClusterProblem) -> bool:
    """Partitions whose matching stays inside each cluster, priced by what they staff (a
    review cycle staffs along its rotation, decided after the clusters, so it is not
    repaired)."""
    settings = problem.settings
    return (
        problem.demands is not None
        and settings.cluster_scope == "within"
        and not settings.review_cycle
    )


@dataclass(frozen=True)
class RepairResult:
    """The clusters after repair (global school indices), the moves made, and the reviewers
    of unstaffed projects inside the clusters before and after (by the matcher)."""

    clusters: tuple[tuple[int, ...], ...]
    moves: int
    short_before: int
    short_after: int
    matchings: int


@dataclass
class _Matcher:
    """Each cluster's projects matched with its own reviewers, remembered by members."""

    round_: Round
    problem: ClusterProblem
    open_problem: MatchingProblem
    budget: Budget
    options: SolveOptions
    seen: dict[Members, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index = {s: k for k, s in enumerate(self.open_problem.school_ids)}
        # Matching's school index of each clustering school.
        self.school_at = np.asarray([index[s] for s in self.problem.school_ids], dtype=np.int64)
        open_ = self.open_problem
        self.pair_giver = open_.staff_school[open_.pair_staff]
        self.pair_host = open_.project_host[open_.pair_project]

    def short(self, members: Members) -> int:
        """Reviewers the projects hosted in ``members`` lack when matched inside them: each
        unstaffed project counts its minimum team."""
        return sum(int(self.open_problem.project_min[j]) for j, _ in self._unstaffed(members))

    def unstaffed_hosts(self, members: Members) -> list[int]:
        """Members (clustering indices) hosting a project the matcher leaves unstaffed."""
        return sorted({host for _, host in self._unstaffed(members)})

    def _unstaffed(self, members: Members) -> list[tuple[int, int]]:
        """(project, host member) of each project hosted in ``members`` left unstaffed."""
        if members not in self.seen:
            self.seen[members] = self._staffed(members)
        staffed = self.seen[members]
        open_ = self.open_problem
        by_school = {int(self.school_at[m]): m for m in members}
        return [
            (j, by_school[h])
            for j, h in enumerate(open_.project_host.tolist())
            if h in by_school and open_.project_ids[j] not in staffed
        ]

    def _pairs(self, members: Members) -> np.ndarray:
        schools = self.school_at[sorted(members)]
        inside = np.isin(self.pair_giver, schools) & np.isin(self.pair_host, schools)
        return np.flatnonzero(inside)

    def _staffed(self, members: Members) -> frozenset[str]:
        pairs = self._pairs(members)
        if not len(pairs):
            return frozenset()
        sub, _staff, _projects = restrict(self.open_problem, pairs)
        share = self.budget.part(min(self.budget.left, MATCH_SECONDS))
        solution = solve_matching(sub, share, options=self.options)
        self.budget.spend(max(share.used, MATCH_FLOOR_SECONDS))
        return frozenset(
            pid for pid, ok in zip(sub.project_ids, solution.staffed, strict=True) if ok
        )


@dataclass
class _Search:
    """The local search's state: clusters, who is where, and what may share a cluster."""

    problem: ClusterProblem
    matcher: _Matcher
    clusters: list[Members]
    near: dict[int, set[int]]
    minutes: dict[tuple[int, int], int]
    longest_allowed: float
    made: int = 0

    def price(self, members: Members) -> float:
        """Travel, rotation and mix (as the partition prices them) plus the matcher's
        shortfall at the staffing penalty."""
        chosen = sorted(members)
        settings = self.problem.settings
        travel = sum(self.minutes[(a, b)] for k, a in enumerate(chosen) for b in chosen[k + 1 :])
        return float(
            travel
            + settings.rotate * repeated_pairs(self.problem, chosen)
            + settings.mix_penalty * mix_breaches(self.problem, chosen)
            + settings.staffing_penalty * self.matcher.short(members)
        )

    def fits(self, members: Members) -> bool:
        """Every two members may share a cluster, its size is allowed, and (objective
        "worst") its longest journey is within the plan's."""
        settings = self.problem.settings
        if not settings.min_size <= len(members) <= settings.max_size:
            return False
        chosen = sorted(members)
        for k, a in enumerate(chosen):
            for b in chosen[k + 1 :]:
                if b not in self.near[a] or self.minutes[(a, b)] > self.longest_allowed:
                    return False
        return True

    def neighbours(self, clusters: Sequence[Members], a: int) -> list[int]:
        """Clusters (positions) holding a school that may share a cluster with ``a``."""
        where = {s: k for k, c in enumerate(clusters) for s in c}
        return sorted({where[b] for b in self.near.get(a, ()) if b in where})

    def candidates(
        self, clusters: Sequence[Members], k: int, host: int
    ) -> Iterator[tuple[int, Members, Members]]:
        """Moves around ``host`` of cluster ``k``: (other cluster, new k, new other). The host
        joins another cluster, or a school of another cluster joins the host's, or it swaps
        with one of the host's cluster (the host itself included)."""
        a = clusters[k]
        for j in self.neighbours(clusters, host):
            if j == k:
                continue
            b = clusters[j]
            yield j, a - {host}, b | {host}
            for t in sorted(b):
                yield j, a | {t}, b - {t}
                for s in sorted(a):
                    yield j, (a - {s}) | {t}, (b - {t}) | {s}

    def moves(self, clusters: Sequence[Members], k: int, host: int) -> list[_Move]:
        """Every move around ``host`` that keeps the cluster rules, the best first."""
        found: list[_Move] = []
        for j, new_k, new_j in self.candidates(clusters, k, host):
            if self.matcher.budget.exhausted():
                break
            if not (self.fits(new_k) and self.fits(new_j)):
                continue
            old = self.price(clusters[k]) + self.price(clusters[j])
            found.append(_Move(old - self.price(new_k) - self.price(new_j), k, j, new_k, new_j))
        # Stable: equal gains keep the order they were generated in.
        return sorted(found, key=lambda m: -m.gain)

    def best_chain(self, k: int, host: int) -> list[_Move]:
        """The best move around ``host`` if it lowers the price; else the best pair of moves
        (one around ``host``, one around a host left unstaffed in the two clusters it
        changed) that together do, trying the ``FIRST_MOVES`` best first moves."""
        first_moves = self.moves(self.clusters, k, host)
        if first_moves and first_moves[0].gain > MIN_GAIN:
            return first_moves[:1]
        best: list[_Move] = []
        best_gain = MIN_GAIN
        for first in first_moves[:FIRST_MOVES]:
            trial = first.applied(self.clusters)
            for k2 in (first.k, first.j):
                for host2 in self.matcher.unstaffed_hosts(trial[k2]):
                    second = self.moves(trial, k2, host2)[:1]
                    if second and first.gain + second[0].gain > best_gain:
                        best, best_gain = [first, second[0]], first.gain + second[0].gain
        return best

    def one_pass(self) -> bool:
        """Try every host with an unstaffed project once; True if a move was made."""
        moved = False
        for k in range(len(self.clusters)):
            for host in self.matcher.unstaffed_hosts(self.clusters[k]):
                if host not in self.clusters[k] or self.matcher.budget.exhausted():
                    continue
                for move in self.best_chain(k, host):
                    self.clusters = move.applied(self.clusters)
                    self.made += 1
                    moved = True
        return moved


@dataclass(frozen=True)
class _Move:
    """Clusters ``k`` and ``j`` become ``new_k`` and ``new_j``; ``gain``: price lowered."""

    gain: float
    k: int
    j: int
    new_k: Members
    new_j: Members

    def applied(self, clusters: Sequence[Members]) -> list[Members]:
        changed = list(clusters)
        changed[self.k], changed[self.j] = self.new_k, self.new_j
        return changed


def _settle(search: _Search) -> None:
    """Moves until none helps, or the work is spent."""
    while not search.matcher.budget.exhausted() and search.one_pass():
        pass


def _near(problem: ClusterProblem) -> tuple[dict[int, set[int]], dict[tuple[int, int], int]]:
    """Who may share a cluster with whom (every cluster rule), and the minutes between them."""
    a, b, minutes = allowed_pairs(problem)
    near: dict[int, set[int]] = {}
    table: dict[tuple[int, int], int] = {}
    for x, y, m in zip(a.tolist(), b.tolist(), minutes.tolist(), strict=True):
        near.setdefault(x, set()).add(y)
        near.setdefault(y, set()).add(x)
        table[(x, y)] = table[(y, x)] = m
    return near, table


def repair_clusters(
    round_: Round,
    problem: ClusterProblem,
    clusters: Sequence[Sequence[int]],
    budget: Budget,
    *,
    options: SolveOptions = DEFAULT_OPTIONS,
) -> RepairResult:
    """Move schools between ``clusters`` (global indices) while the matcher inside them,
    with the cluster price, says the plan is better; within ``budget``'s work."""
    open_problem = encode(round_.replace(clusters=(), rotation=()))
    budget.spend(open_problem.n_pairs / PAIRS_BUILT_PER_SECOND)
    matcher = _Matcher(round_, problem, open_problem, budget, options)
    near, minutes = _near(problem)
    formed = [frozenset(c) for c in clusters]
    worst = problem.settings.objective == "worst"
    longest = max((minutes[(a, b)] for c in formed for a in c for b in c if a < b), default=0)
    search = _Search(
        problem, matcher, list(formed), near, minutes, longest if worst else float("inf")
    )
    before = sum(matcher.short(c) for c in formed)
    _settle(search)
    after = sum(matcher.short(c) for c in search.clusters)
    return RepairResult(
        clusters=tuple(tuple(sorted(c)) for c in search.clusters if c),
        moves=search.made,
        short_before=before,
        short_after=after,
        matchings=len(matcher.seen),
    )
