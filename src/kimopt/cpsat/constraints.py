"""The hard rules of DESIGN §2, one function per rule family, named like the rule.

Notation (all VZÄ in granularity units ``g``, all integers): ``a[h,i]`` units of host ``h``
serving Kommune ``i``; ``H_h = Σ_i a[h,i]``; ``c_i = Σ_h a[h,i]``; ``N = Σ_h H_h``; ``P`` the
fundable units; ``E_h`` existing units; ``w_i``/``W`` the key weights. Each rule instance is
guarded by the enforcement literals of :class:`~kimopt.cpsat.switches.Switches` (none in a
plain solve, so the rule is unconditional).
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from kimopt.cpsat.switches import Switches
from kimopt.cpsat.variables import Variables
from kimopt.problem import Problem

Domain = cp_model.Domain


def funding_cap(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """At most the fundable positions are used.

    .. math:: N \\le P
    """
    m.add(v.used_total <= p.positions).only_enforce_if(sw.lits("funding_cap"))


def kreis_share(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """The Kreis keeps at least its minimum share ``s = num/den`` of the used positions.

    .. math:: den \\cdot H_{kreis} \\ge num \\cdot N
    """
    share = p.model.kreis_min_share
    if share == 0:
        return
    m.add(share.denominator * v.hosted(p.kreis) >= share.numerator * v.used_total).only_enforce_if(
        sw.lits("kreis_share"))


def host_size(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """Each host employs nothing, or between the minimum size and its maximum, in whole steps.

    .. math:: H_h = step \\cdot k_h,\\quad k_h \\in \\{0\\} \\cup
              [\\lceil min/step \\rceil, \\lfloor max_h/step \\rfloor]

    The Kreis's maximum is the funding cap; a Träger's capacity is ``provider_area``'s.
    """
    step = p.units(p.model.host_step_vzae)
    lowest = max(1, -(-p.units_up(p.model.min_host_vzae) // step))
    for h, host in enumerate(p.hosts):
        limit = host.max_units if host.kind == "kommune" and host.max_units is not None else v.cap
        highest = min(limit, v.cap) // step
        domain = Domain.from_intervals([[0, 0], [lowest, highest]] if highest >= lowest else [[0, 0]])
        steps = m.new_int_var_from_domain(domain, f"steps[{host.name}]")
        m.add(v.hosted(h) == step * steps).only_enforce_if(sw.lits("host_size", host.name))


def sharing(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """A Kommune host serves partners only if it serves itself; few partners; no tiny parts.

    For Kommune host ``k`` with self link ``kk`` and partner links ``ki`` (``s`` = link used):

    .. math:: s_{ki} \\le s_{kk},\\quad \\sum_i s_{ki} \\le max\\_partners,\\quad
              a[k,j] \\ge min\\_share \\cdot s_{kj}\\ \\forall j
    """
    # a used link carries at least one unit, even with min_share_vzae 0: "serves itself" means > 0
    min_share = max(1, p.units_up(p.model.share))
    for h, host in enumerate(p.hosts):
        if host.kind != "kommune":
            continue
        own = p.self_link(h)
        partners = [li for li in p.links_of_host[h] if p.links[li].shared]
        lits = sw.lits("sharing", host.name)
        for li in p.links_of_host[h]:
            m.add(v.a[li] >= min_share * v.link_used[li]).only_enforce_if(lits)
        if not partners or own is None:
            continue
        for li in partners:
            m.add(v.link_used[li] <= v.link_used[own]).only_enforce_if(lits)
        if len(partners) > p.model.max_sharing_partners:
            m.add(sum(v.link_used[li] for li in partners) <= p.model.max_sharing_partners).only_enforce_if(lits)


def provider_area(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """A Träger serves only Kommunen in its area (links exist only there) and up to its capacity.

    .. math:: H_t \\le max_t
    """
    for h, host in enumerate(p.hosts):
        if host.kind == "traeger" and host.max_units is not None:
            m.add(v.hosted(h) <= host.max_units).only_enforce_if(sw.lits("provider_area", host.name))


def existing(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """With ``keep_existing``, filled positions stay with their host.

    .. math:: H_h \\ge E_h
    """
    if not p.model.keep_existing:
        return
    for h, host in enumerate(p.hosts):
        if host.existing_units > 0:
            m.add(v.hosted(h) >= host.existing_units).only_enforce_if(sw.lits("existing", host.name))


def budget_kommune(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """A Kommune's Eigenanteil for the Kommune hosts serving it stays within its budget.

    .. math:: \\sum_k d_k \\cdot part_{k,i} \\cdot g \\le budget_i

    where a partner's part is ``a[k,i]`` and the host's own part counts only above its
    existing positions. Not applied when the Kreis covers the Kommunen's deficit. (A budget
    may be a fraction: what Bausteine 1 and 3 leave of it, see :mod:`kimopt.cpsat.horizon`.)
    """
    if p.model.kreis_covers_kommunen:
        return
    for i, kommune in p.kommunen_in_order():
        if kommune.budget is None:
            continue
        m.add(v.kommune_payment(i) <= math.floor(kommune.budget * p.g.denominator)).only_enforce_if(
            sw.lits("budget_kommune", kommune.name))


def budget_kreis(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """The Kreis's Eigenanteil stays within its budget.

    .. math:: d_{kreis} n_{kreis} g + \\sum_{t: coverage} d_t n_t g
              [+ \\text{Kommune parts if it covers them}] \\le budget_{kreis}

    with ``n_h = max(0, H_h − E_h)`` the new positions.
    """
    budget = p.instance.kreis.budget
    if budget is None:
        return
    m.add(v.kreis_payment() <= math.floor(budget * p.g.denominator)).only_enforce_if(sw.lits("budget_kreis"))


def reachability(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """Every Kommune receives at least the minimum coverage (Erreichbarkeit vor Ort).

    .. math:: c_i \\ge min\\_coverage
    """
    minimum = p.units_up(p.model.min_coverage_vzae)
    if minimum == 0:
        return
    for i, kommune in p.kommunen_in_order():
        m.add(v.coverage(i) >= minimum).only_enforce_if(sw.lits("reachability", kommune.name))


def quota_rule(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """Coverage lies between the target rounded down and rounded up to the granularity.

    With ``e_i = N·w_i/W`` (in units) and integer ``c_i``:
    ``⌊e_i⌋ ≤ c_i ≤ ⌈e_i⌉ ⇔ c_i·W > N·w_i − W  and  c_i·W < N·w_i + W``, i.e.

    .. math:: N w_i - W + 1 \\le c_i W \\le N w_i + W - 1
    """
    if not p.model.quota_rule:
        return
    total = p.total_weight
    for i, kommune in p.kommunen_in_order():
        scaled = total * v.coverage(i) - p.weights[i] * v.used_total
        lits = sw.lits("quota_rule", kommune.name)
        m.add(scaled >= 1 - total).only_enforce_if(lits)
        m.add(scaled <= total - 1).only_enforce_if(lits)


RULES = (funding_cap, kreis_share, host_size, sharing, provider_area, existing, budget_kommune,
         budget_kreis, reachability, quota_rule)
"""Every rule family, in the order they are added (cheap global rules first)."""


def add_constraints(m: cp_model.CpModel, p: Problem, v: Variables, sw: Switches) -> None:
    """Add every rule family of DESIGN §2."""
    for rule in RULES:
        rule(m, p, v, sw)
