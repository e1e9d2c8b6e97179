"""Explanations in the report (#17) and the summarised page (#18), drawn by a real browser.

The sample's page, rendered by headless Chromium, shows the unstaffed project's reason, the
rule that keeps its reviewer out and the suggestion ``matcher explain --project`` makes, in
the same words; each pairing's terms are those ``matcher explain`` gives for the pair. The
summarised page (for very large rounds) is built here from the sample, and its search box,
typed into in the browser, finds a reviewer's project.
"""

from __future__ import annotations

import html
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import matcher
from matcher.cli import main
from matcher.model import Round
from matcher.report.digest import digest
from matcher.report.facts import report_facts
from matcher.report.page import write_page
from matcher.verify import verify_plan
from matcher.why import explanation_text, many

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Round, Path]:
    out = tmp_path_factory.mktemp("explained") / "out"
    result = CliRunner().invoke(
        main, ["plan", str(SAMPLE), "--out", str(out), "--time-limit", "3", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    round_ = matcher.load_round(SAMPLE)
    written = matcher.read_written(out)
    assert written.plan is not None and verify_plan(round_, written.plan) == []
    return round_, out


def _rendered(page: Path, profile: Path, script: str = "") -> str:
    """The page's DOM once Chromium has run it (and ``script``, if any, as a page script)."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium to draw the page (apt-get install chromium)")
    if script:
        text = page.read_text(encoding="utf-8")
        page = page.with_name("typed.html")
        page.write_text(text.replace("</body>", f"<script>{script}</script></body>"), "utf-8")
    done = subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
            "--dump-dom", page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = done.stdout.decode("utf-8")
    assert '<body data-ready="1">' in dom  # every chart drawn
    return html.unescape(dom)


def test_an_unstaffed_projects_reasons_are_in_the_rendered_page(
    planned: tuple[Round, Path], tmp_path: Path
) -> None:
    round_, out = planned
    written = matcher.read_written(out)
    assert written.plan is not None and written.plan.unfilled
    dom = _rendered(out / "report.html", tmp_path / "profile")
    for unfilled in written.plan.unfilled:
        answer = matcher.explain(round_, out, project_id=unfilled.project_id)
        (item,) = answer.items
        assert item.verdict == "unstaffed" and item.rules and item.suggestions
        assert unfilled.reason in dom
        for rule in item.rules:
            assert rule.detail in dom
        # The suggestion in the words the terminal gives (explain's own text).
        text = explanation_text(round_, answer)
        for line in text.splitlines()[1:]:
            if "would staff it" in line:
                assert line.strip() in dom


def test_each_pairings_terms_are_explains(planned: tuple[Round, Path], tmp_path: Path) -> None:
    round_, out = planned
    written = matcher.read_written(out)
    assert written.plan is not None
    facts = report_facts(round_, written.plan, written.schedule, {})
    assert not facts.pairings[0].terms  # without reasons the rows carry none
    page = (out / "report.html").read_text(encoding="utf-8")
    a = written.plan.assignments[0]
    answer = matcher.explain(round_, out, project_id=a.project_id, staff_id=a.staff_id)
    (item,) = answer.items
    assert item.verdict == "assigned" and item.terms
    total = sum(t.contribution for t in item.terms.values())
    row = page[page.index('id="why-pairings"') :]
    row = row[row.index(f"<td>{a.project_id}</td>") :]
    row = row[: row.index("</tr>")]
    for share in item.terms.values():
        assert f"{share.value} <small>({share.contribution:+d})</small>" in row
    assert f'<td class="num">{total:+d}</td>' in row


def test_the_summarised_page_searches_schools_and_people(
    planned: tuple[Round, Path], tmp_path: Path
) -> None:
    round_, out = planned
    written = matcher.read_written(out)
    assert written.plan is not None
    facts = report_facts(round_, written.plan, written.schedule, {"status": "OPTIMAL"})
    folder = tmp_path / "page"
    folder.mkdir()
    page = write_page(folder, facts, digest(round_, facts))
    text = page.read_text(encoding="utf-8")
    assert 'id="search-data"' in text and 'id="pairings"' not in text
    a = written.plan.assignments[0]
    person = round_.staff_by_id[a.staff_id]
    project = round_.project_by_id[a.project_id]
    typed = (
        "var box = document.getElementById('search');"
        f"box.value = {json.dumps(person.name)};"
        "box.dispatchEvent(new Event('input'));"
    )
    dom = _rendered(page, tmp_path / "profile", typed)
    found = dom[dom.index('id="found"') :]
    assert f"{person.name} ({person.staff_id})" in found
    assert project.title in found


@pytest.mark.parametrize(("most_unstaffed", "suggested"), [(40, True), (0, False)])
def test_larger_rounds_get_suggestions_when_few_projects_are_unstaffed(
    planned: tuple[Round, Path],
    monkeypatch: pytest.MonkeyPatch,
    most_unstaffed: int,
    suggested: bool,
) -> None:
    """Above SUGGEST_MAX_PROJECTS (here every round is), the report suggests changes only when
    at most SUGGEST_MAX_UNSTAFFED projects are unstaffed (the sample has one)."""
    round_, out = planned
    monkeypatch.setattr(many, "SUGGEST_MAX_PROJECTS", 0)
    monkeypatch.setattr(many, "SUGGEST_MAX_UNSTAFFED", most_unstaffed)
    plan = matcher.read_written(out).plan
    assert plan is not None
    reasons = many.plan_reasons(round_, plan)
    assert reasons.suggested is suggested
    assert reasons.unstaffed and all(
        bool(why.suggestions) is suggested for why in reasons.unstaffed.values()
    )
