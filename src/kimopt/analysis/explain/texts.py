"""Explanations in plain German (default) or English, with the rule names of DESIGN §2 and the
numbers of the instance: "Erreichbarkeit (reachability): 3 Kommunen × 1,5 VZÄ = 4,5 VZÄ >
Förderobergrenze (funding_cap) 3,0 VZÄ".
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from kimopt import rules
from kimopt.analysis.explain.core import Scenario, Wish
from kimopt.analysis.explain.repair import Repair
from kimopt.cpsat.switches import RuleId
from kimopt.labels import OBJECTIVE_LABELS, rule_instance_label
from kimopt.labels import t as _t
from kimopt.numbers import fmt_euros, fmt_number, fraction_text


def vzae(value: Fraction, lang: str) -> str:
    """VZÄ with as many decimals as the value needs (at least one): ``0,25 VZÄ``."""
    places = next((k for k in range(1, 7) if (value * 10**k).denominator == 1), 6)
    return f"{fmt_number(value, places, lang)} VZÄ"


def share(value: Fraction, lang: str) -> str:
    """A share as an exact fraction with its percentage: ``1/3 ≈ 33,3 %``."""
    return f"{fraction_text(value)} ≈ {fmt_number(value * 100, 1, lang)} %"


def rule_label(rule: RuleId, lang: str) -> str:
    """``Förderobergrenze``, ``Budget Voerde (Niederrhein)``: :func:`kimopt.labels.rule_instance_label`."""
    family, subject = rule
    return rule_instance_label(family, subject, lang)


def wish_text(wish: Wish, scenario: Scenario, lang: str) -> str:
    """``Voerde (Niederrhein) = 1,0 VZÄ``."""
    op = {"=": "=", ">=": "≥", "<=": "≤"}[wish.op]
    return f"{wish.name} {op} {vzae(wish.units * scenario.model.granularity_vzae, lang)}"


@rules.HOST_SIZE.describe
def _host_size(scenario: Scenario, subject: str, lang: str) -> str:
    model, inst = scenario.model, scenario.instance
    kommune = next((k for k in inst.kommunen if k.name == subject), None)
    sizes = _t(
        lang,
        f"0 VZÄ oder mindestens {vzae(model.min_host_vzae, lang)} in Schritten von {vzae(model.host_step_vzae, lang)}",
        f"0 VZÄ or at least {vzae(model.min_host_vzae, lang)} in steps of {vzae(model.host_step_vzae, lang)}",
    )
    if kommune is None:
        return sizes
    return sizes + _t(
        lang,
        f", höchstens {vzae(kommune.max_vzae, lang)}",
        f", at most {vzae(kommune.max_vzae, lang)}",
    )


def rule_text(scenario: Scenario, rule: RuleId, lang: str = "de") -> str:
    """One rule instance with its numbers, as one sentence."""
    family, subject = rule
    body = rules.rule(family).text(scenario, subject, lang)
    return f"{rule_label(rule, lang)}: {body}"


@rules.FUNDING_CAP.describe
def _funding_cap(scenario: Scenario, subject: str, lang: str) -> str:
    return _t(lang, "höchstens", "at most") + " " + vzae(scenario.instance.funding.positions_vzae, lang)


@rules.KREIS_SHARE.describe
def _kreis_share(scenario: Scenario, subject: str, lang: str) -> str:
    minimum = share(scenario.model.kreis_min_share, lang)
    return _t(lang, f"der Kreis behält mindestens {minimum} der VZÄ", f"the Kreis keeps at least {minimum} of the VZÄ")


@rules.SHARING.describe
def _sharing(scenario: Scenario, subject: str, lang: str) -> str:
    model = scenario.model
    return _t(
        lang,
        f"Partner nur, wenn {subject} sich selbst versorgt; höchstens "
        f"{model.max_sharing_partners} Partner; je Teil mindestens {vzae(model.share, lang)}",
        f"partners only if {subject} serves itself; at most {model.max_sharing_partners} "
        f"partners; each part at least {vzae(model.share, lang)}",
    )


@rules.PROVIDER_AREA.describe
def _provider_area(scenario: Scenario, subject: str, lang: str) -> str:
    traeger = next(t for t in scenario.instance.traeger if t.name == subject)
    return _t(
        lang,
        f"nur {', '.join(traeger.serves)}; höchstens {vzae(traeger.max_vzae, lang)}",
        f"only {', '.join(traeger.serves)}; at most {vzae(traeger.max_vzae, lang)}",
    )


@rules.EXISTING.describe
def _existing(scenario: Scenario, subject: str, lang: str) -> str:
    filled = vzae(existing_of(scenario, subject), lang)
    return _t(lang, f"{filled} besetzte Stellen bleiben", f"{filled} filled positions stay")


@rules.CONTINUITY.describe
def _continuity(scenario: Scenario, subject: str, lang: str) -> str:
    carried = scenario.carried
    held = carried.held if carried is not None else {}
    # the year's cuts (its least cut, already made) are part of the rule as the year has it
    cuts = (
        _t(
            lang,
            f", Kürzungen höchstens {vzae(carried.allowance, lang)} insgesamt",
            f", cuts at most {vzae(carried.allowance, lang)} in all",
        )
        if carried is not None and carried.allowance
        else ""
    )
    if scenario.model.continuity == "total":
        everything = vzae(sum(held.values(), Fraction(0)), lang)
        return _t(
            lang,
            f"insgesamt mindestens {everything} wie im Vorjahr (Stellen dürfen wechseln){cuts}",
            f"at least {everything} in all as the year before (positions may move){cuts}",
        )
    before = next((v for (_, name), v in held.items() if name == subject), Fraction(0))
    return _t(
        lang,
        f"hält mindestens {vzae(before, lang)} wie im Vorjahr{cuts}",
        f"keeps at least {vzae(before, lang)} as the year before{cuts}",
    )


@rules.BUDGET_KOMMUNE.describe
def _budget_kommune(scenario: Scenario, subject: str, lang: str) -> str:
    budget = next(k.budget for k in scenario.instance.kommunen if k.name == subject)
    return budget_text(scenario, subject, budget, lang)


@rules.BUDGET_KREIS.describe
def _budget_kreis(scenario: Scenario, subject: str, lang: str) -> str:
    inst = scenario.instance
    return budget_text(scenario, inst.kreis.name, inst.kreis.budget, lang)


def budget_text(scenario: Scenario, payer: str, budget: int | None, lang: str) -> str:
    """``Eigenanteil höchstens 32.800 €``; in a year with Bausteine 1 and 3 the budget holds for all
    of them, and the part their fixed positions take is named:
    ``Eigenanteil aller Bausteine höchstens 10.000 €; fest gebunden: Koordination (Baustein 1) 8.200 €``."""
    limit = fmt_euros(budget or 0, lang)
    year = scenario.year
    if year is None or not year.fixed:
        return _t(lang, "Eigenanteil höchstens ", "own share at most ") + limit
    # a Kommune's capped coverage splits a position's Eigenanteil between it and the Kreis
    fixed = [(p, p.payments(scenario.instance, scenario.model).get(payer, Fraction(0))) for p in year.fixed]
    parts = []
    for baustein, de, en in ((1, "Koordination", "coordination"), (3, "Ausländerbehörde", "authorities")):
        paid = sum((amount for p, amount in fixed if p.baustein == baustein), Fraction(0))
        if paid:
            parts.append(
                _t(lang, f"{de} (Baustein {baustein}) ", f"{en} (Baustein {baustein}) ") + fmt_euros(paid, lang)
            )
    committed = (_t(lang, "; fest gebunden: ", "; committed: ") + ", ".join(parts)) if parts else ""
    return _t(lang, "Eigenanteil aller Bausteine höchstens ", "own share of all Bausteine at most ") + limit + committed


@rules.REACHABILITY.describe
def _reachability(scenario: Scenario, subject: str, lang: str) -> str:
    minimum = vzae(scenario.model.min_coverage_vzae, lang)
    return _t(lang, f"mindestens {minimum}", f"at least {minimum}")


@rules.QUOTA_RULE.describe
def _quota_rule(scenario: Scenario, subject: str, lang: str) -> str:
    g = scenario.model.granularity_vzae
    return _t(
        lang,
        f"Versorgung = Soll-VZÄ ab- oder aufgerundet auf {vzae(g, 'de')}",
        f"coverage = target rounded down or up to {vzae(g, 'en')}",
    )


def existing_of(scenario: Scenario, host: str) -> Fraction:
    """Existing VZÄ of a host by name."""
    inst = scenario.instance
    if host == inst.kreis.name:
        return inst.kreis.existing_vzae
    record = next((k for k in inst.kommunen if k.name == host), None) or next(t for t in inst.traeger if t.name == host)
    return record.existing_vzae


def _names(subjects: Sequence[str], lang: str) -> str:
    if len(subjects) <= 4:
        return ", ".join(subjects)
    return ", ".join(subjects[:3]) + _t(lang, f" und {len(subjects) - 3} weitere", f" and {len(subjects) - 3} more")


def conflict_lines(scenario: Scenario, conflict: Sequence[RuleId], lang: str = "de") -> list[str]:
    """The conflict, one line per rule (reachability and quota rule grouped over Kommunen).

    When the funding cap meets only minimum coverage, or only existing positions, the
    arithmetic is shown in one line: demand > cap.
    """
    members = list(conflict)
    families = {r[0] for r in members}
    cap_rule, reach, existing = rules.FUNDING_CAP.name, rules.REACHABILITY.name, rules.EXISTING.name
    cap_text = f"{rule_label((cap_rule, ''), lang)} {vzae(scenario.instance.funding.positions_vzae, lang)}"
    if families == {cap_rule, reach}:
        n = sum(1 for r in members if r[0] == reach)
        each = scenario.model.min_coverage_vzae
        return [
            f"{rule_label((reach, ''), lang)}: {n} Kommunen × {vzae(each, lang)} = {vzae(n * each, lang)} > {cap_text}"
        ]
    if families == {cap_rule, existing}:
        hosts = [r[1] for r in members if r[0] == existing]
        parts = " + ".join(f"{h} {vzae(existing_of(scenario, h), lang)}" for h in hosts)
        total = sum((existing_of(scenario, h) for h in hosts), Fraction(0))
        return [f"{rule_label((existing, ''), lang)}: {parts} = {vzae(total, lang)} > {cap_text}"]
    lines: list[str] = []
    done: set[str] = set()
    for member in members:
        family = member[0]
        if rules.rule(family).grouped:
            if family in done:
                continue
            done.add(family)
            subjects = [r[1] for r in members if r[0] == family]
            text = rule_text(scenario, (family, ""), lang)
            head, body = text.split(": ", 1)
            lines.append(f"{head} {_names(subjects, lang)}: {body}")
            continue
        lines.append(rule_text(scenario, member, lang))
    return lines


def _number(repair: Repair, value: Fraction | None, lang: str) -> str:
    if value is None:
        return _t(lang, "unbegrenzt", "unlimited")
    if repair.unit == "EUR":
        return fmt_euros(int(value), lang)
    if repair.unit == "share":
        return share(value, lang)
    return vzae(value, lang)


def repair_text(repair: Repair, lang: str = "de") -> str:
    """``Budget Voerde (Niederrhein) ≥ 16.400 € (bisher 0 €)`` or why no single number helps."""
    if repair.number is None:
        return f"{rule_label(repair.rule, lang)}: " + _t(
            lang,
            "keine einzelne Zahl – nur die Regel selbst lockern",
            "no single number – relax the rule itself",
        )
    label = rules.NUMBERS[repair.number].label(lang, repair.subject)
    if repair.value is None:
        return f"{label}: " + _t(
            lang, "keine Änderung dieser Zahl allein hilft", "no change of this number alone helps"
        )
    op = "≥" if repair.direction == ">=" else "≤"
    text = (
        f"{label} {op} {_number(repair, repair.value, lang)} ({_t(lang, 'bisher', 'now')} "
        f"{_number(repair, repair.current, lang)})"
    )
    return text if repair.verified else text + _t(lang, " – nicht bestätigt", " – not confirmed")


def level_label(name: str, lang: str) -> str:
    """The objective level's name for people."""
    return OBJECTIVE_LABELS.get(name, (name, name))[0 if lang == "de" else 1]


def level_value(value: Fraction, unit: str, lang: str) -> str:
    """A level's value in its unit."""
    if unit == "EUR":
        return fmt_euros(round(value), lang)
    if unit == "VZÄ":
        return f"{fmt_number(value, 3, lang)} VZÄ"
    return str(value)


def signed(value: Fraction, unit: str, lang: str) -> str:
    """A difference with its sign: ``+0,14 VZÄ``, ``−8.200 €``."""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + level_value(abs(value), unit, lang)
