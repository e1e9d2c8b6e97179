"""Lanes of work in processes of their own, for steps that hold Python's lock.

``solvers.engine.lanes`` runs lanes on threads, which is enough while CP-SAT searches (it
releases the lock), but not for steps in Python and numpy (the pricing search of column
generation): two of those on two threads took longer than one after the other. Here each lane
is a process forked from this one, so it starts with everything built so far (no pickling of
the inputs), runs on a core of its own, and sends back its outcome (pickled) and any messages
(progress) on a pipe of its own.

What comes back does not depend on which lane finishes first: the outcomes are returned in
the lanes' order, and a lane's outcome depends only on its queue. Messages are passed on as
they arrive (for people, not for the plan). A lane that fails raises ``LaneError`` here, with
its traceback; on any error, or KeyboardInterrupt, every lane still running is terminated,
and on Linux a lane is also ended if this process dies without that (killed hard).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing import connection
from typing import Any, TypeVar

Outcome = TypeVar("Outcome")
Send = Callable[[Any], None]


# prctl's option to have a signal sent to this process when its parent ends (linux/prctl.h).
PR_SET_PDEATHSIG = 1


class LaneError(RuntimeError):
    """A lane's process failed, or ended without sending its outcome."""


def in_processes(
    queues: Sequence[Sequence[int]],
    run_lane: Callable[[list[int], Send], Outcome],
    *,
    on_message: Send | None = None,
) -> list[Outcome]:
    """``run_lane(queue, send)`` for every queue, each in a forked process, side by side.

    ``send(message)`` in a lane passes a picklable ``message`` to ``on_message`` in this
    process; the outcome (picklable) comes back when the lane ends. Returns the outcomes in
    the queues' order, whichever lane ends first. In a daemonic process (``can_fork``) the
    lanes run one after another here instead.
    """
    if not can_fork():
        send = on_message or _ignore
        return [run_lane(list(queue), send) for queue in queues]
    context = multiprocessing.get_context("fork")
    processes: list[multiprocessing.process.BaseProcess] = []
    readers: list[connection.Connection] = []
    try:
        for queue in queues:
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(
                target=_lane, args=(run_lane, list(queue), writer, os.getpid()), daemon=True
            )
            process.start()
            # Only the lane holds its pipe's writing end now, so its end reads as end of file
            # here (and no later lane inherits it).
            writer.close()
            processes.append(process)
            readers.append(reader)
        outcomes: dict[int, Outcome] = {}
        waiting = {id(reader): k for k, reader in enumerate(readers)}
        while waiting:
            for ready in connection.wait([readers[k] for k in waiting.values()]):
                assert isinstance(ready, connection.Connection)
                k = waiting[id(ready)]
                try:
                    kind, payload = ready.recv()
                except EOFError:
                    processes[k].join()
                    raise LaneError(
                        f"lane {k} ended without its outcome (exit code {processes[k].exitcode})"
                    ) from None
                if kind == "message":
                    if on_message is not None:
                        on_message(payload)
                elif kind == "done":
                    outcomes[k] = payload
                    del waiting[id(ready)]
                else:
                    raise LaneError(f"lane {k} failed:\n{payload}")
        return [outcomes[k] for k in range(len(queues))]
    finally:
        for started in processes:
            if started.is_alive():
                started.terminate()
            started.join()
        for reader in readers:
            reader.close()


def can_fork() -> bool:
    """Whether lanes get processes of their own. A daemonic process (a Dask worker running a
    sweep's scenario) may not start any: its lanes then run one after another in it, giving
    the same outcomes in about as many times the wall clock as there are lanes."""
    return not multiprocessing.current_process().daemon


def _ignore(message: Any) -> None:
    del message


def _lane(
    run_lane: Callable[[list[int], Send], Any],
    queue: list[int],
    writer: connection.Connection,
    parent: int,
) -> None:
    """A lane's process: its outcome, or its traceback, on ``writer``."""
    end_with(parent)
    try:
        outcome = run_lane(queue, lambda message: writer.send(("message", message)))
        writer.send(("done", outcome))
    except BaseException:  # any failure goes back to the parent, which raises it
        writer.send(("error", traceback.format_exc()))
    finally:
        writer.close()


def end_with(parent: int) -> None:
    """End this process (a lane, a twin) when the process ``parent`` that started it ends: a
    parent killed hard cannot terminate it, and it would search on for nobody (Linux only)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)
