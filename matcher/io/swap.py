"""Exchange two folders' names in one atomic step, where the system offers it.

Linux (3.15 and later, on ext4, xfs, btrfs, tmpfs and most local filesystems) has
``renameat2(..., RENAME_EXCHANGE)``: both names always point at a whole folder, whatever
instant the process dies. glibc exports the function from 2.28 on; older ones get the raw
system call. Elsewhere, or on a filesystem that refuses it, :func:`exchange` says so and the
caller falls back to two renames (``matcher.io.atomic``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 2
# renameat2's system call number, for a glibc older than 2.28 that does not export it.
SYSCALL_NUMBERS = {
    "x86_64": 316,
    "aarch64": 276,
    "riscv64": 276,
    "i386": 353,
    "i686": 353,
    "armv7l": 382,
    "ppc64le": 357,
    "s390x": 347,
}
# The answers that mean "not here": the kernel, the filesystem or the flag is unsupported.
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP}

Renameat2 = Callable[[bytes, bytes], int]


def exchange(first: Path, second: Path) -> bool:
    """Swap what the two existing paths name, atomically.

    Returns
    -------
    bool
        True once swapped; False if this system or filesystem cannot, and nothing changed.

    Raises
    ------
    OSError
        If the exchange is supported but failed (a missing path, no permission).
    """
    call = _renameat2()
    if call is None:
        return False
    if call(os.fsencode(first), os.fsencode(second)) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@functools.cache
def _renameat2() -> Renameat2 | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    return via_glibc(libc) or via_syscall(libc, platform.machine())


def via_glibc(libc: ctypes.CDLL) -> Renameat2 | None:
    """glibc's own ``renameat2`` (2.28 and later), or None."""
    function = getattr(libc, "renameat2", None)
    if function is None:
        return None
    text, number = ctypes.c_char_p, ctypes.c_int
    function.argtypes = [number, text, number, text, ctypes.c_uint]
    function.restype = ctypes.c_int

    def call(first: bytes, second: bytes) -> int:
        return int(function(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE))

    return call


def via_syscall(libc: ctypes.CDLL, machine: str) -> Renameat2 | None:
    """The raw ``renameat2`` system call for ``machine``, or None if its number is unknown."""
    number = SYSCALL_NUMBERS.get(machine)
    syscall = getattr(libc, "syscall", None)
    if number is None or syscall is None:
        return None
    syscall.restype = ctypes.c_long

    def call(first: bytes, second: bytes) -> int:
        return int(
            syscall(
                ctypes.c_long(number),
                ctypes.c_int(AT_FDCWD),
                ctypes.c_char_p(first),
                ctypes.c_int(AT_FDCWD),
                ctypes.c_char_p(second),
                ctypes.c_uint(RENAME_EXCHANGE),
            )
        )

    return call
