"""One solve from validated inputs to a checked plan, every year in order; shared by every command."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kimopt.check import Violation, check_plan
from kimopt.data import Instance, PlanningModel
from kimopt.numbers import decimal_vzae
from kimopt.plan import Plan
from kimopt.problem import Problem
from kimopt.results import SolveResult, Status

if TYPE_CHECKING:  # the solver is imported where a plan is solved: ``check`` runs without OR-Tools
    from kimopt.plan_horizon import HorizonPlan
    from kimopt.solve_horizon import YearResult


class PlanRejected(RuntimeError):
    """The independent checker rejected a plan the solver returned (a defect in kimopt)."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.text("en") for v in violations))
        self.violations = violations


@dataclass
class Outcome:
    """A solve's result: every year's problem and solver result, the plan and its JSON when found.

    ``problem``, ``result`` and ``plan`` are the first year's (a one-year instance has only that);
    ``years`` every year reached, ``horizon`` the plan over all years.
    """

    problem: Problem
    result: SolveResult
    plan: Plan | None
    plan_json: dict[str, Any] | None
    years: list[YearResult] = field(default_factory=list)
    horizon: HorizonPlan | None = None
    status_over_years: Status | None = None
    failed_year: str | None = None

    @property
    def status(self) -> Status:
        return self.status_over_years if self.status_over_years is not None else self.result.status


def plan_instance(
    instance: Instance,
    model: PlanningModel,
    model_name: str = "kim-standard",
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    fixed: Mapping[int, dict[int, int]] | None = None,
) -> Outcome:
    """Solve ``instance`` under ``model`` year by year and verify the plan with the independent checker.

    ``fixed`` (per year index: link index → units) keeps the planner's fixed rows; the plan lists
    them under ``fixed_links`` (of its year).

    Raises
    ------
    PlanRejected
        If the plan breaks a rule: it is never handed on.
    """
    from kimopt.plan_horizon import horizon_plan
    from kimopt.solve_horizon import solve_horizon

    horizon = solve_horizon(instance, model, time_limit, progress, fixed)
    first = horizon.years[0]
    if horizon.failed_year is not None:
        return Outcome(
            first.problem, first.result, None, None, horizon.years, None, horizon.status, horizon.failed_year
        )
    plan = horizon_plan(instance, model, horizon, model_name)
    data = plan.to_json()
    for n, rows in sorted((fixed or {}).items()):
        problem = horizon.years[n].problem
        entry = [
            {
                "host": problem.hosts[problem.links[li].host].name,
                "host_type": problem.hosts[problem.links[li].host].kind,
                "kommune": problem.instance.kommunen[problem.links[li].kommune].name,
                "vzae": decimal_vzae(problem.vzae(units)),
            }
            for li, units in sorted(rows.items())
        ]
        if instance.multi:
            data["years"][n]["fixed_links"] = entry
        else:
            data["fixed_links"] = entry
    violations = check(instance, model, data)
    if violations:
        raise PlanRejected(violations)
    return Outcome(first.problem, first.result, plan.first, data, horizon.years, plan, horizon.status)


def check(instance: Instance, model: PlanningModel, data: dict[str, Any]) -> list[Violation]:
    """The one checker entry point: every rule of every year and Baustein the plan breaks.

    A plan of DESIGN §5 (several years, Bausteine 1 or 3) is checked year by year
    (:func:`kimopt.check_horizon.check_horizon`), a one-year plan by :func:`kimopt.check.check_plan`.
    """
    if instance.multi:
        from kimopt.check_horizon import check_horizon

        return check_horizon(instance, model, data)
    return check_plan(instance, model, data)
