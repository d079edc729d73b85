"""The trade-off curve of proportionality against the Eigenanteil (ε-constraint method)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from kimopt.analysis.sensitivity.base import Progress, SensitivityError
from kimopt.data import Instance, Objective, PlanningModel
from kimopt.problem import Carried, compile_problem


@dataclass(frozen=True)
class TradeoffPoint:
    """A Pareto-optimal pair: the least L1 deviation for at most this Eigenanteil."""

    eigenanteil: Fraction
    deviation: Fraction
    proven: bool


@dataclass
class Tradeoff:
    """The trade-off curve, most proportional first; ``complete`` unless cut at ``max_points``."""

    positions_used: Fraction
    points: list[TradeoffPoint] = field(default_factory=list)
    complete: bool = True


def tradeoff_curve(
    instance: Instance,
    model: PlanningModel,
    max_points: int = 40,
    time_limit: float | None = None,
    progress: Progress = None,
    carried: Carried | None = None,
) -> Tradeoff:
    """The ε-constraint curve of L1 deviation against total Eigenanteil (N at its optimum);
    ``carried``: a later year of a horizon, the years before held fixed."""
    from ortools.sat.python import cp_model

    from kimopt.cpsat.objectives import LEVELS
    from kimopt.cpsat.solver import new_solver
    from kimopt.lexicographic import build, most_positions
    from kimopt.results import Status

    problem = compile_problem(instance, model, carried)
    limit = float(model.time_limit_s if time_limit is None else time_limit)
    l1 = Objective(name="proportionality", measure="l1")

    def solver() -> cp_model.CpSolver:
        return new_solver(limit, model.workers or 1, model.seed)

    found, n_used = most_positions(build(problem), time.perf_counter() + limit, model.workers or 1, model.seed)
    if found is not Status.OPTIMAL or n_used is None:
        raise SensitivityError(f"{instance.name}: use_positions", found)
    curve = Tradeoff(problem.vzae(n_used))
    cap: int | None = None
    while True:
        if len(curve.points) >= max_points:
            curve.complete = False
            break
        cm = build(problem)
        m, v = cm.model, cm.variables
        m.add(v.used_total == n_used)
        deviation = LEVELS["proportionality"](m, problem, v, l1, n_used)
        cost = LEVELS["own_cost"](m, problem, v, Objective(name="own_cost"), n_used)
        if cap is not None:
            m.add(cost.expr <= cap)
        m.minimize(deviation.expr)
        s = solver()
        first = s.solve(m)
        if first not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break  # no plan is cheaper: the curve is complete
        best = s.value(deviation.expr)
        m.add(deviation.expr <= best)
        m.minimize(cost.expr)
        s = solver()
        second = s.solve(m)
        if second not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        paid = s.value(cost.expr)
        curve.points.append(
            TradeoffPoint(cost.factor * paid, deviation.factor * best, first == second == cp_model.OPTIMAL)
        )
        if progress:
            progress(f"{len(curve.points)}")
        cap = paid - 1
        if cap < 0:
            break
    return curve
