"""What the sensitivity analyses share: one lexicographic re-solve of a changed instance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from kimopt.data import Instance, PlanningModel
from kimopt.plan import Plan
from kimopt.problem import compile_problem
from kimopt.results import Status

Progress = Callable[[str], None] | None


class SensitivityError(RuntimeError):
    """The instance itself has no optimal plan (infeasible or not solved in time)."""

    def __init__(self, message: str, status: Status = Status.UNKNOWN) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Solved:
    """One re-solve: the link units (``None`` if no plan) and the plan's coverage."""

    status: Status
    units: tuple[int, ...] | None
    coverage: tuple[Fraction, ...] | None
    plan: Plan | None


def solve_instance(instance: Instance, model: PlanningModel, time_limit: float | None = None) -> Solved:
    """Solve lexicographically (no checker: thresholds compare plans of one compiled shape)."""
    from kimopt.lexicographic import solve_problem

    problem = compile_problem(instance, model)
    result = solve_problem(problem, time_limit=time_limit)
    if result.units is None:
        return Solved(result.status, None, None, None)
    plan = Plan(problem, result.units, result.status, result.levels, result.solver)
    return Solved(result.status, tuple(result.units), tuple(plan.coverage), plan)


def optimal_base(instance: Instance, model: PlanningModel, time_limit: float | None) -> Solved:
    """The optimal plan of the unchanged instance, against which every change is measured."""
    base = solve_instance(instance, model, time_limit)
    if base.status is not Status.OPTIMAL:
        raise SensitivityError(f"{instance.name}: {base.status}", base.status)
    return base
