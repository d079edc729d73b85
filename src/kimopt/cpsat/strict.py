"""The tie-break made strict: among the plans it cannot tell apart, the first in rank order.

The tie-break minimises ``Σ_l rank_l · a_l`` (:func:`kimopt.cpsat.objectives.tie_break`). That
sum is not injective: moving a unit from the link of rank 3 to rank 5 and one from rank 6 to
rank 4 leaves it unchanged. Where two plans tie on it, which one CP-SAT returns would depend on
the model it searched (the whole model or the blocks of :mod:`kimopt.blocks`), so the plan could
depend on the path that built it. So the plan is the lexicographically greatest vector ``(a_l)``
at the tie-break's value in rank order (the link of rank 1 given as much as it can take, then
the link of rank 2, …), which keeps the tie-break's preference for the links of low rank (a
Kommune's own staff first) — an injective order, the same whichever model reaches it.

It is found from the tie-break's plan by rounds of two solves (:func:`strict_plan`): the first
position in rank order where a plan at the same value gives more (the positions before it are
then final), and the greatest in rank order that this position and the next few can take, by
one weighted objective (:func:`_most`; gains often come in runs of neighbouring positions).
Positions where the plan is already greatest cost nothing of their own, so a plan that is the
only one at its value takes one solve.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from kimopt.cpsat.solver import work_and_time_limited_solver

FIRST_WORK = 30.0
"""Deterministic work (CP-SAT's ``max_deterministic_time``) to find the first position that can give more."""
LINK_WORK = 5.0
"""Deterministic work to find the most the positions of a window can take."""
WINDOW_LINKS = 12
"""At most so many positions settled by one weighted objective."""
WINDOW_WEIGHT = 2**40
"""A bound on that objective's values (CP-SAT's linear relaxation stays exact well below 2**53)."""


def strict_plan(
    model: cp_model.CpModel,
    links: Sequence[cp_model.IntVar],
    rank: Sequence[int],
    found: list[int],
    deadline: float,
    seed: int,
) -> tuple[list[int], bool]:
    """The plan at the tie-break's value that is first in rank order, and whether that is proven
    (else ``found`` as it is: the work limit stopped a round).

    ``model`` holds every level fixed; ``found`` is the tie-break's optimal plan.
    """
    held = model.clone()
    held.clear_objective()
    held.clear_hints()
    held.add(cp_model.LinearExpr.weighted_sum(_copies(held, links), list(rank)) == rank_value(rank, found))
    units = _copies(held, links)
    order = sorted(range(len(links)), key=rank.__getitem__)
    plan, start = list(found), 0
    while start < len(order):
        first = _first_gain(held, units, order, plan, start, deadline, seed)
        if first is None:
            return found, False
        if first == len(order):
            break
        for li in order[start:first]:
            held.add(units[li] == plan[li])  # no plan at the value gives any of them more: final
        window, weights = _window(held, units, order[first:])
        better = _most(held, units, window, weights, plan, deadline, seed)
        if better is None:
            return found, False
        plan = better
        for li in window:
            held.add(units[li] == plan[li])
        start = first + len(window)
    return plan, True


def _first_gain(
    held: cp_model.CpModel,
    units: Sequence[cp_model.IntVar],
    order: Sequence[int],
    plan: Sequence[int],
    start: int,
    deadline: float,
    seed: int,
) -> int | None:
    """The first position from ``start`` on (in rank order) at which a plan of ``held``, equal to
    ``plan`` before it, gives more; ``len(order)`` when there is none, ``None`` when not proven."""
    search = held.clone()
    mine = _copies(search, units)
    gains = add_first_gain(search, mine, order[start:], plan)
    search.minimize(cp_model.LinearExpr.weighted_sum(gains, list(range(len(gains)))))
    for x, value in zip(mine, plan, strict=True):
        search.add_hint(x, value)
    solver = work_and_time_limited_solver(FIRST_WORK, deadline - time.perf_counter(), seed)
    code = solver.solve(search)
    if code == cp_model.INFEASIBLE:
        return len(order)
    if code != cp_model.OPTIMAL:
        return None
    return start + next(n for n, gain in enumerate(gains) if solver.boolean_value(gain))


def add_first_gain(
    model: cp_model.CpModel, units: Sequence[cp_model.IntVar], order: Sequence[int], plan: Sequence[int]
) -> list[cp_model.IntVar]:
    """Require a plan that equals ``plan`` up to some position of ``order`` and gives more there;
    the literals "it gives more at this position", one per position of ``order``."""
    gains: list[cp_model.IntVar] = []
    equal: cp_model.IntVar | None = None  # the plan equals ``plan`` up to this position
    for li in order:
        gain, same = model.new_bool_var(""), model.new_bool_var("")
        model.add(units[li] >= plan[li] + 1).only_enforce_if(gain)
        model.add(units[li] == plan[li]).only_enforce_if(same)
        if equal is not None:
            model.add_implication(gain, equal)
            model.add_implication(same, equal)
        gains.append(gain)
        equal = same
    model.add_bool_or(gains)
    return gains


def _window(
    held: cp_model.CpModel, units: Sequence[cp_model.IntVar], order: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The links from ``order[0]`` on that one weighted objective settles at once, each with its
    weight ``W_k``: the product of the ranges of the links after it. One unit more on a link then
    outweighs every change after it; the product of all the window's ranges, a bound on the
    objective, stays at most :data:`WINDOW_WEIGHT`."""
    low, high = _bounds(held, units[order[0]])
    window, ranges = [order[0]], [high - low + 1]
    for li in order[1:WINDOW_LINKS]:
        low, high = _bounds(held, units[li])
        if math.prod(ranges) * (high - low + 1) > WINDOW_WEIGHT:
            break
        window.append(li)
        ranges.append(high - low + 1)
    weights = [math.prod(ranges[k + 1 :]) for k in range(len(window))]
    return window, weights


def _most(
    held: cp_model.CpModel,
    units: Sequence[cp_model.IntVar],
    window: Sequence[int],
    weights: Sequence[int],
    plan: Sequence[int],
    deadline: float,
    seed: int,
) -> list[int] | None:
    """A plan of ``held`` greatest in rank order on the links of ``window`` (the first takes the
    most it can, then the next, …; the weights of :func:`_window`), ``None``: not proven."""
    search = held.clone()
    mine = _copies(search, units)
    search.maximize(cp_model.LinearExpr.weighted_sum([mine[li] for li in window], list(weights)))
    for x, value in zip(mine, plan, strict=True):
        search.add_hint(x, value)
    solver = work_and_time_limited_solver(LINK_WORK, deadline - time.perf_counter(), seed)
    if solver.solve(search) != cp_model.OPTIMAL:
        return None
    return [solver.value(x) for x in mine]


def _bounds(model: cp_model.CpModel, x: cp_model.IntVar) -> tuple[int, int]:
    domain = model.proto.variables[x.index].domain  # a protobuf field: no negative indices
    return domain[0], domain[len(domain) - 1]


def _copies(model: cp_model.CpModel, links: Sequence[cp_model.IntVar]) -> list[cp_model.IntVar]:
    return [model.get_int_var_from_proto_index(x.index) for x in links]


def rank_value(rank: Sequence[int], units: Sequence[int]) -> int:
    """The tie-break's value ``Σ_l rank_l · a_l`` of a plan."""
    return sum(r * u for r, u in zip(rank, units, strict=True))
