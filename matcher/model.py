"""The domain: frozen pydantic models with string ids, as users and files see a round.

Everything here is immutable. Variants are made with ``model_copy(update=...)``, never by
mutation, so a Round can be shared between the solver, the plan checker and the exporters.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher import travel


class Phase(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    ALL_THROUGH = "all_through"
    SPECIAL = "special"
    ALTERNATIVE_PROVISION = "alternative_provision"
    NURSERY = "nursery"
    FIRST = "first"
    MIDDLE = "middle"


class Role(StrEnum):
    TEACHER = "teacher"
    MIDDLE_LEADER = "middle_leader"
    SENIOR_LEADER = "senior_leader"
    HEADTEACHER = "headteacher"
    BUSINESS_LEADER = "business_leader"

    @property
    def with_article(self) -> str:
        """In a sentence: "a senior leader", "a headteacher" (the file's word has underscores)."""
        return "a " + self.value.replace("_", " ")


# The roles max_leaders_out_per_day counts: the people a school can least spare on one day.
LEADER_ROLES = frozenset({Role.SENIOR_LEADER, Role.HEADTEACHER})


class Rating(StrEnum):
    """How a school is doing, for the mix rules of peer-review clusters (docs/clusters.md)."""

    STRONG = "strong"
    SECURE = "secure"
    NEEDS_IMPROVEMENT = "needs_improvement"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Upper bounds on every number a round holds. They are far above any real round and keep every
# product the solvers form (weight x days x people) well inside CP-SAT's 64-bit integers.
DAYS = 366  # a count of days: a round lies within one academic year
MINUTES = 1440  # a journey of more than a day is a typo
PEOPLE = 1_000  # people out of one school on one day, reviewers on one team
STAFF_DAYS = 100_000  # staff-days a school releases in a round
# A soft term's weight multiplies per-pair amounts (minutes x days up to 527,040), so that the
# objective of even a huge round (10^8 pairs) cannot overflow; staffing every project is
# counted once per project, so its weight may dominate (benchmarks use 10^7).
WEIGHT = 100_000
STAFFING_WEIGHT = 10_000_000
POUNDS = 100_000  # a cover cost per staff-day
COVER_BUDGET = POUNDS * STAFF_DAYS  # a school's cover budget for a round: every day it releases
ROUNDS = 10_000  # a round's number
SCHOOLS = 100_000  # schools in a round (more than England has)
# A visit of at most this many hours (projects.csv visit_hours) is a half day, held in the
# morning and counted as half a day out: four hours from the start of the school day ends by
# lunch, which is when a school can swap cover for the afternoon.
HALF_DAY_HOURS = 4.0


class School(_Frozen):
    school_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    phase: Phase
    trust: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    easting: float | None = Field(default=None, ge=0, le=800_000, allow_inf_nan=False)
    northing: float | None = Field(default=None, ge=0, le=1_400_000, allow_inf_nan=False)
    postcode: str | None = None
    max_staff_out_per_day: int = Field(ge=0, le=PEOPLE)
    release_days: int = Field(ge=0, le=STAFF_DAYS)
    rating: Rating | None = None
    # Senior leaders and headteachers (staff.csv role) of this school out on visits on one day,
    # at most; None = only max_staff_out_per_day limits them.
    max_leaders_out_per_day: int | None = Field(default=None, ge=0, le=PEOPLE)
    # Most this school spends on cover this round (days its staff are out on reviews x the
    # round's cover cost per day for its phase), in the unit of calendar.cover_cost_per_day;
    # None = no cap.
    cover_budget: float | None = Field(default=None, ge=0, le=COVER_BUDGET, allow_inf_nan=False)

    @model_validator(mode="after")
    def _has_one_location(self) -> School:
        has_latlon = self.latitude is not None and self.longitude is not None
        has_grid = self.easting is not None and self.northing is not None
        if not (has_latlon or has_grid):
            raise ValueError(
                "a location is required: latitude and longitude, or easting and northing"
            )
        return self

    def location(self) -> travel.Location:
        if self.latitude is not None and self.longitude is not None:
            return travel.LatLon(self.latitude, self.longitude)
        assert self.easting is not None and self.northing is not None
        return travel.GridRef(self.easting, self.northing)


class Staff(_Frozen):
    staff_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    school_id: str = Field(min_length=1)
    role: Role
    specialisms: frozenset[str] = Field(min_length=1)
    phases: frozenset[Phase] = Field(min_length=1)
    is_sle: bool = False
    lead_reviewer: bool = False
    max_days: int = Field(ge=0, le=DAYS)
    # This SLE's yearly allowance, in place of the round's rules.sle_allowance_days; None = that.
    sle_allowance_days: int | None = Field(default=None, ge=0, le=DAYS)


class Project(_Frozen):
    project_id: str = Field(min_length=1)
    host_school_id: str = Field(min_length=1)
    area: str = Field(min_length=1)
    title: str = Field(min_length=1)
    min_reviewers: int = Field(ge=1, le=PEOPLE)
    max_reviewers: int = Field(ge=1, le=PEOPLE)
    needs_lead: bool = False
    needs_sle: bool = False
    visits: int = Field(ge=1, le=DAYS)
    visit_days: int = Field(ge=1, le=DAYS)
    earliest: dt.date
    latest: dt.date
    # Calendar days from the last day of one visit to the first day of the next;
    # None = the round's [calendar] min_gap_days.
    min_gap_days: int | None = Field(default=None, ge=0, le=DAYS)
    presentation: bool = False  # findings presented to the host's senior team after the last visit
    # The team includes someone of this role (staff.csv role), e.g. a senior leader to talk to
    # the host's leadership; None = any roles.
    needs_role: Role | None = None
    # Visit kinds (docs/scheduling.md): a half-day meeting of the team's lead with the host's
    # CPD lead on a school day before the first visit.
    scoping_meeting: bool = False
    # Hours of each visit day from the start of the school day; None = the whole school day.
    # At most HALF_DAY_HOURS makes every visit day a half day (see days_per_reviewer).
    visit_hours: float | None = Field(default=None, gt=0, le=24, allow_inf_nan=False)
    # The presentation falls within this many school days after the last visit day;
    # None = the round's calendar.presentation_within_days (itself None = any later day).
    presentation_within_days: int | None = Field(default=None, ge=1, le=DAYS)
    # An evening presentation to the host's governors, on a day after the presentation.
    governors_presentation: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        if self.min_reviewers > self.max_reviewers:
            raise ValueError(
                f"min_reviewers ({self.min_reviewers}) is above max_reviewers "
                f"({self.max_reviewers})"
            )
        if self.earliest > self.latest:
            raise ValueError(f"earliest ({self.earliest}) is after latest ({self.latest})")
        for asked, column in (
            (self.presentation_within_days is not None, "presentation_within_days"),
            (self.governors_presentation, "governors_presentation"),
        ):
            if asked and not self.presentation:
                raise ValueError(f"{column} needs presentation = yes")
        return self

    @property
    def half_day(self) -> bool:
        """Each visit day is a half day (a morning): visit_hours is at most HALF_DAY_HOURS."""
        return self.visit_hours is not None and self.visit_hours <= HALF_DAY_HOURS

    @property
    def days_per_reviewer(self) -> int:
        """Days each team member is out of their own school for this project, besides the
        scoping meeting (``days_out``: its attendee's days with it).

        The one count of days out that max_days, release_days, the SLE allowance and cover
        cost all use: a half-day visit day counts half, and the project's total is rounded up
        to a whole day (budgets are whole days; rounding up never lets a budget overrun).
        """
        return self.days_out(scoping=False)

    def days_out(self, *, scoping: bool) -> int:
        """Days a team member is out for this project; with ``scoping``, the member who
        attends the scoping meeting (its half day counted like a half-day visit day).

        Counted in half days and rounded up to a whole day over the project, as
        ``days_per_reviewer``: two full visit days and the scoping meeting are 2.5 days, so 3;
        one half-day visit and the scoping meeting are one day.
        """
        per_day = 1 if self.half_day else 2
        halves = self.visits * self.visit_days * per_day + (1 if scoping else 0)
        return -(-halves // 2)

    @property
    def scoping_days(self) -> int:
        """Days the scoping meeting adds to its attendee's (0 or 1, after rounding)."""
        if not self.scoping_meeting:
            return 0
        return self.days_out(scoping=True) - self.days_per_reviewer

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas the team covers: ``area`` may list several, separated by ";".

        One area (the usual case) is a tuple of one; ``area`` itself is kept as written (after
        normalising), so files that show it read as before.
        """
        return tuple(dict.fromkeys(a.strip() for a in self.area.split(";") if a.strip()))


class Conflict(_Frozen):
    staff_id: str = Field(min_length=1)
    school_id: str = Field(min_length=1)
    reason: str = ""


class HistoryEntry(_Frozen):
    round: int = Field(ge=0, le=ROUNDS)
    staff_id: str = Field(min_length=1)
    host_school_id: str = Field(min_length=1)
    days: int = Field(ge=0, le=DAYS)
    academic_year: str | None = None
    # The reviewer's school in that round; None = their school in staff.csv. The school
    # rotation (rules.school_rotation_rounds) reads it, so a move between schools keeps the
    # record of which school reviewed which.
    school_id: str | None = None


class Preference(_Frozen):
    staff_id: str = Field(min_length=1)
    project_id: str = Field(min_length=1)
    preference: int = Field(ge=-10, le=10)


class Availability(_Frozen):
    """A person's or a school's unavailable or preferred days (availability.csv)."""

    id: str = Field(min_length=1)  # a staff_id or a school_id
    start: dt.date
    end: dt.date
    kind: Literal["unavailable", "preferred"]
    note: str = ""

    @model_validator(mode="after")
    def _in_order(self) -> Availability:
        if self.start > self.end:
            raise ValueError(f"start ({self.start}) is after end ({self.end})")
        return self


class Lock(_Frozen):
    """A part of a published plan that a re-plan must keep (locks.csv).

    With ``staff_id`` the reviewer stays on the project; with ``visit_no`` and ``date`` that
    visit's first day stays on that date. Either way the project stays staffed.
    """

    project_id: str = Field(min_length=1)
    staff_id: str | None = None
    visit_no: int | None = Field(default=None, ge=1, le=DAYS)
    date: dt.date | None = None


class TravelTime(_Frozen):
    from_school_id: str = Field(min_length=1)
    to_school_id: str = Field(min_length=1)
    minutes: int = Field(ge=0, le=MINUTES)


class Rules(_Frozen):
    """Hard-rule settings (``[rules]`` in round.toml)."""

    same_trust: Literal["forbid", "allow"] = "forbid"
    max_travel_minutes: int = Field(default=60, ge=0, le=MINUTES)
    rotation_rounds: int = Field(default=2, ge=0, le=ROUNDS)
    # Schools that reviewed each other (either way) in this many past rounds are not paired
    # again; 0 = off.
    school_rotation_rounds: int = Field(default=0, ge=0, le=ROUNDS)
    no_direct_swap: bool = True
    sle_allowance_days: int = Field(default=20, ge=0, le=DAYS)


class Weights(_Frozen):
    """Soft-term weights (``[weights]`` in round.toml). Zero switches a term off."""

    unstaffed: int = Field(default=100_000, ge=0, le=STAFFING_WEIGHT)
    expertise: int = Field(default=20, ge=0, le=WEIGHT)
    preference: int = Field(default=30, ge=0, le=WEIGHT)
    travel: int = Field(default=1, ge=0, le=WEIGHT)
    sle_balance: int = Field(default=10, ge=0, le=WEIGHT)
    give_take: int = Field(default=5, ge=0, le=WEIGHT)


class TravelSettings(_Frozen):
    """How travel time is estimated when travel.csv has no row for a pair (``[travel]``)."""

    speed_kmh: float = Field(default=30.0, ge=1, le=200, allow_inf_nan=False)
    detour_factor: float = Field(default=1.3, ge=1.0, le=10, allow_inf_nan=False)
    overhead_minutes: int = Field(default=5, ge=0, le=MINUTES)


class DateRange(_Frozen):
    """Inclusive range of dates."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _in_order(self) -> DateRange:
        if self.start > self.end:
            raise ValueError(f"start ({self.start}) is after end ({self.end})")
        return self

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


class CalendarSettings(_Frozen):
    """The school calendar and visit timing (``[calendar]`` in round.toml)."""

    # Term-time ranges (e.g. the two half terms); empty = the whole round is term time.
    terms: tuple[DateRange, ...] = ()
    holidays: tuple[DateRange, ...] = ()  # closures inside the terms (e.g. half-term week)
    inset_days: tuple[dt.date, ...] = ()  # staff training days: no pupils, no visits
    bank_holidays: bool = True  # England's bank holidays, from the holidays package
    timezone: str = "Europe/London"
    day_start: dt.time = dt.time(8, 45)
    day_end: dt.time = dt.time(15, 15)
    presentation_start: dt.time = dt.time(15, 45)
    presentation_end: dt.time = dt.time(16, 45)
    min_gap_days: int = Field(default=7, ge=0, le=DAYS)
    # School days after the last visit within which a presentation falls (a project's own
    # presentation_within_days overrides it); None = any later day in the window.
    presentation_within_days: int | None = Field(default=None, ge=1, le=DAYS)
    governors_start: dt.time = dt.time(18, 0)
    governors_end: dt.time = dt.time(19, 30)
    max_visits_per_day: int = Field(default=1, ge=1, le=PEOPLE)  # teams a host receives a day
    # Cover cost per staff-day out, by the releasing school's phase (reported, in pounds).
    cover_cost_per_day: dict[str, int] = Field(
        default_factory=lambda: {"primary": 180, "secondary": 220}
    )
    default_cover_cost_per_day: int = Field(default=200, ge=0, le=POUNDS)

    def cover_cost(self, phase: str) -> int:
        """Cover cost of one staff-day out of a school of this phase: the one definition the
        report, the solvers (schools.csv cover_budget) and the checker all use."""
        return self.cover_cost_per_day.get(phase, self.default_cover_cost_per_day)


class ScheduleWeights(_Frozen):
    """Soft-term weights for dating visits (``[schedule_weights]`` in round.toml)."""

    unscheduled: int = Field(default=100_000, ge=0, le=STAFFING_WEIGHT)
    preferred_days: int = Field(default=10, ge=0, le=WEIGHT)
    release_spread: int = Field(default=5, ge=0, le=WEIGHT)
    end_of_term: int = Field(default=3, ge=0, le=WEIGHT)


class ClusterSettings(_Frozen):
    """Peer-review clusters (``[clusters]`` in round.toml); docs/clusters.md explains each one."""

    form: bool = False
    mode: Literal["partition", "hub"] = "partition"
    min_size: int = Field(default=3, ge=3, le=7)
    max_size: int = Field(default=4, ge=3, le=7)
    max_travel_minutes: int = Field(default=45, ge=0, le=MINUTES)
    phase: Literal["same", "mixed"] = "mixed"
    trust: Literal["forbid_shared", "allow"] = "forbid_shared"
    max_weak_per_cluster: int = Field(default=1, ge=0, le=PEOPLE)
    min_strong_per_cluster: int = Field(default=0, ge=0, le=PEOPLE)
    mix_penalty: int = Field(default=500, ge=0, le=WEIGHT)
    rotate: int = Field(default=30, ge=0, le=WEIGHT)
    objective: Literal["total", "worst"] = "total"
    hub_capacity: int = Field(default=8, ge=3, le=50)
    hubs: int = Field(default=0, ge=0, le=SCHOOLS)
    cluster_scope: Literal["within", "outside", "any"] = "any"
    review_cycle: bool = False
    staffing_penalty: int = Field(default=300, ge=0, le=WEIGHT)

    @model_validator(mode="after")
    def _sizes_in_order(self) -> ClusterSettings:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size ({self.min_size}) not above max_size ({self.max_size})")
        if self.mode == "hub" and self.min_size > self.hub_capacity:
            raise ValueError(
                f"min_size ({self.min_size}) not above hub_capacity ({self.hub_capacity})"
            )
        return self


class Settings(_Frozen):
    name: str = Field(min_length=1)
    number: int = Field(default=1, ge=1, le=ROUNDS)
    academic_year: str = ""
    start: dt.date
    end: dt.date
    coordinator_email: str | None = None
    rules: Rules = Rules()
    weights: Weights = Weights()
    travel: TravelSettings = TravelSettings()
    calendar: CalendarSettings = CalendarSettings()
    schedule_weights: ScheduleWeights = ScheduleWeights()
    clusters: ClusterSettings = ClusterSettings()

    @model_validator(mode="after")
    def _dates_in_order(self) -> Settings:
        if self.start > self.end:
            raise ValueError(f"start ({self.start}) is after end ({self.end})")
        return self


class ClusterMember(_Frozen):
    """One school's place in a peer-review cluster (clusters.csv).

    ``pinned`` clusters are kept exactly as they are when clusters are formed; the others are
    taken as last year's, to rotate away from. ``hub`` marks the lead school of a hub.
    """

    cluster_id: str = Field(min_length=1)
    school_id: str = Field(min_length=1)
    pinned: bool = False
    hub: bool = False


class RotationEdge(_Frozen):
    """Inside a cluster, one school reviews another (rotation.csv)."""

    cluster_id: str = Field(min_length=1)
    reviewing_school_id: str = Field(min_length=1)
    host_school_id: str = Field(min_length=1)


class Round(_Frozen):
    """One round of a programme: who, what, and under which rules."""

    settings: Settings
    schools: tuple[School, ...]
    staff: tuple[Staff, ...]
    projects: tuple[Project, ...]
    conflicts: tuple[Conflict, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    preferences: tuple[Preference, ...] = ()
    travel_times: tuple[TravelTime, ...] = ()
    availability: tuple[Availability, ...] = ()
    clusters: tuple[ClusterMember, ...] = ()
    rotation: tuple[RotationEdge, ...] = ()
    locks: tuple[Lock, ...] = ()

    @cached_property
    def school_by_id(self) -> dict[str, School]:
        return {s.school_id: s for s in self.schools}

    @cached_property
    def staff_by_id(self) -> dict[str, Staff]:
        return {s.staff_id: s for s in self.staff}

    @cached_property
    def project_by_id(self) -> dict[str, Project]:
        return {p.project_id: p for p in self.projects}

    @cached_property
    def staff_by_school(self) -> dict[str, tuple[Staff, ...]]:
        """Each school's staff, in file order."""
        found: dict[str, list[Staff]] = {}
        for person in self.staff:
            found.setdefault(person.school_id, []).append(person)
        return {school_id: tuple(people) for school_id, people in found.items()}

    @cached_property
    def _travel_table(self) -> dict[tuple[str, str], int]:
        table: dict[tuple[str, str], int] = {}
        for row in self.travel_times:
            table[(row.from_school_id, row.to_school_id)] = row.minutes
        # A table often lists each pair once; the reverse journey takes the same time.
        for (a, b), minutes in list(table.items()):
            table.setdefault((b, a), minutes)
        return table

    def travel_minutes(self, from_school_id: str, to_school_id: str) -> int:
        """One-way minutes: travel.csv when it has the pair, else estimated from coordinates."""
        if from_school_id == to_school_id:
            return 0
        given = self._travel_table.get((from_school_id, to_school_id))
        if given is not None:
            return given
        return travel.estimate_minutes(
            self.school_by_id[from_school_id].location(),
            self.school_by_id[to_school_id].location(),
            speed_kmh=self.settings.travel.speed_kmh,
            detour_factor=self.settings.travel.detour_factor,
            overhead_minutes=self.settings.travel.overhead_minutes,
        )

    @cached_property
    def _days_used_this_year(self) -> dict[str, int]:
        year = self.settings.academic_year
        used: dict[str, int] = {}
        for h in self.history:
            # A history row without a year is taken to belong to this round's year.
            if (h.academic_year or year) == year:
                used[h.staff_id] = used.get(h.staff_id, 0) + h.days
        return used

    def sle_days_used(self, staff_id: str) -> int:
        """Days an SLE has already given this academic year, from history."""
        return self._days_used_this_year.get(staff_id, 0)

    def sle_allowance(self, staff_id: str) -> int:
        """The SLE's yearly allowance: their own (staff.csv sle_allowance_days) or the round's."""
        own = self.staff_by_id[staff_id].sle_allowance_days
        return self.settings.rules.sle_allowance_days if own is None else own

    def replace(self, **changes: object) -> Round:
        """A copy with some fields changed. (``model_copy`` would carry stale cached lookups.)"""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return Round.model_validate({**fields, **changes})


class Assignment(_Frozen):
    """One reviewer on one project."""

    project_id: str
    staff_id: str
    role: Literal["lead", "member"] = "member"


class UnfilledProject(_Frozen):
    project_id: str
    reason: str


class Plan(_Frozen):
    """The pairings of a round: who reviews which project, and which projects stay unstaffed."""

    assignments: tuple[Assignment, ...] = ()
    unfilled: tuple[UnfilledProject, ...] = ()

    @cached_property
    def teams_by_project(self) -> dict[str, tuple[Assignment, ...]]:
        """Each staffed project's assignments, in plan order (one pass, not one per project)."""
        teams: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            teams.setdefault(a.project_id, []).append(a)
        return {project_id: tuple(team) for project_id, team in teams.items()}

    def team(self, project_id: str) -> tuple[Assignment, ...]:
        return self.teams_by_project.get(project_id, ())

    @cached_property
    def places_by_staff(self) -> dict[str, tuple[int, ...]]:
        """Each reviewer's places in ``assignments`` (positions, in plan order)."""
        places: dict[str, list[int]] = {}
        for n, a in enumerate(self.assignments):
            places.setdefault(a.staff_id, []).append(n)
        return {staff_id: tuple(found) for staff_id, found in places.items()}

    def days_of(self, project: Project, staff_id: str) -> int:
        """Days ``staff_id`` is out for ``project`` in this plan: the scoping meeting's one
        attendee (``lead_of``) has its half day on top (``Project.days_out``)."""
        attends = project.scoping_meeting and self.lead_of(project.project_id) == staff_id
        return project.days_out(scoping=attends)

    def lead_of(self, project_id: str) -> str | None:
        """Who speaks for the team (a scoping meeting's one attendee): its lead, or, in a team
        without one, the member first by staff id; None for a project without a team."""
        team = self.team(project_id)
        leads = [a.staff_id for a in team if a.role == "lead"]
        return min(leads or [a.staff_id for a in team], default=None)


EventKind = Literal["scoping", "visit", "presentation", "governors"]
EVENT_KINDS: tuple[EventKind, ...] = ("scoping", "visit", "presentation", "governors")


class ScheduledEvent(_Frozen):
    """One day of one visit, a findings presentation, a scoping meeting (the lead alone) or a
    governors' presentation."""

    # Stable across re-runs: "<project_id>-v<visit_no>-d<day_no>", "-p" (presentation),
    # "-s" (scoping meeting) or "-g" (governors).
    visit_id: str
    project_id: str
    # Scoping carries 1 (it comes before visit 1); the presentations the last visit's number.
    visit_no: int = Field(ge=1)
    day_no: int = Field(default=1, ge=1)
    kind: EventKind
    date: dt.date
    start: dt.time
    end: dt.time
    host_school_id: str
    staff_ids: tuple[str, ...]


class Schedule(_Frozen):
    """Dated visits of a plan; projects that could not be dated are listed with the reason."""

    events: tuple[ScheduledEvent, ...] = ()
    unscheduled: tuple[UnfilledProject, ...] = ()


class LeftOutSchool(_Frozen):
    """A school that no cluster can take without breaking a rule, with the reason."""

    school_id: str
    reason: str


class ClusterPlan(_Frozen):
    """Clusters of a region, who reviews whom inside each, and the schools left out."""

    members: tuple[ClusterMember, ...] = ()
    rotation: tuple[RotationEdge, ...] = ()
    left_out: tuple[LeftOutSchool, ...] = ()

    def clusters(self) -> dict[str, tuple[str, ...]]:
        """School ids of each cluster, by cluster id, in the order of ``members``."""
        groups: dict[str, list[str]] = {}
        for member in self.members:
            groups.setdefault(member.cluster_id, []).append(member.school_id)
        return {cluster_id: tuple(ids) for cluster_id, ids in groups.items()}
