"""The objective levels of DESIGN §2, one function each, plus the deterministic tie-break.

Each function adds the auxiliary variables it needs and returns a :class:`Level`: the integer
expression, its sense and the exact factor that turns a solver value into the unit reported
(VZÄ, euros or a count).
"""

from __future__ import annotations

from collections.abc import Callable
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


def use_positions(m: cp_model.CpModel, p: Problem, v: Variables, objective: Objective,
                  used: int | None) -> Level:
    """Maximise the positions used: ``max N``."""
    return Level("use_positions", v.used_total, True, p.g, "VZÄ")


def proportionality(m: cp_model.CpModel, p: Problem, v: Variables, objective: Objective,
                    used: int | None) -> Level:
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
    terms = _deviation_terms(m, p, v, used)
    total = p.total_weight
    measure = objective.measure or "l1"
    if measure == "max":
        worst = m.new_int_var(0, max(v.cap * total, 1), "dev_max")
        for term in terms:
            m.add(worst >= term)
        return Level("proportionality", worst, False, p.g / total, "VZÄ", measure)
    return Level("proportionality", LinearExpr.sum(terms), False, p.g / total, "VZÄ", measure)


def _deviation_terms(m: cp_model.CpModel, p: Problem, v: Variables, used: int | None) -> list[LinearExpr]:
    """``W·|c_i − e_i|`` for every Kommune, as linear expressions (exact at the optimum)."""
    total = p.total_weight
    terms: list[LinearExpr] = []
    for i, kommune in p.kommunen_in_order():
        coverage = v.coverage(i)
        if used is None:
            dev = m.new_int_var(0, max(v.cap * total, v.cap * p.weights[i]), f"dev[{kommune.name}]")
            scaled = total * coverage - p.weights[i] * v.used_total
            m.add(dev >= scaled)
            m.add(dev >= -scaled)
            terms.append(dev)
            continue
        floor, rest = divmod(used * p.weights[i], total)
        up1 = m.new_bool_var(f"up1[{kommune.name}]")
        up = m.new_int_var(0, max(0, v.cap - floor - 1), f"up[{kommune.name}]")
        down = m.new_int_var(0, floor, f"down[{kommune.name}]")
        m.add(coverage == floor + up1 + up - down)
        terms.append(rest + (total - 2 * rest) * up1 + total * up + total * down)
    return terms


def partner_share(m: cp_model.CpModel, p: Problem, v: Variables, objective: Objective,
                  used: int | None) -> Level:
    """Maximise ``min(N − H_kreis, (1 − s)·N)``: positions go preferably to Kommunen and Träger.

    With ``s = num/den``: ``z ≤ den·(N − H_kreis)``, ``z ≤ (den − num)·N``; the value is ``z/den``.
    """
    share = p.model.kreis_min_share
    den, num = share.denominator, share.numerator
    z = m.new_int_var(0, den * v.cap, "partner_share")
    m.add(z <= den * (v.used_total - v.hosted(p.kreis)))
    m.add(z <= (den - num) * v.used_total)
    return Level("partner_share", z, True, p.g / den, "VZÄ")


def own_cost(m: cp_model.CpModel, p: Problem, v: Variables, objective: Objective,
             used: int | None) -> Level:
    """Minimise the total Eigenanteil of Kreis and Kommunen, euros per year."""
    return Level("own_cost", v.own_cost(), False, Fraction(1, p.g.denominator), "EUR")


def stability(m: cp_model.CpModel, p: Problem, v: Variables, objective: Objective,
              used: int | None) -> Level:
    """Minimise the change against existing positions: ``Σ_h |H_h − E_h|``."""
    changes = []
    for h, host in enumerate(p.hosts):
        change = m.new_int_var(0, max(v.cap, host.existing_units), f"change[{host.name}]")
        m.add(change >= v.hosted(h) - host.existing_units)
        m.add(change >= host.existing_units - v.hosted(h))
        changes.append(change)
    return Level("stability", LinearExpr.sum(changes), False, p.g, "VZÄ")


def fewer_hosts(m: cp_model.CpModel, p: Problem, v: Variables, objective: Objective,
                used: int | None) -> Level:
    """Minimise the hosts employing someone plus the shared links (simpler administration)."""
    shared = [v.link_used[li] for li in v.link_used if p.links[li].shared]
    return Level("fewer_hosts", LinearExpr.sum([*v.used, *shared]), False, Fraction(1), "count")


def tie_break(m: cp_model.CpModel, p: Problem, v: Variables) -> Level:
    """Minimise ``Σ_l rank_l · a_l`` over a canonical order of the links.

    The rank (host kind: Kommune, Träger, Kreis; then host name; then Kommune name) does not
    depend on the order of records in the file, so a permuted instance gives the same plan.
    """
    return Level("tie_break", LinearExpr.weighted_sum(v.a, list(p.rank)), False, Fraction(1), "rank")


UNITS = {"use_positions": "VZÄ", "proportionality": "VZÄ", "partner_share": "VZÄ", "own_cost": "EUR",
         "stability": "VZÄ", "fewer_hosts": "count"}
"""The unit each level is reported in."""

LEVELS: dict[str, Callable[[cp_model.CpModel, Problem, Variables, Objective, int | None], Level]] = {
    "use_positions": use_positions,
    "proportionality": proportionality,
    "partner_share": partner_share,
    "own_cost": own_cost,
    "stability": stability,
    "fewer_hosts": fewer_hosts,
}
