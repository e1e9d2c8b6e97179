"""The cut bound (solvers.clusters.cut_bound): never above the optimum, above the Lagrangian
bound where cuts bite, the same on a re-run; its pricing search exact against enumeration."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from test_pmedian_bounded import brute_force, small_problem

from matcher.bench.pmedgen import generate_pmedcap
from solvers.clusters.bounded import _bound_and_plans
from solvers.clusters.cut_bound import cut_bound
from solvers.clusters.lagrange import Lagrangian, subgradient
from solvers.clusters.penalised import CutsByPoint, penalised, priced_cluster
from solvers.clusters.pmedian_problem import PMedianProblem
from solvers.engine.budget import Budget

# gen100x10s4's optimum: our plan, which no run has beaten, and HiGHS's proof (README).
S4_OPTIMUM = 1074


def enumerated(
    profit: list[float],
    weight: list[int],
    room: int,
    cuts: list[tuple[int, ...]],
    price: list[float],
    median_cuts: set[int],
) -> float:
    """The best penalised selection, every subset tried."""
    best = 0.0
    for size in range(len(profit) + 1):
        for chosen in itertools.combinations(range(len(profit)), size):
            if sum(weight[k] for k in chosen) > room:
                continue
            paid = sum(
                price[t]
                for t, members in enumerate(cuts)
                if sum(k in members for k in chosen) + (t in median_cuts) >= 2
            )
            best = max(best, sum(profit[k] for k in chosen) - paid)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_pricing_search_pays_every_cut_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 9
    profit = rng.uniform(1, 10, size).round(2).tolist()
    weight = rng.integers(1, 6, size).tolist()
    room = int(sum(weight) * 0.6)
    # Cuts on items (a cut on the median holds one item less: the median is the third).
    cuts = [tuple(rng.choice(size, 3 if t % 3 else 2, replace=False).tolist()) for t in range(6)]
    median_cuts = {t for t, members in enumerate(cuts) if len(members) == 2}
    price = rng.uniform(0.5, 8, len(cuts)).round(2).tolist()
    cuts_of = [[t for t, members in enumerate(cuts) if k in members] for k in range(size)]
    found = penalised(
        profit,
        weight,
        room,
        cuts_of,
        dict.fromkeys(median_cuts, 1),
        price,
        lower=0.0,
        lower_set=[],
    )
    truth = enumerated(profit, weight, room, cuts, price, median_cuts)
    assert found.proven
    assert found.value == pytest.approx(truth)
    # The selection it returns is within room and worth what it says.
    assert sum(weight[k] for k in found.chosen) <= room
    paid = sum(
        price[t]
        for t, members in enumerate(cuts)
        if sum(k in members for k in found.chosen) + (t in median_cuts) >= 2
    )
    assert sum(profit[k] for k in found.chosen) - paid == pytest.approx(truth)


def start_of(
    problem: PMedianProblem,
) -> tuple[list[tuple[int, tuple[int, ...]]], np.ndarray, float]:
    """A plan's clusters, the best multipliers and the Lagrangian bound (solve_bounded's)."""
    _, dual, best = _bound_and_plans(problem, Budget(3))
    assert best.incumbent is not None
    of = best.incumbent.plan.median_of
    clusters = [(m, tuple(i for i, at in enumerate(of) if at == m)) for m in best.incumbent.medians]
    return clusters, dual.best.multipliers, dual.bound


@pytest.mark.parametrize("seed", range(6))
def test_cut_bound_never_exceeds_the_optimum(seed: int) -> None:
    problem = small_problem(seed, n=8, unit=seed % 3 == 0)
    optimum, _ = brute_force(problem)
    clusters, multipliers, lagrangian = start_of(problem)
    found = cut_bound(problem, clusters, multipliers, Budget(5), upper=np.inf)
    assert found.bound <= optimum + 1e-6
    # Converged without cuts it is the set-partitioning LP, which the subgradient never passes.
    assert found.bound >= lagrangian - 1e-6


def generated(*, points: int, medians: int, seed: int) -> PMedianProblem:
    instance = generate_pmedcap(points=points, medians=medians, seed=seed)
    return PMedianProblem(
        distance=instance.distance(),
        demand=instance.demand,
        capacity=instance.capacity,
        medians=instance.medians,
    )


def test_cut_bound_rises_past_the_lagrangian_bound_and_repeats() -> None:
    problem = generated(points=100, medians=10, seed=4)
    relax = Lagrangian(problem)
    dual = subgradient(relax, Budget(3), upper=lambda: float(S4_OPTIMUM))
    start, multipliers, _ = start_of(problem)
    first = cut_bound(problem, start, multipliers, Budget(6), upper=S4_OPTIMUM)
    again = cut_bound(problem, start, multipliers, Budget(6), upper=S4_OPTIMUM)
    assert replace(first, duals=None) == replace(again, duals=None)
    assert first.duals is not None and again.duals is not None
    assert np.array_equal(first.duals.points, again.duals.points)
    assert np.array_equal(first.duals.prices, again.duals.prices)
    assert first.duals.triples == again.duals.triples
    assert first.cuts > 0
    assert dual.bound + 4 <= first.bound <= S4_OPTIMUM


def test_cut_bound_stopped_by_work_is_the_same_however_late_it_hears() -> None:
    problem = generated(points=60, medians=6, seed=2)
    start, multipliers, _ = start_of(problem)
    full = cut_bound(problem, start, multipliers, Budget(4), upper=np.inf)
    stop = full.used / 2

    def heard_after(rounds: int) -> Callable[[], float | None]:
        asked = iter(range(10**6))
        return lambda: stop if next(asked) >= rounds else None

    early = cut_bound(problem, start, multipliers, Budget(4), upper=np.inf, until=heard_after(0))
    late = cut_bound(problem, start, multipliers, Budget(4), upper=np.inf, until=heard_after(40))
    assert early.bound == late.bound <= full.bound
    assert early.used == late.used == stop
    # The duals handed to the tree are those of that bound, however late it heard.
    assert early.duals is not None and late.duals is not None
    assert np.array_equal(early.duals.points, late.duals.points)
    assert early.duals.triples == late.duals.triples


def test_pricing_search_too_deep_is_bounded_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    import solvers.clusters.penalised as search

    monkeypatch.setattr(search, "MOST_ITEMS", 3)
    found = penalised([5.0] * 4, [1] * 4, 2, [[]] * 4, {}, [], lower=5.0, lower_set=[0])
    # Not proven: the caller bounds the median by its knapsack without the cuts instead.
    assert not found.proven
    assert (found.value, found.chosen) == (5.0, [0])
    monkeypatch.setattr(search, "MOST_ITEMS", 4)
    assert penalised([5.0] * 4, [1] * 4, 2, [[]] * 4, {}, [], lower=5.0, lower_set=[0]).proven


def _random_cuts(
    rng: np.random.Generator, n: int, count: int, scale: float = 6.0
) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    triples = sorted(
        {tuple(sorted(rng.choice(n, 3, replace=False).tolist())) for _ in range(count)}
    )
    return [(a, b, c) for a, b, c in triples], rng.uniform(0, scale, len(triples))


@pytest.mark.parametrize("seed", range(8))
def test_priced_cluster_pays_every_cut_exactly(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n, median = 10, int(rng.integers(10))
    profit = np.where(rng.random(n) < 0.8, rng.uniform(0.5, 9, n), 0.0)
    profit[median] = 0.0
    weight = rng.integers(1, 6, n)
    room = int(weight.sum() * 0.5)
    triples, prices = _random_cuts(rng, n, 12)
    cuts = CutsByPoint(triples, prices, n)
    items = [i for i in range(n) if profit[i] > 0 and weight[i] <= room]
    gain, known = max(
        (float(profit[list(s)].sum()), list(s))
        for size in range(len(items) + 1)
        for s in itertools.combinations(items, size)
        if weight[list(s)].sum() <= room
    )
    found = priced_cluster(profit, weight, room, median, cuts, known, gain)
    truth = max(
        float(profit[list(s)].sum()) - cuts.paid(median, list(s))
        for size in range(len(items) + 1)
        for s in itertools.combinations(items, size)
        if weight[list(s)].sum() <= room
    )
    assert found.proven
    assert found.profit == pytest.approx(truth)
    assert weight[found.members].sum() <= room
    assert float(profit[found.members].sum()) - cuts.paid(median, found.members) == pytest.approx(
        truth
    )


def test_priced_cluster_searches_only_where_the_knapsack_pays_a_cut() -> None:
    profit = np.array([0.0, 5.0, 4.0, 3.0, 0.0])
    weight = np.array([1, 1, 1, 1, 1])
    # Allowed: no cut holds two of the median (0) and its best knapsack {1, 2}.
    free = CutsByPoint([(0, 3, 4)], np.array([10.0]), 5)
    found = priced_cluster(profit, weight, 2, 0, free, [1, 2], 9.0)
    assert (found.profit, found.members, found.nodes) == (9.0, [1, 2], 0)
    # Forbidden at no cost: a cut on {1, 2} priced above what 2 adds, so 3 takes its place.
    paying = CutsByPoint([(1, 2, 3)], np.array([10.0]), 5)
    found = priced_cluster(profit, weight, 2, 0, paying, [1, 2], 9.0)
    assert found.proven and found.nodes > 0
    assert (found.profit, found.members) == (5.0, [1])


@pytest.mark.parametrize("seed", range(6))
def test_relaxation_with_cuts_is_a_bound_at_any_prices(seed: int) -> None:
    problem = small_problem(seed, n=8, unit=seed % 3 == 0)
    optimum, _ = brute_force(problem)
    rng = np.random.default_rng(seed)
    triples, prices = _random_cuts(rng, problem.n, 10, scale=20.0)
    relax = Lagrangian(problem, screen=True, cuts=CutsByPoint(triples, prices, problem.n))
    assert relax.cuts is not None
    dual = subgradient(relax, Budget(2), upper=lambda: float(optimum))
    assert dual.bound <= optimum + 1e-6
    for _ in range(5):
        lam = rng.uniform(0, 2, problem.n) * problem.distance.mean()
        assert relax.evaluate(lam).value <= optimum + 1e-6


def test_relaxation_with_cuts_reads_the_cut_bound_at_its_duals() -> None:
    problem = generated(points=60, medians=6, seed=0)
    start, multipliers, _ = start_of(problem)
    found = cut_bound(problem, start, multipliers, Budget(4), upper=np.inf)
    assert found.duals is not None and found.cuts > 0
    duals = found.duals
    cuts = CutsByPoint(duals.triples, duals.prices, problem.n)
    for screen in (False, True):
        with_cuts = Lagrangian(problem, screen=screen, cuts=cuts).evaluate(duals.points)
        assert with_cuts.value == pytest.approx(found.bound)
    # The same multipliers without the cuts' prices bound far less.
    assert Lagrangian(problem).evaluate(duals.points).value < found.bound - 1
