"""clusters.review_cycle: a host is reviewed by the school before it in its cluster's cycle.

One pair rule in the matcher (``review_cycle``) and the same rule written again, apart, in
``matcher.verify``; the setting is validated where it is read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_round, project, school, staff
from pair_rule_probe import allowed, flagged

import matcher
from matcher.io import InputError, load_round
from matcher.model import (
    ClusterMember,
    ClusterSettings,
    RotationEdge,
    Round,
)
from matcher.verify import verify_plan
from matcher.why.relax import blocked_only_by, relaxations
from solvers.matching.eligibility import PAIR_RULES, PairContext
from solvers.matching.explain import precheck

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
# Cluster K1 is A (the host), B and C, reviewed in the cycle B -> A -> C -> B; D is in no cluster.
CYCLE = [("B", "A"), ("A", "C"), ("C", "B")]


def cycled(*, on: bool = True, staff_at: str = "BCD") -> Round:
    round_ = make_round(
        [school(s, lat_offset=0.01 * k) for k, s in enumerate("ABCD")],
        [staff(f"S{s}", s) for s in staff_at],
        [project("P1", "A")],
        clusters=[ClusterMember(cluster_id="K1", school_id=s) for s in "ABC"],
        rotation=[
            RotationEdge(cluster_id="K1", reviewing_school_id=a, host_school_id=b)
            for a, b in CYCLE
        ],
    )
    chosen = ClusterSettings(review_cycle=on)
    return round_.replace(settings=round_.settings.model_copy(update={"clusters": chosen}))


def test_the_rule_is_hard_and_registered() -> None:
    (rule,) = [r for r in PAIR_RULES if r.name == "review_cycle"]
    assert (rule.check.__doc__ or "").startswith("Hard")


def test_allowed_the_cycle_predecessor_reviews_the_host() -> None:
    round_ = cycled()
    assert allowed(round_, "review_cycle") == {"SB"}
    assert "SB" not in flagged(round_, "review_cycle")


def test_forbidden_other_schools_of_the_cluster_and_outside_it() -> None:
    round_ = cycled()
    assert flagged(round_, "review_cycle") == {"SC", "SD"}


def test_off_it_restricts_nobody() -> None:
    round_ = cycled(on=False)
    assert allowed(round_, "review_cycle") == {"SB", "SC", "SD"}
    assert flagged(round_, "review_cycle") == set()


def test_the_matcher_staffs_from_the_predecessor_and_the_checker_agrees() -> None:
    round_ = cycled()
    outcome = matcher.match(round_, time_limit=5, seed=0)
    assert {a.staff_id for a in outcome.plan.assignments} == {"SB"}
    assert verify_plan(round_, outcome.plan) == []


def test_the_explanation_names_the_cycle_predecessor() -> None:
    round_ = cycled(staff_at="CD")  # nobody at B, the school before A
    reason = precheck(round_)["P1"]
    assert "work at its cycle predecessor School B (B)" in reason


def test_a_bad_value_is_reported_with_file_key_value_and_what_was_expected(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    toml = (SAMPLE / "round.toml").read_text(encoding="utf-8")
    toml = toml.split("\n[clusters]")[0]  # the sample's own [clusters], if any, is replaced
    (folder / "round.toml").write_text(
        toml + '\n[clusters]\nreview_cycle = "sometimes"\ncluster_scope = "outside"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_round(folder)
    text = [str(p) for p in caught.value.problems]
    assert any(
        "round.toml" in line and "clusters.review_cycle" in line and "sometimes" in line
        for line in text
    ), text


def test_a_cycle_with_reviewers_from_outside_the_cluster_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    toml = (SAMPLE / "round.toml").read_text(encoding="utf-8").split("\n[clusters]")[0]
    (folder / "round.toml").write_text(
        toml + '\n[clusters]\nreview_cycle = true\ncluster_scope = "outside"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_round(folder)
    (line,) = [str(p) for p in caught.value.problems]
    assert "clusters.review_cycle" in line and "true" in line and "outside" in line


def test_explain_suggests_switching_the_cycle_off() -> None:
    round_ = cycled(staff_at="CD")
    project = round_.projects[0]
    blocked = blocked_only_by(PairContext.of(round_), project)
    suggested = {r.setting: r.value for r in relaxations(round_, project, 0, blocked, set())}
    assert suggested.get("clusters.review_cycle") == "false"
