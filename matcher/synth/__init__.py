"""Synthetic cohorts for tests, benchmarks and demos: kept apart from the product's core.

``cohort`` writes realistic rounds of any size; ``register`` reads real school locations from
schools register extracts and names the standard cohort sizes.
"""

from matcher.synth.register import COHORT_SIZES

__all__ = ["COHORT_SIZES"]
