"""The Haushalt tables of a plan over several years and Bausteine (DESIGN §5), for the terminal.

Year × payer: each payer's Eigenanteil of all Bausteine per year (with its budget); year ×
employer: the VZÄ each employer holds per Baustein. The rows are the reports' own
(:mod:`kimopt.report.horizon`), drawn as text.
"""

from __future__ import annotations

from kimopt.console.table import text_table as table
from kimopt.cut_text import year_cut_texts
from kimopt.labels import objective_label, status_label
from kimopt.labels import t as _t
from kimopt.numbers import fmt_level, fmt_number
from kimopt.plan_file import PlanFile
from kimopt.report.horizon import eigenanteil_table, member_sentences, vzae_table
from kimopt.report.tables import unused_sentence


def horizon_lines(plan: PlanFile, lang: str) -> list[str]:
    """The two tables, per-year level values and continuity cuts, as text lines."""
    years = plan.years or []
    first = years[0].year if years else None
    lines = [
        "",
        _t(
            lang,
            f"Oben: das erste Jahr ({first}), Baustein 2. Alle Jahre und Bausteine:",
            f"Above: the first year ({first}), Baustein 2. Every year and Baustein:",
        ),
        "",
        _t(
            lang,
            "Eigenanteil je Jahr und Zahler (alle Bausteine, € pro Jahr):",
            "Own share per year and payer (all Bausteine, € per year):",
        ),
    ]
    for_year = eigenanteil_table(plan, lang)
    lines += table([for_year.head, *for_year.rows], for_year.numeric)
    lines += [
        "",
        _t(lang, "VZÄ je Jahr und Anstellungsträger nach Baustein:", "VZÄ per year and employer by Baustein:"),
    ]
    by_employer = vzae_table(plan, lang)
    lines += table([by_employer.head, *by_employer.rows], by_employer.numeric)
    lines += [
        "",
        _t(
            lang,
            "Ziele je Jahr (Jahr für Jahr optimiert, frühere Jahre zuerst):",
            "Objectives per year (optimised year by year, earlier years first):",
        ),
    ]
    for year in years:
        proven = all(level.proven_optimal for level in year.objectives)
        values = "; ".join(
            f"{objective_label(level.name, lang)} {fmt_level(level.value, level.unit, lang)}"
            for level in year.objectives
        )
        status = status_label(year.status, lang) if proven else _t(lang, "nicht bewiesen", "not proven")
        lines.append(f" {year.year}, {status}: {values}")
        unused = unused_sentence(year.summary, lang)
        if unused:
            lines.append(f"   {unused}.")
        lines += ["   " + _t(lang, "Kürzung ", "Cut ") + text for text in year_cut_texts(year, lang)]
        for held in year.held_back or []:  # lookahead: given way for a later year
            vzae = fmt_number(held.vzae, 1, lang)
            lines.append(
                "   "
                + _t(
                    lang,
                    f"zurückgehalten für {held.for_year}: {held.host} {vzae} VZÄ (damit {held.for_year} "
                    "nicht kürzen muss)",
                    f"held back for {held.for_year}: {held.host} {vzae} VZÄ (so that {held.for_year} needs no cut)",
                )
            )
        lines += ["   " + sentence for sentence in member_sentences(year, lang)]
    return lines
