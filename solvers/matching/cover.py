"""A school's cover budget in staff-days: what the solvers count against schools.csv
cover_budget.

The budget is money (the unit of ``calendar.cover_cost_per_day``) and a school's cover cost is
its staff-days out times its phase's cost per day, as the report computes it
(``CalendarSettings.cover_cost``). Days are whole, so "cost within budget" is "days within the
most days the budget pays for", and the models count days as they do for release_days.
"""

from __future__ import annotations

from matcher.model import STAFF_DAYS, Round, School

# Cover days of a school without a cover budget: more than any school releases (STAFF_DAYS).
NO_COVER_CAP = STAFF_DAYS + 1


def cover_days(round_: Round, school: School) -> int:
    """Staff-days out that the school's cover budget pays for: the most d with
    d x cover cost per day <= cover_budget (``NO_COVER_CAP`` without a budget or a cost)."""
    per_day = round_.settings.calendar.cover_cost(school.phase)
    if school.cover_budget is None or per_day <= 0:
        return NO_COVER_CAP
    days = int(school.cover_budget // per_day)
    # Exact in whole numbers whatever the float division rounded to.
    while (days + 1) * per_day <= school.cover_budget:
        days += 1
    while days > 0 and days * per_day > school.cover_budget:
        days -= 1
    return min(days, NO_COVER_CAP)
