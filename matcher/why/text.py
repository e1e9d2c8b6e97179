"""An explanation in plain English, with names, for the coordinator's terminal."""

from __future__ import annotations

from matcher.model import Round
from matcher.why.types import Alternative, Explanation, PairExplanation

TERM_WORDS = {
    "expertise": "expertise fit (points)",
    "preference": "preference (points)",
    "travel": "travel (minutes x days)",
    "sle_balance": "SLE balance (largest share, %)",
    "give_take": "give and take (staff-days)",
}


def _person(round_: Round, staff_id: str) -> str:
    person = round_.staff_by_id[staff_id]
    school = round_.school_by_id.get(person.school_id)
    return f"{person.name} of {school.name if school else person.school_id}"


def _project(round_: Round, project_id: str) -> str:
    project = round_.project_by_id[project_id]
    host = round_.school_by_id.get(project.host_school_id)
    return f"{project_id} ({project.area} at {host.name if host else project.host_school_id})"


def _cost(alt: Alternative, cost: int | None) -> str:
    if not alt.status or cost is None:
        if alt.scope == "neighbourhood":
            return "no plan with that change was found near it (the rest of the round held)"
        return f"no plan with that change was found ({alt.status})"
    if alt.scope == "neighbourhood":
        # Only the teams near the change were re-solved: a plan of the whole round may do
        # better, so the figure is what this plan costs, at most what the change must cost.
        return (
            f"the objective changes by at most {cost:+,} (this plan re-solves the teams "
            "near the change only; the least cost may be lower)"
        )
    proven = (
        "the least possible (proven)"
        if alt.proven
        else f"not proven least; no such plan costs less than {alt.cost_bound}"
        if alt.cost_bound is not None
        else "not proven least"
    )
    return f"the objective changes by {cost:+,} ({proven})"


def _moves(round_: Round, alt: Alternative) -> list[str]:
    """One line per move; a reviewer taken off and put back on one project changed role."""
    changes = {(m.project_id, m.staff_id, m.change): m for m in alt.moves}
    lines = []
    for m in alt.moves:
        other = "removed" if m.change == "added" else "added"
        if (m.project_id, m.staff_id, other) in changes:
            if m.change == "added":
                lines.append(
                    f"    ~ {_person(round_, m.staff_id)} becomes {m.role} on "
                    f"{_project(round_, m.project_id)}"
                )
            continue
        lines.append(
            f"    {'+' if m.change == 'added' else '-'} {_person(round_, m.staff_id)} "
            f"{'on' if m.change == 'added' else 'off'} {_project(round_, m.project_id)}"
        )
    return lines


def _item(round_: Round, item: PairExplanation) -> list[str]:
    where = _project(round_, item.project_id)
    if item.staff_id is None:
        return _unstaffed(round_, item)
    who = _person(round_, item.staff_id)
    heads = {
        "assigned": f"{who} is on {where}.",
        "forbidden": f"{who} may not serve {where}:",
        "not_chosen": f"{who} could serve {where}, but the plan chose otherwise.",
    }
    lines = [heads[item.verdict]]
    lines += [f"  [{r.rule}] {r.detail}" for r in item.rules]
    if item.terms:
        lines.append("  What this pairing brings to the plan:")
        lines += [
            f"    {TERM_WORDS.get(name, name)}: {t.value:+,} (objective {t.contribution:+,})"
            for name, t in item.terms.items()
        ]
    alt = item.alternative
    if alt is not None:
        if item.verdict == "assigned":
            by = ", ".join(_person(round_, s) for s in alt.replaced_by) or "nobody new"
            lines.append(f"  Without them: replaced by {by}; {_cost(alt, item.cost_of_change)}.")
        else:
            lines.append(f"  Forcing it in: {_cost(alt, item.cost_of_change)}.")
        lines += _moves(round_, alt)
    return lines


def _unstaffed(round_: Round, item: PairExplanation) -> list[str]:
    lines = [f"{_project(round_, item.project_id)} is unstaffed: {item.reason or 'no reason'}."]
    lines += [f"  [{r.rule}] {r.detail}" for r in item.rules]
    lines += [f"  {suggestion_text(round_, s)}" for s in item.suggestions]
    if not item.suggestions:
        lines.append("  No single relaxed rule found a team for it.")
    return lines


def suggestion_text(round_: Round, suggestion: Alternative) -> str:
    """One suggestion for an unstaffed project as a sentence (the terminal's and the report's):
    "Allowing same-trust reviewers (rules.same_trust = allow) would staff it with ..."."""
    team = ", ".join(_person(round_, staff_id) for staff_id in suggestion.replaced_by)
    words = suggestion.description
    return (
        f"{words[0].upper()}{words[1:]} ({suggestion.setting} = {suggestion.value}) "
        f"would staff it with {team}."
    )



def explanation_text(round_: Round, explanation: Explanation) -> str:
    """Every answer, a blank line between them."""
    return "\n\n".join("\n".join(_item(round_, item)) for item in explanation.items)
