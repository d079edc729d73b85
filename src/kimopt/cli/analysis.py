"""``kimopt apportion`` and ``kimopt sensitivity``: classical baselines, robustness of the plan."""

from __future__ import annotations

from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer

from kimopt.cli.app import ExitCode, InstanceArg, Lang, LangOption, ModelOption, TimeLimitOption, app, fail, guarded
from kimopt.labels import t as _t


class MethodName(str, Enum):
    """The classical apportionment methods (see :mod:`kimopt.analysis.apportion`)."""

    hare_niemeyer = "hare-niemeyer"
    dhondt = "dhondt"
    sainte_lague = "sainte-lague"
    huntington_hill = "huntington-hill"
    adams = "adams"
    dean = "dean"


def _step(value: str | None) -> str | None:
    """Check ``--step`` while parsing, so a bad value is a usage error (exit 2)."""
    from kimopt.numbers import NumberError, to_fraction

    if value is None:
        return None
    try:
        step = to_fraction(value.replace(",", "."))
    except NumberError:
        raise typer.BadParameter(f"{value} ist keine Zahl / is not a number") from None
    if step <= 0:
        raise typer.BadParameter(f"{value} muss größer als 0 sein / must be greater than 0")
    return value


OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Ergebnis als JSON schreiben / write the result as JSON.")]




@app.command()
@guarded
def apportion(
    instance: InstanceArg,
    method: Annotated[MethodName, typer.Option(
        "--method", show_default=False, help="Verfahren / method: hare-niemeyer, dhondt, "
        "sainte-lague, huntington-hill, adams, dean.")],
    step: Annotated[str | None, typer.Option(
        "--step", callback=_step, help="Schrittweite in VZÄ (Standard: host_step_vzae des Modells) "
        "/ step in VZÄ (default: the model's host_step_vzae).")] = None,
    bounds: Annotated[bool, typer.Option(
        "--bounds", help="max_vzae der Kommunen als Obergrenze (wo > 0) "
        "/ max_vzae as an upper bound (where > 0).")] = False,
    model: ModelOption = None,
    output: OutputOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Klassische Zuteilung der förderfähigen VZÄ als Maßstab / classical apportionment.

    Untergrenze: vorhandene Stellen (existing_vzae); Obergrenze max_vzae nur mit --bounds.
    Gleichstände werden gemeldet, nicht entschieden. Exit: 0, 1 fehlerhafte Eingabe,
    2 Aufruf, 3 Grenzen nicht einhaltbar.
    """
    from kimopt.analysis.apportion import ApportionError, apportion_instance
    from kimopt.io.atomic import guard_output, write_text_atomic
    from kimopt.load import load_inputs
    from kimopt.numbers import fmt_number, to_fraction
    from kimopt.plan import dumps

    exact_step = None if step is None else to_fraction(step.replace(",", "."))
    inputs = load_inputs(instance, model)
    if output is not None:
        guard_output(output, [instance, model])
    chosen = inputs.model.host_step_vzae if exact_step is None else exact_step
    positions = inputs.instance.funding.positions_vzae
    if positions % chosen:
        amount, unit = fmt_number(positions, 2, lang.value), fmt_number(chosen, 3, lang.value)
        message = _t(lang, f"{amount} VZÄ lassen sich nicht in Schritte von {unit} VZÄ teilen",
                     f"{amount} VZÄ cannot be divided into steps of {unit} VZÄ")
        if exact_step is not None:
            raise fail(f"--step: {message}", ExitCode.USAGE)
        raise fail(f"{model or 'kim-standard'}: host_step_vzae: {message}", ExitCode.BAD_INPUT)
    try:
        result = apportion_instance(inputs.instance, inputs.model, method.value, chosen, bounds)
    except ApportionError as exc:
        raise fail(f"{instance}: {exc.text(lang.value)}", ExitCode.INFEASIBLE) from None
    data = result.to_json()
    typer.echo(render_apportionment(data, lang.value))
    if data["ties"]:
        typer.echo(tie_warning(data, lang.value), err=True)
    if output is not None:
        write_text_atomic(output, dumps(data))
        typer.echo(_t(lang, "\nErgebnis geschrieben: ", "\nResult written: ") + str(output))


BOUND_NOTES = {"min": (" (Untergrenze vorhandene Stellen)", " (minimum: existing positions)"),
               "max": (" (Obergrenze max_vzae)", " (maximum: max_vzae)")}


def render_apportionment(data: dict[str, Any], lang: str = "de") -> str:
    """A table (Kommune, Einwohner, Quote, VZÄ) with the totals and quota-rule notes."""
    from kimopt.console import _table
    from kimopt.numbers import fmt_number

    de = lang == "de"
    rows = [["Kommune", "Einwohner" if de else "Population", "Quote" if de else "Quota", "VZÄ", ""]]
    for k in data["kommunen"]:
        notes = []
        if k["tied"]:
            notes.append("Gleichstand" if de else "tie")
        if not k["quota_rule"]:
            notes.append("Quotenregel verletzt" if de else "quota rule violated")
        quota, vzae = fmt_number(k["quota"], 3, lang), fmt_number(k["vzae"], 1, lang)
        people = fmt_number(k["population"], 0, lang)
        rows.append([k["name"], people, quota, vzae, ", ".join(notes)])
    total = sum(Fraction(str(k["vzae"])) for k in data["kommunen"])
    people = sum(k["population"] for k in data["kommunen"])
    rows.append(["Summe" if de else "Total", fmt_number(people, 0, lang),
                 fmt_number(data["positions_vzae"], 3, lang), fmt_number(total, 1, lang), ""])
    amount, step = fmt_number(data["positions_vzae"], 1, lang), fmt_number(data["step"], 2, lang)
    head = (f"{data['method_label']} – {data['instance']}: {amount} VZÄ "
            + (f"in Schritten von {step} VZÄ" if de else f"in steps of {step} VZÄ"))
    if data["bounds"]:
        head += ", mit Obergrenzen max_vzae" if de else ", with max_vzae bounds"
    if not any(row[4] for row in rows[1:]):
        rows = [row[:4] for row in rows]
    lines = [head, "", *_table(rows, {1, 2, 3})]
    if not data["quota_rule_violations"]:
        lines.append("\n" + ("Quotenregel: für jede Kommune eingehalten." if de
                             else "Quota rule: holds for every Kommune."))
    else:
        lines.append("\n" + ("Quotenregel verletzt (Quote abgerundet … aufgerundet):" if de
                             else "Quota rule violated (quota rounded down … up):"))
        lines.extend(f"  {v['name']}: {fmt_number(v['vzae'], 1, lang)} VZÄ, "
                     f"{fmt_number(v['lower'], 1, lang)} … {fmt_number(v['upper'], 1, lang)}"
                     + (BOUND_NOTES[v["at_bound"]][0 if de else 1] if v["at_bound"] else "")
                     for v in data["quota_rule_violations"])
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
            "die Spalte VZÄ zeigt nur die sicheren VZÄ." if lang == "de" else
            f"WARNING: tie – {names} have exactly equal claims on the last {amount} VZÄ "
            f"({tie['seats']} step(s)). The method does not decide; "
            "the VZÄ column shows the certain VZÄ only.")
    return "\n".join(parts)


class Part(str, Enum):
    """The analyses of ``kimopt sensitivity``."""

    populations = "populations"
    budgets = "budgets"
    tradeoff = "tradeoff"


def _chart_path(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in {".svg", ".png"}:
        raise typer.BadParameter(f"{value.name}: .svg oder .png / .svg or .png")
    return value


@app.command()
@guarded
def sensitivity(
    instance: InstanceArg,
    model: ModelOption = None,
    output: OutputOption = None,
    chart: Annotated[Path | None, typer.Option(
        "--chart", callback=_chart_path,
        help="Zielkonflikt-Kurve als SVG/PNG / trade-off chart as SVG or PNG.")] = None,
    part: Annotated[list[Part] | None, typer.Option(
        "--part", help="Nur diese Analyse(n) / only these analyses: populations, budgets, "
        "tradeoff (mehrfach / repeatable).")] = None,
    max_points: Annotated[int, typer.Option(
        "--max-points", min=1, help="Höchstens so viele Punkte der Kurve / at most this many "
        "points on the curve.")] = 40,
    time_limit: TimeLimitOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Wie robust ist der Plan? / how robust is the plan?

    Je Kommune: wie viele Einwohner mehr/weniger ihre VZÄ ändern; je Budget: die kleinste
    Erhöhung, die den Plan ändert; Zielkonflikt Proportionalität – Eigenanteil
    (ε-Beschränkung). Alles durch exakte Neuberechnung. Exit: 0, 1 Eingabe, 3 unlösbar,
    4 kein Plan im Zeitlimit.
    """
    from kimopt.analysis.sensitivity import SensitivityError, analyse, tradeoff_chart
    from kimopt.cli.horizon import one_year_only
    from kimopt.io.atomic import guard_output, write_text_atomic
    from kimopt.load import load_inputs
    from kimopt.plan import dumps

    parts = [p.value for p in part] if part else [p.value for p in Part]
    if chart is not None and "tradeoff" not in parts:
        raise fail(_t(lang, "--chart braucht --part tradeoff", "--chart needs --part tradeoff"),
                   ExitCode.USAGE)
    inputs = load_inputs(instance, model)
    one_year_only(inputs.instance, instance, "sensitivity", lang)
    for target in (output, chart):
        if target is not None:
            guard_output(target, [instance, model])
    try:
        result = analyse(inputs.instance, inputs.model, inputs.model_name, parts, max_points,
                         time_limit)
    except SensitivityError as exc:
        infeasible = "INFEASIBLE" in str(exc)
        if infeasible:
            message = _t(lang, "keine zulässige Verteilung", "no feasible allocation")
            raise fail(f"{instance}: {message}", ExitCode.INFEASIBLE) from None
        raise fail(f"{instance}: " + _t(lang, "kein optimaler Plan im Zeitlimit",
                                        "no optimal plan within the time limit"),
                   ExitCode.NO_PLAN) from None
    data = result.to_json()
    typer.echo(render_sensitivity(data, lang.value))
    if output is not None:
        write_text_atomic(output, dumps(data))
        typer.echo(_t(lang, "\nErgebnis geschrieben: ", "\nResult written: ") + str(output))
    if chart is not None and data["tradeoff"] is not None:
        tradeoff_chart(data, chart, lang.value)
        typer.echo(_t(lang, "Diagramm geschrieben: ", "Chart written: ") + str(chart))


def render_sensitivity(data: dict[str, Any], lang: str = "de") -> str:
    """Three tables: population thresholds, budget thresholds, the trade-off curve."""
    from kimopt.console import _table
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
        lines += ["", "Einwohner, die die VZÄ einer Kommune ändern:" if de
                  else "Inhabitants that change a Kommune's VZÄ:", ""]
        rows = [["Kommune", "Einwohner" if de else "Population", "VZÄ", "mehr" if de else "more",
                 "weniger" if de else "fewer"]]
        rows += [[p["name"], fmt_number(p["population"], 0, lang),
                  fmt_number(p["coverage"], 1, lang), step(p["increase"], "+"),
                  step(p["decrease"], "−")] for p in data["populations"]]
        lines += _table(rows, {1, 2, 3, 4})
    if data["budgets"]:
        lines += ["", "Kleinste Budgeterhöhung, die den Plan ändert:" if de
                  else "Smallest budget increase that changes the plan:", ""]
        rows = [["Zahler" if de else "Payer", "Budget", "Erhöhung" if de else "Increase",
                 "Eigenanteil vorher → nachher" if de else "Eigenanteil before → after"]]
        notes = []
        for b in data["budgets"]:
            before = fmt_euros(b["eigenanteil_before_eur"], lang)
            if b["increase_eur"] is None:
                none = "keine Erhöhung ändert den Plan" if de else "no increase changes the plan"
                rows.append([b["payer"], fmt_euros(b["budget_eur"], lang), "–", none])
                continue
            after = b["eigenanteil_after_eur"]
            unsure = "" if b["verified"] else (" (nicht bestätigt)" if de else " (not confirmed)")
            rows.append([b["payer"], fmt_euros(b["budget_eur"], lang),
                         "+" + fmt_euros(b["increase_eur"], lang) + unsure,
                         f"{before} → " + ("–" if after is None else fmt_euros(after, lang))])
            notes.append(f"  {b['payer']}: " + "; ".join(
                f"{c['host']} → {c['kommune']} {fmt_number(c['before_vzae'], 1, lang)} → "
                f"{fmt_number(c['after_vzae'], 1, lang)} VZÄ" for c in b["changes"]))
        lines += _table(rows, {1, 2})
        if notes:
            lines += ["", "Was sich ändert:" if de else "What changes:", *notes]
    if data["tradeoff"] is not None:
        curve = data["tradeoff"]
        lines += ["", ("Zielkonflikt bei {n} VZÄ (ε-Beschränkung, Pareto-optimal):" if de else
                       "Trade-off at {n} VZÄ (ε-constraint, Pareto optimal):").format(
            n=fmt_number(curve["positions_used"], 1, lang)), ""]
        rows = [["Eigenanteil", "Abweichung Σ|c − e|" if de else "Deviation Σ|c − e|"]]
        rows += [[fmt_euros(p["eigenanteil_eur"], lang),
                  f"{fmt_number(p['deviation_l1'], 3, lang)} VZÄ"] for p in curve["points"]]
        lines += _table(rows, {0, 1})
        if len(curve["points"]) == 1:
            lines.append("Kein Zielkonflikt: weniger Eigenanteil ist bei dieser Stellenzahl nicht "
                         "möglich." if de else "No trade-off: no allocation of these positions "
                         "costs less.")
        if not curve["complete"]:
            lines.append("… (--max-points erreicht / reached)")
    return "\n".join(lines)
