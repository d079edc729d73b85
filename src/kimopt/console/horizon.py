"""The Haushalt tables of a plan over several years and Bausteine (DESIGN §5), for the terminal.

Year × payer: each payer's Eigenanteil of all Bausteine per year (with its budget); year ×
employer: the VZÄ each employer holds per Baustein. The same rows feed the reports.
"""

from __future__ import annotations

from typing import Any

from kimopt.console.table import text_table as table
from kimopt.labels import t as _t
from kimopt.numbers import fmt_euros, fmt_number

BAUSTEINE = ("baustein_1", "baustein_2", "baustein_3")


def eigenanteil_rows(plan: dict[str, Any], lang: str = "de") -> list[list[str]]:
    """Header and one row per year and payer: Baustein 1, 2, 3, total, budget."""
    rows = [[_t(lang, "Jahr", "Year"), _t(lang, "Zahler", "Payer"), "Baustein 1", "Baustein 2", "Baustein 3",
             _t(lang, "Eigenanteil", "Own share"), _t(lang, "Budget", "Budget")]]
    for year in plan["years"]:
        for p in year["eigenanteil"]:
            budget = (_t(lang, "unbegrenzt", "unlimited") if p["budget_eur"] is None
                      else fmt_euros(p["budget_eur"], lang))
            if p["payer_type"] == "traeger":
                budget = "–"
            rows.append([str(year["year"]), p["payer"], *(fmt_euros(p[f"{b}_eur"], lang) for b in BAUSTEINE),
                         fmt_euros(p["eur"], lang), budget])
    return rows


def vzae_rows(plan: dict[str, Any], lang: str = "de") -> list[list[str]]:
    """Header and one row per year and employer: VZÄ in Baustein 1, 2, 3 and together."""
    rows = [[_t(lang, "Jahr", "Year"), _t(lang, "Anstellungsträger", "Employer"), "Baustein 1", "Baustein 2",
             "Baustein 3", _t(lang, "VZÄ gesamt", "VZÄ in total")]]
    for year in plan["years"]:
        for e in year["vzae_by_baustein"]:
            rows.append([str(year["year"]), e["employer"], *(fmt_number(e[f"{b}_vzae"], 1, lang) for b in BAUSTEINE),
                         fmt_number(e["vzae"], 1, lang)])
    return rows


def horizon_lines(plan: dict[str, Any], lang: str) -> list[str]:
    """The two tables, per-year level values and continuity cuts, as text lines."""
    first = plan["years"][0]["year"]
    lines = ["", _t(lang, f"Oben: das erste Jahr ({first}), Baustein 2. Alle Jahre und Bausteine:",
                    f"Above: the first year ({first}), Baustein 2. Every year and Baustein:"),
             "", _t(lang, "Eigenanteil je Jahr und Zahler (alle Bausteine, € pro Jahr):",
                    "Own share per year and payer (all Bausteine, € per year):")]
    lines += table(eigenanteil_rows(plan, lang), {2, 3, 4, 5, 6})
    lines += ["", _t(lang, "VZÄ je Jahr und Anstellungsträger nach Baustein:",
                     "VZÄ per year and employer by Baustein:")]
    lines += table(vzae_rows(plan, lang), {2, 3, 4, 5})
    lines += ["", _t(lang, "Ziele je Jahr (Jahr für Jahr optimiert, frühere Jahre zuerst):",
                     "Objectives per year (optimised year by year, earlier years first):")]
    for year in plan["years"]:
        proven = all(level["proven_optimal"] for level in year["objectives"])
        values = "; ".join(f"{level['name']} {_value(level, lang)}" for level in year["objectives"])
        lines.append(f" {year['year']} ({year['status']}, "
                     + (_t(lang, "bewiesen optimal", "proven optimal") if proven else _t(lang, "nicht bewiesen",
                                                                                          "not proven"))
                     + f"): {values}")
        for cut in year.get("continuity_cuts", []):
            lines.append("   " + _t(lang, f"Kürzung (Förderung fällt): {cut['host']} "
                                          f"{fmt_number(cut['from_vzae'], 1, lang)}"
                                          f" → {fmt_number(cut['to_vzae'], 1, lang)} VZÄ",
                                    f"cut (funding falls): {cut['host']} {fmt_number(cut['from_vzae'], 1, 'en')}"
                                    f" → {fmt_number(cut['to_vzae'], 1, 'en')} VZÄ"))
    return lines


def _value(level: dict[str, Any], lang: str) -> str:
    from kimopt.numbers import fmt_level

    return fmt_level(level["value"], level["unit"], lang)
