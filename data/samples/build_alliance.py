"""Build data/samples/alliance, the bundled sample round that ``make demo`` plans.

Run from the repository root::

    .venv/bin/python data/samples/build_alliance.py

The committed files in data/samples/alliance are the sample; this script records how they were
made so they can be rebuilt or varied. It is deterministic (one seed, fixed dates).

The Mersey Vale Alliance is fictional: 27 schools around Sale and Altrincham, three trusts and
thirteen standalone schools, about a hundred reviewers. Schools, trusts, people and postcodes are
invented; e-mail addresses use example.org. Schools, the SLEs, the projects and the conflicts
are written out below. Other staff are drawn at random, and a coverage pass then gives a few
people one more specialism so that every project but one has a comfortable choice of
reviewers.

The one exception is deliberate. Brookside School asks for a review of Makaton and signing.
Only two people list that specialism: Hannah Okafor works at Ashgrove Primary, in Brookside's
own trust, and Sam Whitaker is a governor of Brookside. Both are ruled out, so the demo shows
how the matcher explains a project it cannot staff.

Visits are dated within the spring term 2027: two half terms around the February half-term
week, an INSET day on the first day back, and Good Friday (the last day of the round) a bank
holiday. availability.csv holds the closures and wishes a coordinator would collect: a mock
exam week, an Ofsted inspection window, a residential trip, a few staff away on a course and
a few preferred days. They are placed so that every project the matcher staffs can still be
dated.

Two schools that reviewed each other last round are not paired again (rules.school_rotation_rounds
= 1; history.csv names each reviewer's school), and Oakwood Academy caps what it spends on cover
(schools.csv cover_budget), which the plan reaches.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from matcher.io.write import write_round
from matcher.model import (
    Availability,
    CalendarSettings,
    ClusterSettings,
    Conflict,
    DateRange,
    HistoryEntry,
    Phase,
    Preference,
    Project,
    Role,
    Round,
    Rules,
    School,
    Settings,
    Staff,
)
from matcher.synth.cohort import FIRST_NAMES, LAST_NAMES
from matcher.travel import LatLon, estimate_minutes

SEED = 2027
OUT = Path(__file__).resolve().parent / "alliance"

# Spring term 2027: half term is 15-19 February, between the two terms; Good Friday (26 March)
# is a bank holiday, which the calendar skips without being told.
CALENDAR = CalendarSettings(
    terms=(
        DateRange(start=dt.date(2027, 1, 4), end=dt.date(2027, 2, 12)),
        DateRange(start=dt.date(2027, 2, 22), end=dt.date(2027, 3, 26)),
    ),
    inset_days=(dt.date(2027, 1, 4),),
)
SETTINGS = Settings(
    name="Mersey Vale Alliance — Spring 2027 peer review",
    number=3,
    academic_year="2026/27",
    start=dt.date(2027, 1, 4),
    end=dt.date(2027, 3, 26),
    coordinator_email="peer.review@merseyvale-alliance.example.org",
    calendar=CALENDAR,
    # Two schools that reviewed each other last round (either way) are not paired again.
    rules=Rules(school_rotation_rounds=1),
    # Clusters of up to six schools, formed so their projects can be staffed inside them
    # (`matcher clusters`); `matcher plan` forms and uses them only with form = true, so the
    # demo's plan stays the alliance-wide one (docs/clusters.md, data/samples/clusters.toml).
    clusters=ClusterSettings(max_size=6, cluster_scope="within"),
)
PREVIOUS_ROUNDS = ((1, "2025/26"), (2, "2026/27"))  # summer 2026, autumn 2026
# In autumn 2026 the secondary and all-through schools sat the round out (mock exams), so
# round 2's reviews are among primary and special schools: the school rotation then bites on
# primaries, which have plenty of neighbours, and leaves the five secondaries free.
SAT_OUT = {(2, Phase.SECONDARY), (2, Phase.ALL_THROUGH)}

MVLT = "Mersey Vale Learning Trust"
BVAT = "Bollin Valley Academy Trust"
CHAD = "St Chad's Catholic Academy Trust"

P, S, AT, SP = Phase.PRIMARY, Phase.SECONDARY, Phase.ALL_THROUGH, Phase.SPECIAL

# id, name, phase, trust, latitude, longitude, postcode, staff out per day, release days, staff
SCHOOLS = (
    ("910001", "Brookside School", SP, MVLT, 53.4065, -2.3310, "M33 4QX", 1, 6, 3),
    ("910002", "Ashgrove Primary School", P, MVLT, 53.418, -2.342, "M33 5HD", 1, 8, 4),
    ("910003", "Larkfield Primary School", P, MVLT, 53.425, -2.315, "M33 2RU", 1, 8, 3),
    ("910004", "Riverside Park Academy", S, MVLT, 53.429, -2.333, "M33 7AN", 2, 16, 6),
    ("910005", "Kingsleigh Primary School", P, MVLT, 53.435, -2.305, "M33 3LB", 1, 8, 3),
    ("910006", "Bollin Park Primary School", P, BVAT, 53.380, -2.348, "WA14 2PF", 2, 10, 4),
    ("910007", "Wellfield Junior School", P, BVAT, 53.3745, -2.3320, "WA15 9EG", 1, 8, 3),
    ("910008", "Oakwood Academy", S, BVAT, 53.386, -2.362, "WA14 4SJ", 3, 18, 7),
    ("910009", "Fernlea Primary School", P, BVAT, 53.369, -2.355, "WA14 3TW", 1, 8, 3),
    ("910010", "Hawthorn Bank Primary School", P, BVAT, 53.372, -2.308, "WA15 8DN", 1, 8, 3),
    ("910011", "St Chad's Catholic High School", S, CHAD, 53.396, -2.320, "WA15 6YH", 2, 16, 6),
    ("910012", "St Anne's Catholic Primary School", P, CHAD, 53.411, -2.323, "M33 6GS", 1, 8, 3),
    ("910013", "St Joseph's Catholic Primary School", P, CHAD, 53.385, -2.330, "WA15 7NB", 1, 8, 3),
    ("910014", "Holy Family Catholic Primary School", P, CHAD, 53.423, -2.295, "M33 3WQ", 1, 8, 3),
    ("910015", "Riverbank All-Through School", AT, None, 53.400, -2.378, "WA14 5DZ", 2, 16, 6),
    ("910016", "Hollins Green Primary School", P, None, 53.393, -2.300, "WA15 6JU", 1, 8, 4),
    ("910017", "Millbrook Community Primary School", P, None, 53.406, -2.388, "WA14 5HL", 1, 8, 3),
    ("910018", "Thornleigh High School", S, None, 53.415, -2.305, "M33 4FE", 2, 18, 7),
    ("910019", "Cedar Mount Primary School", P, None, 53.390, -2.345, "WA14 1XT", 2, 10, 4),
    ("910020", "Elmstead Primary School", P, None, 53.432, -2.355, "M33 5PR", 1, 8, 3),
    ("910021", "Moss Lane Primary School", P, None, 53.400, -2.312, "WA15 7RA", 1, 8, 3),
    ("910022", "Willowmere Primary School", P, None, 53.378, -2.320, "WA15 9HN", 1, 8, 4),
    ("910023", "Greenacre Primary School", P, None, 53.420, -2.365, "M33 6ZG", 1, 8, 3),
    ("910024", "Rosehill Primary Academy", P, None, 53.365, -2.335, "WA15 0LS", 1, 8, 3),
    ("910025", "Linden Grove Primary School", P, None, 53.438, -2.330, "M33 2BW", 1, 8, 3),
    ("910026", "Kestrel Park Primary School", P, None, 53.397, -2.285, "WA15 7TY", 1, 8, 3),
    ("910027", "Stonecroft High School", S, None, 53.368, -2.300, "WA15 0QE", 2, 16, 6),
)  # fmt: skip

MAKATON = "makaton and signing"

# Cover budgets (schools.csv cover_budget, pounds for the round). Oakwood Academy's governors
# cap cover at £1,500: six staff-days at £220 (a seventh would make £1,540), where its
# release_days allow 18 and a plan without the cap has it give eight.
COVER_BUDGETS = {"910008": 1500.0}

# The named people of the story: the ten SLEs (Sam Whitaker also signs) and Hannah Okafor.
# name, school, role, is_sle, lead reviewer, max_days, then specialisms and phases
NAMED_STAFF = (
    ("Priya Shah", "910005", Role.MIDDLE_LEADER, True, True, 8,
     ("ks2 maths", "most able"), (P,)),
    ("Rachel Dixon", "910006", Role.SENIOR_LEADER, True, True, 6,
     ("reading", "phonics"), (P,)),
    ("Omar Hassan", "910008", Role.SENIOR_LEADER, True, True, 8,
     ("disadvantaged pupils", "pastoral systems"), (S, AT)),
    ("Claire Brennan", "910011", Role.MIDDLE_LEADER, True, True, 8,
     ("curriculum design", "quality of feedback"), (S, AT)),
    ("Sam Whitaker", "910016", Role.SENIOR_LEADER, True, True, 6,
     ("send", MAKATON), (P, SP)),
    ("Nia Roberts", "910019", Role.MIDDLE_LEADER, True, True, 7,
     ("early years", "phonics"), (P, Phase.NURSERY)),
    ("Daniel Osei", "910018", Role.SENIOR_LEADER, True, True, 8,
     ("cpd provision", "disadvantaged pupils", "homework"), (S, P)),
    ("Mei Chen", "910015", Role.MIDDLE_LEADER, True, True, 8,
     ("oracy", "curriculum design"), (AT, P, S)),
    ("Tom Fletcher", "910022", Role.MIDDLE_LEADER, True, True, 7,
     ("ks2 maths", "digital technology"), (P,)),
    ("Grace Mensah", "910027", Role.SENIOR_LEADER, True, True, 8,
     ("wellbeing", "behaviour", "send"), (S, SP)),
    ("Hannah Okafor", "910002", Role.MIDDLE_LEADER, False, True, 5,
     ("send", MAKATON), (P, SP)),
)  # fmt: skip

# Projects whose team covers a second area too (projects.csv area "most able;ks2 maths"): each
# reviewer has one of the areas, the team has both (rule areas_covered). Enough reviewers have
# either that the project stays staffable.
SECOND_AREAS = {"P19": "ks2 maths"}

# Visit kinds (docs/scheduling.md), set after the random draws as SECOND_AREAS is: scoping
# meetings before long reviews, half-day (three-hour, morning) interview visits, presentations
# due within a few school days of the last visit, and one presentation to governors.
KINDS: dict[str, dict[str, Any]] = {
    "P02": {"scoping_meeting": True},
    "P06": {"scoping_meeting": True},
    "P21": {"scoping_meeting": True},
    "P09": {"visit_hours": 3},
    "P14": {"visit_hours": 3},
    "P24": {"visit_hours": 3},
    "P04": {"presentation_within_days": 10},
    "P10": {"presentation_within_days": 15},
    "P18": {"presentation_within_days": 10},
    "P26": {"governors_presentation": True, "presentation_within_days": 10},
}

# id, host, area, min and max reviewers, needs lead, needs SLE, visits, days per visit, first
# week and weeks in the window (week 0 starts on Monday 4 January 2027), then the title
PROJECTS = (
    ("P01", "910001", MAKATON, 1, 2, False, False, 2, 1, 1, 10,
     "Makaton and signing: is communication consistent in every classroom?"),
    ("P02", "910002", "quality of feedback", 1, 2, True, False, 2, 1, 0, 12,
     "Is our feedback moving learning on in KS2 writing?"),
    ("P03", "910003", "phonics", 1, 2, True, True, 2, 1, 1, 8,
     "Are our keep-up phonics sessions closing gaps in Year 1?"),
    ("P04", "910004", "homework", 2, 3, True, False, 2, 1, 2, 10,
     "Does Year 8 homework consolidate learning or just keep pupils busy?"),
    ("P05", "910005", "oracy", 1, 2, True, False, 1, 2, 3, 8,
     "Is structured talk deepening thinking in upper KS2?"),
    ("P06", "910006", "ks2 maths", 1, 2, True, True, 2, 1, 0, 10,
     "Fluency and reasoning in KS2 maths: are we getting the balance right?"),
    ("P07", "910007", "reading", 1, 2, False, False, 1, 1, 4, 6,
     "Are our weakest readers in Years 3 and 4 catching up?"),
    ("P08", "910008", "disadvantaged pupils", 2, 3, True, True, 2, 1, 1, 10,
     "How well does our pupil premium strategy reach disadvantaged pupils in KS3?"),
    ("P09", "910009", "wellbeing", 1, 2, True, False, 1, 1, 2, 9,
     "Pupil wellbeing: do our nurture and lunchtime interventions help?"),
    ("P10", "910011", "pastoral systems", 1, 2, True, False, 2, 1, 0, 12,
     "Are our pastoral systems catching concerns early in Year 7?"),
    ("P11", "910011", "careers", 1, 2, False, False, 1, 1, 6, 6,
     "Does our careers programme meet the Gatsby benchmarks?"),
    ("P12", "910012", "send", 1, 2, True, True, 2, 1, 1, 10,
     "Adaptive teaching for pupils with SEND in mixed-age classes"),
    ("P13", "910013", "early years", 1, 2, True, False, 1, 2, 2, 8,
     "Communication and language in Reception: are we building vocabulary?"),
    ("P14", "910014", "digital technology", 1, 2, False, False, 1, 1, 0, 12,
     "Are tablets in KS2 improving learning or just engagement?"),
    ("P15", "910015", "curriculum design", 2, 3, True, True, 2, 1, 2, 10,
     "Is our curriculum coherent from Year 6 to Year 7?"),
    ("P16", "910016", "disadvantaged pupils", 1, 2, True, False, 2, 1, 0, 10,
     "Are disadvantaged pupils in KS1 getting the full curriculum?"),
    ("P17", "910017", "cpd provision", 1, 2, True, False, 1, 1, 3, 9,
     "Does our instructional coaching change what happens in classrooms?"),
    ("P18", "910018", "quality of feedback", 2, 3, True, False, 2, 1, 1, 10,
     "Whole-school feedback policy in KS3: consistent and manageable?"),
    ("P19", "910019", "most able", 1, 2, True, False, 1, 1, 5, 7,
     "Are the most able pupils in upper KS2 stretched in maths?"),
    ("P20", "910021", "homework", 1, 2, False, False, 1, 1, 2, 8,
     "Is our homework policy fair to pupils without support at home?"),
    ("P21", "910022", "oracy", 1, 2, True, False, 2, 1, 0, 12,
     "Oracy across the curriculum: do pupils speak confidently in every subject?"),
    ("P22", "910023", "reading", 1, 2, True, True, 1, 1, 1, 10,
     "Reading for pleasure in KS2: does our reading culture reach every child?"),
    ("P23", "910024", "wellbeing", 1, 2, True, False, 1, 1, 4, 8,
     "Staff wellbeing and workload: what would make a difference?"),
    ("P24", "910025", "attendance", 1, 2, True, False, 1, 1, 0, 12,
     "Persistent absence in KS1: are we acting early enough?"),
    ("P25", "910026", "behaviour", 1, 2, True, False, 2, 1, 1, 10,
     "Reducing low-level disruption in upper KS2"),
    ("P26", "910027", "send", 1, 2, True, False, 2, 1, 2, 10,
     "How well are teaching assistants deployed for pupils with SEND in KS3?"),
)  # fmt: skip

# Projects whose team presents its findings to the host's senior team after the last visit.
PRESENTATIONS = frozenset({"P04", "P08", "P10", "P15", "P18", "P26"})
# Projects wanting longer between visits than the round's 7 days, to see change take hold.
MIN_GAP_DAYS = {"P15": 14, "P21": 21}

# Days schools or people cannot host or go on visits, or would prefer: (school id or person,
# first day, last day, kind, note). Notes say what a coordinator needs and nothing personal.
AVAILABILITY = (
    ("910027", "2027-01-11", "2027-01-15", "unavailable", "Year 11 mock exams"),
    ("910003", "2027-02-01", "2027-02-12", "unavailable", "Ofsted inspection window"),
    ("910006", "2027-03-08", "2027-03-10", "unavailable", "Year 6 residential"),
    ("910018", "2027-03-01", "2027-03-05", "unavailable", "Year 11 mock exams"),
    ("Priya Shah", "2027-02-04", "2027-02-04", "unavailable", "course"),
    ("Omar Hassan", "2027-01-20", "2027-01-21", "unavailable", "course"),
    ("Grace Mensah", "2027-03-16", "2027-03-16", "unavailable", "course"),
    ("Tom Fletcher", "2027-02-26", "2027-02-26", "unavailable", "course"),
    ("910015", "2027-01-26", "2027-01-28", "preferred", "transition focus week"),
    ("910022", "2027-02-02", "2027-02-04", "preferred", ""),
    ("Mei Chen", "2027-03-02", "2027-03-02", "preferred", ""),
)

# Declared conflicts: (person, school id, reason). The first rules out the second Makaton signer.
CONFLICTS = (
    ("Sam Whitaker", "910001", "governor"),
    ("Omar Hassan", "910018", "former employer"),
    ("Mei Chen", "910017", "relative works there"),
    ("Claire Brennan", "910027", "former employer"),
    ("Daniel Osei", "910004", "own child attends"),
)

# What schools of each phase know about (and their relative weight), for the other staff.
SPECIALISMS = {
    P: {
        "quality of feedback": 4, "homework": 2, "disadvantaged pupils": 4, "wellbeing": 3,
        "ks2 maths": 4, "reading": 4, "oracy": 3, "send": 3, "behaviour": 2, "attendance": 2,
        "early years": 3, "curriculum design": 3, "phonics": 3, "science": 2, "most able": 2,
        "digital technology": 2, "cpd provision": 1,
    },
    S: {
        "quality of feedback": 4, "homework": 3, "disadvantaged pupils": 4, "pastoral systems": 4,
        "digital technology": 2, "cpd provision": 2, "most able": 3, "wellbeing": 3, "oracy": 2,
        "send": 3, "behaviour": 3, "attendance": 3, "curriculum design": 3, "science": 2,
        "careers": 3, "reading": 2,
    },
    AT: {
        "quality of feedback": 3, "curriculum design": 3, "reading": 2, "ks2 maths": 2,
        "homework": 2, "behaviour": 2, "pastoral systems": 2, "oracy": 2,
    },
    SP: {"send": 4, "wellbeing": 3, "behaviour": 3, "oracy": 1},
}  # fmt: skip
ROLES = (Role.TEACHER, Role.MIDDLE_LEADER, Role.SENIOR_LEADER, Role.BUSINESS_LEADER)
ROLE_ODDS = (4, 4, 2, 0.4)
LEAD_CHANCE = {
    Role.TEACHER: 0.1,
    Role.MIDDLE_LEADER: 0.35,
    Role.SENIOR_LEADER: 0.6,
    Role.BUSINESS_LEADER: 0.1,
}

MAX_TRAVEL = SETTINGS.rules.max_travel_minutes

# A person under construction (the Staff fields, with mutable sets), and pairs ruled out by a
# conflict or by rotation.
Person = dict[str, Any]
Blocked = set[tuple[str, str]]


def main(out: Path = OUT) -> None:
    round_ = build()
    for path in write_round(round_, out):
        print(path)


def build() -> Round:
    picker = random.Random(SEED)
    schools = [_school(row) for row in SCHOOLS]
    by_id = {s.school_id: s for s in schools}
    people = _people(picker)
    names = {p["name"]: p["staff_id"] for p in people}
    conflicts = [Conflict(staff_id=names[n], school_id=s, reason=r) for n, s, r in CONFLICTS]
    history = _history(picker, people, by_id)
    projects = [_project(row) for row in PROJECTS]
    blocked = (
        {(c.staff_id, c.school_id) for c in conflicts}
        | {(h.staff_id, h.host_school_id) for h in history}
        | _school_rotation(people, history)
    )
    _cover(picker, people, projects, by_id, blocked)
    staff = [Staff(**p) for p in people]
    availability = [_availability(row, names) for row in AVAILABILITY]
    preferences = _preferences(picker, staff, projects, by_id, blocked)
    return Round(
        settings=SETTINGS,
        schools=tuple(schools),
        staff=tuple(staff),
        projects=tuple(_with_kinds(_with_second_area(p)) for p in projects),
        conflicts=tuple(conflicts),
        history=tuple(history),
        preferences=tuple(preferences),
        availability=tuple(availability),
    )


def _with_second_area(project: Project) -> Project:
    """A project of SECOND_AREAS gets its second area, after the random draws so that they
    (and every other file) stay as they were."""
    second = SECOND_AREAS.get(project.project_id)
    if second is None:
        return project
    return project.model_copy(update={"area": f"{project.area};{second}"})


def _with_kinds(project: Project) -> Project:
    """A project of KINDS gets its visit kinds, after the random draws (as _with_second_area)."""
    return project.model_copy(update=KINDS.get(project.project_id, {}))


def _availability(row: tuple[str, str, str, str, str], names: dict[str, str]) -> Availability:
    who, start, end, kind, note = row
    return Availability.model_validate(
        {
            "id": names.get(who, who),  # a person's name becomes their staff id; a school stays
            "start": dt.date.fromisoformat(start),
            "end": dt.date.fromisoformat(end),
            "kind": kind,
            "note": note,
        }
    )


def _school(row: tuple[Any, ...]) -> School:
    school_id, name, phase, trust, lat, lon, postcode, out_per_day, release, _ = row
    return School(
        school_id=school_id,
        name=name,
        phase=phase,
        trust=trust,
        latitude=lat,
        longitude=lon,
        postcode=postcode,
        max_staff_out_per_day=out_per_day,
        release_days=release,
        cover_budget=COVER_BUDGETS.get(school_id),
    )


def _project(row: tuple[Any, ...]) -> Project:
    pid, host, area, low, high, lead, sle, visits, days, week, weeks, title = row
    earliest = SETTINGS.start + dt.timedelta(weeks=week)
    latest = min(SETTINGS.end, earliest + dt.timedelta(weeks=weeks, days=-3))
    return Project(
        project_id=pid,
        host_school_id=host,
        area=area,
        title=title,
        min_reviewers=low,
        max_reviewers=high,
        needs_lead=lead,
        needs_sle=sle,
        visits=visits,
        visit_days=days,
        earliest=earliest,
        latest=latest,
        min_gap_days=MIN_GAP_DAYS.get(pid),
        presentation=pid in PRESENTATIONS,
    )


def _people(picker: random.Random) -> list[Person]:
    """Each school's staff: its named people first, then drawn ones up to its head count."""
    people: list[Person] = []
    used_names = {row[0] for row in NAMED_STAFF}
    for school_id, name, phase, *_, head_count in SCHOOLS:
        named = [row for row in NAMED_STAFF if row[1] == school_id]
        for person_name, _, role, sle, lead, days, areas, phases in named:
            people.append(
                _person(len(people) + 1, name, person_name, school_id, role, areas, phases,
                        sle, lead, days)
            )  # fmt: skip
        for _ in range(head_count - len(named)):
            person_name = _new_name(picker, used_names)
            role = picker.choices(ROLES, weights=ROLE_ODDS)[0]
            weights = SPECIALISMS[phase]
            areas = _distinct(picker, weights, picker.choice((1, 2, 2, 3)))
            phases = {phase} | _extra_phases(picker, phase, areas)
            lead = picker.random() < LEAD_CHANCE[role]
            days = picker.choice((2, 3, 3, 4, 4, 5, 6))
            people.append(
                _person(len(people) + 1, name, person_name, school_id, role, areas, phases,
                        False, lead, days)
            )  # fmt: skip
    return people


# Kept flat (ruff noqa below): one staff row's fields, named where each call sets them.
def _person(  # noqa: PLR0913
    number: int,
    school_name: str,
    name: str,
    school_id: str,
    role: Role,
    areas: Iterable[str],
    phases: Iterable[Phase],
    is_sle: bool,
    lead: bool,
    max_days: int,
) -> Person:
    first, last = name.lower().split(" ", 1)
    domain = school_name.lower().replace("'", "").replace(" school", "").replace(" ", "-")
    return {
        "staff_id": f"S{number:03d}",
        "name": name,
        "email": f"{first}.{last.replace(' ', '')}@{domain}.example.org",
        "school_id": school_id,
        "role": role,
        "specialisms": set(areas),
        "phases": set(phases),
        "is_sle": is_sle,
        "lead_reviewer": lead,
        "max_days": max_days,
    }


def _new_name(picker: random.Random, used: set[str]) -> str:
    while True:
        name = f"{picker.choice(FIRST_NAMES)} {picker.choice(LAST_NAMES)}"
        if name not in used and "'" not in name:
            used.add(name)
            return name


def _distinct(picker: random.Random, weights: dict[str, int], count: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        area = picker.choices(list(weights), weights=list(weights.values()))[0]
        if area not in chosen:
            chosen.append(area)
    return chosen


def _extra_phases(picker: random.Random, phase: Phase, areas: list[str]) -> set[Phase]:
    extra: set[Phase] = set()
    if phase is AT:
        extra |= {P, S}
    if phase in (P, S) and picker.random() < 0.25:
        extra.add(AT)
    if "send" in areas and picker.random() < 0.5:
        extra.add(SP)
    return extra


def _minutes(a: School, b: School) -> int:
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    t = SETTINGS.travel
    return estimate_minutes(
        LatLon(a.latitude, a.longitude),
        LatLon(b.latitude, b.longitude),
        speed_kmh=t.speed_kmh,
        detour_factor=t.detour_factor,
        overhead_minutes=t.overhead_minutes,
    )


def _could_serve(person: Person, host: School, by_id: dict[str, School], blocked: Blocked) -> bool:
    """Every pair rule except expertise: phase, own school, trust, conflict, rotation, travel."""
    home = by_id[person["school_id"]]
    return (
        host.phase in person["phases"]
        and home.school_id != host.school_id
        and (home.trust is None or home.trust != host.trust)
        and (person["staff_id"], host.school_id) not in blocked
        and _minutes(home, host) <= MAX_TRAVEL
    )


def _history(
    picker: random.Random, people: list[Person], by_id: dict[str, School]
) -> list[HistoryEntry]:
    """Reviews in the two previous rounds; SLEs served most rounds and for longer."""
    entries = []
    for number, year in PREVIOUS_ROUNDS:
        for person in people:
            if MAKATON in person["specialisms"]:
                continue  # new to reviewing, so rotation plays no part in their story
            if picker.random() >= (0.8 if person["is_sle"] else 0.35):
                continue
            hosts = [s for s in by_id.values() if _could_serve(person, s, by_id, set())]
            if not hosts:
                continue
            host = picker.choice(hosts)
            days = picker.randint(3, 6) if person["is_sle"] else picker.randint(1, 3)
            home = by_id[person["school_id"]]
            if {(number, home.phase), (number, host.phase)} & SAT_OUT:
                continue  # drawn all the same, so every later draw stays as it was
            entries.append(
                HistoryEntry(round=number, staff_id=person["staff_id"],
                             host_school_id=host.school_id, days=days, academic_year=year,
                             school_id=home.school_id)
            )  # fmt: skip
    # Rachel Dixon, the reading SLE, has had a busy year: 14 of her 20 days are already gone.
    rachel = next(p["staff_id"] for p in people if p["name"] == "Rachel Dixon")
    this_year = sum(
        e.days
        for e in entries
        if e.staff_id == rachel and e.academic_year == SETTINGS.academic_year
    )
    entries.append(
        HistoryEntry(round=2, staff_id=rachel, host_school_id="910017", days=14 - this_year,
                     academic_year=SETTINGS.academic_year, school_id="910006")
    )  # fmt: skip
    return entries


def _school_rotation(people: list[Person], history: list[HistoryEntry]) -> Blocked:
    """(staff, school) pairs the school rotation rules out: everyone of a school that reviewed,
    or was reviewed by, the other within rules.school_rotation_rounds."""
    first = SETTINGS.number - SETTINGS.rules.school_rotation_rounds
    paired: set[tuple[str, str]] = set()
    for h in history:
        if first <= h.round and h.school_id is not None:
            paired.update(((h.school_id, h.host_school_id), (h.host_school_id, h.school_id)))
    return {(p["staff_id"], b) for p in people for a, b in paired if p["school_id"] == a}


def _cover(
    picker: random.Random,
    people: list[Person],
    projects: list[Project],
    by_id: dict[str, School],
    blocked: Blocked,
) -> None:
    """Give a few people one more specialism until each project (but the Makaton one) has at
    least three eligible reviewers, two of them leads if it needs a lead."""
    for project in projects:
        if project.area == MAKATON:
            continue
        host = by_id[project.host_school_id]
        while True:
            able = [p for p in people if _could_serve(p, host, by_id, blocked)]
            eligible = [p for p in able if project.area in p["specialisms"]]
            if project.needs_sle and not any(p["is_sle"] for p in eligible):
                # SLEs are placed by hand (NAMED_STAFF); the pass never makes one up.
                raise RuntimeError(f"no SLE can serve {project.project_id}")
            leads = [p for p in eligible if p["lead_reviewer"]]
            wants_lead = project.needs_lead and len(leads) < 2
            if len(eligible) >= 3 and not wants_lead:
                break
            spare = [
                p
                for p in able
                if project.area not in p["specialisms"]
                and len(p["specialisms"]) < 3
                and not p["is_sle"]
                and (p["lead_reviewer"] or not wants_lead)
            ]
            if not spare:
                raise RuntimeError(f"cannot cover {project.project_id}")
            picker.choice(spare)["specialisms"].add(project.area)


def _open_to(
    person: Staff,
    projects: list[Project],
    by_id: dict[str, School],
    blocked: Blocked,
    *,
    same_area: bool,
) -> list[Project]:
    fields = person.model_dump()
    return [
        p
        for p in projects
        if (p.area in person.specialisms or not same_area)
        and _could_serve(fields, by_id[p.host_school_id], by_id, blocked)
    ]


def _preferences(
    picker: random.Random,
    staff: list[Staff],
    projects: list[Project],
    by_id: dict[str, School],
    blocked: Blocked,
) -> list[Preference]:
    """About half the staff rank one to three projects they could serve; three mark one -2
    (they would rather not)."""
    preferences = []
    for person in staff:
        open_to = _open_to(person, projects, by_id, blocked, same_area=True)
        if open_to and picker.random() < 0.55:
            picker.shuffle(open_to)
            for rank, project in enumerate(open_to[: picker.randint(1, 3)]):
                preferences.append(
                    Preference(staff_id=person.staff_id, project_id=project.project_id,
                               preference=3 - rank)
                )  # fmt: skip
    listed = {(p.staff_id, p.project_id) for p in preferences}
    for person in picker.sample(staff, 3):
        options = [
            p
            for p in _open_to(person, projects, by_id, blocked, same_area=False)
            if (person.staff_id, p.project_id) not in listed
        ]
        if options:
            project = picker.choice(options)
            preferences.append(
                Preference(staff_id=person.staff_id, project_id=project.project_id, preference=-2)
            )
    return preferences


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
