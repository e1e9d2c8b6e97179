"""Lanes in processes of their own (solvers.engine.processes): outcomes in the lanes' order,
messages passed on, and no lane left running after an error."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable

import pytest

from solvers.engine.processes import LaneError, in_processes


def _no_lane_left() -> bool:
    return not multiprocessing.active_children()


def test_outcomes_come_back_in_the_lanes_order_whichever_ends_first() -> None:
    def run(queue: list[int], send: Callable[[object], None]) -> list[int]:
        if queue == [0, 1]:
            time.sleep(0.3)  # the first lane ends last
        return [10 * part for part in queue]

    assert in_processes([[0, 1], [2], [3]], run) == [[0, 10], [20], [30]]
    assert _no_lane_left()


def test_each_lane_has_a_process_of_its_own() -> None:
    def run(queue: list[int], send: Callable[[object], None]) -> int:
        return os.getpid()

    pids = in_processes([[0], [1]], run)
    assert len(set(pids)) == 2 and os.getpid() not in pids


def test_messages_are_passed_on_as_the_lanes_send_them() -> None:
    seen: list[object] = []

    def run(queue: list[int], send: Callable[[object], None]) -> None:
        for part in queue:
            send(("finished", part))

    in_processes([[0, 1], [2]], run, on_message=seen.append)
    assert sorted(seen) == [("finished", 0), ("finished", 1), ("finished", 2)]  # type: ignore[type-var]
    # One lane's messages arrive in the order it sent them.
    assert seen.index(("finished", 0)) < seen.index(("finished", 1))


def test_a_failing_lane_raises_here_with_its_traceback_and_stops_the_others() -> None:
    def run(queue: list[int], send: Callable[[object], None]) -> None:
        if queue == [1]:
            raise ValueError("component 1 broke")
        time.sleep(60)  # would outlive the test, were it not stopped

    started = time.perf_counter()
    with pytest.raises(LaneError, match="component 1 broke"):
        in_processes([[0], [1]], run)
    assert time.perf_counter() - started < 30
    assert _no_lane_left()


def test_a_lane_that_ends_without_its_outcome_is_an_error() -> None:
    def run(queue: list[int], send: Callable[[object], None]) -> None:
        os._exit(3)

    with pytest.raises(LaneError, match="exit code 3"):
        in_processes([[0]], run)
    assert _no_lane_left()


def test_an_interrupt_here_stops_every_lane() -> None:
    def run(queue: list[int], send: Callable[[object], None]) -> None:
        send("started")
        time.sleep(60)

    def interrupt(message: object) -> None:
        raise KeyboardInterrupt  # as Ctrl-C would, while the lanes run

    with pytest.raises(KeyboardInterrupt):
        in_processes([[0], [1]], run, on_message=interrupt)
    assert _no_lane_left()


def _lanes_of_a_parent(pids: multiprocessing.Queue[int]) -> None:
    def run(queue: list[int], send: Callable[[object], None]) -> None:
        send(os.getpid())
        time.sleep(60)

    in_processes([[0], [1]], run, on_message=pids.put)


def _ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in {"Z", "X"}
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_lanes_end_when_their_parent_is_killed_hard() -> None:
    context = multiprocessing.get_context("fork")
    pids: multiprocessing.Queue[int] = context.Queue()
    parent = context.Process(target=_lanes_of_a_parent, args=(pids,))
    parent.start()
    lanes = [pids.get(timeout=30), pids.get(timeout=30)]
    os.kill(parent.pid, signal.SIGKILL)  # type: ignore[arg-type]
    parent.join()
    deadline = time.perf_counter() + 10
    while not all(_ended(pid) for pid in lanes) and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert all(_ended(pid) for pid in lanes)
