"""Reading a school's rating: our three words, or the Ofsted grade a register extract carries.

The mix rules of peer-review clusters need only three levels (docs/clusters.md). Coordinators
mostly hold Ofsted grades, so those are accepted too and mapped onto the three levels; the
round keeps the three-level word.
"""

from __future__ import annotations

import re

from matcher.io.cells import CellError
from matcher.model import Rating

# Ofsted's overall-effectiveness grades (words and numbers) and the level each one stands for.
OFSTED_GRADES: dict[str, Rating] = {
    "outstanding": Rating.STRONG,
    "good": Rating.SECURE,
    "requires improvement": Rating.NEEDS_IMPROVEMENT,
    "inadequate": Rating.NEEDS_IMPROVEMENT,
    "serious weaknesses": Rating.NEEDS_IMPROVEMENT,
    "special measures": Rating.NEEDS_IMPROVEMENT,
    "1": Rating.STRONG,
    "2": Rating.SECURE,
    "3": Rating.NEEDS_IMPROVEMENT,
    "4": Rating.NEEDS_IMPROVEMENT,
}

RATING_EXPECTED = (
    "one of "
    + ", ".join(rating.value for rating in Rating)
    + " (or an Ofsted grade: outstanding, good, requires improvement, inadequate, or 1 to 4)"
)


def _key(text: str) -> str:
    # Case, spaces, hyphens and underscores are spelling, not meaning ("Requires-Improvement").
    return " ".join(re.sub(r"[\s_\-]+", " ", text.lower()).split())


def parse_rating(text: str) -> Rating:
    """The rating ``text`` names: ``strong``, ``secure``, ``needs_improvement`` or an Ofsted grade.

    Raises
    ------
    CellError
        If the text is neither, with the words that are accepted.
    """
    wanted = _key(text)
    for rating in Rating:
        if _key(rating.value) == wanted:
            return rating
    if wanted in OFSTED_GRADES:
        return OFSTED_GRADES[wanted]
    raise CellError(RATING_EXPECTED, value=text)
