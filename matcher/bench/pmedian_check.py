"""A p-median plan put through the independent checker (matcher.verify_pmedian), which takes
plain lists so that it never imports the solver's problem type; tests and benchmarks share
this one bridge."""

from __future__ import annotations

from matcher.verify_pmedian import verify_pmedian
from solvers.clusters.pmedian import PMedianProblem, PMedianSolution


def pmedian_problems(problem: PMedianProblem, solution: PMedianSolution) -> list[str]:
    """What the checker finds wrong with ``solution`` (empty when it is a valid plan)."""
    assert problem.medians is not None, "a p-median problem with a fixed number of medians"
    return verify_pmedian(
        distance=problem.distance.tolist(),
        demand=problem.demand.tolist(),
        capacity=problem.capacity,
        medians=problem.medians,
        median_of=solution.median_of,
        objective=solution.objective,
    )
