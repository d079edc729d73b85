"""Commands for the Lenkungsgruppe: ``compare``, ``report`` and ``alternatives``."""

from __future__ import annotations

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
)
from kimopt.labels import t as _t
from kimopt.results import Status


def _internal(exc: Any, lang: Lang) -> typer.Exit:
    return fail(
        "Interner Fehler: der Prüfer verwirft einen Plan / internal error, the checker rejects a plan:\n"
        + "\n".join(v.text(lang.value) for v in exc.violations),
        ExitCode.RULES_BROKEN,
    )


@app.command()
@guarded
def compare(
    instance: InstanceArg,
    models: Annotated[
        list[Path] | None,
        typer.Option(
            "--model",
            "-m",
            help="Planungsmodell einer Alternative; mehrfach angeben.",
        ),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            "-s",
            help="Szenariodatei (YAML/JSON): Varianten von Instanz und erstem Modell.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            "--report",
            help="Vergleich schreiben: .html, .pdf, .md, .csv, .xlsx.",
        ),
    ] = None,
    time_limit: TimeLimitOption = None,
    entwurf: Annotated[bool, typer.Option("--entwurf", help="Bericht als Entwurf kennzeichnen.")] = False,
    lang: LangOption = Lang.de,
) -> None:
    """Alternativen nebeneinander vergleichen.

    Jede Alternative (jedes Modell, jedes Szenario) wird gelöst; Unterschiede zur ersten sind
    mit * markiert. Eine Instanz über mehrere Jahre: jedes Jahr mit eigenen Tabellen.
    Exit: 0, 1 fehlerhafte Eingabe.
    """
    from kimopt.analysis.comparison import Alternative, solve_alternatives
    from kimopt.console.compare import render_comparison
    from kimopt.lexicographic import ModelTooLarge
    from kimopt.load import load_inputs
    from kimopt.pipeline import PlanRejected
    from kimopt.report import check_suffix
    from kimopt.report.compare import write_comparison
    from kimopt.report.scenarios import load_scenarios

    model_paths: list[Path | None] = [*models] if models else [None]
    if output is not None:
        from kimopt.io.atomic import guard_output

        check_suffix(output)
        guard_output(output, [instance, scenarios, *model_paths])
    alternatives: list[Alternative] = []
    names: set[str] = set()
    for path in model_paths:
        inputs = load_inputs(instance, path)
        name = inputs.model_name
        while name in names:  # the same model twice still gets two columns
            name += "'"
        names.add(name)
        alternatives.append(Alternative(name, inputs.instance, inputs.model, inputs.model_name))
    if scenarios is not None:
        base = alternatives[0]
        for scenario in load_scenarios(scenarios, base.instance, base.model):
            alternatives.append(Alternative(scenario.name, scenario.instance, scenario.model, scenario.name))
    if len(alternatives) < 2:
        raise fail(
            _t(
                lang,
                "Zum Vergleich mindestens zwei Alternativen angeben (--model … --model … oder --scenarios).",
                "Give at least two alternatives to compare (--model … --model … or --scenarios).",
            ),
            ExitCode.USAGE,
        )
    from kimopt.cli.progress import progress

    try:
        with progress(_t(lang, "Vergleiche", "Comparing")) as step:
            plans = solve_alternatives(alternatives, time_limit, step)
    except ModelTooLarge as exc:
        raise fail(f"{instance}: {exc.text(lang.value)}", ExitCode.BAD_INPUT) from None
    except PlanRejected as exc:
        raise _internal(exc, lang) from None
    for plan in plans[len(model_paths) :]:  # the scenarios: variations of the first model
        plan["scenario_of"] = alternatives[0].model_name
    typer.echo(render_comparison(plans, lang.value))
    if output is not None:
        write_comparison(plans, output, lang.value, [instance, scenarios, *model_paths], draft=entwurf)
        typer.echo(_t(lang, "\nVergleich geschrieben: ", "\nComparison written: ") + str(output))


@app.command()
@guarded
def report(
    plan: Annotated[Path, typer.Argument(help="Plan (JSON von kimopt solve -o).", show_default=False, readable=False)],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            "--report",
            help="Bericht: .html, .pdf, .md, .csv oder .xlsx.",
            show_default=False,
        ),
    ],
    entwurf: Annotated[bool, typer.Option("--entwurf", help="Bericht als Entwurf kennzeichnen.")] = False,
    instance: Annotated[
        Path | None,
        typer.Option(
            "--instance",
            "-i",
            help="Instanz des Plans: ergänzt den Vergleich mit Hare–Niemeyer und Sainte-Laguë.",
        ),
    ] = None,
    model: ModelOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Bericht zu einem Plan schreiben.

    Exit: 0 Bericht geschrieben, 1 fehlerhafte Eingabe.
    """
    from kimopt.errors import Finding, InputError
    from kimopt.io.atomic import guard_output
    from kimopt.io.plan_file import read_plan_file
    from kimopt.report import check_suffix, classical_baselines, write_report

    check_suffix(output)
    guard_output(output, [plan, instance, model])  # before anything is read
    data = read_plan_file(plan, "lenient")  # a hand-edited plan: unknown keys ignored
    baselines, year = None, None
    if instance is not None:
        from kimopt.load import load_inputs
        from kimopt.plan_source import recorded_for

        inputs = load_inputs(instance, model)
        if recorded_for(data.instance, data.input_sha256, inputs.instance, inputs.model) not in (
            "same",
            "unknown",
        ):
            raise InputError(
                plan,
                [
                    Finding(
                        ("input_sha256",),
                        "plan_mismatch",
                        {
                            "value": _t(
                                lang,
                                f"der Plan wurde nicht aus {instance} mit diesem Modell berechnet (Prüfsumme); "
                                "dieselbe Instanz und dasselbe --model wie bei solve angeben",
                                f"the plan was not computed from {instance} with this model (checksum); "
                                "give the instance and --model used with solve",
                            )
                        },
                    )
                ],
                data.to_json(),
            )
        baselines = classical_baselines(inputs.instance, inputs.model, data)
        year = inputs.instance.funding.year
    write_report(data, output, lang.value, baselines, inputs=[plan, instance, model], draft=entwurf, year=year)
    typer.echo(_t(lang, "Bericht geschrieben: ", "Report written: ") + str(output))


@app.command()
@guarded
def alternatives(
    instance: InstanceArg,
    model: ModelOption = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-k",
            min=1,
            max=1000,
            help="Höchstens so viele Pläne.",
        ),
    ] = 10,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            "--report",
            help="Pläne schreiben: .json, oder als Vergleich .html, .pdf, .md, .csv, .xlsx.",
        ),
    ] = None,
    time_limit: TimeLimitOption = None,
    entwurf: Annotated[bool, typer.Option("--entwurf", help="Bericht als Entwurf kennzeichnen.")] = False,
    lang: LangOption = Lang.de,
) -> None:
    """Gleich gute Pläne (Gleichstände auf jeder Zielebene).

    Mehrere Jahre: je Jahr die gleich guten Pläne dieses Jahres, die Vorjahre wie geplant
    (Plan 1 ist der Plan von kimopt solve; von ihm aus ist das Folgejahr geplant).
    Exit: 0, 1 fehlerhafte Eingabe, 3 unlösbar, 4 kein Optimum im Zeitlimit.
    """
    from kimopt.analysis.alternatives import equally_good_plans, equally_good_year_plans, file_json, years_json
    from kimopt.console.alternatives import YEARS_MEANING, render_alternatives
    from kimopt.io.atomic import guard_output, write_text_atomic
    from kimopt.lexicographic import ModelTooLarge
    from kimopt.load import load_inputs
    from kimopt.pipeline import PlanRejected, plan_instance
    from kimopt.plan import dumps
    from kimopt.report import check_suffix
    from kimopt.report.compare import write_comparison

    inputs = load_inputs(instance, model)
    if output is not None:
        if output.suffix.lower() != ".json":
            check_suffix(output)
        guard_output(output, [instance, model])
    from kimopt.cli.progress import progress

    multi = inputs.instance.multi
    try:
        with progress(_t(lang, "Gleich gute Pläne", "Equally good plans")):
            if multi:
                outcome = plan_instance(inputs.instance, inputs.model, inputs.model_name, time_limit)
                found = [
                    (year.horizon.year, year.label, equally_good_year_plans(year, inputs.model_name, limit))
                    for year in outcome.years
                ]
            else:
                one = equally_good_plans(inputs.instance, inputs.model, inputs.model_name, limit, time_limit)
                found = [(inputs.instance.funding.year, "", one)]
    except ModelTooLarge as exc:
        raise fail(f"{instance}: {exc.text(lang.value)}", ExitCode.BAD_INPUT) from None
    except PlanRejected as exc:
        raise _internal(exc, lang) from None
    for _, label, result in found:
        where = f"{instance}: {label}: " if label else f"{instance}: "
        if result.status is Status.INFEASIBLE:
            raise fail(
                where
                + _t(
                    lang,
                    "keine zulässige Verteilung – die Regeln widersprechen sich.",
                    "no feasible allocation – the rules contradict each other.",
                ),
                ExitCode.INFEASIBLE,
            )
        if result.status is not Status.OPTIMAL:
            raise fail(
                where
                + _t(
                    lang,
                    "Optimum im Zeitlimit nicht bewiesen; --time-limit erhöhen.",
                    "optimum not proven within the time limit; raise --time-limit.",
                ),
                ExitCode.NO_PLAN,
            )
    if multi:
        shown = [_t(lang, *YEARS_MEANING)]
        shown += [f"\n{label}:\n" + render_alternatives(result, lang.value) for _, label, result in found]
        typer.echo("\n".join(shown))
    else:
        typer.echo(render_alternatives(found[0][2], lang.value))
    if output is None:
        return
    years = years_json(found, multi)
    if output.suffix.lower() == ".json":
        write_text_atomic(output, dumps(file_json(inputs.instance.name, inputs.model_name, years, multi)))
    else:
        labelled = [plan for entry in years for plan in entry["plans"]]
        write_comparison(labelled, output, lang.value, [instance, model], draft=entwurf)
    typer.echo(_t(lang, "\nGeschrieben: ", "\nWritten: ") + str(output))
