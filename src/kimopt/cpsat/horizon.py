"""One CP-SAT model over every year of the horizon (DESIGN §5).

Each year gets the Baustein 2 variables and every rule of §2 with that year's funding and
costs (:mod:`kimopt.cpsat.constraints`, unchanged). Bausteine 1 and 3 have no decisions; their
fixed Eigenanteil is taken from each payer's yearly budget, so the budget rules hold for all
Bausteine together. ``continuity`` joins consecutive years. Rule instances of a later year
carry the year in their subject (``("budget_kommune", "2023: Voerde (Niederrhein)")``), so
explanations say which year conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.cpsat.constraints import add_constraints
from kimopt.cpsat.switches import Switches
from kimopt.cpsat.variables import Variables, add_variables, universe
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import HorizonYear, expand
from kimopt.problem import Problem, compile_problem
from kimopt.rules import CONTINUITY, HORIZON_RULES, Rule

LinearExpr = cp_model.LinearExpr


@dataclass
class YearSwitches(Switches):
    """The switches of one year: its rule instances are named ``"2023: subject"``."""

    prefix: str = ""

    def lits(self, rule: Rule, subject: str = "") -> list[cp_model.IntVar]:
        return super().lits(rule, f"{self.prefix}: {subject}" if subject else self.prefix)


@dataclass
class YearModel:
    """One year inside the horizon model."""

    horizon: HorizonYear
    problem: Problem  # this year's Baustein 2, budgets less the Baustein 1 and 3 Eigenanteil
    variables: Variables
    cuts: list[cp_model.IntVar] = field(default_factory=list)  # continuity cuts per host (falling funding)

    @property
    def label(self) -> str:
        return self.horizon.label


@dataclass
class HorizonModel:
    """The CP-SAT model of every year with its rule switches."""

    instance: Instance
    settings: PlanningModel
    model: cp_model.CpModel
    switches: Switches
    years: list[YearModel]


def budget_instance(year: HorizonYear, model: PlanningModel) -> Instance:
    """Year's Baustein 2 instance with each budget reduced by the fixed Baustein 1 and 3 Eigenanteil.

    The reduced budget may be negative (Bausteine 1 and 3 alone exceed it): the budget rule is
    then infeasible and an explanation names it.
    """
    fixed = year.fixed_payments(model)
    if not fixed:
        return year.instance
    inst = year.instance

    def less(name: str, budget: int | None) -> int | Fraction | None:
        # exact: what is left may be a fraction of a euro (0.5 VZÄ × an odd deficit)
        return budget if budget is None or name not in fixed else budget - fixed[name]

    kreis = inst.kreis.model_copy(update={"budget": less(inst.kreis.name, inst.kreis.budget)})
    kommunen = [k.model_copy(update={"budget": less(k.name, k.budget)}) for k in inst.kommunen]
    return inst.model_copy(update={"kreis": kreis, "kommunen": kommunen})


def continuity_applies(settings: PlanningModel) -> bool:
    """Continuity holds under ``keep_existing`` (positions once filled stay filled)."""
    return settings.keep_existing


def build_horizon(instance: Instance, settings: PlanningModel, switchable: bool = False) -> HorizonModel:
    """Every year's variables and rules, and ``continuity`` between consecutive years.

    ``continuity``: ``H_h^y ≥ H_h^{y−1}`` for every host. Where a year's fundable positions
    fall below the year before's, cuts ``k_h^y ≥ 0`` are allowed (``H_h^y + k_h^y ≥ H_h^{y−1}``)
    and the horizon solver makes them as small as possible first.
    """
    from kimopt.lexicographic import guard_magnitudes

    model = cp_model.CpModel()
    model.name = instance.name
    base = Switches(model, switchable)
    years: list[YearModel] = []
    for year in expand(instance):
        problem = compile_problem(budget_instance(year, settings), settings)
        switches = YearSwitches(model, switchable, 0, base.literals, prefix=year.label)
        guard_magnitudes(problem, universe(problem, switches))
        variables = add_variables(problem, model, switches)
        add_constraints(model, problem, variables, switches)
        years.append(YearModel(year, problem, variables))
    hm = HorizonModel(instance, settings, model, base, years)
    for rule in HORIZON_RULES:
        if rule.decides:
            rule.hook("model")(hm)
    return hm


@CONTINUITY.model
def continuity(hm: HorizonModel) -> None:
    """A host keeps in each year at least what it held the year before (smallest cuts if funding falls).

    .. math:: H_h^y + k_h^y \\ge H_h^{y-1},\\quad \\sum_h k_h^y \\le \\max(0, N^{y-1} - P^y)

    so positions may be cut only as far as the year's fundable positions ``P^y`` fall below
    what was used the year before; the horizon solver makes the cuts as small as possible.
    """
    if not continuity_applies(hm.settings):
        return
    for before, now in zip(hm.years, hm.years[1:], strict=False):
        # N^{y-1} ≤ P^{y-1}: only a year with fewer fundable positions can fall below the year before
        falls = now.problem.positions < before.problem.positions
        switches = YearSwitches(hm.model, hm.switches.switchable, 0, hm.switches.literals, prefix=now.label)
        for h, host in enumerate(now.problem.hosts):
            assert before.problem.hosts[h].name == host.name  # every year compiles the same hosts
            previous = before.variables.hosted(h)
            current = now.variables.hosted(h)
            lits = switches.lits(CONTINUITY, host.name)
            if falls:
                cut = hm.model.new_int_var(0, before.variables.cap, f"cut[{now.label}:{host.name}]")
                now.cuts.append(cut)
                hm.model.add(current + cut >= previous).only_enforce_if(lits)
            else:
                hm.model.add(current >= previous).only_enforce_if(lits)
        if falls:
            excess = hm.model.new_int_var(0, before.variables.cap, f"falls_short[{now.label}]")
            hm.model.add_max_equality(excess, [0, before.variables.used_total - now.problem.positions])
            hm.model.add(LinearExpr.sum(now.cuts) <= excess)
