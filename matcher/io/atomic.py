"""Write a set of output files so that a failed run leaves nothing half-written.

Files are first written into a hidden staging folder beside the target; only when every file
has been written are they moved into place, each with an atomic ``os.replace``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(directory: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a staging folder; on success its files replace those of the same name in ``directory``.

    Files already in ``directory`` that the run does not write are left alone.
    """
    target = Path(directory)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        yield staging
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            destination = target / path.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(target.iterdir()):
            target.rmdir()  # a failed run into a new folder leaves no trace at all


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write one file through a temporary sibling, so readers never see half of it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
