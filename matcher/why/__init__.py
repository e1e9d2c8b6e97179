"""Why a reviewer is, or is not, on a project (``matcher explain``); docs/explain.md."""

from matcher.why.api import ExplainError, explain
from matcher.why.text import explanation_text
from matcher.why.types import Alternative, Explanation, Move, PairExplanation, RuleFact, TermShare

__all__ = [
    "Alternative",
    "ExplainError",
    "Explanation",
    "Move",
    "PairExplanation",
    "RuleFact",
    "TermShare",
    "explain",
    "explanation_text",
]
