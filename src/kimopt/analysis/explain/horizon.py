"""``explain`` for several years and Bausteine: which rule of which year and Baustein conflicts.

The horizon model (:mod:`kimopt.cpsat.horizon`) names every rule instance with its year
(``("budget_kommune", "2023: Voerde (Niederrhein)")``); the deletion filter of
:mod:`kimopt.analysis.explain.core` finds a minimal conflict over them, and each rule is
told with that year's numbers and, for budgets, the fixed share of Bausteine 1 and 3:
"2023: Budget Voerde (Niederrhein) (budget_kommune): Eigenanteil aller Bausteine höchstens 0 € …".
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from kimopt import rules
from kimopt.analysis.explain.core import ExplainTimeout, Oracle, Scenario, minimal_conflict, new_solver, run
from kimopt.analysis.explain.texts import rule_label, rule_text
from kimopt.cpsat.horizon import HorizonModel, build_horizon
from kimopt.cpsat.switches import RuleId
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import HorizonYear, expand
from kimopt.labels import t as _t
from kimopt.numbers import fmt_euros, fmt_number


class HorizonOracle(Oracle):
    """Feasibility of sets of rule instances of the horizon model (literals fixed, one worker)."""

    def __init__(self, instance: Instance, model: PlanningModel, time_limit: float = 60.0) -> None:
        self.instance, self.settings, self.time_limit = instance, model, time_limit
        literals = build_horizon(instance, model, switchable=True).switches.literals
        self.rules = sorted(literals, key=_canonical)

    def relaxed(self, active: set[RuleId]) -> HorizonModel:
        hm = build_horizon(self.instance, self.settings, switchable=True)
        for rule, literal in hm.switches.literals.items():
            hm.model.add(literal == int(rule in active))
        return hm

    def feasible(self, active: Iterable[RuleId]) -> bool:
        hm = self.relaxed(set(active))
        return run(hm.model, new_solver(self.time_limit, self.settings.seed, self.settings.workers or 1))


def _canonical(rule: RuleId) -> tuple[str, int, str]:
    """Year first (earlier years' rules are dropped first where there is a choice), then as one year."""
    from kimopt.analysis.explain.core import canonical

    year, _, subject = rule[1].partition(": ")
    order, name = canonical((rule[0], subject))
    return (year, order, name)


@rules.CONTINUITY.describe
def _continuity(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(lang, "hält mindestens die VZÄ des Vorjahres (Baustein 2)",
              "holds at least the VZÄ of the year before (Baustein 2)")


def _positions(year: HorizonYear, baustein: int, lang: str) -> str:
    parts = [f"{p.host} {fmt_number(p.vzae, 1, lang)} VZÄ" for p in year.fixed if p.baustein == baustein]
    return ", ".join(parts) if parts else _t(lang, "keine Stellen", "no positions")


@rules.COORDINATION.describe
def _coordination(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(lang, "Koordinierende beim Kreis und bei jeder Kommune mit allen Merkmalen: ",
              "coordinators at the Kreis and at every Kommune with every flag: ") + _positions(year, 1, lang)


@rules.AUTHORITIES.describe
def _authorities(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(lang, "genau die Stellen der Liste, beim Kreis oder einer Kommune mit Ausländerbehörde: ",
              "exactly the listed positions, at the Kreis or a Kommune with Ausländerbehörde: ") \
        + _positions(year, 3, lang)


def horizon_feasible(instance: Instance, model: PlanningModel, time_limit: float = 60.0) -> bool:
    """Whether every year has a plan with every rule hard."""
    hm = build_horizon(instance, model)
    return run(hm.model, new_solver(time_limit, model.seed, model.workers or 1))


def horizon_rule_text(years: dict[str, HorizonYear], model: PlanningModel, rule: RuleId, lang: str) -> str:
    """One rule instance of one year, with that year's numbers and the Baustein it belongs to."""
    family, subject = rule
    label, _, rest = subject.partition(": ")
    year = years[label]
    scenario = Scenario(year.instance, model)
    entry = rules.rule(family)
    if entry.horizon:
        return f"{label}: " + rule_label((family, rest), lang) + ": " + entry.hook("describe")(year, model, rest, lang)
    if entry in (rules.BUDGET_KOMMUNE, rules.BUDGET_KREIS):
        payer = rest or year.instance.kreis.name
        budget = year.instance.kreis.budget if entry is rules.BUDGET_KREIS else next(
            k.budget for k in year.instance.kommunen if k.name == rest)
        fixed = [p for p in year.fixed if p.payer(year.instance, model) == payer]
        b1 = sum((p.eigenanteil for p in fixed if p.baustein == 1), Fraction(0))
        b3 = sum((p.eigenanteil for p in fixed if p.baustein == 3), Fraction(0))
        parts = []
        if b1:
            parts.append(_t(lang, "Koordination (Baustein 1) ", "coordination (Baustein 1) ") + fmt_euros(b1, lang))
        if b3:
            parts.append(_t(lang, "Ausländerbehörde (Baustein 3) ", "authorities (Baustein 3) ")
                         + fmt_euros(b3, lang))
        fixed_text = (_t(lang, ", davon fest: ", ", fixed of it: ") + ", ".join(parts)) if parts else ""
        head = rule_label((family, rest), lang)
        return (f"{label}: {head}: " + _t(lang, "Eigenanteil aller Bausteine höchstens ",
                                          "own share of all Bausteine at most ")
                + fmt_euros(budget or 0, lang) + fixed_text)
    return f"{label}: Baustein 2 – " + rule_text(scenario, (family, rest), lang)


def horizon_conflict(instance: Instance, model: PlanningModel, lang: str = "de",
                     time_limit: float = 60.0) -> list[str] | None:
    """The minimal conflict as lines, or ``None`` if every year has a plan."""
    if horizon_feasible(instance, model, time_limit):
        return None
    conflict = minimal_conflict(HorizonOracle(instance, model, time_limit))
    years = {y.label: y for y in expand(instance)}
    head = _t(lang, f"{instance.name}: kein zulässiger Plan über alle Jahre – diese Regeln widersprechen sich "
                    "(jede einzelne zu lockern macht einen Plan möglich):",
              f"{instance.name}: no feasible plan over all years – these rules contradict each other "
              "(relaxing any one of them makes a plan possible):")
    if not conflict:
        return [head, _t(lang, "  (kein einzelner Grund gefunden)", "  (no single reason found)")]
    return [head, *(f"  - {horizon_rule_text(years, model, rule, lang)}" for rule in conflict)]


def horizon_explain_text(instance: Instance, model: PlanningModel, lang: str = "de",
                         time_limit: float = 60.0) -> tuple[str, str]:
    """``(status, text)`` for ``kimopt explain`` on a horizon instance."""
    lines = horizon_conflict(instance, model, lang, time_limit)
    if lines is not None:
        return "INFEASIBLE", "\n".join(lines)
    lines = [_t(lang, f"{instance.name}: ein Plan über alle Jahre ist möglich (kimopt solve zeigt ihn mit der "
                      "Haushaltstabelle).",
                f"{instance.name}: a plan over all years is possible (kimopt solve shows it with the budget table).")]
    for year in expand(instance):
        for rule in rules.HORIZON_RULES:
            if rule.decides or (rule is rules.COORDINATION and instance.coordination is None) or \
                    (rule is rules.AUTHORITIES and instance.authorities is None):
                continue
            lines.append(f"  {year.label}: {rule.label(lang)}: {rule.hook('describe')(year, model, '', lang)}")
    return "FEASIBLE", "\n".join(lines)


def horizon_infeasible_text(instance: Instance, model: PlanningModel, lang: str = "de") -> str:
    """What ``kimopt solve`` prints for an infeasible horizon."""
    try:
        lines = horizon_conflict(instance, model, lang, float(model.time_limit_s))
    except ExplainTimeout:
        lines = None
    if lines is None:
        return _t(lang, f"{instance.name}: keine zulässige Verteilung – die Regeln widersprechen sich.",
                  f"{instance.name}: no feasible allocation – the rules contradict each other.")
    return "\n".join(lines)
