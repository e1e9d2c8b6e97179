"""Suggestions for an unstaffed project: one rule relaxed at a time, and who it would bring.

A suggestion changes one setting of round.toml or one column of projects.csv, re-solves the
project's part of the plan with the project required to be staffed
(``solvers.matching.whatif``) and is kept when that finds a team. Rules about facts (own
school, specialism, phase, declared conflicts) are never relaxed: they are not the
coordinator's to bend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from matcher.model import Project, Round, Staff
from solvers.matching.eligibility import PAIR_RULES, PairContext, reviewing_school


@dataclass(frozen=True)
class Relaxation:
    """One rule relaxed: the words for it, the setting it changes and the round with it."""

    rule: str
    words: str  # completes "... would staff it with ...", e.g. "allowing same-trust reviewers"
    setting: str
    value: str
    round: Round


def _with_rules(round_: Round, **changes: object) -> Round:
    settings = round_.settings
    return round_.replace(
        settings=settings.model_copy(update={"rules": settings.rules.model_copy(update=changes)})
    )


def blocked_only_by(
    ctx: PairContext, project: Project, people: Iterable[Staff] | None = None
) -> dict[str, list[Staff]]:
    """Reviewers (of ``people``, else the round's) who break exactly one pair rule for the
    project, by that rule."""
    found: dict[str, list[Staff]] = {}
    for person in ctx.round.staff if people is None else people:
        if (rule := _only_broken(ctx, person, project)) is not None:
            found.setdefault(rule, []).append(person)
    return found


def _only_broken(ctx: PairContext, person: Staff, project: Project) -> str | None:
    """The one pair rule the pair breaks, or None if it breaks none or several (the search
    stops at the second: a region's project asks this of thousands of reviewers)."""
    broken = None
    for rule in PAIR_RULES:
        if not rule.check(ctx, person, project):
            if broken is not None:
                return None
            broken = rule.name
    return broken


def relaxations(
    round_: Round,
    project: Project,
    candidates: int,
    blocked: dict[str, list[Staff]],
    blocking: set[str],
) -> Iterator[Relaxation]:
    """Each single relaxation that could let someone new serve ``project``: ``candidates`` is
    how many reviewers the pair rules allow it now, ``blocked`` those one pair rule alone
    keeps out (``blocked_only_by``), ``blocking`` the plan rules that keep a candidate off."""
    rules = round_.settings.rules
    if "same_trust" in blocked:
        yield Relaxation(
            "same_trust",
            "allowing same-trust reviewers",
            "rules.same_trust",
            "allow",
            _with_rules(round_, same_trust="allow"),
        )
    if "travel" in blocked:
        nearest = min(
            round_.travel_minutes(p.school_id, project.host_school_id) for p in blocked["travel"]
        )
        yield Relaxation(
            "travel",
            f"raising the travel limit from {rules.max_travel_minutes} to {nearest} minutes",
            "rules.max_travel_minutes",
            str(nearest),
            _with_rules(round_, max_travel_minutes=nearest),
        )
    if "rotation" in blocked:
        window = _rotation_window(round_, project, blocked["rotation"])
        yield Relaxation(
            "rotation",
            f"shortening the rotation from {rules.rotation_rounds} to {window} round(s)",
            "rules.rotation_rounds",
            str(window),
            _with_rules(round_, rotation_rounds=window),
        )
    if "school_rotation" in blocked:
        window = _school_rotation_window(round_, project, blocked["school_rotation"])
        yield Relaxation(
            "school_rotation",
            f"shortening the school rotation from {rules.school_rotation_rounds} to {window} "
            "round(s)",
            "rules.school_rotation_rounds",
            str(window),
            _with_rules(round_, school_rotation_rounds=window),
        )
    yield from _cluster_relaxations(round_, blocked)
    if candidates:
        yield from _plan_relaxations(round_, project, candidates, blocking)


def _cluster_relaxations(round_: Round, blocked: dict[str, list[Staff]]) -> Iterator[Relaxation]:
    """The cluster scope opened to any cluster, and the review cycle switched off."""
    settings = round_.settings

    def with_clusters(**changes: object) -> Round:
        clusters = settings.clusters.model_copy(update=changes)
        return round_.replace(settings=settings.model_copy(update={"clusters": clusters}))

    if "cluster_scope" in blocked:
        yield Relaxation(
            "cluster_scope",
            "letting reviewers come from any cluster",
            "clusters.cluster_scope",
            "any",
            with_clusters(cluster_scope="any"),
        )
    if "review_cycle" in blocked:
        yield Relaxation(
            "review_cycle",
            "letting reviewers come from any school of the cluster, not only the one before it",
            "clusters.review_cycle",
            "false",
            with_clusters(review_cycle=False),
        )


def _rotation_window(round_: Round, project: Project, people: list[Staff]) -> int:
    """The longest rotation that frees at least one of ``people`` for the project's host."""
    now = round_.settings.number
    ids = {p.staff_id for p in people}
    last: dict[str, int] = {}
    for h in round_.history:
        if h.staff_id in ids and h.host_school_id == project.host_school_id and h.round < now:
            last[h.staff_id] = max(h.round, last.get(h.staff_id, h.round))
    return max(0, max(now - served - 1 for served in last.values()))


def _school_rotation_window(round_: Round, project: Project, people: list[Staff]) -> int:
    """The longest school rotation that frees the school of at least one of ``people``."""
    now, host = round_.settings.number, project.host_school_id
    schools = {p.school_id for p in people}
    last: dict[str, int] = {}
    for h in round_.history:
        pair = {reviewing_school(round_, h), h.host_school_id}
        if h.round >= now or host not in pair or len(pair) < 2:
            continue
        (other,) = pair - {host}
        if other in schools:
            last[other] = max(h.round, last.get(other, h.round))
    return max(0, max((now - served - 1 for served in last.values()), default=0))


def _plan_relaxations(
    round_: Round, project: Project, candidates: int, blocking: set[str]
) -> Iterator[Relaxation]:
    rules = round_.settings.rules
    if candidates < project.min_reviewers:
        smaller = project.model_copy(update={"min_reviewers": candidates})
        yield Relaxation(
            "team_size",
            f"lowering {project.project_id}'s min_reviewers from {project.min_reviewers} "
            f"to {candidates}",
            f"projects.csv min_reviewers of {project.project_id}",
            str(candidates),
            round_.replace(
                projects=tuple(
                    smaller if p.project_id == project.project_id else p for p in round_.projects
                )
            ),
        )
    # A plan rule is relaxed only where it keeps one of the project's candidates off.
    if "sle_allowance" in blocking:
        allowance = rules.sle_allowance_days + project.days_per_reviewer
        yield Relaxation(
            "sle_allowance",
            f"raising the SLE allowance from {rules.sle_allowance_days} to {allowance} days",
            "rules.sle_allowance_days",
            str(allowance),
            _with_rules(round_, sle_allowance_days=allowance),
        )
    if rules.no_direct_swap and "no_direct_swap" in blocking:
        yield Relaxation(
            "no_direct_swap",
            "letting two schools review each other",
            "rules.no_direct_swap",
            "false",
            _with_rules(round_, no_direct_swap=False),
        )
