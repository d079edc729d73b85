"""What the sensitivity analyses share: one lexicographic re-solve of a changed instance."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from kimopt.data import Instance, PlanningModel
from kimopt.plan import Plan
from kimopt.problem import Carried, compile_problem
from kimopt.results import Status

Progress = Callable[[str], None] | None
T = TypeVar("T")


class SensitivityError(RuntimeError):
    """The instance itself has no optimal plan (infeasible or not solved in time)."""

    def __init__(self, message: str, status: Status = Status.UNKNOWN, year: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.year = year  # the year of a horizon without an optimal plan


@dataclass(frozen=True)
class Solved:
    """One re-solve: the link units (``None`` if no plan) and the plan's coverage."""

    status: Status
    units: tuple[int, ...] | None
    coverage: tuple[Fraction, ...] | None
    plan: Plan | None

    @property
    def carried(self) -> Carried | None:
        """What the years before left the solved year (``None``: a first or only year)."""
        return None if self.plan is None else self.plan.problem.carried


def solve_instance(
    instance: Instance,
    model: PlanningModel,
    time_limit: float | None = None,
    carried: Carried | None = None,
    start: Sequence[int] | None = None,
) -> Solved:
    """Solve lexicographically (no checker: thresholds compare plans of one compiled shape).

    ``start``: the base plan of a probe, where the tie-break's search begins (the plan does not
    depend on it, :func:`kimopt.lexicographic.solve_levels`; a probe's optimum is mostly near it).

    ``carried``: a later year of a horizon, with what the years before held (fixed); the year is
    decided as the horizon decides it (:func:`kimopt.solve_horizon.decide_year`): where it cannot
    keep all of that, its least cut for the changed numbers."""
    from kimopt.lexicographic import solve_problem

    if carried is None:
        problem = compile_problem(instance, model)
        result = solve_problem(problem, time_limit=time_limit, start=start)
    else:
        from kimopt.solve_horizon import decide_year

        limit = float(model.time_limit_s) if time_limit is None else time_limit
        held = compile_problem(instance, model, Carried(carried.held))
        problem, result, _ = decide_year(held, time.perf_counter() + limit)
    if result.units is None:
        return Solved(result.status, None, None, None)
    plan = Plan(problem, result.units, result.status, result.levels, result.solver)
    return Solved(result.status, tuple(result.units), tuple(plan.coverage), plan)


def proven(solved: Solved) -> bool:
    """Whether ``solved`` is the optimal plan itself: every level and the strict tie-break proven."""
    if solved.plan is None or solved.plan.status is not Status.OPTIMAL:
        return False
    return bool((solved.plan.solver or {}).get("tie_break", {}).get("proven", False))


def optimal_base(
    instance: Instance, model: PlanningModel, time_limit: float | None, carried: Carried | None = None
) -> Solved:
    """The optimal plan of the unchanged instance, against which every change is measured."""
    base = solve_instance(instance, model, time_limit, carried)
    if base.status is not Status.OPTIMAL:
        raise SensitivityError(f"{instance.name}: {base.status}", base.status)
    return base


def each_in_parallel(
    task: Callable[..., T], jobs: Sequence[tuple[Any, ...]], labels: Sequence[str], progress: Progress
) -> list[T]:
    """``task(*job)`` for every job, on one process per core; results in the order of ``jobs``.

    The jobs are independent re-solves, each deterministic, so the answer does not depend on
    which process takes which job or when it ends. Progress names each job as its result is
    taken (in order), with how many are done.
    """
    workers = max(1, min(os.cpu_count() or 1, len(jobs)))
    if workers == 1 or len(jobs) < 4:
        out = []
        for label, job in zip(labels, jobs, strict=True):
            if progress:
                progress(label)
            out.append(task(*job))
        return out
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(task, *job) for job in jobs]
        results = []
        for number, (label, future) in enumerate(zip(labels, futures, strict=True), start=1):
            results.append(future.result())
            if progress:
                progress(f"{label} ({number}/{len(jobs)})")
        return results
