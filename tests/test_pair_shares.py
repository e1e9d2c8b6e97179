"""Each pairing's share of the objective terms, worked out for all pairs at once, equals the
difference of ``term_values`` with and without that pair (the definition explain and the
report show), on the sample and on a generated cohort with SLEs in several parts."""

from __future__ import annotations

from pathlib import Path

import pytest

import matcher
from matcher.model import Round
from matcher.verify import verify_plan
from solvers.engine.decompose import pair_parts
from solvers.matching.encode import encode
from solvers.matching.objective import pair_shares, term_values

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


def _sample() -> Round:
    return matcher.load_round(SAMPLE)


def _cohort() -> Round:
    return matcher.generate_round(schools=60, seed=3)


@pytest.mark.parametrize("make", [_sample, _cohort], ids=["sample", "cohort"])
def test_each_share_is_the_plan_with_minus_without_the_pair(make: object) -> None:
    assert callable(make)
    round_ = make()
    outcome = matcher.match(round_, time_limit=2, seed=1)
    assert verify_plan(round_, outcome.plan) == []
    problem = encode(round_)
    index = {
        (problem.staff_ids[int(i)], problem.project_ids[int(j)]): k
        for k, (i, j) in enumerate(zip(problem.pair_staff, problem.pair_project, strict=True))
    }
    chosen = tuple(sorted(index[(a.staff_id, a.project_id)] for a in outcome.plan.assignments))
    parts = pair_parts(problem)
    shares = pair_shares(problem, chosen, parts)
    assert sorted(shares) == list(chosen) and chosen
    full = term_values(problem, chosen, parts)
    moved = set()
    for k in chosen:
        less = term_values(problem, tuple(c for c in chosen if c != k), parts)
        expected = {name: full[name] - less[name] for name in full}
        assert shares[k] == expected, k
        moved |= {name for name, value in expected.items() if value}
    # The cohort exercises the terms that are not a pair's own coefficient too.
    if make is _cohort:
        assert {"sle_balance", "give_take", "travel"} <= moved
