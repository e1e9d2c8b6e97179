"""One name per hard rule: solvers, explanations and checkers all use ``matcher.rules``.

The checkers share no code with the solvers; these tests are what keeps the two lists of rules
in step. A rule added to a solver without a checker (or under another name) fails here.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from matcher import verify, verify_clusters, verify_columns, verify_schedule
from matcher.rules import RULES, Stage, rules_of
from solvers.clusters.rules import CLUSTER_PAIR_RULES
from solvers.dating import model as dating_model
from solvers.matching import model as matching_model
from solvers.matching.eligibility import PAIR_RULES

CHECKERS: dict[Stage, set[str]] = {
    "matching": {*verify.RULES, verify_columns.COLUMN_RULE},
    "dating": set(verify_schedule.SCHEDULE_RULES),
    "clusters": {name for name, _check in verify_clusters.CHECKS},
}

SOLVER_RULES: dict[Stage, set[str]] = {
    "matching": {r.name for r in PAIR_RULES} | {r.name for r in matching_model.HARD_RULES},
    "dating": {r.name for r in dating_model.HARD_RULES},
    "clusters": {r.name for r in CLUSTER_PAIR_RULES},
}


@pytest.mark.parametrize("stage", ["matching", "dating", "clusters"])
def test_every_solver_rule_has_a_checker_of_the_same_name(stage: Stage) -> None:
    assert SOLVER_RULES[stage] <= CHECKERS[stage]


@pytest.mark.parametrize("stage", ["matching", "dating", "clusters"])
def test_every_checker_rule_is_a_listed_rule(stage: Stage) -> None:
    assert CHECKERS[stage] == set(rules_of(stage))


def test_every_listed_rule_is_enforced_by_a_solver_unless_it_is_about_integrity() -> None:
    """Integrity rules (known ids, nothing twice) concern written files, not solver output;
    dating's school_day and whole_team are kept by the encoding's allowed starts."""
    kept_by_encoding = {("dating", "school_day"), ("dating", "whole_team")}
    # Clusters: rotation, size, hub and once-each are the partition model's structure.
    structural = {("clusters", n) for n in ("each_school_once", "size", "hub", "rotation")}
    for rule in RULES:
        key = (rule.stage, rule.name)
        if rule.kind == "integrity" or key in kept_by_encoding | structural:
            continue
        assert rule.name in SOLVER_RULES[rule.stage], key


def test_every_rule_has_a_sentence_and_a_unique_name_within_its_stage() -> None:
    seen: set[tuple[str, str]] = set()
    for rule in RULES:
        assert rule.statement.endswith(".") and len(rule.statement) > 15
        assert (rule.stage, rule.name) not in seen
        seen.add((rule.stage, rule.name))


def test_explanation_guards_use_the_rule_names() -> None:
    """Every ``m.guard("name", ...)`` in the matching model names a listed matching rule, so an
    explanation of an unstaffed project speaks of the rules the checker knows."""
    tree = ast.parse(inspect.getsource(matching_model))
    guarded = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "guard"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert guarded
    assert guarded <= set(rules_of("matching"))
