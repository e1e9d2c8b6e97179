"""Pair rules: the hard rules that decide, one reviewer and one project at a time, who may serve.

Each rule is one named function. They are applied in a fixed order, so when a project has no
candidate the first rule that empties its list is the one to report (``solvers.matching.explain``).
Rules about a whole plan (team size, capacity, release, no direct swap) live in
``solvers.matching.model`` instead, because they need the model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import numpy.typing as npt

from matcher.model import HistoryEntry, Phase, Project, Round, Staff
from matcher.travel import EARTH_RADIUS_KM, GridRef, LatLon
from solvers.matching.cover import cover_days


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
    cluster_of: dict[str, str] = field(default_factory=dict)  # school -> its peer-review cluster
    reviewers_of: dict[str, frozenset[str]] = field(default_factory=dict)  # host -> rotation's
    # School pairs that reviewed each other (either way) within rules.school_rotation_rounds,
    # each in both orders.
    recent_school_pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, round_: Round) -> PairContext:
        return cls(
            round=round_,
            specialisms={
                s.staff_id: frozenset(normalise_area(a) for a in s.specialisms)
                for s in round_.staff
            },
            conflicts=frozenset((c.staff_id, c.school_id) for c in round_.conflicts),
            recently_served=_recently_served(round_),
            cluster_of={m.school_id: m.cluster_id for m in round_.clusters},
            reviewers_of=_rotation_reviewers(round_),
            recent_school_pairs=_recent_school_pairs(round_),
        )

    def under(self, round_: Round) -> PairContext:
        """This context for ``round_``: the same round with other settings (a rule relaxed),
        its people, conflicts, clusters and history unchanged. Only what the settings decide
        is worked out again (a region's whole context takes a tenth of a second)."""
        return replace(
            self,
            round=round_,
            recently_served=_recently_served(round_),
            recent_school_pairs=_recent_school_pairs(round_),
        )


def _recently_served(round_: Round) -> frozenset[tuple[str, str]]:
    """(reviewer, host) pairs within ``rules.rotation_rounds`` rounds (rule rotation)."""
    first_recent_round = round_.settings.number - round_.settings.rules.rotation_rounds
    return frozenset(
        (h.staff_id, h.host_school_id)
        for h in round_.history
        if first_recent_round <= h.round < round_.settings.number
    )


def reviewing_school(round_: Round, entry: HistoryEntry) -> str | None:
    """The school a history row's reviewer came from: the row's own, else staff.csv's."""
    if entry.school_id is not None:
        return entry.school_id
    person = round_.staff_by_id.get(entry.staff_id)
    return None if person is None else person.school_id


def _recent_school_pairs(round_: Round) -> frozenset[tuple[str, str]]:
    window = round_.settings.rules.school_rotation_rounds
    now = round_.settings.number
    pairs: set[tuple[str, str]] = set()
    for h in round_.history:
        home = reviewing_school(round_, h) if now - window <= h.round < now else None
        if home is not None and home != h.host_school_id:
            pairs.update(((home, h.host_school_id), (h.host_school_id, home)))
    return frozenset(pairs)


def _rotation_reviewers(round_: Round) -> dict[str, frozenset[str]]:
    named: dict[str, set[str]] = {}
    for edge in round_.rotation:
        named.setdefault(edge.host_school_id, set()).add(edge.reviewing_school_id)
    return {host: frozenset(schools) for host, schools in named.items()}


PairCheck = Callable[[PairContext, Staff, Project], bool]


@dataclass(frozen=True)
class PairRule:
    """A hard rule on one (reviewer, project) pair, with the words to explain it."""

    name: str
    check: PairCheck
    # Completes "... of them <survivors>" in an explanation, e.g. "review primary schools".
    survivors: Callable[[PairContext, Project], str]


def project_areas(project: Project) -> tuple[str, ...]:
    """The project's areas, normalised as specialisms are (one, or several: "oracy;reading")."""
    return tuple(dict.fromkeys(normalise_area(a) for a in project.areas))


def has_area(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: the reviewer lists (one of) the project's areas among their specialisms.

    With several areas a reviewer need not have them all: the team covers them together
    (the plan rule ``areas_covered``)."""
    return not ctx.specialisms[person.staff_id].isdisjoint(project_areas(project))


def _area_words(ctx: PairContext, project: Project) -> str:
    return "have specialism " + " or ".join(project_areas(project))


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


def schools_not_recently_paired(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: the reviewer's school and the host did not review each other (either way) in the
    last ``school_rotation_rounds`` rounds."""
    return (person.school_id, project.host_school_id) not in ctx.recent_school_pairs


def within_travel(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard: one-way travel from home school to host within ``max_travel_minutes``."""
    minutes = ctx.round.travel_minutes(person.school_id, project.host_school_id)
    return minutes <= ctx.round.settings.rules.max_travel_minutes


def in_cluster_scope(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard (clusters.cluster_scope): reviewers come from where the scope says.

    ``within``: from the host's own peer-review cluster; ``outside``: from any other cluster
    (or none); ``any``: anywhere. Skipped when the round has no clusters.
    """
    scope = ctx.round.settings.clusters.cluster_scope
    if scope == "any" or not ctx.cluster_of:
        return True
    home = ctx.cluster_of.get(person.school_id)
    host = ctx.cluster_of.get(project.host_school_id)
    if scope == "outside":
        return home is None or home != host
    return host is not None and home == host


def _scope_words(ctx: PairContext, project: Project) -> str:
    if ctx.round.settings.clusters.cluster_scope == "outside":
        return "work outside the host's peer-review cluster"
    return "work in the host's peer-review cluster"


def in_review_cycle(ctx: PairContext, person: Staff, project: Project) -> bool:
    """Hard (clusters.review_cycle): reviewers come from the school before the host in its
    cluster's review cycle (the rotation's reviewing school). Skipped without clusters."""
    if not ctx.round.settings.clusters.review_cycle or not ctx.cluster_of:
        return True
    return person.school_id in ctx.reviewers_of.get(project.host_school_id, frozenset())


def _cycle_words(ctx: PairContext, project: Project) -> str:
    before = sorted(ctx.reviewers_of.get(project.host_school_id, frozenset()))
    if not before:
        return "work at the school before it in a review cycle (it is in none)"
    names = " or ".join(_school_name(ctx, s) for s in before)
    return f"work at its cycle predecessor {names}"


def _school_name(ctx: PairContext, school_id: str) -> str:
    school = ctx.round.school_by_id.get(school_id)
    return f"{school.name} ({school_id})" if school is not None and school.name else school_id


def _host(ctx: PairContext, project: Project) -> str:
    """The host as a coordinator reads it: a school's name is public, its id says which one."""
    return _school_name(ctx, project.host_school_id)


PAIR_RULES: tuple[PairRule, ...] = (
    PairRule("expertise_area", has_area, _area_words),
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
        "school_rotation",
        schools_not_recently_paired,
        lambda ctx, p: (
            f"work at a school that has not reviewed, or been reviewed by, {_host(ctx, p)} in "
            f"the last {ctx.round.settings.rules.school_rotation_rounds} rounds"
        ),
    ),
    PairRule(
        "travel",
        within_travel,
        lambda ctx, p: f"live within {ctx.round.settings.rules.max_travel_minutes} minutes' travel",
    ),
    PairRule("cluster_scope", in_cluster_scope, _scope_words),
    PairRule("review_cycle", in_review_cycle, _cycle_words),
)


def is_eligible(ctx: PairContext, person: Staff, project: Project) -> bool:
    return all(rule.check(ctx, person, project) for rule in PAIR_RULES)


class Screen:
    """The pair rules applied to many reviewers at once (numpy), for large rounds.

    ``survivors`` yields, for one project, the reviewers left after each rule of
    ``PAIR_RULES`` in turn: the same answer as ``is_eligible`` pair by pair (a test holds them
    together), at a fraction of the cost. Rules without a vectorised form fall back to their
    pair-by-pair ``check``.
    """

    def __init__(self, ctx: PairContext) -> None:
        round_ = ctx.round
        self.ctx = ctx
        self.staff = round_.staff
        school_index = {s.school_id: i for i, s in enumerate(round_.schools)}
        self.school_index = school_index
        phase_bit = {phase: 1 << n for n, phase in enumerate(Phase)}
        self.staff_school = np.array(
            [school_index[s.school_id] for s in self.staff], dtype=np.int64
        )
        self.staff_phases = np.array(
            [sum(phase_bit[p] for p in s.phases) for s in self.staff], dtype=np.int64
        )
        self.school_phase = np.array([phase_bit[s.phase] for s in round_.schools], dtype=np.int64)
        trusts = {t: n for n, t in enumerate(sorted({s.trust for s in round_.schools if s.trust}))}
        self.school_trust = np.array(
            [trusts[s.trust] if s.trust else -1 for s in round_.schools], dtype=np.int64
        )
        by_area: dict[str, list[int]] = defaultdict(list)
        for i, person in enumerate(self.staff):
            for area in ctx.specialisms[person.staff_id]:
                by_area[area].append(i)
        self.by_area = {a: np.array(ix, dtype=np.int64) for a, ix in by_area.items()}
        staff_index = {s.staff_id: i for i, s in enumerate(self.staff)}
        self.excluded_at: dict[str, dict[str, set[int]]] = {
            "conflict": defaultdict(set),
            "rotation": defaultdict(set),
        }
        for staff_id, school_id in ctx.conflicts:
            if staff_id in staff_index:
                self.excluded_at["conflict"][school_id].add(staff_index[staff_id])
        for staff_id, school_id in ctx.recently_served:
            if staff_id in staff_index:
                self.excluded_at["rotation"][school_id].add(staff_index[staff_id])
        self.recently_paired: dict[str, npt.NDArray[np.int64]] = _paired_with(
            ctx.recent_school_pairs, school_index
        )
        self._grid, self._latlon = _coordinates(round_)
        self.positions = self._grid if self._grid is not None else self._latlon
        # Per-reviewer facts the capacity checks and the encoder read in bulk.
        self.max_days = np.array([s.max_days for s in self.staff], dtype=np.int64)
        self.is_sle = np.array([s.is_sle for s in self.staff], dtype=np.bool_)
        self.is_lead = np.array([s.lead_reviewer for s in self.staff], dtype=np.bool_)
        self.sle_used = np.array(
            [round_.sle_days_used(s.staff_id) for s in self.staff], dtype=np.int64
        )
        self.sle_allowance = np.array(
            [round_.sle_allowance(s.staff_id) for s in self.staff], dtype=np.int64
        )
        self.school_release = np.array([s.release_days for s in round_.schools], dtype=np.int64)
        # Staff-days each school's cover budget pays for (schools.csv cover_budget).
        self.cover_days = np.array(
            [cover_days(round_, s) for s in round_.schools], dtype=np.int64
        )
        self.staff_index = staff_index
        self._vectorised: dict[
            str, Callable[[Project, npt.NDArray[np.int64]], npt.NDArray[np.bool_]]
        ] = {
            "expertise_phase": self._phase,
            "own_school": self._own_school,
            "conflict": lambda p, c: self._not_listed("conflict", p, c),
            "same_trust": self._trust,
            "rotation": lambda p, c: self._not_listed("rotation", p, c),
            "school_rotation": self._school_rotation,
            "travel": self._travel,
        }

    def survivors(self, project: Project) -> list[tuple[PairRule, npt.NDArray[np.int64]]]:
        """Staff indices left after each pair rule in turn (the first is the area rule)."""
        pool = self.area_pool(project)
        steps = [(PAIR_RULES[0], pool)]
        for rule in PAIR_RULES[1:]:
            vectorised = self._vectorised.get(rule.name)
            if vectorised is not None:
                keep = vectorised(project, pool)
            else:
                keep = np.array(
                    [rule.check(self.ctx, self.staff[i], project) for i in pool], dtype=np.bool_
                )
            pool = pool[keep] if len(pool) else pool
            steps.append((rule, pool))
        return steps

    def area_pool(self, project: Project) -> npt.NDArray[np.int64]:
        """Staff with (one of) the project's areas, in staff order (the area rule, vectorised)."""
        empty = np.zeros(0, dtype=np.int64)
        pools = [self.by_area.get(area, empty) for area in project_areas(project)]
        return pools[0] if len(pools) == 1 else np.unique(np.concatenate(pools))

    def _host(self, project: Project) -> int:
        return self.school_index[project.host_school_id]

    def _phase(self, project: Project, pool: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return (self.staff_phases[pool] & self.school_phase[self._host(project)]) != 0

    def _own_school(self, project: Project, pool: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return self.staff_school[pool] != self._host(project)

    def _not_listed(
        self, kind: str, project: Project, pool: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        listed = self.excluded_at[kind].get(project.host_school_id)
        if not listed:
            return np.ones(len(pool), dtype=np.bool_)
        return ~np.isin(pool, np.fromiter(listed, dtype=np.int64))

    def _school_rotation(
        self, project: Project, pool: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        paired = self.recently_paired.get(project.host_school_id)
        if paired is None:
            return np.ones(len(pool), dtype=np.bool_)
        return ~np.isin(self.staff_school[pool], paired)

    def _trust(self, project: Project, pool: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        if self.ctx.round.settings.rules.same_trust == "allow":
            return np.ones(len(pool), dtype=np.bool_)
        home = self.school_trust[self.staff_school[pool]]
        host = self.school_trust[self._host(project)]
        return (home == -1) | (home != host)

    def _travel(self, project: Project, pool: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        limit = self.ctx.round.settings.rules.max_travel_minutes
        return self.minutes(self._host(project), self.staff_school[pool]) <= limit

    def minutes(self, host: int, schools: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """One-way minutes from each school to the host, equal to ``Round.travel_minutes``.

        Computed in bulk with numpy; the few values that sit within rounding distance of a
        whole minute, and every pair when a travel table is given, are recomputed exactly.
        """
        round_ = self.ctx.round
        raw = self._raw_minutes(host, schools)
        if raw is None or round_.travel_times:
            unsure = np.ones(len(schools), dtype=np.bool_)
            result = np.zeros(len(schools), dtype=np.int64)
        else:
            settings = round_.settings.travel
            result = (settings.overhead_minutes + np.ceil(raw)).astype(np.int64)
            result[schools == host] = 0
            unsure = np.abs(raw - np.rint(raw)) < 1e-6
        host_id = round_.schools[host].school_id
        for n in np.flatnonzero(unsure):
            result[n] = round_.travel_minutes(round_.schools[int(schools[n])].school_id, host_id)
        return result

    def _raw_minutes(
        self, host: int, schools: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64] | None:
        """Driving minutes before rounding and overhead, or None for mixed coordinates."""
        settings = self.ctx.round.settings.travel
        if self._grid is not None:
            delta = self._grid[schools] - self._grid[host]
            km = np.hypot(delta[:, 0], delta[:, 1]) / 1000.0
        elif self._latlon is not None:
            lat1, lon1 = np.radians(self._latlon[schools]).T
            lat2, lon2 = np.radians(self._latlon[host])
            h = (
                np.sin((lat2 - lat1) / 2) ** 2
                + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
            )
            km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        else:
            return None
        return km * settings.detour_factor / settings.speed_kmh * 60.0


def _paired_with(
    pairs: frozenset[tuple[str, str]], school_index: dict[str, int]
) -> dict[str, npt.NDArray[np.int64]]:
    """Host id -> indices of the schools recently paired with it (school rotation)."""
    found: dict[str, set[int]] = defaultdict(set)
    for home, host in pairs:
        if home in school_index:
            found[host].add(school_index[home])
    return {host: np.array(sorted(ix), dtype=np.int64) for host, ix in found.items()}


def _coordinates(
    round_: Round,
) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.float64] | None]:
    """School positions as one array, grid (metres) or latitude/longitude, whichever all use."""
    locations = [s.location() for s in round_.schools]
    if all(isinstance(loc, GridRef) for loc in locations):
        grid = cast(list[GridRef], locations)
        return np.array([[g.easting, g.northing] for g in grid], dtype=np.float64), None
    if all(isinstance(loc, LatLon) for loc in locations):
        places = cast(list[LatLon], locations)
        return None, np.array([[p.latitude, p.longitude] for p in places], dtype=np.float64)
    return None, None
