"""The one place where CP-SAT solvers are made: time limit, search workers and seed.

Every solve of kimopt — the levels of a plan, the tie-break, explanations, alternatives and
sensitivity — takes its solver from :func:`new_solver` (a time limit) or
:func:`work_limited_solver` (a deterministic work limit), so a parameter that matters for
determinism or speed is set here once for all of them.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from kimopt.cpsat.interrupt import InterruptibleSolver

MIN_SECONDS = 0.01
"""CP-SAT refuses a limit of 0; a level reached with no time left still gets this much."""


def new_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``seconds`` (at least :data:`MIN_SECONDS`) with a fixed seed.

    One worker searches deterministically; several find the same optimal *values*, which is
    all a level needs (see :mod:`kimopt.lexicographic`). Ctrl-C stops it and reaches Python as
    :class:`KeyboardInterrupt` (:mod:`kimopt.cpsat.interrupt`), never as a plan.
    """
    solver = _interruptible()
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
    solver = _interruptible()
    solver.parameters.max_deterministic_time = max(work, MIN_SECONDS)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    return solver


def work_and_time_limited_solver(work: float, seconds: float, seed: int) -> cp_model.CpSolver:
    """:func:`work_limited_solver` that also stops at ``seconds``: deterministic wherever the work
    limit is reached first, and never beyond the caller's time limit."""
    solver = work_limited_solver(work, seed)
    solver.parameters.max_time_in_seconds = max(seconds, MIN_SECONDS)
    return solver


def _interruptible() -> cp_model.CpSolver:
    """A solver that leaves Ctrl-C to Python (:mod:`kimopt.cpsat.interrupt`): never a plan from it."""
    solver = InterruptibleSolver()
    solver.parameters.catch_sigint_signal = False
    return solver
