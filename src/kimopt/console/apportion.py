"""The apportionment of ``kimopt apportion`` for the terminal: the table and the tie warning."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from kimopt.console.table import text_table as _table

BOUND_NOTES = {
    "min": (" (Untergrenze vorhandene Stellen)", " (minimum: existing positions)"),
    "max": (" (Obergrenze max_vzae)", " (maximum: max_vzae)"),
}


def step_places(step: Fraction) -> int:
    """Decimal places that write every multiple of ``step`` exactly (0,25 → 2), at least one."""
    places, denominator = 0, step.denominator
    while denominator != 1 and places < 12:
        places += 1
        denominator = Fraction(denominator, math.gcd(denominator, 10)).numerator
    return max(places, 1)


def render_apportionment(data: dict[str, Any], lang: str = "de") -> str:
    """A table (Kommune, Einwohner, Quote, VZÄ) with the totals and quota-rule notes; VZÄ in
    the step's precision, so that the column adds up to its sum as printed."""
    from kimopt.numbers import fmt_number

    de = lang == "de"
    places = step_places(Fraction(str(data["step"])))
    rows = [["Kommune", "Einwohner" if de else "Population", "Quote" if de else "Quota", "VZÄ", ""]]
    for k in data["kommunen"]:
        notes = []
        if k["tied"]:
            notes.append("Gleichstand" if de else "tie")
        if not k["quota_rule"]:
            notes.append("Quotenregel verletzt" if de else "quota rule violated")
        quota, vzae = fmt_number(k["quota"], 3, lang), fmt_number(k["vzae"], places, lang)
        people = fmt_number(k["population"], 0, lang)
        rows.append([k["name"], people, quota, vzae, ", ".join(notes)])
    total = sum(Fraction(str(k["vzae"])) for k in data["kommunen"])
    people = sum(k["population"] for k in data["kommunen"])
    rows.append(
        [
            "Summe" if de else "Total",
            fmt_number(people, 0, lang),
            fmt_number(data["positions_vzae"], 3, lang),
            fmt_number(total, places, lang),
            "",
        ]
    )
    amount = fmt_number(data["positions_vzae"], places, lang)
    step = fmt_number(data["step"], max(places, 2), lang)
    head = f"{data['method_label']} – {data['instance']}: {amount} VZÄ " + (
        f"in Schritten von {step} VZÄ" if de else f"in steps of {step} VZÄ"
    )
    if data["bounds"]:
        head += ", mit Obergrenzen max_vzae" if de else ", with max_vzae bounds"
    if not any(row[4] for row in rows[1:]):
        rows = [row[:4] for row in rows]
    lines = [head, "", *_table(rows, {1, 2, 3})]
    if not data["quota_rule_violations"]:
        lines.append(
            "\n" + ("Quotenregel: für jede Kommune eingehalten." if de else "Quota rule: holds for every Kommune.")
        )
    else:
        lines.append(
            "\n"
            + (
                "Quotenregel verletzt (Quote abgerundet … aufgerundet):"
                if de
                else "Quota rule violated (quota rounded down … up):"
            )
        )
        lines.extend(
            f"  {v['name']}: {fmt_number(v['vzae'], 1, lang)} VZÄ, "
            f"{fmt_number(v['lower'], 1, lang)} … {fmt_number(v['upper'], 1, lang)}"
            + (BOUND_NOTES[v["at_bound"]][0 if de else 1] if v["at_bound"] else "")
            for v in data["quota_rule_violations"]
        )
    return "\n".join(lines)


def tie_warning(data: dict[str, Any], lang: str = "de") -> str:
    """The warning for undecided seats: who is tied and what the VZÄ column shows."""
    from kimopt.numbers import fmt_number

    parts = []
    for tie in data["ties"]:
        names = ", ".join(tie["kommunen"])
        amount = fmt_number(tie["vzae"], 1, lang)
        parts.append(
            f"WARNUNG: Gleichstand – {names} haben exakt den gleichen Anspruch auf die letzten "
            f"{amount} VZÄ ({tie['seats']} Schritt(e)). Das Verfahren entscheidet nicht; "
            "die Spalte VZÄ zeigt nur die sicheren VZÄ."
            if lang == "de"
            else f"WARNING: tie – {names} have exactly equal claims on the last {amount} VZÄ "
            f"({tie['seats']} step(s)). The method does not decide; "
            "the VZÄ column shows the certain VZÄ only."
        )
    return "\n".join(parts)
