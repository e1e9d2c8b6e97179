"""A start for the matching search: regret construction, then repair and local search.

``greedy`` (solvers.baselines) staffs the hardest project first with its best reviewers and
never looks back, so on tight rounds (little spare capacity) it leaves projects unstaffed
that a little rearranging would staff. Here, in the style of Martello and Toth's heuristic for
the generalized assignment problem:

1. *Regret construction*, once per desirability measure (the pair's cost; the days it takes
   out of its reviewer's capacity): the next project staffed is the one that would lose most
   by waiting (cost of its second-best team minus its best), and it takes its best team.
2. *Repair*: a project still unstaffed gets a team once a reviewer it needs hands one of
   their other projects to someone else (a one-step ejection chain).
3. *Local search* on the plan's cost: replace one team member by another candidate, or swap
   two reviewers between their projects, while the cost falls.
4. Where every team is one reviewer (the generalized assignment shape of the OR-Library
   benchmarks), an *ejection-chain tabu search* (``solvers.search.ejection``) from the LP
   relaxation, on larger such problems inside path relinking between elite plans
   (``solvers.search.relink``).
   Its work is fixed by the size; ``start_seconds`` says how much, so that the caller can
   count it against a time limit kept in work.

Every move keeps every hard rule of ``solvers.matching.model``: team size min..max with a lead and
an SLE where needed, reviewer days (and an SLE's allowance left), school release, and no direct
swap between schools. The cost is the linear part of the objective (unstaffed penalty, travel,
expertise, preference); the SLE-balance and give-and-take terms are left to the solver. The
result is deterministic: no clock and no randomness decide anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from solvers.matching.capacity import Ledger
from solvers.matching.encode import MatchingProblem
from solvers.matching.greedy import greedy, take_required
from solvers.matching.objective import objective_of
from solvers.search import gap_search

# Each local-search pass tries every move once; the search stops when a pass finds nothing or
# after this many passes (a bound on time, not one the instances here reach).
MAX_PASSES = 50


class _Plan:
    """A plan under construction with what it uses of every limited resource."""

    def __init__(self, problem: MatchingProblem, cost: Sequence[float]) -> None:
        p = problem
        self.p = p
        self.cost = cost
        self.staff = p.pair_staff.tolist()
        self.project = p.pair_project.tolist()
        self.days = p.pair_days.tolist()
        school = p.staff_school.tolist()
        host = p.project_host.tolist()
        self.giver = [school[i] for i in self.staff]
        self.host = [host[j] for j in self.project]
        self.is_lead = p.staff_is_lead.tolist()
        self.is_sle = p.staff_is_sle.tolist()
        self.needs_lead = p.project_needs_lead.tolist()
        self.needs_sle = p.project_needs_sle.tolist()
        self.low = p.project_min.tolist()
        self.high = p.project_max.tolist()
        self.ledger = Ledger(p)
        self.team: list[list[int]] = [[] for _ in p.project_ids]
        self.by_staff: list[set[int]] = [set() for _ in p.staff_ids]
        self.by_project = p.pairs_of_project()
        self.index = {
            (i, j): k for k, (i, j) in enumerate(zip(self.staff, self.project, strict=True))
        }

    def fits(self, k: int) -> bool:
        """Pair k can join the plan as it stands (its team's rules are checked apart)."""
        return self.ledger.fits(k)

    def add(self, k: int) -> None:
        self.ledger.book(k)
        self.team[self.project[k]].append(k)
        self.by_staff[self.staff[k]].add(k)

    def remove(self, k: int) -> None:
        self.ledger.unbook(k)
        self.team[self.project[k]].remove(k)
        self.by_staff[self.staff[k]].discard(k)

    def team_ok(self, j: int, team: Sequence[int]) -> bool:
        if not self.low[j] <= len(team) <= self.high[j]:
            return False
        if not self.p.covers_areas(j, team) or not self.p.has_role(j, team):
            return False
        if self.needs_lead[j] and not any(self.is_lead[self.staff[k]] for k in team):
            return False
        return not self.needs_sle[j] or any(self.is_sle[self.staff[k]] for k in team)

    def try_add_all(self, pairs: Sequence[int]) -> bool:
        """Add the pairs one by one if all fit; otherwise leave the plan as it was."""
        done: list[int] = []
        for k in pairs:
            if not self.fits(k):
                for m in reversed(done):
                    self.remove(m)
                return False
            self.add(k)
            done.append(k)
        return True

    def pick_team(self, j: int, ranked: Sequence[int], skip_staff: int = -1) -> list[int] | None:
        """The first team of minimum size, in ``ranked`` order, that fits and keeps the rules.

        Team-mates from one school share its release and their directions, so each pick is
        added for the next check and taken out again before returning.
        """
        plain = not self.p.several_areas(j) and not self.p.needs_role(j)
        if self.low[j] == 1 and not self.needs_lead[j] and not self.needs_sle[j] and plain:
            # One reviewer alone makes a team: the first that fits (the common case, fast).
            for k in ranked:
                if self.staff[k] != skip_staff and self.fits(k):
                    return [k] if self.high[j] >= 1 else None
            return None
        team: list[int] = []
        people: set[int] = {skip_staff}

        def take_pair(wanted: Callable[[int], bool]) -> bool:
            for k in ranked:
                i = self.staff[k]
                if i not in people and wanted(k) and self.fits(k):
                    self.add(k)
                    team.append(k)
                    people.add(i)
                    return True
            return False

        ok = take_required(self.p, j, team, take_pair)
        while ok and len(team) < self.low[j]:
            ok = take_pair(lambda k: True)
        for k in reversed(team):
            self.remove(k)
        return team if ok and len(team) <= self.high[j] else None

    def chosen(self) -> tuple[int, ...]:
        return tuple(sorted(k for team in self.team for k in team))


def pair_costs(problem: MatchingProblem) -> list[float]:
    """Each pair's contribution to the linear part of the objective."""
    w = problem.weights
    cost = (
        w.travel * problem.pair_travel
        - w.expertise * problem.pair_fit
        - w.preference * problem.pair_preference
    )
    return [float(c) for c in cost.tolist()]


def warm_start(problem: MatchingProblem) -> tuple[int, ...]:
    """A plan (chosen pair indices) keeping every hard rule, staffing as many projects as it can
    at the least cost it finds; the best over the desirability measures."""
    cost = pair_costs(problem)
    capacity = problem.staff_max_days.tolist()
    days = problem.pair_days.tolist()
    staff = problem.pair_staff.tolist()
    # The share of its reviewer's days a pair takes. Ranking by cost as well (Martello and
    # Toth's first measure) left 1 to 31 jobs unplaced on the OR-Library GAP sets where this
    # one places all, and was no better on a 300-school cohort, so it is not worth its time.
    measures: list[list[float]] = [
        [d / max(capacity[i], 1) for d, i in zip(days, staff, strict=True)],
    ]
    best: tuple[float, tuple[int, ...]] | None = None
    for desirability in measures:
        plan = _Plan(problem, cost)
        _construct(plan, desirability)
        _improve(plan)
        value = _value(plan)
        if best is None or value < best[0]:
            best = (value, plan.chosen())
    return () if best is None else best[1]


def _value(plan: _Plan) -> float:
    unstaffed = sum(1 for j, team in enumerate(plan.team) if not team)
    penalty = float(plan.p.weights.unstaffed) * unstaffed
    return penalty + sum(plan.cost[k] for team in plan.team for k in team)


def _construct(plan: _Plan, desirability: Sequence[float]) -> None:
    """Regret order: staff next the project whose best team is most ahead of its second best.

    What fits only shrinks as teams are added, so a project's ranking is cut from the front as
    its first candidates stop fitting, and only projects that share a reviewer, a school or a
    swap direction with the last team need a second look.
    """
    by_project = plan.by_project
    ranked = [sorted(pairs, key=lambda k: (desirability[k], k)) for pairs in by_project]
    touches: dict[tuple[int, int], set[int]] = {}
    by_giver: dict[int, set[int]] = {}
    for k, j in enumerate(plan.project):
        touches.setdefault((plan.giver[k], plan.host[k]), set()).add(j)
        by_giver.setdefault(plan.giver[k], set()).add(j)
    open_projects = {j for j, pairs in enumerate(by_project) if pairs}
    regret: dict[int, tuple[float, list[int]]] = {}
    stale = set(open_projects)
    while open_projects:
        for j in stale & open_projects:
            order = ranked[j]
            first = 0
            while first < len(order) and not plan.fits(order[first]):
                first += 1
            ranked[j] = order[first:] if first else order
            scored = _regret(plan, j, ranked[j], desirability)
            if scored is None:
                open_projects.discard(j)  # nothing fits now, and nothing will later
                regret.pop(j, None)
            else:
                regret[j] = scored
        if not regret:
            break
        j = max(regret, key=lambda j: (regret[j][0], -j))
        team = regret.pop(j)[1]
        open_projects.discard(j)
        for k in team:
            plan.add(k)
        stale = set()
        for k in team:
            stale |= by_giver[plan.giver[k]]
            stale |= touches.get((plan.host[k], plan.giver[k]), set())
    for j, pairs in enumerate(by_project):
        if pairs and not plan.team[j]:
            _repair(plan, j, by_project)


def _regret(
    plan: _Plan, j: int, ranked: list[int], desirability: Sequence[float]
) -> tuple[float, list[int]] | None:
    team = plan.pick_team(j, ranked)
    if team is None:
        return None
    value = sum(desirability[k] for k in team)
    first = min(team, key=lambda k: (desirability[k], k))
    other = plan.pick_team(j, ranked, skip_staff=plan.staff[first])
    if other is None:
        return float("inf"), team
    return sum(desirability[k] for k in other) - value, team


def _repair(plan: _Plan, j: int, by_project: list[list[int]]) -> bool:
    """Staff project j, if need be after one reviewer hands a project of theirs to another."""
    ranked = sorted(by_project[j], key=lambda k: (plan.cost[k], k))
    team = plan.pick_team(j, ranked)
    if team is not None:
        plan.try_add_all(team)
        return True
    for k in ranked:
        for given in sorted(plan.by_staff[plan.staff[k]]):
            if _hand_over(plan, given, by_project, ranked, j):
                return True
    return False


def _hand_over(
    plan: _Plan, given: int, by_project: list[list[int]], ranked: list[int], j: int
) -> bool:
    """Move pair ``given`` to another reviewer of its project, if project j can then be staffed."""
    other_project = plan.project[given]
    plan.remove(given)
    mates = [m for m in plan.team[other_project]]
    people = {plan.staff[m] for m in mates} | {plan.staff[given]}
    for k in sorted(by_project[other_project], key=lambda k: (plan.cost[k], k)):
        if plan.staff[k] in people or not plan.fits(k):
            continue
        if not plan.team_ok(other_project, [*mates, k]):
            continue
        plan.add(k)
        team = plan.pick_team(j, ranked)
        if team is not None and plan.try_add_all(team):
            return True
        plan.remove(k)
    plan.add(given)
    return False


def _improve(plan: _Plan) -> None:
    """Replace and swap moves while they lower the cost."""
    p = plan.p
    by_project = plan.by_project
    for _ in range(MAX_PASSES):
        moved = False
        for j in range(len(p.project_ids)):
            for k in list(plan.team[j]):
                if k in plan.team[j] and (_replace(plan, k, by_project[j]) or _swap(plan, k)):
                    moved = True
        if not moved:
            break


def _replace(plan: _Plan, k: int, candidates: Sequence[int]) -> bool:
    j = plan.project[k]
    people = {plan.staff[m] for m in plan.team[j]}
    better = sorted(
        (c for c in candidates if plan.cost[c] < plan.cost[k]), key=plan.cost.__getitem__
    )
    if not better:
        return False
    plan.remove(k)
    mates = list(plan.team[j])
    for c in better:
        if plan.staff[c] not in people and plan.fits(c) and plan.team_ok(j, [*mates, c]):
            plan.add(c)
            return True
    plan.add(k)
    return False


def _swap(plan: _Plan, k: int) -> bool:
    """Reviewers of k and of another chosen pair trade projects, if that costs less."""
    i, j = plan.staff[k], plan.project[k]
    team_j = {plan.staff[m] for m in plan.team[j]}
    for other in plan.by_project[j]:
        i2 = plan.staff[other]
        if i2 in team_j:
            continue
        for k2 in sorted(plan.by_staff[i2]):
            j2 = plan.project[k2]
            if j2 == j:
                continue
            mine = plan.index.get((i2, j))
            theirs = plan.index.get((i, j2))
            if mine is None or theirs is None:
                continue
            if plan.cost[mine] + plan.cost[theirs] >= plan.cost[k] + plan.cost[k2]:
                continue
            if i in {plan.staff[m] for m in plan.team[j2]}:
                continue
            # Reviewer days first: the usual reason a swap does not fit, and cheap to check.
            if plan.ledger.days_left[i2] + plan.days[k2] < plan.days[mine]:
                continue
            if plan.ledger.days_left[i] + plan.days[k] < plan.days[theirs]:
                continue
            plan.remove(k)
            plan.remove(k2)
            rest_j, rest_j2 = list(plan.team[j]), list(plan.team[j2])
            if (
                plan.team_ok(j, [*rest_j, mine])
                and plan.team_ok(j2, [*rest_j2, theirs])
                and plan.try_add_all([mine, theirs])
            ):
                return True
            plan.add(k)
            plan.add(k2)
    return False


def keeps_hard_rules(problem: MatchingProblem, chosen: Sequence[int]) -> bool:
    """Whether a plan (chosen pair indices) keeps every hard rule of the matching model."""
    plan = _Plan(problem, [0.0] * problem.n_pairs)
    if not plan.try_add_all(sorted(set(chosen))):
        return False
    return all(not team or plan.team_ok(j, team) for j, team in enumerate(plan.team))


def quality_swing(problem: MatchingProblem) -> int:
    """An upper bound on how far the objective without the unstaffed penalty can move between
    any two plans: the most each weighted term can add plus the most it can take off.

    When one unstaffed project costs more than this, a plan staffing fewer projects than
    another can never be better than it (see ``staffed_floor``).
    """
    w = problem.weights
    cost = pair_costs(problem)
    high = problem.project_max.tolist()
    swing = 0.0
    for j, pairs in enumerate(problem.pairs_of_project()):
        values = sorted(cost[k] for k in pairs)
        team = max(0, high[j])
        swing += sum(-c for c in values[:team] if c < 0) + sum(c for c in values[-team:] if c > 0)
    if w.sle_balance and problem.sle_share_on():
        sles = [i for i, sle in enumerate(problem.staff_is_sle.tolist()) if sle]
        earlier = [problem.sle_share(i, int(problem.sle_days_used[i])) for i in sles]
        # One share per independent part: at most one per reviewer.
        ceiling = max(100, *earlier) if earlier else 100
        swing += w.sle_balance * ceiling * max(1, int(problem.staff_is_sle.sum()))
    if w.give_take:
        # Every day given counts once for the giving school and once for the host.
        swing += w.give_take * 2 * int(problem.pair_days.sum())
    return math.ceil(swing)


def staffed_floor(problem: MatchingProblem, chosen: Sequence[int]) -> int:
    """How many projects every optimal plan staffs, knowing the plan ``chosen`` exists: the
    projects it staffs if an unstaffed project outweighs every other term, else 0."""
    if not keeps_hard_rules(problem, chosen):
        return 0
    if problem.weights.unstaffed <= quality_swing(problem):
        return 0
    return len({int(problem.pair_project[k]) for k in chosen})


def start_seconds(problem: MatchingProblem, *, relinking: bool = True) -> float:
    """The most ``best_start`` spends in its chain search, in seconds of the benchmark machine
    (``solvers.search.gap_search.nominal_seconds``): fixed by the problem, so a caller can count it
    against a time limit kept in work and still repeat itself."""
    return gap_search.nominal_seconds(problem, pair_costs(problem), relinking=relinking)


def relinks(problem: MatchingProblem) -> bool:
    """Whether ``best_start`` relinks elite plans on this problem (``solvers.search.relink``): the
    larger GAP-shaped rounds, where it costs seconds a caller may first try to save."""
    return gap_search.relinks(problem, pair_costs(problem))


def best_start(problem: MatchingProblem, *, relinking: bool = True) -> tuple[int, ...]:
    """The better, on the whole objective, of ``greedy`` and ``warm_start``, then improved by
    the ejection-chain search where the problem has the GAP shape (``solvers.search.ejection``).

    The chain search runs only there, not on the product's own rounds: its moves keep the
    hard rules only because a GAP has no other rule than reviewer days (teams of one, no lead
    or SLE, no swap rule, releases that cannot bind), and teams of two or three with a lead
    would need moves of a different kind. ``ejection.dense_gap`` decides, in microseconds, so
    other rounds pay nothing for it. Without ``relinking`` the chain search runs once, even
    where ``relinks`` says it would relink.
    """
    by_hand = greedy(problem).chosen
    built = warm_start(problem)
    value = objective_of(problem, built)
    start = built if value < objective_of(problem, by_hand) else by_hand
    chained = gap_search.improve(problem, pair_costs(problem), start, relinking=relinking)
    # The search minimises the linear cost only; a GAP-shaped round may still weigh SLE
    # balance or give-and-take, so the whole objective decides, and the rules are checked again.
    if (
        chained != start
        and keeps_hard_rules(problem, chained)
        and objective_of(problem, chained) < objective_of(problem, start)
    ):
        return chained
    return start
