"""notices.csv and notices/: who to tell about a re-plan, and the message for each.

notices.csv has one row per recipient (``recipient_kind`` staff or school, ``recipient_id``,
``name``, ``email`` (a reviewer's own; blank for a school, whose email the input does not
hold), ``changes`` (how many change rows the notice tells), ``file``); ``file`` is the message,
``notices/staff/<staff_id>.txt`` or ``notices/schools/<school_id>.txt`` (as calendars/ names
its files), plain text ready to paste into an email. A re-plan that changes nothing writes a
header-only notices.csv and no notices/ folder.

These files hold names and emails: each message is for its recipient alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from matcher.io.formulas import write_csv
from matcher.notices import Notice

NOTICES = "notices.csv"
NOTICES_FOLDER = "notices"
NOTICES_COLUMNS = ("recipient_kind", "recipient_id", "name", "email", "changes", "file")
_SUBFOLDER = {"staff": "staff", "school": "schools"}


def notice_file(notice: Notice) -> str:
    """The message's path inside the output folder (``/`` separated)."""
    # An id is the file name; escape what a file system would read as a path.
    name = quote(notice.recipient_id, safe=" -_.")
    name = "%2E" + name[1:] if name.startswith(".") else name
    return f"{NOTICES_FOLDER}/{_SUBFOLDER[notice.recipient_kind]}/{name}.txt"


def write_notices(directory: Path, notices: Sequence[Notice]) -> list[str]:
    """Write notices.csv and one text file per notice into ``directory`` (a staging folder).
    Returns the names written, relative to ``directory``."""
    rows = []
    written = [NOTICES]
    for notice in notices:
        relative = notice_file(notice)
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(notice.text)
        written.append(relative)
        rows.append(
            (
                notice.recipient_kind,
                notice.recipient_id,
                notice.name,
                notice.email,
                notice.changes,
                relative,
            )
        )
    write_csv(directory / NOTICES, NOTICES_COLUMNS, rows)
    return written
