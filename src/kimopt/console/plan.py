"""The plan as a readable text table for the terminal, German by default."""

from __future__ import annotations

from typing import Any

from kimopt.console.table import text_table as _table
from kimopt.labels import OBJECTIVE_LABELS, RULE_NAMES, status_label, unchecked_lines
from kimopt.labels import t as _t
from kimopt.numbers import fmt_euros, fmt_level, fmt_number
from kimopt.plan_file import LevelEntry, PlanFile
from kimopt.report.tables import unused_sentence
from kimopt.results import Status


def _level_status(level: LevelEntry, lang: str) -> str:
    """Bound and proof of one level; a level cut short by the time limit shows its gap."""
    unit = level.unit
    if level.proven_optimal:
        return f"{_t(lang, 'Schranke', 'bound')} {fmt_level(level.bound, unit, lang)}, " + _t(
            lang, "bewiesen optimal", "proven optimal"
        )
    if level.bound is None:
        return _t(
            lang,
            "im Zeitlimit nicht erreicht: Wert des Plans, keine Schranke",
            "not reached within the time limit: the plan's value, no bound",
        )
    gap = level.gap
    gap_text = f", {_t(lang, 'Lücke', 'gap')} {fmt_level(gap, unit, lang)}" if gap is not None else ""
    return f"{_t(lang, 'Schranke', 'bound')} {fmt_level(level.bound, unit, lang)}{gap_text}, " + _t(
        lang, "nicht bewiesen (Zeitlimit)", "not proven (time limit)"
    )


def render_plan(plan: PlanFile | dict[str, Any], lang: str = "de") -> str:
    """Summary table per Kommune, the totals and the objective levels (``Outcome.plan_json``: typed
    by the contract first)."""
    from kimopt.io.plan_file import as_plan_file

    plan = as_plan_file(plan)
    summary = plan.summary
    head = [
        _t(lang, "Kommune", "Kommune"),
        _t(lang, "Einwohner", "Population"),
        _t(lang, "Anteil", "Share"),
        _t(lang, "Soll-VZÄ", "Target VZÄ"),
        _t(lang, "Ist-VZÄ", "VZÄ"),
        _t(lang, "Abweichung", "Deviation"),
        _t(lang, "Träger/Stelle", "Employer"),
    ]
    rows = [head]
    for k in plan.kommunen:
        served = "; ".join(f"{s.host} {fmt_number(s.vzae, 1, lang)}" for s in k.served_by) or "–"
        deviation = k.deviation_vzae
        rows.append(
            [
                k.name,
                fmt_number(k.population, 0, lang),
                f"{fmt_number(k.key_share * 100, 2, lang)} %",
                fmt_number(k.target_vzae, 3, lang),
                fmt_number(k.coverage_vzae, 1, lang),
                ("+" if deviation > 0 else "") + fmt_number(deviation, 3, lang),
                served,
            ]
        )
    total_pop = sum(k.population for k in plan.kommunen)
    rows.append(
        [
            _t(lang, "Summe", "Total"),
            fmt_number(total_pop, 0, lang),
            f"{fmt_number(100, 2, lang)} %",
            fmt_number(sum(k.target_vzae for k in plan.kommunen), 3, lang),
            fmt_number(summary.positions_used, 1, lang),
            fmt_number(summary.deviation_l1, 3, lang) + " (Σ|·|)",
            "",
        ]
    )

    status = status_label(plan.status, lang)
    seconds = plan.solver.seconds
    lines = [
        f"{plan.instance} — {_t(lang, 'Modell', 'model')} {plan.model} — "
        f"{_t(lang, 'Status', 'status')}: {status}"
        + (f" ({fmt_number(seconds, 2, lang)} s)" if seconds is not None else ""),
        "",
    ]
    lines += _table(rows, {1, 2, 3, 4, 5})
    own = summary.eigenanteil_eur
    share = fmt_number(summary.kreis_share * 100, 1, lang)
    lines += [
        "",
        _t(lang, "Stellen", "Positions")
        + f": {fmt_number(summary.positions_used, 1, lang)} "
        + _t(lang, "von", "of")
        + f" {fmt_number(summary.positions_fundable, 1, lang)} VZÄ; "
        + f"Kreis {fmt_number(summary.kreis_vzae, 1, lang)} VZÄ ({share} %), "
        + _t(lang, "Kommunen/Träger", "Kommunen/Träger")
        + f" {fmt_number(summary.partner_vzae, 1, lang)} VZÄ",
        _t(lang, "Förderung", "Funding")
        + f": {fmt_euros(summary.funding_eur, lang)} "
        + _per_year(plan.finance.months, lang)
        + "; "
        + _t(lang, "Eigenanteil", "own share")
        + f": Kreis {fmt_euros(own.kreis, lang)}, "
        + _t(lang, "Kommunen", "Kommunen")
        + f" {fmt_euros(own.kommunen, lang)}, "
        + _t(lang, "Träger", "Träger")
        + f" {fmt_euros(own.traeger, lang)}",
    ]
    unused = unused_sentence(summary, lang)
    if unused:
        lines.insert(-1, _t(lang, "Achtung: ", "Note: ") + unused + ".")
    bestand = [(p.payer, p.bestand_eur) for p in plan.finance.eigenanteil if p.bestand_eur]
    if bestand:
        lines.append(
            _t(
                lang,
                "Bestand (bereits finanziert, nicht im Eigenanteil): ",
                "Existing positions (financed already, not in the own share): ",
            )
            + "; ".join(f"{payer} {fmt_euros(eur, lang)}" for payer, eur in bestand)
        )
    hosts = [h for h in plan.hosts if h.vzae > 0]
    if hosts:
        lines.append(
            _t(lang, "Anstellungsträger", "Employers")
            + ": "
            + "; ".join(f"{h.name} {fmt_number(h.vzae, 1, lang)}" for h in hosts)
        )
    lines += [
        "",
        _t(lang, "Ziele (lexikographisch, in dieser Reihenfolge):", "Objectives (lexicographic, in this order):"),
    ]
    for n, level in enumerate(plan.objectives, start=1):
        label = OBJECTIVE_LABELS.get(level.name, (level.name, level.name))[0 if lang == "de" else 1]
        lines.append(
            f"{n:>2}. {level.name:<16} {label:<40} {fmt_level(level.value, level.unit, lang):>14}"
            f"   {_level_status(level, lang)}"
        )
    tie = plan.solver.tie_break
    if plan.status == Status.OPTIMAL and tie is not None and not tie.proven:
        lines += [
            "",
            _t(
                lang,
                "Hinweis: Die Gleichstandsregel wurde im Zeitlimit nicht beendet; unter gleich guten "
                "Plänen kann ein Lauf einen anderen wählen (alle Ebenen bleiben optimal).",
                "Note: the tie-break did not finish in time; among equally good plans another run may "
                "choose another (every level stays optimal).",
            ),
        ]
    bindings = summary.binding_rules
    if bindings:
        lines += [
            "",
            _t(
                lang,
                "Begrenzende Regeln (Lockern verbessert eine Ebene):",
                "Binding rules (relaxing one improves a level):",
            ),
        ]
        for b in bindings:
            name = RULE_NAMES.get(b.rule, (b.rule, b.rule))[0 if lang == "de" else 1]
            subject = f" {b.subject}" if b.subject else ""
            unit = next((lv.unit for lv in plan.objectives if lv.name == b.level), "")
            after = (
                fmt_level(b.relaxed_value, unit, lang) if b.relaxed_value is not None else _t(lang, "besser", "better")
            )
            if b.relaxed_value is not None and not b.relaxed_value_proven:
                after += _t(lang, " (oder besser)", " (or better)")
            before = fmt_level(b.value, unit, lang)
            lines.append(f" - {name} ({b.rule}){subject}: {b.level} {before} → {after}")
    unchecked = summary.binding_rules_unchecked or []
    if unchecked:
        named = [
            (
                u.level,
                RULE_NAMES.get(u.rule, (u.rule, u.rule))[0 if lang == "de" else 1]
                + (f" {u.subject}" if u.subject else ""),
            )
            for u in unchecked
        ]
        lines += ["", *unchecked_lines(named, [lv.name for lv in plan.objectives], lang)]
    if plan.years:
        from kimopt.console.horizon import horizon_lines

        lines += horizon_lines(plan, lang)
    return "\n".join(lines)


def _per_year(months: int | None, lang: str) -> str:
    """„pro Jahr“, or the months of a year that is funded pro rata (DESIGN §5 ``months``)."""
    if months is None:
        return _t(lang, "pro Jahr", "per year")
    return _t(lang, f"im Jahr ({months} Monate, anteilig)", f"in the year ({months} months, pro rata)")
