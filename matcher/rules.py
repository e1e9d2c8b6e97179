"""Every hard rule, once: its stable name, the stage that enforces it and a plain sentence.

The solvers (``solvers/``) enforce these rules and the independent checkers
(``matcher/verify*.py``) re-check them; both refer to a rule by the name given here, so a
violation, an explanation and a solver constraint about the same rule carry the same word.
The checkers share nothing else with the solvers: this module holds names and words only.
``tests/test_rules.py`` asserts that every solver rule has a checker of the same name and
that every rule listed here is enforced and checked. To add a rule, see docs/contributing.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["matching", "dating", "clusters"]
Kind = Literal["pair", "plan", "integrity"]


@dataclass(frozen=True)
class Rule:
    """One hard rule.

    Attributes
    ----------
    name
        The stable name: the ``rule`` of a checker's violation, the solver's constraint name.
    stage
        Which plan it constrains: pairings (matching), dates (dating) or clusters.
    kind
        ``pair``: decided one reviewer (or school pair) at a time, before any model is built;
        ``plan``: needs the whole plan (a CP-SAT constraint); ``integrity``: the written plan
        makes sense at all (known ids, nothing twice). Integrity rules are checked only: a
        solver cannot break them.
    statement
        The rule in one plain sentence, for docs, explanations and reports.
    """

    name: str
    stage: Stage
    kind: Kind
    statement: str


RULES: tuple[Rule, ...] = (
    # --- matching: integrity of a written plan
    Rule("unknown_project", "matching", "integrity", "Every project named is in the round."),
    Rule("unknown_staff", "matching", "integrity", "Every reviewer named is in the round."),
    Rule("unknown_school", "matching", "integrity", "Every school named is in the round."),
    Rule("duplicate", "matching", "integrity", "Nobody is on a project or unfilled twice."),
    Rule("column", "matching", "integrity", "Every column a written plan shows is the round's."),
    # --- matching: one reviewer and one project at a time
    Rule("own_school", "matching", "pair", "No reviewer reviews their own school."),
    Rule(
        "expertise_area", "matching", "pair", "A reviewer has (one of) the project's areas."
    ),
    Rule("expertise_phase", "matching", "pair", "A reviewer works in the host school's phase."),
    Rule("conflict", "matching", "pair", "Nobody reviews a school they declared a conflict with."),
    Rule("same_trust", "matching", "pair", "Reviewers come from outside the host's trust."),
    Rule("rotation", "matching", "pair", "Nobody returns to a host served in the last rounds."),
    Rule(
        "school_rotation",
        "matching",
        "pair",
        "Two schools that reviewed each other in the last rounds are not paired again.",
    ),
    Rule("travel", "matching", "pair", "The journey to the host is within the travel limit."),
    Rule(
        "cluster_scope", "matching", "pair", "Reviewers come from inside (or outside) the cluster."
    ),
    Rule(
        "review_cycle",
        "matching",
        "pair",
        "A host's reviewers come from the school before it in its cluster's review cycle.",
    ),
    # --- matching: the whole plan
    Rule("team_size", "matching", "plan", "A project is staffed by its minimum to maximum team."),
    Rule("lead", "matching", "plan", "A team that needs a lead has one trained lead reviewer."),
    Rule("sle", "matching", "plan", "A team that needs an SLE has one."),
    Rule("areas_covered", "matching", "plan", "A team covers every area of its project."),
    Rule("needs_role", "matching", "plan", "A team that needs a role has someone of that role."),
    Rule("capacity", "matching", "plan", "A reviewer works at most their max_days."),
    Rule("sle_allowance", "matching", "plan", "An SLE's days this year stay within the allowance."),
    Rule("release", "matching", "plan", "A school releases at most its release_days staff-days."),
    Rule(
        "cover_budget", "matching", "plan", "A school's cover cost stays within its cover_budget."
    ),
    Rule("no_direct_swap", "matching", "plan", "Two schools do not review each other."),
    Rule("locks", "matching", "plan", "A locked reviewer stays on the project (locks.csv)."),
    # --- dating
    Rule("school_day", "dating", "pair", "Every visit day is a term day open for all schools."),
    Rule("whole_team", "dating", "pair", "Every event of a project has its whole team."),
    Rule("complete", "dating", "plan", "A dated project has every visit and its presentation."),
    Rule("visit_order", "dating", "plan", "Visits come in order, with their gaps, in the window."),
    Rule("one_place", "dating", "plan", "A person is in one place a day, never when unavailable."),
    Rule(
        "release_per_day", "dating", "plan", "A school has at most its staff out on any one day."
    ),
    Rule("host_per_day", "dating", "plan", "A host receives at most its teams on any one day."),
    Rule(
        "leaders_per_day",
        "dating",
        "plan",
        "A school has at most its senior leaders and heads out on any one day.",
    ),
    Rule("locks", "dating", "plan", "A locked visit starts on its locked date (locks.csv)."),
    Rule(
        "scoping",
        "dating",
        "plan",
        "A scoping meeting of the team's lead with the host comes on a school day before the "
        "first visit.",
    ),
    Rule(
        "presentation_within",
        "dating",
        "plan",
        "The presentation falls within its number of school days after the last visit.",
    ),
    Rule(
        "governors",
        "dating",
        "plan",
        "The governors' presentation comes on a later day than the senior team's.",
    ),
    # --- clusters
    Rule("unknown_school", "clusters", "integrity", "Every school named is in the round."),
    Rule(
        "each_school_once", "clusters", "plan", "Every school is in one cluster or is left out."
    ),
    Rule("pinned_kept", "clusters", "pair", "A pinned cluster is kept as it was given."),
    Rule("size", "clusters", "plan", "A cluster has between its minimum and maximum schools."),
    Rule("travel", "clusters", "pair", "Schools of a cluster are within the travel limit."),
    Rule("trust", "clusters", "pair", "Schools of one trust are kept apart (when asked)."),
    Rule("phase", "clusters", "pair", "The schools of a cluster share a phase (when asked)."),
    Rule("hub", "clusters", "plan", "A hub cluster has exactly one hub school."),
    Rule("rotation", "clusters", "plan", "Reviews inside a cluster run in one cycle."),
)


def rules_of(stage: Stage) -> dict[str, Rule]:
    """The rules of one stage by name, in report order."""
    return {rule.name: rule for rule in RULES if rule.stage == stage}


def rule(stage: Stage, name: str) -> Rule:
    """The rule of this name; KeyError (at import of the caller) for a name not listed here."""
    return rules_of(stage)[name]
