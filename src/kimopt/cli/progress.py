"""Progress on stderr while a command works: a rich spinner with what is being done.

Only when stderr is a terminal (never in pipes, files or tests), transient (it leaves no
trace in the output), and on stderr only, so stdout stays the table or data a planner pipes on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _noop(step: str) -> None:
    return None


@contextmanager
def progress(title: str) -> Iterator[Callable[[str], None]]:
    """A callback ``step(text)`` that updates a spinner ``title: text`` on stderr."""
    if not sys.stderr.isatty():
        yield _noop
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(title, spinner="dots") as status:

        def step(text: str) -> None:
            status.update(f"{title}: {text}")

        yield step
