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
solver is not used (its lower bound still is, as a cut).

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
from kimopt.cpsat.objectives import LEVELS, UNITS, Level
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.data import Instance, PlanningModel
from kimopt.results import LevelResult, Status
from kimopt.solve import ModelTooLarge, _exact_bound, _parameters, _solver_info

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


def _solve(hm: HorizonModel, model: cp_model.CpModel, level: Level, deadline: float,
           workers: int, seed: int) -> tuple[Any, cp_model.CpSolver, float]:
    model.minimize(level.expr) if not level.maximize else model.maximize(level.expr)
    solver = _parameters(deadline - time.perf_counter(), workers, seed)
    t0 = time.perf_counter()
    code = solver.solve(model)
    if code == cp_model.MODEL_INVALID:
        raise ModelTooLarge(f"CP-SAT lehnt das Modell ab / CP-SAT refuses the model: {model.validate()}")
    return code, solver, time.perf_counter() - t0


def solve_horizon(instance: Instance, settings: PlanningModel, time_limit: float | None = None,
                  progress: Callable[[str], None] | None = None) -> HorizonResult:
    """Build the horizon model and optimise it year-major; then the tie-break over all years."""
    started = time.perf_counter()
    limit = float(settings.time_limit_s) if time_limit is None else time_limit
    deadline = started + limit
    workers, seed = settings.workers or 1, settings.seed
    hm = build_horizon(instance, settings)
    m = hm.model
    results = [YearResult(ym.label, Status.OPTIMAL, None) for ym in hm.years]
    status = Status.OPTIMAL
    last: cp_model.CpSolver | None = None

    def stop(code_status: Status) -> HorizonResult:
        for r in results:
            r.status = code_status if r.units is None else r.status
        return HorizonResult(code_status, results, hm, _solver_info(started, workers, seed))

    cut_short = False
    for ym, result in zip(hm.years, results, strict=True):
        if cut_short:
            break
        levels: list[tuple[str, Level | None, Any]] = []
        if ym.cuts:
            levels.append(("continuity", continuity_level(ym), None))
        used: int | None = None
        if settings.objectives[0].name != "use_positions":
            # N_used* of this year: the most positions any plan can use now (not fixed)
            code, solver, _ = _solve(hm, m, Level("targets", ym.variables.used_total, True, ym.problem.g, "VZÄ"),
                                     deadline, workers, seed)
            if code == cp_model.INFEASIBLE:
                return stop(Status.INFEASIBLE)
            if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return stop(Status.UNKNOWN)
            used = solver.value(ym.variables.used_total)
            if code != cp_model.OPTIMAL:
                status = result.status = Status.FEASIBLE
        for entry in [*levels, *((o.name, None, o) for o in settings.objectives)]:
            name, level, objective = entry
            if progress:
                progress(f"{ym.label}: {name}")
            if level is None:
                n_fixed = used is not None and any(
                    r.name == "use_positions" and r.proven and r.value == ym.problem.vzae(used) for r in result.levels)
                level = LEVELS[name](m, ym.problem, ym.variables, objective, used)
                if name == "proportionality" and (objective.measure or "l1") == "l1" and n_fixed and used is not None:
                    m.add(level.expr >= remainder_optimum(ym.problem, used).lb)  # valid cut: no plan deviates less
            code, solver, seconds = _solve(hm, m, level, deadline, workers, seed)
            if code == cp_model.INFEASIBLE:
                return stop(Status.INFEASIBLE)
            if code == cp_model.UNKNOWN:
                if last is None:
                    return stop(Status.UNKNOWN)
                status = result.status = Status.FEASIBLE
                cut_short = True
                break
            value = solver.value(level.expr)
            proven = code == cp_model.OPTIMAL
            bound = value if proven else _exact_bound(level, solver.best_objective_bound)
            result.levels.append(LevelResult(level.name, level.unit, level.factor * value, level.factor * bound,
                                             proven, seconds, level.measure))
            last = solver
            if not proven:
                status = result.status = Status.FEASIBLE
                cut_short = True
                break
            m.add(level.expr >= value) if level.maximize else m.add(level.expr <= value)
            _hint(m, solver)
            if name == "use_positions" and used is None:
                used = value
        result.target_units = used
    if last is None:
        return stop(Status.UNKNOWN)
    for result in results:
        done = {lv.name for lv in result.levels}
        for objective in settings.objectives:
            if objective.name not in done:
                result.levels.append(LevelResult(objective.name, UNITS[objective.name], None, None, False, 0.0,
                                                 objective.measure))
                if result.status == Status.OPTIMAL:
                    result.status = Status.FEASIBLE
    values = {id(x): last.value(x) for ym in hm.years for x in [*ym.variables.a, *ym.cuts]}
    tie: dict[str, Any] = {"proven": False, "seconds": 0.0}
    if status == Status.OPTIMAL:
        values, tie = _tie_break(hm, deadline, seed, values)
    for ym, result in zip(hm.years, results, strict=True):
        result.units = [values[id(x)] for x in ym.variables.a]
        result.cuts = [values[id(x)] for x in ym.cuts]
    info = _solver_info(started, workers, seed)
    info["tie_break"] = tie
    return HorizonResult(status, results, hm, info)


def _hint(model: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """The last solution as the next level's hint (levels with several workers only)."""
    model.clear_hints()
    for index in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(index)
        model.add_hint(var, solver.value(var))


def _tie_break(hm: HorizonModel, deadline: float, seed: int,
               fallback: dict[int, int]) -> tuple[dict[int, int], dict[str, Any]]:
    """Minimise ``Σ_y Σ_l rank_l · a_l^y`` with one worker and no hint (deterministic)."""
    terms = [LinearExpr.weighted_sum(ym.variables.a, list(ym.problem.rank)) for ym in hm.years]
    hm.model.minimize(LinearExpr.sum(terms))
    hm.model.clear_hints()
    solver = _parameters(deadline - time.perf_counter(), 1, seed)
    t0 = time.perf_counter()
    code = solver.solve(hm.model)
    seconds = round(time.perf_counter() - t0, 3)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = {id(x): solver.value(x) for ym in hm.years for x in [*ym.variables.a, *ym.cuts]}
        return values, {"proven": code == cp_model.OPTIMAL, "seconds": seconds}
    return fallback, {"proven": False, "seconds": seconds}

