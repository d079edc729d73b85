"""Decision variables of the CP-SAT model, with tight domains and named after what they mean.

All quantities are integers: VZÄ in granularity units, money in whole multiples of
:attr:`kimopt.problem.Problem.money_factor` euros (``d × g.numerator × units``: yearly euros
× ``g.denominator``, of which a year of fewer months pays ``months/12``). The definitional
links between variables (hosted sums, "host is used", "link is used", "new positions") are
added here; the planning rules themselves are in :mod:`kimopt.cpsat.constraints`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kimopt.cpsat.switches import Switches
from kimopt.problem import Problem

LinearExpr = cp_model.LinearExpr
IntVar = cp_model.IntVar


def universe(problem: Problem, switches: Switches) -> int:
    """Largest VZÄ (units) any quantity can take.

    With every rule hard this is the funding cap ``P``. When the funding cap may be
    switched off (for explanations) it grows by what other rules could demand.
    """
    if not switches.switchable:
        return problem.positions
    demand = sum(max(host.existing_units, problem.held_units(h)) for h, host in enumerate(problem.hosts))
    demand += len(problem.instance.kommunen) * problem.units_up(problem.model.min_coverage_vzae)
    demand += len(problem.hosts) * problem.units_up(max(problem.model.min_host_vzae, problem.model.host_step_vzae))
    return problem.positions + demand + switches.headroom


def coverage_cap(problem: Problem, kommune: int, switches: Switches, cap: int) -> int:
    """Upper bound on ``c_i``: the funding cap, or the quota rule's ``⌈P·w_i/W⌉`` when it is hard."""
    if problem.model.quota_rule and not switches.switchable:
        w, total = problem.weights[kommune], problem.total_weight
        return min(cap, (problem.positions * w + total - 1) // total)
    return cap


@dataclass
class Variables:
    """The variables of one CP-SAT model and expressions derived from them."""

    problem: Problem
    model: cp_model.CpModel
    cap: int  # universe bound in units
    a: list[IntVar]  # a[li]: units on link li
    used: list[IntVar]  # y_h: host h employs someone
    link_used: dict[int, IntVar]  # s_l: link li carries positions (Kommune-host links only)
    new: list[IntVar]  # n_h >= H_h - E_h, n_h >= 0: positions above existing
    own_new: dict[int, IntVar]  # Kommune host k: units of its self part above its existing
    used_total: IntVar  # N = Σ a: one variable, so rules that need N do not repeat every link
    cuts: list[IntVar] = field(default_factory=list)  # continuity cuts in host steps (a later year)
    # H_h of the year before and its upper bound, where it is a variable too (``lookahead``)
    before: dict[int, tuple[LinearExpr, int]] = field(default_factory=dict)

    def hosted(self, host: int) -> LinearExpr:
        """``H_h = Σ_i a[h,i]``."""
        return LinearExpr.sum([self.a[li] for li in self.problem.links_of_host[host]])

    def coverage(self, kommune: int) -> LinearExpr:
        """``c_i = Σ_h a[h,i]``."""
        return LinearExpr.sum([self.a[li] for li in self.problem.links_of_kommune[kommune]])

    def _kommune_host_parts(self, kommune: int) -> list[tuple[int, IntVar]]:
        """``(host, part)`` of every Kommune host serving Kommune ``i``: a partner's part is
        ``a[k,i]``, the host's own part counts only above its existing positions."""
        problem = self.problem
        out = []
        for li in problem.links_of_kommune[kommune]:
            link = problem.links[li]
            if problem.hosts[link.host].kind == "kommune":
                out.append((link.host, self.a[li] if link.shared else self.own_new[link.host]))
        return out

    def kommune_payment(self, kommune: int) -> LinearExpr:
        """What Kommune ``i`` pays for Kommune hosts serving it, in the solver's money
        (:attr:`kimopt.problem.Problem.money_factor`): ``Σ_k (d_k − kreis part_k) × part_k,i × g``."""
        numerator = self.problem.g.numerator
        hosts = self.problem.hosts
        return LinearExpr.sum(
            [
                hosts[h].payer_deficit_per_vzae * numerator * part
                for h, part in self._kommune_host_parts(kommune)
                if hosts[h].payer_deficit_per_vzae
            ]
        )

    def kreis_payment(self) -> LinearExpr:
        """What the Kreis pays: its part of the deficit of its own new VZÄ, of Träger with deficit
        coverage (up to their cap) and of Kommune hosts it covers (wholly or up to their cap)."""
        problem = self.problem
        numerator = problem.g.numerator
        terms = []
        for h, host in enumerate(problem.hosts):
            if host.kind != "kommune" and host.kreis_deficit_per_vzae:
                terms.append(host.kreis_deficit_per_vzae * numerator * self.new[h])
        for i in problem.kommune_order:
            for h, part in self._kommune_host_parts(i):
                if problem.hosts[h].kreis_deficit_per_vzae:
                    terms.append(problem.hosts[h].kreis_deficit_per_vzae * numerator * part)
        return LinearExpr.sum(terms)

    def own_cost(self) -> LinearExpr:
        """Total Eigenanteil of Kreis and Kommunen, in the solver's money."""
        return self.kreis_payment() + LinearExpr.sum([self.kommune_payment(i) for i in self.problem.kommune_order])


def host_upper(problem: Problem, host: int, cap: int, switches: Switches) -> int:
    """Upper bound of ``H_h``: its capacity when that rule is hard, else the universe bound."""
    limit = problem.hosts[host].max_units
    if limit is None or switches.switchable:
        return cap
    return min(cap, limit)


def add_variables(problem: Problem, model: cp_model.CpModel, switches: Switches) -> Variables:
    """Create every decision variable with the tightest domain the hard rules allow."""
    cap = universe(problem, switches)
    kommunen = problem.instance.kommunen
    a: list[IntVar] = []
    a_upper: list[int] = []
    for link in problem.links:
        ub = min(host_upper(problem, link.host, cap, switches), coverage_cap(problem, link.kommune, switches, cap))
        a_upper.append(ub)
        a.append(model.new_int_var(0, ub, f"a[{problem.hosts[link.host].name}->{kommunen[link.kommune].name}]"))

    used, new = [], []
    for h, host in enumerate(problem.hosts):
        ub = host_upper(problem, h, cap, switches)
        y = model.new_bool_var(f"used[{host.name}]")
        hosted = LinearExpr.sum([a[li] for li in problem.links_of_host[h]])
        model.add(hosted <= ub * y)
        used.append(y)
        n = model.new_int_var(0, max(0, ub - host.existing_units), f"new[{host.name}]")
        model.add(n >= hosted - host.existing_units)
        new.append(n)

    link_used: dict[int, IntVar] = {}
    own_new: dict[int, IntVar] = {}
    for h, host in enumerate(problem.hosts):
        if host.kind != "kommune":
            continue
        for li in problem.links_of_host[h]:
            s = model.new_bool_var(f"link_used[{host.name}->{kommunen[problem.links[li].kommune].name}]")
            model.add(a[li] <= a_upper[li] * s)
            link_used[li] = s
            if not problem.links[li].shared:
                own = model.new_int_var(0, a_upper[li], f"own_new[{host.name}]")
                model.add(own >= a[li] - host.existing_units)
                own_new[h] = own
    used_total = model.new_int_var(0, cap, "N_used")
    model.add(used_total == LinearExpr.sum(a))
    return Variables(problem, model, cap, a, used, link_used, new, own_new, used_total)
