"""The three answers of ``kimopt explain``, as lines of text with their exit status.

- an impossible scenario: the minimal conflict and the smallest repairs (exit 3);
- a possible wish: its price against the optimal plan, level by level and payer by payer;
- a feasible instance: the binding rules of its optimal plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from kimopt.analysis.explain.binding import binding_rules
from kimopt.analysis.explain.core import ExplainTimeout, Oracle, Scenario, blocking_conflicts, feasible
from kimopt.analysis.explain.repair import joint_repair, smallest_repairs
from kimopt.analysis.explain.texts import (
    conflict_lines,
    level_label,
    level_value,
    repair_text,
    rule_text,
    signed,
    wish_text,
)
from kimopt.analysis.explain.wish import Price, optimal_plan, wish_price
from kimopt.cpsat.switches import RuleId
from kimopt.data import Instance, PlanningModel
from kimopt.labels import t as _t
from kimopt.labels import unchecked_lines
from kimopt.plan import Plan
from kimopt.results import Status

SHORT_LABELS: dict[str, tuple[str, str]] = {
    "use_positions": ("verwendet", "used"),  # after a figure in VZÄ: "−2,000 VZÄ verwendet"
    "proportionality": ("Abweichung", "deviation"),
    "partner_share": ("bei Kommunen/Trägern", "with Kommunen/Träger"),
    "own_cost": ("Eigenanteil gesamt", "own share in total"),
    "stability": ("Änderung ggü. Bestand", "change against existing"),
    "fewer_hosts": ("Anstellungsträger", "employers"),
}


@dataclass
class Answer:
    """What ``explain`` prints and how it exits: ``INFEASIBLE``, ``FEASIBLE`` or ``UNKNOWN``."""

    status: Status
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def conflict_answer(
    scenario: Scenario, lang: str = "de", time_limit: float = 60.0, what: tuple[str, str] | None = None
) -> Answer | None:
    """Minimal conflict and smallest repairs; ``None`` if the scenario is feasible.

    ``what`` (German, English): what has no plan, when it is not the instance itself
    („Ohne Kürzung kein zulässiger Plan“); a wish names itself."""
    conflicts = blocking_conflicts(Oracle(scenario, time_limit))
    if not conflicts:
        return None
    name = scenario.instance.name
    what = what or (f"{name}: kein zulässiger Plan", f"{name}: no feasible plan")
    if len(conflicts) > 1 and all(conflicts):
        return several_conflicts_answer(scenario, conflicts, lang, time_limit, what)
    conflict = conflicts[0]
    wish = scenario.wish
    if wish is None:
        head = _t(
            lang,
            f"{what[0]} – diese Regeln widersprechen sich (jede einzelne zu lockern macht einen Plan möglich):",
            f"{what[1]} – these rules contradict each other (relaxing any one of them makes a plan possible):",
        )
    else:
        wished = wish_text(wish, scenario, lang)
        head = _t(
            lang,
            f"Wunsch „{wished}“ ist nicht erfüllbar – er scheitert an diesen Regeln "
            "(jede einzelne zu lockern macht ihn möglich):",
            f"Wish '{wished}' cannot be met – it is blocked by these rules "
            "(relaxing any one of them makes it possible):",
        )
    if not conflict:
        reason = (
            _t(
                lang,
                "Der Wunsch ist für sich allein unmöglich, unabhängig von allen Regeln.",
                "The wish is impossible in itself, whatever the rules.",
            )
            if wish
            else _t(
                lang,
                "Unlösbar, ohne dass eine benannte Regel beteiligt ist.",
                "Infeasible without any named rule involved.",
            )
        )
        return Answer(Status.INFEASIBLE, [head.rsplit(" – ", 1)[0] + ".", reason])
    lines = [head, *(f"  - {line}" for line in conflict_lines(scenario, conflict, lang))]
    lines.append(
        _t(
            lang,
            "Kleinste Änderung je Zahl, die einen Plan möglich macht (alles andere bleibt):",
            "Smallest change of each number that makes a plan possible (all else unchanged):",
        )
    )
    lines += [f"  - {repair_text(r, lang)}" for r in smallest_repairs(scenario, conflict, time_limit)]
    return Answer(Status.INFEASIBLE, lines)


def several_conflicts_answer(
    scenario: Scenario, conflicts: list[list[RuleId]], lang: str, time_limit: float, impossible: tuple[str, str]
) -> Answer:
    """Several groups of limits block, each on its own: all of them, and one joint change."""
    what = _t(lang, *impossible)
    if scenario.wish is not None:
        wished = wish_text(scenario.wish, scenario, lang)
        what = _t(lang, f"Wunsch „{wished}“ ist nicht erfüllbar", f"Wish '{wished}' cannot be met")
    lines = [
        what
        + _t(
            lang,
            f" – {len(conflicts)} Grenzen stehen unabhängig voneinander im Weg; "
            "aus jeder muss eine Regel gelockert werden:",
            f" – {len(conflicts)} limits stand in the way independently; one rule of each must be relaxed:",
        )
    ]
    for n, conflict in enumerate(conflicts, start=1):
        found = conflict_lines(scenario, conflict, lang)
        lines.append(f"  {n}. " + found[0])
        lines += [f"     {line}" for line in found[1:]]
    joint = joint_repair(scenario, conflicts, time_limit)
    if joint is None:
        lines.append(
            _t(
                lang,
                "Keine gemeinsame Änderung von Zahlen hilft – mindestens eine Regel selbst lockern.",
                "No joint change of numbers helps – relax at least one rule itself.",
            )
        )
        return Answer(Status.INFEASIBLE, lines)
    lines.append(
        _t(
            lang,
            "Kleinste Änderung, gemeinsam (alle zusammen nötig, alles andere bleibt):",
            "Smallest joint change (all of them needed, all else unchanged):",
        )
    )
    lines += [f"  - {repair_text(r, lang)}" for r in joint.repairs]
    if not joint.verified:
        lines.append(_t(lang, "  (zusammen nicht bestätigt)", "  (not confirmed together)"))
    return Answer(Status.INFEASIBLE, lines)


def price_lines(scenario: Scenario, price: Price, lang: str = "de") -> list[str]:
    """The price of a possible wish: every level and every payer whose Eigenanteil changes."""
    assert scenario.wish is not None
    wished = wish_text(scenario.wish, scenario, lang)
    lines = [
        _t(
            lang,
            f"Wunsch „{wished}“ ist erfüllbar. Preis gegenüber dem optimalen Plan je Ebene:",
            f"Wish '{wished}' can be met. Its price against the optimal plan, level by level:",
        )
    ]
    short: list[str] = []
    for n, change in enumerate(price.levels, start=1):
        if change.before is None or change.after is None or change.delta is None:
            lines.append(
                f"  {n}. {level_label(change.name, lang):<44} "
                + _t(lang, "nicht bewiesen (Zeitlimit)", "not proven (time limit)")
            )
            continue
        lines.append(
            f"  {n}. {level_label(change.name, lang):<44} "
            f"{level_value(change.before, change.unit, lang)} → "
            f"{level_value(change.after, change.unit, lang)}  "
            f"({signed(change.delta, change.unit, lang)})"
        )
        if change.delta:
            label = SHORT_LABELS.get(change.name, (change.name, change.name))[0 if lang == "de" else 1]
            short.append(f"{signed(change.delta, change.unit, lang)} {label}")
    payers = [p for p in price.payers if p.after != p.before]
    if payers:
        lines.append(_t(lang, "Eigenanteil je Zahler (€ pro Jahr):", "Own share by payer (€ per year):"))
    for payer in payers:
        delta = payer.after - payer.before
        committed = scenario.committed(payer.payer)  # Bausteine 1 and 3: the same with and without the wish
        lines.append(
            f"  - {payer.payer}: {level_value(payer.before + committed, 'EUR', lang)} → "
            f"{level_value(payer.after + committed, 'EUR', lang)} ({signed(delta, 'EUR', lang)})"
        )
        short.append(f"{signed(delta, 'EUR', lang)} " + _t(lang, "Eigenanteil", "own share") + f" {payer.payer}")
    lines.append(
        _t(lang, "Kurz: ", "In short: ")
        + (
            ", ".join(short)
            if short
            else _t(
                lang,
                "kein Preis – der optimale Plan erfüllt den Wunsch bereits",
                "no price – the optimal plan already meets the wish",
            )
        )
    )
    return lines


def binding_lines(scenario: Scenario, lang: str = "de", time_limit: float = 60.0, plan: Plan | None = None) -> Answer:
    """The optimal plan's binding rules (``UNKNOWN`` if the optimum is not proven in time).

    ``plan``: the scenario's optimal plan when it is solved already (a year of a horizon)."""
    name = scenario.instance.name
    plan = plan or optimal_plan(scenario, time_limit)
    if plan is None or plan.status is not Status.OPTIMAL:
        return Answer(
            Status.UNKNOWN,
            [
                _t(
                    lang,
                    f"{name}: Optimum nicht im Zeitlimit bewiesen – bindende Regeln unbekannt.",
                    f"{name}: optimum not proven within the time limit – binding rules unknown.",
                )
            ],
        )
    bindings = binding_rules(scenario, plan)
    lines = [
        _t(
            lang,
            f"{name}: ein Plan ist möglich. Bindende Regeln (lockern verbessert eine Zielebene):",
            f"{name}: a plan is possible. Binding rules (relaxing one improves a level):",
        )
    ]
    if not bindings and bindings.complete:
        lines.append(
            _t(
                lang,
                "  keine – keine einzelne Regel begrenzt das Optimum.",
                "  none – no single rule limits the optimum.",
            )
        )
    for b in bindings:
        gain = (
            f"{level_value(b.before, b.unit, lang)} → {level_value(b.after, b.unit, lang)}"
            if b.after is not None
            else _t(lang, "würde besser", "would improve")
        )
        if b.after is not None and not b.proven:
            gain += _t(lang, " (oder besser)", " (or better)")
        lines.append(f"  - {rule_text(scenario, b.rule, lang)} ⇒ {level_label(b.level, lang)}: {gain}")
    if not bindings.complete:
        named = [(bindings.unchecked_from[r], rule_text(scenario, r, lang)) for r in bindings.unchecked]
        levels = [objective.name for objective in scenario.model.objectives]
        lines += [f"  {line}" for line in unchecked_lines(named, levels, lang)]
    return Answer(Status.FEASIBLE, lines)


def explain(scenario: Scenario, lang: str = "de", time_limit: float = 60.0, plan: Plan | None = None) -> Answer:
    """The answer for a scenario: conflict and repairs, the wish's price, or the binding rules.

    ``plan``: the optimal plan of the scenario without a wish, when it is solved already."""
    if plan is not None and scenario.wish is None:
        return binding_lines(scenario, lang, time_limit, plan)
    if not feasible(scenario, time_limit):
        answer = conflict_answer(scenario, lang, time_limit)
        if answer is None:  # only the switchable model's wider bounds could make this happen
            return Answer(
                Status.INFEASIBLE,
                [
                    _t(
                        lang,
                        f"{scenario.instance.name}: kein zulässiger Plan.",
                        f"{scenario.instance.name}: no feasible plan.",
                    )
                ],
            )
        return answer
    if scenario.wish is None:
        return binding_lines(scenario, lang, time_limit)
    price = wish_price(scenario, time_limit)
    if price is None:
        return Answer(
            Status.UNKNOWN,
            [_t(lang, "Kein Plan im Zeitlimit gefunden.", "No plan found within the time limit.")],
        )
    return Answer(Status.FEASIBLE, price_lines(scenario, price, lang))


def infeasible_text(instance: Instance, model: PlanningModel, lang: str = "de") -> str:
    """What ``kimopt solve`` prints for an infeasible instance: the same explanation as
    ``kimopt explain`` (a plain sentence if even that is not decided in time)."""
    try:
        answer = conflict_answer(Scenario(instance, model), lang, float(model.time_limit_s))
    except ExplainTimeout:
        answer = None
    if answer is None:
        return _t(
            lang,
            f"{instance.name}: keine zulässige Verteilung – die Regeln widersprechen sich.",
            f"{instance.name}: no feasible allocation – the rules contradict each other.",
        )
    return answer.text
