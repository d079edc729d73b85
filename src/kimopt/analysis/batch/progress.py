"""The progress of a batch on stderr: a redrawn bar on a terminal, one line per instance otherwise."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from kimopt.analysis.batch.run import Row
from kimopt.labels import share_of, status_label


class Progress:
    """A progress line on stderr: a redrawn bar on a terminal, one line per instance otherwise."""

    def __init__(self, total: int, lang: str = "de", stream: TextIO | None = None) -> None:
        self.total, self.lang = total, lang
        self.stream = stream or sys.stderr
        self.done = self.failed = 0
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, row: Row) -> None:
        self.done += 1
        self.failed += not row.has_plan
        elapsed = time.perf_counter() - self.started
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            label = "Probleme" if self.lang == "de" else "problems"
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"({share_of(self.done, self.total, self.lang)})"
                f"  {label}: {self.failed}  {elapsed:5.1f} s"
            )
        else:
            self.stream.write(
                f"[{self.done}/{self.total}, {share_of(self.done, self.total, self.lang)}] "
                f"{Path(row.file).name}: {status_label(row.status, self.lang)}"
                + (f" ({row.seconds:.2f} s)" if row.seconds is not None else "")
                + "\n"
            )
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
