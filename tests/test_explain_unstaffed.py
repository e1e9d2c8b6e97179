"""Explaining unstaffed projects: one model per part, and the stage's work counted.

Each case is a round small enough to check by hand: reviewers with one day free, each wanted
by two projects, the plan having given each to one of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import make_round, project, school, staff

import solvers.matching.explain as explain
from matcher.model import Round
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.matching.encode import encode
from solvers.matching.explain import OUT_OF_TIME, explain_unstaffed
from solvers.matching.model import MatchingModel


def _counting_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patches the explainer's ``build_model`` to record each build (its part's pairs)."""
    calls: list[int] = []
    build: Callable[..., MatchingModel] = explain.build_model

    def counted(problem: Any, **kwargs: Any) -> MatchingModel:
        calls.append(problem.n_pairs)
        return build(problem, **kwargs)

    monkeypatch.setattr(explain, "build_model", counted)
    return calls


def _one_part() -> Round:
    """S1 (oracy, at B) and S2 (reading, at C) each have one day; S1 serves P1 or P2, S2
    serves P3 or P4. Every school is linked to the others: one part."""
    schools = [school("A"), school("B", lat_offset=0.05), school("C", lat_offset=0.02)]
    people = [
        staff("S1", "B", max_days=1, specialisms={"oracy"}),
        staff("S2", "C", max_days=1, specialisms={"reading"}),
    ]
    projects = [
        project("P1", "A"),
        project("P2", "C"),
        project("P3", "A", area="reading", title="Reading P3"),
        project("P4", "B", area="reading", title="Reading P4"),
    ]
    return make_round(schools, people, projects, rules={"no_direct_swap": False})


@pytest.mark.parametrize("workers", [1, 2])
def test_projects_of_one_part_share_its_model_and_keep_their_reasons(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    round_ = _one_part()
    problem = encode(round_)
    options = SolveOptions(seed=1, workers=workers)
    builds = _counting_builds(monkeypatch)
    together = explain_unstaffed(
        round_,
        problem,
        Budget(10.0),
        unstaffed=["P2", "P3"],
        staffed=["P1", "P4"],
        options=options,
    )
    assert builds == [problem.n_pairs]
    assert list(together) == ["P2", "P3"]
    alone = {
        pid: explain_unstaffed(
            round_, problem, Budget(5.0), unstaffed=[pid], staffed=["P1", "P4"], options=options
        )[pid]
        for pid in ("P2", "P3")
    }
    assert together == alone
    assert together["P2"].startswith("cannot be staffed while P1 is")
    assert "reviewer S1 works at most 1 days" in together["P2"]
    assert together["P3"].startswith("cannot be staffed while P4 is")
    assert "reviewer S2 works at most 1 days" in together["P3"]


def _two_parts() -> Round:
    """The same conflict twice, near Altrincham and 550 km north: two independent parts,
    each with 2 candidate pairs."""
    schools = [
        school("A"),
        school("B", lat_offset=0.05),
        school("C", lat_offset=0.02),
        school("D", lat_offset=5.0),
        school("E", lat_offset=5.05),
        school("F", lat_offset=5.02),
    ]
    people = [staff("S1", "B", max_days=1), staff("S2", "E", max_days=1)]
    projects = [project("P1", "A"), project("P2", "C"), project("P3", "D"), project("P4", "F")]
    return make_round(schools, people, projects, rules={"no_direct_swap": False})


@pytest.mark.parametrize(("seconds", "explained"), [(3.0, {"P2", "P4"}), (1.5, {"P2"})])
def test_building_the_models_counts_against_the_budget(
    monkeypatch: pytest.MonkeyPatch, seconds: float, explained: set[str]
) -> None:
    """At 2 pairs a second each part's model costs a second of work: 1.5 s pays for the first
    part's model and searches but not the second's, so its project is out of time (and its
    model is not built); 3 s pays for both."""
    round_ = _two_parts()
    problem = encode(round_)
    assert problem.n_pairs == 4
    monkeypatch.setattr(explain, "EXPLAIN_PAIRS_BUILT_PER_SECOND", 2.0)
    builds = _counting_builds(monkeypatch)
    budget = Budget(seconds)
    reasons = explain_unstaffed(
        round_,
        problem,
        budget,
        unstaffed=["P2", "P4"],
        staffed=["P1", "P3"],
        options=SolveOptions(seed=1, workers=1),
    )
    assert {pid for pid, why in reasons.items() if why != OUT_OF_TIME} == explained
    for pid in explained:
        assert reasons[pid].startswith("cannot be staffed while")
    assert builds == [2] * len(explained)
    # Each model built is charged, and the searches' work with it (tiny here).
    assert len(explained) <= budget.used < len(explained) + 0.1
    assert budget.repeatable


def test_a_project_started_before_the_work_was_known_spent_is_out_of_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With two threads the second part's project starts while the first's is searching; if
    the first's search then turns out to use the work left, the second's answer is not used,
    so the outcome is the one a single thread would give."""
    round_ = _two_parts()
    problem = encode(round_)
    monkeypatch.setattr(explain, "EXPLAIN_PAIRS_BUILT_PER_SECOND", 2.0)
    parts = explain._parts(problem, ["P2", "P4"], ["P1", "P3"])
    run = explain._Explaining(parts, work=2.5, each=0.4)
    assert run.order == [(0, "P2"), (1, "P4")]
    assert run.may_start(0)
    # Two models, 2 s of 2.5, and P2 still searching with a share of 0.4: P4 starts.
    assert run.may_start(1)
    run.finished(0, "P2's answer", 0.6)
    assert not run.may_start(1)
    run.finished(1, "P4's answer", 0.1)
    reasons, counted = run.reasons()
    assert reasons == {"P2": "P2's answer", "P4": OUT_OF_TIME}
    assert counted == pytest.approx(1.6, abs=1e-3)  # and two tiny copies


@pytest.mark.parametrize(("p2_used", "p4_starts"), [(0.6, False), (0.2, True)])
def test_a_project_likely_past_the_work_waits_for_the_searches_before_it(
    monkeypatch: pytest.MonkeyPatch, p2_used: float, p4_starts: bool
) -> None:
    """With a share of 1 s, P2's search could take P4's half second: P4 waits for it, then
    starts only if the work P2 used leaves some."""
    problem = encode(_two_parts())
    monkeypatch.setattr(explain, "EXPLAIN_PAIRS_BUILT_PER_SECOND", 2.0)
    parts = explain._parts(problem, ["P2", "P4"], ["P1", "P3"])
    run = explain._Explaining(parts, work=2.5, each=1.0)
    decided: list[bool] = []
    waiting = threading.Thread(target=lambda: decided.append(run.may_start(1)))
    waiting.start()
    waiting.join(timeout=0.2)
    assert waiting.is_alive() and not decided
    run.finished(0, "P2's answer", p2_used)
    waiting.join(timeout=5.0)
    assert decided == [p4_starts]
