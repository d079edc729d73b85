"""The hard rules of DESIGN §2, one function per rule family, named like the rule.

Notation (all VZÄ in granularity units ``g``, all integers): ``a[h,i]`` units of host ``h``
serving Kommune ``i``; ``H_h = Σ_i a[h,i]``; ``c_i = Σ_h a[h,i]``; ``N = Σ_h H_h``; ``P`` the
fundable units; ``E_h`` existing units; ``w_i``/``W`` the key weights. Each rule instance is
guarded by the enforcement literals of :class:`~kimopt.cpsat.switches.Switches` (none in a
plain solve, so the rule is unconditional).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from kimopt.cpsat.switches import Switches
from kimopt.cpsat.variables import Variables
from kimopt.problem import Problem
from kimopt.rules import (
    BUDGET_KOMMUNE,
    BUDGET_KREIS,
    CONTINUITY,
    EXISTING,
    FUNDING_CAP,
    HOST_SIZE,
    KREIS_SHARE,
    PROVIDER_AREA,
    QUOTA_RULE,
    REACHABILITY,
    RULES,
    SHARING,
)

Domain = cp_model.Domain


@FUNDING_CAP.model
def funding_cap(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """At most the fundable positions are used.

    .. math:: N \\le P
    """
    model.add(variables.used_total <= problem.positions).only_enforce_if(switches.lits(FUNDING_CAP))


@KREIS_SHARE.model
def kreis_share(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """The Kreis keeps at least its minimum share ``s = num/den`` of the used positions.

    .. math:: den \\cdot H_{kreis} \\ge num \\cdot N
    """
    share = problem.model.kreis_min_share
    if share == 0:
        return
    kreis = variables.hosted(problem.kreis)
    model.add(share.denominator * kreis >= share.numerator * variables.used_total).only_enforce_if(
        switches.lits(KREIS_SHARE)
    )


@HOST_SIZE.model
def host_size(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """Each host employs nothing, or between the minimum size and its maximum, in whole steps.

    .. math:: H_h = step \\cdot k_h,\\quad k_h \\in \\{0\\} \\cup
              [\\lceil min/step \\rceil, \\lfloor max_h/step \\rfloor]

    The Kreis's maximum is the funding cap; a Träger's capacity is ``provider_area``'s.
    """
    step = problem.units(problem.model.host_step_vzae)
    lowest = max(1, -(-problem.units_up(problem.model.min_host_vzae) // step))
    for h, host in enumerate(problem.hosts):
        limit = host.max_units if host.kind == "kommune" and host.max_units is not None else variables.cap
        highest = min(limit, variables.cap) // step
        domain = Domain.from_intervals([[0, 0], [lowest, highest]] if highest >= lowest else [[0, 0]])
        steps = model.new_int_var_from_domain(domain, f"steps[{host.name}]")
        model.add(variables.hosted(h) == step * steps).only_enforce_if(switches.lits(HOST_SIZE, host.name))


@SHARING.model
def sharing(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """A Kommune host serves partners only if it serves itself; few partners; no tiny parts.

    For Kommune host ``k`` with self link ``kk`` and partner links ``ki`` (``s`` = link used):

    .. math:: s_{ki} \\le s_{kk},\\quad \\sum_i s_{ki} \\le max\\_partners,\\quad
              a[k,j] \\ge min\\_share \\cdot s_{kj}\\ \\forall j
    """
    # a used link carries at least one unit, even with min_share_vzae 0: "serves itself" means > 0
    min_share = max(1, problem.units_up(problem.model.share))
    for h, host in enumerate(problem.hosts):
        if host.kind != "kommune":
            continue
        own = problem.self_link(h)
        partners = [li for li in problem.links_of_host[h] if problem.links[li].shared]
        lits = switches.lits(SHARING, host.name)
        for li in problem.links_of_host[h]:
            model.add(variables.a[li] >= min_share * variables.link_used[li]).only_enforce_if(lits)
        if not partners or own is None:
            continue
        for li in partners:
            model.add(variables.link_used[li] <= variables.link_used[own]).only_enforce_if(lits)
        if len(partners) > problem.model.max_sharing_partners:
            chosen = sum(variables.link_used[li] for li in partners)
            model.add(chosen <= problem.model.max_sharing_partners).only_enforce_if(lits)


@PROVIDER_AREA.model
def provider_area(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """A Träger serves only Kommunen in its area (links exist only there) and up to its capacity.

    .. math:: H_t \\le max_t
    """
    for h, host in enumerate(problem.hosts):
        if host.kind == "traeger" and host.max_units is not None:
            model.add(variables.hosted(h) <= host.max_units).only_enforce_if(switches.lits(PROVIDER_AREA, host.name))


@EXISTING.model
def existing(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """With ``keep_existing``, filled positions stay with their host.

    .. math:: H_h \\ge E_h
    """
    if not problem.model.keep_existing:
        return
    for h, host in enumerate(problem.hosts):
        if host.existing_units > 0:
            model.add(variables.hosted(h) >= host.existing_units).only_enforce_if(switches.lits(EXISTING, host.name))


@CONTINUITY.model
def continuity(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    r"""In a later year, with ``keep_existing``, what the year before held is kept, less cuts in
    whole host steps ``s`` of at most the year's allowance ``A`` in total.

    ``continuity: host`` (default): every host keeps what it held;
    ``total``: the positions are kept in number but may move between employers; ``none``: no rule.

    .. math:: host:\ H_h + s \cdot k_h \ge H_h^{before},\quad \sum_h s \cdot k_h \le A
              \qquad total:\ N + s \cdot k \ge \sum_h H_h^{before},\quad s \cdot k \le A
    """
    if problem.carried is None or not problem.model.keep_existing or problem.model.continuity == "none":
        return
    step = problem.units(problem.model.host_step_vzae)
    kept: list[tuple[cp_model.LinearExpr, int, list[cp_model.IntVar], str]]
    if problem.model.continuity == "total":
        held = sum(problem.held_units(h) for h in range(len(problem.hosts)))
        kept = [(variables.used_total, held, switches.lits(CONTINUITY), "cut[total]")]
    else:
        kept = [
            (variables.hosted(h), problem.held_units(h), switches.lits(CONTINUITY, host.name), f"cut[{host.name}]")
            for h, host in enumerate(problem.hosts)
            if problem.held_units(h) > host.existing_units  # else the filled positions' own rule holds as much
        ]
    cuts = []
    for hosted, held, lits, name in kept:
        if problem.allowance_units < step:
            model.add(hosted >= held).only_enforce_if(lits)
            continue
        cut = model.new_int_var(0, -(-held // step), name)
        model.add(hosted + step * cut >= held).only_enforce_if(lits)
        cuts.append(cut)
    if cuts:
        model.add(step * cp_model.LinearExpr.sum(cuts) <= problem.allowance_units)
    variables.cuts = cuts


@BUDGET_KOMMUNE.model
def budget_kommune(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """A Kommune's Eigenanteil for the Kommune hosts serving it stays within its budget.

    .. math:: f \\sum_k (d_k - c_k) \\cdot part_{k,i} \\cdot g \\le budget_i

    where a partner's part is ``a[k,i]`` and the host's own part counts only above its
    existing positions; ``c_k`` the Kreis's part of ``d_k`` (``deficit_coverage_eur_per_vzae``),
    ``f = months/12`` the year's share (DESIGN §5). Not applied when the Kreis covers the
    Kommunen's deficit. (A budget may be a fraction: what Bausteine 1 and 3 leave of it, see
    :mod:`kimopt.cpsat.horizon`.)
    """
    if problem.model.kreis_covers_kommunen:
        return
    for i, kommune in problem.kommunen_in_order():
        if kommune.budget is None:
            continue
        model.add(variables.kommune_payment(i) <= problem.money_limit(kommune.budget)).only_enforce_if(
            switches.lits(BUDGET_KOMMUNE, kommune.name)
        )


@BUDGET_KREIS.model
def budget_kreis(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """The Kreis's Eigenanteil stays within its budget.

    .. math:: f (d_{kreis} n_{kreis} g + \\sum_{t} c_t n_t g
              + \\text{its part } c_k \\text{ of Kommune hosts' parts}) \\le budget_{kreis}

    with ``n_h = max(0, H_h − E_h)`` the new positions, ``c_h`` the Kreis's part of the deficit
    ``d_h`` (all of it with ``deficit_coverage`` or ``kreis_covers_kommunen``, at most the cap
    ``deficit_coverage_eur_per_vzae``, else nothing) and ``f = months/12`` the year's share.
    """
    budget = problem.instance.kreis.budget
    if budget is None:
        return
    model.add(variables.kreis_payment() <= problem.money_limit(budget)).only_enforce_if(switches.lits(BUDGET_KREIS))


@REACHABILITY.model
def reachability(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """Every Kommune receives at least the minimum coverage (Erreichbarkeit vor Ort).

    .. math:: c_i \\ge min\\_coverage
    """
    minimum = problem.units_up(problem.model.min_coverage_vzae)
    if minimum == 0:
        return
    for i, kommune in problem.kommunen_in_order():
        model.add(variables.coverage(i) >= minimum).only_enforce_if(switches.lits(REACHABILITY, kommune.name))


@QUOTA_RULE.model
def quota_rule(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """Coverage lies between the target rounded down and rounded up to the granularity.

    With ``e_i = N·w_i/W`` (in units) and integer ``c_i``:
    ``⌊e_i⌋ ≤ c_i ≤ ⌈e_i⌉ ⇔ c_i·W > N·w_i − W  and  c_i·W < N·w_i + W``, i.e.

    .. math:: N w_i - W + 1 \\le c_i W \\le N w_i + W - 1
    """
    if not problem.model.quota_rule:
        return
    total = problem.total_weight
    for i, kommune in problem.kommunen_in_order():
        scaled = total * variables.coverage(i) - problem.weights[i] * variables.used_total
        lits = switches.lits(QUOTA_RULE, kommune.name)
        model.add(scaled >= 1 - total).only_enforce_if(lits)
        model.add(scaled <= total - 1).only_enforce_if(lits)


def add_constraints(model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches) -> None:
    """Add every rule family of DESIGN §2, in the order of :data:`kimopt.rules.RULES`."""
    for rule in RULES:
        rule.add_constraints(model, problem, variables, switches)
