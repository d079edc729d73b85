"""``kimopt apportion`` and ``kimopt sensitivity``: classical baselines, robustness of the plan."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from kimopt.cli.app import (
    ExitCode,
    InstanceArg,
    Lang,
    LangOption,
    ModelOption,
    TimeLimitOption,
    app,
    fail,
    guarded,
    require_json,
)
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


OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Ergebnis als JSON schreiben.")]


@app.command()
@guarded
def apportion(
    instance: InstanceArg,
    method: Annotated[
        MethodName,
        typer.Option(
            "--method",
            show_default=False,
            help="Verfahren: hare-niemeyer, dhondt, sainte-lague, huntington-hill, adams, dean.",
        ),
    ],
    step: Annotated[
        str | None,
        typer.Option(
            "--step",
            callback=_step,
            help="Schrittweite in VZÄ (Standard: host_step_vzae des Modells).",
        ),
    ] = None,
    bounds: Annotated[
        bool,
        typer.Option("--bounds", help="max_vzae der Kommunen als Obergrenze (wo > 0)."),
    ] = False,
    model: ModelOption = None,
    output: OutputOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Klassische Zuteilung der förderfähigen VZÄ als Maßstab.

    Untergrenze: vorhandene Stellen (existing_vzae); Obergrenze max_vzae nur mit --bounds.
    Gleichstände werden gemeldet, nicht entschieden. Mehrere Jahre: eine Tabelle je Jahr mit
    dessen förderfähigen VZÄ, Kommunen und Schlüssel (Baustein 2). Exit: 0, 1 fehlerhafte
    Eingabe, 2 Aufruf, 3 Grenzen nicht einhaltbar.
    """
    from kimopt.analysis.apportion import MAX_SEATS, ApportionError, apportion_instance
    from kimopt.console.apportion import render_apportionment, tie_warning
    from kimopt.horizon import expand
    from kimopt.io.atomic import guard_output, write_text_atomic
    from kimopt.load import load_inputs
    from kimopt.numbers import fmt_number, to_fraction
    from kimopt.plan import dumps

    exact_step = None if step is None else to_fraction(step.replace(",", "."))
    inputs = load_inputs(instance, model)
    if output is not None:
        guard_output(output, [instance, model])
    require_json(output, lang)
    chosen = inputs.model.host_step_vzae if exact_step is None else exact_step
    multi = inputs.instance.multi
    years = [(y.year, y.label, y.instance) for y in expand(inputs.instance)] if multi else []
    found = []
    for year, label, each in years or [(None, "", inputs.instance)]:
        where = f"{label}: " if label else ""
        positions = each.funding.positions_vzae
        if positions % chosen:
            amount, unit = fmt_number(positions, 2, lang.value), fmt_number(chosen, 3, lang.value)
            message = where + _t(
                lang,
                f"{amount} VZÄ lassen sich nicht in Schritte von {unit} VZÄ teilen",
                f"{amount} VZÄ cannot be divided into steps of {unit} VZÄ",
            )
            if exact_step is not None:
                raise fail(f"--step: {message}", ExitCode.USAGE)
            raise fail(f"{model or 'kim-standard'}: host_step_vzae: {message}", ExitCode.BAD_INPUT)
        if exact_step is not None and positions / chosen > MAX_SEATS:
            raise fail(
                _t(
                    lang,
                    f"--step: {where}{step} VZÄ ist zu fein ({MAX_SEATS} Schritte höchstens)",
                    f"--step: {where}{step} VZÄ is too fine (at most {MAX_SEATS} steps)",
                ),
                ExitCode.USAGE,
            )
        try:
            result = apportion_instance(each, inputs.model, method.value, chosen, bounds)
        except ApportionError as exc:
            raise fail(f"{instance}: {where}{exc.text(lang.value)}", ExitCode.INFEASIBLE) from None
        found.append((year, label, result.to_json()))
    for _, label, data in found:
        typer.echo(
            render_apportionment(data, lang.value)
            if not multi
            else f"{label}:\n" + render_apportionment(data, lang.value) + "\n"
        )
        if data["ties"]:
            typer.echo((f"{label}: " if multi else "") + tie_warning(data, lang.value), err=True)
    if output is not None:
        if multi:
            written = {"instance": inputs.instance.name, "years": [{"year": year, **data} for year, _, data in found]}
        else:
            written = found[0][2]
        write_text_atomic(output, dumps(written))
        typer.echo(_t(lang, "\nErgebnis geschrieben: ", "\nResult written: ") + str(output))


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
    chart: Annotated[
        Path | None,
        typer.Option("--chart", callback=_chart_path, help="Zielkonflikt-Kurve als SVG/PNG."),
    ] = None,
    part: Annotated[
        list[Part] | None,
        typer.Option(
            "--part",
            help="Nur diese Analyse(n): populations, budgets, tradeoff (Option mehrfach angeben).",
        ),
    ] = None,
    max_points: Annotated[
        int,
        typer.Option("--max-points", min=1, help="Höchstens so viele Punkte der Kurve."),
    ] = 40,
    time_limit: TimeLimitOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Wie robust ist der Plan?

    Je Kommune: wie viele Einwohner mehr/weniger ihre VZÄ ändern; je Budget: die kleinste
    Erhöhung, die den Plan ändert; Zielkonflikt Proportionalität – Eigenanteil
    (ε-Beschränkung). Alles durch exakte Neuberechnung. Mehrere Jahre: je Jahr die
    Empfindlichkeit des Jahresplans auf die Zahlen dieses Jahres, die Vorjahre wie geplant
    festgehalten; Budgets einschließlich Baustein 1 und 3 (--chart: eine Kurve je Jahr,
    Dateiname mit Jahr). Exit: 0, 1 Eingabe, 3 unlösbar, 4 kein Plan im Zeitlimit.
    """
    from kimopt.analysis.sensitivity import SensitivityError, analyse
    from kimopt.analysis.sensitivity.years import analyse_years, years_json
    from kimopt.console.sensitivity import render_sensitivity, render_sensitivity_years
    from kimopt.io.atomic import guard_output, write_text_atomic
    from kimopt.load import load_inputs
    from kimopt.plan import dumps
    from kimopt.report.tradeoff import tradeoff_chart
    from kimopt.results import Status

    parts = [p.value for p in part] if part else [p.value for p in Part]
    if chart is not None and "tradeoff" not in parts:
        raise fail(_t(lang, "--chart braucht --part tradeoff", "--chart needs --part tradeoff"), ExitCode.USAGE)
    inputs = load_inputs(instance, model)
    charts = [] if chart is None else [chart]
    if chart is not None and inputs.instance.multi:
        from kimopt.horizon import expand

        charts = [_year_path(chart, year.label) for year in expand(inputs.instance)]
    for target in (output, *charts):
        if target is not None:
            guard_output(target, [instance, model])
    require_json(output, lang)
    from kimopt.cli.progress import progress

    try:
        with progress(_t(lang, "Sensitivität", "Sensitivity")) as step:
            if inputs.instance.multi:
                found = analyse_years(
                    inputs.instance, inputs.model, inputs.model_name, parts, max_points, time_limit, step
                )
                data = years_json(inputs.instance, found)
            else:
                one = analyse(inputs.instance, inputs.model, inputs.model_name, parts, max_points, time_limit, step)
                data = one.to_json()
    except SensitivityError as exc:
        where = f"{instance}: " + ("" if exc.year is None else f"{exc.year}: ")
        if exc.status is Status.INFEASIBLE:
            message = _t(lang, "keine zulässige Verteilung", "no feasible allocation")
            raise fail(where + message, ExitCode.INFEASIBLE) from None
        raise fail(
            where + _t(lang, "kein optimaler Plan im Zeitlimit", "no optimal plan within the time limit"),
            ExitCode.NO_PLAN,
        ) from None
    years = data.get("years")
    typer.echo(render_sensitivity(data, lang.value) if years is None else render_sensitivity_years(data, lang.value))
    if output is not None:
        write_text_atomic(output, dumps(data))
        typer.echo(_t(lang, "\nErgebnis geschrieben: ", "\nResult written: ") + str(output))
    if chart is None:
        return
    entries = [data] if years is None else [_year_titled(entry) for entry in years]
    for entry, path in zip(entries, charts, strict=True):
        if entry["tradeoff"] is not None:
            tradeoff_chart(entry, path, lang.value)
            typer.echo(_t(lang, "Diagramm geschrieben: ", "Chart written: ") + str(path))


def _year_titled(entry: dict[str, Any]) -> dict[str, Any]:
    """A year's sensitivity with the year in its title (the chart names the instance)."""
    from kimopt.console.sensitivity import year_label

    return {**entry, "instance": f"{entry['instance']} {year_label(entry)}"}


def _year_path(chart: Path, label: str) -> Path:
    """The chart of one year of a horizon: ``tradeoff.svg`` → ``tradeoff-2023.svg``."""
    return chart.with_name(f"{chart.stem}-{label}{chart.suffix}")
