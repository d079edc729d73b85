"""The objective levels of DESIGN §2, one function each, plus the deterministic tie-break.

Each function adds the auxiliary variables it needs and returns a :class:`Level`: the integer
expression, its sense and the exact factor that turns a solver value into the unit reported
(VZÄ, euros or a count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.cpsat.variables import Variables
from kimopt.data import Objective
from kimopt.problem import Problem

LinearExpr = cp_model.LinearExpr


@dataclass(frozen=True)
class Level:
    """One lexicographic level: optimise ``expr``; ``factor × value`` is in ``unit``."""

    name: str
    expr: LinearExpr
    maximize: bool
    factor: Fraction
    unit: str  # "VZÄ", "EUR" or "count"
    measure: str | None = None


def use_positions(
    model: cp_model.CpModel, problem: Problem, variables: Variables, objective: Objective, used: int | None
) -> Level:
    """Maximise the positions used: ``max N``."""
    return Level("use_positions", variables.used_total, True, problem.g, "VZÄ")


def proportionality(
    model: cp_model.CpModel, problem: Problem, variables: Variables, objective: Objective, used: int | None
) -> Level:
    r"""Minimise the deviation from the key: ``Σ_i |c_i − e_i|`` (l1) or ``max_i |c_i − e_i|`` (max).

    Scaled by ``W`` to stay integral, ``W·|c_i − e_i| = |c_i·W − N·w_i|``. When ``N`` is
    already fixed (``use_positions`` came first) each term is written around the target:
    with ``f_i = ⌊e_i⌋`` and ``r_i = N·w_i − f_i·W``,
    ``c_i = f_i + up1_i + up_i − down_i`` (``up1_i`` Boolean) and

    .. math:: W|c_i - e_i| = r_i + (W - 2 r_i)\,up1_i + W\,up_i + W\,down_i

    at the optimum (the costs are convex, so ``up1`` fills before ``up``). This keeps the
    solver's linear relaxation tight; the generic form ``dev_i ≥ ±(c_i·W − N·w_i)`` is used
    otherwise.
    """
    terms = _deviation_terms(model, problem, variables, used)
    total = problem.total_weight
    measure = objective.measure or "l1"
    if measure == "max":
        worst = model.new_int_var(0, max(variables.cap * total, 1), "dev_max")
        for term in terms:
            model.add(worst >= term)
        return Level("proportionality", worst, False, problem.g / total, "VZÄ", measure)
    return Level("proportionality", LinearExpr.sum(terms), False, problem.g / total, "VZÄ", measure)


def _deviation_terms(
    model: cp_model.CpModel, problem: Problem, variables: Variables, used: int | None
) -> list[LinearExpr]:
    """``W·|c_i − e_i|`` for every Kommune, as linear expressions (exact at the optimum)."""
    total = problem.total_weight
    terms: list[LinearExpr] = []
    for i, kommune in problem.kommunen_in_order():
        coverage = variables.coverage(i)
        if used is None:
            widest = max(variables.cap * total, variables.cap * problem.weights[i])
            dev = model.new_int_var(0, widest, f"dev[{kommune.name}]")
            scaled = total * coverage - problem.weights[i] * variables.used_total
            model.add(dev >= scaled)
            model.add(dev >= -scaled)
            terms.append(dev)
            continue
        floor, rest = divmod(used * problem.weights[i], total)
        up1 = model.new_bool_var(f"up1[{kommune.name}]")
        up = model.new_int_var(0, max(0, variables.cap - floor - 1), f"up[{kommune.name}]")
        down = model.new_int_var(0, floor, f"down[{kommune.name}]")
        model.add(coverage == floor + up1 + up - down)
        terms.append(rest + (total - 2 * rest) * up1 + total * up + total * down)
    return terms


def partner_share(
    model: cp_model.CpModel, problem: Problem, variables: Variables, objective: Objective, used: int | None
) -> Level:
    """Maximise ``min(N − H_kreis, (1 − s)·N)``: positions go preferably to Kommunen and Träger.

    With ``s = num/den``: ``z ≤ den·(N − H_kreis)``, ``z ≤ (den − num)·N``; the value is ``z/den``.
    """
    share = problem.model.kreis_min_share
    den, num = share.denominator, share.numerator
    z = model.new_int_var(0, den * variables.cap, "partner_share")
    model.add(z <= den * (variables.used_total - variables.hosted(problem.kreis)))
    model.add(z <= (den - num) * variables.used_total)
    return Level("partner_share", z, True, problem.g / den, "VZÄ")


def own_cost(
    model: cp_model.CpModel, problem: Problem, variables: Variables, objective: Objective, used: int | None
) -> Level:
    """Minimise the total Eigenanteil of Kreis and Kommunen, euros per year."""
    return Level("own_cost", variables.own_cost(), False, problem.money_factor, "EUR")


def stability(
    model: cp_model.CpModel, problem: Problem, variables: Variables, objective: Objective, used: int | None
) -> Level:
    """Minimise the change against what each host held before: ``Σ_h |H_h − E_h|`` (``E_h`` the
    filled positions, in a later year the year before's plan, or its variables where all years
    are in one model)."""
    changes = []
    for h, host in enumerate(problem.hosts):
        held, most = variables.before.get(h, (problem.held_units(h), problem.held_units(h)))
        change = model.new_int_var(0, max(variables.cap, most), f"change[{host.name}]")
        model.add(change >= variables.hosted(h) - held)
        model.add(change >= held - variables.hosted(h))
        changes.append(change)
    return Level("stability", LinearExpr.sum(changes), False, problem.g, "VZÄ")


def fewer_hosts(
    model: cp_model.CpModel, problem: Problem, variables: Variables, objective: Objective, used: int | None
) -> Level:
    """Minimise the hosts employing someone plus the shared links (simpler administration)."""
    shared = [variables.link_used[li] for li in variables.link_used if problem.links[li].shared]
    return Level("fewer_hosts", LinearExpr.sum([*variables.used, *shared]), False, Fraction(1), "count")


def tie_break(
    model: cp_model.CpModel, problem: Problem, variables: Variables, rank: Sequence[int] | None = None
) -> Level:
    """Minimise ``Σ_l rank_l · a_l`` over a canonical order of the links.

    The rank (host kind: Kommune, Träger, Kreis; then host name; then Kommune name) does not
    depend on the order of records in the file, so a permuted instance gives the same plan.
    A block of :mod:`kimopt.blocks` passes the whole problem's ranks of its links.
    """
    weights = list(problem.rank if rank is None else rank)
    return Level("tie_break", LinearExpr.weighted_sum(variables.a, weights), False, Fraction(1), "rank")


UNITS = {
    "use_positions": "VZÄ",
    "proportionality": "VZÄ",
    "partner_share": "VZÄ",
    "own_cost": "EUR",
    "stability": "VZÄ",
    "fewer_hosts": "count",
}
"""The unit each level is reported in."""

LEVELS: dict[str, Callable[[cp_model.CpModel, Problem, Variables, Objective, int | None], Level]] = {
    "use_positions": use_positions,
    "proportionality": proportionality,
    "partner_share": partner_share,
    "own_cost": own_cost,
    "stability": stability,
    "fewer_hosts": fewer_hosts,
}
