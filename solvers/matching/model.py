"""CP-SAT matching model: which reviewers serve which projects.

Pair rules (own school, expertise, conflicts, trust, rotation, travel) are already applied by
``solvers.matching.encode``: only allowed pairs get a variable. The rules that need the whole
plan are the ``add_*`` functions below, registered in ``HARD_RULES``; the soft terms are the
functions in ``SOFT_TERMS``, each returning its expression in natural units. The objective is
built in one place, ``set_objective``, from the user's weights. How the model is searched is
``solvers.matching.strategy``'s business.

Every rule can be *guarded*: for explanations, ``solvers.matching.explain`` passes a ``Guard``
that hands out one enforcement literal per rule instance, and asks CP-SAT which of them cannot
hold together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from ortools.sat.python import cp_model

from solvers.engine.rules import ModelRule, model_rule
from solvers.matching.capacity import sle_days_left
from solvers.matching.encode import MatchingProblem

# A guard maps a rule instance (rule name, subject id) to enforcement literals; () = always on.
Guard = Callable[[str, str], Sequence[cp_model.IntVar]]


def _always(rule: str, subject: str) -> Sequence[cp_model.IntVar]:
    return ()


@dataclass
class MatchingModel:
    problem: MatchingProblem
    model: cp_model.CpModel
    assign: list[cp_model.IntVar]
    staffed: list[cp_model.IntVar]
    lead: dict[int, cp_model.IntVar]
    guard: Guard = _always
    terms: dict[str, tuple[cp_model.LinearExprT, str]] = field(default_factory=dict)


def _enforce(constraint: cp_model.Constraint, literals: Sequence[cp_model.IntVar]) -> None:
    if literals:
        constraint.only_enforce_if(literals)


def add_team_size(m: MatchingModel) -> None:
    """Hard: a staffed project has min..max reviewers; an unstaffed one has none."""
    p = m.problem
    for j, pairs in enumerate(p.pairs_of_project()):
        team = sum(m.assign[k] for k in pairs)
        pid = p.project_ids[j]
        m.model.add(team <= int(p.project_max[j]) * m.staffed[j])
        _enforce(
            m.model.add(team >= int(p.project_min[j]) * m.staffed[j]),
            m.guard("team_size", pid),
        )


def add_lead(m: MatchingModel) -> None:
    """Hard: a staffed project that needs a lead has exactly one, a trained lead on its team."""
    p = m.problem
    for j, pairs in enumerate(p.pairs_of_project()):
        if not p.project_needs_lead[j]:
            continue
        leads = [m.lead[k] for k in pairs if k in m.lead]
        for k in pairs:
            if k in m.lead:
                m.model.add_implication(m.lead[k], m.assign[k])
        m.model.add(sum(leads) <= m.staffed[j])
        _enforce(m.model.add(sum(leads) >= m.staffed[j]), m.guard("lead", p.project_ids[j]))


def add_sle(m: MatchingModel) -> None:
    """Hard: a staffed project that needs an SLE has at least one on its team."""
    p = m.problem
    for j, pairs in enumerate(p.pairs_of_project()):
        if not p.project_needs_sle[j]:
            continue
        sles = [m.assign[k] for k in pairs if p.staff_is_sle[p.pair_staff[k]]]
        _enforce(m.model.add(sum(sles) >= m.staffed[j]), m.guard("sle", p.project_ids[j]))


def add_areas_covered(m: MatchingModel) -> None:
    """Hard: a staffed project with several areas has, for each, a team member who has it.

    Every candidate has at least one of the areas (pair rule expertise_area); this makes the
    team cover them all. Projects with one area need nothing more."""
    p = m.problem
    if p.project_area_count is None:
        return
    for j, pairs in enumerate(p.pairs_of_project()):
        for a in range(p.area_count(j) if p.several_areas(j) else 0):
            having = [m.assign[k] for k in pairs if p.pair_has_area(k, 1 << a)]
            _enforce(
                m.model.add(sum(having) >= m.staffed[j]),
                m.guard("areas_covered", p.project_ids[j]),
            )


def add_needs_role(m: MatchingModel) -> None:
    """Hard: a staffed project that needs a role (projects.csv needs_role) has someone of
    that role on its team."""
    p = m.problem
    if p.project_role is None:
        return
    for j, pairs in enumerate(p.pairs_of_project()):
        if not p.needs_role(j):
            continue
        having = [m.assign[k] for k in pairs if p.pair_has_role(k)]
        _enforce(m.model.add(sum(having) >= m.staffed[j]), m.guard("needs_role", p.project_ids[j]))


def add_staff_capacity(m: MatchingModel) -> None:
    """Hard: a reviewer's days over all their projects within their max_days."""
    p = m.problem
    for i, pairs in enumerate(p.pairs_of_staff()):
        if not pairs:
            continue
        days = sum(int(p.pair_days[k]) * m.assign[k] for k in pairs)
        if sum(int(p.pair_days[k]) for k in pairs) <= p.staff_max_days[i]:
            continue  # cannot bind, so leave it out of the model (and of explanations)
        _enforce(m.model.add(days <= int(p.staff_max_days[i])), m.guard("capacity", p.staff_ids[i]))


def add_sle_allowance(m: MatchingModel) -> None:
    """Hard: an SLE's days this round plus days used this year within the yearly allowance."""
    p = m.problem
    for i, pairs in enumerate(p.pairs_of_staff()):
        if not pairs or not p.staff_is_sle[i]:
            continue
        if sum(int(p.pair_days[k]) for k in pairs) <= sle_days_left(p, i):
            continue
        days = sum(int(p.pair_days[k]) * m.assign[k] for k in pairs)
        _enforce(m.model.add(days <= sle_days_left(p, i)), m.guard("sle_allowance", p.staff_ids[i]))


def add_release(m: MatchingModel) -> None:
    """Hard: the staff-days a school releases within its release_days."""
    p = m.problem
    for s, pairs in enumerate(p.pairs_of_giving_school()):
        if not pairs or sum(int(p.pair_days[k]) for k in pairs) <= p.school_release[s]:
            continue
        days = sum(int(p.pair_days[k]) * m.assign[k] for k in pairs)
        _enforce(m.model.add(days <= int(p.school_release[s])), m.guard("release", p.school_ids[s]))


def add_cover_budget(m: MatchingModel) -> None:
    """Hard: a school's staff-days out cost at most its cover_budget (schools.csv): at most
    the days the budget pays for at its phase's cover cost per day."""
    p = m.problem
    if p.school_cover_days is None:
        return
    for s, pairs in enumerate(p.pairs_of_giving_school()):
        cap = int(p.school_cover_days[s])
        if not pairs or not p.cover_capped(s) or sum(int(p.pair_days[k]) for k in pairs) <= cap:
            continue  # cannot bind, so leave it out of the model (and of explanations)
        days = sum(int(p.pair_days[k]) * m.assign[k] for k in pairs)
        _enforce(m.model.add(days <= cap), m.guard("cover_budget", p.school_ids[s]))


def add_no_direct_swap(m: MatchingModel) -> None:
    """Hard: if school A's staff serve B's project, B's staff do not serve A's."""
    p = m.problem
    if not p.no_direct_swap:
        return
    directions: dict[tuple[int, int], list[int]] = {}
    for k in range(p.n_pairs):
        giver = int(p.staff_school[p.pair_staff[k]])
        host = int(p.project_host[p.pair_project[k]])
        directions.setdefault((giver, host), []).append(k)
    for (a, b), forward in directions.items():
        backward = directions.get((b, a))
        if backward is None or a > b:
            continue  # no swap possible, or the pair was handled from the other side
        serves = m.model.new_bool_var(f"serves[{p.school_ids[a]}->{p.school_ids[b]}]")
        for k in forward:
            m.model.add_implication(m.assign[k], serves)
        guard = m.guard("no_direct_swap", f"{p.school_ids[a]}/{p.school_ids[b]}")
        for k in backward:
            _enforce(m.model.add_implication(m.assign[k], ~serves), guard)


def add_locks(m: MatchingModel) -> None:
    """Hard: a locked reviewer stays on the project; a project with a lock stays staffed.

    A locked pair the pair rules forbid has no variable: the project is then kept staffed
    with that reviewer impossible, which makes the model infeasible (reported before solving
    by ``solvers.matching.locks``, in words)."""
    p = m.problem
    if not p.locked_pairs and not p.locked_projects:
        return
    pair_of = {
        (p.staff_ids[int(i)], p.project_ids[int(j)]): k
        for k, (i, j) in enumerate(zip(p.pair_staff, p.pair_project, strict=True))
    }
    project_index = {pid: j for j, pid in enumerate(p.project_ids)}
    for staff_id, project_id in sorted(p.locked_pairs):
        if project_id not in project_index:
            continue  # a part of the problem without this project
        k = pair_of.get((staff_id, project_id))
        guard = m.guard("locks", project_id)
        if k is None:
            _enforce(m.model.add_bool_or([]), guard)
        else:
            _enforce(m.model.add(m.assign[k] == 1), guard)
    for project_id in sorted(p.locked_projects):
        j = project_index.get(project_id)
        if j is not None:
            _enforce(m.model.add(m.staffed[j] == 1), m.guard("locks", project_id))


HARD_RULES: tuple[ModelRule[MatchingModel], ...] = (
    model_rule("matching", "team_size", add_team_size),
    model_rule("matching", "lead", add_lead),
    model_rule("matching", "sle", add_sle),
    model_rule("matching", "areas_covered", add_areas_covered),
    model_rule("matching", "needs_role", add_needs_role),
    model_rule("matching", "capacity", add_staff_capacity),
    model_rule("matching", "sle_allowance", add_sle_allowance),
    model_rule("matching", "release", add_release),
    model_rule("matching", "cover_budget", add_cover_budget),
    model_rule("matching", "no_direct_swap", add_no_direct_swap),
    model_rule("matching", "locks", add_locks),
)
"""The plan-wide hard rules, each under its ``matcher.rules`` name (the pair rules are
``solvers.matching.eligibility.PAIR_RULES``)."""


def unstaffed(m: MatchingModel) -> cp_model.LinearExprT:
    """Soft: projects left without a team (large weight: staff every project that can be)."""
    return sum(1 - s for s in m.staffed)


def expertise(m: MatchingModel) -> cp_model.LinearExprT:
    """Soft (reward): expertise-fit points of every reviewer placed."""
    p = m.problem
    return sum(int(p.pair_fit[k]) * m.assign[k] for k in range(p.n_pairs) if p.pair_fit[k])


def preference(m: MatchingModel) -> cp_model.LinearExprT:
    """Soft (reward): staff preferences honoured (3 = first choice; negative = would rather not)."""
    p = m.problem
    return sum(
        int(p.pair_preference[k]) * m.assign[k] for k in range(p.n_pairs) if p.pair_preference[k]
    )


def travel(m: MatchingModel) -> cp_model.LinearExprT:
    """Soft: one-way travel minutes, counted once per day out."""
    p = m.problem
    return sum(int(p.pair_travel[k]) * m.assign[k] for k in range(p.n_pairs) if p.pair_travel[k])


def sle_balance(m: MatchingModel) -> cp_model.LinearExprT:
    """Soft: the largest share (percent) of the yearly allowance any SLE will have used."""
    p = m.problem
    if not p.sle_share_on():
        return 0
    # Each SLE's share is of their own allowance (staff.csv sle_allowance_days, else the
    # round's); the days they give stay within it, so a share above 100 comes from history.
    allowance = p.sle_allowances()
    sles = [i for i, sle in enumerate(p.staff_is_sle.tolist()) if sle]
    earlier = [p.sle_share(i, int(p.sle_days_used[i])) for i in sles]
    ceiling = max(100, *earlier) if earlier else 100
    largest = m.model.new_int_var(0, ceiling, "largest_sle_share")
    for i, pairs in enumerate(p.pairs_of_staff()):
        if not pairs or not p.staff_is_sle[i] or allowance[i] <= 0:
            continue
        days = int(p.sle_days_used[i]) + sum(int(p.pair_days[k]) * m.assign[k] for k in pairs)
        m.model.add(100 * days <= int(allowance[i]) * largest)
    return largest


def give_take(m: MatchingModel) -> cp_model.LinearExprT:
    """Soft: per school, the gap between staff-days it gives and staff-days it receives."""
    p = m.problem
    giving = p.pairs_of_giving_school()
    receiving = p.pairs_of_receiving_school()
    offset = _days_offset(p)
    gaps: list[cp_model.LinearExprT] = []
    for s in range(len(p.school_ids)):
        if not giving[s] and not receiving[s]:
            gaps.append(abs(offset[s]))
            continue
        given = sum(int(p.pair_days[k]) * m.assign[k] for k in giving[s]) + offset[s]
        received = sum(int(p.pair_days[k]) * m.assign[k] for k in receiving[s])
        most = sum(int(p.pair_days[k]) for k in giving[s] + receiving[s]) + abs(offset[s])
        gap = m.model.new_int_var(0, most, f"give_take_gap[{p.school_ids[s]}]")
        m.model.add(gap >= given - received)
        m.model.add(gap >= received - given)
        gaps.append(gap)
    return sum(gaps)


def _days_offset(p: MatchingProblem) -> list[int]:
    if p.school_days_offset is None:
        return [0] * len(p.school_ids)
    return [int(d) for d in p.school_days_offset]


# name, builder, sign (+1 = penalty, -1 = reward), description
SOFT_TERMS: tuple[tuple[str, Callable[[MatchingModel], cp_model.LinearExprT], int, str], ...] = (
    ("unstaffed", unstaffed, +1, "projects left unstaffed"),
    ("expertise", expertise, -1, "expertise-fit points (reward)"),
    ("preference", preference, -1, "preference points honoured (reward)"),
    ("travel", travel, +1, "travel minutes x days out"),
    ("sle_balance", sle_balance, +1, "largest SLE allowance share used, %"),
    ("give_take", give_take, +1, "sum over schools of |days given - days received|"),
)


def build_model(
    problem: MatchingProblem,
    *,
    guard: Guard = _always,
    model: cp_model.CpModel | None = None,
) -> MatchingModel:
    """Variables, every hard rule and every soft term; the objective from the weights.

    ``model`` lets a caller whose ``guard`` creates literals pass the model they belong to.
    """
    model = cp_model.CpModel() if model is None else model
    assign = [
        model.new_bool_var(
            f"assign[{problem.staff_ids[problem.pair_staff[k]]},"
            f"{problem.project_ids[problem.pair_project[k]]}]"
        )
        for k in range(problem.n_pairs)
    ]
    staffed = [model.new_bool_var(f"staffed[{pid}]") for pid in problem.project_ids]
    lead = {
        k: model.new_bool_var(
            f"lead[{problem.staff_ids[problem.pair_staff[k]]},"
            f"{problem.project_ids[problem.pair_project[k]]}]"
        )
        for k in range(problem.n_pairs)
        if problem.staff_is_lead[problem.pair_staff[k]]
        and problem.project_needs_lead[problem.pair_project[k]]
    }
    m = MatchingModel(problem, model, assign, staffed, lead, guard)
    for hard_rule in HARD_RULES:
        hard_rule.add(m)
    for name, build_term, _sign, description in SOFT_TERMS:
        # A switched-off term adds nothing to the objective, so it gets no variables either.
        expression = build_term(m) if weight_of(problem, name) else 0
        m.terms[name] = (expression, description)
    set_objective(m)
    return m


def weight_of(problem: MatchingProblem, term: str) -> int:
    return int(getattr(problem.weights, term))


def set_objective(m: MatchingModel) -> None:
    """Minimise the weighted sum of penalties minus the weighted rewards."""
    objective: cp_model.LinearExpr | int = 0
    for name, _builder, sign, _description in SOFT_TERMS:
        weight = weight_of(m.problem, name)
        if weight:
            # A term is a LinearExpr or 0, never the numpy integer LinearExprT also allows.
            objective += sign * weight * cast("cp_model.LinearExpr | int", m.terms[name][0])
    m.model.minimize(objective)
