"""SolveResult: what a solve achieved, in numbers a coordinator or analyst can check."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


def quality_gap(objective: float, bound: float, fixed_penalty: float) -> float:
    """Relative gap between a plan and a bound on the quality terms: the penalty for what the
    plan leaves undone is taken off both sides first (docs/model.md)."""
    plan, floor = objective - fixed_penalty, bound - fixed_penalty
    return abs(plan - floor) / max(abs(plan), abs(floor), 1.0)


@dataclass(frozen=True)
class TermValue:
    """One objective term: its value in natural units, its weight and its signed contribution."""

    value: int
    weight: int
    contribution: int
    description: str


@dataclass(frozen=True)
class SolveResult:
    status: str
    objective: float | None
    bound: float | None
    seconds: float
    seed: int
    workers: int
    terms: dict[str, TermValue] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # The part of objective and bound that is settled before the gap is measured (the penalty
    # for projects no plan can staff), so the gap speaks about plan quality alone.
    fixed_penalty: float = 0.0
    # False when the wall clock, not the work limit, stopped a search (solvers.engine.budget): the
    # same input and seed may then give another plan.
    repeatable: bool = True
    # How ``bound`` was proven when not by the search itself (a round solved window by window:
    # "lp-dual:pdlp+staffing-caps", solvers.bounds), and the seconds that took.
    bound_method: str | None = None
    bound_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.status in {"OPTIMAL", "FEASIBLE"} and self.objective is None:
            raise ValueError(f"a {self.status} result needs an objective value")

    @property
    def has_solution(self) -> bool:
        return self.status in {"OPTIMAL", "FEASIBLE"}

    @property
    def gap(self) -> float | None:
        """Relative distance between the plan and the proven bound (0.0 = proven optimal).

        Measured on the quality terms: ``fixed_penalty`` is taken off both sides first.
        """
        if self.objective is None or self.bound is None:
            return None
        return quality_gap(self.objective, self.bound, self.fixed_penalty)

    @property
    def objective_gap(self) -> float | None:
        """The same distance on the whole objective, the unstaffed penalty included.

        Where the bound is proven apart from the search (a round solved window by window), it
        cannot settle how many projects any plan can staff, so ``gap`` reads as if that were
        settled; this is the figure to quote there: no plan scores this much better.
        """
        if self.objective is None or self.bound is None:
            return None
        return quality_gap(self.objective, self.bound, 0.0)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["gap"] = self.gap
        data["objective_gap"] = self.objective_gap
        return data

    def summary(self) -> str:
        """A small plain-text table: status, objective, bound, gap, time, then each term."""
        gap = "n/a" if self.gap is None else f"{100 * self.gap:.2f}%"
        unproven = self.counts.get("parts_without_bound", 0)
        if self.gap is None and unproven:
            gap += (
                f" ({unproven} of {self.counts.get('parts', unproven)} parts have no proven"
                " bound: reached after the time limit was spent)"
            )
        elif self.bound_method is not None:
            gap += f" (bound: {self.bound_method})"
            if self.objective_gap is not None:
                gap += (
                    f"\n            {100 * self.objective_gap:.2f}% on the whole objective"
                    " (unstaffed penalty included): no plan of this round scores that much better"
                )
        elif self.gap is None and "window_passes" in self.counts:
            gap += (
                " (too large for one model: the whole round's greedy plan was improved window"
                f" by window in {self.counts['window_passes']} passes, which proves no bound)"
            )
        lines = [
            f"status      {self.status}",
            f"objective   {_number(self.objective)}",
            f"bound       {_number(self.bound)}",
            f"gap         {gap}",
            f"wall time   {self.seconds:.2f} s (seed {self.seed}, {self.workers} workers)",
        ]
        if not self.repeatable:
            lines.append(
                "repeatable  no: the clock stopped a search before its work limit (a slow or"
                " busy machine); a re-run may differ, a longer --time-limit avoids it"
            )
        if self.terms:
            lines.append("")
            lines.append(f"{'term':<14}{'value':>10}{'weight':>9}{'contribution':>14}")
            for name, term in self.terms.items():
                lines.append(f"{name:<14}{term.value:>10}{term.weight:>9}{term.contribution:>14}")
        return "\n".join(lines)


def _number(value: float | None) -> str:
    """17,020,292 rather than 1.70203e+07: a reader compares objective and bound digit by digit."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
