"""Reading a round: a good round loads (from CSV files or a workbook) into the expected Round;
every kind of bad input is reported where a spreadsheet user would find it, all at once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from matcher.io import InputError, Problem, load_round, read_round
from matcher.io.rows import FILES, FileSpec, columns_reference
from matcher.io.settings import MEANINGS, all_keys, settings_reference
from matcher.io.write import write_round
from matcher.model import (
    Availability,
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

DOC = Path(__file__).resolve().parents[1] / "docs" / "input-format.md"

# Three schools, three staff, two projects and one row or two of every optional file. The cells
# use the lenient spellings the format allows ("All-through", "Middle leader", "Y", a notes
# column, a BOM) so that the good round also proves they are read as documented.
GOOD: dict[str, str] = {
    "schools.csv": (
        "\ufeffschool_id,name,phase,trust,latitude,longitude,postcode,"
        "max_staff_out_per_day,release_days,notes\n"
        "100001,Oak Primary,primary,Oak  Trust,53.39,-2.35,WA14 1AA,2,20,keeps notes\n"
        "100002,Elm High,Secondary,,53.44,-2.35,NA,3,30,\n"
        "100003,Ash Academy,All-through,OAK TRUST,53.40,-2.30,,2,10,\n"
    ),
    "staff.csv": (
        "staff_id,name,email,school_id,role,specialisms,phases,is_sle,lead_reviewer,max_days\n"
        'S1,Ann Able,ann@oak.example.org,100001,Middle leader,"Oracy; KS2  Maths",'
        "primary; all-through,yes,Y,6\n"
        "S2,Ben Best,ben@elm.example.org,100002,senior_leader,oracy,secondary,no,,4\n"
        "007,Cat Cole,cat@ash.example.org,100003,headteacher,ks2 maths;SEND,primary;secondary,"
        "1,0,8\n"
    ),
    "projects.csv": (
        "project_id,host_school_id,area,title,min_reviewers,max_reviewers,needs_lead,needs_sle,"
        "visits,visit_days,earliest,latest\n"
        "P1,100002,Oracy,Oracy across the curriculum,1,2,yes,no,2,1,2026-01-12,2026-03-27\n"
        "P2,100001,KS2 Maths,Maths mastery,1,1,,true,1,2,2026-02-02,2026-02-27\n"
    ),
    "conflicts.csv": "staff_id,school_id,reason\nS2,100003,Former employer\n",
    "history.csv": (
        "round,staff_id,host_school_id,days,academic_year\n2,S1,100002,2,2025/26\n1,007,100001,3,\n"
    ),
    "preferences.csv": "staff_id,project_id,preference\nS1,P1,3\n007,P2,-2\n",
    "travel.csv": "from_school_id,to_school_id,minutes\n100001,100002,25\n",
    "round.toml": (
        "[round]\n"
        'name = "Spring 2026"\n'
        "number = 3\n"
        'academic_year = "2025/26"\n'
        "start = 2026-01-05\n"
        "end = 2026-03-27\n"
        'coordinator_email = "coordinator@example.org"\n'
        "\n[rules]\nmax_travel_minutes = 45\n"
        "\n[weights]\ntravel = 2\n"
        "\n[travel]\nspeed_kmh = 25.5\n"
    ),
}

# The same settings as the good round.toml, as the workbook's "round" sheet holds them.
GOOD_SHEET_SETTINGS: list[tuple[str, object]] = [
    ("round.name", "Spring 2026"),
    ("round.number", 3),
    ("round.academic_year", "2025/26"),
    ("round.start", dt.date(2026, 1, 5)),
    ("round.end", dt.date(2026, 3, 27)),
    ("round.coordinator_email", "coordinator@example.org"),
    ("rules.max_travel_minutes", 45),
    ("weights.travel", 2),
    ("travel.speed_kmh", 25.5),
]


def expected_round() -> Round:
    """GOOD, as the documentation says it reads."""
    schools = (
        School(
            school_id="100001",
            name="Oak Primary",
            phase=Phase.PRIMARY,
            trust="Oak Trust",
            latitude=53.39,
            longitude=-2.35,
            postcode="WA14 1AA",
            max_staff_out_per_day=2,
            release_days=20,
        ),
        School(
            school_id="100002",
            name="Elm High",
            phase=Phase.SECONDARY,
            latitude=53.44,
            longitude=-2.35,
            postcode="NA",
            max_staff_out_per_day=3,
            release_days=30,
        ),
        School(
            school_id="100003",
            name="Ash Academy",
            phase=Phase.ALL_THROUGH,
            trust="Oak Trust",  # "OAK TRUST" takes the spelling first met
            latitude=53.40,
            longitude=-2.30,
            max_staff_out_per_day=2,
            release_days=10,
        ),
    )
    staff = (
        Staff(
            staff_id="S1",
            name="Ann Able",
            email="ann@oak.example.org",
            school_id="100001",
            role=Role.MIDDLE_LEADER,
            specialisms=frozenset({"oracy", "ks2 maths"}),
            phases=frozenset({Phase.PRIMARY, Phase.ALL_THROUGH}),
            is_sle=True,
            lead_reviewer=True,
            max_days=6,
        ),
        Staff(
            staff_id="S2",
            name="Ben Best",
            email="ben@elm.example.org",
            school_id="100002",
            role=Role.SENIOR_LEADER,
            specialisms=frozenset({"oracy"}),
            phases=frozenset({Phase.SECONDARY}),
            max_days=4,
        ),
        Staff(
            staff_id="007",
            name="Cat Cole",
            email="cat@ash.example.org",
            school_id="100003",
            role=Role.HEADTEACHER,
            specialisms=frozenset({"ks2 maths", "send"}),
            phases=frozenset({Phase.PRIMARY, Phase.SECONDARY}),
            is_sle=True,
            lead_reviewer=False,
            max_days=8,
        ),
    )
    projects = (
        Project(
            project_id="P1",
            host_school_id="100002",
            area="oracy",
            title="Oracy across the curriculum",
            min_reviewers=1,
            max_reviewers=2,
            needs_lead=True,
            needs_sle=False,
            visits=2,
            visit_days=1,
            earliest=dt.date(2026, 1, 12),
            latest=dt.date(2026, 3, 27),
        ),
        Project(
            project_id="P2",
            host_school_id="100001",
            area="ks2 maths",
            title="Maths mastery",
            min_reviewers=1,
            max_reviewers=1,
            needs_lead=False,
            needs_sle=True,
            visits=1,
            visit_days=2,
            earliest=dt.date(2026, 2, 2),
            latest=dt.date(2026, 2, 27),
        ),
    )
    settings = Settings.model_validate(
        {
            "name": "Spring 2026",
            "number": 3,
            "academic_year": "2025/26",
            "start": dt.date(2026, 1, 5),
            "end": dt.date(2026, 3, 27),
            "coordinator_email": "coordinator@example.org",
            "rules": {"max_travel_minutes": 45},
            "weights": {"travel": 2},
            "travel": {"speed_kmh": 25.5},
        }
    )
    return Round(
        settings=settings,
        schools=schools,
        staff=staff,
        projects=projects,
        conflicts=(Conflict(staff_id="S2", school_id="100003", reason="Former employer"),),
        history=(
            HistoryEntry(
                round=2, staff_id="S1", host_school_id="100002", days=2, academic_year="2025/26"
            ),
            HistoryEntry(round=1, staff_id="007", host_school_id="100001", days=3),
        ),
        preferences=(
            Preference(staff_id="S1", project_id="P1", preference=3),
            Preference(staff_id="007", project_id="P2", preference=-2),
        ),
        travel_times=(TravelTime(from_school_id="100001", to_school_id="100002", minutes=25),),
    )


# ---------------------------------------------------------------------------------- helpers


def write_folder(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8", newline="")
    return folder


def _typed(text: str) -> object:
    """A cell as Excel would store what a user typed: numbers as numbers, dates as dates."""
    if re.fullmatch(r"-?\d+", text) and not text.startswith("0"):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    return text or None


def write_workbook(path: Path, files: dict[str, str], settings: list[tuple[str, object]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, text in files.items():
        if not name.endswith(".csv"):
            continue
        sheet = workbook.create_sheet(name.removesuffix(".csv"))
        for record in csv.reader(io.StringIO(text.removeprefix("\ufeff"))):
            sheet.append([_typed(cell) for cell in record])
    sheet = workbook.create_sheet("round")
    sheet.append(["key", "value"])
    for key, value in settings:
        sheet.append([key, value])
    workbook.save(path)
    return path


def edit_cell(files: dict[str, str], name: str, row: int, column: str, value: str) -> None:
    """Set one cell, addressed as a spreadsheet user would (header = row 1)."""
    records = list(csv.reader(io.StringIO(files[name].removeprefix("\ufeff"))))
    records[row - 1][records[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    files[name] = out.getvalue()


def drop_column(files: dict[str, str], name: str, column: str) -> None:
    records = list(csv.reader(io.StringIO(files[name].removeprefix("\ufeff"))))
    index = records[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [cells[:index] + cells[index + 1 :] for cells in records]
    )
    files[name] = out.getvalue()


def problems_in(tmp_path: Path, files: dict[str, str | bytes]) -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        load_round(write_folder(tmp_path / "round", files))
    return caught.value.problems


def good_files() -> dict[str, str | bytes]:
    return dict(GOOD)


def text_files() -> dict[str, str]:
    return dict(GOOD)


# ---------------------------------------------------------------------------------- good input


def test_good_folder_loads_into_the_expected_round(tmp_path: Path) -> None:
    loaded = load_round(write_folder(tmp_path / "round", good_files()))
    assert loaded == expected_round()


def test_workbook_loads_identically_to_the_folder(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "spring.xlsx", text_files(), GOOD_SHEET_SETTINGS)
    assert load_round(workbook) == load_round(write_folder(tmp_path / "round", good_files()))


def test_optional_files_may_be_left_out(tmp_path: Path) -> None:
    files = {
        name: text
        for name, text in GOOD.items()
        if name in ("schools.csv", "staff.csv", "projects.csv")
    }
    files["round.toml"] = GOOD["round.toml"].split("\n[rules]")[0]
    loaded = load_round(write_folder(tmp_path / "round", files))
    assert (loaded.conflicts, loaded.history, loaded.preferences, loaded.travel_times) == (
        (),
        (),
        (),
        (),
    )
    assert loaded.settings.rules.max_travel_minutes == 60  # the model's default


def test_grid_references_are_read(tmp_path: Path) -> None:
    files = text_files()
    files["schools.csv"] = (
        "school_id,name,phase,trust,easting,northing,max_staff_out_per_day,release_days\n"
        "100001,Oak Primary,primary,,377000,387000,2,20\n"
        "100002,Elm High,secondary,,377500,392500,3,30\n"
        "100003,Ash Academy,all_through,,380000,388000,2,10\n"
    )
    loaded = load_round(write_folder(tmp_path / "round", dict(files)))
    first = loaded.schools[0]
    assert (first.easting, first.northing, first.latitude) == (377000.0, 387000.0, None)


# ---------------------------------------------------------------------------------- bad input

Edit = Callable[[dict[str, str]], object]


def set_cell(name: str, row: int, column: str, value: str) -> Edit:
    return lambda files: edit_cell(files, name, row, column, value)


def replace_text(name: str, old: str, new: str) -> Edit:
    def edit(files: dict[str, str]) -> None:
        assert old in files[name]
        files[name] = files[name].replace(old, new)

    return edit


def append_copy(name: str, row: int) -> Edit:
    """Repeat a data row at the end of the file, as a careless paste would."""

    def edit(files: dict[str, str]) -> None:
        files[name] += files[name].removeprefix("\ufeff").splitlines(keepends=True)[row - 1]

    return edit


def remove_file(name: str) -> Edit:
    return lambda files: files.pop(name) and None


def remove_column(name: str, column: str) -> Edit:
    return lambda files: drop_column(files, name, column)


def mixed_systems(files: dict[str, str]) -> None:
    # The last school is placed on the grid while the others use latitude and longitude.
    files["schools.csv"] = (
        files["schools.csv"]
        .replace("release_days,notes\n", "release_days,notes,easting,northing\n")
        .replace("100003,Ash Academy,All-through,OAK TRUST,53.40,-2.30,,2,10,\n", "")
        + "100003,Ash Academy,All-through,,,,,2,10,,380000,388000\n"
    )


# (edit, file, row, column, words the message must contain)
BAD_CASES: dict[str, tuple[Edit, str, int | None, str | None, str]] = {
    "missing required file": (remove_file("staff.csv"), "staff.csv", None, None, "required"),
    "missing settings file": (remove_file("round.toml"), "round.toml", None, None, "required"),
    "missing column": (
        remove_column("staff.csv", "email"),
        "staff.csv",
        1,
        "email",
        "this column in the header row",
    ),
    "duplicate column": (
        replace_text("travel.csv", "minutes\n", "minutes,minutes\n"),
        "travel.csv",
        1,
        "minutes",
        "each column name only once",
    ),
    "unquoted comma": (
        replace_text("conflicts.csv", "Former employer", "Former employer, 2019"),
        "conflicts.csv",
        2,
        None,
        "double quotes",
    ),
    "open quote": (
        replace_text("preferences.csv", "S1,P1,3", 'S1,"P1,3'),
        "preferences.csv",
        2,
        None,
        "well-formed CSV",
    ),
    "blank required cell": (
        set_cell("staff.csv", 3, "email", ""),
        "staff.csv",
        3,
        "email",
        "blank, expected an email address",
    ),
    "not a whole number": (
        set_cell("staff.csv", 2, "max_days", "six"),
        "staff.csv",
        2,
        "max_days",
        "'six' is not a whole number from 0 to 366",
    ),
    "negative number": (
        set_cell("schools.csv", 4, "release_days", "-1"),
        "schools.csv",
        4,
        "release_days",
        "'-1' is not a whole number from 0 to 100000",
    ),
    "number out of range": (
        set_cell("preferences.csv", 3, "preference", "11"),
        "preferences.csv",
        3,
        "preference",
        "a whole number from -10 to 10",
    ),
    "bad boolean": (
        set_cell("staff.csv", 2, "is_sle", "maybe"),
        "staff.csv",
        2,
        "is_sle",
        "'maybe' is not yes or no",
    ),
    "empty area in a list": (
        set_cell("projects.csv", 2, "area", "oracy;;ks2 maths"),
        "projects.csv",
        2,
        "area",
        "several separated by ';' (none of them empty)",
    ),
    "bad date": (
        set_cell("projects.csv", 2, "earliest", "12/01/2026"),
        "projects.csv",
        2,
        "earliest",
        "a date written YYYY-MM-DD",
    ),
    "unknown phase": (
        set_cell("schools.csv", 2, "phase", "infant"),
        "schools.csv",
        2,
        "phase",
        "'infant' is not one of primary, secondary",
    ),
    "unknown phase in a list": (
        set_cell("staff.csv", 3, "phases", "secondary; sixth form"),
        "staff.csv",
        3,
        "phases",
        "'sixth form' is not one of primary",
    ),
    "unknown role": (
        set_cell("staff.csv", 4, "role", "deputy"),
        "staff.csv",
        4,
        "role",
        "'deputy' is not one of teacher, middle_leader",
    ),
    "bad email": (
        set_cell("staff.csv", 2, "email", "ann.example.org"),
        "staff.csv",
        2,
        "email",
        "an email address",
    ),
    "latitude out of range": (
        set_cell("schools.csv", 3, "latitude", "153.4"),
        "schools.csv",
        3,
        "latitude",
        "a number from -90 to 90",
    ),
    "half a location": (
        set_cell("schools.csv", 3, "longitude", ""),
        "schools.csv",
        3,
        "longitude",
        "the longitude that goes with latitude",
    ),
    "mixed coordinate systems": (
        mixed_systems,
        "schools.csv",
        4,
        "easting",
        "same coordinate system",
    ),
    "duplicate school_id": (
        append_copy("schools.csv", 2),
        "schools.csv",
        5,
        "school_id",
        "'100001' is not unique (row 2 already has it)",
    ),
    "duplicate staff_id": (
        append_copy("staff.csv", 2),
        "staff.csv",
        5,
        "staff_id",
        "not unique",
    ),
    "duplicate project_id": (
        append_copy("projects.csv", 2),
        "projects.csv",
        4,
        "project_id",
        "not unique",
    ),
    "duplicate conflict": (
        replace_text("conflicts.csv", "Former employer\n", "Former employer\nS2,100003,Again\n"),
        "conflicts.csv",
        3,
        "staff_id",
        "a new pairing with school_id '100003' (row 2 already has it)",
    ),
    "duplicate preference": (
        replace_text("preferences.csv", "S1,P1,3\n", "S1,P1,3\nS1,P1,1\n"),
        "preferences.csv",
        3,
        "staff_id",
        "a new pairing with project_id 'P1'",
    ),
    "unknown staff school": (
        set_cell("staff.csv", 3, "school_id", "123456"),
        "staff.csv",
        3,
        "school_id",
        "'123456' is not a school_id in schools.csv",
    ),
    "unknown project host": (
        set_cell("projects.csv", 2, "host_school_id", "100009"),
        "projects.csv",
        2,
        "host_school_id",
        "is not a school_id in schools.csv",
    ),
    "unknown conflict staff": (
        set_cell("conflicts.csv", 2, "staff_id", "s2"),
        "conflicts.csv",
        2,
        "staff_id",
        "a staff_id in staff.csv (did you mean 'S2'?)",
    ),
    "unknown conflict school": (
        set_cell("conflicts.csv", 2, "school_id", "999999"),
        "conflicts.csv",
        2,
        "school_id",
        "a school_id in schools.csv",
    ),
    "unknown history staff": (
        set_cell("history.csv", 3, "staff_id", "S9"),
        "history.csv",
        3,
        "staff_id",
        "a staff_id in staff.csv",
    ),
    "unknown history host": (
        set_cell("history.csv", 2, "host_school_id", "999999"),
        "history.csv",
        2,
        "host_school_id",
        "a school_id in schools.csv",
    ),
    "unknown preference staff": (
        set_cell("preferences.csv", 2, "staff_id", "S9"),
        "preferences.csv",
        2,
        "staff_id",
        "a staff_id in staff.csv",
    ),
    "unknown preference project": (
        set_cell("preferences.csv", 2, "project_id", "P9"),
        "preferences.csv",
        2,
        "project_id",
        "a project_id in projects.csv",
    ),
    "unknown travel from": (
        set_cell("travel.csv", 2, "from_school_id", "999999"),
        "travel.csv",
        2,
        "from_school_id",
        "a school_id in schools.csv",
    ),
    "unknown travel to": (
        set_cell("travel.csv", 2, "to_school_id", "999999"),
        "travel.csv",
        2,
        "to_school_id",
        "a school_id in schools.csv",
    ),
    "min above max": (
        set_cell("projects.csv", 3, "min_reviewers", "3"),
        "projects.csv",
        3,
        "min_reviewers",
        "'3' is not at most max_reviewers (1)",
    ),
    "earliest after latest": (
        set_cell("projects.csv", 3, "earliest", "2026-03-02"),
        "projects.csv",
        3,
        "earliest",
        "on or before latest (2026-02-27)",
    ),
    "visit window outside the round": (
        set_cell("projects.csv", 2, "latest", "2026-04-17"),
        "projects.csv",
        2,
        "latest",
        "within the round (2026-01-05 to 2026-03-27)",
    ),
    "bad toml": (
        replace_text("round.toml", "number = 3", "number 3"),
        "round.toml",
        None,
        None,
        "valid TOML",
    ),
    "bad setting type": (
        replace_text("round.toml", "max_travel_minutes = 45", 'max_travel_minutes = "sixty"'),
        "round.toml",
        None,
        "rules.max_travel_minutes",
        "'sixty' is not a whole number from 0 to 1440",
    ),
    "unknown setting": (
        replace_text("round.toml", "max_travel_minutes = 45", "max_travel_minute = 45"),
        "round.toml",
        None,
        "rules.max_travel_minute",
        "did you mean rules.max_travel_minutes?",
    ),
    "setting outside its table": (
        replace_text("round.toml", "[round]\n", "seed = 1\n[round]\n"),
        "round.toml",
        None,
        "seed",
        "a known setting name",
    ),
    "missing setting": (
        replace_text("round.toml", 'name = "Spring 2026"\n', ""),
        "round.toml",
        None,
        "round.name",
        "(this setting is required)",
    ),
    "start after end": (
        replace_text("round.toml", "start = 2026-01-05", "start = 2026-04-05"),
        "round.toml",
        None,
        "round.start",
        "on or before round.end (2026-03-27)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_reported_where_it_is(tmp_path: Path, case: str) -> None:
    edit, file, row, column, words = BAD_CASES[case]
    files = text_files()
    edit(files)
    problems = problems_in(tmp_path, dict(files))
    located = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert located, f"nothing at {file} row {row} column {column}: {problems}"
    assert any(words in str(p) for p in located), [str(p) for p in located]
    # One mistake, one message: nothing else in the good round may be blamed for it.
    assert len(problems) == 1, [str(p) for p in problems]


def test_needs_role_is_read_and_a_blank_or_absent_column_needs_none(tmp_path: Path) -> None:
    files = text_files()
    files["projects.csv"] = (
        files["projects.csv"]
        .replace("earliest,latest\n", "earliest,latest,needs_role\n")
        .replace("2026-03-27\n", "2026-03-27,Senior leader\n")
        .replace("2026-02-27\n", "2026-02-27,\n")
    )
    loaded = read_round(write_folder(tmp_path / "round", dict(files)))
    assert loaded.round.project_by_id["P1"].needs_role == Role.SENIOR_LEADER
    assert loaded.round.project_by_id["P2"].needs_role is None
    assert (
        read_round(write_folder(tmp_path / "old", good_files())).round.projects[0].needs_role
        is None
    )


def test_new_optional_columns_are_written_only_when_used_and_read_back(tmp_path: Path) -> None:
    plain = read_round(write_folder(tmp_path / "plain", good_files())).round
    write_round(plain, tmp_path / "plain_out")
    assert "needs_role" not in (tmp_path / "plain_out" / "projects.csv").read_text()
    assert "max_leaders" not in (tmp_path / "plain_out" / "schools.csv").read_text()
    assert "sle_allowance" not in (tmp_path / "plain_out" / "staff.csv").read_text()
    schools = tuple(
        s.model_copy(update={"max_leaders_out_per_day": 1}) if n == 0 else s
        for n, s in enumerate(plain.schools)
    )
    projects = tuple(
        p.model_copy(update={"needs_role": Role.HEADTEACHER, "area": "oracy;ks2 maths"})
        if n == 0
        else p
        for n, p in enumerate(plain.projects)
    )
    people = tuple(
        p.model_copy(update={"sle_allowance_days": 30}) if n == 0 else p
        for n, p in enumerate(plain.staff)
    )
    used = plain.replace(schools=schools, projects=projects, staff=people)
    write_round(used, tmp_path / "used_out")
    assert load_round(tmp_path / "used_out") == used


def test_an_unknown_needs_role_is_a_problem_where_it_is(tmp_path: Path) -> None:
    files = text_files()
    files["projects.csv"] = (
        files["projects.csv"]
        .replace("earliest,latest\n", "earliest,latest,needs_role\n")
        .replace("2026-03-27\n", "2026-03-27,deputy\n")
        .replace("2026-02-27\n", "2026-02-27,\n")
    )
    problems = problems_in(tmp_path, dict(files))
    assert [(p.file, p.row, p.column) for p in problems] == [("projects.csv", 2, "needs_role")]
    assert "senior_leader" in str(problems[0]) and "deputy" in str(problems[0])


def test_several_areas_are_read_normalised_each(tmp_path: Path) -> None:
    files = text_files()
    edit_cell(files, "projects.csv", 2, "area", "Oracy;  KS2  Maths ; oracy")
    loaded = read_round(write_folder(tmp_path / "round", dict(files)))
    p1 = loaded.round.project_by_id["P1"]
    assert p1.area == "oracy;ks2 maths"
    assert p1.areas == ("oracy", "ks2 maths")
    assert loaded.round.project_by_id["P2"].areas == ("ks2 maths",)
    assert list(loaded.warnings) == []


def test_problem_reads_like_a_spreadsheet_reference() -> None:
    problem = Problem(
        file="staff.csv",
        row=14,
        column="school_id",
        value="123456",
        expected="a school_id in schools.csv",
    )
    assert (
        str(problem)
        == "staff.csv row 14, column school_id: '123456' is not a school_id in schools.csv"
    )


def test_windows_1252_is_read_with_a_warning_and_undecodable_bytes_are_a_problem(
    tmp_path: Path,
) -> None:
    files = good_files()
    files["staff.csv"] = GOOD["staff.csv"].replace("Ann Able", "Siân Able").encode("cp1252")
    loaded = read_round(write_folder(tmp_path / "ansi", files))
    assert loaded.round.staff[0].name == "Siân Able"
    assert [(w.file, w.row) for w in loaded.warnings] == [("staff.csv", None)]
    assert "read as Windows-1252" in str(loaded.warnings[0])
    # 0x81 is in no Windows-1252 letter and no UTF-8 sequence: not text we can guess.
    files["staff.csv"] = GOOD["staff.csv"].encode("utf-8").replace(b"Ann", b"A\x81n")
    problems = problems_in(tmp_path, files)
    assert [(p.file, p.row, p.column) for p in problems] == [("staff.csv", None, None)]
    assert "UTF-8" in str(problems[0])


def test_settings_in_windows_1252_are_read_with_a_warning(tmp_path: Path) -> None:
    files = good_files()
    files["round.toml"] = GOOD["round.toml"].replace("Spring", "Printemps é").encode("cp1252")
    loaded = read_round(write_folder(tmp_path / "round", files))
    assert loaded.round.settings.name == "Printemps é 2026"
    assert [w.file for w in loaded.warnings] == ["round.toml"]


def test_many_problems_are_reported_together_and_sorted(tmp_path: Path) -> None:
    files = text_files()
    edit_cell(files, "staff.csv", 4, "role", "deputy")
    edit_cell(files, "staff.csv", 2, "max_days", "six")
    edit_cell(files, "staff.csv", 2, "email", "")
    edit_cell(files, "schools.csv", 3, "phase", "infant")
    edit_cell(files, "projects.csv", 2, "visits", "0")
    edit_cell(files, "travel.csv", 2, "minutes", "-5")
    files["round.toml"] = files["round.toml"].replace("speed_kmh", "sped_kmh")
    files.pop("preferences.csv")  # optional: leaving it out is fine
    with pytest.raises(InputError) as caught:
        load_round(write_folder(tmp_path / "round", dict(files)))
    where = [(p.file, p.row, p.column) for p in caught.value.problems]
    assert where == [
        ("projects.csv", 2, "visits"),
        ("round.toml", None, "travel.sped_kmh"),
        ("schools.csv", 3, "phase"),
        ("staff.csv", 2, "email"),
        ("staff.csv", 2, "max_days"),
        ("staff.csv", 4, "role"),
        ("travel.csv", 2, "minutes"),
    ]
    lines = str(caught.value).splitlines()
    assert lines[0] == f"7 problems in {tmp_path / 'round'}:"
    assert lines[1:] == [f"  {p}" for p in caught.value.problems]


def test_a_bad_row_does_not_make_its_id_unknown_elsewhere(tmp_path: Path) -> None:
    files = text_files()
    edit_cell(files, "staff.csv", 2, "email", "not-an-email")  # S1 is still a staff_id
    problems = problems_in(tmp_path, dict(files))
    assert [(p.file, p.column) for p in problems] == [("staff.csv", "email")]


def test_a_missing_file_does_not_make_every_reference_unknown(tmp_path: Path) -> None:
    files = good_files()
    files.pop("schools.csv")
    problems = problems_in(tmp_path, files)
    assert [(p.file, p.row) for p in problems] == [("schools.csv", None)]


def test_a_missing_column_is_reported_once_not_on_every_row(tmp_path: Path) -> None:
    files = text_files()
    drop_column(files, "projects.csv", "visits")
    problems = problems_in(tmp_path, dict(files))
    assert [(p.file, p.row, p.column) for p in problems] == [("projects.csv", 1, "visits")]


def test_missing_location_columns(tmp_path: Path) -> None:
    files = text_files()
    drop_column(files, "schools.csv", "longitude")
    (problem,) = problems_in(tmp_path, dict(files))
    assert str(problem) == (
        "schools.csv row 1: expected columns latitude and longitude, or easting and northing"
    )


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_round(tmp_path / "nowhere")
    assert "an existing folder of CSV files, or an .xlsx workbook" in str(caught.value)


def test_workbook_problems_name_the_sheet(tmp_path: Path) -> None:
    files = text_files()
    edit_cell(files, "staff.csv", 3, "school_id", "123456")
    settings = [(k, v) for k, v in GOOD_SHEET_SETTINGS if k != "round.end"]
    settings.append(("rules.max_travel_minute", 45))
    del files["projects.csv"]
    workbook = write_workbook(tmp_path / "spring.xlsx", files, settings)
    with pytest.raises(InputError) as caught:
        load_round(workbook)
    assert [str(p) for p in caught.value.problems] == [
        "sheet projects: expected this sheet (it is required)",
        "sheet round, column round.end: expected a date written YYYY-MM-DD"
        " (this setting is required)",
        "sheet round row 10, column rules.max_travel_minute: expected a known setting name"
        " (did you mean rules.max_travel_minutes?)",
        "sheet staff row 3, column school_id: '123456' is not a school_id in sheet schools",
    ]


def test_a_damaged_workbook_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "round.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(InputError) as caught:
        load_round(path)
    assert [p.file for p in caught.value.problems] == ["round.xlsx"]


# ---------------------------------------------------------------------------------- the docs


def test_docs_settings_table_is_generated_from_the_model() -> None:
    assert settings_reference() in DOC.read_text(encoding="utf-8"), (
        "docs/input-format.md is out of date: paste in the output of "
        "python -c 'from matcher.io.settings import settings_reference as r; print(r())'"
    )


def test_every_setting_has_a_meaning() -> None:
    assert set(MEANINGS) == set(all_keys())


@pytest.mark.parametrize("spec", FILES, ids=lambda spec: spec.name)
def test_docs_column_tables_are_generated_from_the_model(spec: FileSpec) -> None:
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split(f"## {spec.name}.csv\n", 1)[1].split("\n## ", 1)[0]
    assert columns_reference(spec) in section, (
        f"the {spec.name}.csv table in docs/input-format.md is out of date: paste in "
        f"columns_reference(SPECS[{spec.name!r}]) from matcher.io.rows"
    )


def test_docs_name_every_model_field() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for spec in FILES:
        for name in spec.model.model_fields:
            assert f"`{name}`" in doc, f"{spec.model.__name__}.{name} is not documented"
    for key in all_keys():
        assert f"`{key}`" in doc, f"setting {key} is not documented"


# ---------------------------------------------------------------------------------- calendar
# The good round again, with everything visit dating reads: availability.csv, the two optional
# project columns, [calendar] in its TOML forms and [schedule_weights]. Spring term 2026 runs
# 5 January to 13 February and 23 February to 27 March.

CALENDAR_TOML = (
    "\n[calendar]\n"
    "terms = [{start = 2026-01-05, end = 2026-02-13}, {start = 2026-02-23, end = 2026-03-27}]\n"
    "holidays = [{start = 2026-03-02, end = 2026-03-02}]\n"
    "inset_days = [2026-01-05, 2026-02-23]\n"
    "bank_holidays = false\n"
    'timezone = "Europe/London"\n'
    'day_start = "08:30"\n'
    "day_end = 15:00:00\n"
    "min_gap_days = 10\n"
    "max_visits_per_day = 2\n"
    "cover_cost_per_day = {primary = 150, All-through = 210}\n"
    "\n[schedule_weights]\nend_of_term = 0\npreferred_days = 12\n"
)
# The same settings as a workbook's round sheet holds them: every value as text.
CALENDAR_SHEET_SETTINGS: list[tuple[str, object]] = [
    ("calendar.terms", "2026-01-05..2026-02-13; 2026-02-23..2026-03-27"),
    ("calendar.holidays", "2026-03-02"),
    ("calendar.inset_days", "2026-01-05; 2026-02-23"),
    ("calendar.bank_holidays", "no"),
    ("calendar.timezone", "Europe/London"),
    ("calendar.day_start", "08:30"),
    ("calendar.day_end", dt.time(15, 0)),  # a time cell
    ("calendar.min_gap_days", 10),
    ("calendar.max_visits_per_day", 2),
    ("calendar.cover_cost_per_day", "primary=150; all through=210"),
    ("schedule_weights.end_of_term", 0),
    ("schedule_weights.preferred_days", 12),
]
AVAILABILITY_CSV = (
    "id,start,end,kind,note\n"
    "100002,2026-01-12,2026-01-16,Unavailable,Year 11 mock exams\n"
    "S1,2026-02-04,2026-02-04,unavailable,course\n"
    "007,2025-12-15,2026-01-06,preferred,\n"
)


def calendar_files() -> dict[str, str]:
    files = text_files()
    files["round.toml"] = GOOD["round.toml"] + CALENDAR_TOML
    files["availability.csv"] = AVAILABILITY_CSV
    files["projects.csv"] = (
        files["projects.csv"]
        .replace("earliest,latest\n", "earliest,latest,min_gap_days,presentation\n")
        .replace("2026-03-27\n", "2026-03-27,14,yes\n")
        .replace("2026-02-27\n", "2026-02-27,,\n")
    )
    return files


def test_calendar_and_availability_load_as_documented(tmp_path: Path) -> None:
    loaded = load_round(write_folder(tmp_path / "round", dict(calendar_files())))
    calendar = loaded.settings.calendar
    assert calendar.terms == (
        DateRange(start=dt.date(2026, 1, 5), end=dt.date(2026, 2, 13)),
        DateRange(start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)),
    )
    assert calendar.holidays == (DateRange(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 2)),)
    assert calendar.inset_days == (dt.date(2026, 1, 5), dt.date(2026, 2, 23))
    assert (calendar.day_start, calendar.day_end) == (dt.time(8, 30), dt.time(15, 0))
    assert calendar.cover_cost_per_day == {"primary": 150, "all_through": 210}
    assert (calendar.bank_holidays, calendar.min_gap_days, calendar.max_visits_per_day) == (
        False,
        10,
        2,
    )
    assert calendar.presentation_start == dt.time(15, 45), "unset times keep their default"
    assert loaded.settings.schedule_weights == ScheduleWeights(end_of_term=0, preferred_days=12)
    p1, p2 = loaded.projects
    assert (p1.min_gap_days, p1.presentation, p2.min_gap_days, p2.presentation) == (
        14,
        True,
        None,
        False,
    )
    assert loaded.availability == (
        Availability(
            id="100002",
            start=dt.date(2026, 1, 12),
            end=dt.date(2026, 1, 16),
            kind="unavailable",
            note="Year 11 mock exams",
        ),
        Availability(
            id="S1",
            start=dt.date(2026, 2, 4),
            end=dt.date(2026, 2, 4),
            kind="unavailable",
            note="course",
        ),
        # Starts before the round but overlaps it, so it is kept as written.
        Availability(
            id="007", start=dt.date(2025, 12, 15), end=dt.date(2026, 1, 6), kind="preferred"
        ),
    )


def test_calendar_text_forms_read_like_the_toml_forms(tmp_path: Path) -> None:
    files = calendar_files()
    folder = load_round(write_folder(tmp_path / "round", dict(files)))
    workbook = write_workbook(
        tmp_path / "spring.xlsx", files, GOOD_SHEET_SETTINGS + CALENDAR_SHEET_SETTINGS
    )
    assert load_round(workbook) == folder
    # round.toml accepts the text forms too, as quoted strings.
    as_text = "".join(
        f"{key.split('.')[1]} = {tomli_w_value(value)}\n"
        for key, value in CALENDAR_SHEET_SETTINGS
        if key.startswith("calendar.")
    )
    files["round.toml"] = (
        GOOD["round.toml"]
        + "\n[calendar]\n"
        + as_text
        + "\n[schedule_weights]\nend_of_term = 0\npreferred_days = 12\n"
    )
    assert load_round(write_folder(tmp_path / "text", dict(files))) == folder


def tomli_w_value(value: object) -> str:
    """A sheet value written into round.toml: text quoted, numbers and times as TOML."""
    if isinstance(value, str):
        return '"' + value + '"' if value not in ("no", "yes") else str(value == "yes").lower()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def calendar_setting(old: str, new: str) -> Edit:
    """Replace text inside the [calendar] table of the calendar round."""
    return replace_text("round.toml", old, new)


CAL = "round.toml"
# (edit, file, row, column, words the message must contain), on top of calendar_files()
CALENDAR_BAD_CASES: dict[str, tuple[Edit, str, int | None, str | None, str]] = {
    "availability: unknown id": (
        set_cell("availability.csv", 3, "id", "s1"),
        "availability.csv",
        3,
        "id",
        "a staff_id in staff.csv or a school_id in schools.csv (did you mean 'S1'?)",
    ),
    "availability: bad date": (
        set_cell("availability.csv", 2, "start", "12/01/2026"),
        "availability.csv",
        2,
        "start",
        "a date written YYYY-MM-DD",
    ),
    "availability: end before start": (
        set_cell("availability.csv", 2, "end", "2026-01-09"),
        "availability.csv",
        2,
        "end",
        "'2026-01-09' is not on or after start (2026-01-12)",
    ),
    "availability: bad kind": (
        set_cell("availability.csv", 3, "kind", "busy"),
        "availability.csv",
        3,
        "kind",
        "'busy' is not one of unavailable, preferred",
    ),
    "availability: wholly after the round": (
        replace_text("availability.csv", "2026-02-04,2026-02-04", "2027-02-04,2027-02-04"),
        "availability.csv",
        3,
        "start",
        "on or before the round's end (2026-03-27): the range lies wholly outside the round",
    ),
    "availability: wholly before the round": (
        set_cell("availability.csv", 4, "end", "2025-12-19"),
        "availability.csv",
        4,
        "end",
        "on or after the round's start (2026-01-05)",
    ),
    "availability: missing column": (
        remove_column("availability.csv", "kind"),
        "availability.csv",
        1,
        "kind",
        "this column in the header row",
    ),
    "project: bad min_gap_days": (
        set_cell("projects.csv", 2, "min_gap_days", "-2"),
        "projects.csv",
        2,
        "min_gap_days",
        "'-2' is not a whole number from 0 to 366",
    ),
    "project: bad presentation": (
        set_cell("projects.csv", 3, "presentation", "perhaps"),
        "projects.csv",
        3,
        "presentation",
        "'perhaps' is not yes or no",
    ),
    "calendar: unknown setting": (
        calendar_setting("min_gap_days = 10", "min_gap_day = 10"),
        CAL,
        None,
        "calendar.min_gap_day",
        "did you mean calendar.min_gap_days?",
    ),
    "calendar: unreadable range": (
        calendar_setting("{start = 2026-03-02, end = 2026-03-02}", '"2026-03-02..soon"'),
        CAL,
        None,
        "calendar.holidays",
        "'2026-03-02..soon' is not a date range written YYYY-MM-DD..YYYY-MM-DD",
    ),
    "calendar: range with a wrong key": (
        calendar_setting("{start = 2026-03-02, end = 2026-03-02}", "{from = 2026-03-02}"),
        CAL,
        None,
        "calendar.holidays",
        "'{from = 2026-03-02}' is not a date range written YYYY-MM-DD..YYYY-MM-DD",
    ),
    "calendar: range ending before it starts": (
        calendar_setting("end = 2026-02-13}", "end = 2026-01-02}"),
        CAL,
        None,
        "calendar.terms",
        "'2026-01-05..2026-01-02' is not a date range whose start is on or before its end",
    ),
    "calendar: term outside the round": (
        calendar_setting("end = 2026-03-27}", "end = 2026-04-02}"),
        CAL,
        None,
        "calendar.terms",
        "'2026-02-23..2026-04-02' is not a term within the round (2026-01-05 to 2026-03-27)",
    ),
    "calendar: terms overlapping": (
        calendar_setting("start = 2026-02-23", "start = 2026-02-13"),
        CAL,
        None,
        "calendar.terms",
        "a term starting after the one before it ends (2026-01-05..2026-02-13)",
    ),
    "calendar: bad INSET day": (
        calendar_setting("inset_days = [2026-01-05, 2026-02-23]", 'inset_days = ["5/1/2026"]'),
        CAL,
        None,
        "calendar.inset_days",
        "'5/1/2026' is not a date written YYYY-MM-DD",
    ),
    "calendar: bad time": (
        calendar_setting('day_start = "08:30"', 'day_start = "8.30am"'),
        CAL,
        None,
        "calendar.day_start",
        "'8.30am' is not a time written HH:MM (24-hour clock)",
    ),
    "calendar: day ends before it starts": (
        calendar_setting('day_start = "08:30"', 'day_start = "15:30"'),
        CAL,
        None,
        "calendar.day_start",
        "'15:30' is not before calendar.day_end (15:00)",
    ),
    "calendar: presentation ends before it starts": (
        calendar_setting("min_gap_days = 10", 'min_gap_days = 10\npresentation_end = "15:30"'),
        CAL,
        None,
        "calendar.presentation_end",
        "'15:30' is not after calendar.presentation_start (15:45)",
    ),
    "calendar: unknown time zone": (
        calendar_setting('"Europe/London"', '"Europe/Londn"'),
        CAL,
        None,
        "calendar.timezone",
        "an IANA time zone such as Europe/London (did you mean 'Europe/London'?)",
    ),
    "calendar: cover cost for an unknown phase": (
        calendar_setting("All-through = 210", "infant = 210"),
        CAL,
        None,
        "calendar.cover_cost_per_day",
        "'infant' is not one of primary, secondary",
    ),
    "calendar: cover cost not a whole number": (
        calendar_setting("primary = 150", 'primary = "a lot"'),
        CAL,
        None,
        "calendar.cover_cost_per_day",
        "'a lot' is not a whole number from 0 to 100000 (the cost for primary)",
    ),
    "calendar: bad min_gap_days": (
        calendar_setting("min_gap_days = 10", "min_gap_days = -1"),
        CAL,
        None,
        "calendar.min_gap_days",
        "'-1' is not a whole number from 0 to 366",
    ),
    "schedule weight out of range": (
        replace_text("round.toml", "end_of_term = 0", "end_of_term = -3"),
        CAL,
        None,
        "schedule_weights.end_of_term",
        "'-3' is not a whole number from 0 to 100000",
    ),
}


@pytest.mark.parametrize("case", sorted(CALENDAR_BAD_CASES))
def test_bad_calendar_input_is_reported_where_it_is(tmp_path: Path, case: str) -> None:
    edit, file, row, column, words = CALENDAR_BAD_CASES[case]
    files = calendar_files()
    edit(files)
    problems = problems_in(tmp_path, dict(files))
    located = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert located, f"nothing at {file} row {row} column {column}: {problems}"
    assert any(words in str(p) for p in located), [str(p) for p in located]
    assert len(problems) == 1, [str(p) for p in problems]


def test_calendar_problems_in_a_workbook_name_the_row(tmp_path: Path) -> None:
    settings = [*GOOD_SHEET_SETTINGS, *CALENDAR_SHEET_SETTINGS]
    settings[settings.index(("calendar.inset_days", "2026-01-05; 2026-02-23"))] = (
        "calendar.inset_days",
        "2026-01-05; 2026-13-01",
    )
    workbook = write_workbook(tmp_path / "spring.xlsx", calendar_files(), settings)
    with pytest.raises(InputError) as caught:
        load_round(workbook)
    assert [str(p) for p in caught.value.problems] == [
        "sheet round row 13, column calendar.inset_days: '2026-13-01' is not a real date "
        "(there is no month 13)"
    ]


def test_an_availability_problem_does_not_hide_others(tmp_path: Path) -> None:
    files = calendar_files()
    edit_cell(files, "availability.csv", 2, "id", "999999")
    edit_cell(files, "availability.csv", 3, "kind", "away")
    edit_cell(files, "availability.csv", 4, "start", "2026-01-07")  # after its end
    problems = problems_in(tmp_path, dict(files))
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("availability.csv", 2, "id"),
        ("availability.csv", 3, "kind"),
        ("availability.csv", 4, "end"),
    ]
