"""Whether a folder can take a run's outputs, checked before any solve starts.

Outputs replace the output folder whole (``matcher.io.atomic``), so it must be a folder of its
own: not the input, not inside it, not around it, not a mount point, and not the folder this
process (or the shell that started it) is in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class OutputFolderError(Exception):
    """An output folder that cannot be written; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def real_path(path: str | os.PathLike[str]) -> Path:
    """The absolute path with every symlink followed: the folder that is really replaced."""
    return Path(os.path.realpath(path))


def out_folder_problems(
    out: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = ()
) -> list[str]:
    """Every reason ``out`` cannot take outputs (empty: it can).

    Parameters
    ----------
    out
        The output folder, as the user gave it (it need not exist yet).
    inputs
        The files and folders the run reads (a round folder or a workbook): ``out`` may not be
        one of them, hold one, or lie inside one.

    Returns
    -------
    list of str
        One plain sentence per problem, naming the folder as given.
    """
    name = f"output folder {out}"
    try:
        here = real_path(os.getcwd())
    except FileNotFoundError:
        # A shell left in a folder an earlier run replaced: no path can be resolved from it.
        return [
            f"{name}: the current folder no longer exists (an earlier run may have replaced "
            "it); change to a folder that exists, e.g. `cd ..`, and run again."
        ]
    target = real_path(out)
    whole = "matcher replaces the output folder whole"
    problems: list[str] = []
    if target.exists() and not target.is_dir():
        problems.append(f"{name}: is a file, not a folder; give the path of a folder.")
    if target.is_dir() and os.path.ismount(target):
        problems.append(
            f"{name}: is a mount point or the top of a drive; {whole}, so give a folder inside "
            f"it, e.g. {Path(out) / 'plan'}."
        )
    if target == here or target in here.parents:
        problems.append(
            f"{name}: is the current folder or holds it; {whole}, so run matcher from "
            f"another folder or give a folder of its own, e.g. {Path(out) / 'plan'}."
        )
    for given in inputs:
        source = real_path(given)
        what = "workbook" if source.is_file() else "folder"
        if target == source:
            problems.append(f"{name}: is the input {what} {given}; give a folder of its own.")
        elif target in source.parents:
            problems.append(
                f"{name}: holds the input {what} {given}; {whole}, so give a folder of its "
                f"own, e.g. {Path(out) / 'plan'}."
            )
        elif source in target.parents:
            problems.append(
                f"{name}: is inside the input {what} {given}; give a folder outside it."
            )
    writable = _nearest_existing(target.parent)
    if not os.access(writable, os.W_OK | os.X_OK):
        problems.append(
            f"{name}: cannot write in {writable} (no permission); the new folder is built "
            "beside the old one before it replaces it."
        )
    return problems


def check_out_folder(
    out: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = ()
) -> None:
    """Raise OutputFolderError listing every reason ``out`` cannot take outputs."""
    problems = out_folder_problems(out, inputs=inputs)
    if problems:
        raise OutputFolderError(problems)


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder
