"""A CP-SAT solver that Ctrl-C stops *and* reports: the interrupt reaches Python as usual.

CP-SAT catches SIGINT itself: the search stops and returns its best plan as ``FEASIBLE``,
and Python never learns that the planner pressed Ctrl-C — kimopt would print that plan as
if all were well. :class:`InterruptibleSolver` switches CP-SAT's handler off, so Python's own
handler notes the signal; Python's wakeup file descriptor wakes a small watcher thread, which
stops the search at once. When ``solve`` returns, Python raises :class:`KeyboardInterrupt`
as for any Ctrl-C, and the command ends with exit 130 and nothing written.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
from typing import Any

from ortools.sat.python import cp_model


class InterruptibleSolver(cp_model.CpSolver):
    """``CpSolver`` whose :meth:`solve` lets Ctrl-C raise :class:`KeyboardInterrupt`.

    Made only by :mod:`kimopt.cpsat.solver`, which also switches CP-SAT's own handler off.
    """

    def solve(self, model: cp_model.CpModel, *args: Any, **kwargs: Any) -> Any:
        if (
            threading.current_thread() is not threading.main_thread()
            or sys.platform == "win32"
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            # No Python Ctrl-C here (a batch worker ignores SIGINT; its parent ends it), or no
            # select() on pipes (Windows): Ctrl-C then raises when the search ends on its own.
            return super().solve(model, *args, **kwargs)
        signals_r, signals_w = os.pipe()
        done_r, done_w = os.pipe()
        os.set_blocking(signals_w, False)
        previous = signal.set_wakeup_fd(signals_w, warn_on_full_buffer=False)

        def watch() -> None:
            while True:
                ready, _, _ = select.select([signals_r, done_r], [], [])
                if done_r in ready:
                    return
                if signal.SIGINT in os.read(signals_r, 64):
                    self.stop_search()
                    return

        watcher = threading.Thread(target=watch, name="ctrl-c", daemon=True)
        watcher.start()
        try:
            return super().solve(model, *args, **kwargs)
        finally:
            os.write(done_w, b"x")
            watcher.join()
            signal.set_wakeup_fd(previous)
            for fd in (signals_r, signals_w, done_r, done_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
