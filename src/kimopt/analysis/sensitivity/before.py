"""Plans that come before a known optimal plan: the one search both sensitivity proofs share.

The plans are totally ordered: the objective levels, then the tie-break's value, then the strict
tie-break's rank order (:mod:`kimopt.cpsat.strict`). A plan comes before ``W`` exactly when, for
some level, it equals ``W`` on the levels before and is better on this one, or it equals ``W``
on every level and has a smaller tie-break value, or the same and is first in rank order. So
the plans before ``W`` fall into one class per level (and two more), each a plain CP-SAT model:
:func:`least_before` optimises over each class in turn (or only asks whether it has a plan), each
on one worker under a deterministic work limit, so the answer is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from kimopt.cpsat.objectives import LEVELS, tie_break
from kimopt.cpsat.solver import work_limited_solver
from kimopt.cpsat.strict import add_first_gain, rank_value
from kimopt.data import Objective
from kimopt.lexicographic import CpsatModel, fix_level
from kimopt.plan import Plan

WORK_LEVEL = 10.0
"""Deterministic work limit of each class's optimisation."""


class Undecided(Exception):
    """A work limit stopped an optimisation (or a level's value is not whole in solver units)."""


def least_before(
    cm: CpsatModel,
    plan: Plan,
    seed: int,
    cost: cp_model.LinearExpr | None = None,
    first: int = 0,
    cannot_improve: Callable[[Objective, int, int], bool] = lambda objective, value, used: False,
) -> int | None:
    """The least ``cost`` of a plan of ``cm`` that comes before ``plan`` (``None``: no such plan;
    without ``cost``: 0 as soon as one class has a plan).

    The levels before ``first`` the caller holds (e.g. the coverages fixed); from ``first`` on,
    ``plan``'s level values are those of ``cm``'s problem. ``cannot_improve(objective, value,
    used)``: a level no plan of ``cm`` with ``plan``'s ``N_used`` can beat (skipped).
    ``cm.model`` is changed (the levels fixed).

    A level passed is held no worse than ``plan``'s value (:func:`~kimopt.lexicographic.fix_level`),
    not equal to it: a plan better there was in that level's class already, and any plan a class
    admits differs from ``plan`` first at a level where it is better, so it comes before ``plan``.

    Raises
    ------
    Undecided
        See :class:`Undecided`.
    """
    problem, m, v = cm.problem, cm.model, cm.variables
    units = list(plan.units)
    used = sum(units) if plan.target_units is None else plan.target_units
    least: int | None = None
    chosen = zip(problem.model.objectives[first:], plan.levels[first:], strict=True)
    for objective, found in chosen:
        level = LEVELS[objective.name](m, problem, v, objective, used)
        if found.value is None or (found.value / level.factor).denominator != 1:
            raise Undecided
        value = int(found.value / level.factor)
        if not cannot_improve(objective, value, used):
            bound = value + 1 if level.maximize else value - 1
            least = _least(m, cost, least, seed, better=(level.expr, bound, level.maximize))
            if cost is None and least is not None:
                return least
        fix_level(m, level, value)
    tie = tie_break(m, problem, v).expr
    value = rank_value(problem.rank, units)
    least = _least(m, cost, least, seed, better=(tie, value - 1, False))
    if cost is None and least is not None:
        return least
    m.add(tie == value)
    order = sorted(range(len(units)), key=problem.rank.__getitem__)
    return _least(m, cost, least, seed, first_in_rank=(v.a, order, units))


def _least(
    model: cp_model.CpModel,
    cost: cp_model.LinearExpr | None,
    least: int | None,
    seed: int,
    better: tuple[cp_model.LinearExpr, int, bool] | None = None,
    first_in_rank: tuple[Sequence[cp_model.IntVar], Sequence[int], Sequence[int]] | None = None,
) -> int | None:
    """The least ``cost`` (0 without one) of a plan of ``model`` below ``least`` (else ``least``)
    in one class: ``better`` = (expr, bound, at least: else at most), or with ``first_in_rank`` =
    (links, order, plan), before ``plan`` in rank order."""
    check = model.clone()
    if better is not None:
        expr, bound, at_least = better
        check.add(expr >= bound if at_least else expr <= bound)
    if first_in_rank is not None:
        links, order, plan = first_in_rank
        add_first_gain(check, [check.get_int_var_from_proto_index(x.index) for x in links], order, plan)
    if cost is not None:
        if least is not None:
            check.add(cost <= least - 1)
        check.minimize(cost)
    solver = work_limited_solver(WORK_LEVEL, seed)
    code = solver.solve(check)
    if code == cp_model.INFEASIBLE:
        return least
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or (cost is not None and code != cp_model.OPTIMAL):
        raise Undecided
    return 0 if cost is None else int(solver.value(cost))
