"""Which names in an output folder each command owns: writes, or removes when it no longer does.

``matcher.io.atomic`` replaces the folder whole: owned names come from the new run alone, every
other entry (a coordinator's notes, an export of their own) is carried over unchanged.

* ``match`` and ``plan`` own a whole plan: pairings, dates, calendars and clusters. A ``match``
  into a folder of an earlier ``plan`` leaves no schedule.csv or calendars/ inviting the old
  teams, and a plan that formed no clusters leaves none of an earlier run's, since its
  pairings were not made in them (``matcher verify`` would check them against those).
* ``schedule`` dates pairings already made: it owns the plan files but not the clusters, in
  which those pairings were made.
* ``plan`` and ``schedule`` write history_next.csv (the history next round reads) and, from a
  published plan (``--previous``), changes.csv, notices.csv and notices/ (the messages to
  send); owning them means a later run without those leaves no stale copy describing another
  plan.
* ``calendars`` owns calendars/ alone; ``clusters`` the cluster files alone.
* ``match``, ``plan`` and ``schedule`` also own the report (plan.xlsx, report.html), which
  shows their plan; ``report`` owns it alone, rebuilding it from the folder's files.
"""

from __future__ import annotations

from matcher.io.calendar import CALENDARS
from matcher.io.changes_file import CHANGES
from matcher.io.cluster_files import CLUSTER_FILES
from matcher.io.history_files import HISTORY_NEXT
from matcher.io.notices_file import NOTICES, NOTICES_FOLDER
from matcher.io.plan_files import PAIRINGS, RUN, SUMMARY, UNFILLED
from matcher.io.schedule_files import SCHEDULE
from matcher.report.names import REPORT_FILES

SCHEDULE_OWNS = (
    frozenset({PAIRINGS, UNFILLED, SUMMARY, RUN, SCHEDULE, CALENDARS, HISTORY_NEXT, CHANGES})
    | {NOTICES, NOTICES_FOLDER}
    | REPORT_FILES
)
MATCH_OWNS = SCHEDULE_OWNS | CLUSTER_FILES
CALENDARS_OWNS = frozenset({CALENDARS})
REPORT_OWNS = REPORT_FILES
