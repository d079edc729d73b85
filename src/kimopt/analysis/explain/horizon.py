"""``explain`` for several years and Bausteine: which rule of which year and Baustein conflicts.

The years are decided in order (:mod:`kimopt.solve_horizon`), so a conflict lies in the first
year without a plan, given the years before. That year is a one-year problem: the deletion
filter of :mod:`kimopt.analysis.explain.core` finds a minimal conflict over its rules, and each
rule is told with that year's numbers and, for budgets, the fixed share of Bausteine 1 and 3:
"2023: Budget Voerde (Niederrhein): Eigenanteil aller Bausteine höchstens 0 € …".
Continuity is not among them: where keeping the year before's positions is all that stands in
the way, the year cuts (and says so) instead of failing.
"""

from __future__ import annotations

from kimopt import rules
from kimopt.analysis.explain.core import ExplainTimeout, Oracle, Scenario, minimal_conflict
from kimopt.analysis.explain.repair import current_value, least_budget
from kimopt.analysis.explain.texts import rule_label, rule_text
from kimopt.cpsat.switches import RuleId
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import HorizonYear
from kimopt.labels import t as _t
from kimopt.numbers import fmt_euros, fmt_number
from kimopt.problem import Carried
from kimopt.results import Status
from kimopt.solve_horizon import YearResult, solve_horizon


def _positions(year: HorizonYear, baustein: int, lang: str) -> str:
    assistant = _t(lang, " Assistenz", " assistant")
    parts = [
        f"{p.host} {fmt_number(p.vzae, 1, lang)} VZÄ" + (assistant if p.role == "assistant" else "")
        for p in year.fixed
        if p.baustein == baustein
    ]
    return ", ".join(parts) if parts else _t(lang, "keine Stellen", "no positions")


@rules.COORDINATION.describe_year
def _coordination(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(
        lang,
        "Koordinierende beim Kreis und bei jeder Kommune mit allen Merkmalen: ",
        "coordinators at the Kreis and at every Kommune with every flag: ",
    ) + _positions(year, 1, lang)


@rules.AUTHORITIES.describe_year
def _authorities(year: HorizonYear, model: PlanningModel, subject: str, lang: str) -> str:
    return _t(
        lang,
        "genau die Stellen der Liste, beim Kreis oder einer Kommune mit Ausländer- oder Einbürgerungsbehörde: ",
        "exactly the listed positions, at the Kreis or a Kommune with an Ausländer- or Einbürgerungsbehörde: ",
    ) + _positions(year, 3, lang)


def failed_year(instance: Instance, model: PlanningModel, time_limit: float = 60.0) -> YearResult | None:
    """The first year without a plan, given the years before (``None`` when every year has one).

    Raises
    ------
    ExplainTimeout
        If that could not be decided within the time limit.
    """
    result = solve_horizon(instance, model, time_limit)
    if result.failed_year is None:
        return None
    failed = result.years[-1]
    if failed.status is Status.UNKNOWN:
        raise ExplainTimeout(str(failed.status))
    return failed


def year_scenario(year: HorizonYear, model: PlanningModel, carried: Carried | None = None) -> Scenario:
    """A year as explain sees it: its Baustein 2 with the real budgets, Bausteine 1 and 3 fixed
    (their Eigenanteil counts against each budget), and what the year before left it."""
    return Scenario(year.instance, model, carried=carried, year=year)


def horizon_rule_text(year: HorizonYear, model: PlanningModel, rule: RuleId, lang: str) -> str:
    """One rule instance of one year, with that year's numbers and the Baustein it belongs to."""
    family, subject = rule
    label = year.label
    entry = rules.rule(family)
    if entry.horizon:
        return f"{label}: " + rule_label(rule, lang) + ": " + entry.year_text(year, model, subject, lang)
    if entry in (rules.BUDGET_KOMMUNE, rules.BUDGET_KREIS):
        return f"{label}: " + rule_text(year_scenario(year, model), rule, lang)
    return f"{label}: Baustein 2 – " + rule_text(Scenario(year.instance, model), rule, lang)


def horizon_conflict(
    instance: Instance,
    model: PlanningModel,
    lang: str = "de",
    time_limit: float = 60.0,
    failed: YearResult | None = None,
) -> list[str] | None:
    """The minimal conflict and the smallest budget repairs as lines, or ``None`` if every year has a plan.

    ``failed``: the first year without a plan when the caller has solved the horizon already.
    """
    failed = failed or failed_year(instance, model, time_limit)
    if failed is None:
        return None
    year = failed.horizon
    scenario = year_scenario(year, model)
    conflict = minimal_conflict(Oracle(scenario, time_limit))
    before = _t(lang, " (gegeben die Jahre davor)", " (given the years before)") if failed.problem.carried else ""
    head = _t(
        lang,
        f"{instance.name}: kein zulässiger Plan für {year.label}{before} – diese Regeln widersprechen sich "
        "(jede einzelne zu lockern macht einen Plan möglich):",
        f"{instance.name}: no feasible plan for {year.label}{before} – these rules contradict each other "
        "(relaxing any one of them makes a plan possible):",
    )
    if not conflict:
        return [head, _t(lang, "  (kein einzelner Grund gefunden)", "  (no single reason found)")]
    lines = [head, *(f"  - {horizon_rule_text(year, model, rule, lang)}" for rule in conflict)]
    repairs = []
    for rule in conflict:
        if rule[0] not in (rules.BUDGET_KOMMUNE.name, rules.BUDGET_KREIS.name):
            continue
        needed = least_budget(scenario, rule, time_limit)
        who = rule[1] or year.instance.kreis.name
        if needed is None:
            repairs.append(
                f"  - {year.label}: Budget {who}: "
                + _t(lang, "keine Änderung dieser Zahl allein hilft", "no change of this number alone helps")
            )
            continue
        now = current_value(scenario, "kreis_budget" if rule[1] == "" else "kommune_budget", rule[1])
        was = _t(lang, "unbegrenzt", "unlimited") if now is None else fmt_euros(now, lang)
        repairs.append(
            f"  - {year.label}: Budget {who} ≥ {fmt_euros(needed, lang)} ({_t(lang, 'bisher', 'now')} {was})"
        )
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


def fixed_lines(instance: Instance, year: HorizonYear, model: PlanningModel, lang: str) -> list[str]:
    """The fixed Baustein 1 and 3 positions of a year, one line per Baustein the instance has."""
    lines = []
    for rule in rules.HORIZON_RULES:
        if (rule is rules.COORDINATION and instance.coordination is None) or (
            rule is rules.AUTHORITIES and instance.authorities is None
        ):
            continue
        lines.append(f"{rule.label(lang)}: {rule.year_text(year, model, '', lang)}")
    return lines


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
