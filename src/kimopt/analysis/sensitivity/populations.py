"""Population thresholds: the fewest inhabitants more or fewer that change a Kommune's coverage.

A population enters the plan only through the targets ``e_j = N·w_j/W``, which move linearly
with it. Where the level structure allows it (``use_positions`` first, then the L1
``proportionality``, no quota rule: ``N_used*`` then does not depend on populations), the
coverage at a changed population follows without a solve: the largest-remainder
apportionment of ``N_used*`` for the new targets is a lower bound on every plan's deviation,
and when a plan reaches it (the base plan with the Kreis serving the rest or the Kreis
serving everything, accepted by the independent checker; else one feasibility check of the
plain model with the coverages fixed), the optimal coverages are exactly the
apportionment's — the same the lexicographic solve proves (:mod:`kimopt.cpsat.remainders`).
Where the Kommune's remainder ties (a threshold lies next to such a tie), the later levels
decide, and they read no population: the base plan, when it is among the plans at the first
two levels' optimum, settles the tie by a few checks of plans before it (:func:`tie_coverage`).
Where this does not decide (the Kreis cannot fill in, or a work limit), the first two levels,
then every level and the tie-break's least value decide it (:func:`levels_coverage`); only then
is the instance re-solved in full.
Kommunen are searched in parallel (separate processes, results in Kommune order), so the
answer does not depend on scheduling.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.analysis.sensitivity.base import Progress, Solved, each_in_parallel, optimal_base, proven, solve_instance
from kimopt.analysis.sensitivity.before import Undecided, least_before
from kimopt.check import check_plan
from kimopt.cpsat.remainders import RemainderOptimum, kreis_fills_in, remainder_optimum
from kimopt.data import Instance, PlanningModel
from kimopt.lexicographic import ModelTooLarge, at_remainder_optimum, build
from kimopt.plan import Plan
from kimopt.problem import Carried, Problem, compile_problem
from kimopt.results import Status


@dataclass(frozen=True)
class Step:
    """The smallest population change that moves a Kommune's coverage, verified on both sides."""

    inhabitants: int  # how many more (or fewer)
    coverage_before: Fraction  # at inhabitants − 1: unchanged
    coverage_after: Fraction | None  # at inhabitants (None: no plan there)


@dataclass(frozen=True)
class PopulationThreshold:
    """For one Kommune: ``+X`` / ``−Y`` inhabitants that change its coverage (None: none found)."""

    kommune: str
    population: int
    coverage: Fraction
    increase: Step | None
    decrease: Step | None
    solves: int  # full lexicographic re-solves (probes the argument decided need none)


def _with_population(instance: Instance, i: int, population: int) -> Instance:
    kommunen = list(instance.kommunen)
    kommunen[i] = kommunen[i].model_copy(update={"population": population})
    return instance.model_copy(update={"kommunen": kommunen})


def population_thresholds(
    instance: Instance,
    model: PlanningModel,
    time_limit: float | None = None,
    progress: Progress = None,
    kommunen: Sequence[int] | None = None,
    carried: Carried | None = None,
    base: Solved | None = None,
) -> list[PopulationThreshold]:
    """For every Kommune (or those in ``kommunen``): the smallest ``+X`` / ``−Y`` inhabitants
    that change its coverage in the optimal plan.

    Searched up to the Kreis's whole population more and down to 0 inhabitants (see the
    module docstring). ``carried``: a later year of a horizon, the years before held fixed;
    ``base``: the optimal plan of ``instance`` when the caller has it already.
    """
    base = base or optimal_base(instance, model, time_limit, carried)
    chosen = list(range(len(instance.kommunen)) if kommunen is None else kommunen)
    jobs = [(instance, model, base, i, time_limit) for i in chosen]
    return each_in_parallel(_threshold, jobs, [instance.kommunen[i].name for i in chosen], progress)


def _threshold(
    instance: Instance, model: PlanningModel, base: Solved, i: int, time_limit: float | None
) -> PopulationThreshold:
    """The thresholds of Kommune ``i`` (one task of the parallel search)."""
    assert base.coverage is not None and base.plan is not None
    kommune = instance.kommunen[i]
    total = sum(k.population for k in instance.kommunen)
    cache: dict[int, Fraction | None] = {kommune.population: base.coverage[i]}
    solves = [0]
    weights_at = linear_weights(instance, model, i)
    accepted: dict[tuple[int, ...], bool] = {}
    # the levels in stages pay where a full re-solve is costly: where the base plan's strict
    # tie-break did not finish (a large Kreis); elsewhere the full re-solve is cheaper
    staged = not proven(base)

    def coverage_at(population: int) -> Fraction | None:
        if population not in cache:
            changed = _with_population(instance, i, population)
            weights = weights_at(population)
            known, later_levels = remainder_verdict(changed, model, base, i, weights, accepted)
            if known is None and later_levels:
                known = tie_coverage(changed, model, base, i, weights)
            if known is None and not later_levels and staged:
                known = levels_coverage(changed, model, base, i, time_limit)
            if known is None and staged:
                known = levels_coverage(changed, model, base, i, time_limit, len(model.objectives), tie=True)
            if known is None:
                solves[0] += 1
                solved = solve_instance(changed, model, time_limit, base.carried, base.units)
                known = solved.coverage[i] if solved.coverage is not None else None
            cache[population] = known
        return cache[population]

    guess = _first_guess(instance, model, i, total)
    hare = hare_coverage(instance, model, i, base.plan.used)
    p = kommune.population
    up = _search(coverage_at, p, +1, total, guess, _hint(hare, p, +1, total, guess), predicted=True)
    down = _search(coverage_at, p, -1, p, guess, _hint(hare, p, -1, p, guess), predicted=True)
    return PopulationThreshold(kommune.name, kommune.population, base.coverage[i], up, down, solves[0])


def remainder_verdict(
    changed: Instance,
    model: PlanningModel,
    base: Solved,
    i: int,
    weights: tuple[int, ...] | None = None,
    accepted: dict[tuple[int, ...], bool] | None = None,
) -> tuple[Fraction | None, bool]:
    """Kommune ``i``'s coverage by the largest-remainder argument (``None``: not decided), and
    whether only the later levels can decide it (a plan reaches the bound and Kommune ``i``'s
    remainder ties with more Kommunen than get the unit: the first two levels leave a choice).

    Valid when the objectives begin with ``use_positions`` and the L1 ``proportionality`` and
    the quota rule is off: then ``N_used*`` is the base plan's, and a plan of the changed
    instance that reaches the largest-remainder bound (the base plan with the Kreis serving the
    rest, or the Kreis serving everything, accepted by the checker; else one feasibility
    check, :func:`_reaches_bound`) proves the optimal coverages; Kommune ``i``'s is unique
    unless its remainder ties.

    ``weights``: the key weights of ``changed`` (:func:`linear_weights`); the population enters
    the compiled problem only through them, so the base problem with these weights is
    ``changed`` compiled. ``accepted``: the checker's answers by plan, kept between probes (with
    the quota rule off the checker reads no population).
    """
    plan = base.plan
    objectives = model.objectives
    if plan is None or base.units is None or model.quota_rule or len(objectives) < 2:
        return None, False
    if objectives[0].name != "use_positions" or objectives[1].name != "proportionality":
        return None, False
    if (objectives[1].measure or "l1") != "l1":
        return None, False
    if weights is None:
        problem = compile_problem(changed, model, base.carried)
    else:
        problem = replace(plan.problem, instance=changed, weights=weights)
    if len(problem.links) != len(base.units) or problem.total_weight == 0:
        return None, False
    accepted = {} if accepted is None else accepted
    used = plan.target_units if plan.target_units is not None else problem.units(plan.used)
    optimum = remainder_optimum(problem, used)
    # a tie that every tied Kommune's unit settles leaves no choice
    open_tie = i in optimum.tied and optimum.tied_up < len(optimum.tied)
    coverage = None if open_tie else problem.vzae(optimum.floor[i] + (i in optimum.up or i in optimum.tied))
    for start in (list(base.units), [0] * len(base.units)):  # as the solve's own shortcut tries
        filled = kreis_fills_in(problem, start, optimum)
        if filled is None:
            continue
        key = tuple(filled)
        if key not in accepted:
            accepted[key] = not check_plan(changed, model, Plan(problem, filled).links_json(), base.carried)
        if accepted[key]:
            return coverage, open_tie
    if open_tie:
        return None, False
    return (coverage if _reaches_bound(problem, used, optimum, base.units, model.seed) else None), False


def tie_coverage(
    changed: Instance, model: PlanningModel, base: Solved, i: int, weights: tuple[int, ...]
) -> Fraction | None:
    """Kommune ``i``'s coverage in the optimum of ``changed`` where its remainder ties with
    others' (the first two levels leave a choice, :func:`remainder_verdict`); ``None``: not shown.

    The later levels, the tie-break and its rank order read no population (with the quota rule
    off). When the base plan is among the plans at the first two levels' optimum of ``changed``
    (``N_used*`` units, the largest-remainder coverages with the tie), the optimum is the first
    of those plans in the later levels' order: the base plan itself if none comes before it
    (:func:`~kimopt.analysis.sensitivity.before.least_before`); else, if none of those giving
    Kommune ``i`` the base plan's coverage comes before it, one giving the other — a few
    feasibility checks instead of a re-solve. ``None`` also where that is not shown (a work
    limit, a year of a horizon).
    """
    plan = base.plan
    if plan is None or base.units is None or base.carried is not None or not proven(base):
        return None
    problem = replace(plan.problem, instance=changed, weights=weights)
    used = plan.target_units if plan.target_units is not None else problem.units(plan.used)
    optimum = remainder_optimum(problem, used)
    coverage = [sum(base.units[li] for li in links) for links in problem.links_of_kommune]
    if i not in optimum.tied or not optimum.admits(coverage):
        return None
    other = 2 * optimum.floor[i] + 1 - coverage[i]  # the tie's other coverage of Kommune i
    for keep, answer in ((False, coverage[i]), (True, other)):
        try:
            cm = build(problem)
        except ModelTooLarge:
            return None
        cm.model.add(cm.variables.used_total == used)
        at_remainder_optimum(cm, optimum, list(base.units))
        if keep:
            cm.model.add(cm.variables.coverage(i) == coverage[i])
        try:
            if least_before(cm, plan, model.seed, first=2) is None:
                return problem.vzae(answer)
        except Undecided:
            return None
    return None


WORK_UNIQUE_COVERAGE = 5.0
"""Deterministic work limit of the check that every plan at the levels' optimum gives the
Kommune the same coverage."""
WORK_TIE_BREAK = 10.0
"""Deterministic work limit of the tie-break's own optimisation (its value, not the strict plan)."""


def levels_coverage(
    changed: Instance,
    model: PlanningModel,
    base: Solved,
    i: int,
    time_limit: float | None,
    depth: int = 2,
    tie: bool = False,
) -> Fraction | None:
    """Kommune ``i``'s coverage in the optimal plan of ``changed``, from its first ``depth``
    levels alone, when they decide it; else ``None`` (the caller goes deeper or re-solves).

    Valid when the objectives begin with ``use_positions`` and no year before is carried: the
    levels are optimised (their proven values do not depend on the run), then one check on one
    worker under a work limit shows that no plan at these values gives Kommune ``i`` another
    coverage — then the later levels and the tie-break, which only choose among these plans,
    cannot change it. The check's model holds only the proven values and the coverage, so its
    answer is the same on every run. Every level (``depth`` = their number) leaves out only the
    tie-break, the costliest part of a re-solve of a large Kreis.
    """
    from kimopt.cpsat.objectives import LEVELS, tie_break
    from kimopt.cpsat.solver import work_limited_solver
    from kimopt.lexicographic import build, lexicographic

    objectives = model.objectives[:depth]
    if base.carried is not None or len(objectives) < 2 or objectives[0].name != "use_positions":
        return None
    first = model.model_copy(update={"objectives": objectives})
    problem = compile_problem(changed, first)
    limit = float(model.time_limit_s) if time_limit is None else time_limit
    run = lexicographic(build(problem), time.perf_counter() + limit, model.workers or 1, model.seed)
    if run.status is not Status.OPTIMAL or run.solution is None or run.used is None:
        return None
    if len(run.levels) != len(objectives) or not all(level.proven for level in run.levels):
        return None
    coverage = sum(run.solution[li] for li in problem.links_of_kommune[i])
    cm = build(problem)
    v = cm.variables
    for objective, found in zip(objectives, run.levels, strict=True):
        level = LEVELS[objective.name](cm.model, problem, v, objective, run.used)
        value = None if found.value is None else found.value / level.factor
        if value is None or value.denominator != 1:
            return None
        cm.model.add(level.expr == int(value))
    unique = cm.model.clone()
    unique.add(v.coverage(i) != coverage)
    if work_limited_solver(WORK_UNIQUE_COVERAGE, model.seed).solve(unique) == cp_model.INFEASIBLE:
        return problem.vzae(coverage)
    if not tie:
        return None
    level = tie_break(cm.model, problem, v)
    cm.model.minimize(level.expr)
    solver = work_limited_solver(WORK_TIE_BREAK, model.seed)
    if solver.solve(cm.model) != cp_model.OPTIMAL:
        return None
    least = solver.value(level.expr)
    coverage = sum(solver.value(v.a[li]) for li in problem.links_of_kommune[i])
    cm.model.clear_objective()
    cm.model.add(level.expr == least)
    cm.model.add(v.coverage(i) != coverage)
    answer = work_limited_solver(WORK_UNIQUE_COVERAGE, model.seed).solve(cm.model)
    return problem.vzae(coverage) if answer == cp_model.INFEASIBLE else None


WORK_BOUND_CHECK = 2.0
"""Deterministic work limit of the feasibility check that some plan reaches the bound."""


def _reaches_bound(problem: Problem, used: int, optimum: RemainderOptimum, hint: Sequence[int], seed: int) -> bool:
    """Is there a plan of ``used`` units whose coverages are the largest-remainder optimum?

    One feasibility check of the plain model (no level to optimise, so far cheaper than the
    lexicographic re-solve); one worker and a work limit, so the answer is the same on every
    run. Unknown counts as no: the caller then re-solves.
    """
    from kimopt.cpsat.solver import work_limited_solver

    cm = build(problem)
    cm.model.add(cm.variables.used_total == used)
    at_remainder_optimum(cm, optimum, list(hint))
    return work_limited_solver(WORK_BOUND_CHECK, seed).solve(cm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _first_guess(instance: Instance, model: PlanningModel, i: int, total: int) -> int:
    """A start for the doubling search: about a quarter granularity step of the target.

    ``de_i/dp_i = N·(W − p_i)/W²``; only a starting point — exactness comes from the search.
    """
    others = max(total - instance.kommunen[i].population, 1)
    positions = instance.funding.positions_vzae
    per_step = model.granularity_vzae * total * total / (positions * others)
    return max(1, math.floor(per_step / 4))


def linear_weights(instance: Instance, model: PlanningModel, i: int) -> Callable[[int], tuple[int, ...]]:
    """The key weights as a function of Kommune ``i``'s population, by integer arithmetic.

    The targets move linearly in the population: with ``P`` the Kreis's population, the key
    share ``Σ_k λ_k·x_jk/X_k`` times ``P`` is ``a_j·P + λ·x_j`` (``a_j`` the other columns'
    part, ``x_j`` the population); divided by their greatest common divisor these are exactly
    :func:`kimopt.problem.key_weights` of the instance with that population.
    """
    kommunen = instance.kommunen
    lam = Fraction(model.key.get("population", 0))
    others = [Fraction(0)] * len(kommunen)
    for name, weight in model.key.items():
        if name == "population" or weight == 0:
            continue
        column = [k.indicators[name] for k in kommunen]
        total = sum(column, Fraction(0))
        if total == 0:
            continue
        for j, value in enumerate(column):
            others[j] += weight * value / total
    scale = math.lcm(lam.denominator, *(a.denominator for a in others))
    a = [int(x * scale) for x in others]
    b = int(lam * scale)
    populations = [k.population for k in kommunen]
    rest_of_kreis = sum(populations) - populations[i]

    def weights(population: int) -> tuple[int, ...]:
        people = rest_of_kreis + population
        column = b if people > 0 else 0  # a column adding up to 0 is left out of the key
        found = [aj * people + column * x for aj, x in zip(a, populations, strict=True)]
        found[i] = a[i] * people + column * population
        divisor = math.gcd(*found) or 1
        return tuple(w // divisor for w in found)

    return weights


def hare_coverage(instance: Instance, model: PlanningModel, i: int, used: Fraction) -> Callable[[int], Fraction | None]:
    """Kommune ``i``'s Hare–Niemeyer VZÄ at granularity ``g`` for a given population of it.

    Without binding rules the L1-optimal coverage is exactly this rounding (with ``k`` round-ups
    ``Σ|c − e| = k − 2·Σ_up r + Σ r`` is least for the largest remainders ``r``), so it predicts
    where the plan changes. Only a hint for the search: every threshold is re-solved. Each
    probe is integer arithmetic on :func:`linear_weights`, with the tie rule of
    :func:`kimopt.analysis.apportion.apportion` (a front of equal remainders larger than the
    seats left gets none).
    """
    g = model.granularity_vzae
    house = int(used / g)
    weights_at = linear_weights(instance, model, i)

    def coverage(population: int) -> Fraction | None:
        weights = weights_at(population)
        total = sum(weights)
        if house == 0 or total == 0:
            return None
        floors, rests = zip(*(divmod(house * w, total) for w in weights), strict=True)
        extra = house - sum(floors)
        ahead = sum(1 for r in rests if r >= rests[i])
        return (floors[i] + (0 < ahead <= extra)) * g

    return coverage


def _hint(predict: Callable[[int], Fraction | None], population: int, sign: int, limit: int, guess: int) -> int | None:
    found = _search(predict, population, sign, limit, guess)
    return None if found is None else found.inhabitants


def _search(
    coverage_at: Callable[[int], Fraction | None],
    population: int,
    sign: int,
    limit: int,
    guess: int,
    hint: int | None = None,
    predicted: bool = False,
) -> Step | None:
    """Smallest ``d`` in ``1..limit`` with ``coverage(p + sign·d) ≠ coverage(p)``, else None.

    Doubling from ``guess`` until the coverage changes, then bisection. A ``hint`` (a predicted
    threshold) is probed first, with the population one below it; ``predicted`` with no hint
    (the prediction: no change up to ``limit``) probes ``limit`` first. Like the bisection,
    this takes the coverage to be monotone in the Kommune's own population: the same coverage
    at both ends, the same in between.
    """
    if limit <= 0:
        return None
    start = coverage_at(population)
    if predicted and hint is None and coverage_at(population + sign * limit) == start:
        return None
    unchanged, delta = 0, min(guess, limit)
    if hint is not None and 0 < hint <= limit:
        if coverage_at(population + sign * hint) == start:
            unchanged, delta = hint, min(2 * hint, limit)
        elif hint == 1 or coverage_at(population + sign * (hint - 1)) == start:
            unchanged, delta = hint - 1, hint
        else:
            delta = hint - 1
    while coverage_at(population + sign * delta) == start:
        if delta == limit:
            return None
        unchanged, delta = delta, min(2 * delta, limit)
    changed = delta
    while changed - unchanged > 1:
        middle = (unchanged + changed) // 2
        if coverage_at(population + sign * middle) == start:
            unchanged = middle
        else:
            changed = middle
    before = coverage_at(population + sign * (changed - 1))  # verified: equal to start
    assert before == start and before is not None
    return Step(changed, before, coverage_at(population + sign * changed))
