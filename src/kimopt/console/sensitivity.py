"""The sensitivity analysis for the terminal: population and budget thresholds, the trade-off."""

from __future__ import annotations

from typing import Any

from kimopt.console.table import text_table as _table
from kimopt.labels import DEVIATION_SUM, pick


def render_sensitivity(data: dict[str, Any], lang: str = "de") -> str:
    """Three tables: population thresholds, budget thresholds, the trade-off curve."""
    from kimopt.numbers import fmt_euros, fmt_number

    de = lang == "de"
    lines = [f"{'Sensitivität' if de else 'Sensitivity'} – {data['instance']}"]

    def step(found: dict[str, Any] | None, sign: str) -> str:
        if found is None:
            return "–"
        after = found["coverage_after"]
        shown = "–" if after is None else fmt_number(after, 1, lang)
        return f"{sign}{fmt_number(found['inhabitants'], 0, lang)} → {shown} VZÄ"

    if data["populations"]:
        lines += [
            "",
            "Einwohner, die die VZÄ einer Kommune ändern:" if de else "Inhabitants that change a Kommune's VZÄ:",
            "",
        ]
        rows = [
            [
                "Kommune",
                "Einwohner" if de else "Population",
                "VZÄ",
                "mehr" if de else "more",
                "weniger" if de else "fewer",
            ]
        ]
        rows += [
            [
                p["name"],
                fmt_number(p["population"], 0, lang),
                fmt_number(p["coverage"], 1, lang),
                step(p["increase"], "+"),
                step(p["decrease"], "−"),
            ]
            for p in data["populations"]
        ]
        lines += _table(rows, {1, 2, 3, 4})
    if data["budgets"]:
        lines += [
            "",
            "Kleinste Budgeterhöhung, die den Plan ändert:"
            if de
            else "Smallest budget increase that changes the plan:",
            "",
        ]
        rows = [
            [
                "Zahler" if de else "Payer",
                "Budget",
                "Erhöhung" if de else "Increase",
                "Eigenanteil vorher → nachher" if de else "Eigenanteil before → after",
            ]
        ]
        notes = []
        for b in data["budgets"]:
            before = fmt_euros(b["eigenanteil_before_eur"], lang)
            if b["increase_eur"] is None:
                none = "keine Erhöhung ändert den Plan" if de else "no increase changes the plan"
                rows.append([b["payer"], fmt_euros(b["budget_eur"], lang), "–", none])
                continue
            after = b["eigenanteil_after_eur"]
            unsure = "" if b["verified"] else (" (nicht bestätigt)" if de else " (not confirmed)")
            rows.append(
                [
                    b["payer"],
                    fmt_euros(b["budget_eur"], lang),
                    "+" + fmt_euros(b["increase_eur"], lang) + unsure,
                    f"{before} → " + ("–" if after is None else fmt_euros(after, lang)),
                ]
            )
            notes.append(
                f"  {b['payer']}: "
                + "; ".join(
                    f"{c['host']} → {c['kommune']} {fmt_number(c['before_vzae'], 1, lang)} → "
                    f"{fmt_number(c['after_vzae'], 1, lang)} VZÄ"
                    for c in b["changes"]
                )
            )
        lines += _table(rows, {1, 2})
        if notes:
            lines += ["", "Was sich ändert:" if de else "What changes:", *notes]
    if data["tradeoff"] is not None:
        curve = data["tradeoff"]
        lines += [
            "",
            (
                "Zielkonflikt bei {n} VZÄ (ε-Beschränkung, Pareto-optimal):"
                if de
                else "Trade-off at {n} VZÄ (ε-constraint, Pareto optimal):"
            ).format(n=fmt_number(curve["positions_used"], 1, lang)),
            "",
        ]
        rows = [["Eigenanteil", pick(DEVIATION_SUM, "de" if de else "en")]]
        rows += [
            [fmt_euros(p["eigenanteil_eur"], lang), f"{fmt_number(p['deviation_l1'], 3, lang)} VZÄ"]
            for p in curve["points"]
        ]
        lines += _table(rows, {0, 1})
        if len(curve["points"]) == 1:
            lines.append(
                "Kein Zielkonflikt: weniger Eigenanteil ist bei dieser Stellenzahl nicht möglich."
                if de
                else "No trade-off: no allocation of these positions costs less."
            )
        if not curve["complete"]:
            lines.append("… (--max-points erreicht / reached)")
    return "\n".join(lines)


YEARS_MEANING = (
    "Je Jahr: wie empfindlich der Plan dieses Jahres auf seine eigenen Zahlen reagiert; die Vorjahre "
    "bleiben wie geplant. Budgets gelten für alle Bausteine (Baustein 1 und 3 eingerechnet), "
    "Eigenanteil und Zielkonflikt für Baustein 2.",
    "Per year: how sensitive that year's plan is to its own numbers, the years before kept as planned. "
    "Budgets cover all Bausteine (Bausteine 1 and 3 counted in), Eigenanteil and trade-off are Baustein 2's.",
)


def render_sensitivity_years(data: dict[str, Any], lang: str = "de") -> str:
    """A horizon: the meaning, then each year's tables under its heading („2022:“)."""
    de = lang == "de"
    lines = [f"{'Sensitivität' if de else 'Sensitivity'} – {data['instance']}", YEARS_MEANING[0 if de else 1]]
    for entry in data["years"]:
        body = render_sensitivity(entry, lang).split("\n")[1:]  # the title is the horizon's
        lines += ["", f"{year_label(entry)}:", *body]
    return "\n".join(lines)


def year_label(entry: dict[str, Any]) -> str:
    """The heading of a year of a horizon: its year, or „1“ for a single year without a number."""
    return "1" if entry.get("year") is None else str(entry["year"])
