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

from ortools.sat.python import cp_model

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


def _canonical(rule: RuleId) -> tuple[int, int, str]:
    """Later years first, then as in one year: the deletion filter drops what comes first where it
    has the choice, so a conflict names the earliest year in which it arises."""
    from kimopt.analysis.explain.core import canonical

    year, _, subject = rule[1].partition(": ")
    order, name = canonical((rule[0], subject))
    return (-int(year) if year.isdigit() else 0, order, name)


@rules.CONTINUITY.describe
def _continuity(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(
        lang,
        "hält mindestens die VZÄ des Vorjahres (Baustein 2)",
        "holds at least the VZÄ of the year before (Baustein 2)",
    )


def _positions(year: HorizonYear, baustein: int, lang: str) -> str:
    parts = [f"{p.host} {fmt_number(p.vzae, 1, lang)} VZÄ" for p in year.fixed if p.baustein == baustein]
    return ", ".join(parts) if parts else _t(lang, "keine Stellen", "no positions")


@rules.COORDINATION.describe
def _coordination(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(
        lang,
        "Koordinierende beim Kreis und bei jeder Kommune mit allen Merkmalen: ",
        "coordinators at the Kreis and at every Kommune with every flag: ",
    ) + _positions(year, 1, lang)


@rules.AUTHORITIES.describe
def _authorities(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(
        lang,
        "genau die Stellen der Liste, beim Kreis oder einer Kommune mit Ausländerbehörde: ",
        "exactly the listed positions, at the Kreis or a Kommune with Ausländerbehörde: ",
    ) + _positions(year, 3, lang)


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
        budget = (
            year.instance.kreis.budget
            if entry is rules.BUDGET_KREIS
            else next(k.budget for k in year.instance.kommunen if k.name == rest)
        )
        fixed = [p for p in year.fixed if p.payer(year.instance, model) == payer]
        b1 = sum((p.eigenanteil for p in fixed if p.baustein == 1), Fraction(0))
        b3 = sum((p.eigenanteil for p in fixed if p.baustein == 3), Fraction(0))
        parts = []
        if b1:
            parts.append(_t(lang, "Koordination (Baustein 1) ", "coordination (Baustein 1) ") + fmt_euros(b1, lang))
        if b3:
            parts.append(_t(lang, "Ausländerbehörde (Baustein 3) ", "authorities (Baustein 3) ") + fmt_euros(b3, lang))
        fixed_text = (_t(lang, "; fest gebunden: ", "; committed: ") + ", ".join(parts)) if parts else ""
        head = rule_label((family, rest), lang)
        return (
            f"{label}: {head}: "
            + _t(lang, "Eigenanteil aller Bausteine höchstens ", "own share of all Bausteine at most ")
            + fmt_euros(budget or 0, lang)
            + fixed_text
        )
    return f"{label}: Baustein 2 – " + rule_text(scenario, (family, rest), lang)


def _carried(instance: Instance, n: int, payer: str) -> list[int]:
    """The years (indices) whose budget of ``payer`` is the one set in year ``n``: it carries on
    until a later year sets its own."""
    out = [n]
    for k in range(n + 1, len(instance.years) + 1):
        if payer in instance.years[k - 1].budgets:
            break
        out.append(k)
    return out


def with_budget(instance: Instance, n: int, payer: str, budget: int | None) -> Instance:
    """The instance with the budget of ``payer`` as set in year ``n`` (and carried on) changed."""
    if n > 0:
        years = list(instance.years)
        years[n - 1] = years[n - 1].model_copy(update={"budgets": {**years[n - 1].budgets, payer: budget}})
        return instance.model_copy(update={"years": years})
    if payer == instance.kreis.name:
        return instance.model_copy(update={"kreis": instance.kreis.model_copy(update={"budget": budget})})
    return instance.model_copy(
        update={
            "kommunen": [k.model_copy(update={"budget": budget}) if k.name == payer else k for k in instance.kommunen]
        }
    )


def budget_repair(
    instance: Instance, model: PlanningModel, rule: RuleId, time_limit: float = 60.0
) -> tuple[int, int | None, list[str]] | None:
    """The least budget of that payer, as set in that year and carried on, that makes the horizon
    feasible; with the budget now and the years it holds for.

    Exact: with the payer's budget rules of those years switched off, CP-SAT minimises the
    largest yearly Eigenanteil of all Bausteine (Baustein 2 under every other rule, plus the
    fixed Baustein 1 and 3 part). Verified by re-solving with the repaired budget (feasible) and
    1 € less (infeasible). ``None`` if no budget helps.
    """
    label, _, subject = rule[1].partition(": ")
    hm = build_horizon(instance, model, switchable=True)
    n = next(k for k, y in enumerate(hm.years) if y.label == label)
    payer = subject or hm.years[n].horizon.instance.kreis.name
    carried = _carried(instance, n, payer)
    off = {(rule[0], f"{hm.years[k].label}: {subject}" if subject else hm.years[k].label) for k in carried}
    for other, literal in hm.switches.literals.items():
        hm.model.add(literal == int(other not in off))
    worst = hm.model.new_int_var(0, 2**50, "largest_eigenanteil")
    for k in carried:
        ym = hm.years[k]
        inst, den = ym.horizon.instance, ym.problem.g.denominator
        if rule[0] == rules.BUDGET_KREIS.name:
            expr = ym.variables.kreis_payment()
        else:
            expr = ym.variables.kommune_payment(next(i for i, c in enumerate(inst.kommunen) if c.name == payer))
        fixed = ym.horizon.fixed_payments(model).get(payer, Fraction(0)) * den * den  # exact: euros × den²
        hm.model.add(den * expr + int(fixed) <= worst)
    hm.model.minimize(worst)
    solver = new_solver(time_limit, model.seed, model.workers or 1)
    code = solver.solve(hm.model)
    if code == cp_model.INFEASIBLE:
        return None
    if code != cp_model.OPTIMAL:
        raise ExplainTimeout(solver.status_name(code))
    den = hm.years[n].problem.g.denominator
    needed = -(-solver.value(worst) // (den * den))
    first = hm.years[n].horizon.instance
    now = first.kreis.budget if payer == first.kreis.name else next(c.budget for c in first.kommunen if c.name == payer)
    if not horizon_feasible(with_budget(instance, n, payer, needed), model, time_limit) or (
        needed > 0 and horizon_feasible(with_budget(instance, n, payer, needed - 1), model, time_limit)
    ):
        raise RuntimeError(f"repair of {rule} not confirmed")  # the exact optimum must be tight
    return needed, now, [hm.years[k].label for k in carried]


def horizon_conflict(
    instance: Instance, model: PlanningModel, lang: str = "de", time_limit: float = 60.0
) -> list[str] | None:
    """The minimal conflict and the smallest budget repairs as lines, or ``None`` if every year has a plan."""
    if horizon_feasible(instance, model, time_limit):
        return None
    conflict = minimal_conflict(HorizonOracle(instance, model, time_limit))
    years = {y.label: y for y in expand(instance)}
    head = _t(
        lang,
        f"{instance.name}: kein zulässiger Plan über alle Jahre – diese Regeln widersprechen sich "
        "(jede einzelne zu lockern macht einen Plan möglich):",
        f"{instance.name}: no feasible plan over all years – these rules contradict each other "
        "(relaxing any one of them makes a plan possible):",
    )
    if not conflict:
        return [head, _t(lang, "  (kein einzelner Grund gefunden)", "  (no single reason found)")]
    lines = [head, *(f"  - {horizon_rule_text(years, model, rule, lang)}" for rule in conflict)]
    repairs = []
    for rule in conflict:
        if rule[0] not in (rules.BUDGET_KOMMUNE.name, rules.BUDGET_KREIS.name):
            continue
        found = budget_repair(instance, model, rule, time_limit)
        label, _, payer = rule[1].partition(": ")
        who = payer or years[label].instance.kreis.name
        if found is None:
            repairs.append(
                f"  - {label}: Budget {who}: "
                + _t(lang, "keine Änderung dieser Zahl allein hilft", "no change of this number alone helps")
            )
            continue
        needed, now, held = found
        was = _t(lang, "unbegrenzt", "unlimited") if now is None else fmt_euros(now, lang)
        span = held[0] if len(held) == 1 else f"{held[0]}–{held[-1]}"
        repairs.append(f"  - {span}: Budget {who} ≥ {fmt_euros(needed, lang)} ({_t(lang, 'bisher', 'now')} {was})")
    if repairs:
        lines += [
            _t(
                lang,
                "Kleinste Änderungen (je eine genügt, alle Bausteine zusammen):",
                "Smallest changes (any one suffices, all Bausteine together):",
            ),
            *repairs,
        ]
    return lines


def horizon_explain_text(
    instance: Instance, model: PlanningModel, lang: str = "de", time_limit: float = 60.0
) -> tuple[str, str]:
    """``(status, text)`` for ``kimopt explain`` on a horizon instance."""
    lines = horizon_conflict(instance, model, lang, time_limit)
    if lines is not None:
        return "INFEASIBLE", "\n".join(lines)
    lines = [
        _t(
            lang,
            f"{instance.name}: ein Plan über alle Jahre ist möglich (kimopt solve zeigt ihn mit der Haushaltstabelle).",
            f"{instance.name}: a plan over all years is possible (kimopt solve shows it with the budget table).",
        )
    ]
    for year in expand(instance):
        for rule in rules.HORIZON_RULES:
            if (
                rule.decides
                or (rule is rules.COORDINATION and instance.coordination is None)
                or (rule is rules.AUTHORITIES and instance.authorities is None)
            ):
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
        return _t(
            lang,
            f"{instance.name}: keine zulässige Verteilung – die Regeln widersprechen sich.",
            f"{instance.name}: no feasible allocation – the rules contradict each other.",
        )
    return "\n".join(lines)
