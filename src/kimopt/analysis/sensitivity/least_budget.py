"""The least budget at which the plan changes: one optimisation per level instead of re-solves.

Let ``W`` be the optimal plan with the payer's budget ``B``. A larger budget only adds plans,
and the plans are totally ordered (the levels, then the tie-break's value, then the strict
tie-break's rank order, :mod:`kimopt.cpsat.strict`), so the optimum at a budget ``b ≥ B`` is
another plan exactly when some plan paying at most ``b`` comes before ``W``. The threshold is
therefore the least payment of any plan before ``W`` with the budget unlimited, rounded up to
whole euros (:func:`least_changing_budget`):

* level by level, the least payment of a plan equal to ``W`` on the levels before and better
  on this one; then of a plan at ``W``'s tie-break value with less, or equal and first in rank
  order; the least of these;
* a plan before ``W`` pays more than ``B`` (else it would have been the optimum at ``B``), and
  only a payment below the least found so far matters: each optimisation asks only for those;
* a level no budget can improve is skipped: ``use_positions`` at every fundable position,
  the L1 ``proportionality`` at the largest-remainder bound (:mod:`kimopt.cpsat.remainders`),
  which hold for every plan of ``N`` units whatever it pays.

No bisection and no assumption that the plans change monotonically with the budget. Each
optimisation runs on one worker under a deterministic work limit, so the answer is the same on
every run; where the limit stops one, nothing is decided and the caller re-solves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.cpsat.objectives import LEVELS, tie_break
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.cpsat.solver import work_limited_solver
from kimopt.cpsat.strict import add_first_gain, rank_value
from kimopt.data import Objective
from kimopt.lexicographic import ModelTooLarge, build, fix_level
from kimopt.plan import Plan
from kimopt.problem import Problem

WORK_LEVEL = 10.0
"""Deterministic work limit of each level's least payment."""


class Undecided(Exception):
    """A work limit stopped an optimisation: the threshold is left to re-solves."""


def least_changing_budget(
    unlimited: Problem, plan: Plan, payer: int | None, budget: int | Fraction, fixed: Fraction, seed: int
) -> int | None:
    """The least whole budget (``fixed`` included) at which ``plan`` is no longer the optimum,
    ``None`` if no budget changes it.

    ``unlimited``: the problem with the payer's (``None``: the Kreis's) budget unlimited;
    ``plan``: the proven optimum (strict tie-break included) with its budget ``budget`` (what
    Baustein 2 may spend; ``fixed`` is what Bausteine 1 and 3 take of the same budget).

    Raises
    ------
    Undecided
        A work limit stopped an optimisation (or a level's value is not whole in solver units).
    """
    try:
        cm = build(unlimited)
    except ModelTooLarge as error:
        raise Undecided from error
    m, v = cm.model, cm.variables
    paid = v.kreis_payment() if payer is None else v.kommune_payment(payer)
    m.add(paid >= unlimited.money_limit(budget) + 1)
    units = list(plan.units)
    used = sum(units) if plan.target_units is None else plan.target_units
    least: int | None = None
    for objective, found in zip(unlimited.model.objectives, plan.levels, strict=True):
        level = LEVELS[objective.name](m, unlimited, v, objective, used)
        if found.value is None or (found.value / level.factor).denominator != 1:
            raise Undecided
        value = int(found.value / level.factor)
        if not _cannot_improve(unlimited, objective, value, used):
            bound = value + 1 if level.maximize else value - 1
            least = _least_payment(m, paid, least, seed, better=(level.expr, bound, level.maximize))
        fix_level(m, level, value)
    tie = tie_break(m, unlimited, v).expr
    value = rank_value(unlimited.rank, units)
    least = _least_payment(m, paid, least, seed, better=(tie, value - 1, False))
    m.add(tie == value)
    order = sorted(range(len(units)), key=unlimited.rank.__getitem__)
    least = _least_payment(m, paid, least, seed, first_in_rank=(v.a, order, units))
    if least is None:
        return None
    return math.ceil(fixed + least * unlimited.money_factor)


def _cannot_improve(problem: Problem, objective: Objective, value: int, used: int) -> bool:
    """Whether no plan of ``used`` units, whatever it pays, beats ``value`` on this level."""
    if objective.name == "use_positions":
        return value >= problem.positions
    if objective.name == "proportionality" and (objective.measure or "l1") == "l1" and problem.total_weight:
        return value <= remainder_optimum(problem, used).lb
    return False


def _least_payment(
    model: cp_model.CpModel,
    paid: cp_model.LinearExpr,
    least: int | None,
    seed: int,
    better: tuple[cp_model.LinearExpr, int, bool] | None = None,
    first_in_rank: tuple[Sequence[cp_model.IntVar], Sequence[int], Sequence[int]] | None = None,
) -> int | None:
    """The least ``paid`` of a plan of ``model`` below ``least`` (else ``least``) that is better:
    ``better`` = (expr, bound, at least: else at most), or with ``first_in_rank`` =
    (links, order, plan), before ``plan`` in rank order."""
    check = model.clone()
    if better is not None:
        expr, bound, at_least = better
        check.add(expr >= bound if at_least else expr <= bound)
    if first_in_rank is not None:
        links, order, plan = first_in_rank
        add_first_gain(check, [check.get_int_var_from_proto_index(x.index) for x in links], order, plan)
    if least is not None:
        check.add(paid <= least - 1)
    check.minimize(paid)
    solver = work_limited_solver(WORK_LEVEL, seed)
    code = solver.solve(check)
    if code == cp_model.INFEASIBLE:
        return least
    if code != cp_model.OPTIMAL:
        raise Undecided
    return int(solver.value(paid))
