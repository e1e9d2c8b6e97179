"""The ejection-chain search: which problems it takes, that its plans keep every capacity, and
that it finds what the regret start misses on a published GAP instance."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher.bench.orlib import GapInstance, read_gap, read_optima
from matcher.bench.runners import gap_problem
from matcher.synth.cohort import generate_round
from solvers.matching.encode import MatchingProblem, encode
from solvers.matching.objective import objective_of, term_values
from solvers.matching.warm_start import keeps_hard_rules, pair_costs, warm_start
from solvers.search import ejection, gap_search

GAP_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "gap"


def published(name: str) -> tuple[MatchingProblem, int]:
    """A Cattrysse instance from ../shared and its published optimum (skip when absent)."""
    path = GAP_FOLDER / "instances" / "cattrysse1994" / name
    if not path.exists():
        pytest.skip(f"{path} not found (the shared benchmarks are not checked out)")
    optimum = read_optima(GAP_FOLDER / "optima.csv", "optimum_min")[name]
    assert optimum is not None
    return gap_problem(read_gap(path)), optimum


def small_gap(capacity: list[int]) -> MatchingProblem:
    return gap_problem(
        GapInstance(
            name="small",
            cost=np.array([[1, 4, 6], [5, 2, 1]]),
            resource=np.array([[3, 3, 3], [4, 4, 4]]),
            capacity=np.array(capacity),
        )
    )


def test_takes_gap_shaped_problems_only() -> None:
    problem = small_gap([6, 8])
    gap = ejection.dense_gap(problem, pair_costs(problem))
    assert gap is not None
    assert gap.cost.shape == (3, 3)  # two agents and the unstaffed row, three jobs
    assert gap.unstaffed == 2
    # A generated round has teams of two or three with leads, and the swap rule.
    round_problem = encode(generate_round(schools=20, seed=2))
    assert ejection.dense_gap(round_problem, pair_costs(round_problem)) is None


@pytest.mark.parametrize(
    "change",
    [
        {"no_direct_swap": True},
        {"project_max": np.full(3, 2, dtype=np.int64)},
        {"project_needs_lead": np.ones(3, dtype=np.bool_)},
        {"school_release": np.full(3, 5, dtype=np.int64)},  # could bind: agent 1 offers 8
    ],
)
def test_refuses_any_other_rule(change: dict[str, object]) -> None:
    problem = replace(small_gap([6, 8]), **change)  # type: ignore[arg-type]
    assert ejection.dense_gap(problem, pair_costs(problem)) is None


def test_leaves_a_job_unstaffed_only_when_nothing_else_fits() -> None:
    # Each agent has room for one job, so one of the three stays unstaffed whatever the plan;
    # the search starts from nothing staffed and must staff the other two at the least cost.
    problem = small_gap([3, 4])
    chosen = gap_search.improve(problem, pair_costs(problem), ())
    assert keeps_hard_rules(problem, chosen)
    assert term_values(problem, chosen)["unstaffed"] == 1
    assert objective_of(problem, chosen) == problem.weights.unstaffed + 2  # job 0 and job 2


def test_reaches_the_optimum_the_regret_start_misses() -> None:
    problem, optimum = published("gap1-0")
    start = warm_start(problem)
    assert objective_of(problem, start) > optimum  # 270 against 261
    chosen = gap_search.improve(problem, pair_costs(problem), start)
    assert keeps_hard_rules(problem, chosen)
    assert objective_of(problem, chosen) == optimum
    assert gap_search.improve(problem, pair_costs(problem), start) == chosen  # repeatable


def test_never_returns_a_worse_plan() -> None:
    problem, optimum = published("gap5-1")
    cost = pair_costs(problem)
    start = warm_start(problem)
    once = gap_search.improve(problem, cost, start)
    assert keeps_hard_rules(problem, once)
    assert optimum <= objective_of(problem, once) <= objective_of(problem, start)
    # Handed its own plan, it returns that plan or a better one, never a worse.
    again = gap_search.improve(problem, cost, once)
    assert keeps_hard_rules(problem, again)
    assert objective_of(problem, again) <= objective_of(problem, once)


def test_budget_is_bounded_by_size() -> None:
    problem, _ = published("gap12-2")
    gap = ejection.dense_gap(problem, pair_costs(problem))
    assert gap is not None
    budget = ejection.iteration_budget(gap)
    assert 0 < budget <= ejection.MAX_ITERATIONS
    assert budget <= ejection.ITERATIONS_PER_PAIR * problem.n_pairs


def test_chains_never_move_a_job_back_while_tabu() -> None:
    problem, _ = published("gap8-1")
    gap = ejection.dense_gap(problem, pair_costs(problem))
    assert gap is not None
    start, prices, _ = ejection.relaxation(gap)
    search = ejection.Search(gap, start, prices, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(40):
        search.walk(5)
        forbidden = rng.random(search.tabu.shape) < 0.3
        for improving in (True, False):
            moves = search.best_chain(improving=improving, forbidden=forbidden)
            for j, to in moves or []:
                assert not forbidden[j, to]
                assert to != search.agent[j] or len(moves or []) > 1
    # The walk itself keeps every capacity in the plans it reports, and repeats.
    reported: list[tuple[float, tuple[int, ...]]] = []
    again = ejection.Search(gap, start, prices, seed=0)
    for s, log in ((ejection.Search(gap, start, prices, seed=0), reported), (again, [])):
        # mypy cannot type a lambda with a default argument against a Callable.
        s.walk(300, offer=lambda plan, cost, log=log: log.append((cost, tuple(plan))))  # type: ignore[misc]
        if log is not reported:
            assert log == reported
    for cost, plan in reported:
        agent = np.array(plan)
        load = np.bincount(agent, weights=gap.days[agent, np.arange(len(agent))])
        assert np.all(load <= gap.capacity[: len(load)])
        assert cost == gap.cost[agent, np.arange(len(agent))].sum()


def test_penalty_factor_stays_capped_once_feasible() -> None:
    problem, _ = published("gap12-0")
    gap = ejection.dense_gap(problem, pair_costs(problem))
    assert gap is not None
    start, prices, _ = ejection.relaxation(gap)
    search = ejection.Search(gap, start, prices, seed=0)
    search.walk(400)
    assert search.repaired
    assert search.scale <= ejection.MAX_SCALE
