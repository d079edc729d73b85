"""One solve from validated inputs to a checked plan; shared by ``solve``, ``batch`` and ``compare``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kimopt.check import Violation, check_plan
from kimopt.data import Instance, PlanningModel
from kimopt.lexicographic import solve_problem
from kimopt.numbers import decimal_vzae
from kimopt.plan import Plan
from kimopt.problem import Problem, compile_problem
from kimopt.results import SolveResult, Status


class PlanRejected(RuntimeError):
    """The independent checker rejected a plan the solver returned (a defect in kimopt)."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.text("en") for v in violations))
        self.violations = violations


@dataclass
class Outcome:
    """A solve's result: the status, and the plan with its JSON when one was found."""

    problem: Problem
    result: SolveResult
    plan: Plan | None
    plan_json: dict[str, Any] | None

    @property
    def status(self) -> Status:
        return self.result.status


def plan_instance(
    instance: Instance,
    model: PlanningModel,
    model_name: str = "kim-standard",
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    fixed: dict[int, int] | None = None,
) -> Outcome:
    """Solve ``instance`` under ``model`` and verify the plan with the independent checker.

    ``fixed`` (link index → units) keeps the planner's fixed rows; the plan lists them under
    ``fixed_links``.

    Raises
    ------
    PlanRejected
        If the plan breaks a rule: it is never handed on.
    """
    if instance.multi:  # DESIGN §5: several years or Bausteine 1 and 3
        return _plan_horizon(instance, model, model_name, time_limit, progress)
    problem = compile_problem(instance, model)
    result = solve_problem(problem, time_limit=time_limit, progress=progress, fixed=fixed)
    if result.units is None:
        return Outcome(problem, result, None, None)
    plan = Plan(problem, result.units, result.status, result.levels, result.solver, model_name, result.target_units)
    data = plan.to_json()
    if fixed:
        hosts = [problem.hosts[problem.links[li].host] for li in sorted(fixed)]
        data["fixed_links"] = [
            {
                "host": host.name,
                "host_type": host.kind,
                "kommune": instance.kommunen[problem.links[li].kommune].name,
                "vzae": decimal_vzae(problem.vzae(units)),
            }
            for host, (li, units) in zip(hosts, sorted(fixed.items()), strict=True)
        ]
    violations = check_plan(instance, model, data)
    if violations:
        raise PlanRejected(violations)
    return Outcome(problem, result, plan, data)


def _plan_horizon(
    instance: Instance,
    model: PlanningModel,
    model_name: str,
    time_limit: float | None,
    progress: Callable[[str], None] | None,
) -> Outcome:
    """Every year at once (:mod:`kimopt.solve_horizon`), checked year by year and Baustein by Baustein."""
    from kimopt.check_horizon import check_horizon
    from kimopt.plan_horizon import horizon_json
    from kimopt.solve_horizon import solve_horizon

    horizon = solve_horizon(instance, model, time_limit, progress)
    first = horizon.model.years[0].problem
    result = SolveResult(
        horizon.status, horizon.years[0].units, horizon.years[0].levels, horizon.solver, horizon.years[0].target_units
    )
    if horizon.failed_year is not None:
        return Outcome(first, result, None, None)
    data = horizon_json(instance, model, horizon, model_name)
    violations = check_horizon(instance, model, data)
    if violations:
        raise PlanRejected(violations)
    # no one-year Plan: the analyses that re-solve one year (binding rules) do not apply here
    return Outcome(first, result, None, data)
