"""A hard rule as the solvers hold it: the shared record (``matcher.rules``) and its constraint.

The name and sentence come from ``matcher.rules``, which the independent checkers read too, so
a constraint, its explanation and its checker always carry the same name; a name missing there
fails at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from matcher.rules import Rule, Stage, rule

M = TypeVar("M")


@dataclass(frozen=True)
class ModelRule(Generic[M]):
    """A plan-wide hard rule: its record and the function that adds it to a CP-SAT model."""

    rule: Rule
    add: Callable[[M], None]

    @property
    def name(self) -> str:
        return self.rule.name


def model_rule(stage: Stage, name: str, add: Callable[[M], None]) -> ModelRule[M]:
    """The record of rule ``name`` of ``stage`` with its constraint; KeyError if not listed."""
    return ModelRule(rule(stage, name), add)
