"""A year of the horizon as a one-year CP-SAT problem (DESIGN §5).

Each year is the one-year model of §2 (:mod:`kimopt.cpsat.constraints`, unchanged) with that
year's funding and costs. Bausteine 1 and 3 have no decisions: their fixed Eigenanteil is taken
from each payer's yearly budget, so the budget rules hold for all Bausteine together. A later
year carries what the year before held (``continuity``, :class:`kimopt.problem.Carried`); where
it cannot keep all of it, :func:`least_cuts` finds the smallest total cut.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.cpsat.objectives import Level
from kimopt.cpsat.solver import new_solver
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import HorizonYear
from kimopt.problem import Carried, Problem, compile_problem
from kimopt.results import LevelResult, Status

LinearExpr = cp_model.LinearExpr


def budget_instance(year: HorizonYear, model: PlanningModel) -> Instance:
    """Year's Baustein 2 instance with each budget reduced by the fixed Baustein 1 and 3 Eigenanteil.

    The reduced budget may be negative (Bausteine 1 and 3 alone exceed it): the budget rule is
    then infeasible and an explanation names it.
    """
    fixed = year.fixed_payments(model)
    if not fixed:
        return year.instance
    inst = year.instance

    def less(name: str, budget: int | None) -> int | Fraction | None:
        # exact: what is left may be a fraction of a euro (0.5 VZÄ × an odd deficit)
        return budget if budget is None or name not in fixed else budget - fixed[name]

    kreis = inst.kreis.model_copy(update={"budget": less(inst.kreis.name, inst.kreis.budget)})
    kommunen = [k.model_copy(update={"budget": less(k.name, k.budget)}) for k in inst.kommunen]
    return inst.model_copy(update={"kreis": kreis, "kommunen": kommunen})


def year_problem(year: HorizonYear, model: PlanningModel, carried: Carried | None = None) -> Problem:
    """The problem the solver sees for one year: budgets less Bausteine 1 and 3, what the year before left."""
    return compile_problem(budget_instance(year, model), model, carried)


def any_cut(problem: Problem) -> Problem:
    """A later year's problem in which continuity may cut everything the year before held."""
    assert problem.carried is not None
    everything = sum(problem.carried.held.values(), Fraction(0))
    return replace(problem, carried=Carried(problem.carried.held, everything))


def least_cuts(
    problem: Problem, deadline: float, workers: int, seed: int, fixed: dict[int, int] | None = None
) -> tuple[Status, LevelResult | None]:
    """The ``continuity`` level of a later year that cannot keep what the year before held:
    the least total cut ``Σ_h s·k_h`` (whole host steps) with which every rule of the year holds,
    given the planner's ``fixed`` rows of the year (link index → units; they may force a larger cut).
    Under ``continuity: total`` the cut variables are one, ``k`` of the positions in all
    (:func:`kimopt.cpsat.constraints.continuity`), so the same level is the least cut in number.

    ``INFEASIBLE`` when even cutting everything the year before held gives no plan.
    """
    from kimopt.lexicographic import _exact_bound, build, fix_links

    cm = build(any_cut(problem))
    if fixed:
        fix_links(cm, fixed)
    step = problem.units(problem.model.host_step_vzae)
    level = Level("continuity", step * LinearExpr.sum(cm.variables.cuts), False, problem.g, "VZÄ")
    cm.model.minimize(level.expr)
    solver = new_solver(deadline - time.perf_counter(), workers, seed)
    started = time.perf_counter()
    code = solver.solve(cm.model)
    seconds = time.perf_counter() - started
    if code == cp_model.INFEASIBLE:
        return Status.INFEASIBLE, None
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Status.UNKNOWN, None
    value = solver.value(level.expr)
    proven = code == cp_model.OPTIMAL
    bound = value if proven else _exact_bound(level, solver.best_objective_bound)
    found = LevelResult(level.name, level.unit, level.factor * value, level.factor * bound, proven, seconds)
    return (Status.OPTIMAL if proven else Status.FEASIBLE), found
