"""The one place where CP-SAT solvers are made: time limit, search workers and seed.

Every solve of kimopt — the levels of a plan, the tie-break, explanations, alternatives and
sensitivity — takes its solver from :func:`new_solver`, so a parameter that matters for
determinism or speed is set here once for all of them.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

MIN_SECONDS = 0.01
"""CP-SAT refuses a limit of 0; a level reached with no time left still gets this much."""


def new_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``seconds`` (at least :data:`MIN_SECONDS`) with a fixed seed.

    One worker searches deterministically; several find the same optimal *values*, which is
    all a level needs (see :mod:`kimopt.solve`).
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, MIN_SECONDS)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver
