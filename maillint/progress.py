"""A progress bar on standard error for long runs of ``maillint check``.

One line, redrawn in place at most ``rate`` times a second, and only once the
run has taken ``delay`` seconds (a short run never shows it); erased at the
end, so that nothing of it is left between the findings.  The CLI decides
whether to show it at all: only when standard error is a terminal, and never
when the report goes to a pipe or to standard output in a machine format.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

MB = 1_000_000


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """A callable for ``runner.run(progress=...)``: ``bar(done, total, messages)``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        delay: float = 1.0,
        rate: float = 10.0,
        width: int = 28,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.interval = 1.0 / rate
        self.width = width
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.shown = 0  # length of the line on screen

    def line(self, done: int, total: int, messages: int, elapsed: float) -> str:
        """The text of the bar (without the carriage return)."""
        speed = done / MB / elapsed if elapsed > 0 else 0.0
        count = f"{messages:,} message{'' if messages == 1 else 's'}"
        if total <= 0:  # standard input: the size is not known
            return f"maillint: {count}, {done / MB:,.1f} MB"
        fraction = min(done / total, 1.0)
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        eta = _duration((total - done) / (done / elapsed)) if done and elapsed > 0 else "?"
        return (
            f"maillint [{bar}] {fraction:4.0%}  {done / MB:,.1f}/{total / MB:,.1f} MB"
            f"  {count}  {speed:,.1f} MB/s  eta {eta}"
        )

    def __call__(self, done: int, total: int, messages: int) -> None:
        now = self.clock()
        elapsed = now - self.started
        if elapsed < self.delay:
            return
        if self.drawn_at is not None and now - self.drawn_at < self.interval:
            return
        text = self.line(done, total, messages, elapsed)
        padding = " " * max(self.shown - len(text), 0)
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self.shown = len(text)
        self.drawn_at = now

    def close(self) -> None:
        """Erase the bar, if it was ever drawn."""
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0
