"""A second process that bounds one child of each tree node while this one bounds the other.

A node of ``solvers.clusters.branch`` has up to two children, each bounded by subgradient
steps (``solvers.clusters.lagrange.subgradient``): pure numpy, holding Python's lock, so a
thread would not help. ``Twin`` is one process forked when the tree starts, so it holds the
relaxation and the problem as they were then (nothing pickled), and it stays for the whole
tree: a fork per node would cost more than the steps it saves. Each request carries all a
bound depends on (start multipliers, medians held, the best plan's value, a share of the
work with the job's deadline), so the reply does not depend on when it is computed, and the
tree repeats exactly.

The twin ends with the tree (``close``, or ``with``): on an error or KeyboardInterrupt here it
is terminated at once; it ignores Ctrl-C itself, which the whole process group receives, and
leaves stopping to this process. A failure in the twin raises ``LaneError`` here with its
traceback, as lanes do (``solvers.engine.processes``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, replace
from multiprocessing import connection
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from solvers.clusters.lagrange import Dual, FloatArray, Lagrangian, Pace, subgradient
from solvers.clusters.pmedian_problem import IntArray
from solvers.engine.budget import Budget
from solvers.engine.processes import LaneError, can_fork, end_with

Request = TypeVar("Request")
Reply = TypeVar("Reply")

# Seconds a twin asked to stop may take to finish its request before it is terminated.
STOP_SECONDS = 5.0


class Twin(Generic[Request, Reply]):
    """One forked process answering ``handle(request)``, one request at a time.

    ``send`` a request, do other work here, then ``receive`` its reply (picklable both ways).
    """

    def __init__(self, handle: Callable[[Request], Reply]) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(handle, theirs, self._conn, os.getpid()), daemon=True
        )
        self._process.start()
        # Only the twin holds its end now, so its death reads as end of file here.
        theirs.close()
        self._closed = False

    def send(self, request: Request) -> None:
        self._conn.send(request)

    def receive(self) -> Reply:
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            self._process.join()
            raise LaneError(
                f"twin ended without its reply (exit code {self._process.exitcode})"
            ) from None
        if kind == "error":
            raise LaneError(f"twin failed:\n{payload}")
        reply: Reply = payload
        return reply

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def close(self, *, at_once: bool = False) -> None:
        """End the twin: after its current request, or ``at_once`` (an error here: its reply
        is no longer wanted)."""
        if self._closed:
            return
        self._closed = True
        if not at_once:
            with suppress(OSError):  # it has ended already
                self._conn.send(None)
        self._conn.close()
        self._process.join(timeout=0 if at_once else STOP_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def __enter__(self) -> Twin[Request, Reply]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(at_once=error is not None)


def _serve(
    handle: Callable[[Any], Any],
    conn: connection.Connection,
    parents_end: connection.Connection,
    parent: int,
) -> None:
    """The twin's loop: a reply (or a traceback) per request, until ``None`` or end of file."""
    end_with(parent)
    # Ctrl-C reaches the whole process group; the parent stops the twin itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's end, inherited by the fork: closed, so a parent gone reads as end of file.
    parents_end.close()
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            if request is None:
                return
            try:
                reply = ("done", handle(request))
            except Exception:  # the parent raises it, with this traceback
                reply = ("error", traceback.format_exc())
            conn.send(reply)
    finally:
        conn.close()


class Worked(Protocol):
    """A step's outcome that says the work it took and whether the clock stopped it."""

    @property
    def used(self) -> float: ...

    @property
    def repeatable(self) -> bool: ...


def charge_side_by_side(budget: Budget, here: Worked, there: Worked) -> None:
    """Charge ``budget`` for two steps that ran at once, ``there`` in a twin: the longer one's
    work (the wall clock's critical path), and a clock stop in the twin, whose copy of the
    job's deadline cannot mark the job itself."""
    budget.spend(max(here.used, there.used))
    if not there.repeatable:
        budget.trip()


@dataclass(frozen=True)
class Bounding:
    """One child to bound: all its bound depends on.

    ``upper``: the best plan's value when its node was taken (fixed, so both children see
    the same whichever finishes first); ``budget``: its share, under the job's deadline.
    """

    start: FloatArray
    state: IntArray
    upper: float
    budget: Budget
    pace: Pace


@dataclass(frozen=True)
class Bounded:
    """A child's bound, the work it took, and whether the clock stopped it."""

    dual: Dual
    used: float
    repeatable: bool


def bound_child(relax: Lagrangian, request: Bounding) -> Bounded:
    """Subgradient steps for one child, here or in the twin (the same code either way)."""
    upper = request.upper
    dual = subgradient(
        relax,
        request.budget,
        upper=lambda: upper,
        start=request.start,
        state=request.state,
        pace=request.pace,
    )
    return Bounded(dual, request.budget.used, request.budget.repeatable)


def _bound_and_slim(relax: Lagrangian, request: Bounding) -> Bounded:
    """``bound_child``, without the knapsack tables: a node reads the bound, multipliers,
    medians and their values, never the tables (medians x capacity, the bulk to pickle)."""
    bounded = bound_child(relax, request)
    best = replace(bounded.dual.best, table=np.zeros((0, 0)))
    return replace(bounded, dual=replace(bounded.dual, best=best))


def node_twin(
    relax: Lagrangian, workers: int
) -> AbstractContextManager[Twin[Bounding, Bounded] | None]:
    """A twin bounding children with ``relax`` when ``workers`` allow a second core and this
    process may fork (``can_fork``); else None, and the tree bounds children one by one."""
    if workers < 2 or not can_fork():
        return nullcontext(None)
    return Twin(lambda request: _bound_and_slim(relax, request))
