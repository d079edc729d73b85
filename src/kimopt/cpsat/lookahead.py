"""All years in one CP-SAT model, for a model with ``lookahead: true`` (DESIGN §5).

Each year is the one-year model of §2 (:func:`kimopt.cpsat.variables.add_variables` and
:func:`kimopt.cpsat.constraints.add_constraints` on that year's problem, with nothing carried);
the years share one :class:`~ortools.sat.python.cp_model.CpModel`, and ``continuity`` joins
consecutive years on their variables, without cuts:

.. math:: host:\\ H_h^y \\ge H_h^{y-1} \\qquad total:\\ N^y \\ge N^{y-1}

The levels are taken year-major: every level of the first year by the one lexicographic loop
(:func:`kimopt.lexicographic.lexicographic`, on that year's view of the shared model, without
the largest-remainder shortcut, whose plan is checked against one year only), each fixed, then
every level of the second year, and so on. So a later year's rules constrain the earlier years'
choices: an earlier year gives way where a later one could not keep its positions. Then the
tie-break, year by year, each made strict and its plan fixed: the same plan on every run.
A later year's ``stability`` counts the change against the year before's variables.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from kimopt.cpsat.constraints import add_constraints
from kimopt.cpsat.objectives import UNITS
from kimopt.cpsat.solver import new_solver
from kimopt.cpsat.switches import Switches
from kimopt.cpsat.variables import add_variables, universe
from kimopt.lexicographic import CpsatModel, _refuse_invalid, _tie_break, fix_links, guard_magnitudes, lexicographic
from kimopt.problem import Problem
from kimopt.results import LevelResult, Status

LinearExpr = cp_model.LinearExpr


@dataclass
class Together:
    """What the joint solve found: the status over all years and, per year, its levels and plan."""

    status: Status
    levels: list[list[LevelResult]]
    units: list[list[int]] | None
    used: list[int | None]
    tie: list[dict[str, Any]]


def build_years(problems: Sequence[Problem]) -> list[CpsatModel]:
    """Every year's variables and rules in one model (one view per year), consecutive years joined."""
    model = cp_model.CpModel()
    model.name = problems[0].instance.name
    views: list[CpsatModel] = []
    for problem in problems:
        switches = Switches(model, False)
        guard_magnitudes(problem, universe(problem, switches))
        variables = add_variables(problem, model, switches)
        add_constraints(model, problem, variables, switches)
        views.append(CpsatModel(problem, model, variables, switches))
    for before, now in itertools.pairwise(views):
        join_years(model, before, now)
    return views


def join_years(model: cp_model.CpModel, before: CpsatModel, now: CpsatModel) -> None:
    """``continuity`` between two consecutive years, on their variables, without cuts; a later
    year's ``stability`` counts against the year before's hosts (``Variables.before``)."""
    settings = now.problem.model
    index = {(host.kind, host.name): h for h, host in enumerate(before.problem.hosts)}
    pairs = [
        (h, index[(host.kind, host.name)])
        for h, host in enumerate(now.problem.hosts)
        if (host.kind, host.name) in index
    ]
    now.variables.before = {h: (before.variables.hosted(b), before.variables.cap) for h, b in pairs}
    if not settings.keep_existing or settings.continuity == "none":
        return
    if settings.continuity == "total":
        # the positions of the members still taking part keep their number (a leaver takes its own)
        inst = now.problem.instance
        members = {("kreis", inst.kreis.name)} | {("kommune", k.name) for k in inst.kommunen}
        members |= {("traeger", t.name) for t in inst.traeger}
        staying = [b for b, host in enumerate(before.problem.hosts) if (host.kind, host.name) in members]
        model.add(now.variables.used_total >= LinearExpr.sum([before.variables.hosted(b) for b in staying]))
        return
    for h, b in pairs:
        model.add(now.variables.hosted(h) >= before.variables.hosted(b))


def solve_together(
    problems: Sequence[Problem],
    deadline: float,
    workers: int,
    seed: int,
    progress: Sequence[Callable[[str], None] | None],
    fixed: Mapping[int, dict[int, int]] | None = None,
) -> Together:
    """Every year's levels in order in the joint model, then the tie-break year by year.

    ``progress``: one callback per year; ``fixed``: per year the planner's fixed links.
    """
    views = build_years(problems)
    for n, rows in sorted((fixed or {}).items()):
        fix_links(views[n], rows)
    levels: list[list[LevelResult]] = [[] for _ in views]
    used: list[int | None] = [None for _ in views]
    status = Status.OPTIMAL
    for n, view in enumerate(views):
        run = lexicographic(view, deadline, workers, seed, shortcut=False, progress=progress[n])
        if not run.status.has_plan:
            if run.status is Status.UNKNOWN and n > 0:
                status = Status.FEASIBLE
                break
            return Together(run.status, levels, None, used, [])
        levels[n], used[n] = run.levels, run.used
        if run.status is not Status.OPTIMAL or len(run.levels) < len(view.problem.model.objectives):
            status = Status.FEASIBLE
            break
    for view, found in zip(views, levels, strict=True):
        for objective in view.problem.model.objectives[len(found) :]:
            found.append(LevelResult(objective.name, UNITS[objective.name], None, None, False, 0.0, objective.measure))
    if status is not Status.OPTIMAL:
        reached = _any_plan(views, deadline, workers, seed)
        return Together(status if reached else Status.UNKNOWN, levels, reached, used, [])
    plans: list[list[int]] = []
    ties: list[dict[str, Any]] = []
    for view in views:
        units, tie = _tie_break(view, deadline, seed, None)
        if units is None:
            return Together(Status.UNKNOWN, levels, None, used, ties)
        for x, value in zip(view.variables.a, units, strict=True):
            view.model.add(x == value)  # the year is decided: a later year's tie-break keeps it
        plans.append(units)
        ties.append(tie)
    return Together(status, levels, plans, used, ties)


def _any_plan(views: Sequence[CpsatModel], deadline: float, workers: int, seed: int) -> list[list[int]] | None:
    """A plan of every year at the levels fixed so far (a level was cut short: not proven)."""
    model = views[0].model
    model.clear_objective()
    solver = new_solver(deadline - time.perf_counter(), workers, seed)
    code = solver.solve(model)
    _refuse_invalid(code, model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [[solver.value(x) for x in view.variables.a] for view in views]
