"""A minimal progress bar on stderr (no dependency on tqdm)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """Draw ``label [#####.....] 3/9 12.3s`` on one terminal line.

    Quiet unless ``enabled`` and the stream is a terminal, so logs, pipes and
    tests never see control characters.

    Parameters
    ----------
    total : int
        Number of steps.
    label : str
        Text before the bar.
    enabled : bool, default True
    stream : file, default sys.stderr
    width : int, default 30
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        width: int = 30,
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.active = bool(enabled and isatty is not None and isatty())
        self.width = width
        self.done = 0
        self.note = ""
        self._start = time.perf_counter()

    def __enter__(self) -> ProgressBar:
        self._draw()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, steps: int = 1, note: str = "") -> None:
        """Advance by ``steps`` and show an optional short note (e.g. "k=5")."""
        self.done = min(self.done + steps, self.total)
        self.note = note
        self._draw()

    def _draw(self) -> None:
        if not self.active:
            return
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self._start
        count = f"{self.done}/{self.total}"
        text = f"\r{self.label} [{bar}] {count} {elapsed:5.1f}s {self.note}"
        self.stream.write(text.ljust(self.width + len(self.label) + 40))
        self.stream.flush()

    def close(self) -> None:
        """Finish the line so later output starts on a fresh one."""
        if self.active:
            self.stream.write("\n")
            self.stream.flush()
            self.active = False
