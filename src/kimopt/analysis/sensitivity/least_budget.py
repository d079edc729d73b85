"""The least budget at which the plan changes: one optimisation per level instead of re-solves.

Let ``W`` be the optimal plan with the payer's budget ``B``. A larger budget only adds plans,
and the plans are totally ordered (the levels, then the tie-break's value, then the strict
tie-break's rank order, :mod:`kimopt.cpsat.strict`), so the optimum at a budget ``b ≥ B`` is
another plan exactly when some plan paying at most ``b`` comes before ``W``. The threshold is
therefore the least payment of any plan before ``W`` with the budget unlimited, rounded up to
whole euros (:func:`least_changing_budget`):

* level by level, the least payment of a plan equal to ``W`` on the levels before and better
  on this one; then of a plan at ``W``'s tie-break value with less, or equal and first in rank
  order; the least of these (:func:`~kimopt.analysis.sensitivity.before.least_before`);
* a plan before ``W`` pays more than ``B`` (else it would have been the optimum at ``B``), and
  only a payment below the least found so far matters: each optimisation asks only for those;
* a level no budget can improve is skipped: ``use_positions`` at every fundable position,
  the L1 ``proportionality`` at the largest-remainder bound (:mod:`kimopt.cpsat.remainders`),
  which hold for every plan of ``N`` units whatever it pays.

No bisection and no assumption that the plans change monotonically with the budget. Where a
work limit stops an optimisation, nothing is decided and the caller re-solves.
"""

from __future__ import annotations

import math
from fractions import Fraction

from kimopt.analysis.sensitivity.before import Undecided, least_before
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.data import Objective
from kimopt.lexicographic import ModelTooLarge, build
from kimopt.plan import Plan
from kimopt.problem import Problem


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
    paid = cm.variables.kreis_payment() if payer is None else cm.variables.kommune_payment(payer)
    cm.model.add(paid >= unlimited.money_limit(budget) + 1)
    least = least_before(
        cm,
        plan,
        seed,
        paid,
        cannot_improve=lambda objective, value, used: _cannot_improve(unlimited, objective, value, used),
    )
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
