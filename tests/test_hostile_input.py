"""Input a coordinator might really send, one test per kind of defect: each is refused with a
message naming where it is, or read with a warning, and never ends in a traceback or in data
silently read wrong. Allowed and forbidden values are tested side by side."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sample_round import (
    Files,
    as_csv,
    records,
    sample_files,
    set_cell,
    settings_rows,
    write_folder,
    write_workbook,
)

from matcher.cli import main
from matcher.io import InputError, InputWarning, Problem, load_round, read_round
from matcher.io.rows import FILES
from matcher.io.settings import SECTIONS
from matcher.model import Settings

# ---------------------------------------------------------------------------------- helpers


def cli(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the test fails with it
    return result


def problems(tmp_path: Path, files: Files) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_round(write_folder(tmp_path / "round", files))
    return list(caught.value.problems)


def warnings_of(tmp_path: Path, files: Files) -> list[InputWarning]:
    return list(read_round(write_folder(tmp_path / "round", files)).warnings)


def with_cell(name: str, row: int, column: str, value: str) -> Files:
    files = sample_files()
    set_cell(files, name, row, column, value)
    return files


def with_setting(old: str, new: str) -> Files:
    files = sample_files()
    text = files["round.toml"]
    assert isinstance(text, str) and old in text
    files["round.toml"] = text.replace(old, new, 1)
    return files


def where(found: list[Problem]) -> list[tuple[str, int | None, str | None]]:
    return [(p.file, p.row, p.column) for p in found]


# ---------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", ["12345678901234567890123", "367", "9" * 5000])
def test_a_number_too_large_for_the_solver_is_a_problem_not_a_traceback(
    tmp_path: Path, value: str
) -> None:
    found = problems(tmp_path, with_cell("staff.csv", 2, "max_days", value))
    shown = value if len(value) <= 60 else value[:57] + "..."
    assert [str(p) for p in found] == [
        f"staff.csv row 2, column max_days: {shown!r} is not a whole number from 0 to 366"
    ]


def test_the_largest_allowed_number_is_read(tmp_path: Path) -> None:
    loaded = load_round(write_folder(tmp_path / "r", with_cell("staff.csv", 2, "max_days", "366")))
    assert loaded.staff[0].max_days == 366


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("1_000", "without separators"),
        ("1,000", "without separators"),
        ("٣", ""),  # an Arabic-Indic three: int() reads it, a spreadsheet user did not mean it
        ("3.5", ""),
        ("0x10", ""),
    ],
)
def test_numbers_are_written_as_people_write_them(tmp_path: Path, value: str, hint: str) -> None:
    (problem,) = problems(tmp_path, with_cell("staff.csv", 2, "max_days", value))
    assert where([problem]) == [("staff.csv", 2, "max_days")]
    assert "a whole number from 0 to 366" in problem.expected and hint in problem.expected


@pytest.mark.parametrize(("value", "read"), [("+3", 3), ("3.0", 3), (" 4 ", 4)])
def test_plain_whole_numbers_are_read(tmp_path: Path, value: str, read: int) -> None:
    loaded = load_round(write_folder(tmp_path / "r", with_cell("staff.csv", 2, "max_days", value)))
    assert loaded.staff[0].max_days == read


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "Infinity", "53,4"])
def test_nan_and_inf_in_numeric_cells_are_problems(tmp_path: Path, value: str) -> None:
    (problem,) = problems(tmp_path, with_cell("schools.csv", 2, "latitude", value))
    assert where([problem]) == [("schools.csv", 2, "latitude")]
    assert "a number from -90 to 90" in problem.expected


def test_a_decimal_comma_is_pointed_out(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, with_cell("schools.csv", 2, "latitude", "53,4065"))
    assert "(write decimals with a point: 53.4065)" in str(problem)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("speed_kmh = 30.0", "speed_kmh = inf", "travel.speed_kmh"),
        ("speed_kmh = 30.0", "speed_kmh = nan", "travel.speed_kmh"),
        ("speed_kmh = 30.0", "speed_kmh = 1e-300", "travel.speed_kmh"),
        ("detour_factor = 1.3", "detour_factor = 1e300", "travel.detour_factor"),
        ("unstaffed = 100000", "unstaffed = 100000000000000000000000", "weights.unstaffed"),
        ("unstaffed = 100000", 'unstaffed = "1_000"', "weights.unstaffed"),
        ("unstaffed = 100000", "unstaffed = true", "weights.unstaffed"),
        ("travel = 1", "travel = 1000000", "weights.travel"),
        ("number = 3", "number = 9223372036854775807", "round.number"),
    ],
)
def test_nan_inf_tiny_and_huge_settings_are_problems(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    found = problems(tmp_path, with_setting(old, new))
    assert where(found) == [("round.toml", None, key)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("speed_kmh = 30.0", "speed_kmh = 1"),
        ("unstaffed = 100000", "unstaffed = 1_000_000"),  # TOML's own digit grouping
        ("unstaffed = 100000", "unstaffed = 10000000"),
    ],
)
def test_settings_within_range_are_read(tmp_path: Path, old: str, new: str) -> None:
    assert load_round(write_folder(tmp_path / "r", with_setting(old, new)))


@pytest.mark.parametrize(
    ("zone", "words"),
    [("Europe", "did you mean"), ("x" * 5000, "an IANA time zone"), ("../etc", "an IANA")],
)
def test_a_time_zone_that_names_a_folder_or_no_file_is_a_problem_not_a_traceback(
    tmp_path: Path, zone: str, words: str
) -> None:
    found = problems(tmp_path, with_setting('"Europe/London"', f'"{zone}"'))
    assert where(found) == [("round.toml", None, "calendar.timezone")]
    assert words in found[0].expected


def test_every_number_of_the_input_has_an_upper_bound() -> None:
    """A number without a ceiling can overflow the solver's 64-bit arithmetic: give it one."""
    models = [spec.model for spec in FILES] + [Settings, *SECTIONS.values()]
    unbounded = [
        f"{m.__name__}.{name}"
        for m in models
        for name, info in m.model_fields.items()
        if _is_number(info.annotation)
        and not any(hasattr(item, "le") or hasattr(item, "lt") for item in info.metadata)
    ]
    assert unbounded == []


def _is_number(annotation: object) -> bool:
    return annotation in (int, float, int | None, float | None)


# ---------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2027-02-29", "not a real date (February 2027 has 28 days)"),
        ("2027-04-31", "not a real date (April 2027 has 30 days)"),
        ("2027-13-01", "not a real date (there is no month 13)"),
        ("2027-1-11", "not a date written YYYY-MM-DD"),
    ],
)
def test_an_impossible_date_is_called_not_a_real_date(
    tmp_path: Path, value: str, words: str
) -> None:
    (problem,) = problems(tmp_path, with_cell("projects.csv", 2, "earliest", value))
    assert where([problem]) == [("projects.csv", 2, "earliest")] and words in str(problem)


def test_a_leap_day_is_a_real_date(tmp_path: Path) -> None:
    files = with_setting("end = 2027-03-26", "end = 2028-03-26")
    set_cell(files, "projects.csv", 2, "latest", "2028-02-29")
    loaded = load_round(write_folder(tmp_path / "r", files))
    assert str(loaded.projects[0].latest) == "2028-02-29"


@pytest.mark.parametrize(
    ("name", "column", "value"),
    [("availability.csv", "end", "9999-12-31"), ("availability.csv", "start", "1066-10-14")],
)
def test_a_date_beyond_the_calendar_years_is_a_problem_not_a_traceback(
    tmp_path: Path, name: str, column: str, value: str
) -> None:
    (problem,) = problems(tmp_path, with_cell(name, 2, column, value))
    assert "a date in the years 2000 to 2099" in str(problem)


def test_a_round_ending_beyond_the_calendar_years_is_a_problem(tmp_path: Path) -> None:
    found = problems(tmp_path, with_setting("\nend = 2027-03-26", "\nend = 9999-12-31"))
    assert [(p.column, p.expected) for p in found] == [
        ("round.end", "a date in the years 2000 to 2099")
    ]


# ---------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("column", "value"), [("name", "Claire\x00Moore"), ("staff_id", "S0\x1b01"), ("email", "\x7f")]
)
def test_control_characters_are_refused(tmp_path: Path, column: str, value: str) -> None:
    found = problems(tmp_path, with_cell("staff.csv", 2, column, value))
    # One message for the cell: not also "blank", nor an unknown id elsewhere.
    assert where(found)[:1] == [("staff.csv", 2, column)]
    assert "control characters" in str(found[0])
    assert all("blank" not in str(p) for p in found)


def test_a_line_break_in_a_name_is_folded_with_a_warning(tmp_path: Path) -> None:
    loaded = read_round(
        write_folder(tmp_path / "r", with_cell("staff.csv", 2, "name", "Claire\r\n Moore"))
    )
    assert loaded.round.staff[0].name == "Claire Moore"
    (warning,) = loaded.warnings
    assert (warning.file, warning.row, warning.column) == ("staff.csv", 2, "name")
    assert "Claire" not in str(warning)  # a warning never quotes a person's name


def test_a_line_break_in_a_toml_setting_is_folded_with_a_warning(tmp_path: Path) -> None:
    files = with_setting('name = "Mersey Vale Alliance', 'name = """Mersey Vale\nAlliance')
    files["round.toml"] = str(files["round.toml"]).replace('review"', 'review"""', 1)
    loaded = read_round(write_folder(tmp_path / "r", files))
    assert loaded.round.settings.name.startswith("Mersey Vale Alliance")
    assert [(w.file, w.column) for w in loaded.warnings] == [("round.toml", "round.name")]


def test_a_nul_in_a_toml_setting_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path, with_setting('academic_year = "2026/27"', 'academic_year = "\\u0000"')
    )
    assert where(found) == [("round.toml", None, "round.academic_year")]


def test_a_round_with_no_school_day_warns(tmp_path: Path) -> None:
    files = with_setting("holidays = []", "holidays = [{start = 2027-01-04, end = 2027-03-26}]")
    (warning,) = warnings_of(tmp_path, files)
    assert (warning.file, warning.column) == ("round.toml", "calendar.terms")
    assert "no school day" in warning.message
    assert warnings_of(tmp_path / "sample", sample_files()) == []


# ---------------------------------------------------------------------------------- locations


@pytest.mark.parametrize(
    ("latitude", "longitude", "words"),
    [
        ("-2.331", "53.4065", "latitude and longitude look swapped"),
        ("40.7128", "-74.006", "outside the UK (latitude 49 to 61, longitude -9 to 2)"),
    ],
)
def test_a_school_outside_the_uk_warns_with_its_id_row_and_values(
    tmp_path: Path, latitude: str, longitude: str, words: str
) -> None:
    files = with_cell("schools.csv", 2, "latitude", latitude)
    set_cell(files, "schools.csv", 2, "longitude", longitude)
    (warning,) = warnings_of(tmp_path, files)
    assert (warning.file, warning.row, warning.column) == ("schools.csv", 2, "latitude")
    assert "'910001'" in warning.message and latitude in warning.message
    assert words in warning.message


def test_schools_across_the_uk_do_not_warn(tmp_path: Path) -> None:
    files = with_cell("schools.csv", 2, "latitude", "60.15")  # Lerwick, Shetland
    set_cell(files, "schools.csv", 2, "longitude", "-1.14")
    set_cell(files, "schools.csv", 3, "latitude", "49.91")  # St Mary's, Scilly
    set_cell(files, "schools.csv", 3, "longitude", "-6.31")
    assert warnings_of(tmp_path, files) == []


# ---------------------------------------------------------------------------------- history


@pytest.mark.parametrize("past", ["3", "7"])
def test_history_of_this_round_or_a_later_one_is_refused(tmp_path: Path, past: str) -> None:
    (problem,) = problems(tmp_path, with_cell("history.csv", 2, "round", past))
    assert where([problem]) == [("history.csv", 2, "round")]
    assert "raise round.number" in problem.expected


def test_an_unreadable_round_number_is_not_replaced_by_its_default(tmp_path: Path) -> None:
    # With the default (1), every history row would look like one of a later round.
    found = problems(tmp_path, with_setting("number = 3", 'number = "three"'))
    assert where(found) == [("round.toml", None, "round.number")]


def test_history_of_the_round_before_is_read(tmp_path: Path) -> None:
    loaded = load_round(write_folder(tmp_path / "r", with_cell("history.csv", 2, "round", "2")))
    assert loaded.history[0].round == 2


# ---------------------------------------------------------------------------------- files


def test_utf16_tab_separated_and_bom_files_are_read_with_warnings(tmp_path: Path) -> None:
    files = sample_files()
    staff = records(str(files["staff.csv"]))
    staff[1][1] = "Siân Moore"
    files["staff.csv"] = as_csv(staff, "\t").encode("utf-16")  # Excel's "Unicode Text"
    files["projects.csv"] = "\ufeff" + str(files["projects.csv"])  # Excel's "CSV UTF-8"
    loaded = read_round(write_folder(tmp_path / "r", files))
    assert loaded.round.staff[0].name == "Siân Moore"
    assert [(w.file, w.message.split(":")[0]) for w in loaded.warnings] == [
        ("staff.csv", "not UTF-8 but UTF-16 (as Excel's Unicode Text saves it)"),
        ("staff.csv", "values are separated by tabs, not commas"),
    ]


def test_a_semicolon_separated_file_is_read_with_a_warning(tmp_path: Path) -> None:
    files = sample_files()
    files["staff.csv"] = as_csv(records(str(files["staff.csv"])), ";")
    loaded = read_round(write_folder(tmp_path / "r", files))
    assert len(loaded.round.staff) == 106
    assert [str(w) for w in loaded.warnings] == [
        "staff.csv: values are separated by semicolons, not commas: read that way"
    ]


def test_an_excel_separator_line_is_obeyed_and_not_counted_as_a_row(tmp_path: Path) -> None:
    files = sample_files()
    files["staff.csv"] = "sep=;\n" + as_csv(records(str(files["staff.csv"])), ";")
    set_cell(files, "projects.csv", 2, "max_reviewers", "many")
    found = problems(tmp_path, files)
    assert where(found) == [("projects.csv", 2, "max_reviewers")]  # staff.csv is read, quietly
    files["staff.csv"] = str(files["staff.csv"]).replace("S001;", "S001;x;", 1)
    assert ("staff.csv", 2, None) in where(problems(tmp_path / "again", files))


def test_a_comma_separated_file_with_semicolon_lists_stays_comma_separated(
    tmp_path: Path,
) -> None:
    # staff.csv's lists use semicolons inside quoted cells: the header decides, not the body.
    files = sample_files()
    set_cell(files, "staff.csv", 2, "specialisms", "behaviour; wellbeing; send")
    assert warnings_of(tmp_path, files) == []


def test_a_workbook_saved_with_a_csv_name_is_a_clear_problem(tmp_path: Path) -> None:
    files = sample_files()
    workbook = write_workbook(tmp_path / "staff.xlsx", sample_files())
    files["staff.csv"] = workbook.read_bytes()
    (problem,) = problems(tmp_path, files)
    assert problem.file == "staff.csv" and "save it as CSV" in problem.expected


def test_an_impossible_input_path_is_a_problem_not_a_traceback() -> None:
    result = cli("validate", "x" * 5000)  # longer than any file name may be
    assert result.exit_code == 2 and "(File name too long)" in result.stderr
    # A NUL cannot come from a shell, only from a script.
    with pytest.raises(InputError) as caught:
        load_round("a\x00b")
    assert len(caught.value.problems) == 1


def test_a_missing_file_does_not_cascade(tmp_path: Path) -> None:
    files = sample_files()
    del files["schools.csv"]
    assert [str(p) for p in problems(tmp_path, files)] == [
        "schools.csv: expected this file (it is required)"
    ]


def test_a_file_with_only_a_header_is_reported_once_not_on_every_row(tmp_path: Path) -> None:
    files = sample_files()
    files["schools.csv"] = str(files["schools.csv"]).splitlines(keepends=True)[0]
    found = problems(tmp_path, files)
    assert [str(p) for p in found] == [
        "schools.csv: expected rows under the header, but there are none, while staff.csv, "
        "projects.csv, conflicts.csv and history.csv refer to it"
    ]


# ---------------------------------------------------------------------------------- workbooks


def test_sheet_names_ignore_case_and_surrounding_spaces(tmp_path: Path) -> None:
    def rename(workbook: Any) -> None:
        workbook["staff"].title = "STAFF "
        workbook["round"].title = " Round"

    path = write_workbook(tmp_path / "round.xlsx", sample_files(), edit=rename)
    assert len(load_round(path).staff) == 106


def test_two_sheets_of_one_name_are_a_problem(tmp_path: Path) -> None:
    def copy(workbook: Any) -> None:
        workbook.copy_worksheet(workbook["staff"]).title = "staff "

    path = write_workbook(tmp_path / "round.xlsx", sample_files(), edit=copy)
    with pytest.raises(InputError) as caught:
        load_round(path)
    assert [str(p) for p in caught.value.problems] == [
        "sheet staff: expected one sheet of this name, but found 'staff' and 'staff ': "
        "remove or rename one"
    ]


def test_a_formula_with_no_saved_value_is_named_not_called_blank(tmp_path: Path) -> None:
    files = sample_files()
    set_cell(files, "staff.csv", 2, "max_days", "=2+2")  # openpyxl saves it uncomputed
    settings = settings_rows(str(files["round.toml"]))
    settings[settings.index(("round.number", "3"))] = ("round.number", "=1+2")
    with pytest.raises(InputError) as caught:
        load_round(write_workbook(tmp_path / "round.xlsx", files, settings))
    found = caught.value.problems
    # The settings' number is unknown, so the history rows are not judged against a default.
    assert where(list(found)) == [("sheet round", 3, "value"), ("sheet staff", 2, "max_days")]
    assert all("a formula with no saved value" in p.expected for p in found)
    assert "open the workbook in Excel and save it" in str(found[0])


def test_a_formula_with_a_saved_value_is_read(tmp_path: Path) -> None:
    files = sample_files()
    set_cell(files, "staff.csv", 2, "max_days", "=2+2")
    path = write_workbook(tmp_path / "round.xlsx", files)
    # What Excel saves: the formula and, beside it, the value it last computed.
    _rewrite_zip(path, "<f>2+2</f><v />", "<f>2+2</f><v>4</v>")
    assert load_round(path).staff[0].max_days == 4


def _rewrite_zip(path: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    changed = {name: data.replace(old.encode(), new.encode()) for name, data in parts.items()}
    assert changed != parts
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in changed.items():
            archive.writestr(name, data)


def test_an_excel_error_cell_is_named(tmp_path: Path) -> None:
    def error(workbook: Any) -> None:
        cell = workbook["staff"]["J3"]
        cell.value, cell.data_type = "#REF!", "e"

    path = write_workbook(tmp_path / "round.xlsx", sample_files(), edit=error)
    with pytest.raises(InputError) as caught:
        load_round(path)
    assert [str(p) for p in caught.value.problems] == [
        "sheet staff row 3, column max_days: expected a value, but the cell shows the Excel "
        "error #REF!"
    ]


# ---------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--time-limit", "nan"),
        ("--time-limit", "inf"),
        ("--time-limit", "1e9"),
        ("--gap", "nan"),
        ("--seed", "12345678901234567890"),
        ("--seed", "-1"),
        ("--seed", "2147483648"),
        ("--workers", "100000000"),
    ],
)
def test_absurd_solver_options_are_refused_before_reading(
    tmp_path: Path, option: str, value: str
) -> None:
    out = tmp_path / "out"
    result = cli("plan", str(tmp_path / "nowhere"), "--out", str(out), option, value)
    assert result.exit_code == 2 and option in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--time-limit", "0.1"), ("--gap", "0.01"), ("--seed", "1000000000"), ("--workers", "128")],
)
def test_sensible_solver_options_are_accepted(tmp_path: Path, option: str, value: str) -> None:
    # The input is missing, so the run stops there: after the option was accepted.
    result = cli("plan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), option, value)
    assert result.exit_code == 2 and "an existing folder" in result.output


# ---------------------------------------------------------------------------------- warnings


def test_validate_prints_warnings_on_stderr_and_exits_0(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "r", with_cell("staff.csv", 2, "name", "Claire\nMoore"))
    result = cli("validate", str(folder))
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: staff.csv row 2, column name: a line break (or tab) "
        "inside the cell was read as a space\n"
    )
    assert "OK" in result.stdout


def test_warnings_are_printed_with_the_problems(tmp_path: Path) -> None:
    files = with_cell("staff.csv", 2, "name", "Claire\nMoore")
    set_cell(files, "staff.csv", 3, "max_days", "many")
    result = cli("validate", str(write_folder(tmp_path / "r", files)))
    assert result.exit_code == 2
    assert "warning: staff.csv row 2, column name" in result.stderr
    assert "staff.csv row 3, column max_days: 'many'" in result.stderr


def test_load_round_logs_warnings_and_the_round_carries_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_folder(tmp_path / "r", with_cell("staff.csv", 2, "name", "Claire\tMoore"))
    with caplog.at_level(logging.WARNING, logger="matcher.io"):
        round_ = load_round(folder)
    assert [r.getMessage() for r in caplog.records] == [
        "staff.csv row 2, column name: a line break (or tab) inside the cell was read as a space"
    ]
    assert round_ == read_round(folder).round


# ---------------------------------------------------------------------------------- rare areas


def test_an_area_no_one_lists_warns_and_the_plan_leaves_it_unfilled(tmp_path: Path) -> None:
    files = with_cell("projects.csv", 2, "area", "oracey")
    folder = write_folder(tmp_path / "round", files)
    out = tmp_path / "out"
    result = cli("plan", str(folder), "--out", str(out), "--time-limit", "2", "--quiet")
    assert result.exit_code == 0, result.output
    assert (
        "warning: projects.csv row 2, column area: no one in staff.csv lists 'oracey' among "
        "their specialisms (did you mean 'oracy'?): this project will be left unstaffed"
    ) in result.stderr
    unfilled = (out / "unfilled.csv").read_text()
    assert (
        "P01,needs 1 reviewer with specialism 'oracey' but no one in the round lists it "
        "(did you mean 'oracy'?)"
    ) in unfilled
    verified = cli("verify", str(folder), str(out))
    assert verified.exit_code == 0, verified.output


def test_each_of_several_areas_no_one_lists_warns(tmp_path: Path) -> None:
    warned = warnings_of(tmp_path, with_cell("projects.csv", 2, "area", "Oracy;oracey;sport"))
    assert [(w.file, w.row, w.column) for w in warned] == [("projects.csv", 2, "area")] * 2
    assert "'oracey'" in str(warned[0]) and "did you mean 'oracy'" in str(warned[0])
    assert "'sport'" in str(warned[1])


def test_an_area_someone_lists_gives_no_warning(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, with_cell("projects.csv", 2, "area", "Oracy")) == []


# ---------------------------------------------------------------------------------- #19 rules


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-1", "a number from 0 to 10000000000"),
        ("lots", "a number from 0 to 10000000000"),
        ("nan", "a number from 0 to 10000000000"),
        ("1e11", "a number from 0 to 10000000000"),
        ("£1,500", "a number from 0 to 10000000000"),
    ],
)
def test_a_bad_cover_budget_is_a_problem_where_it_is(
    tmp_path: Path, value: str, expected: str
) -> None:
    (problem,) = problems(tmp_path, with_cell("schools.csv", 2, "cover_budget", value))
    assert where([problem]) == [("schools.csv", 2, "cover_budget")]
    assert expected in problem.expected


@pytest.mark.parametrize(("value", "read"), [("1500", 1500.0), ("1080.50", 1080.5), ("", None)])
def test_a_cover_budget_in_pounds_and_pence_or_blank_is_read(
    tmp_path: Path, value: str, read: float | None
) -> None:
    folder = write_folder(tmp_path / "r", with_cell("schools.csv", 2, "cover_budget", value))
    assert load_round(folder).schools[0].cover_budget == read


def test_every_bad_cell_of_the_new_columns_is_reported_at_once_and_nothing_written(
    tmp_path: Path,
) -> None:
    files = with_cell("schools.csv", 2, "cover_budget", "-5")
    set_cell(files, "history.csv", 2, "school_id", "999999")
    set_cell(files, "history.csv", 3, "school_id", "910002")  # a known school: fine
    text = files["round.toml"]
    assert isinstance(text, str)
    files["round.toml"] = text.replace("school_rotation_rounds = 1", "school_rotation_rounds = -1")
    folder = write_folder(tmp_path / "round", files)
    out = tmp_path / "out"
    result = cli("plan", str(folder), "--out", str(out), "--quiet")
    assert result.exit_code == 2
    for said in (
        "schools.csv row 2, column cover_budget: '-5'",
        "history.csv row 2, column school_id: '999999'",
        "round.toml, setting rules.school_rotation_rounds: '-1'",
    ):
        assert said in result.output + result.stderr, said
    assert not out.exists()


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("3", True), ('"two"', False)])
def test_school_rotation_rounds_is_a_whole_number(tmp_path: Path, value: str, ok: bool) -> None:
    files = with_setting("school_rotation_rounds = 1", f"school_rotation_rounds = {value}")
    if ok:
        assert load_round(write_folder(tmp_path / "r", files))
    else:
        assert where(problems(tmp_path, files)) == [
            ("round.toml", None, "rules.school_rotation_rounds")
        ]
