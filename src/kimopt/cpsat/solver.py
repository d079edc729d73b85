"""The one place where CP-SAT solvers are made: time limit, search workers and seed.

Every solve of kimopt — the levels of a plan, the tie-break, explanations, alternatives and
sensitivity — takes its solver from :func:`new_solver` (a time limit) or
:func:`work_limited_solver` (a deterministic work limit), so a parameter that matters for
determinism or speed is set here once for all of them.
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

MIN_SECONDS = 0.01
"""CP-SAT refuses a limit of 0; a level reached with no time left still gets this much."""


def new_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``seconds`` (at least :data:`MIN_SECONDS`) with a fixed seed.

    One worker searches deterministically; several find the same optimal *values*, which is
    all a level needs (see :mod:`kimopt.solve`). Ctrl-C stops it and reaches Python as
    :class:`KeyboardInterrupt` (:class:`InterruptibleSolver`), never as a plan.
    """
    solver = InterruptibleSolver()
    solver.parameters.max_time_in_seconds = max(seconds, MIN_SECONDS)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def work_limited_solver(work: float, seed: int) -> cp_model.CpSolver:
    """A CP-SAT solver limited by deterministic work (``max_deterministic_time``), not time.

    One worker, so that where the limit stops the search — and so what is reported — is the
    same on every run and machine; for analyses whose answer must not depend on the clock
    (binding rules, the list of equally good plans).
    """
    solver = InterruptibleSolver()
    solver.parameters.max_deterministic_time = max(work, MIN_SECONDS)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    return solver


class InterruptibleSolver(cp_model.CpSolver):
    """``CpSolver`` whose :meth:`solve` lets Ctrl-C raise :class:`KeyboardInterrupt`.

    CP-SAT catches SIGINT itself: the search stops and returns its best plan as ``FEASIBLE``,
    and Python never learns that the planner pressed Ctrl-C — kimopt would print that plan as
    if all were well. :class:`InterruptibleSolver` switches CP-SAT's handler off, so Python's own
    handler notes the signal; Python's wakeup file descriptor wakes a small watcher thread, which
    stops the search at once. When ``solve`` returns, Python raises :class:`KeyboardInterrupt`
    as for any Ctrl-C, and the command ends with exit 130 and nothing written.
    """

    def solve(self, model: cp_model.CpModel, *args: Any, **kwargs: Any) -> Any:
        self.parameters.catch_sigint_signal = False  # never a FEASIBLE plan from Ctrl-C
        if threading.current_thread() is not threading.main_thread() or sys.platform == "win32" \
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
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
