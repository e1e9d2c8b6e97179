"""The coordinator's report (issue #18): plan.xlsx and report.html.

plan.xlsx: every pairing, date and reason, real dates, never a formula. report.html: nothing
fetched from another host, every staffed project and reviewer named, drawn by a real browser.
Both: byte-identical across runs and when rebuilt by `matcher report`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_round, project, school, staff
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

import matcher
from matcher.cli import main
from matcher.model import Assignment, Plan, UnfilledProject

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample planned once by the CLI, as a coordinator runs it."""
    out = tmp_path_factory.mktemp("report") / "out"
    result = CliRunner().invoke(
        main, ["plan", str(SAMPLE), "--out", str(out), "--time-limit", "3", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return out


def table(sheet: Worksheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(name) for name in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_pairing_date_and_reason_is_in_the_workbook(planned: Path) -> None:
    book = load_workbook(planned / "plan.xlsx")
    assert book.sheetnames == [
        "Summary", "Pairings", "Schedule", "Unfilled", "SLE load", "School load", "Schools",
    ]  # fmt: skip
    key = ("project_id", "staff_id", "staff_name")
    pairings = {tuple(r[k] for k in key) for r in table(book["Pairings"])}
    expected = {tuple(r[k] for k in key) for r in csv_rows(planned / "pairings.csv")}
    assert pairings == expected and len(expected) > 0
    visits = table(book["Schedule"])
    written = csv_rows(planned / "schedule.csv")
    assert [(v["visit_id"], v["date"]) for v in visits] == [
        (r["visit_id"], dt.datetime.fromisoformat(r["date"])) for r in written
    ]
    unfilled = {(r["project_id"], r["reason"]) for r in table(book["Unfilled"])}
    assert unfilled == {(r["project_id"], r["reason"]) for r in csv_rows(planned / "unfilled.csv")}
    assert unfilled  # the sample's Makaton project cannot be staffed


def test_dates_are_real_dates_and_no_cell_is_a_formula(planned: Path) -> None:
    book = load_workbook(planned / "plan.xlsx")
    dated = 0
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.bold for cell in sheet[1])
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, dt.datetime):
                    assert cell.is_date and "yy" in cell.number_format
                    dated += 1
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    assert dated > 0
    widths = [book["Pairings"].column_dimensions[c].width for c in "ABCDEFGH"]
    # Excel stores a column n characters wide as n plus its padding (0.71 at the usual font).
    assert all(8 <= width <= 61 for width in widths)


def test_each_school_gets_what_it_hosts_and_whom_it_sends(planned: Path) -> None:
    book = load_workbook(planned / "plan.xlsx")
    lines = table(book["Schools"])
    for pairing in csv_rows(planned / "pairings.csv"):
        sends = [
            line
            for line in lines
            if line["school_id"] == pairing["staff_school_id"]
            and line["hosts_or_sends"] == "sends"
            and line["project_id"] == pairing["project_id"]
        ]
        # A school may send two of its staff to one project: each has a line of their own.
        assert pairing["staff_name"] in {line["who"] for line in sends}
        assert all(isinstance(line["date"], dt.datetime) for line in sends)
        hosts = [
            line
            for line in lines
            if line["school_id"] == pairing["host_school_id"]
            and line["hosts_or_sends"] == "hosts"
            and line["project_id"] == pairing["project_id"]
        ]
        assert hosts and all(pairing["staff_name"] in str(line["who"]) for line in hosts)


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    round_ = make_round(
        [school("A", name='=HYPERLINK("http://x")'), school("B", lat_offset=0.05)],
        [staff("S1", "B", name="@Bob")],
        [project("P1", "A", title="-5 minutes of oracy"), project("P2", "A")],
    )
    plan = Plan(
        assignments=(Assignment(project_id="P1", staff_id="S1", role="lead"),),
        unfilled=(UnfilledProject(project_id="P2", reason="+ no one"),),
    )
    matcher.write_outputs(tmp_path, round_, plan, {"status": "OPTIMAL"})
    book = load_workbook(tmp_path / "plan.xlsx")
    assert "Schedule" not in book.sheetnames  # match: no dates
    [pairing] = table(book["Pairings"])
    assert pairing["host_school_name"] == '=HYPERLINK("http://x")'
    assert pairing["staff_name"] == "@Bob" and pairing["project_title"] == "-5 minutes of oracy"
    assert pairing["first_visit"] is None
    [unfilled] = table(book["Unfilled"])
    assert unfilled["reason"] == "+ no one"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


def test_report_rebuilds_the_same_bytes(planned: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in planned.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    (copy / "plan.xlsx").unlink()
    (copy / "report.html").unlink()
    result = CliRunner().invoke(main, ["report", str(SAMPLE), str(copy)])
    assert result.exit_code == 0, result.output
    for name in ("plan.xlsx", "report.html", "pairings.csv"):
        assert (copy / name).read_bytes() == (planned / name).read_bytes(), name


def _reported(
    planned: Path, folder: Path, **changes: object
) -> tuple[str, list[dict[str, object]]]:
    """`matcher report` on the plan with summary.json changed: the page and the Summary sheet."""
    folder.mkdir()
    for name in ("pairings.csv", "unfilled.csv", "schedule.csv", "summary.json"):
        (folder / name).write_bytes((planned / name).read_bytes())
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    (folder / "summary.json").write_text(json.dumps({**summary, **changes}), "utf-8")
    result = CliRunner().invoke(main, ["report", str(SAMPLE), str(folder)])
    assert result.exit_code == 0, result.output
    page = (folder / "report.html").read_text("utf-8")
    return page, table(load_workbook(folder / "plan.xlsx")["Summary"])


def test_a_bound_proven_apart_is_quoted_on_the_whole_objective(
    planned: Path, tmp_path: Path
) -> None:
    """A national round's bound cannot settle the staffable projects: the page and workbook
    quote the whole objective's gap there, and a searched round's gap as before."""
    whole = {"objective_gap": 0.213, "gap": 0.841}
    page, rows = _reported(planned, tmp_path / "lp", bound_method="lp-dual:glop", **whole)
    assert "no plan of this round scores more than 21.3% better (84.1% on the quality" in page
    assert "gap to the best possible plan" not in page
    assert {"what": "Gap on the whole objective (proven bound)", "value": 0.213} in rows
    page, rows = _reported(planned, tmp_path / "searched", bound_method="cp-sat", **whole)
    assert "gap to the best possible plan 84.1%" in page and "no plan of" not in page
    assert all(row["what"] != "Gap on the whole objective (proven bound)" for row in rows)


def test_report_refuses_a_plan_that_breaks_a_rule(planned: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("pairings.csv", "unfilled.csv", "summary.json"):
        (copy / name).write_bytes((planned / name).read_bytes())
    rows = csv_rows(copy / "pairings.csv")
    rows[0]["staff_id"] = "NOBODY"
    with (copy / "pairings.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = CliRunner().invoke(main, ["report", str(SAMPLE), str(copy)])
    assert result.exit_code == 1
    assert not (copy / "plan.xlsx").exists() and not (copy / "report.html").exists()


def test_two_plan_runs_give_the_same_bytes(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    result = CliRunner().invoke(
        main, ["plan", str(SAMPLE), "--out", str(out), "--time-limit", "3", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    for name in ("plan.xlsx", "report.html"):
        assert (out / name).read_bytes() == (planned / name).read_bytes(), name


class _Page(HTMLParser):
    """Every attribute and every piece of text of a page (script contents apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.links += [value or "" for name, value in attrs if name in ("src", "href", "srcset")]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)


def test_the_page_fetches_nothing_and_names_every_team(planned: Path) -> None:
    html = (planned / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    assert not [link for link in page.links if link.lower().startswith(("http:", "https:", "//"))]
    assert "@import url(" not in html and "url(http" not in html
    assert "<link" not in html  # no stylesheet or font from anywhere
    text = " ".join(page.text)
    for pairing in csv_rows(planned / "pairings.csv"):
        assert pairing["project_title"] in text
        assert pairing["staff_name"] in text
    for unfilled in csv_rows(planned / "unfilled.csv"):
        assert unfilled["reason"] in text
    assert "vegaEmbed" in html and 'id="spec-map"' in html


def _colours(png: bytes) -> set[bytes]:
    """The distinct pixel colours of an 8-bit RGB or RGBA PNG (enough for chromium's)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width, height, channels = 8, b"", 0, 0, 0
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    seen: set[bytes] = set()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        line = _unfilter(raw[start], line, previous, channels)
        if y % 7 == 0:  # every 7th line is plenty to tell a drawn page from a blank one
            seen.update(bytes(line[x : x + 3]) for x in range(0, stride, channels * 5))
        previous = line
    return seen


def _unfilter(kind: int, line: bytearray, above: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up, corner = above[i], above[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + best) & 0xFF
    return line


CHROMIUM = Path("/usr/bin/chromium")


def test_a_browser_draws_the_page(planned: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium to draw the page (apt-get install chromium)")
    shot = tmp_path / "page.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            # Lets vega-embed finish drawing before the screenshot is taken.
            "--virtual-time-budget=10000",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            (planned / "report.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    colours = _colours(shot.read_bytes())
    # A blank page has one or two colours; text, tiles, the map and the bars give dozens.
    assert len(colours) > 20
    # The charts' own colours are on screen, so the charts were drawn, not only the text.
    assert any(abs(c[0] - 0x00) + abs(c[1] - 0x79) + abs(c[2] - 0x8C) < 12 for c in colours)


def test_school_load_shows_cover_budgets_when_a_school_has_one(planned: Path) -> None:
    html = (planned / "report.html").read_text(encoding="utf-8")
    assert '<th class="num">Cover budget</th>' in html and "£1,500" in html
    rows = table(load_workbook(planned / "plan.xlsx")["School load"])
    budgets = {row["school_id"]: row["cover_budget"] for row in rows}
    assert budgets["910008"] == 1500 and budgets["910001"] is None
