"""Lexicographic optimisation over several years: year by year in order, in one model.

How the years are optimised, and why. The levels are taken **year-major**: first every level of
the first year (``use_positions``, ``proportionality`` … as the planning model orders them),
each solved to proven optimality and fixed, then every level of the second year, and so on;
then one deterministic tie-break over all years. All levels are solved in *one* CP-SAT model
that holds every year, so a later year's rules (its budget, continuity) constrain the earlier
years' choices: an earlier year never takes a plan that leaves a later year without one.

Why not one model with each level summed over the years: a sum trades years against each
other (a worse 2022 for a better 2023), while a Kreis decides its Haushalt year by year and a
year already budgeted must not get worse for the sake of a later one. Year-major order also
gives each level a value and a proven bound *per year*. What it costs: every level is solved
in a model ``Y`` times the size of one year, and there are ``Y × L`` levels instead of ``L``
(Mettmann 2022–2023: 12 levels instead of 6); the largest-remainder shortcut of the one-year
solver is not used.

Where a year's funding falls below the year before's, its first level is ``continuity``: the
least total cut of positions held the year before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from kimopt.cpsat.horizon import HorizonModel, YearModel, build_horizon
from kimopt.cpsat.objectives import UNITS, Level
from kimopt.cpsat.solver import new_solver
from kimopt.data import Instance, PlanningModel
from kimopt.lexicographic import CpsatModel, ModelTooLarge, _exact_bound, _solver_info, fix_level, lexicographic
from kimopt.results import LevelResult, Status

LinearExpr = cp_model.LinearExpr


@dataclass
class YearResult:
    """One year's status, link values (units) and level figures."""

    label: str
    status: Status
    units: list[int] | None
    levels: list[LevelResult] = field(default_factory=list)
    target_units: int | None = None
    cuts: list[int] = field(default_factory=list)  # continuity cuts per host, units


@dataclass
class HorizonResult:
    """What the solver found for every year."""

    status: Status
    years: list[YearResult]
    model: HorizonModel
    solver: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_year(self) -> str | None:
        """The first year without a plan, if any."""
        return next((y.label for y in self.years if y.units is None), None)


def continuity_level(ym: YearModel) -> Level:
    """Minimise the total continuity cut of a year whose funding falls: ``Σ_h k_h``."""
    return Level("continuity", LinearExpr.sum(ym.cuts), False, ym.problem.g, "VZÄ")


def _year_view(hm: HorizonModel, ym: YearModel) -> CpsatModel:
    """One year of the horizon model as the one-year loop sees it: its problem and variables, the shared model."""
    return CpsatModel(ym.problem, hm.model, ym.variables, hm.switches)


def _least_cut(
    hm: HorizonModel, ym: YearModel, deadline: float, workers: int, seed: int
) -> tuple[Status, LevelResult | None]:
    """The ``continuity`` level of a year whose funding falls: solve, fix, report."""
    level = continuity_level(ym)
    hm.model.minimize(level.expr)
    solver = new_solver(deadline - time.perf_counter(), workers, seed)
    t0 = time.perf_counter()
    code = solver.solve(hm.model)
    seconds = time.perf_counter() - t0
    if code == cp_model.MODEL_INVALID:
        raise ModelTooLarge(f"CP-SAT lehnt das Modell ab / CP-SAT refuses the model: {hm.model.validate()}")
    if code == cp_model.INFEASIBLE:
        return Status.INFEASIBLE, None
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Status.UNKNOWN, None
    value = solver.value(level.expr)
    proven = code == cp_model.OPTIMAL
    bound = value if proven else _exact_bound(level, solver.best_objective_bound)
    if proven:
        fix_level(hm.model, level, value)
    return (Status.OPTIMAL if proven else Status.FEASIBLE), LevelResult(
        level.name, level.unit, level.factor * value, level.factor * bound, proven, seconds
    )


def solve_horizon(
    instance: Instance,
    settings: PlanningModel,
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> HorizonResult:
    """Build the horizon model and optimise it year-major; then the tie-break over all years.

    Each year's levels run through the one lexicographic loop of kimopt
    (:func:`kimopt.lexicographic.lexicographic`) on that year's view of the shared model, without the
    largest-remainder shortcut: its plan by construction is checked against one year only,
    while here a plan must also keep the other years' rules.
    """
    started = time.perf_counter()
    limit = float(settings.time_limit_s) if time_limit is None else time_limit
    deadline = started + limit
    workers, seed = settings.workers or 1, settings.seed
    hm = build_horizon(instance, settings)
    results = [YearResult(ym.label, Status.OPTIMAL, None) for ym in hm.years]
    status = Status.OPTIMAL

    def stop(final: Status) -> HorizonResult:
        for r in results:
            if r.units is None:
                r.status = final
        return HorizonResult(final, results, hm, _solver_info(started, workers, seed))

    def labelled(label: str) -> Callable[[str], None] | None:
        if progress is None:
            return None
        report = progress
        return lambda name: report(f"{label}: {name}")

    reached = False  # some year has all its levels
    for ym, result in zip(hm.years, results, strict=True):
        if ym.cuts:
            if progress:
                progress(f"{ym.label}: continuity")
            cut_status, cut = _least_cut(hm, ym, deadline, workers, seed)
            if cut is None:
                return stop(cut_status)
            result.levels.append(cut)
            if cut_status is not Status.OPTIMAL:
                status = result.status = Status.FEASIBLE
                break
        run = lexicographic(_year_view(hm, ym), deadline, workers, seed, shortcut=False, progress=labelled(ym.label))
        if not run.status.has_plan:
            if run.status is Status.UNKNOWN and reached:
                status = Status.FEASIBLE
                break
            return stop(run.status)
        result.levels += run.levels
        result.target_units = run.used
        reached = True
        if run.status is not Status.OPTIMAL or len(run.levels) < len(settings.objectives):
            status = result.status = Status.FEASIBLE
            break
    for result in results:
        done = {lv.name for lv in result.levels}
        for objective in settings.objectives:
            if objective.name not in done:
                result.levels.append(
                    LevelResult(objective.name, UNITS[objective.name], None, None, False, 0.0, objective.measure)
                )
                if result.status is Status.OPTIMAL:
                    result.status = Status.FEASIBLE
    values, tie = _tie_break(hm, deadline, seed, final=status is Status.OPTIMAL, workers=workers)
    if values is None:
        return stop(Status.UNKNOWN)
    for ym, result in zip(hm.years, results, strict=True):
        result.units = [values[id(x)] for x in ym.variables.a]
        result.cuts = [values[id(x)] for x in ym.cuts]
    info = _solver_info(started, workers, seed)
    info["tie_break"] = tie
    return HorizonResult(status, results, hm, info)


def _tie_break(
    hm: HorizonModel, deadline: float, seed: int, final: bool, workers: int
) -> tuple[dict[int, int] | None, dict[str, Any]]:
    """Minimise ``Σ_y Σ_l rank_l · a_l^y`` with one worker and no hint (deterministic).

    Without ``final`` (a level was cut short) it only finds a plan for every year that keeps
    the levels fixed so far (several workers; the plan is then marked not proven). When the time
    is up, the plan of the last level solved (the model's hint) stands.
    """
    terms = [LinearExpr.weighted_sum(ym.variables.a, list(ym.problem.rank)) for ym in hm.years]
    hm.model.minimize(LinearExpr.sum(terms))
    # the hint is the plan of the last level solved and fixed: a plan for every year
    hint = dict(zip(hm.model.proto.solution_hint.vars, hm.model.proto.solution_hint.values, strict=True))
    fallback = (
        {id(x): hint[x.index] for ym in hm.years for x in [*ym.variables.a, *ym.cuts]}
        if all(x.index in hint for ym in hm.years for x in [*ym.variables.a, *ym.cuts])
        else None
    )
    if final:
        hm.model.clear_hints()  # a hint from a parallel search would make the result depend on timing
    solver = new_solver(deadline - time.perf_counter(), 1 if final else workers, seed)
    t0 = time.perf_counter()
    code = solver.solve(hm.model)
    seconds = round(time.perf_counter() - t0, 3)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = {id(x): solver.value(x) for ym in hm.years for x in [*ym.variables.a, *ym.cuts]}
        return values, {"proven": final and code == cp_model.OPTIMAL, "seconds": seconds}
    return fallback, {"proven": False, "seconds": seconds}
