"""Equally good plans: every plan whose value on every level equals the optimum.

After the lexicographic solve, a fresh model gets each level's expression fixed to its
optimal value (``level.expr == value``). Distinct plans are then enumerated by no-good cuts
on the link values: each new plan must differ from every plan found so far on at least one
link (Hamming distance ≥ 1). The first plan is the one ``kimopt solve`` returns; each further
round minimises the deterministic tie-break of :func:`kimopt.cpsat.objectives.tie_break` with
one worker and the model's seed, so the order is the same on every run. Cuts on the
link values alone (not on auxiliary variables) make every plan listed a different allocation.

The enumeration stops at ``-k`` plans, when no further plan exists (the list is complete), or
when its deterministic work (:data:`ENUMERATION_WORK`, CP-SAT's ``max_deterministic_time``
over all rounds, one worker) is spent — never at a wall-clock time, so the same input lists
the same plans on every run, and an incomplete list says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from kimopt.data import Instance, PlanningModel
from kimopt.results import SolveResult, Status

if TYPE_CHECKING:
    from kimopt.problem import Problem
    from kimopt.solve_horizon import YearResult

ENUMERATION_WORK = 30.0
"""Deterministic work (CP-SAT's deterministic seconds) for listing the equally good plans."""


@dataclass
class Alternatives:
    """The outcome: the status of the lexicographic solve and the equally good plans found."""

    status: Status
    plans: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False  # True: no further equally good plan exists
    work_spent: bool = False  # True: the work limit stopped the list (there may be more)


@dataclass(frozen=True)
class Change:
    """One link whose VZÄ differ from the first plan's."""

    host: str
    host_type: str
    kommune: str
    first: float
    here: float


def equally_good_plans(
    instance: Instance,
    model: PlanningModel,
    model_name: str = "kim-standard",
    limit: int = 10,
    time_limit: float | None = None,
) -> Alternatives:
    """Up to ``limit`` distinct plans, each optimal on every level and accepted by the checker.

    Raises
    ------
    kimopt.pipeline.PlanRejected
        If a plan breaks a rule or differs from the optimum on a level (a defect in kimopt).
    """
    from kimopt.lexicographic import build, solve_levels
    from kimopt.problem import compile_problem

    problem = compile_problem(instance, model)
    limit_s = float(model.time_limit_s) if time_limit is None else time_limit
    result = solve_levels(build(problem), limit_s, model.workers or 1, model.seed)
    return _listed(problem, result, model_name, limit)


def equally_good_year_plans(year: YearResult, model_name: str = "kim-standard", limit: int = 10) -> Alternatives:
    """:func:`equally_good_plans` of one year of a horizon, given the years before as planned.

    The year's problem as the solver saw it (budgets less Bausteine 1 and 3, what the year before
    held); Plan 1 is the year's plan of ``kimopt solve``, from which the next year is planned.
    The plans show the year's real budgets, as the year of the plan file does.
    """
    from kimopt.problem import compile_problem

    problem = year.problem
    shown = compile_problem(year.horizon.instance, problem.model, problem.carried)
    return _listed(problem, year.result, model_name, limit, shown)


def _listed(
    problem: Problem, result: SolveResult, model_name: str, limit: int, shown: Problem | None = None
) -> Alternatives:
    """The equally good plans of ``problem`` at the optimum ``result``, its own plan first;
    ``shown``: the same allocation problem with the budgets the plans show (default ``problem``)."""
    from ortools.sat.python import cp_model

    from kimopt.check import check_plan
    from kimopt.cpsat.objectives import tie_break
    from kimopt.cpsat.solver import work_limited_solver
    from kimopt.lexicographic import build, hold_levels
    from kimopt.pipeline import PlanRejected
    from kimopt.plan import Plan

    if result.status is not Status.OPTIMAL or result.units is None:
        return Alternatives(result.status)
    model = problem.model
    cm = build(problem)
    m, v = cm.model, cm.variables
    hold_levels(cm, result)
    m.minimize(tie_break(m, problem, v).expr)

    plans: list[dict[str, Any]] = []

    def take(units: list[int]) -> None:
        plan = Plan(
            shown or problem, units, Status.OPTIMAL, result.levels, dict(result.solver), model_name, result.target_units
        )
        data = plan.to_json()
        violations = check_plan(problem.instance, model, data, problem.carried)
        if violations:
            raise PlanRejected(violations)
        _same_levels(plan, result.levels)
        plans.append(data)
        _cut(m, v.a, units, len(plans))

    # the plan of `kimopt solve` comes first even where the tie-break has several optima
    take(result.units)
    complete = spent = False
    work = 0.0
    while len(plans) < limit:
        if work >= ENUMERATION_WORK:
            spent = True
            break
        solver = work_limited_solver(ENUMERATION_WORK - work, model.seed)
        code = solver.solve(m)
        work += solver.deterministic_time
        if code == cp_model.INFEASIBLE:
            complete = True
            break
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            spent = True  # the work is spent: the list is not known to be complete
            break
        take([solver.value(x) for x in v.a])
    return Alternatives(Status.OPTIMAL, plans, complete, spent)


def _same_levels(plan: Any, levels: list[Any]) -> None:
    """Each level recomputed from the plan equals the optimum (a guard against a modelling slip)."""
    for level in levels:
        value = plan.objective_value(level.name, level.measure)
        if Fraction(value) != level.value:
            raise RuntimeError(f"equally good plan differs on {level.name}: {value} ≠ {level.value}")


def _cut(m: Any, a: list[Any], units: list[int], n: int) -> None:
    """No-good cut: at least one link differs from ``units``."""
    differs = []
    for link, (x, value) in enumerate(zip(a, units, strict=True)):
        d = m.new_bool_var(f"differs[{n},{link}]")
        m.add(x != value).only_enforce_if(d)
        differs.append(d)
    m.add_bool_or(differs)


def changes(first: dict[str, Any], other: dict[str, Any]) -> list[Change]:
    """The links whose VZÄ differ between two plans, in a fixed order (host, then Kommune)."""

    def links(plan: dict[str, Any]) -> dict[tuple[str, str, str], float]:
        return {(x["host_type"], x["host"], x["kommune"]): x["vzae"] for x in plan["links"]}

    a, b = links(first), links(other)
    order = {"kommune": 0, "traeger": 1, "kreis": 2}
    keys = sorted(set(a) | set(b), key=lambda k: (order.get(k[0], 3), k[1], k[2]))
    return [Change(k[1], k[0], k[2], a.get(k, 0.0), b.get(k, 0.0)) for k in keys if a.get(k, 0.0) != b.get(k, 0.0)]


def choice_points(plans: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per Kommune whose coverage varies among the plans: the coverages, in plan order."""
    names = [k["name"] for k in plans[0]["kommunen"]] if plans else []
    out: dict[str, list[float]] = {}
    for i, name in enumerate(names):
        values = [p["kommunen"][i]["coverage_vzae"] for p in plans]
        if len(set(values)) > 1:
            out[name] = values
    return out


def years_json(found: Sequence[tuple[int | None, str, Alternatives]], multi: bool) -> list[dict[str, Any]]:
    """Per year (year, label, plans found): ``complete``, ``work_limit_reached`` and the ``plans``,
    each named „Plan n“; a horizon's entries and plans carry their ``year``, named „2023: Plan n“."""

    def year_of(year: int | None) -> dict[str, Any]:
        return {"year": year} if multi else {}

    return [
        {
            **year_of(year),
            "complete": result.complete,
            "work_limit_reached": result.work_spent,
            "plans": [
                {"alternative": f"{label}: Plan {n}" if multi else f"Plan {n}", **year_of(year), **plan}
                for n, plan in enumerate(result.plans, start=1)
            ],
        }
        for year, label, result in found
    ]


def file_json(instance: str, model: str, years: list[dict[str, Any]], multi: bool) -> dict[str, Any]:
    """The file of ``kimopt alternatives -o x.json``: one year as before, a horizon with ``years``
    (``complete`` when every year's list is, ``work_limit_reached`` when some year's is cut)."""
    head = {"instance": instance, "model": model}
    if not multi:
        return {**head, **years[0]}
    every = {
        "complete": all(y["complete"] for y in years),
        "work_limit_reached": any(y["work_limit_reached"] for y in years),
    }
    return {**head, **every, "years": years}
