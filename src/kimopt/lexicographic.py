"""Lexicographic optimisation with CP-SAT: solve each level to optimality, fix it, go on.

Determinism: every level's optimal *value* is unique, so the levels may use several search
workers. Which of the equally good plans is returned is decided by a last tie-break level
(:func:`kimopt.cpsat.objectives.tie_break`) solved with one worker, a fixed seed and no
hint from the levels' parallel search, and made strict (:mod:`kimopt.cpsat.strict`): the plan
is the first in rank order of those at the tie-break's value, so once proven it does not depend
on the model that found it, nor on where its search began.
Where the later levels
are solved block by block (:mod:`kimopt.blocks`), every block's levels and tie-break run on one
worker, so its hints come from deterministic solves too. A time limit that cuts a level short
ends the optimisation there: the plan is the best found, ``FEASIBLE``, with the level's bound
and gap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import ortools
from ortools.sat.python import cp_model

from kimopt import blocks
from kimopt.check import check_plan
from kimopt.cpsat.constraints import add_constraints
from kimopt.cpsat.objectives import LEVELS, UNITS, Level, tie_break
from kimopt.cpsat.remainders import RemainderOptimum, kreis_fills_in, remainder_optimum
from kimopt.cpsat.solver import new_solver
from kimopt.cpsat.strict import strict_plan
from kimopt.cpsat.switches import RuleId, Switches
from kimopt.cpsat.variables import Variables, add_variables, universe
from kimopt.plan import Plan
from kimopt.problem import INT64_SAFE, Problem
from kimopt.results import LevelResult, SolveResult, Status


class ModelTooLarge(ValueError):
    """The exact key weights would overflow CP-SAT's 64-bit integers (or CP-SAT refuses the model):
    bad input, said in the planner's language (:meth:`text`; ``str`` is the German)."""

    def __init__(self, de: str, en: str) -> None:
        super().__init__(de)
        self.de, self.en = de, en

    def text(self, lang: str) -> str:
        return self.de if lang == "de" else self.en


@dataclass
class CpsatModel:
    """A CP-SAT model of one problem with its variables and rule switches.

    ``side_rules`` test, in plain Python, the constraints added beyond the rules of the problem
    (e.g. a planner's wish): a plan built outside the solver, such as the proportionality
    level's proof by construction, counts only if it passes them as well as the checker.
    """

    problem: Problem
    model: cp_model.CpModel
    variables: Variables
    switches: Switches
    side_rules: list[Callable[[list[int]], bool]] = field(default_factory=list)


def fix_links(cm: CpsatModel, fixed: dict[int, int]) -> None:
    """Keep the planner's fixed rows: ``a[l] = u`` for every fixed link ``l`` (also a side rule, so
    no plan built outside the model, such as the largest-remainder construction, moves them)."""
    for li, units in sorted(fixed.items()):
        cm.model.add(cm.variables.a[li] == units)
    rows = dict(fixed)
    cm.side_rules.append(lambda plan: all(plan[li] == units for li, units in rows.items()))


def build(
    problem: Problem, switchable: bool = False, headroom: int = 0, relaxed: frozenset[RuleId] = frozenset()
) -> CpsatModel:
    """Variables, every rule family and every objective level of the planning model.

    ``headroom`` widens the switchable universe by that many units (see
    :func:`~kimopt.cpsat.variables.universe`), e.g. for a wish larger than the rules demand;
    ``relaxed`` rule instances are left out (a block of :mod:`kimopt.blocks`).
    """
    model = cp_model.CpModel()
    model.name = problem.instance.name
    switches = Switches(model, switchable, headroom, relaxed=relaxed)
    guard_magnitudes(problem, universe(problem, switches))
    variables = add_variables(problem, model, switches)
    add_constraints(model, problem, variables, switches)
    return CpsatModel(problem, model, variables, switches)


def guard_magnitudes(problem: Problem, universe_units: int) -> None:
    """Refuse keys so fine-grained that the deviation rows could overflow 64-bit integers.

    The largest rows are ``W·c_i − w_i·N`` (each link of a Kommune at most ``U`` units, the
    model's universe bound) and the sum of all deviations, at most ``2·N·W``; both must stay
    below 2⁶².
    """
    total = max(problem.total_weight, 1)
    cap = universe_units + 1
    widest = max((len(links) for links in problem.links_of_kommune), default=1)
    reach = 4 * cap * total * max(widest + 1, 2)
    if reach >= INT64_SAFE or 4 * cap * total * len(problem.instance.kommunen) >= INT64_SAFE:
        raise ModelTooLarge(
            f"Verteilungsschlüssel oder Granularität zu fein (Summe der Gewichte {total}, "
            f"{cap - 1} Einheiten); Kennzahlen runden oder granularity_vzae vergröbern",
            f"distribution key or granularity too fine (weight sum {total}, {cap - 1} units); "
            "round the indicators or coarsen granularity_vzae",
        )


def _hint(cm: CpsatModel, solver: cp_model.CpSolver) -> None:
    cm.model.clear_hints()
    proto = cm.model.proto
    for index in range(len(proto.variables)):
        var = cm.model.get_int_var_from_proto_index(index)
        cm.model.add_hint(var, solver.value(var))


def fix_level(model: cp_model.CpModel, level: Level, value: int) -> None:
    """Keep a level at its optimum: no worse than ``value`` in the level's own sense."""
    if level.maximize:
        model.add(level.expr >= value)
    else:
        model.add(level.expr <= value)


def hold_levels(cm: CpsatModel, result: SolveResult) -> None:
    """Hold every level of a proven ``result`` (of the same problem) at exactly its value."""
    used = result.target_units  # N_used*, on which the targets rest
    for objective, found in zip(cm.problem.model.objectives, result.levels, strict=True):
        level = LEVELS[objective.name](cm.model, cm.problem, cm.variables, objective, used)
        if found.value is None:
            raise ValueError(f"level {level.name} has no proven value")
        value = found.value / level.factor
        if value.denominator != 1:  # the level's solver value is an integer by construction
            raise RuntimeError(f"level {level.name}: non-integral solver value {value}")
        cm.model.add(level.expr == int(value))
        if level.name == "use_positions" and used is None:
            used = int(value)


def _exact_bound(level: Level, bound: float) -> int:
    # CP-SAT reports the bound as a float; the objective is integral, so round outward.
    return math.floor(bound + 1e-6) if level.maximize else math.ceil(bound - 1e-6)


def _refuse_invalid(code: cp_model.CpSolverStatus, model: cp_model.CpModel) -> None:
    if code == cp_model.MODEL_INVALID:
        reason = model.validate()
        raise ModelTooLarge(f"CP-SAT lehnt das Modell ab: {reason}", f"CP-SAT refuses the model: {reason}")


@dataclass
class Lexicographic:
    """What a level-by-level optimisation proved: the status, the plan so far, each level."""

    status: Status
    solution: list[int] | None
    levels: list[LevelResult]
    used: int | None  # N_used*, on which the targets rest
    stopped: bool = False  # ``stop`` ended it after the last level in ``levels``
    tie: dict[str, Any] | None = None  # the tie-break, when the blocks of :mod:`kimopt.blocks` did it too
    blocks: int | None = None  # how many blocks solved the later levels


Stop = Callable[[Level, LevelResult], bool]


def lexicographic(
    cm: CpsatModel,
    deadline: float,
    workers: int,
    seed: int,
    *,
    progress: Callable[[str], None] | None = None,
    shortcut: bool = True,
    stop: Stop | None = None,
) -> Lexicographic:
    """Optimise the model's objective levels in order, each to proven optimality, then fix it.

    The one lexicographic loop of kimopt: :func:`solve_levels` adds the tie-break to it, the
    binding-rule analysis runs it on a relaxed model and ends it with ``stop`` at the first
    level that beats the plan. ``shortcut`` allows proving proportionality by construction
    (:mod:`kimopt.cpsat.remainders`) and then, in a plain model, the later levels and the
    tie-break block by block (:mod:`kimopt.blocks`). The loop ends early, ``FEASIBLE``, at a
    level the time limit cuts short; ``INFEASIBLE`` or ``UNKNOWN`` (no plan at all) come without
    a solution.
    """
    results: list[LevelResult] = []
    solution: list[int] | None = None
    status = Status.OPTIMAL
    by_blocks = (
        shortcut
        and stop is None
        and not cm.side_rules
        and not cm.switches.switchable
        and not cm.switches.relaxed
        and blocks.applies(cm.problem.model.objectives)
        and blocks.large_enough(cm.problem)
    )
    # N_used*: the targets e_i = N_used* × w_i / W rest on the most positions any plan can use.
    # With use_positions first that is level 1; otherwise a separate solve finds it first, so
    # that a level such as proportionality cannot "win" by leaving positions unused.
    used: int | None = None
    if cm.problem.model.objectives[0].name != "use_positions":
        if progress:
            progress("targets")
        outcome, used = most_positions(cm, deadline, workers, seed)
        if not outcome.has_plan:
            return Lexicographic(outcome, None, results, used)
        if outcome is Status.FEASIBLE:  # targets on an unproven N_used*: no level can claim optimality
            status = Status.FEASIBLE
    for objective in cm.problem.model.objectives:
        if progress:
            progress(objective.name)
        model = cm.model
        optimum: RemainderOptimum | None = None
        # the bound and the shortcut hold for plans of exactly N = used units: use_positions fixed
        n_fixed = used is not None and any(
            r.name == "use_positions" and r.proven and r.value == cm.problem.vzae(used) for r in results
        )
        if shortcut and objective.name == "proportionality" and (objective.measure or "l1") == "l1" and n_fixed:
            assert used is not None
            optimum = remainder_optimum(cm.problem, used)
            only_n = all(r.name == "use_positions" for r in results)
            reached = _remainder_plan(cm, optimum, solution, only_n)
            if reached is not None:  # proven by construction: the plan meets the lower bound
                value_at_bound = Fraction(optimum.lb, cm.problem.total_weight) * cm.problem.g
                results.append(
                    LevelResult(objective.name, UNITS[objective.name], value_at_bound, value_at_bound, True, 0.0, "l1")
                )
                solution = at_remainder_optimum(cm, optimum, reached)
                if by_blocks and (done := _by_blocks(cm, optimum, results, used, deadline, seed, progress)) is not None:
                    return done
                continue
            # Search a copy: when the bound is met after all, the level's own variables stay out
            # of the model, which then is the same as after a proof by construction.
            model = cm.model.clone()
        level = LEVELS[objective.name](model, cm.problem, cm.variables, objective, used)
        if optimum is not None:
            model.add(level.expr >= optimum.lb)  # a valid cut: no plan deviates less
        model.minimize(level.expr) if not level.maximize else model.maximize(level.expr)
        solver = new_solver(deadline - time.perf_counter(), workers, seed)
        t0 = time.perf_counter()
        code = solver.solve(model)
        seconds = time.perf_counter() - t0
        _refuse_invalid(code, model)
        if code == cp_model.INFEASIBLE:
            return Lexicographic(Status.INFEASIBLE, None, results, used)
        if code == cp_model.UNKNOWN:
            if solution is None:
                return Lexicographic(Status.UNKNOWN, None, results, used)
            status = Status.FEASIBLE
            break
        value = solver.value(level.expr)
        proven = code == cp_model.OPTIMAL
        bound = value if proven else _exact_bound(level, solver.best_objective_bound)
        found = LevelResult(
            level.name, level.unit, level.factor * value, level.factor * bound, proven, seconds, level.measure
        )
        results.append(found)
        solution = [solver.value(x) for x in cm.variables.a]
        if not proven:
            status = Status.FEASIBLE
            break
        if stop is not None and stop(level, found):
            return Lexicographic(status, solution, results, used, stopped=True)
        if optimum is not None and value == optimum.lb:
            solution = at_remainder_optimum(cm, optimum, solution)
            if by_blocks and (done := _by_blocks(cm, optimum, results, used, deadline, seed, progress)) is not None:
                return done
            continue
        if optimum is not None:  # the bound was not met: the level enters the model itself
            level = LEVELS[objective.name](cm.model, cm.problem, cm.variables, objective, used)
            cm.model.add(level.expr >= optimum.lb)
        fix_level(cm.model, level, value)
        _hint(cm, solver)
        if level.name == "use_positions" and used is None:
            used = value
    return Lexicographic(status, solution, results, used)


def solve_levels(
    cm: CpsatModel,
    time_limit: float,
    workers: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
    start: Sequence[int] | None = None,
) -> SolveResult:
    """Optimise the levels in order (:func:`lexicographic`); then the deterministic tie-break.

    ``start``: a plan of a nearby problem (a sensitivity probe's base plan) where the tie-break's
    search begins: the strict tie-break's proven plan is the same from any start, and its rounds
    are fewer from a plan close to it. Where the limits leave it unproven, the tie-break runs
    again without the start, so that an unproven plan does not lean towards the start."""
    started = time.perf_counter()
    deadline = started + time_limit
    run = lexicographic(cm, deadline, workers, seed, progress=progress)
    if not run.status.has_plan:
        return SolveResult(run.status, None, run.levels, _solver_info(started, workers, seed))
    results, solution = run.levels, run.solution
    for objective in cm.problem.model.objectives[len(results) :]:
        # Levels the time limit did not reach: the plan recomputes their values, no bound.
        results.append(LevelResult(objective.name, UNITS[objective.name], None, None, False, 0.0, objective.measure))
    tie: dict[str, Any] = {"proven": False, "seconds": 0.0}
    if run.tie is not None:
        tie = run.tie
    elif run.status is Status.OPTIMAL:
        found = solution
        solution, tie = _tie_break(cm, deadline, seed, found, start)
        if start is not None and not tie["proven"]:
            # an unproven plan from the start would lean towards it: the plan of no start instead
            solution, tie = _tie_break(cm, deadline, seed, found)
    info = _solver_info(started, workers, seed)
    info["tie_break"] = tie
    if run.blocks is not None:
        info["blocks"] = run.blocks
    return SolveResult(run.status, solution, results, info, run.used)


def _remainder_plan(
    cm: CpsatModel, optimum: RemainderOptimum, solution: list[int] | None, only_n_fixed: bool
) -> list[int] | None:
    """A plan that meets the largest-remainder bound, if the Kreis can fill in; else ``None``.

    Candidates: the previous level's plan with the Kreis serving the largest-remainder
    coverages (every host keeps its size, so earlier levels keep their values), and — when
    only ``N`` has been fixed so far — the Kreis serving everything. A candidate counts only if
    the independent checker and the model's side rules accept it; then its deviation is the
    lower bound, so it is optimal.
    """
    if solution is None:
        return None
    problem = cm.problem
    candidates = [solution] + ([[0] * len(solution)] if only_n_fixed else [])
    for start in candidates:
        filled = kreis_fills_in(problem, start, optimum)
        if filled is None or not all(accepts(filled) for accepts in cm.side_rules):
            continue
        if not check_plan(problem.instance, problem.model, Plan(problem, filled).links_json(), problem.carried):
            return filled
    return None


def at_remainder_optimum(cm: CpsatModel, optimum: RemainderOptimum, units: list[int]) -> list[int]:
    """Fix the coverages to the set of optima at the bound and hint ``units`` (a plan in it).

    The set is described in :mod:`kimopt.cpsat.remainders`: the same constraints whichever way
    the level was proven, so the model — and the tie-break's plan — do not depend on the way.
    """
    problem, v = cm.problem, cm.variables
    tied = set(optimum.tied)
    for i in problem.kommune_order:
        if i not in tied:
            cm.model.add(v.coverage(i) == optimum.floor[i] + (i in optimum.up))
    for i in optimum.tied:
        cm.model.add_linear_constraint(v.coverage(i), optimum.floor[i], optimum.floor[i] + 1)
    if optimum.tied:
        cm.model.add(
            sum(v.coverage(i) for i in optimum.tied) == sum(optimum.floor[i] for i in optimum.tied) + optimum.tied_up
        )
    cm.model.clear_hints()
    for var, value in zip(v.a, units, strict=True):
        cm.model.add_hint(var, value)
    return units


def _by_blocks(
    cm: CpsatModel,
    optimum: RemainderOptimum,
    results: list[LevelResult],
    used: int | None,
    deadline: float,
    seed: int,
    progress: Callable[[str], None] | None,
) -> Lexicographic | None:
    """The later levels and the tie-break, block by block (:mod:`kimopt.blocks`); ``None`` if not certified.

    Each block runs this loop on its own small model (one worker, so its plan is the same on
    every run); the combined plan counts only if the checker accepts it and its values equal
    the relaxation's. The levels' values then come from the plan itself; the whole model is
    not solved again (the tie-break is done too), so it is left as it is.
    """
    problem = cm.problem
    assert used is not None
    split = blocks.partition(problem, optimum)
    if not blocks.worthwhile(problem, split, used):
        return None
    units = [0] * len(problem.links)
    for li, settled in split.settled:
        units[li] = settled
    seconds: dict[str, float] = {}
    later = problem.model.objectives[len(results) :]
    for number, block in enumerate(split.blocks, start=1):
        if progress:
            progress(f"{later[0].name} … {later[-1].name}: {number}/{len(split.blocks)}")
        solved = _solve_block(block, deadline, seed, seconds)
        if solved is None:
            return None
        for li, block_units in zip(block.links, solved, strict=True):
            units[li] = block_units
    if not blocks.meets_relaxed_values(problem, units, used, split):
        return None
    plan = Plan(problem, units)
    if check_plan(problem.instance, problem.model, plan.links_json(), problem.carried):
        return None
    for objective in later:
        value = plan.objective_value(objective.name, objective.measure)
        spent = seconds.get(objective.name, 0.0)
        results.append(LevelResult(objective.name, UNITS[objective.name], value, value, True, spent, objective.measure))
    tie = {"proven": True, "seconds": round(seconds.pop("tie_break", 0.0), 3)}
    return Lexicographic(Status.OPTIMAL, units, results, used, tie=tie, blocks=len(split.blocks))


def _solve_block(block: blocks.Block, deadline: float, seed: int, seconds: dict[str, float]) -> list[int] | None:
    """The block's plan at its lexicographic optimum and then its tie-break, each proven on one
    worker (``None`` otherwise); the time of each level is added to ``seconds``."""
    try:
        bcm = block_model(block)
    except ModelTooLarge:  # the whole model, which passed the same guard, is solved instead
        return None
    v = bcm.variables
    run = lexicographic(bcm, deadline, 1, seed, shortcut=False)
    if run.status is not Status.OPTIMAL or not all(r.proven for r in run.levels):
        return None
    for r in run.levels:
        seconds[r.name] = seconds.get(r.name, 0.0) + r.seconds
    bcm.model.minimize(tie_break(bcm.model, block.problem, v, block.rank).expr)
    solver = new_solver(deadline - time.perf_counter(), 1, seed)
    started = time.perf_counter()
    code = solver.solve(bcm.model)
    units, strict = ([solver.value(x) for x in v.a], True) if code == cp_model.OPTIMAL else ([], False)
    if strict:  # the first in rank order, as the whole model's tie-break: the same plan either way
        units, strict = strict_plan(bcm.model, v.a, block.rank, units, deadline, seed)
    seconds["tie_break"] = seconds.get("tie_break", 0.0) + time.perf_counter() - started
    return units if strict else None


def block_model(block: blocks.Block, switchable: bool = False) -> CpsatModel:
    """The CP-SAT model of one block: its problem with the Kreis's own rules left out, every
    Kommune's coverage as the whole plan fixes it, and the Kreis counted as employing (once, for
    the whole plan). ``switchable``: every rule of the block behind its own literal.

    Raises
    ------
    ModelTooLarge
        As :func:`build`.
    """
    bcm = build(block.problem, switchable=switchable, relaxed=block.relaxed)
    v = bcm.variables
    for k, (least, most) in enumerate(block.coverage):
        bcm.model.add_linear_constraint(v.coverage(k), least, most)
    if block.tied:
        bcm.model.add(sum(v.coverage(k) for k in block.tied) == block.tied_units)
    bcm.model.add(v.used[block.problem.kreis] == 1)
    return bcm


def most_positions(cm: CpsatModel, deadline: float, workers: int, seed: int) -> tuple[Status, int | None]:
    """The largest ``N_used`` of any plan (not fixed: later levels may still use fewer)."""
    cm.model.maximize(cm.variables.used_total)
    solver = new_solver(deadline - time.perf_counter(), workers, seed)
    code = solver.solve(cm.model)
    _refuse_invalid(code, cm.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return (Status.INFEASIBLE if code == cp_model.INFEASIBLE else Status.UNKNOWN), None
    return (Status.OPTIMAL if code == cp_model.OPTIMAL else Status.FEASIBLE), solver.value(cm.variables.used_total)


def _tie_break(
    cm: CpsatModel, deadline: float, seed: int, fallback: list[int] | None, start: Sequence[int] | None = None
) -> tuple[list[int] | None, dict[str, Any]]:
    level = tie_break(cm.model, cm.problem, cm.variables)
    cm.model.minimize(level.expr)
    cm.model.clear_hints()  # a hint from a parallel search would make the result depend on timing
    if start is not None and len(start) == len(cm.variables.a):
        for var, value in zip(cm.variables.a, start, strict=True):
            cm.model.add_hint(var, value)
    solver = new_solver(deadline - time.perf_counter(), 1, seed)
    t0 = time.perf_counter()
    code = solver.solve(cm.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return fallback, {"proven": False, "seconds": round(time.perf_counter() - t0, 3)}
    units = [solver.value(x) for x in cm.variables.a]
    proven = code == cp_model.OPTIMAL
    if proven:
        units, proven = strict_plan(cm.model, cm.variables.a, cm.problem.rank, units, deadline, seed)
    return units, {"proven": proven, "seconds": round(time.perf_counter() - t0, 3)}


def _solver_info(started: float, workers: int, seed: int) -> dict[str, Any]:
    version = getattr(ortools, "__version__", "unknown")
    return {"ortools": version, "seconds": round(time.perf_counter() - started, 3), "workers": workers, "seed": seed}


def solve_problem(
    problem: Problem,
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    fixed: dict[int, int] | None = None,
    start: Sequence[int] | None = None,
) -> SolveResult:
    """Build the CP-SAT model of ``problem`` and optimise it lexicographically.

    ``fixed`` (link → units) keeps those links as the planner set them (``solve --fix``);
    ``start``: where the tie-break's search begins (:func:`solve_levels`).
    """
    settings = problem.model
    limit = float(settings.time_limit_s) if time_limit is None else time_limit
    cm = build(problem)
    if fixed:
        fix_links(cm, fixed)
    return solve_levels(cm, limit, settings.workers or 1, settings.seed, progress, start)
