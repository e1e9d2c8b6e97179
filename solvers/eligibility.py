"""Pair rules: the hard rules that decide, one reviewer and one project at a time, who may serve.

Each rule is one named function. They are applied in a fixed order, so when a project has no
candidate the first rule that empties its list is the one to report (``solvers.explain``).
Rules about a whole plan (team size, capacity, release, no direct swap) live in
``solvers.assignment`` instead, because they need the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matcher.model import Project, Round, Staff


def normalise_area(text: str) -> str:
    """Compare specialisms case- and spacing-insensitively ("KS2  Maths" is "ks2 maths")."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class PairContext:
    """Lookups every pair rule needs, built once per round."""

    round: Round
    specialisms: dict[str, frozenset[str]]
    conflicts: frozenset[tuple[str, str]]
    recently_served: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, round_: Round) -> PairContext:
        rules = round_.settings.rules
        first_recent_round = round_.settings.number - rules.rotation_rounds
        recent = {
            (h.staff_id, h.host_school_id)
            for h in round_.history
            if first_recent_round <= h.round < round_.settings.number
        }
        return cls(
            round=round_,
            specialisms={
                s.staff_id: frozenset(normalise_area(a) for a in s.specialisms)
                for s in round_.staff
            },
            conflicts=frozenset((c.staff_id, c.school_id) for c in round_.conflicts),
            recently_served=frozenset(recent),
        )


PairCheck = Callable[[PairContext, Staff, Project], bool]


@dataclass(frozen=True)
class PairRule:
    """A hard rule on one (reviewer, project) pair, with the words to explain it."""

    name: str
    check: PairCheck
    # Completes "... of them <survivors>" in an explanation, e.g. "review primary schools".
    survivors: Callable[[PairContext, Project], str]


def has_area(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: the reviewer lists the project's area among their specialisms."""
    return normalise_area(project.area) in ctx.specialisms[person.staff_id]


def reviews_phase(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: the reviewer may review the host's phase."""
    return ctx.round.school_by_id[project.host_school_id].phase in person.phases


def not_own_school(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: nobody reviews a project at their own school."""
    return person.school_id != project.host_school_id


def no_conflict(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: a declared conflict of interest excludes the reviewer from that school."""
    return (person.staff_id, project.host_school_id) not in ctx.conflicts


def outside_trust(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard (same_trust = "forbid"): reviews are external to the host's trust."""
    if ctx.round.settings.rules.same_trust == "allow":
        return True
    home = ctx.round.school_by_id[person.school_id].trust
    host = ctx.round.school_by_id[project.host_school_id].trust
    return home is None or home != host


def not_recently_served(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: no reviewer returns to a host they served in the last ``rotation_rounds`` rounds."""
    return (person.staff_id, project.host_school_id) not in ctx.recently_served


def within_travel(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: one-way travel from home school to host within ``max_travel_minutes``."""
    minutes = ctx.round.travel_minutes(person.school_id, project.host_school_id)
    return minutes <= ctx.round.settings.rules.max_travel_minutes


def _host(ctx: PairContext, project: Project) -> str:
    return project.host_school_id


PAIR_RULES: tuple[PairRule, ...] = (
    PairRule("expertise_area", has_area, lambda ctx, p: f"have specialism {p.area}"),
    PairRule(
        "expertise_phase",
        reviews_phase,
        lambda ctx, p: f"review {ctx.round.school_by_id[p.host_school_id].phase} schools",
    ),
    PairRule("own_school", not_own_school, lambda ctx, p: f"work outside {_host(ctx, p)}"),
    PairRule(
        "conflict", no_conflict, lambda ctx, p: f"have no declared conflict with {_host(ctx, p)}"
    ),
    PairRule("same_trust", outside_trust, lambda ctx, p: "work outside the host's trust"),
    PairRule(
        "rotation",
        not_recently_served,
        lambda ctx, p: (
            f"have not served {_host(ctx, p)} in the last "
            f"{ctx.round.settings.rules.rotation_rounds} rounds"
        ),
    ),
    PairRule(
        "travel",
        within_travel,
        lambda ctx, p: f"live within {ctx.round.settings.rules.max_travel_minutes} minutes' travel",
    ),
)


def is_eligible(ctx: PairContext, person: Staff, project: Project) -> bool:
    return all(rule.check(ctx, person, project) for rule in PAIR_RULES)
