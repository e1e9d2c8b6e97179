"""matcher explain: every forbidding rule is one the checker names, and every cost is the
difference of the two plans' own objectives (``objective_of``), on the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import matcher
from matcher.cli import main
from matcher.model import Assignment, Plan, Round
from matcher.why import Alternative, api, explain
from matcher.why.facts import pair_rule_facts, plan_rule_facts
from matcher.why.text import explanation_text
from matcher.why.types import Explanation
from solvers.matching.eligibility import PairContext
from solvers.matching.encode import encode
from solvers.matching.neighbourhood import Reach
from solvers.matching.objective import objective_of

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Round, Plan, Path]:
    round_ = matcher.load_round(SAMPLE)
    outcome = matcher.plan(round_, time_limit=5, seed=0)
    out = tmp_path_factory.mktemp("plan")
    matcher.write_outputs(out, round_, outcome.plan, outcome.summary(), outcome.schedule)
    return round_, outcome.plan, out


def _objective(round_: Round, plan: Plan) -> int:
    problem = encode(round_)
    index = {
        (problem.staff_ids[int(i)], problem.project_ids[int(j)]): k
        for k, (i, j) in enumerate(zip(problem.pair_staff, problem.pair_project, strict=True))
    }
    return objective_of(
        problem, tuple(sorted(index[(a.staff_id, a.project_id)] for a in plan.assignments))
    )


def test_forbidding_rules_are_those_the_checker_names(planned: tuple[Round, Plan, Path]) -> None:
    round_, plan, _out = planned
    ctx = PairContext.of(round_)
    staffed = sorted({a.project_id for a in plan.assignments})
    on = {(a.project_id, a.staff_id) for a in plan.assignments}
    seen: set[str] = set()
    checked = 0
    for n, person in enumerate(round_.staff):
        for project_id in staffed[n % 3 :: 3]:  # a third of the pairs, a different third each
            if (project_id, person.staff_id) in on:
                continue
            project = round_.project_by_id[project_id]
            rules = pair_rule_facts(ctx, person, project)
            rules += plan_rule_facts(round_, plan, person, project)
            added = Assignment(project_id=project_id, staff_id=person.staff_id)
            bigger = plan.model_copy(update={"assignments": (*plan.assignments, added)})
            named = {v.rule for v in matcher.verify_plan(round_, bigger)}
            assert {r.rule for r in rules} == named, (person.staff_id, project_id)
            seen |= named
            checked += 1
    assert checked > 500
    # The sample exercises pair rules and plan rules alike.
    assert seen >= {"own_school", "expertise_area", "expertise_phase", "conflict", "same_trust"}
    assert seen >= {"rotation", "team_size", "capacity", "no_direct_swap"}
    assert seen >= {"school_rotation", "cover_budget"}


def test_travel_facts_match_the_checker(planned: tuple[Round, Plan, Path]) -> None:
    """The sample's journeys are all short: with a 15-minute limit many pairs break it."""
    round_, _plan, _out = planned
    rules = round_.settings.rules.model_copy(update={"max_travel_minutes": 15})
    tight = round_.replace(settings=round_.settings.model_copy(update={"rules": rules}))
    ctx = PairContext.of(tight)
    pair_rules = {
        "own_school",
        "expertise_area",
        "expertise_phase",
        "conflict",
        "same_trust",
        "rotation",
        "school_rotation",
        "travel",
        "cluster_scope",
        "review_cycle",
    }
    travelled = 0
    for person in tight.staff[::5]:
        for project in tight.projects:
            facts = pair_rule_facts(ctx, person, project)
            alone = Plan(
                assignments=(Assignment(project_id=project.project_id, staff_id=person.staff_id),)
            )
            named = {
                v.rule
                for v in matcher.verify_plan(tight, alone)
                if v.rule in pair_rules and v.staff_id == person.staff_id
            }
            assert {f.rule for f in facts} == named, (person.staff_id, project.project_id)
            travelled += "travel" in named
            for fact in facts:
                if fact.rule == "travel":
                    assert "max_travel_minutes is 15" in fact.detail
    assert travelled > 20


def test_school_rotation_and_cover_budget_facts_read_as_a_coordinator_says_them(
    planned: tuple[Round, Plan, Path],
) -> None:
    round_, plan, _out = planned
    ctx = PairContext.of(round_)
    rotation = [
        fact.detail
        for person in round_.staff
        for project in round_.projects
        for fact in pair_rule_facts(ctx, person, project)
        if fact.rule == "school_rotation"
    ]
    assert rotation and all(
        " reviewed " in d and " in round 2 (2026/27); school rotation is 1 round " in d
        for d in rotation
    )
    oakwood = [p for p in round_.staff if p.school_id == "910008"]
    budget = [
        fact.detail
        for person in oakwood
        for project in round_.projects
        for fact in plan_rule_facts(round_, plan, person, project)
        if fact.rule == "cover_budget"
    ]
    assert budget and all("its cover_budget is £1,500" in d for d in budget)


def test_forbidden_pair_names_its_facts(planned: tuple[Round, Plan, Path]) -> None:
    round_, _plan, out = planned
    found = explain(round_, out, project_id="P02", staff_id="S001", time_limit=1)
    (item,) = found.items
    assert item.verdict == "forbidden"
    assert [r.rule for r in item.rules][:3] == ["expertise_area", "expertise_phase", "same_trust"]
    assert "Mersey Vale Learning Trust" in item.rules[2].detail
    assert item.cost_of_change is None  # the pair rules forbid it outright: nothing to re-solve


def test_assigned_pair_cost_is_the_difference_of_objectives(
    planned: tuple[Round, Plan, Path],
) -> None:
    round_, plan, out = planned
    lead = next(a for a in plan.assignments if a.role == "lead")
    found = explain(round_, out, project_id=lead.project_id, staff_id=lead.staff_id)
    (item,) = found.items
    assert item.verdict == "assigned"
    assert set(item.terms) == {"expertise", "preference", "travel", "sle_balance", "give_take"}
    alt = item.alternative
    assert alt is not None and alt.status == "OPTIMAL"
    other = alt.applied_to(plan)
    assert matcher.verify_plan(round_, other) == []
    assert lead.staff_id not in {a.staff_id for a in other.team(lead.project_id)}
    assert alt.replaced_by
    assert found.objective == _objective(round_, plan)
    assert item.cost_of_change == _objective(round_, other) - _objective(round_, plan)
    assert item.cost_of_change is not None and item.cost_of_change >= 0  # the plan was optimal
    assert alt.cost_bound == item.cost_of_change  # proven


def test_not_chosen_pair_forced_in_passes_the_checker(planned: tuple[Round, Plan, Path]) -> None:
    round_, plan, out = planned
    problem = encode(round_)
    on = {(a.staff_id, a.project_id) for a in plan.assignments}
    tried = 0
    for k in range(0, problem.n_pairs, 37):
        staff_id = problem.staff_ids[int(problem.pair_staff[k])]
        project_id = problem.project_ids[int(problem.pair_project[k])]
        if (staff_id, project_id) in on:
            continue
        (item,) = explain(round_, out, project_id=project_id, staff_id=staff_id).items
        assert item.verdict in {"not_chosen", "forbidden"}
        assert {r.rule for r in item.rules} <= {
            "team_size",
            "capacity",
            "sle_allowance",
            "release",
            "no_direct_swap",
        }
        alt = item.alternative
        assert alt is not None and alt.status in {"OPTIMAL", "FEASIBLE"}
        forced = alt.applied_to(plan)
        assert staff_id in {a.staff_id for a in forced.team(project_id)}
        assert matcher.verify_plan(round_, forced) == []
        assert item.cost_of_change == _objective(round_, forced) - _objective(round_, plan)
        tried += 1
    assert tried >= 3


def test_unstaffed_suggestion_staffs_the_project(planned: tuple[Round, Plan, Path]) -> None:
    round_, plan, out = planned
    assert [u.project_id for u in plan.unfilled] == ["P01"]
    (item,) = explain(round_, out, project_id="P01").items
    assert item.verdict == "unstaffed"
    assert item.reason is not None and "trust" in item.reason
    (same_trust,) = [s for s in item.suggestions if s.setting == "rules.same_trust"]
    assert same_trust.value == "allow" and same_trust.replaced_by
    rules = round_.settings.rules.model_copy(update={"same_trust": "allow"})
    relaxed = round_.replace(settings=round_.settings.model_copy(update={"rules": rules}))
    replanned = matcher.plan(relaxed, time_limit=5, seed=0).plan
    assert replanned.team("P01")
    assert not any(u.project_id == "P01" for u in replanned.unfilled)


def test_staff_alone_lists_assignments_and_other_projects(
    planned: tuple[Round, Plan, Path],
) -> None:
    round_, plan, out = planned
    staff_id = "S039"
    items = explain(round_, out, staff_id=staff_id, time_limit=1).items
    serving = sorted(a.project_id for a in plan.assignments if a.staff_id == staff_id)
    assert sorted(i.project_id for i in items if i.verdict == "assigned") == serving
    others = [i for i in items if i.verdict != "assigned"]
    assert others and all(i.alternative is None for i in others)  # no re-solve each
    problem = encode(round_)
    candidates = {
        problem.project_ids[int(j)]
        for i, j in zip(problem.pair_staff, problem.pair_project, strict=True)
        if problem.staff_ids[int(i)] == staff_id
    }
    assert {i.project_id for i in others} == candidates - set(serving)


def test_cli_json_and_text(planned: tuple[Round, Plan, Path]) -> None:
    _round, _plan, out = planned
    runner = CliRunner()
    args = ["explain", str(SAMPLE), str(out), "--project", "P02", "--staff", "S001"]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)["items"]
    assert item["verdict"] == "forbidden" and item["cost_of_change"] is None
    assert {"project_id", "staff_id", "rules", "terms", "alternative"} <= set(item)
    text = runner.invoke(main, args)
    assert text.exit_code == 0 and "may not serve P02" in text.output
    missing = runner.invoke(main, ["explain", str(SAMPLE), str(out), "--staff", "S999"])
    assert missing.exit_code == 2
    neither = runner.invoke(main, ["explain", str(SAMPLE), str(out)])
    assert neither.exit_code == 2


def test_a_change_no_plan_allows_has_no_cost(planned: tuple[Round, Plan, Path]) -> None:
    """A reviewer with fewer days than any project needs: forcing them in is impossible."""
    round_, plan, out = planned
    problem = encode(round_)
    busy = {a.staff_id for a in plan.assignments}
    k = next(
        k
        for k in range(problem.n_pairs)
        if problem.staff_ids[int(problem.pair_staff[k])] not in busy
    )
    staff_id = problem.staff_ids[int(problem.pair_staff[k])]
    project_id = problem.project_ids[int(problem.pair_project[k])]
    short = tuple(
        s.model_copy(update={"max_days": 1}) if s.staff_id == staff_id else s for s in round_.staff
    )
    (item,) = explain(
        round_.replace(staff=short), out, project_id=project_id, staff_id=staff_id
    ).items
    assert item.verdict == "forbidden"
    assert "capacity" in {r.rule for r in item.rules}
    assert item.alternative is not None and item.alternative.status == "INFEASIBLE"
    assert item.cost_of_change is None and item.alternative.moves == ()


def test_suggestions_from_neighbourhoods_hold_for_the_whole_relaxed_round(
    planned: tuple[Round, Plan, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path a region takes (the relaxed pairs appended, a neighbourhood re-solved), asked
    of the sample: each suggestion's plan passes the checker in the relaxed round, staffs the
    project, and planning the relaxed round afresh staffs it too."""
    round_, plan, _out = planned
    monkeypatch.setattr(api, "EXACT_ROUND_PAIRS", 0)
    monkeypatch.setattr(api, "SUGGESTION_REACH", Reach(exact_pairs=0, max_pairs=60))
    ctx = api.PlanContext(round_, plan, encode(round_), 2.0, 0)
    item = api.unstaffed(ctx, round_.project_by_id["P01"])
    assert item.suggestions
    for suggestion in item.suggestions:
        assert suggestion.scope == "neighbourhood" and not suggestion.proven
        relaxed = _relaxed(round_, suggestion)
        other = suggestion.applied_to(plan)
        assert matcher.verify_plan(relaxed, other) == []
        assert set(suggestion.replaced_by) == {a.staff_id for a in other.team("P01")}
        assert suggestion.objective == _objective(relaxed, other)
    same_trust = next(s for s in item.suggestions if s.setting == "rules.same_trust")
    replanned = matcher.plan(_relaxed(round_, same_trust), time_limit=5, seed=0).plan
    assert replanned.team("P01")


def _relaxed(round_: Round, suggestion: Alternative) -> Round:
    """The round with the suggestion's setting changed (the rules this sample's suggest)."""
    assert suggestion.setting is not None and suggestion.setting.startswith("rules.")
    name = suggestion.setting.removeprefix("rules.")
    value: object = suggestion.value
    if name in {"max_travel_minutes", "rotation_rounds", "school_rotation_rounds"}:
        value = int(str(value))
    elif name == "no_direct_swap":
        value = value == "true"
    rules = round_.settings.rules.model_copy(update={name: value})
    return round_.replace(settings=round_.settings.model_copy(update={"rules": rules}))


def test_a_pair_in_a_neighbourhood_states_an_upper_bound(planned: tuple[Round, Plan, Path]) -> None:
    """Re-solved in its neighbourhood, an assigned pair's cost is that of a checked plan, and
    the answer says it is not proven least (no bound, ``proven`` false, "at most")."""
    round_, plan, _out = planned
    ctx = api.PlanContext(round_, plan, encode(round_), 2.0, 0, Reach(exact_pairs=0, max_pairs=60))
    pairing = plan.assignments[0]
    item = api._pair(
        ctx, round_.staff_by_id[pairing.staff_id], round_.project_by_id[pairing.project_id]
    )
    alt = item.alternative
    assert item.verdict == "assigned" and alt is not None and alt.scope == "neighbourhood"
    other = alt.applied_to(plan)
    assert matcher.verify_plan(round_, other) == []
    assert pairing.staff_id not in {a.staff_id for a in other.team(pairing.project_id)}
    assert item.cost_of_change == _objective(round_, other) - _objective(round_, plan)
    assert alt.objective == _objective(round_, other)
    data = item.to_dict()["alternative"]
    assert isinstance(data, dict)
    assert data["scope"] == "neighbourhood" and data["proven"] is False
    assert data["cost_bound"] is None
    text = explanation_text(round_, Explanation((item,), ctx.objective, 2.0))
    assert "at most" in text
