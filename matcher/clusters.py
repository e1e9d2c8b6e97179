"""Forming peer-review clusters for a region: the Python API behind ``matcher clusters``.

Round -> solvers.clusters.encode -> partition (or hubs) -> review rotation -> ClusterPlan ->
matcher.verify_clusters (independent re-check) -> clusters.csv, rotation.csv, summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from matcher.model import ClusterMember, ClusterPlan, LeftOutSchool, RotationEdge, Round
from matcher.verify_clusters import ClusterViolation, verify_clusters
from solvers.clusters.encode import ClusterProblem, encode_clusters
from solvers.clusters.explain import explain_left_out
from solvers.clusters.hubs import solve_hubs
from solvers.clusters.partition import LEAVE_OUT_PENALTY, Progress, solve_partition
from solvers.clusters.repair import RepairResult, repair_applies, repair_clusters
from solvers.clusters.rotation import repeated, solve_rotation
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.engine.result import SolveResult, TermValue

log = logging.getLogger(__name__)

CLUSTER_ID_PREFIX = "K"
# Work for the review rotation once the clusters are formed, after the limit like explanations
# after a plan (``Budget.last_step``): listed cycles take no search, and CP-SAT's circuit
# over a few hubs of 8 or more schools is proved in milliseconds (many large hubs can take it
# all).
ROTATION_SECONDS = 10.0
# With matching kept inside clusters, the share of the work kept back from the partition for
# repairing its clusters by matching (solvers.clusters.repair).
REPAIR_SHARE = 0.25


class ClusterSettingsError(ValueError):
    """The ``[clusters]`` settings ask for something no plan can give; the message says what."""


class ClusterCheckError(RuntimeError):
    """The solver formed clusters the independent checker rejects: a bug, never user error."""

    def __init__(self, violations: list[ClusterViolation]) -> None:
        self.violations = violations
        lines = "\n".join(f"  - {v}" for v in violations)
        super().__init__(f"the clusters break {len(violations)} hard rule(s):\n{lines}")


@dataclass(frozen=True)
class ClusterStats:
    """One cluster as the summary reports it."""

    cluster_id: str
    size: int
    hub: str | None
    pinned: bool
    travel_minutes: int  # between every two schools (to the hub, for hubs), summed
    max_travel_minutes: int  # the longest of those journeys
    repeated_pairs: int  # pairs that shared one of last year's clusters
    mix_breaches: int  # schools over max_weak or short of min_strong
    # Reviewers its projects lack inside it (from the school before each host, in a review
    # cycle), when clusters are priced by what they can staff; else 0.
    staffing_shortfall: int = 0
    single_source: int = 0  # demands of its projects only one of its schools could meet


@dataclass(frozen=True)
class ClusterOutcome:
    """Formed clusters: the plan, each cluster's figures, and how good the whole is."""

    round: Round
    plan: ClusterPlan
    stats: tuple[ClusterStats, ...]
    result: SolveResult
    baseline_objective: float  # the starting partition's value (networkx communities, greedy)
    repeated_directions: int  # rotation arcs that repeat last round's direction

    def longest(self) -> dict[str, int]:
        """The longest journey inside each cluster, by cluster id (clusters.csv column)."""
        return {s.cluster_id: s.max_travel_minutes for s in self.stats}

    def brief(self) -> dict[str, object]:
        """A few figures for the main job's summary.json (the rest: clusters_summary.json)."""
        return {
            "status": self.result.status,
            "objective": self.result.objective,
            "bound": self.result.bound,
            "gap": self.result.gap,
            "clusters": len(self.stats),
            "schools_left_out": len(self.plan.left_out),
        }

    def summary(self) -> dict[str, object]:
        """What clusters_summary.json holds."""
        settings = self.round.settings.clusters
        return {
            "round": self.round.settings.name,
            "mode": settings.mode,
            "objective_kind": settings.objective,
            "status": self.result.status,
            "objective": self.result.objective,
            "bound": self.result.bound,
            "gap": self.result.gap,
            "baseline_objective": self.baseline_objective,
            "terms": {
                name: {
                    "value": term.value,
                    "weight": term.weight,
                    "contribution": term.contribution,
                    "description": term.description,
                }
                for name, term in self.result.terms.items()
            },
            "wall_time_seconds": round(self.result.seconds, 3),
            "repeatable": self.result.repeatable,
            "seed": self.result.seed,
            "workers": self.result.workers,
            "counts": self.result.counts,
            "rotation_repeated_directions": self.repeated_directions,
            "clusters": [
                {
                    "cluster_id": s.cluster_id,
                    "size": s.size,
                    "hub": s.hub,
                    "pinned": s.pinned,
                    "travel_minutes": s.travel_minutes,
                    "max_travel_minutes": s.max_travel_minutes,
                    "repeated_pairs": s.repeated_pairs,
                    "mix_breaches": s.mix_breaches,
                    "staffing_shortfall": s.staffing_shortfall,
                    "single_source": s.single_source,
                }
                for s in self.stats
            ],
            "left_out": [
                {"school_id": left.school_id, "reason": left.reason} for left in self.plan.left_out
            ],
        }


def form_clusters(
    round_: Round,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[Progress], None] | None = None,
    budget: Budget | None = None,
) -> ClusterOutcome:
    """Form peer-review clusters (or hubs) for every school of a round, and who reviews whom.

    Parameters
    ----------
    round_
        A validated round (``matcher.load_round``); ``[clusters]`` in its settings says how.
        Pinned clusters in ``round_.clusters`` are kept; the other rows there are last
        year's clusters, rotated away from; ``round_.rotation`` is last round's directions.
    time_limit
        Seconds for forming the clusters; the best found so far is kept. Counted as work,
        not on the clock (``solvers.clusters.work``), so the same round, seed, workers and
        limit give the same clusters however busy the machine; the clock only guards, at
        ``solvers.engine.budget.CLOCK_GUARD`` times the limit, and ``result.repeatable`` says
        whether it had to stop a search.
    seed, workers
        CP-SAT's random seed and threads.
    progress
        Called as each part of the region is finished (partition mode).
    budget
        A share of a larger job's budget (``matcher.pipeline.plan``), used instead of
        ``time_limit``; the work used is in ``budget.used``.

    Returns
    -------
    ClusterOutcome
        The plan (clusters, rotation, schools left out with the reason), figures per cluster,
        and the result: objective, proven bound and gap.

    Raises
    ------
    ClusterCheckError
        If the independent checker finds a broken rule (a bug: please report it).
    """
    started = time.perf_counter()
    budget = Budget(time_limit) if budget is None else budget
    options = SolveOptions(seed=seed, workers=workers)
    settings = round_.settings.clusters
    problem = encode_clusters(round_)
    repaired: RepairResult | None = None
    log.info("forming clusters for %d schools, %d near pairs", problem.n, len(problem.near_a))
    if settings.mode == "hub":
        hubs = solve_hubs(problem, budget, options=options)
        if hubs.status == "INFEASIBLE":
            raise ClusterSettingsError(
                f"round.toml, setting clusters.hubs: {settings.hubs} hubs of at least "
                f"{settings.min_size} schools (clusters.min_size) cannot be formed from these "
                f"{problem.n} schools; expected a smaller number, or 0 for as few as needed"
            )
        formed = [members for _, members in hubs.hubs]
        hub_of = [hub for hub, _ in hubs.hubs]
        left, hopeless, unsolved = list(hubs.left_out), set(), set(hubs.unsolved)
        objective, bound, status, baseline = hubs.objective, hubs.bound, hubs.status, None
    else:
        repairing = repair_applies(problem)
        forming = budget.part(budget.left * (1 - REPAIR_SHARE)) if repairing else budget
        parts = solve_partition(problem, forming, options=options, progress=progress)
        formed, hub_of = list(parts.clusters), []
        if repairing:
            budget.spend(forming.used)
            repaired = repair_clusters(round_, problem, formed, budget, options=options)
            formed = list(repaired.clusters)
        left = sorted({*parts.left_out, *parts.fixed_left_out})
        hopeless, unsolved = set(parts.fixed_left_out), set()
        objective, bound, status = parts.objective, parts.bound, parts.status
        # Schools that fit no cluster at all cost the same in every plan.
        fixed = LEAVE_OUT_PENALTY * len(parts.fixed_left_out)
        objective, bound = objective + fixed, bound + fixed
        baseline = parts.start_objective + fixed
    rotating = budget.last_step(ROTATION_SECONDS)
    plan = _plan(
        round_, problem, formed, hub_of, left, hopeless, unsolved, seed=seed, budget=rotating
    )
    violations = verify_clusters(round_, plan)
    if violations:
        raise ClusterCheckError(violations)
    stats = tuple(_stats(round_, plan, problem))
    terms = _terms(round_, stats, len(plan.left_out))
    if repaired is not None and repaired.moves and settings.objective == "total":
        # The moves traded the partition's estimate for what matching staffs: the plan is
        # priced again by the same terms, against the same bound.
        objective = float(sum(t.contribution for t in terms.values()))
        status = "OPTIMAL" if objective <= bound else "FEASIBLE"
    previous = {(e.reviewing_school_id, e.host_school_id) for e in round_.rotation}
    arcs = [(e.reviewing_school_id, e.host_school_id) for e in plan.rotation]
    worst = settings.objective == "worst" and settings.mode == "partition"
    result = SolveResult(
        status=status,
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - started,
        seed=seed,
        workers=workers,
        terms=terms,
        counts={
            "schools": problem.n,
            "clusters": len(stats),
            "pinned_clusters": sum(1 for s in stats if s.pinned),
            "schools_left_out": len(plan.left_out),
            "near_pairs": len(problem.near_a),
            **_repair_counts(repaired),
        },
        # Schools left out are priced alike in plan and bound: the gap is about the rest.
        fixed_penalty=0.0 if worst else float(LEAVE_OUT_PENALTY * len(plan.left_out)),
        repeatable=budget.repeatable,
    )
    return ClusterOutcome(
        round=round_,
        plan=plan,
        stats=stats,
        result=result,
        baseline_objective=objective if baseline is None else baseline,
        repeated_directions=repeated(arcs, previous),
    )


# Kept whole (ruff noqa below): the decoded pieces of one solve, each used once.
def _plan(  # noqa: PLR0913
    round_: Round,
    problem: ClusterProblem,
    formed: Sequence[Sequence[int]],
    hub_of: Sequence[int],
    left: Sequence[int],
    hopeless: set[int],
    unsolved: set[int],
    *,
    seed: int,
    budget: Budget,
) -> ClusterPlan:
    """Ids again: pinned clusters as they were, formed ones numbered, rotation, reasons."""
    ids = problem.school_ids
    members: list[ClusterMember] = []
    groups: list[tuple[str, list[str]]] = []
    pinned: dict[str, list[ClusterMember]] = {}
    for member in round_.clusters:
        if member.pinned:
            pinned.setdefault(member.cluster_id, []).append(member)
    for cluster_id, rows in pinned.items():
        members.extend(rows)
        groups.append((cluster_id, [m.school_id for m in rows]))
    taken = set(pinned)
    # Number formed clusters in the order of their first school id, so re-runs read the same.
    order = sorted(range(len(formed)), key=lambda k: sorted(ids[i] for i in formed[k]))
    number = 0
    for k in order:
        number += 1
        while f"{CLUSTER_ID_PREFIX}{number:03d}" in taken:
            number += 1
        cluster_id = f"{CLUSTER_ID_PREFIX}{number:03d}"
        schools = sorted(ids[i] for i in formed[k])
        hub = ids[hub_of[k]] if hub_of else None
        members.extend(
            ClusterMember(cluster_id=cluster_id, school_id=s, hub=s == hub) for s in schools
        )
        groups.append((cluster_id, schools))
    reasons = explain_left_out(
        problem, left, hopeless=hopeless, hub_mode=round_.settings.clusters.mode == "hub"
    )
    for i in unsolved:
        reasons[i] = "no plan for its part of the region was found in time; allow more seconds"
    left_out = tuple(
        LeftOutSchool(school_id=ids[i], reason=reasons[i])
        for i in sorted(left, key=ids.__getitem__)
    )
    return ClusterPlan(
        members=tuple(members),
        rotation=tuple(_rotation(round_, problem, groups, seed, budget)),
        left_out=left_out,
    )


def _rotation(
    round_: Round,
    problem: ClusterProblem,
    groups: list[tuple[str, list[str]]],
    seed: int,
    budget: Budget,
) -> list[RotationEdge]:
    names = [s.school_id for s in round_.schools]
    index = {school_id: i for i, school_id in enumerate(names)}
    previous = {(index[e.reviewing_school_id], index[e.host_school_id]) for e in round_.rotation}
    demands, settings = problem.demands, round_.settings.clusters

    def price(a: int, b: int) -> int:
        # In a review cycle the school before a host staffs it: a cycle short of reviewers
        # costs as it did when the clusters were chosen.
        travel = round_.travel_minutes(names[a], names[b])
        if demands is None or not settings.review_cycle:
            return travel
        return travel + settings.staffing_penalty * demands.arc(a, b)

    cycles = solve_rotation(
        [[index[s] for s in schools] for _, schools in groups],
        minutes=price,
        previous=previous,
        names=names,
        budget=budget,
        seed=seed,
    )
    return [
        RotationEdge(cluster_id=cluster_id, reviewing_school_id=names[a], host_school_id=names[b])
        for (cluster_id, _), arcs in zip(groups, cycles, strict=True)
        for a, b in arcs
    ]


def _shortfall(problem: ClusterProblem, plan: ClusterPlan) -> dict[str, tuple[int, int]]:
    """Per cluster, the reviewers its projects lack inside it (by the plan's cycle, with
    review_cycle) and its demands only one of its schools could meet; empty when clusters
    are not priced by what they can staff."""
    demands = problem.demands
    if demands is None:
        return {}
    index = {school_id: i for i, school_id in enumerate(problem.school_ids)}
    if problem.settings.review_cycle:
        short: dict[str, tuple[int, int]] = {}
        for e in plan.rotation:
            arc = demands.arc(index[e.reviewing_school_id], index[e.host_school_id])
            short[e.cluster_id] = (short.get(e.cluster_id, (0, 0))[0] + arc, 0)
        return short
    return {
        cluster_id: demands.priced([index[s] for s in schools])
        for cluster_id, schools in plan.clusters().items()
    }


def _stats(round_: Round, plan: ClusterPlan, problem: ClusterProblem) -> list[ClusterStats]:
    settings = round_.settings.clusters
    previous = {m.school_id: m.cluster_id for m in round_.clusters if not m.pinned}
    hubs = {m.cluster_id: m.school_id for m in plan.members if m.hub}
    pinned = {m.cluster_id for m in round_.clusters if m.pinned}
    rated = any(s.rating is not None for s in round_.schools)
    short = _shortfall(problem, plan)
    stats = []
    for cluster_id, schools in plan.clusters().items():
        hub = hubs.get(cluster_id)
        if settings.mode == "hub" and hub is not None:
            pairs = [(hub, s) for s in schools if s != hub]
        else:
            pairs = list(combinations(schools, 2))
        journeys = [max(round_.travel_minutes(a, b), round_.travel_minutes(b, a)) for a, b in pairs]
        # Counted over the same pairs as travel: in hub mode each school with its hub.
        again = sum(
            1
            for a, b in pairs
            if previous.get(a) is not None and previous.get(a) == previous.get(b)
        )
        stats.append(
            ClusterStats(
                cluster_id=cluster_id,
                size=len(schools),
                hub=hub,
                pinned=cluster_id in pinned,
                travel_minutes=sum(journeys),
                max_travel_minutes=max(journeys, default=0),
                repeated_pairs=again,
                mix_breaches=_mix(round_, schools) if rated else 0,
                staffing_shortfall=short.get(cluster_id, (0, 0))[0],
                single_source=short.get(cluster_id, (0, 0))[1],
            )
        )
    return stats


def _repair_counts(repaired: RepairResult | None) -> dict[str, int]:
    """What repairing the clusters by matching did, for the summary (nothing if not run)."""
    if repaired is None:
        return {}
    return {
        "repair_moves": repaired.moves,
        "repair_matchings": repaired.matchings,
        "matched_shortfall_before_repair": repaired.short_before,
        "matched_shortfall_after_repair": repaired.short_after,
    }


def _mix(round_: Round, schools: Sequence[str]) -> int:
    settings = round_.settings.clusters
    ratings = [round_.school_by_id[s].rating for s in schools]
    weak = sum(1 for r in ratings if r is not None and r.value == "needs_improvement")
    strong = sum(1 for r in ratings if r is not None and r.value == "strong")
    over = max(0, weak - settings.max_weak_per_cluster)
    return over + max(0, settings.min_strong_per_cluster - strong)


def _terms(round_: Round, stats: Sequence[ClusterStats], left_out: int) -> dict[str, TermValue]:
    settings = round_.settings.clusters
    formed = [s for s in stats if not s.pinned]
    travel = sum(s.travel_minutes for s in formed)
    again = sum(s.repeated_pairs for s in formed)
    mix = sum(s.mix_breaches for s in formed)
    short = sum(s.staffing_shortfall for s in formed)
    thin = sum(s.single_source for s in formed)
    where = "to the hub" if settings.mode == "hub" else "between every two schools"
    return {
        "travel": TermValue(travel, 1, travel, f"minutes {where}, over formed clusters"),
        "rotation": TermValue(
            again,
            settings.rotate,
            settings.rotate * again,
            "pairs kept together from last year's clusters",
        ),
        "mix": TermValue(
            mix,
            settings.mix_penalty,
            settings.mix_penalty * mix,
            "schools over max_weak or short of min_strong",
        ),
        "staffing": TermValue(
            short,
            settings.staffing_penalty,
            settings.staffing_penalty * short,
            "reviewers the projects lack inside their cluster (priced with cluster_scope "
            "within or review_cycle)",
        ),
        "single_source": TermValue(
            thin,
            0,
            0,
            "project demands only one school of the cluster could meet (reported, not priced)",
        ),
        "left_out": TermValue(
            left_out, LEAVE_OUT_PENALTY, LEAVE_OUT_PENALTY * left_out, "schools in no cluster"
        ),
    }
