"""Plain-words reasons why a school is in no cluster.

For each school left out, count its possible partners after each pair rule in turn (the order
of ``CLUSTER_PAIR_RULES``) and name the first rule that leaves too few: "2 schools are within
45 minutes' travel; none of them are outside its trust". A school with enough partners may
still be in no cluster: its partners cannot all be together (no group of ``min_size`` fits),
or every cluster it could join would leave more schools out. Messages name ids only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from solvers.clusters.encode import ClusterProblem
from solvers.clusters.rules import CLUSTER_PAIR_RULES


def _partner_counts(problem: ClusterProblem) -> list[tuple[str, np.ndarray]]:
    """Per rule (in order), how many partners each school has left after it and those before."""
    a, b, minutes = problem.near_a, problem.near_b, problem.near_minutes
    keep = np.ones(len(a), dtype=np.bool_)
    counts: list[tuple[str, np.ndarray]] = []
    for rule in CLUSTER_PAIR_RULES:
        keep &= rule.allows(problem, a, b, minutes)
        per_school = np.bincount(a[keep], minlength=problem.n) + np.bincount(
            b[keep], minlength=problem.n
        )
        counts.append((rule.survivors(problem), per_school))
    return counts


def explain_left_out(
    problem: ClusterProblem,
    left_out: Sequence[int],
    *,
    hopeless: Collection[int],
    hub_mode: bool = False,
) -> dict[int, str]:
    """A reason for each school left out (global indices).

    Parameters
    ----------
    problem
        The encoded region.
    left_out
        Every school in no cluster.
    hopeless
        Those no cluster could take at all (no group of ``min_size`` schools around them);
        the others were left out by the optimiser.
    hub_mode
        Word the optimiser's reason for hubs rather than clusters.
    """
    need = problem.settings.min_size - 1
    counts = _partner_counts(problem)
    reasons: dict[int, str] = {}
    for school in left_out:
        steps = [(words, int(per_school[school])) for words, per_school in counts]
        reasons[school] = _reason(problem, school, steps, need, school in hopeless, hub_mode)
    return reasons


def _reason(
    problem: ClusterProblem,
    school: int,
    steps: list[tuple[str, int]],
    need: int,
    hopeless: bool,
    hub_mode: bool,
) -> str:
    size = problem.settings.min_size
    parts: list[str] = []
    for k, (words, count) in enumerate(steps):
        if k == 0:
            parts.append(f"{count or 'no'} other school(s) {words}")
        elif count != steps[k - 1][1]:  # a rule that removed nobody says nothing useful
            parts.append(f"{'none' if count == 0 else count} of them {words}")
        if count < need:
            return "; ".join(parts) + f" (a cluster needs {size} schools)"
    if hopeless:
        return (
            "; ".join(parts)
            + f", but no {need} of them may all share a cluster with each other and with it"
        )
    if hub_mode:
        return (
            "; ".join(parts)
            + ", but every hub within reach is full or would break a rule with another member"
        )
    return (
        "; ".join(parts) + ", but every cluster it could join would leave more schools without one"
    )
