"""„Wie wurde entschieden?“: each objective level and each binding rule in a plain sentence.

For a committee member: no symbols, no rule keys. The exact names, values and bounds stay in
the appendix (:func:`appendix_tables`).
"""

from __future__ import annotations

from kimopt.labels import RULE_NAMES, pick, t
from kimopt.numbers import fmt_euros, fmt_level, fmt_number
from kimopt.plan_file import BindingRule, Figure, LevelEntry, PlanFile
from kimopt.report.tables import OneYear, Table, indices_table, objectives_table, percent, vzae

ORDER_DE = ["Zuerst", "Danach", "Als Nächstes", "Dann", "Außerdem", "Schließlich"]
ORDER_EN = ["First", "Next", "Then", "After that", "Also", "Finally"]


def _value(value: Figure | None, level: LevelEntry | None, name: str, lang: str) -> str:
    """A level's ``value`` in its unit (``level``: the plan's entry of level ``name``, if any)."""
    if value is None:
        return "–"
    unit = level.unit if level is not None else None
    if unit == "EUR":
        return fmt_euros(int(value), lang)
    if unit == "VZÄ":
        return f"{fmt_number(value, 1 if name != 'proportionality' else 3, lang)} VZÄ"
    return str(value)


def level_sentence(level: LevelEntry, plan: OneYear, lang: str) -> str:
    """What one level did, as the committee would say it."""
    s = plan.summary
    name, v = level.name, _value(level.value, level, level.name, lang)
    if name == "use_positions":
        return t(
            lang,
            f"möglichst viele förderfähige Stellen nutzen: {vzae(s.positions_used, lang)} von "
            f"{vzae(s.positions_fundable, lang)} VZÄ werden eingesetzt.",
            f"use as many fundable positions as possible: {vzae(s.positions_used, lang)} of "
            f"{vzae(s.positions_fundable, lang)} VZÄ are used.",
        )
    if name == "proportionality" and level.measure == "max":
        return t(
            lang,
            f"die Stellen so nach dem Verteilungsschlüssel verteilen, dass keine Kommune weit von "
            f"ihrem rechnerischen Anteil abweicht: höchstens {v}.",
            f"share the positions by the key so that no Kommune is far from its calculated share: at most {v}.",
        )
    if name == "proportionality":
        return t(
            lang,
            f"die Stellen möglichst genau nach dem Verteilungsschlüssel (Einwohner) verteilen: alle "
            f"Kommunen zusammen weichen um {v} von ihrem rechnerischen Anteil ab – weniger ist "
            "nach den Regeln nicht möglich, weil Stellen nur in ganzen Schritten vergeben werden.",
            f"share the positions as closely as possible by the key (population): together the Kommunen "
            f"differ by {v} from their calculated shares – no plan within the rules does better, since "
            "positions come in whole steps.",
        )
    if name == "partner_share":
        return t(
            lang,
            f"möglichst viele Stellen an Kommunen und Träger geben: {vzae(s.partner_vzae, lang)} VZÄ; "
            f"der Kreis behält {vzae(s.kreis_vzae, lang)} VZÄ ({percent(s.kreis_share, lang)}).",
            f"give as many positions as possible to Kommunen and Träger: {vzae(s.partner_vzae, lang)} VZÄ; "
            f"the Kreis keeps {vzae(s.kreis_vzae, lang)} VZÄ ({percent(s.kreis_share, lang)}).",
        )
    if name == "own_cost":
        return t(
            lang,
            f"den Eigenanteil von Kreis und Kommunen so klein wie möglich halten: {v} im Jahr.",
            f"keep the own share of Kreis and Kommunen as small as possible: {v} a year.",
        )
    if name == "stability":
        return t(
            lang,
            f"so wenig wie möglich an den bestehenden Stellen ändern: {v} Änderung insgesamt.",
            f"change the existing positions as little as possible: {v} of change in all.",
        )
    if name == "fewer_hosts":
        return t(
            lang,
            f"mit möglichst wenigen Anstellungsträgern und geteilten Stellen auskommen: {v}.",
            f"make do with as few employers and shared positions as possible: {v}.",
        )
    return f"{name}: {v}"


def binding_sentence(binding: BindingRule, plan: OneYear, lang: str) -> str:
    """A rule that limited the plan, and what would be possible without it."""
    rule, subject = binding.rule, binding.subject or ""
    level = next((lv for lv in plan.objectives if lv.name == binding.level), None)
    before = _value(binding.value, level, binding.level, lang)
    after = None if binding.relaxed_value is None else _value(binding.relaxed_value, level, binding.level, lang)
    what = {
        "funding_cap": t(lang, "Es gibt nicht mehr förderfähige Stellen", "There are no more fundable positions"),
        "kreis_share": t(
            lang,
            "Der Kreis muss mindestens seinen Mindestanteil der Stellen behalten",
            "The Kreis must keep at least its minimum share of the positions",
        ),
        "provider_area": t(
            lang,
            f"{subject} kann nicht mehr Stellen übernehmen (Kapazität, Gebiet)",
            f"{subject} cannot take more positions (capacity, area)",
        ),
        "budget_kommune": t(
            lang, f"Das Budget von {subject} reicht nicht für mehr", f"The budget of {subject} does not allow more"
        ),
        "budget_kreis": t(
            lang, "Das Budget des Kreises reicht nicht für mehr", "The Kreis's budget does not allow more"
        ),
        "host_size": t(
            lang,
            f"{subject} kann nur Stellen in bestimmter Größe anstellen",
            f"{subject} can employ positions of certain sizes only",
        ),
        "sharing": t(
            lang,
            f"{subject} kann Stellen nur mit seinen Partnerkommunen teilen",
            f"{subject} can share positions only with its partner Kommunen",
        ),
        "existing": t(
            lang, f"Bestehende Stellen bei {subject} bleiben erhalten", f"Existing positions at {subject} stay"
        ),
        "reachability": t(
            lang, f"{subject} muss vor Ort erreichbar versorgt sein", f"{subject} must be served locally"
        ),
        "quota_rule": t(
            lang,
            "Jede Kommune muss nahe an ihrem rechnerischen Anteil liegen (Quotenregel)",
            "Every Kommune must be close to its calculated share (quota rule)",
        ),
    }.get(rule, pick(RULE_NAMES.get(rule, (rule, rule)), lang))
    label = {
        "use_positions": t(lang, "genutzte Stellen", "positions used"),
        "proportionality": t(lang, "Abweichung vom Verteilungsschlüssel", "deviation from the key"),
        "partner_share": t(lang, "Stellen bei Kommunen und Trägern", "positions with Kommunen and Träger"),
        "own_cost": t(lang, "Eigenanteil", "own share"),
        "stability": t(lang, "Änderung am Bestand", "change to existing positions"),
        "fewer_hosts": t(lang, "Anstellungsträger und geteilte Stellen", "employers and shared positions"),
    }.get(binding.level, binding.level)
    if after is None:
        effect = t(
            lang,
            f"ohne diese Grenze wäre bei „{label}“ mehr als {before} möglich",
            f"without this limit, more than {before} would be possible for '{label}'",
        )
    else:
        effect = t(
            lang,
            f"ohne diese Grenze wären bei „{label}“ {after} statt {before} möglich",
            f"without this limit, '{label}' could be {after} instead of {before}",
        )
    return f"{what}; {effect}."


def decision_table(plan: PlanFile, lang: str) -> Table:
    """The sentences, in the order the levels were solved, then the binding rules."""
    order = ORDER_DE if lang == "de" else ORDER_EN
    levels = plan.objectives
    rows = []
    for n, level in enumerate(levels):
        word = order[-1] if n == len(levels) - 1 and n else order[min(n, len(order) - 2)]
        sentence = f"{word}: {level_sentence(level, plan, lang)}"
        if not level.proven_optimal:
            sentence += t(
                lang, " (Im Zeitlimit nicht als bestmöglich bewiesen.)", " (Not proven best within the time limit.)"
            )
        rows.append([sentence])
    rows.append(
        [
            t(
                lang,
                "Jeder Schritt hält das Ergebnis der vorigen fest; ein späterer Schritt darf ein früheres "
                "Ergebnis nie verschlechtern. Bleiben danach mehrere gleich gute Pläne, entscheidet eine "
                "feste Reihenfolge (eigene Stellen der Kommunen vor Trägern vor dem Kreis), damit dieselben "
                "Eingaben immer denselben Plan ergeben.",
                "Each step keeps what the earlier ones achieved; a later step never makes an earlier result "
                "worse. Where several plans remain equally good, a fixed order decides (a Kommune's own staff "
                "before Träger before the Kreis), so the same inputs always give the same plan.",
            )
        ]
    )
    for label, entry in _years(plan):
        bindings = entry.summary.binding_rules
        if bindings:
            rows.append([label + t(lang, "Diese Regeln haben den Plan begrenzt:", "These rules limited the plan:")])
            rows += [["– " + binding_sentence(b, entry, lang)] for b in bindings]
        elif bindings == []:
            rows.append([label + t(lang, "Keine einzelne Regel begrenzt den Plan.", "No single rule limits the plan.")])
    return Table(
        "decision",
        t(lang, "Wie wurde entschieden?", "How was it decided?"),
        [t(lang, "Schritt", "Step")],
        rows,
        prose=True,
    )


def appendix_tables(plan: PlanFile, lang: str) -> list[Table]:
    """The exact terms: objective levels with values and bounds, indices, binding rules."""
    objectives, indices = objectives_table(plan, lang), indices_table(plan, lang)
    objectives.title = t(lang, "Anhang: Zielebenen mit Wert und Schranke", "Appendix: objective levels, values, bounds")
    indices.title = t(lang, "Anhang: Maße der Disproportionalität", "Appendix: disproportionality measures")
    tables = [objectives, indices]
    several = bool(plan.years)
    rows = []
    for label, entry in _years(plan):
        units = {lv.name: lv.unit for lv in entry.objectives}
        rows += [
            [
                *([label.removesuffix(": ")] if several else []),
                b.rule,
                b.subject or "",
                b.level,
                fmt_level(b.value, units.get(b.level, ""), lang),
                fmt_level(b.relaxed_value, units.get(b.level, ""), lang),
            ]
            for b in entry.summary.binding_rules or []
        ]
    if rows:
        head = [
            t(lang, "Regel", "Rule"),
            t(lang, "betrifft", "subject"),
            t(lang, "Ebene", "Level"),
            t(lang, "Wert", "Value"),
            t(lang, "gelockert", "relaxed"),
        ]
        numbers = {3, 4} if not several else {4, 5}
        tables.append(
            Table(
                "binding",
                t(lang, "Anhang: begrenzende Regeln", "Appendix: binding rules"),
                [t(lang, "Jahr", "Year"), *head] if several else head,
                rows,
                numbers,
            )
        )
    return tables


def _years(plan: PlanFile) -> list[tuple[str, OneYear]]:
    """Each year's plan with the label its lines start with („2023: “); a plan of one year is its own."""
    if not plan.years:
        return [("", plan)]
    return [(f"{entry.year}: ", entry) for entry in plan.years]
