"""The tie-break made strict: among the plans it cannot tell apart, the first in rank order.

The tie-break minimises ``Σ_l rank_l · a_l`` (:func:`kimopt.cpsat.objectives.tie_break`). That
sum is not injective: moving a unit from the link of rank 3 to rank 5 and one from rank 6 to
rank 4 leaves it unchanged. Where two plans tie on it, which one CP-SAT returns would depend on
the model it searched (the whole model or the blocks of :mod:`kimopt.blocks`), so the plan could
depend on the path that built it. So the tie-break's plan is checked to be the only one at its
value (one solve: is there another plan at that value?); where it is not, the plan is the
lexicographically greatest vector ``(a_l)`` in rank order (the link of rank 1 given as much as
it can take, fixed, then the link of rank 2, …), which keeps the tie-break's preference for the
links of low rank (a Kommune's own staff first) — an injective order, the same whichever model
reaches it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from kimopt.cpsat.solver import work_and_time_limited_solver

UNIQUE_WORK = 30.0
"""Deterministic work (CP-SAT's ``max_deterministic_time``) to show the tie-break's plan is the only one."""
LINK_WORK = 5.0
"""Deterministic work for each link of the ordering, where it is not."""


def strict_plan(
    model: cp_model.CpModel,
    links: Sequence[cp_model.IntVar],
    rank: Sequence[int],
    found: list[int],
    deadline: float,
    seed: int,
) -> tuple[list[int], bool]:
    """The plan at the tie-break's value that is first in rank order, and whether that is proven.

    ``model`` holds every level fixed; ``found`` is the tie-break's optimal plan.
    """
    value = sum(r * units for r, units in zip(rank, found, strict=True))
    other = model.clone()
    other.clear_objective()
    other.clear_hints()
    _hold_tie_break(other, links, rank, value)
    copies = [other.get_int_var_from_proto_index(x.index) for x in links]
    differs = []
    for x, units in zip(copies, found, strict=True):
        flag = other.new_bool_var("")
        other.add(x != units).only_enforce_if(flag)
        differs.append(flag)
    other.add_bool_or(differs)
    code = work_and_time_limited_solver(UNIQUE_WORK, deadline - time.perf_counter(), seed).solve(other)
    if code == cp_model.INFEASIBLE:
        return found, True  # the only plan at the tie-break's value
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return found, False
    first = model.clone()
    first.clear_hints()
    _hold_tie_break(first, links, rank, value)
    copies = [first.get_int_var_from_proto_index(x.index) for x in links]
    plan = list(found)
    for li in sorted(range(len(links)), key=lambda li: rank[li]):
        first.maximize(copies[li])
        solver = work_and_time_limited_solver(LINK_WORK, deadline - time.perf_counter(), seed)
        if solver.solve(first) != cp_model.OPTIMAL:
            return found, False
        plan[li] = solver.value(copies[li])
        first.add(copies[li] == plan[li])
    return plan, True


def _hold_tie_break(model: cp_model.CpModel, links: Sequence[cp_model.IntVar], rank: Sequence[int], value: int) -> None:
    copies = [model.get_int_var_from_proto_index(x.index) for x in links]
    model.add(cp_model.LinearExpr.weighted_sum(copies, list(rank)) == value)
