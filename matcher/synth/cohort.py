"""Synthetic cohorts: realistic, reproducible rounds of any size for tests and benchmarks.

A cohort is built in index space with numpy arrays (places, phases, trusts, people) and only
turned into the pydantic domain objects at the end. Everything random flows from one seed, and
the round's dates are fixed (spring term 2027), so the same arguments always give the same Round.
The calendar is the same too (the bundled sample's terms and INSET day), with a light sprinkling
of availability.csv rows drawn from a random stream of their own.

Geography drives most of the realism. Schools sit in towns scattered over England, with a rural
halo around each town and a few remote schools; trusts are formed from neighbouring schools; and
history, conflicts and preferences only ever look within a school's own town. That keeps every
step linear in the cohort size, with no loop over all pairs of schools.

A cohort can also stand on real schools (``locations``): a register extract (matcher.synth.register)
then gives the URNs, names, postcodes, phases and places, each local authority plays the part
of a town, and the extract's trusts are kept when it names them. Staff stay fictional.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from matcher.model import (
    Availability,
    CalendarSettings,
    Conflict,
    DateRange,
    HistoryEntry,
    Phase,
    Preference,
    Project,
    Role,
    Round,
    School,
    Settings,
    Staff,
)
from matcher.synth.kinds import with_visit_kinds
from matcher.synth.programme import add_programme_shapes
from matcher.synth.register import COHORT_SIZES, LocationsError, SchoolRegister, load_register

__all__ = ["AREAS", "COHORT_SIZES", "LocationsError", "generate_round"]

# Areas in the one spelling the reader keeps (lower case, single spaces: "ks2 maths", "send"),
# so a generated round survives write_round and load_round unchanged.
AREAS: tuple[str, ...] = (
    "quality of feedback",
    "homework",
    "disadvantaged pupils",
    "pastoral systems",
    "digital technology",
    "cpd provision",
    "most able",
    "wellbeing",
    "ks2 maths",
    "reading",
    "oracy",
    "send",
    "behaviour",
    "attendance",
    "early years",
    "curriculum design",
    "phonics",
    "science",
    "careers",
)

# The round every generated cohort belongs to: fixed, never derived from today's date.
ROUND_NUMBER = 3
ACADEMIC_YEAR = "2026/27"
PREVIOUS_ACADEMIC_YEAR = "2025/26"
ROUND_START = dt.date(2027, 1, 4)  # Monday, first day of the spring term
ROUND_END = dt.date(2027, 3, 26)  # Friday before Easter
TERM_WEEKS = 12
# Half term falls between the two terms; the first day back in January is an INSET day, and
# Good Friday (the round's last day) is a bank holiday the calendar knows without being told.
HALF_TERM = DateRange(start=dt.date(2027, 2, 15), end=dt.date(2027, 2, 19))
SPRING_2027 = CalendarSettings(
    terms=(
        DateRange(start=ROUND_START, end=HALF_TERM.start - dt.timedelta(days=3)),
        DateRange(start=HALF_TERM.end + dt.timedelta(days=3), end=ROUND_END),
    ),
    inset_days=(ROUND_START,),
)
COORDINATOR_EMAIL = "coordinator@programme.example.org"

PHASES: tuple[Phase, ...] = tuple(Phase)
_P = {phase: i for i, phase in enumerate(PHASES)}
ROLES: tuple[Role, ...] = tuple(Role)

# Roughly the mix of open state schools in England (first and middle schools survive in a few
# areas only; nursery, all-through and alternative provision are small sectors).
PHASE_SHARES: dict[Phase, float] = {
    Phase.PRIMARY: 0.745,
    Phase.SECONDARY: 0.150,
    Phase.SPECIAL: 0.045,
    Phase.ALTERNATIVE_PROVISION: 0.015,
    Phase.NURSERY: 0.015,
    Phase.ALL_THROUGH: 0.012,
    Phase.FIRST: 0.012,
    Phase.MIDDLE: 0.006,
}

# How many staff a school puts forward, relative to the average school.
STAFF_SIZE: dict[Phase, float] = {
    Phase.PRIMARY: 0.85,
    Phase.SECONDARY: 1.9,
    Phase.ALL_THROUGH: 2.0,
    Phase.SPECIAL: 0.8,
    Phase.ALTERNATIVE_PROVISION: 0.6,
    Phase.NURSERY: 0.5,
    Phase.FIRST: 0.8,
    Phase.MIDDLE: 1.1,
}

ROLE_SHARES: dict[Role, float] = {
    Role.TEACHER: 0.36,
    Role.MIDDLE_LEADER: 0.36,
    Role.SENIOR_LEADER: 0.17,
    Role.HEADTEACHER: 0.06,
    Role.BUSINESS_LEADER: 0.05,
}
# Who is designated an SLE (relative odds) and who is trained to lead a review (probability).
SLE_ODDS: dict[Role, float] = {
    Role.TEACHER: 0.5,
    Role.MIDDLE_LEADER: 2.0,
    Role.SENIOR_LEADER: 2.0,
    Role.HEADTEACHER: 0.5,
    Role.BUSINESS_LEADER: 0.0,
}
LEAD_CHANCE: dict[Role, float] = {
    Role.TEACHER: 0.08,
    Role.MIDDLE_LEADER: 0.25,
    Role.SENIOR_LEADER: 0.55,
    Role.HEADTEACHER: 0.6,
    Role.BUSINESS_LEADER: 0.1,
}

_PRIMARY_AREAS: dict[str, float] = {
    "quality of feedback": 8,
    "homework": 3,
    "disadvantaged pupils": 8,
    "pastoral systems": 2,
    "digital technology": 3,
    "cpd provision": 3,
    "most able": 3,
    "wellbeing": 6,
    "ks2 maths": 10,
    "reading": 10,
    "oracy": 8,
    "send": 6,
    "behaviour": 4,
    "attendance": 4,
    "early years": 6,
    "curriculum design": 7,
    "phonics": 8,
    "science": 4,
}
_SECONDARY_AREAS: dict[str, float] = {
    "quality of feedback": 9,
    "homework": 7,
    "disadvantaged pupils": 9,
    "pastoral systems": 7,
    "digital technology": 5,
    "cpd provision": 5,
    "most able": 6,
    "wellbeing": 6,
    "reading": 5,
    "oracy": 5,
    "send": 6,
    "behaviour": 7,
    "attendance": 8,
    "curriculum design": 6,
    "science": 5,
    "careers": 6,
}
_SPANNING_AREAS = {
    area: (_PRIMARY_AREAS.get(area, 0) + _SECONDARY_AREAS.get(area, 0)) / 2 for area in AREAS
}
# What schools ask to have reviewed, and what their staff know about, by phase. Using one table
# for both keeps supply and demand of each area in proportion, as in a real programme.
AREA_WEIGHTS: dict[Phase, dict[str, float]] = {
    Phase.PRIMARY: _PRIMARY_AREAS,
    Phase.FIRST: _PRIMARY_AREAS,
    Phase.SECONDARY: _SECONDARY_AREAS,
    Phase.ALL_THROUGH: _SPANNING_AREAS,
    Phase.MIDDLE: _SPANNING_AREAS,
    Phase.SPECIAL: {
        "send": 10,
        "wellbeing": 8,
        "behaviour": 6,
        "oracy": 5,
        "curriculum design": 6,
        "pastoral systems": 4,
        "attendance": 3,
        "phonics": 3,
        "reading": 5,
        "cpd provision": 3,
        "digital technology": 3,
        "careers": 2,
        "early years": 2,
    },
    Phase.ALTERNATIVE_PROVISION: {
        "behaviour": 10,
        "attendance": 10,
        "wellbeing": 8,
        "pastoral systems": 7,
        "careers": 5,
        "send": 6,
        "disadvantaged pupils": 5,
        "curriculum design": 3,
        "reading": 4,
    },
    Phase.NURSERY: {
        "early years": 10,
        "oracy": 6,
        "wellbeing": 5,
        "send": 5,
        "phonics": 3,
        "disadvantaged pupils": 4,
        "cpd provision": 2,
    },
}
# School business leaders review the operational side of a school.
BUSINESS_AREAS: dict[str, float] = {
    "digital technology": 6,
    "cpd provision": 5,
    "attendance": 4,
    "wellbeing": 4,
    "careers": 2,
    "pastoral systems": 2,
    "disadvantaged pupils": 2,
}

# Phases besides their own that some staff also review, with relative odds.
ADJACENT_PHASES: dict[Phase, dict[Phase, float]] = {
    Phase.PRIMARY: {Phase.NURSERY: 3, Phase.FIRST: 3, Phase.MIDDLE: 2, Phase.ALL_THROUGH: 2},
    Phase.SECONDARY: {Phase.ALL_THROUGH: 4, Phase.MIDDLE: 3, Phase.ALTERNATIVE_PROVISION: 2},
    Phase.ALL_THROUGH: {Phase.MIDDLE: 2, Phase.SPECIAL: 1},
    Phase.SPECIAL: {Phase.PRIMARY: 3, Phase.SECONDARY: 3, Phase.ALTERNATIVE_PROVISION: 2},
    Phase.ALTERNATIVE_PROVISION: {Phase.SECONDARY: 3, Phase.SPECIAL: 2},
    Phase.NURSERY: {Phase.PRIMARY: 3, Phase.FIRST: 1},
    Phase.FIRST: {Phase.PRIMARY: 3, Phase.NURSERY: 1, Phase.MIDDLE: 1},
    Phase.MIDDLE: {Phase.PRIMARY: 2, Phase.SECONDARY: 2},
}
ADJACENT_CHANCE = 0.5
# Phases every member of a phase reviews: all-through staff work across both key phases.
IMPLIED_PHASES: dict[Phase, tuple[Phase, ...]] = {
    Phase.ALL_THROUGH: (Phase.PRIMARY, Phase.SECONDARY),
    Phase.FIRST: (Phase.PRIMARY,),
    Phase.MIDDLE: (Phase.PRIMARY, Phase.SECONDARY),
}
# Specialisms that carry a mainstream reviewer into a specialist setting.
SPECIALIST_REACH: tuple[tuple[str, frozenset[Phase], Phase, float], ...] = (
    ("send", frozenset(PHASES), Phase.SPECIAL, 0.6),
    ("early years", frozenset({Phase.PRIMARY, Phase.FIRST}), Phase.NURSERY, 0.6),
    ("behaviour", frozenset({Phase.SECONDARY, Phase.SPECIAL}), Phase.ALTERNATIVE_PROVISION, 0.4),
    ("attendance", frozenset({Phase.SECONDARY}), Phase.ALTERNATIVE_PROVISION, 0.4),
)

# A coarse outline of England in OSGB metres (coast and the Welsh and Scottish borders), so
# towns land on land rather than in the Irish Sea or in Wales.
ENGLAND_OUTLINE_KM: tuple[tuple[float, float], ...] = (
    (135, 25), (250, 50), (370, 78), (530, 100), (635, 140), (635, 170), (620, 215),
    (655, 290), (620, 340), (550, 335), (555, 365), (540, 415), (520, 470), (490, 510),
    (455, 525), (400, 655), (340, 570), (320, 565), (295, 515), (320, 470), (340, 460),
    (330, 435), (335, 390), (340, 365), (330, 300), (320, 240), (355, 195), (330, 160),
    (295, 145), (250, 145), (220, 125), (180, 60),
)  # fmt: skip
SCHOOLS_PER_TOWN = 70
URBAN_SIGMA_M = (2_000.0, 4_500.0)
RURAL_SIGMA_M = 9_000.0
RURAL_SHARE = 0.25
REMOTE_SHARE = 0.015
# Straight-line reach used when picking plausible neighbours (about 57 minutes by the default
# travel estimate), so history and preferences point at schools a reviewer could really visit.
NEIGHBOUR_KM = 20.0

TRUST_SIZES = tuple(range(3, 16))
TRUST_REACH_KM = 20.0  # from a trust's first school to any other, so members are neighbours
# Most trusts are small; a few grow to fifteen schools.
TRUST_SIZE_ODDS = tuple(math.exp(-(size - 3) / 3.5) for size in TRUST_SIZES)

HISTORY_CHANCE = {True: 0.8, False: 0.4}  # by is_sle: SLEs are deployed most rounds
CONFLICT_SHARE = 0.03
CONFLICT_REASONS = (
    "former employer",
    "governor",
    "relative works there",
    "own child attends",
    "former headteacher",
)
PREFERENCE_SHARE = 0.5
NEGATIVE_PREFERENCE_SHARE = 0.04


@dataclass(frozen=True)
class _SchoolDays:
    """One kind of school row in availability.csv: who, how often, which weeks, which days."""

    phases: tuple[Phase, ...]  # empty: any phase
    chance: float
    weeks: tuple[int, ...]  # weeks of the round, week 0 starting Monday 4 January; empty: any
    first_day: int  # 0 = Monday
    last_day: int
    kind: str
    note: str


# availability.csv is drawn from a random stream of its own, so the rest of a cohort is the
# same as it would be without it.
AVAILABILITY_STREAM = 1
SCHOOL_DAYS: tuple[_SchoolDays, ...] = (
    # Mocks fall just after Christmas or in early March.
    _SchoolDays((Phase.SECONDARY, Phase.ALL_THROUGH), 0.5, (1, 2, 8, 9), 0, 4, "unavailable",
                "Year 11 mock exams"),
    _SchoolDays((Phase.PRIMARY, Phase.FIRST, Phase.MIDDLE), 0.05, (7, 8, 9, 10), 0, 2,
                "unavailable", "Year 6 residential"),
    _SchoolDays((), 0.01, (), 0, 4, "unavailable", "Ofsted inspection window"),
    _SchoolDays((), 0.03, (), 1, 3, "preferred", ""),
)  # fmt: skip
STAFF_AWAY_CHANCE = 0.04  # a person on a course ...
TWO_DAY_COURSE_CHANCE = 0.4  # ... which lasts two days
STAFF_PREFERRED_CHANCE = 0.02  # a person who would like visits on one day

FIRST_NAMES = (
    "Aisha", "Alex", "Amara", "Amir", "Amy", "Andrew", "Anna", "Ben", "Bethany", "Callum",
    "Charlotte", "Chloe", "Chris", "Claire", "Daniel", "David", "Deborah", "Dev", "Eleanor",
    "Emily", "Emma", "Faisal", "Fatima", "Gareth", "Gemma", "Grace", "Hannah", "Harriet",
    "Imran", "Isla", "Jack", "James", "Jasmine", "Jess", "Joanne", "Jonathan", "Joseph", "Kate",
    "Kavita", "Kwame", "Laura", "Leah", "Liam", "Lucy", "Mark", "Martin", "Mei", "Michael",
    "Mohammed", "Naomi", "Natalie", "Neil", "Nia", "Oliver", "Olivia", "Omar", "Patrick",
    "Priya", "Rachel", "Rebecca", "Rhys", "Richard", "Rosie", "Ruth", "Ryan", "Sadia", "Sam",
    "Sarah", "Sean", "Shabana", "Simon", "Sophie", "Stephen", "Tariq", "Thomas", "Tom", "Victoria",
    "Wei", "Yasmin", "Zainab", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Ahmed", "Ali", "Allen", "Armstrong", "Atkinson", "Bailey", "Baker", "Barnes",
    "Bell", "Bennett", "Bradley", "Brooks", "Brown", "Butler", "Campbell", "Carter", "Chapman",
    "Chen", "Clarke", "Collins", "Cooper", "Cox", "Davies", "Dixon", "Edwards", "Evans",
    "Fletcher", "Foster", "Gordon", "Graham", "Green", "Griffiths", "Hall", "Harris", "Hassan",
    "Hill", "Holmes", "Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Kelly",
    "Khan", "King", "Knight", "Lee", "Lewis", "Lloyd", "Malik", "Marshall", "Martin", "Mason",
    "Mensah", "Mills", "Mitchell", "Moore", "Morgan", "Morris", "Murphy", "Nguyen", "Nowak",
    "O'Brien", "Okafor", "Owen", "Palmer", "Parker", "Patel", "Pearson", "Phillips", "Price",
    "Rahman", "Reid", "Richards", "Roberts", "Robinson", "Rogers", "Scott", "Shah", "Sharma",
    "Simpson", "Singh", "Smith", "Stevens", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
    "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)  # fmt: skip
NAME_STEMS = (
    "Oak", "Ash", "Elm", "Birch", "Beech", "Holly", "Willow", "Hazel", "Rowan", "Cedar",
    "Maple", "Thorn", "Brook", "Mill", "Kings", "Queens", "Broad", "Green", "Long", "North",
    "South", "East", "West", "Stone", "Rose", "Lark", "Heather", "Fern", "Moor", "Fox", "Hare",
    "Bridge", "Church", "Castle", "Abbey", "Red", "White", "Sand", "Chalk", "Wheat", "Barley",
    "Cherry", "Swan", "Heron", "Kestrel", "Otter", "Bramble", "Hawthorn", "Linden", "Poplar",
)  # fmt: skip
NAME_ENDINGS = (
    "field", "wood", "brook", "hill", "lea", "mead", "dale", "croft", "bank", "ley", "ford",
    "ton", "bury", "well", "side", "hurst", "gate", "lands", "mere", "worth", "combe", "holme",
)  # fmt: skip
NAME_FEATURES = ("Park", "Lane", "View", "Green", "Vale", "Road", "Rise", "Meadow", "Grange")
SAINTS = ("Anne", "Joseph", "Mary", "Peter", "Paul", "John", "Mark", "Andrew", "Chad", "Hilda")
SCHOOL_KINDS: dict[Phase, tuple[str, ...]] = {
    Phase.PRIMARY: (
        "Primary School",
        "Primary School",
        "Primary Academy",
        "Community Primary School",
        "Junior School",
    ),
    Phase.SECONDARY: ("High School", "Academy", "School", "Community College"),
    Phase.ALL_THROUGH: ("All-Through School", "All-Through Academy"),
    Phase.SPECIAL: ("Special School", "School", "Specialist Academy"),
    Phase.ALTERNATIVE_PROVISION: ("Pupil Referral Unit", "Learning Centre"),
    Phase.NURSERY: ("Nursery School",),
    Phase.FIRST: ("First School",),
    Phase.MIDDLE: ("Middle School",),
}
TRUST_WORDS = (
    "Aspire", "Beacon", "Bright", "Compass", "Crescent", "Endeavour", "Evergreen", "Harbour",
    "Horizon", "Keystone", "Lighthouse", "Meridian", "Northern", "Pathway", "Pennine", "Phoenix",
    "Pioneer", "Riverside", "Summit", "Unity", "Valley", "Vantage", "Weald", "Wildflower",
)  # fmt: skip
TRUST_KINDS = (
    "Learning Trust",
    "Academy Trust",
    "Education Trust",
    "Multi-Academy Trust",
    "Schools Trust",
    "Learning Partnership",
    "Education Partnership",
    "Community Trust",
)
POSTCODE_AREAS = (
    "BB", "BD", "BH", "BL", "BN", "BS", "CA", "CB", "CH", "CM", "CO", "CT", "CV", "CW", "DE",
    "DH", "DL", "DN", "DT", "DY", "EX", "GL", "GU", "HD", "HG", "HP", "HR", "HU", "IP", "LA",
    "LE", "LN", "LS", "LU", "ME", "MK", "NE", "NG", "NN", "NR", "OL", "OX", "PE", "PL", "PO",
    "PR", "RG", "SK", "SN", "SO", "SP", "SR", "ST", "SY", "TA", "TF", "TN", "TQ", "TR", "TS",
    "WA", "WF", "WN", "WR", "WS", "WV", "YO",
)  # fmt: skip
DOMAIN_WORDS_MAX = 40  # characters of a school's name in its staff's e-mail domain
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters Royal Mail uses in the inward code

STAGES: dict[Phase, tuple[str, ...]] = {
    Phase.PRIMARY: ("KS1", "KS2", "lower KS2", "upper KS2", "Year 6"),
    Phase.FIRST: ("KS1", "lower KS2", "Year 2"),
    Phase.SECONDARY: ("KS3", "KS4", "Year 7", "Years 10 and 11", "the sixth form"),
    Phase.ALL_THROUGH: ("KS2", "KS3", "the move from Year 6 to Year 7"),
    Phase.MIDDLE: ("KS2", "KS3", "Year 8"),
    Phase.SPECIAL: ("our primary classes", "our secondary classes", "KS3", "KS4"),
    Phase.ALTERNATIVE_PROVISION: ("KS3", "KS4", "Year 11"),
    Phase.NURSERY: ("the nursery", "our two-year-old room", "pre-school"),
}
SUBJECTS = ("writing", "maths", "science", "history", "geography", "English", "RE")
TITLES: dict[str, tuple[str, ...]] = {
    "quality of feedback": (
        "Is our feedback moving learning on in {stage} {subject}?",
        "Does live marking in {stage} lead to better redrafting?",
        "Whole-school feedback policy: consistent and manageable?",
    ),
    "homework": (
        "Does homework in {stage} consolidate what pupils learn in class?",
        "Homework completion and quality in {stage}",
        "Is our homework policy fair to pupils without support at home?",
    ),
    "disadvantaged pupils": (
        "How well does our pupil premium spending close gaps in {stage}?",
        "Are disadvantaged pupils in {stage} getting the full curriculum?",
        "Attendance and attainment of disadvantaged pupils in {stage}",
    ),
    "pastoral systems": (
        "Are our pastoral systems catching concerns early?",
        "Tutor time: how well does it support pupils in {stage}?",
        "Do our pastoral and academic teams share what they know?",
    ),
    "digital technology": (
        "Is our use of devices in {stage} improving learning?",
        "Online learning platforms: are pupils using them well?",
        "Digital skills across the curriculum in {stage}",
    ),
    "cpd provision": (
        "Does our CPD change what happens in classrooms?",
        "Support and mentoring for early career teachers",
        "Instructional coaching: is it making a difference?",
    ),
    "most able": (
        "Are the most able pupils in {stage} stretched?",
        "Challenge for high prior attainers in {stage} {subject}",
    ),
    "wellbeing": (
        "Staff wellbeing and workload: what would make a difference?",
        "Pupil wellbeing: do our interventions help?",
        "Mental health support for pupils in {stage}",
    ),
    "ks2 maths": (
        "Fluency and reasoning in KS2 maths",
        "Are our KS2 maths interventions working?",
        "Times tables and arithmetic in lower KS2",
    ),
    "reading": (
        "Reading for pleasure in {stage}",
        "Are our weakest readers in {stage} catching up?",
        "Whole-class reading in {stage}",
    ),
    "oracy": (
        "Is talk structured to deepen thinking in {stage}?",
        "Oracy across the curriculum",
        "Do pupils in {stage} speak confidently and precisely?",
    ),
    "send": (
        "Adaptive teaching for pupils with SEND in {stage}",
        "Are EHCP outcomes reflected in daily teaching?",
        "How well are teaching assistants deployed for pupils with SEND?",
    ),
    "behaviour": (
        "Is our behaviour policy applied consistently?",
        "Reducing low-level disruption in {stage}",
        "Reintegration after suspension: what works for our pupils?",
    ),
    "attendance": (
        "Persistent absence in {stage}: what works?",
        "Do our attendance procedures act early enough?",
        "Working with families to improve attendance",
    ),
    "early years": (
        "Continuous provision in the early years",
        "Communication and language in the early years",
        "Transition from Reception to Year 1",
    ),
    "curriculum design": (
        "Is our {subject} curriculum well sequenced?",
        "Curriculum coherence across {stage}",
        "Do subject leaders know the curriculum in their subject?",
    ),
    "phonics": (
        "Fidelity to our phonics programme",
        "Keep-up sessions for pupils falling behind in phonics",
        "Phonics and early reading in {stage}",
    ),
    "science": (
        "Practical work in {stage} science",
        "Is scientific vocabulary taught explicitly in {stage}?",
        "Working scientifically in {stage}",
    ),
    "careers": (
        "Does our careers programme meet the Gatsby benchmarks?",
        "Encounters with employers in {stage}",
        "Post-16 guidance for our most vulnerable pupils",
    ),
}


@dataclass(frozen=True)
class _Places:
    """Where the schools are and which town each belongs to (index-aligned arrays)."""

    easting: np.ndarray
    northing: np.ndarray
    town: np.ndarray
    town_count: int

    def km_from(self, school: int, others: np.ndarray) -> np.ndarray:
        return (
            np.hypot(
                self.easting[others] - self.easting[school],
                self.northing[others] - self.northing[school],
            )
            / 1000.0
        )


@dataclass(frozen=True)
class _Layout:
    """Where the schools are, their phases and trusts, and the register rows they stand on."""

    places: _Places
    phase: np.ndarray  # index into PHASES
    trust: np.ndarray  # index into trust_names; -1 standalone
    trust_names: list[str]
    register: SchoolRegister | None  # None: a wholly synthetic cohort


@dataclass(frozen=True)
class _People:
    """The staff of the cohort as index-aligned arrays; ``phases`` is a bit mask over PHASES."""

    school: np.ndarray
    role: np.ndarray
    specialisms: np.ndarray  # bool, staff x AREAS
    phases: np.ndarray
    is_sle: np.ndarray
    lead: np.ndarray
    max_days: np.ndarray


@dataclass(frozen=True)
class _Hosting:
    """Projects as index-aligned arrays (host school and area index)."""

    host: np.ndarray
    area: np.ndarray


def generate_round(
    *,
    schools: int,
    seed: int,
    name: str = "Synthetic cohort — Spring 2027",
    staff_per_school: float = 4.0,
    projects_per_school: float = 1.0,
    sle_share: float = 0.09,
    trust_share: float = 0.45,
    locations: SchoolRegister | str | Path | None = None,
) -> Round:
    """A realistic synthetic round of peer reviews, the same for the same arguments.

    Parameters
    ----------
    schools
        Number of schools (at least 1); ``COHORT_SIZES`` names the usual scales, e.g.
        ``schools=COHORT_SIZES["region"]``. With ``locations``, at most the extract's schools.
    seed
        Seed for every random choice.
    name
        The round's name (``[round] name``).
    staff_per_school
        Average number of staff each school puts forward as reviewers; secondaries put
        forward more than primaries and nurseries fewer. Every school has at least one.
    projects_per_school
        Average number of projects hosted per school, between 0 and 2 (no school hosts more
        than two).
    sle_share
        Share of staff who are Specialist Leaders of Education.
    trust_share
        Share of schools to place in multi-academy trusts of 3 to 15 neighbouring schools;
        small towns may fall a little short. Not used when ``locations`` names real trusts.
    locations
        Real schools to stand the cohort on: ``"trafford"`` or ``"england"`` (the extracts in
        ``<repository>/../shared/data/schools/``), the path of a register extract, or one
        already read with ``matcher.synth.register.load_register``. The cohort takes the ``schools``
        schools nearest one picked by the seed (all of them if ``schools`` is the extract's
        size), with their URNs as ids, real names, postcodes, phases and places, and the
        extract's trusts if it has them (otherwise local trusts are formed as usual).

    Returns
    -------
    Round
        Spring term 2027 (round 3 of academic year 2026/27, with its terms, half term and
        INSET day), with the inputs of the programmes as they really run
        (``matcher.synth.programme``: projects with two areas or needing a senior leader or a
        head, schools capping leaders out a day or their cover cost, SLEs with their own
        allowance, a school rotation of one round; drawn from a stream of their own, over the
        cohort ``drawn_round`` gives), with schools located by easting/northing (or by
        latitude/longitude, if the register extract gives those), staff, projects, conflicts,
        two previous rounds of history, preferences and a few availability rows (mock exam
        weeks, residential trips, inspection windows, staff on courses, preferred days). Under
        the default rules most projects have several eligible reviewers; a few (remote schools,
        rare phases, rare areas needing an SLE) are genuinely hard.

    Raises
    ------
    ValueError
        For an argument out of range.
    LocationsError
        (a ValueError) If the register extract is missing or unreadable, or has fewer usable
        schools than ``schools``.
    """
    drawn = drawn_round(
        schools=schools,
        seed=seed,
        name=name,
        staff_per_school=staff_per_school,
        projects_per_school=projects_per_school,
        sle_share=sle_share,
        trust_share=trust_share,
        locations=locations,
    )
    return add_programme_shapes(drawn, seed=seed, area_weights=AREA_WEIGHTS)


def drawn_round(
    *,
    schools: int,
    seed: int,
    name: str,
    staff_per_school: float,
    projects_per_school: float,
    sle_share: float,
    trust_share: float,
    locations: SchoolRegister | str | Path | None,
) -> Round:
    """``generate_round`` without the #19 programme inputs: the cohort as the same seed gave
    it before they existed (every draw of it comes from the main stream)."""
    _check_arguments(schools, staff_per_school, projects_per_school, sle_share, trust_share)
    register = _read_locations(locations)
    rng = np.random.default_rng(seed)
    picker = random.Random(int(rng.integers(2**63)))

    with _cyclic_gc_paused():
        layout = _lay_out(rng, picker, schools, register, trust_share)
        phase = layout.phase
        staff_count = _staff_counts(rng, phase, staff_per_school)
        people = _draw_people(rng, phase, staff_count, sle_share)
        hosting = _draw_projects(rng, phase, projects_per_school)

        school_models = _school_models(rng, picker, layout, staff_count)
        staff_models = _staff_models(picker, people, school_models)
        project_models = _project_models(rng, picker, hosting, phase, school_models)
        context = _Context.of(layout, people, hosting, school_models, staff_models)
        return Round(
            settings=Settings(
                name=name,
                number=ROUND_NUMBER,
                academic_year=ACADEMIC_YEAR,
                start=ROUND_START,
                end=ROUND_END,
                coordinator_email=COORDINATOR_EMAIL,
                calendar=SPRING_2027,
            ),
            schools=tuple(school_models),
            staff=tuple(staff_models),
            projects=tuple(with_visit_kinds(seed, project_models)),
            conflicts=tuple(_conflicts(picker, context)),
            history=tuple(_history(picker, context)),
            preferences=tuple(_preferences(picker, context, project_models)),
            availability=tuple(_availability(seed, phase, school_models, staff_models)),
        )


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a cohort is built, and restore it after.

    A nation-sized cohort is a quarter of a million long-lived objects and no reference
    cycles; the collector would otherwise rescan them again and again as they accumulate, for
    about a fifth of the run time, and find nothing. Reference counting still frees garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_arguments(
    schools: int,
    staff_per_school: float,
    projects_per_school: float,
    sle_share: float,
    trust_share: float,
) -> None:
    if schools < 1:
        raise ValueError(f"schools must be at least 1, not {schools}")
    if staff_per_school <= 0:
        raise ValueError(f"staff_per_school must be positive, not {staff_per_school}")
    if not 0 <= projects_per_school <= 2:
        raise ValueError(f"projects_per_school must be between 0 and 2, not {projects_per_school}")
    for label, share in (("sle_share", sle_share), ("trust_share", trust_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"{label} must be between 0 and 1, not {share}")


# --- places ---------------------------------------------------------------------------------


def _read_locations(locations: SchoolRegister | str | Path | None) -> SchoolRegister | None:
    if locations is None or isinstance(locations, SchoolRegister):
        return locations
    return load_register(locations)


def _lay_out(
    rng: np.random.Generator,
    picker: random.Random,
    schools: int,
    register: SchoolRegister | None,
    trust_share: float,
) -> _Layout:
    """Places, phases and trusts: invented, or taken from a neighbourhood of real schools."""
    if register is None:
        places = _place_schools(rng, schools)
        phase = _assign_phases(rng, schools)
        trust, trust_names = _form_trusts(rng, picker, places, trust_share)
        return _Layout(places, phase, trust, trust_names, None)
    register = register.around(schools, centre=int(rng.integers(len(register))))
    places = _register_places(register)
    phase = np.array([_P[school.phase] for school in register.schools])
    if register.names_trusts:
        trust, trust_names = _register_trusts(register)
    else:
        trust, trust_names = _form_trusts(rng, picker, places, trust_share)
    return _Layout(places, phase, trust, trust_names, register)


def _register_places(register: SchoolRegister) -> _Places:
    """Real schools on a flat map in metres; each local authority stands in for a town."""
    points = np.array(register.planar_km()) * 1000.0
    town, town_count = _labels([school.area for school in register.schools])
    return _Places(easting=points[:, 0], northing=points[:, 1], town=town, town_count=town_count)


def _register_trusts(register: SchoolRegister) -> tuple[np.ndarray, list[str]]:
    """The extract's own trusts (-1 for a school in none), numbered in order of first mention."""
    numbers: dict[str, int] = {}
    trust = [
        -1 if school.trust is None else numbers.setdefault(school.trust, len(numbers))
        for school in register.schools
    ]
    return np.array(trust, dtype=np.int64), list(numbers)


def _labels(values: list[str]) -> tuple[np.ndarray, int]:
    """Each value's number, counting distinct values in order of first appearance."""
    numbers: dict[str, int] = {}
    labels = [numbers.setdefault(value, len(numbers)) for value in values]
    return np.array(labels, dtype=np.int64), len(numbers)


def _inside_england(easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
    """Even-odd ray casting against ENGLAND_OUTLINE_KM, for many points at once."""
    outline = np.asarray(ENGLAND_OUTLINE_KM) * 1000.0
    x0, y0 = outline[:, 0], outline[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    px, py = easting[:, None], northing[:, None]
    straddles = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing_x = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    crosses = straddles & (px < crossing_x)
    return np.count_nonzero(crosses, axis=1) % 2 == 1


def _random_points_in_england(rng: np.random.Generator, count: int) -> np.ndarray:
    outline = np.asarray(ENGLAND_OUTLINE_KM) * 1000.0
    low, high = outline.min(axis=0), outline.max(axis=0)
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        # England fills about half of its bounding box, so three tries per point is plenty.
        points = rng.uniform(low, high, size=(3 * (count - total) + 8, 2))
        points = points[_inside_england(points[:, 0], points[:, 1])]
        found.append(points)
        total += len(points)
    return np.concatenate(found)[:count]


def _place_schools(rng: np.random.Generator, count: int) -> _Places:
    """Towns with dense centres and a rural halo, plus a few remote schools anywhere."""
    town_count = max(1, round(count / SCHOOLS_PER_TOWN))
    centres = _random_points_in_england(rng, town_count)
    # Town sizes vary a lot, like real ones; the spread of a town grows with its size.
    size = rng.lognormal(0.0, 0.6, town_count)
    share = size / size.sum()
    urban_sigma = np.interp(share / share.max(), [0, 1], URBAN_SIGMA_M)
    town = rng.choice(town_count, size=count, p=share)
    rural = rng.random(count) < RURAL_SHARE
    sigma = np.where(rural, RURAL_SIGMA_M, urban_sigma[town])
    points = _scatter(rng, centres[town], sigma)
    remote = rng.random(count) < REMOTE_SHARE
    if remote.any():
        points[remote] = _random_points_in_england(rng, int(remote.sum()))
        town[remote] = _nearest(points[remote], centres)
    return _Places(
        easting=np.round(points[:, 0]),
        northing=np.round(points[:, 1]),
        town=town,
        town_count=town_count,
    )


def _scatter(rng: np.random.Generator, centres: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Points normally spread around their centres, redrawn while they fall outside England."""
    points = centres + rng.normal(size=centres.shape) * sigma[:, None]
    for _ in range(10):
        outside = ~_inside_england(points[:, 0], points[:, 1])
        if not outside.any():
            break
        points[outside] = centres[outside] + (
            rng.normal(size=(int(outside.sum()), 2)) * sigma[outside, None]
        )
    else:
        points[outside] = centres[outside]
    return points


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    # Remote schools are few, so a dense points x towns distance table stays small.
    distance = np.hypot(
        points[:, None, 0] - centres[None, :, 0], points[:, None, 1] - centres[None, :, 1]
    )
    return distance.argmin(axis=1)


def _group(labels: np.ndarray, count: int) -> list[np.ndarray]:
    """Indices of each label 0..count-1, in ascending order."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(count)]


# --- schools --------------------------------------------------------------------------------


def _quota(rng: np.random.Generator, shares: np.ndarray, count: int) -> np.ndarray:
    """Exactly ``count`` labels in the given shares (largest remainder), in random order."""
    exact = shares / shares.sum() * count
    counts = np.floor(exact).astype(int)
    remainder_order = np.argsort(-(exact - counts), kind="stable")
    counts[remainder_order[: count - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _assign_phases(rng: np.random.Generator, count: int) -> np.ndarray:
    shares = np.array([PHASE_SHARES[phase] for phase in PHASES])
    return _quota(rng, shares, count)


def _form_trusts(
    rng: np.random.Generator, picker: random.Random, places: _Places, share: float
) -> tuple[np.ndarray, list[str]]:
    """Trust index per school (-1 standalone): each trust is a seed school and its neighbours."""
    trust = np.full(len(places.town), -1)
    names: list[str] = []
    taken: set[str] = set()
    for members in _group(places.town, places.town_count):
        pool = rng.permutation(members)
        wanted = round(share * len(members))
        while wanted >= TRUST_SIZES[0] and len(pool) >= TRUST_SIZES[0]:
            drawn = picker.choices(TRUST_SIZES, weights=TRUST_SIZE_ODDS)[0]
            size = min(drawn, wanted, len(pool))
            if size < TRUST_SIZES[0]:
                break
            km = places.km_from(pool[0], pool)
            closest = np.argsort(km, kind="stable")[:size]
            closest = closest[km[closest] <= TRUST_REACH_KM]
            if len(closest) < TRUST_SIZES[0]:
                # An outlying school with too few neighbours stays standalone.
                pool = pool[1:]
                continue
            trust[pool[closest]] = len(names)
            names.append(_trust_name(picker, taken))
            pool = np.delete(pool, closest)
            wanted -= len(closest)
    return trust, names


def _trust_name(picker: random.Random, taken: set[str]) -> str:
    """An unused trust name: an aspirational word or an invented place, and a kind of trust."""
    for _ in range(50):
        if picker.random() < 0.5:
            word = picker.choice(TRUST_WORDS)
        else:
            word = picker.choice(NAME_STEMS) + picker.choice(NAME_ENDINGS)
        name = f"{word} {picker.choice(TRUST_KINDS)}"
        if name not in taken:
            break
    else:
        # The word lists are nearly used up (huge cohorts): number the duplicates.
        name = f"{name} {len(taken) + 1}"
    taken.add(name)
    return name


def _staff_counts(rng: np.random.Generator, phase: np.ndarray, per_school: float) -> np.ndarray:
    size = np.array([STAFF_SIZE[p] for p in PHASES])[phase]
    mean = per_school * size / size.mean()
    return np.maximum(1, rng.poisson(mean))


@dataclass(frozen=True)
class _Sites:
    """What tells schools apart beyond phase and trust: id, name, postcode and location."""

    ids: list[str]
    names: list[str]
    postcodes: list[str | None]
    locations: list[dict[str, float]]  # School fields: easting/northing or latitude/longitude


def _school_models(
    rng: np.random.Generator, picker: random.Random, layout: _Layout, staff_count: np.ndarray
) -> list[School]:
    phase, trust, names = layout.phase, layout.trust, layout.trust_names
    if layout.register is None:
        sites = _invented_sites(rng, picker, layout.places, phase)
    else:
        sites = _register_sites(layout.register)
    out_per_day, release_days = _capacities(rng, phase, staff_count)
    return [
        School(
            school_id=sites.ids[i],
            name=sites.names[i],
            phase=PHASES[phase[i]],
            trust=names[trust[i]] if trust[i] >= 0 else None,
            postcode=sites.postcodes[i],
            max_staff_out_per_day=int(out_per_day[i]),
            release_days=int(release_days[i]),
            **cast(dict[str, Any], sites.locations[i]),  # one of School's location pairs
        )
        for i in range(len(phase))
    ]


def _invented_sites(
    rng: np.random.Generator, picker: random.Random, places: _Places, phase: np.ndarray
) -> _Sites:
    ids = _school_ids(rng, len(phase))
    names = [_school_name(picker, PHASES[p]) for p in phase]
    postcodes: list[str | None] = list(_postcodes(rng, places))
    locations = [
        {"easting": e, "northing": n}
        for e, n in zip(places.easting.tolist(), places.northing.tolist(), strict=True)
    ]
    return _Sites(ids, names, postcodes, locations)


def _register_sites(register: SchoolRegister) -> _Sites:
    """Real URNs, names, postcodes and places (a GridRef or LatLon's fields are School's)."""
    schools = register.schools
    return _Sites(
        ids=[school.urn for school in schools],
        names=[school.name for school in schools],
        postcodes=[school.postcode for school in schools],
        locations=[school.location._asdict() for school in schools],
    )


def _school_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Unique six-digit URN-like ids, ascending as in a register extract."""
    pool = max(100_000, 5 * count)
    if count > 899_999:
        raise ValueError("too many schools for six-digit ids")
    chosen = np.sort(rng.choice(min(pool, 900_000), size=count, replace=False)) + 100_000
    return [str(v) for v in chosen]


def _school_name(picker: random.Random, phase: Phase) -> str:
    kind = picker.choice(SCHOOL_KINDS[phase])
    style = picker.random()
    if style < 0.1 and phase in (Phase.PRIMARY, Phase.SECONDARY):
        faith = "CofE" if phase is Phase.PRIMARY and picker.random() < 0.6 else "Catholic"
        return f"St {picker.choice(SAINTS)}'s {faith} {kind}"
    place = picker.choice(NAME_STEMS) + picker.choice(NAME_ENDINGS)
    if style < 0.3:
        return f"{place} {picker.choice(NAME_FEATURES)} {kind}"
    return f"{place} {kind}"


def _postcodes(rng: np.random.Generator, places: _Places) -> list[str]:
    """Well-formed but invented postcodes; a town shares one area and nearby districts."""
    area = rng.choice(POSTCODE_AREAS, size=places.town_count)
    district_base = rng.integers(1, 30, size=places.town_count)
    district = district_base[places.town] + rng.integers(0, 4, size=len(places.town))
    sector = rng.integers(1, 10, size=len(places.town))
    letters = rng.choice(list(POSTCODE_UNIT_LETTERS), size=(len(places.town), 2))
    return [
        f"{area[t]}{d} {s}{a}{b}"
        for t, d, s, (a, b) in zip(places.town, district, sector, letters, strict=True)
    ]


def _capacities(
    rng: np.random.Generator, phase: np.ndarray, staff_count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Staff a school can release on one day (1-3) and in the round (6-20 days)."""
    large = np.isin(phase, [_P[Phase.SECONDARY], _P[Phase.ALL_THROUGH]])
    mainstream = large | np.isin(phase, [_P[Phase.PRIMARY], _P[Phase.MIDDLE]])
    out_per_day = 1 + large + (mainstream & (rng.random(len(phase)) < 0.5))
    release = np.clip(np.round(6 + 2.2 * staff_count + rng.normal(0, 2, len(phase))), 6, 20)
    return out_per_day.astype(int), release.astype(int)


# --- people ---------------------------------------------------------------------------------


def _draw_people(
    rng: np.random.Generator, phase: np.ndarray, staff_count: np.ndarray, sle_share: float
) -> _People:
    school = np.repeat(np.arange(len(phase)), staff_count)
    role = _roles(rng, school)
    is_sle, lead, max_days = _experience(rng, role, sle_share)
    specialisms = _specialisms(rng, phase[school], role, is_sle)
    return _People(
        school=school,
        role=role,
        specialisms=specialisms,
        phases=_phases(rng, phase[school], specialisms),
        is_sle=is_sle,
        lead=lead,
        max_days=max_days,
    )


def _roles(rng: np.random.Generator, school: np.ndarray) -> np.ndarray:
    shares = np.array([ROLE_SHARES[r] for r in ROLES])
    role = rng.choice(len(ROLES), size=len(school), p=shares / shares.sum())
    # A school has one headteacher; any other drawn as head is a senior leader.
    head = np.flatnonzero(role == ROLES.index(Role.HEADTEACHER))
    _, first = np.unique(school[head], return_index=True)
    extra = np.setdiff1d(head, head[first])
    role[extra] = ROLES.index(Role.SENIOR_LEADER)
    return role


def _weight_table(weights: dict[str, float]) -> np.ndarray:
    return np.array([weights.get(area, 0.0) for area in AREAS])


def _specialisms(
    rng: np.random.Generator, phase: np.ndarray, role: np.ndarray, is_sle: np.ndarray
) -> np.ndarray:
    """1-3 distinct areas per person, weighted by phase (or by role for business leaders).

    SLEs are designated for their breadth of expertise, so they always have at least two.

    Weighted sampling without replacement in one go: the k largest of log(weight) + Gumbel noise
    are a weighted draw of k distinct items.
    """
    tables = np.array(
        [_weight_table(AREA_WEIGHTS[p]) for p in PHASES] + [_weight_table(BUSINESS_AREAS)]
    )
    kind = np.where(role == ROLES.index(Role.BUSINESS_LEADER), len(PHASES), phase)
    with np.errstate(divide="ignore"):
        keys = np.log(tables[kind]) + rng.gumbel(size=(len(kind), len(AREAS)))
    ranked = np.argsort(-keys, axis=1)[:, :3]
    how_many = np.where(
        is_sle,
        rng.choice([2, 3], size=len(kind), p=[0.4, 0.6]),
        rng.choice([1, 2, 3], size=len(kind), p=[0.25, 0.45, 0.3]),
    )
    chosen = np.zeros((len(kind), len(AREAS)), dtype=bool)
    for k in range(3):
        rows = np.flatnonzero(how_many > k)
        chosen[rows, ranked[rows, k]] = True
    return chosen


def _bit(phase: Phase) -> int:
    return 1 << _P[phase]


def _phases(rng: np.random.Generator, own: np.ndarray, specialisms: np.ndarray) -> np.ndarray:
    """Bit mask of phases each person reviews: their own, implied ones and sometimes one more."""
    mask = np.left_shift(1, own)
    for phase, implied in IMPLIED_PHASES.items():
        for extra in implied:
            mask[own == _P[phase]] |= _bit(extra)
    adds_one = rng.random(len(own)) < ADJACENT_CHANCE
    for phase, odds in ADJACENT_PHASES.items():
        rows = np.flatnonzero(adds_one & (own == _P[phase]))
        options = np.array([_bit(p) for p in odds])
        weights = np.array(list(odds.values()))
        mask[rows] |= rng.choice(options, size=len(rows), p=weights / weights.sum())
    for area, from_phases, reaches, chance in SPECIALIST_REACH:
        eligible = specialisms[:, AREAS.index(area)] & np.isin(own, [_P[p] for p in from_phases])
        mask[eligible & (rng.random(len(own)) < chance)] |= _bit(reaches)
    return mask


def _experience(
    rng: np.random.Generator, role: np.ndarray, sle_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SLE designation (an exact share), lead-reviewer training and days offered."""
    count = len(role)
    odds = np.array([SLE_ODDS[r] for r in ROLES])[role]
    sle_count = min(round(sle_share * count), int(np.count_nonzero(odds)))
    is_sle = np.zeros(count, dtype=bool)
    if sle_count:
        is_sle[rng.choice(count, size=sle_count, replace=False, p=odds / odds.sum())] = True
    lead_chance = np.array([LEAD_CHANCE[r] for r in ROLES])[role]
    lead = is_sle | (rng.random(count) < lead_chance)
    # SLEs are released for outreach work, so they offer more days than other reviewers.
    max_days = np.where(
        is_sle,
        rng.integers(5, 9, size=count),
        rng.choice([2, 3, 4, 5, 6], size=count, p=[0.15, 0.3, 0.3, 0.15, 0.1]),
    )
    return is_sle, lead, max_days


def _staff_models(picker: random.Random, people: _People, schools: list[School]) -> list[Staff]:
    count = len(people.school)
    width = max(4, len(str(count)))
    domains = _email_domains(schools)
    used: set[str] = set()
    # Few distinct specialism and phase combinations occur, so each frozenset is built once.
    area_codes = people.specialisms.astype(np.int64) @ (1 << np.arange(len(AREAS)))
    area_sets = {
        code: frozenset(a for i, a in enumerate(AREAS) if code >> i & 1)
        for code in np.unique(area_codes).tolist()
    }
    phase_sets = {
        code: frozenset(p for p in PHASES if code & _bit(p))
        for code in np.unique(people.phases).tolist()
    }
    models = []
    for i, (school, role, areas, phases, sle, lead, days) in enumerate(
        zip(
            people.school.tolist(),
            people.role.tolist(),
            area_codes.tolist(),
            people.phases.tolist(),
            people.is_sle.tolist(),
            people.lead.tolist(),
            people.max_days.tolist(),
            strict=True,
        )
    ):
        first, last = picker.choice(FIRST_NAMES), picker.choice(LAST_NAMES)
        models.append(
            Staff(
                staff_id=f"S{i + 1:0{width}d}",
                name=f"{first} {last}",
                email=_email(first, last, domains[school], used),
                school_id=schools[school].school_id,
                role=ROLES[role],
                specialisms=area_sets[areas],
                phases=phase_sets[phases],
                is_sle=sle,
                lead_reviewer=lead,
                max_days=days,
            )
        )
    return models


@functools.lru_cache(maxsize=4096)  # a few hundred first and last names make most e-mails
def _slug(text: str) -> str:
    text = text.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _email_domains(schools: list[School]) -> list[str]:
    """One example.org domain per school; schools that share a name get numbered domains."""
    seen: dict[str, int] = defaultdict(int)
    domains = []
    for school in schools:
        base = _slug(school.name.replace(" School", ""))
        if len(base) > DOMAIN_WORDS_MAX:
            # Real names run long ("... Church of England Voluntary Aided Primary"); a DNS
            # label stops at 63 characters, so keep the whole words that fit.
            base = base[: DOMAIN_WORDS_MAX + 1].rsplit("-", 1)[0]
        seen[base] += 1
        suffix = f"-{seen[base]}" if seen[base] > 1 else ""
        domains.append(f"{base}{suffix}.example.org")
    return domains


def _email(first: str, last: str, domain: str, used: set[str]) -> str:
    local = f"{_slug(first)}.{_slug(last)}"
    email = f"{local}@{domain}"
    number = 1
    while email in used:
        number += 1
        email = f"{local}{number}@{domain}"
    used.add(email)
    return email


# --- projects -------------------------------------------------------------------------------


def _draw_projects(rng: np.random.Generator, phase: np.ndarray, per_school: float) -> _Hosting:
    """Zero, one or two projects per school, in distinct areas suited to its phase."""
    if per_school <= 1:
        odds = [1 - 0.9 * per_school, 0.8 * per_school, 0.1 * per_school]
    else:
        more = per_school - 1
        odds = [0.1 - 0.1 * more, 0.8 - 0.8 * more, 0.1 + 0.9 * more]
    counts = rng.choice(3, size=len(phase), p=np.clip(odds, 0, 1))
    tables = np.array([_weight_table(AREA_WEIGHTS[p]) for p in PHASES])
    with np.errstate(divide="ignore"):
        keys = np.log(tables[phase]) + rng.gumbel(size=(len(phase), len(AREAS)))
    ranked = np.argsort(-keys, axis=1)
    host = np.repeat(np.arange(len(phase)), counts)
    nth = np.arange(len(host)) - np.repeat(np.cumsum(counts) - counts, counts)
    return _Hosting(host=host, area=ranked[host, nth])


def _project_models(
    rng: np.random.Generator,
    picker: random.Random,
    hosting: _Hosting,
    phase: np.ndarray,
    schools: list[School],
) -> list[Project]:
    count = len(hosting.host)
    width = max(4, len(str(count)))
    min_reviewers = rng.choice([1, 2], size=count, p=[0.65, 0.35])
    max_reviewers = np.maximum(2, min_reviewers + rng.integers(0, 2, size=count))
    needs_lead = rng.random(count) < 0.65
    needs_sle = rng.random(count) < 0.2
    visits = rng.choice([1, 2, 3], size=count, p=[0.45, 0.4, 0.15])
    # Two-day visits are for short programmes: nobody is asked for more than four days.
    visit_days = np.where((visits < 3) & (rng.random(count) < 0.3), 2, 1)
    first_week = rng.integers(0, 7, size=count)
    weeks = rng.integers(3, TERM_WEEKS + 1, size=count)
    models = []
    for i in range(count):
        host = int(hosting.host[i])
        area = AREAS[hosting.area[i]]
        earliest = ROUND_START + dt.timedelta(weeks=int(first_week[i]))
        # Windows run Monday to Friday and never past the end of term. They count teaching
        # weeks, so a window that spans half term gets that week back.
        latest = earliest + dt.timedelta(weeks=int(weeks[i]), days=-3)
        if earliest <= HALF_TERM.end and HALF_TERM.start <= latest:
            latest += dt.timedelta(weeks=1)
        latest = min(ROUND_END, latest)
        models.append(
            Project(
                project_id=f"P{i + 1:0{width}d}",
                host_school_id=schools[host].school_id,
                area=area,
                title=_title(picker, area, PHASES[phase[host]]),
                min_reviewers=int(min_reviewers[i]),
                max_reviewers=int(max_reviewers[i]),
                needs_lead=bool(needs_lead[i]),
                needs_sle=bool(needs_sle[i]),
                visits=int(visits[i]),
                visit_days=int(visit_days[i]),
                earliest=earliest,
                latest=latest,
            )
        )
    return models


def _title(picker: random.Random, area: str, phase: Phase) -> str:
    template = picker.choice(TITLES[area])
    return template.format(stage=picker.choice(STAGES[phase]), subject=picker.choice(SUBJECTS))


# --- conflicts, history and preferences -----------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Plain-list views of the cohort for the per-person loops below.

    Those loops touch a handful of schools per person, where numpy's per-call overhead would
    cost more than the arithmetic, so the arrays are converted to lists once here.
    """

    easting: list[float]
    northing: list[float]
    town: list[int]
    trust: list[int]
    phase_bit: list[int]
    by_town: list[list[int]]
    staff_school: list[int]
    staff_phases: list[int]
    staff_areas: list[list[int]]
    project_host: list[int]
    project_area: list[int]
    schools: list[School]
    staff: list[Staff]

    @classmethod
    def of(
        cls,
        layout: _Layout,
        people: _People,
        hosting: _Hosting,
        schools: list[School],
        staff: list[Staff],
    ) -> _Context:
        places, phase, trust = layout.places, layout.phase, layout.trust
        return cls(
            easting=places.easting.tolist(),
            northing=places.northing.tolist(),
            town=places.town.tolist(),
            trust=trust.tolist(),
            phase_bit=np.left_shift(1, phase).tolist(),
            by_town=[m.tolist() for m in _group(places.town, places.town_count)],
            staff_school=people.school.tolist(),
            staff_phases=people.phases.tolist(),
            staff_areas=[np.flatnonzero(row).tolist() for row in people.specialisms],
            project_host=hosting.host.tolist(),
            project_area=hosting.area.tolist(),
            schools=schools,
            staff=staff,
        )

    def within_reach(self, a: int, b: int) -> bool:
        dx, dy = self.easting[a] - self.easting[b], self.northing[a] - self.northing[b]
        return math.hypot(dx, dy) <= NEIGHBOUR_KM * 1000.0

    def outside_trust(self, a: int, b: int) -> bool:
        return self.trust[a] < 0 or self.trust[a] != self.trust[b]

    def neighbour(self, picker: random.Random, school: int, tries: int = 6) -> int | None:
        """A random other school of the same town, outside the trust and within reach."""
        members = self.by_town[self.town[school]]
        for _ in range(tries):
            other = members[picker.randrange(len(members))]
            if (
                other != school
                and self.outside_trust(school, other)
                and self.within_reach(school, other)
            ):
                return other
        return None

    def reviewable_by(self, person: int) -> Callable[[int], bool]:
        """Whether ``person`` could review a project: another school, outside the trust, a
        phase they review, within reach.

        A closure over the person's own values, because preferences ask it about every nearby
        project of every other person: close to a million times for the whole of England.
        """
        school, phases = self.staff_school[person], self.staff_phases[person]
        own_trust, x, y = self.trust[school], self.easting[school], self.northing[school]
        hosts, phase_bit, trust = self.project_host, self.phase_bit, self.trust
        easting, northing, reach = self.easting, self.northing, NEIGHBOUR_KM * 1000.0

        def reviewable(project: int) -> bool:
            host = hosts[project]
            return (
                host != school
                and phases & phase_bit[host] != 0
                and (own_trust < 0 or own_trust != trust[host])
                and math.hypot(x - easting[host], y - northing[host]) <= reach
            )

        return reviewable


def _conflicts(picker: random.Random, ctx: _Context) -> list[Conflict]:
    count = len(ctx.staff)
    chosen = sorted(picker.sample(range(count), round(CONFLICT_SHARE * count)))
    conflicts = []
    for i in chosen:
        other = ctx.neighbour(picker, ctx.staff_school[i])
        if other is not None:
            conflicts.append(
                Conflict(
                    staff_id=ctx.staff[i].staff_id,
                    school_id=ctx.schools[other].school_id,
                    reason=picker.choice(CONFLICT_REASONS),
                )
            )
    return conflicts


def _history(picker: random.Random, ctx: _Context) -> list[HistoryEntry]:
    """Reviews given in the two previous rounds (summer 2026, then autumn 2026)."""
    entries = []
    for back, year in ((2, PREVIOUS_ACADEMIC_YEAR), (1, ACADEMIC_YEAR)):
        for i, person in enumerate(ctx.staff):
            if picker.random() >= HISTORY_CHANCE[person.is_sle]:
                continue
            host = ctx.neighbour(picker, ctx.staff_school[i])
            if host is None:
                continue
            days = picker.randint(2, 7) if person.is_sle else picker.randint(1, 4)
            entries.append(
                HistoryEntry(
                    round=ROUND_NUMBER - back,
                    staff_id=person.staff_id,
                    host_school_id=ctx.schools[host].school_id,
                    days=days,
                    academic_year=year,
                )
            )
    return entries


def _preferences(picker: random.Random, ctx: _Context, projects: list[Project]) -> list[Preference]:
    """About half the staff rank 1-3 nearby projects in their areas; a few mark one negative."""
    by_town_area: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_town: dict[int, list[int]] = defaultdict(list)
    for p, (host, area) in enumerate(zip(ctx.project_host, ctx.project_area, strict=True)):
        by_town_area[(ctx.town[host], area)].append(p)
        by_town[ctx.town[host]].append(p)

    preferences: list[Preference] = []
    for i, person in enumerate(ctx.staff):
        town = ctx.town[ctx.staff_school[i]]
        reviewable = ctx.reviewable_by(i)
        ranked: list[int] = []
        if picker.random() < PREFERENCE_SHARE:
            candidates = [p for a in ctx.staff_areas[i] for p in by_town_area.get((town, a), ())]
            liked = [p for p in candidates if reviewable(p)]
            picker.shuffle(liked)
            ranked = liked[: picker.randint(1, 3)]
        scores = [(p, 3 - rank) for rank, p in enumerate(ranked)]
        if picker.random() < NEGATIVE_PREFERENCE_SHARE:
            disliked = [p for p in by_town.get(town, ()) if p not in ranked and reviewable(p)]
            if disliked:
                scores.append((picker.choice(disliked), -picker.randint(1, 3)))
        preferences.extend(
            Preference(staff_id=person.staff_id, project_id=projects[p].project_id, preference=v)
            for p, v in scores
        )
    return preferences


# --- availability -----------------------------------------------------------------------------


def _monday(week: int) -> dt.date:
    return ROUND_START + dt.timedelta(weeks=week)


def _term_weekdays() -> list[dt.date]:
    """Weekdays of the terms, less INSET days: the days a course or a wish may fall on."""
    days = []
    for term in SPRING_2027.terms:
        day = term.start
        while day <= term.end:
            if day.weekday() < 5 and day not in SPRING_2027.inset_days:
                days.append(day)
            day += dt.timedelta(days=1)
    return days


def _availability(
    seed: int, phase: np.ndarray, schools: list[School], staff: list[Staff]
) -> list[Availability]:
    """A few closures and wishes, as a coordinator would collect them (SCHOOL_DAYS, then staff
    on courses and staff preferring a day).

    Every random number is drawn in arrays the size of the cohort, so the rows depend only on
    the seed and the cohort, and only the few rows chosen become objects.
    """
    rng = np.random.default_rng([seed, AVAILABILITY_STREAM])
    term_weeks = tuple(w for w in range(TERM_WEEKS) if _monday(w) not in HALF_TERM)
    rows: list[Availability] = []
    for spec in SCHOOL_DAYS:
        chance = rng.random(len(schools))
        week = rng.choice(spec.weeks or term_weeks, size=len(schools))
        chosen = chance < spec.chance
        if spec.phases:
            chosen &= np.isin(phase, [_P[p] for p in spec.phases])
        for i in np.flatnonzero(chosen).tolist():
            monday = _monday(int(week[i]))
            first, last = (monday + dt.timedelta(days=d) for d in (spec.first_day, spec.last_day))
            rows.append(_available(schools[i].school_id, first, last, spec.kind, spec.note))

    weekdays = _term_weekdays()
    away = rng.random(len(staff)) < STAFF_AWAY_CHANCE
    away_day = rng.integers(len(weekdays), size=len(staff))
    two_days = rng.random(len(staff)) < TWO_DAY_COURSE_CHANCE
    liked = rng.random(len(staff)) < STAFF_PREFERRED_CHANCE
    liked_day = rng.integers(len(weekdays), size=len(staff))
    for i in np.flatnonzero(away).tolist():
        day = weekdays[int(away_day[i])]
        # A two-day course runs on consecutive weekdays, so it never starts on a Friday.
        last = day + dt.timedelta(days=1) if two_days[i] and day.weekday() < 4 else day
        rows.append(_available(staff[i].staff_id, day, last, "unavailable", "course"))
    for i in np.flatnonzero(liked).tolist():
        day = weekdays[int(liked_day[i])]
        rows.append(_available(staff[i].staff_id, day, day, "preferred", ""))
    return rows


def _available(some_id: str, start: dt.date, end: dt.date, kind: str, note: str) -> Availability:
    return Availability.model_validate(
        {"id": some_id, "start": start, "end": end, "kind": kind, "note": note}
    )
