"""Replace an output folder whole, so that it is always either the old folder or the new one.

A run builds its new folder complete beside the output folder (a hidden sibling in the same
parent, so that renames stay on one filesystem), carries over what it does not own, and only
then swaps the two: on Linux in one atomic step (``matcher.io.swap``), elsewhere by two
renames whose gap the next writer or reader closes (:func:`recover_interrupted_swap`). A run
killed at any instant leaves the output folder whole, old or new; the hidden leftovers it may
leave are removed by the next run writing there.

Which names in the folder a run owns is the caller's to say (``matcher.io.owned``): the names
it writes are replaced, owned names it does not write are removed (so a ``match`` leaves no
schedule of an earlier ``plan``), and everything else, such as a coordinator's notes, is
carried into the new folder as it is.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from matcher.io import swap
from matcher.io.out_folder import OutputFolderError, out_folder_problems, real_path

log = logging.getLogger(__name__)

# Hidden siblings of an output folder "out": ".out.matcher-<state>-<8 hex digits>".
# tmp: being built (or, after an exchange, the old folder being removed); ready: built whole,
# waiting for the second rename of a two-rename swap; old: the old folder, moved aside by it.
_STATES = ("tmp", "ready", "old")
# What earlier versions left inside an output folder when killed.
_OLD_STAGING = re.compile(r"\.staging-[a-z0-9_]{8}")


@contextmanager
def atomic_output(
    directory: str | os.PathLike[str], *, owns: Collection[str] = ()
) -> Iterator[Path]:
    """Yield an empty folder to write into; on success it replaces ``directory`` whole.

    Parameters
    ----------
    directory
        The output folder; created (with its parents) if missing. A symlink is followed: the
        folder it points to is replaced and the link kept.
    owns
        Top-level names in ``directory`` the caller is responsible for. Names written into the
        yielded folder replace their old versions; owned names left unwritten are removed;
        every other entry of ``directory`` is carried into the new folder unchanged (hard
        links where the filesystem allows, else copies).

    Raises
    ------
    OutputFolderError
        If ``directory`` cannot take outputs (``matcher.io.out_folder``) or the swap fails.
        ``directory`` is then unchanged, as it is when the ``with`` body raises.
    """
    problems = out_folder_problems(directory)
    if problems:
        raise OutputFolderError(problems)
    target = real_path(directory)
    created = _make_parents(target.parent, directory)
    try:
        with _locked(target.parent, directory):
            _guarded(lambda: _finish_interrupted_swap(target), directory)
            _guarded(lambda: _remove_leftovers(target), directory)
            build = _sibling(target, "tmp")
            _guarded(lambda: build.mkdir(), directory)
            try:
                yield build
                _step("written")
                _guarded(lambda: _carry(target, build, owned=set(owns)), directory)
                _guarded(lambda: _swap_in(build, target), directory)
            except BaseException:
                shutil.rmtree(build, ignore_errors=True)
                raise
    except BaseException:
        for folder in created:
            _remove_if_empty(folder)
        raise


def recover_interrupted_swap(directory: str | os.PathLike[str]) -> None:
    """Finish a two-rename swap that was stopped between its renames, if there is one.

    Only where the atomic exchange is missing can this happen: the output folder is then
    briefly absent while its complete new version waits beside it. Readers call this first.
    """
    target = real_path(directory)
    if target.exists() or not target.parent.is_dir():
        return
    with _locked(target.parent, directory):
        _finish_interrupted_swap(target)


@contextmanager
def reading(directory: str | os.PathLike[str]) -> Iterator[None]:
    """Read ``directory``'s files inside this block to get them all from one version: a
    matcher run replacing the folder waits for the block to end, and the block for it.

    A stopped two-rename swap is finished first (:func:`recover_interrupted_swap`).
    """
    with suppress(OutputFolderError):  # if it cannot, the reader reports the missing files
        recover_interrupted_swap(directory)
    target = real_path(directory)
    if not target.parent.is_dir():
        yield
        return
    with _locked(target.parent, directory, shared=True):
        yield


def leftovers(directory: str | os.PathLike[str]) -> list[Path]:
    """The hidden leftovers of killed runs beside and inside ``directory``, sorted."""
    target = real_path(directory)
    found = _siblings(target)
    if target.is_dir():
        found += [p for p in target.iterdir() if _OLD_STAGING.fullmatch(p.name)]
    return sorted(found)


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


# --- the swap --------------------------------------------------------------------------------


def _swap_in(build: Path, target: Path) -> None:
    """Put the complete ``build`` in ``target``'s place; the old folder is then removed."""
    _step("built")
    if not target.exists():
        os.rename(build, target)
        _step("swapped")
        return
    if swap.exchange(build, target):
        _step("swapped")
        _remove_old(build)
        return
    # No atomic exchange here: mark the build complete, then two renames; a process killed
    # between them leaves no output folder, which the next writer or reader puts back.
    ready = _renamed(build, target, "ready")
    os.rename(build, ready)
    _step("ready")
    old = _renamed(build, target, "old")
    try:
        os.rename(target, old)
    except BaseException:
        shutil.rmtree(ready, ignore_errors=True)
        raise
    _step("moved aside")
    try:
        os.rename(ready, target)
    except BaseException:
        os.rename(old, target)
        shutil.rmtree(ready, ignore_errors=True)
        raise
    _step("swapped")
    _remove_old(old)


def _finish_interrupted_swap(target: Path) -> None:
    if target.exists():
        return
    ready = [p for p in _siblings(target) if "matcher-ready-" in p.name]
    if ready:
        # Built whole and already named complete: the run meant it to be the output folder.
        os.rename(max(ready, key=lambda p: p.stat().st_mtime_ns), target)


def _remove_old(old: Path) -> None:
    shutil.rmtree(old, ignore_errors=True)
    if old.exists():
        log.warning("could not remove %s; the next run writing beside it will try again", old)


def _remove_leftovers(target: Path) -> None:
    """Remove what killed runs left beside ``target`` (only names this module makes)."""
    for path in _siblings(target):
        if ".matcher-ready-" in path.name:
            # Renamed first: a removal cut short must never leave half a folder named complete.
            moved = _renamed(path, target, "old")
            with suppress(OSError):
                os.rename(path, moved)
                path = moved
        shutil.rmtree(path, ignore_errors=True)


def _siblings(target: Path) -> list[Path]:
    if not target.parent.is_dir():
        return []
    states = "|".join(_STATES)
    pattern = re.compile(re.escape(f".{target.name}.matcher-") + f"({states})-[0-9a-f]{{8}}")
    return sorted(p for p in target.parent.iterdir() if pattern.fullmatch(p.name))


def _sibling(target: Path, state: str) -> Path:
    return target.with_name(f".{target.name}.matcher-{state}-{secrets.token_hex(4)}")


def _renamed(sibling: Path, target: Path, state: str) -> Path:
    """The same sibling (the same random part) in another state."""
    return target.with_name(f".{target.name}.matcher-{state}-{sibling.name[-8:]}")


# --- carrying what the run does not own ------------------------------------------------------


def _carry(target: Path, build: Path, *, owned: set[str]) -> None:
    """Bring every entry of ``target`` the run neither owns nor wrote into ``build``."""
    if not target.is_dir():
        return
    for entry in sorted(target.iterdir()):
        written = os.path.lexists(build / entry.name)
        if entry.name in owned or written or _OLD_STAGING.fullmatch(entry.name):
            continue
        _copy_tree(entry, build / entry.name)
    shutil.copymode(target, build)  # the folder keeps the permissions it was given


def _copy_tree(source: Path, destination: Path) -> None:
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
    elif source.is_dir():
        destination.mkdir()
        for child in sorted(source.iterdir()):
            _copy_tree(child, destination / child.name)
        shutil.copystat(source, destination)  # after filling it: it may be read-only
    elif source.is_file():
        try:
            os.link(source, destination)  # instant, and the same file: no second copy to drift
        except OSError:
            shutil.copy2(source, destination)
    else:
        log.warning("not carried into the new output folder (not a file or folder): %s", source)


# --- plumbing --------------------------------------------------------------------------------


# Called with the name of each step of the swap as it is reached; None but in tests, which
# kill the process there to prove the folder is whole at every step.
_at_step: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if _at_step is not None:
        _at_step(name)


def _guarded(action: Callable[[], object], directory: str | os.PathLike[str]) -> None:
    """Run ``action``; a failure of the filesystem becomes an OutputFolderError naming it."""
    try:
        action()
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputFolderError(
            [f"output folder {directory}: could not write it ({reason}); it is as it was."]
        ) from error


def _make_parents(parent: Path, directory: str | os.PathLike[str]) -> list[Path]:
    """Create ``parent`` and its missing ancestors; those created, deepest first."""
    missing = []
    folder = parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    _guarded(lambda: parent.mkdir(parents=True, exist_ok=True), directory)
    return missing


def _remove_if_empty(folder: Path) -> None:
    with suppress(OSError):
        folder.rmdir()


# Folders this process holds the lock on: a second flock on a new descriptor would wait for
# the first, so a nested write beside the same folder would wait forever.
_held: set[Path] = set()


@contextmanager
def _locked(
    folder: Path, directory: str | os.PathLike[str], *, shared: bool = False
) -> Iterator[None]:
    """Hold an advisory lock on ``folder`` so two runs writing beside each other take turns
    (neither takes the other's build for a leftover), and readers (``shared``) read one
    version of the folder whole. A no-op where there is no ``flock``."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    if folder in _held:
        yield
        return
    descriptor = -1

    def lock() -> None:
        nonlocal descriptor
        descriptor = os.open(folder, os.O_RDONLY)
        fcntl.flock(descriptor, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)

    try:
        if shared:
            with suppress(OSError):  # a reader that may not open the folder above reads unlocked
                lock()
        else:
            _guarded(lock, directory)
        _held.add(folder)
        yield
    finally:
        _held.discard(folder)
        if descriptor >= 0:
            os.close(descriptor)
