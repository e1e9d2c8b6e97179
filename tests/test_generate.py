"""Synthetic cohorts (matcher.synth.cohort), writing rounds (matcher.io.write), the sample.

The cohort tests share one 300-school round, generated once per module (about 0.2 s). Cohorts on
real school locations read the register extracts in ../shared/data/schools/, beside the
repository; those tests skip when the shared data is not there.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_round, project, school, staff

from matcher.cli import main
from matcher.days import SchoolCalendar
from matcher.io import load_round
from matcher.io.write import write_round
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
    ScheduleWeights,
    School,
    Settings,
    Staff,
    TravelTime,
)
from matcher.synth.cohort import AREAS, TRUST_REACH_KM, drawn_round, generate_round
from matcher.synth.register import (
    COHORT_SIZES,
    LocationsError,
    SchoolRegister,
    read_register,
    register_path,
)
from matcher.travel import LatLon, straight_line_km

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


@pytest.fixture(scope="module")
def cohort() -> Round:
    """300 schools, seed 11: big enough for proportions to settle, small enough to be quick."""
    return generate_round(schools=300, seed=11)


def eligible_reviewers(round_: Round, project: Project) -> list[Staff]:
    """Everyone allowed to review ``project`` under the pair rules of ``round_``.

    Written out here rather than imported, so these tests check the generator against the
    rules as documented and not against another module's reading of them.
    """
    rules = round_.settings.rules
    host = round_.school_by_id[project.host_school_id]
    conflicts = {(c.staff_id, c.school_id) for c in round_.conflicts}
    recent = {
        (h.staff_id, h.host_school_id)
        for h in round_.history
        if round_.settings.number - rules.rotation_rounds <= h.round < round_.settings.number
    }
    # School rotation: a history row's reviewer came from its school_id, else staff.csv's.
    came_from = {p.staff_id: p.school_id for p in round_.staff}
    paired = {
        frozenset((h.school_id or came_from[h.staff_id], h.host_school_id))
        for h in round_.history
        if round_.settings.number - rules.school_rotation_rounds <= h.round
    }
    found = []
    for person in round_.staff:
        home = round_.school_by_id[person.school_id]
        if (
            # One of the project's areas ("most able;ks2 maths" names two).
            set(project.area.split(";")) & person.specialisms
            and host.phase in person.phases
            and home.school_id != host.school_id
            and (person.staff_id, host.school_id) not in conflicts
            and not (rules.same_trust == "forbid" and home.trust and home.trust == host.trust)
            and (person.staff_id, host.school_id) not in recent
            and frozenset((home.school_id, host.school_id)) not in paired
            and round_.travel_minutes(home.school_id, host.school_id) <= rules.max_travel_minutes
        ):
            found.append(person)
    return found


def visits_fit(round_: Round, project: Project) -> bool:
    """Whether a project's visits, and its presentation, fit the host's school days.

    Each visit takes ``visit_days`` consecutive school days inside the window, at least the
    gap after the visit before; a presentation needs a later open day. Other projects and the
    team's own days are ignored: this is the least a dated plan needs. Written out here, like
    eligible_reviewers, to check the data against the rules as documented.
    """
    calendar = SchoolCalendar(round_.settings, round_.availability)
    host = project.host_school_id
    days = [d for d in calendar.term_days if project.earliest <= d <= project.latest]
    gap = project.min_gap_days
    gap = max(1, round_.settings.calendar.min_gap_days if gap is None else gap)
    free_from, last_day = project.earliest, None
    for _ in range(project.visits):
        start = next(
            (
                i
                for i, day in enumerate(days[: len(days) - project.visit_days + 1])
                if day >= free_from
                and all(calendar.school_open(host, d) for d in days[i : i + project.visit_days])
            ),
            None,
        )
        if start is None:
            return False
        last_day = days[start + project.visit_days - 1]
        free_from = last_day + dt.timedelta(days=gap)
    if project.presentation:
        assert last_day is not None
        return any(d > last_day and calendar.school_open(host, d) for d in days)
    return True


# --- generate_round -------------------------------------------------------------------------


def test_same_seed_gives_the_same_round() -> None:
    assert generate_round(schools=60, seed=5) == generate_round(schools=60, seed=5)


def test_different_seeds_give_different_rounds() -> None:
    first, second = generate_round(schools=60, seed=5), generate_round(schools=60, seed=6)
    assert first.schools != second.schools
    assert first.staff != second.staff


def test_the_round_has_fixed_spring_2027_dates(cohort: Round) -> None:
    settings = cohort.settings
    assert (settings.number, settings.academic_year) == (3, "2026/27")
    assert (settings.start.isoformat(), settings.end.isoformat()) == ("2027-01-04", "2027-03-26")
    assert all(settings.start <= p.earliest <= p.latest <= settings.end for p in cohort.projects)


def test_the_round_has_the_spring_2027_calendar(cohort: Round) -> None:
    calendar = cohort.settings.calendar
    assert [(t.start.isoformat(), t.end.isoformat()) for t in calendar.terms] == [
        ("2027-01-04", "2027-02-12"),
        ("2027-02-22", "2027-03-26"),
    ]
    assert calendar.inset_days == (dt.date(2027, 1, 4),)


def test_availability_is_a_light_plausible_sprinkling(cohort: Round) -> None:
    rows = cohort.availability
    people = [a for a in rows if a.id in cohort.staff_by_id]
    places = [a for a in rows if a.id in cohort.school_by_id]
    assert len(people) + len(places) == len(rows), "every id is a person or a school"
    assert 0 < len({a.id for a in people}) <= 0.1 * len(cohort.staff)
    assert 0 < len({a.id for a in places}) <= 0.2 * len(cohort.schools)
    assert {a.kind for a in people} == {a.kind for a in places} == {"unavailable", "preferred"}
    settings = cohort.settings
    for row in rows:
        assert settings.start <= row.start <= row.end <= settings.end
        assert row.start.weekday() < 5 and row.end.weekday() < 5
        assert (row.end - row.start).days <= 4
    assert {a.note for a in people} <= {"", "course"}, "no personal detail in a note"
    mocks = [a for a in places if a.note == "Year 11 mock exams"]
    assert mocks
    assert all(
        cohort.school_by_id[a.id].phase in (Phase.SECONDARY, Phase.ALL_THROUGH) for a in mocks
    )


def test_availability_depends_on_the_seed() -> None:
    first, second = generate_round(schools=60, seed=5), generate_round(schools=60, seed=6)
    assert first.availability == generate_round(schools=60, seed=5).availability
    assert first.availability != second.availability


def test_visits_fit_their_windows_on_school_days(cohort: Round) -> None:
    # Windows count teaching weeks, so half term does not squeeze three visits out of one; a
    # host's mock exam week may still leave a rare project undatable.
    fitting = [visits_fit(cohort, p) for p in cohort.projects]
    assert sum(fitting) >= 0.99 * len(fitting)


def test_sizes_are_as_asked(cohort: Round) -> None:
    assert len(cohort.schools) == 300
    assert abs(len(cohort.staff) - 4.0 * 300) <= 0.2 * 4.0 * 300
    hosted = Counter(p.host_school_id for p in cohort.projects)
    assert 0.85 * 300 <= len(cohort.projects) <= 1.15 * 300
    assert max(hosted.values()) <= 2


def test_staff_per_school_scales_the_staff() -> None:
    small = generate_round(schools=100, seed=2, staff_per_school=2.0)
    large = generate_round(schools=100, seed=2, staff_per_school=6.0)
    assert abs(len(small.staff) - 200) <= 40
    assert abs(len(large.staff) - 600) <= 120


def test_people_are_a_realistic_mix(cohort: Round) -> None:
    count = len(cohort.staff)
    sle_share = sum(p.is_sle for p in cohort.staff) / count
    lead_share = sum(p.lead_reviewer for p in cohort.staff) / count
    assert 0.08 <= sle_share <= 0.10
    assert 0.25 <= lead_share <= 0.38
    assert all(p.lead_reviewer and p.max_days >= 5 for p in cohort.staff if p.is_sle)
    assert all(2 <= p.max_days <= 8 for p in cohort.staff)
    assert all(1 <= len(p.specialisms) <= 3 for p in cohort.staff)
    assert all(p.specialisms <= set(AREAS) for p in cohort.staff)
    roles = Counter(p.role.value for p in cohort.staff)
    assert roles["teacher"] + roles["middle_leader"] > count / 2
    assert 0 < roles["headteacher"] <= len(cohort.schools)


def test_staff_review_their_own_phase(cohort: Round) -> None:
    for person in cohort.staff:
        assert cohort.school_by_id[person.school_id].phase in person.phases


def test_phases_are_mostly_primary_with_small_sectors(cohort: Round) -> None:
    phases = Counter(s.phase for s in cohort.schools)
    assert 4 <= phases[Phase.PRIMARY] / phases[Phase.SECONDARY] <= 6
    assert 0.70 <= phases[Phase.PRIMARY] / 300 <= 0.80
    for small in (Phase.SPECIAL, Phase.ALL_THROUGH, Phase.ALTERNATIVE_PROVISION, Phase.NURSERY):
        assert 0 < phases[small] <= 0.06 * 300


def test_schools_have_urn_like_ids_and_plausible_capacities(cohort: Round) -> None:
    ids = [s.school_id for s in cohort.schools]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 6 and i.isdigit() for i in ids)
    for s in cohort.schools:
        assert s.easting is not None and s.latitude is None
        assert 1 <= s.max_staff_out_per_day <= 3
        assert 6 <= s.release_days <= 20


def test_trusts_are_local_groups_of_three_to_fifteen(cohort: Round) -> None:
    members: dict[str, list[str]] = defaultdict(list)
    for s in cohort.schools:
        if s.trust is not None:
            members[s.trust].append(s.school_id)
    assert 0.35 <= sum(len(m) for m in members.values()) / 300 <= 0.5
    for schools in members.values():
        assert 3 <= len(schools) <= 15
        widest = max(cohort.travel_minutes(a, b) for a, b in itertools.combinations(schools, 2))
        assert widest <= 120, "a trust should be a local group of schools"


def test_people_and_emails_are_fictional(cohort: Round) -> None:
    emails = [p.email for p in cohort.staff]
    assert len(set(emails)) == len(emails)
    assert all(e.endswith(".example.org") for e in emails)


def test_every_reference_points_at_something(cohort: Round) -> None:
    schools, people, projects = cohort.school_by_id, cohort.staff_by_id, cohort.project_by_id
    assert len(people) == len(cohort.staff) and len(projects) == len(cohort.projects)
    assert all(p.school_id in schools for p in cohort.staff)
    assert all(p.host_school_id in schools for p in cohort.projects)
    assert all(c.staff_id in people and c.school_id in schools for c in cohort.conflicts)
    assert all(h.staff_id in people and h.host_school_id in schools for h in cohort.history)
    assert all(p.staff_id in people and p.project_id in projects for p in cohort.preferences)


def test_optional_tables_are_plausible(cohort: Round) -> None:
    assert cohort.conflicts and cohort.history and cohort.preferences
    assert len({(c.staff_id, c.school_id) for c in cohort.conflicts}) == len(cohort.conflicts)
    pairs = [(p.staff_id, p.project_id) for p in cohort.preferences]
    assert len(set(pairs)) == len(pairs)
    assert {h.round for h in cohort.history} == {1, 2}
    assert {h.academic_year for h in cohort.history if h.round == 2} == {"2026/27"}
    assert any(cohort.sle_days_used(p.staff_id) > 0 for p in cohort.staff if p.is_sle)
    ranking = {p.staff_id for p in cohort.preferences if p.preference > 0}
    assert 0.3 <= len(ranking) / len(cohort.staff) <= 0.6
    assert any(p.preference < 0 for p in cohort.preferences)


def test_ranked_projects_are_ones_the_person_could_review(cohort: Round) -> None:
    for wish in cohort.preferences:
        person = cohort.staff_by_id[wish.staff_id]
        wanted = cohort.project_by_id[wish.project_id]
        host = cohort.school_by_id[wanted.host_school_id]
        assert host.school_id != person.school_id
        assert host.phase in person.phases
        assert cohort.travel_minutes(person.school_id, host.school_id) <= 60
        if wish.preference > 0:
            # Ranked for its (first) area; a second one came later (matcher.synth.programme).
            assert wanted.areas[0] in person.specialisms


def test_most_projects_have_an_eligible_reviewer(cohort: Round) -> None:
    counts = [len(eligible_reviewers(cohort, p)) for p in cohort.projects]
    assert sum(c > 0 for c in counts) >= 0.85 * len(counts)
    assert sorted(counts)[len(counts) // 2] >= 4, "a typical project has a real choice"
    assert min(counts) == 0, "a few projects are genuinely hard"


def test_project_areas_suit_the_host_phase(cohort: Round) -> None:
    for hosted in cohort.projects:
        phase = cohort.school_by_id[hosted.host_school_id].phase
        if phase is Phase.SECONDARY:
            assert hosted.area not in ("ks2 maths", "phonics", "early years")
        if phase is Phase.PRIMARY:
            assert hosted.area != "careers"


def test_programme_inputs_come_in_realistic_proportions(cohort: Round) -> None:
    projects, schools = cohort.projects, cohort.schools
    sles = [p for p in cohort.staff if p.is_sle]
    two_areas = sum(len(p.areas) == 2 for p in projects) / len(projects)
    roles = Counter(p.needs_role for p in projects if p.needs_role is not None)
    capped = [s for s in schools if s.max_leaders_out_per_day is not None]
    budgets = [s for s in schools if s.cover_budget is not None]
    own = [p for p in sles if p.sle_allowance_days is not None]
    assert 0.06 <= two_areas <= 0.2 and all(len(p.areas) <= 2 for p in projects)
    assert set(roles) == {Role.SENIOR_LEADER, Role.HEADTEACHER}
    assert roles[Role.SENIOR_LEADER] > 3 * roles[Role.HEADTEACHER]
    assert 0.2 <= len(capped) / len(schools) <= 0.4
    assert all(1 <= s.max_leaders_out_per_day <= s.max_staff_out_per_day for s in capped)  # type: ignore[operator]
    assert 0.08 <= len(budgets) / len(schools) <= 0.25
    for s in budgets:
        per_day = cohort.settings.calendar.cover_cost(s.phase)
        assert s.cover_budget is not None and 0 < s.cover_budget <= s.release_days * per_day
    assert 0.1 <= len(own) / len(sles) <= 0.4
    assert cohort.settings.rules.school_rotation_rounds == 1
    # Both new rules bite on some pair of the cohort: the school rotation through history.
    recent = {
        frozenset((cohort.staff_by_id[h.staff_id].school_id, h.host_school_id))
        for h in cohort.history
        if h.round == cohort.settings.number - 1
    }
    assert recent


def test_programme_inputs_leave_every_earlier_draw_as_it_was(cohort: Round) -> None:
    """Drawn from a stream of their own: without them the cohort is the one the seed gave
    before they existed, so benchmarks keep their schools, staff and projects."""
    plain = drawn_round(
        schools=300,
        seed=11,
        name="Synthetic cohort — Spring 2027",
        staff_per_school=4.0,
        projects_per_school=1.0,
        sle_share=0.09,
        trust_share=0.45,
        locations=None,
    )
    blank = {"max_leaders_out_per_day": None, "cover_budget": None}
    assert [s.model_copy(update=blank) for s in cohort.schools] == list(plain.schools)
    assert [p.model_copy(update={"sle_allowance_days": None}) for p in cohort.staff] == list(
        plain.staff
    )
    for shaped, drawn in zip(cohort.projects, plain.projects, strict=True):
        first = shaped.model_copy(update={"area": shaped.areas[0], "needs_role": None})
        assert first == drawn
    rules = cohort.settings.rules.model_copy(update={"school_rotation_rounds": 0})
    assert cohort.settings.model_copy(update={"rules": rules}) == plain.settings
    assert (cohort.history, cohort.preferences, cohort.conflicts, cohort.availability) == (
        plain.history,
        plain.preferences,
        plain.conflicts,
        plain.availability,
    )


@pytest.mark.parametrize("schools", [1, 2, 7])
def test_tiny_cohorts_are_valid(schools: int) -> None:
    round_ = generate_round(schools=schools, seed=1)
    assert len(round_.schools) == schools
    assert all(p.school_id in round_.school_by_id for p in round_.staff)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="schools"):
        generate_round(schools=0, seed=1)
    with pytest.raises(ValueError, match="projects_per_school"):
        generate_round(schools=10, seed=1, projects_per_school=3)


# --- named sizes and real school locations -------------------------------------------------


def test_cohort_sizes_are_named_from_alliance_to_nation() -> None:
    assert COHORT_SIZES == {"alliance": 30, "la": 300, "region": 2_000, "nation": 20_000}
    assert len(generate_round(schools=COHORT_SIZES["alliance"], seed=1).schools) == 30


SHARED = Path(__file__).resolve().parents[2] / "shared"


def _shared_register(name: str) -> SchoolRegister:
    path = register_path(name)
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not here (the shared data sits beside the repository)")
    # With ../shared present, a named extract that cannot be found is a bug (a path computed
    # from a module that moved), not a reason to skip.
    assert path.is_file(), path
    return read_register(path)


@pytest.fixture(scope="module")
def trafford() -> SchoolRegister:
    """The 103 schools of Trafford (2024), by latitude/longitude, with their trusts."""
    return _shared_register("trafford")


@pytest.fixture(scope="module")
def england() -> SchoolRegister:
    """6,023 English schools (2017), by easting/northing, without trusts."""
    return _shared_register("england")


REGISTER_HEADER = (
    "unique_reference_number,name,type,lowest_admission_age,highest_admission_age,"
    "sponsoring_trust,postcode,lon,lat"
)


def _write_register(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([REGISTER_HEADER, *rows]) + "\n")
    return path


def test_phases_come_from_ages_and_type(tmp_path: Path) -> None:
    register = read_register(
        _write_register(
            tmp_path / "schools.csv",
            "1,Infant,Academies,3,7,NA,M1 1AA,-2.3,53.4",
            "2,Junior,Academies,7,11,NA,,-2.3,53.4",
            "3,First,Local authority maintained schools,4,9,NA,,-2.3,53.4",
            "4,Middle,Local authority maintained schools,9,13,NA,,-2.3,53.4",
            "5,High,Academies,11,16,Oak Trust,,-2.3,53.4",
            "6,All-through,Free Schools,4,18,Oak Trust,,-2.3,53.4",
            "7,Nursery,Local authority maintained schools,2,5,NA,,-2.3,53.4",
            "8,Special,Special schools,5,19,NA,,-2.3,53.4",
            "9,Private,Independent schools,3,11,NA,,-2.3,53.4",
            "10,College,Colleges,16,99,NA,,-2.3,53.4",
            "11,Nowhere,Academies,3,11,NA,,NA,NA",
            "1,Again,Academies,3,11,NA,,-2.3,53.4",
        )
    )
    phases = {s.urn: s.phase.value for s in register.schools}
    assert phases == {
        "1": "primary",
        "2": "primary",
        "3": "first",
        "4": "middle",
        "5": "secondary",
        "6": "all_through",
        "7": "nursery",
        "8": "special",
    }
    assert register.left_out == {
        "independent": 1,
        "post-16 only": 1,
        "no location": 1,
        "repeated URN": 1,
    }
    assert register.names_trusts
    assert [s.trust for s in register.schools][4:6] == ["Oak Trust", "Oak Trust"]
    assert register.schools[0].postcode == "M1 1AA" and register.schools[1].postcode is None


def test_an_unreadable_register_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(LocationsError, match=r"nowhere\.csv: no schools register file"):
        read_register(tmp_path / "nowhere.csv")
    (tmp_path / "other.csv").write_text("id,town\n1,Sale\n")
    with pytest.raises(LocationsError, match=r"other\.csv: not a schools register extract"):
        read_register(tmp_path / "other.csv")


def test_a_cohort_never_repeats_a_school(tmp_path: Path) -> None:
    small = read_register(
        _write_register(
            tmp_path / "two.csv",
            "1,A,Academies,3,11,NA,,-2.3,53.4",
            "2,B,Academies,3,11,NA,,-2.31,53.4",
        )
    )
    with pytest.raises(LocationsError, match="asked for 3 schools but the file has only 2"):
        generate_round(schools=3, seed=1, locations=small)


def test_trafford_phases_are_derived_sensibly(trafford: SchoolRegister) -> None:
    phases = Counter(s.phase for s in trafford.schools)
    assert phases[Phase.PRIMARY] > 2 * phases[Phase.SECONDARY] > 0
    assert phases[Phase.SPECIAL] > 0 and phases[Phase.ALL_THROUGH] > 0
    assert trafford.left_out["independent"] > 0, "independent schools are left out"
    assert len(trafford) + sum(trafford.left_out.values()) == 103


def test_a_trafford_cohort_is_its_real_schools(trafford: SchoolRegister) -> None:
    cohort = generate_round(schools=len(trafford), seed=4, locations=trafford)
    assert [s.school_id for s in cohort.schools] == [s.urn for s in trafford.schools]
    assert [s.name for s in cohort.schools] == [s.name for s in trafford.schools]
    assert all(s.latitude is not None and s.easting is None for s in cohort.schools)
    assert [s.trust for s in cohort.schools] == [s.trust for s in trafford.schools]
    assert all(p.email.endswith(".example.org") for p in cohort.staff), "staff are fictional"


def test_real_locations_are_deterministic_by_seed(trafford: SchoolRegister) -> None:
    first = generate_round(schools=30, seed=3, locations=trafford)
    assert first == generate_round(schools=30, seed=3, locations="trafford")
    other = generate_round(schools=30, seed=4, locations=trafford)
    assert {s.school_id for s in first.schools} != {s.school_id for s in other.schools}


def test_a_smaller_cohort_is_one_neighbourhood(england: SchoolRegister) -> None:
    cohort = generate_round(schools=COHORT_SIZES["la"], seed=2, locations=england)
    assert len({s.school_id for s in cohort.schools}) == 300
    first = cohort.schools[0].school_id
    near = max(cohort.travel_minutes(first, s.school_id) for s in cohort.schools)
    assert near <= 4 * 60, "300 of 5,000 schools come from one part of England"


def test_england_places_schools_by_grid_with_local_trusts(england: SchoolRegister) -> None:
    cohort = generate_round(schools=400, seed=5, locations=england)
    assert all(s.easting is not None and s.latitude is None for s in cohort.schools)
    assert all(s.postcode for s in cohort.schools)
    members: dict[str, list[School]] = defaultdict(list)
    for s in cohort.schools:
        if s.trust is not None:
            members[s.trust].append(s)
    assert members, "the extract names no trusts, so local ones are formed"
    for schools in members.values():
        km = max(
            straight_line_km(a.location(), b.location())
            for a, b in itertools.combinations(schools, 2)
        )
        assert km <= 2 * TRUST_REACH_KM


def test_a_cohort_on_real_schools_survives_writing(england: SchoolRegister, tmp_path: Path) -> None:
    # Real names hold commas and apostrophes; the files must carry them unchanged.
    cohort = generate_round(schools=300, seed=6, locations=england)
    write_round(cohort, tmp_path)
    assert load_round(tmp_path) == cohort


def test_england_is_too_small_for_the_nation(england: SchoolRegister) -> None:
    with pytest.raises(LocationsError, match="asked for 20,000 schools"):
        generate_round(schools=COHORT_SIZES["nation"], seed=1, locations=england)


def _generate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["generate", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_generates_a_named_size(tmp_path: Path) -> None:
    code, output = _generate(str(tmp_path), "--size", "alliance", "--seed", "2")
    assert code == 0, output
    assert len(load_round(tmp_path).schools) == 30


def test_cli_refuses_both_size_and_schools(tmp_path: Path) -> None:
    code, output = _generate(str(tmp_path), "--size", "la", "--schools", "40")
    assert code == 2
    assert "--schools and --size" in output


def test_cli_names_a_missing_locations_file(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "schools.csv"
    code, output = _generate(str(tmp_path / "out"), "--locations", str(missing))
    assert code == 2
    assert str(missing) in output
    assert not (tmp_path / "out").exists()


def test_cli_places_a_cohort_on_trafford(trafford: SchoolRegister, tmp_path: Path) -> None:
    code, output = _generate(str(tmp_path), "--locations", "trafford")
    assert code == 0, output
    assert len(load_round(tmp_path).schools) == len(trafford), "every school by default"
    code, output = _generate(str(tmp_path / "la"), "--locations", "trafford", "--size", "la")
    assert code == 2
    assert "trafford_2024.csv: asked for 300 schools" in output


# --- write_round ----------------------------------------------------------------------------


def test_write_then_load_gives_the_same_round(cohort: Round, tmp_path: Path) -> None:
    write_round(cohort, tmp_path)
    assert load_round(tmp_path) == cohort


def test_write_then_load_keeps_latitude_longitude_blanks_and_every_table(
    tmp_path: Path,
) -> None:
    round_ = make_round(
        [school("100001"), school("100002", lat_offset=0.05, trust="Oak Trust")],
        [staff("S1", "100002", specialisms={"oracy", "ks2 maths"}, phases={"primary", "first"})],
        [
            project("P1", "100001", min_gap_days=14, presentation=True),
            project("P2", "100001", area="ks2 maths"),
        ],
        conflicts=[Conflict(staff_id="S1", school_id="100001")],
        history=[HistoryEntry(round=2, staff_id="S1", host_school_id="100001", days=2)],
        preferences=[Preference(staff_id="S1", project_id="P1", preference=-1)],
        travel_times=[TravelTime(from_school_id="100001", to_school_id="100002", minutes=25)],
        availability=[
            Availability(
                id="100001",
                start=dt.date(2026, 1, 12),
                end=dt.date(2026, 1, 16),
                kind="unavailable",
                note="mock exams, week 2",
            ),
            Availability(
                id="S1", start=dt.date(2026, 3, 3), end=dt.date(2026, 3, 3), kind="preferred"
            ),
        ],
    )
    round_ = round_.replace(settings=_with_a_calendar(round_.settings))
    written = write_round(round_, tmp_path)
    assert [p.name for p in written][-5:] == [
        "conflicts.csv",
        "history.csv",
        "preferences.csv",
        "travel.csv",
        "availability.csv",
    ]
    header, first = (tmp_path / "schools.csv").read_text().splitlines()[:2]
    assert header.split(",")[4:6] == ["latitude", "longitude"]
    assert "easting" not in header
    assert first.split(",")[3] == "", "a standalone school has a blank trust cell"
    assert "ks2 maths;oracy,first;primary" in (tmp_path / "staff.csv").read_text()
    assert (tmp_path / "history.csv").read_text().splitlines()[1] == "2,S1,100001,2,"
    projects = (tmp_path / "projects.csv").read_text().splitlines()
    assert [row.split(",")[-2:] for row in projects] == [
        ["min_gap_days", "presentation"],
        ["14", "true"],
        ["", "false"],
    ]
    assert 'day_start = "08:30"' in (tmp_path / "round.toml").read_text()
    assert load_round(tmp_path) == round_


def _with_a_calendar(settings: Settings) -> Settings:
    """Every kind of calendar value: ranges, dates, times with and without seconds, costs."""
    calendar = CalendarSettings(
        terms=(
            DateRange(start=dt.date(2026, 1, 5), end=dt.date(2026, 2, 13)),
            DateRange(start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)),
        ),
        holidays=(DateRange(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 2)),),
        inset_days=(dt.date(2026, 1, 5),),
        bank_holidays=False,
        timezone="Europe/Dublin",
        day_start=dt.time(8, 30),
        day_end=dt.time(15, 0, 30),
        min_gap_days=0,
        cover_cost_per_day={"special": 250, "primary": 150},
    )
    weights = ScheduleWeights(unscheduled=5000, end_of_term=0)
    return settings.model_copy(update={"calendar": calendar, "schedule_weights": weights})


def test_write_round_lists_its_files_and_skips_empty_optional_tables(
    two_school_round: Round, tmp_path: Path
) -> None:
    written = write_round(two_school_round, tmp_path)
    names = ["round.toml", "schools.csv", "staff.csv", "projects.csv"]
    assert written == [tmp_path / n for n in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_write_round_blanks_a_stale_optional_table(
    cohort: Round, two_school_round: Round, tmp_path: Path
) -> None:
    write_round(cohort, tmp_path)
    write_round(two_school_round, tmp_path)
    history = (tmp_path / "history.csv").read_text()
    assert history == "round,staff_id,host_school_id,days,academic_year\n"
    assert load_round(tmp_path) == two_school_round


def test_write_round_is_byte_for_byte_repeatable(cohort: Round, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for path_a, path_b in zip(write_round(cohort, first), write_round(cohort, second), strict=True):
        assert path_a.read_bytes() == path_b.read_bytes()
    assert b"\r\n" not in (first / "staff.csv").read_bytes()


# --- the bundled sample ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Round:
    return load_round(SAMPLE)


def test_sample_is_one_local_alliance(sample: Round) -> None:
    assert 24 <= len(sample.schools) <= 28
    assert 90 <= len(sample.staff) <= 110
    assert 22 <= len(sample.projects) <= 28
    assert 8 <= sum(p.is_sle for p in sample.staff) <= 12
    assert len({s.trust for s in sample.schools if s.trust}) in (3, 4)
    minutes = [
        sample.travel_minutes(a.school_id, b.school_id)
        for a, b in itertools.combinations(sample.schools, 2)
    ]
    assert max(minutes) <= 40
    assert sample.conflicts and sample.history and sample.preferences


def test_sample_is_fictional(sample: Round) -> None:
    assert all(p.email.endswith(".example.org") for p in sample.staff)
    assert sample.settings.coordinator_email is not None
    assert sample.settings.coordinator_email.endswith(".example.org")


def test_sample_leaves_exactly_the_makaton_project_without_reviewers(sample: Round) -> None:
    counts = {p.project_id: len(eligible_reviewers(sample, p)) for p in sample.projects}
    assert [pid for pid, count in counts.items() if count == 0] == ["P01"]
    assert sample.project_by_id["P01"].area == "makaton and signing"
    assert all(count >= 3 for pid, count in counts.items() if pid != "P01")
    # A project with several areas has, for each, an eligible reviewer who has it.
    for proj in sample.projects:
        for area in proj.area.split(";") if ";" in proj.area else []:
            assert any(area in p.specialisms for p in eligible_reviewers(sample, proj)), area


def test_sample_has_the_spring_2027_calendar(sample: Round) -> None:
    calendar = sample.settings.calendar
    assert [(t.start.isoformat(), t.end.isoformat()) for t in calendar.terms] == [
        ("2027-01-04", "2027-02-12"),
        ("2027-02-22", "2027-03-26"),
    ]
    assert calendar.inset_days == (dt.date(2027, 1, 4),)
    days = SchoolCalendar(sample.settings)
    assert not days.is_term_day(dt.date(2027, 3, 26)), "Good Friday"
    assert not days.is_term_day(dt.date(2027, 2, 17)), "half term"


def test_sample_availability_tells_its_stories(sample: Round) -> None:
    notes = {a.note for a in sample.availability}
    assert {
        "Year 11 mock exams",
        "Ofsted inspection window",
        "Year 6 residential",
        "course",
    } <= notes
    people = [a for a in sample.availability if a.id in sample.staff_by_id]
    places = [a for a in sample.availability if a.id in sample.school_by_id]
    assert len(people) + len(places) == len(sample.availability)
    assert {a.kind for a in people} == {a.kind for a in places} == {"unavailable", "preferred"}
    assert {a.note for a in people} <= {"", "course"}, "no personal detail in a note"


def test_sample_asks_for_presentations_and_longer_gaps(sample: Round) -> None:
    assert sum(p.presentation for p in sample.projects) == 6
    assert {p.project_id: p.min_gap_days for p in sample.projects if p.min_gap_days} == {
        "P15": 14,
        "P21": 21,
    }


def test_sample_visits_fit_their_windows(sample: Round) -> None:
    assert [p.project_id for p in sample.projects if not visits_fit(sample, p)] == []


def test_sample_lies_around_sale_and_altrincham(sample: Round) -> None:
    centre = LatLon(53.40, -2.33)
    for s in sample.schools:
        assert straight_line_km(s.location(), centre) <= 10
