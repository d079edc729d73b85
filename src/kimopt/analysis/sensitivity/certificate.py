"""Certificates that a known optimal plan stays optimal in a changed instance.

A probe of the sensitivity searches asks only whether the changed instance's optimum is a plan
already known; proving that is one or a few feasibility checks, far cheaper than a full
lexicographic re-solve with its strict tie-break:

* **A population** moves only the key weights, hence only the proportionality level (with
  ``use_positions`` first and no quota rule, ``N_used*`` and every constraint do not depend on
  populations). Let ``W`` be the optimal plan for the weights ``w``. If no plan of ``N_used*``
  units deviates less than ``W`` from the new targets, and no plan that deviates as little from
  the new targets deviates more than ``W`` from the old ones (:func:`stays_optimal`), the
  plans at the new proportionality optimum are among those at the old one and ``W`` is one of
  them; the later levels and the tie-break choose ``W`` from the larger set, so they choose it
  from the smaller one too: ``W`` is the new optimum.
* **A budget** enlarges the feasible set. ``W`` stays the optimum exactly when no plan of the
  larger set comes before it in the lexicographic order (:func:`keeps_plan`): level by level,
  ask for a plan equal to ``W`` on the levels before and better on this one; the first level
  with such a plan says "changed", every level without one is held at ``W``'s value; then the
  tie-break's value and the rank order of the strict tie-break (:mod:`kimopt.cpsat.strict`).

Every check runs on one worker under a deterministic work limit, so the verdict is the same on
every run; a check the limit stops decides nothing (``None``), and the caller re-solves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.cpsat.objectives import LEVELS, tie_break
from kimopt.cpsat.solver import work_limited_solver
from kimopt.cpsat.strict import add_first_gain, rank_value
from kimopt.cpsat.variables import Variables
from kimopt.lexicographic import ModelTooLarge, build, fix_level
from kimopt.plan import Plan
from kimopt.problem import Problem

WORK_POPULATION = 2.0
"""Deterministic work limit of the check that a plan stays optimal at another population."""
WORK_LEVEL = 5.0
"""Deterministic work limit of each level's check that no plan of a larger budget beats the plan."""
WORK_RANK = 10.0
"""Deterministic work limit of the check that no plan at the tie-break's value comes first in rank order."""


def scaled_deviation(problem: Problem, units: Sequence[int], used: int) -> int:
    """``Σ_i |W·c_i − N·w_i|``: the plan's L1 deviation from the targets of ``problem``, times ``W``."""
    total = problem.total_weight
    coverage = [sum(units[li] for li in links) for links in problem.links_of_kommune]
    return sum(abs(total * c - used * w) for c, w in zip(coverage, problem.weights, strict=True))


def _deviation(model: cp_model.CpModel, problem: Problem, variables: Variables, used: int) -> cp_model.LinearExpr:
    """``Σ_i |W·c_i − N·w_i|`` exactly, also where it is bounded from below.

    The terms of :func:`kimopt.cpsat.objectives.proportionality` around each target
    (``c_i = ⌊e_i⌋ + up1_i + up_i − down_i``), with the one representation of each coverage
    enforced (``up`` only after ``up1``, ``down`` only without it), so a term is the deviation
    itself, not only at the optimum.
    """
    total = problem.total_weight
    terms = []
    for i in problem.kommune_order:
        floor, rest = divmod(used * problem.weights[i], total)
        up1 = model.new_bool_var("")
        up = model.new_int_var(0, max(0, variables.cap - floor - 1), "")
        down = model.new_int_var(0, floor, "")
        model.add(variables.coverage(i) == floor + up1 + up - down)
        model.add(up == 0).only_enforce_if(~up1)
        model.add(down == 0).only_enforce_if(up1)
        terms.append(rest + (total - 2 * rest) * up1 + total * up + total * down)
    return cp_model.LinearExpr.sum(terms)


def stays_optimal(before: Problem, after: Problem, units: Sequence[int], used: int, seed: int) -> bool | None:
    """Is ``units``, the optimal plan of ``before``, also the optimal plan of ``after``?

    ``after`` differs from ``before`` only in the key weights (a population changed); both use
    ``used`` units (``N_used*``). True when no plan of ``used`` units deviates from ``after``'s
    targets at most as much as ``units`` and either less, or more than ``units`` from
    ``before``'s (see the module docstring); ``None`` when that is not shown (a plan exists,
    or the work limit stopped the check).
    """
    try:
        cm = build(after)
    except ModelTooLarge:
        return None
    m, v = cm.model, cm.variables
    m.add(v.used_total == used)
    new = _deviation(m, after, v, used)
    at_new = scaled_deviation(after, units, used)
    for x, value in zip(v.a, units, strict=True):
        m.add_hint(x, value)
    # two checks, not one disjunction: each alone is far easier to refute
    closer = m.clone()
    closer.add(new <= at_new - 1)
    if work_limited_solver(WORK_POPULATION, seed).solve(closer) != cp_model.INFEASIBLE:
        return None
    m.add(new <= at_new)
    m.add(_deviation(m, before, v, used) >= scaled_deviation(before, units, used) + 1)
    return True if work_limited_solver(WORK_POPULATION, seed).solve(m) == cp_model.INFEASIBLE else None


def keeps_plan(
    problem: Problem, plan: Plan, seed: int, raised: Mapping[int | None, int | Fraction] | None = None
) -> bool | None:
    """Is ``plan`` (the proven optimum, strict tie-break included, of a problem whose feasible
    plans are all feasible in ``problem``) also the optimum of ``problem``?

    False as soon as a level has a plan better than ``plan`` with the levels before at its
    values, or the tie-break or its rank order a plan before it; True when no level, nor the
    tie-break, has one; ``None`` when a check's work limit stopped it.

    ``raised``: the payers (``None``: the Kreis) whose budget ``problem`` raised, each with its
    budget before. Only a plan that pays more than one of them could pay before can come
    before ``plan`` (``plan`` is first among the others), so the checks look only at those.
    """
    try:
        cm = build(problem)
    except ModelTooLarge:
        return None
    m, v = cm.model, cm.variables
    if raised:
        beyond = []
        for payer, budget in sorted(raised.items(), key=lambda item: -1 if item[0] is None else item[0]):
            more = m.new_bool_var("")
            paid = v.kreis_payment() if payer is None else v.kommune_payment(payer)
            m.add(paid >= problem.money_limit(budget) + 1).only_enforce_if(more)
            beyond.append(more)
        m.add_bool_or(beyond)
    units = list(plan.units)
    used = sum(units) if plan.target_units is None else plan.target_units
    for objective, found in zip(problem.model.objectives, plan.levels, strict=True):
        level = LEVELS[objective.name](m, problem, v, objective, used)
        if found.value is None or (found.value / level.factor).denominator != 1:
            return None
        value = int(found.value / level.factor)
        answer = _better(m, level.expr, value - 1 if not level.maximize else value + 1, level.maximize, seed)
        if answer is not False:
            return None if answer is None else False
        fix_level(m, level, value)
    tie = tie_break(m, problem, v)
    value = rank_value(problem.rank, units)
    answer = _better(m, tie.expr, value - 1, False, seed)
    if answer is not False:
        return None if answer is None else False
    m.add(tie.expr == value)
    return _none_first_in_rank(m, v.a, problem.rank, units, seed)


def _better(model: cp_model.CpModel, expr: cp_model.LinearExpr, bound: int, maximize: bool, seed: int) -> bool | None:
    """Is there a plan with ``expr`` at least (``maximize``) or at most ``bound``?"""
    check = model.clone()
    check.add(expr >= bound if maximize else expr <= bound)
    code = work_limited_solver(WORK_LEVEL, seed).solve(check)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if code == cp_model.INFEASIBLE else None


def _none_first_in_rank(
    model: cp_model.CpModel, links: Sequence[cp_model.IntVar], rank: Sequence[int], plan: Sequence[int], seed: int
) -> bool | None:
    """True when no plan of ``model`` is greater than ``plan`` in rank order (the strict
    tie-break's order: the link of rank 1 first); False when one is; ``None``: not decided."""
    check = model.clone()
    units = [check.get_int_var_from_proto_index(x.index) for x in links]
    add_first_gain(check, units, sorted(range(len(links)), key=rank.__getitem__), plan)
    code = work_limited_solver(WORK_RANK, seed).solve(check)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    return True if code == cp_model.INFEASIBLE else None
