"""A cut of a later year as a sentence (DESIGN §5): year, VZÄ, host, the rule that forces it,
the smallest change that would keep every position, and the funding the cut leaves unused.

Read from the plan's ``years[].cuts[]`` (its ``reasons``, computed by
:mod:`kimopt.analysis.explain.cuts`), so the terminal, every report and the workbook say the
same; solver-free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimopt.labels import t as _t
from kimopt.numbers import fmt_euros, fmt_number
from kimopt.rules import rule as family

if TYPE_CHECKING:
    from kimopt.plan_file import Cut, CutReason, YearEntry


def _vzae(value: float, lang: str) -> str:
    places = next((k for k in range(1, 7) if abs(round(value, k) - value) < 1e-9), 6)
    return f"{fmt_number(value, places, lang)} VZÄ"


def _amount(value: float | int | None, unit: str, lang: str) -> str:
    if value is None:
        return _t(lang, "unbegrenzt", "unlimited")
    if unit == "EUR":
        return fmt_euros(int(value), lang)
    if unit == "share":
        return f"{fmt_number(float(value) * 100, 1, lang)} %"
    return _vzae(float(value), lang)


def _why(reason: CutReason, lang: str) -> str:
    """``das Budget des Kreises reicht nicht (115.794 € nötig, 114.800 € beschlossen)``."""
    rule, subject, unit = reason.rule, reason.subject, reason.unit
    needed, current = _amount(reason.needed, unit, lang), _amount(reason.current, unit, lang)
    if rule == "budget_kreis":
        return _t(
            lang,
            f"das Budget des Kreises reicht nicht ({needed} nötig, {current} beschlossen)",
            f"the Kreis's budget does not suffice ({needed} needed, {current} decided)",
        )
    if rule == "budget_kommune":
        return _t(
            lang,
            f"das Budget von {subject} reicht nicht ({needed} nötig, {current} beschlossen)",
            f"the budget of {subject} does not suffice ({needed} needed, {current} decided)",
        )
    if rule == "funding_cap":
        return _t(
            lang,
            f"die Förderung reicht nicht ({needed} nötig, {current} gefördert)",
            f"the funding does not suffice ({needed} needed, {current} funded)",
        )
    label = family(rule).label(lang) + (f" {subject}" if subject else "")
    return _t(
        lang,
        f"{label} lässt es nicht zu ({needed} nötig, {current} festgelegt)",
        f"{label} does not allow it ({needed} needed, {current} set)",
    )


def _change(reason: CutReason, lang: str, several: bool = False) -> str:
    """``994 € mehr``, ``0,3 VZÄ mehr Förderung``, ``316 € mehr für Dinslaken``: the smallest
    change of one reason's number (whose, where it is not the Kreis's alone)."""
    unit, needed, current = reason.unit, reason.needed, reason.current
    if current is None:  # an unlimited number is never what forces a cut; said plainly all the same
        return _amount(needed, unit, lang)
    more = needed >= current
    if unit == "EUR":
        amount = fmt_euros(abs(int(needed) - int(current)), lang)
    elif unit == "share":
        amount = f"{fmt_number(abs(float(needed) - float(current)) * 100, 1, lang)} %-Punkte"
    else:
        amount = _vzae(abs(float(needed) - float(current)), lang)
    rule, subject = reason.rule, reason.subject
    if rule == "funding_cap":
        what = _t(lang, " Förderung", " funding")
    elif rule == "budget_kreis":
        what = _t(lang, " für den Kreis", " for the Kreis") if several else ""
    else:
        what = _t(lang, f" für {subject}", f" for {subject}") if subject else ""
    return f"{amount} " + (_t(lang, "mehr", "more") if more else _t(lang, "weniger", "less")) + what


def cut_text(year: int | str | None, cut: Cut, unused_vzae: float, lang: str = "de") -> str:
    """One cut of a plan's ``years[].cuts`` as a sentence: year, VZÄ, host, why, the repair, unused funding.

    „2023: 0,5 VZÄ weniger bei Diakonie im Kreis Mettmann (2,0 → 1,5 VZÄ): das Budget des Kreises
    reicht nicht (115.794 € nötig, 114.800 € beschlossen); mit 994 € mehr bleiben alle Stellen“
    """
    span = f"({_vzae(cut.from_vzae, lang)} → {_vzae(cut.to_vzae, lang)})"
    # continuity: total keeps the number of positions, not each employer's: its cut is one of all
    if cut.host_type == "total":
        at = ("bei allen Arbeitgebern zusammen", "at all employers together")
    else:  # „beim Kreis Mettmann“, „bei Moers“
        at = (f"{'beim' if cut.host_type == 'kreis' else 'bei'} {cut.host}", f"at {cut.host}")
    head = ("" if year is None else f"{year}: ") + _t(
        lang,
        f"{_vzae(cut.vzae, lang)} weniger {at[0]} {span}",
        f"{_vzae(cut.vzae, lang)} less {at[1]} {span}",
    )
    reasons = cut.reasons
    # year None: the caller names the year (the terminal's line under the year)
    if not reasons:
        text = head + _t(
            lang,
            ": die kleinste Kürzung, mit der alle Regeln des Jahres gelten",
            ": the least cut with which every rule of the year holds",
        )
    elif len(reasons) == 1:
        text = (
            f"{head}: {_why(reasons[0], lang)}; "
            + _t(lang, "mit ", "with ")
            + _change(reasons[0], lang)
            + _t(lang, " bleiben alle Stellen", " every position stays")
        )
    elif cut.reasons_joint:
        joined = _t(lang, " und ", " and ").join(_change(r, lang, several=True) for r in reasons)
        text = (
            f"{head}: "
            + "; ".join(_why(r, lang) for r in reasons)
            + _t(
                lang,
                f"; erst mit {joined} zusammen bleiben alle Stellen",
                f"; only with {joined} together every position stays",
            )
        )
    else:
        either = _t(lang, " oder ", " or ").join(_change(r, lang, several=True) for r in reasons)
        text = (
            f"{head}: "
            + _t(lang, " oder ", " or ").join(_why(r, lang) for r in reasons)
            + _t(lang, f"; mit {either} bleiben alle Stellen", f"; with {either} every position stays")
        )
    if unused_vzae > 0:
        text += _t(
            lang,
            f"; {_vzae(unused_vzae, lang)} der Förderung bleiben ungenutzt",
            f"; {_vzae(unused_vzae, lang)} of the funding stay unused",
        )
    return text


def year_cut_texts(year: YearEntry, lang: str = "de", with_year: bool = True) -> list[str]:
    """Every cut of one year of a plan (``years[]``) as its sentence (``with_year``: starting with the year)."""
    label = year.year if with_year else None
    return [cut_text(label, cut, year.summary.unused_vzae or 0, lang) for cut in year.cuts]
