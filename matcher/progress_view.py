"""What a long run shows while it works: the step, the time since the command started, and
the best plan, bound and gap so far, on one live line (rich) in a terminal.

Piped or redirected, a line is printed per step instead of per improvement, so a log of a
national run stays a few dozen lines.
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.status import Status

from solvers.engine.watch import Progress


class ProgressView:
    """A callable for ``progress=`` that draws each report; use it as a context manager."""

    def __init__(self, console: Console, started: float | None = None) -> None:
        self.console = console
        # The command's start when given (reading the input counts too).
        self.started = time.perf_counter() if started is None else started
        self.phase: str | None = None
        self.status: Status | None = None

    def __enter__(self) -> ProgressView:
        if self.console.is_terminal:
            self.status = self.console.status("starting", spinner="dots")
            self.status.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.status is not None:
            self.status.stop()

    @property
    def elapsed(self) -> float:
        """Seconds since the command started: the whole run's, not one part's."""
        return time.perf_counter() - self.started

    def __call__(self, step: Progress) -> None:
        text = describe(step, self.elapsed)
        if self.status is not None:
            self.status.update(text)
        elif step.phase != self.phase:
            self.console.print(text, highlight=False)
        self.phase = step.phase

    def finish(self, what: str) -> None:
        """The closing line: what was done and the whole run's wall time."""
        self.console.print(f"{what} in {self.elapsed:.1f} s.", highlight=False)


def describe(step: Progress, elapsed: float) -> str:
    """One line: time, step, and (once a search has a plan) plan, bound and gap."""
    text = f"{elapsed:6.1f} s  {step.phase or 'solving'}"
    if step.has_plan:
        text += f"  plan {step.objective:,.0f}  bound {step.bound:,.0f}"
        text += f"  gap {100 * step.gap:.2f}%"
    return text
