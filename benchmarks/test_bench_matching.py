"""Matching on a generated local-authority cohort (300 schools), against baselines in the same run.

Target (issue 2): a proven gap of at most 1% within 20 s on 2 cores, with the LP-relaxation
bound reported beside the result.
"""

from __future__ import annotations

from reporting import print_table

from matcher.model import Round
from matcher.verify import verify_plan
from solvers.baselines import solve_linear
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions
from solvers.matching.decode import decode
from solvers.matching.encode import encode
from solvers.matching.greedy import greedy
from solvers.matching.strategy import MatchingSolution, solve_matching

TIME_LIMIT = 20.0
GAP = 0.01


def test_match_la_cohort(benchmark, la_round: Round) -> None:
    problem = encode(la_round)

    def run() -> MatchingSolution:
        return solve_matching(
            problem, Budget(TIME_LIMIT), options=SolveOptions(seed=1, workers=2, gap_limit=GAP)
        )

    solution: MatchingSolution = benchmark.pedantic(run, rounds=1, iterations=1)
    ours = solution.result
    plan = decode(problem, solution, {})
    assert verify_plan(la_round, plan) == []

    lp = solve_linear(problem, relax=True, time_limit=TIME_LIMIT)
    milp = solve_linear(problem, backend="SCIP", time_limit=TIME_LIMIT, gap_limit=1e-4)
    by_hand = greedy(problem)
    assert ours.objective is not None and lp.objective is not None
    rows: list[dict[str, object]] = [
        {
            "method": "cp-sat (ours)",
            "status": ours.status,
            "objective": ours.objective,
            "bound": round(ours.bound or 0),
            "gap %": f"{100 * (ours.gap or 0):.2f}",
            "seconds": f"{ours.seconds:.1f}",
        },
        {
            "method": "lp relaxation",
            "status": lp.status,
            "objective": round(lp.objective),
            "bound": round(lp.objective),
            "gap %": "",
            "seconds": f"{lp.seconds:.1f}",
        },
        {
            "method": "milp (scip)",
            "status": milp.status,
            "objective": milp.objective,
            "bound": milp.bound,
            "gap %": "",
            "seconds": f"{milp.seconds:.1f}",
        },
        {
            "method": "greedy",
            "status": by_hand.status,
            "objective": by_hand.objective,
            "bound": "",
            "gap %": "",
            "seconds": f"{by_hand.seconds:.2f}",
        },
    ]
    print_table(
        f"matching, {len(problem.project_ids)} projects, {len(problem.staff_ids)} staff, "
        f"{problem.n_pairs} candidate pairs",
        rows,
    )
    benchmark.extra_info.update(
        {
            "pairs": problem.n_pairs,
            "objective": ours.objective,
            "bound": ours.bound,
            "lp_bound": lp.objective,
            "gap": ours.gap,
            "milp_objective": milp.objective,
            "milp_seconds": milp.seconds,
            "greedy_objective": by_hand.objective,
        }
    )
    assert ours.gap is not None and ours.gap <= GAP, "target missed: gap above 1% in 20 s"
    assert lp.objective <= ours.objective + 1e-6
    assert by_hand.objective is not None and ours.objective <= by_hand.objective
