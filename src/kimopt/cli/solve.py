"""``kimopt solve``: one instance, one optimal plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


@app.command()
@guarded
def solve(
    instance: InstanceArg,
    model: ModelOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Plan als JSON schreiben.")] = None,
    time_limit: TimeLimitOption = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Bericht schreiben: .html, .pdf, .md, .csv, .xlsx.")
    ] = None,
    binding: Annotated[
        bool,
        typer.Option(
            "--binding/--no-binding",
            help="Begrenzende Regeln ermitteln (mit fester Rechenmenge, ohne Zeitlimit).",
        ),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Keine Tabelle ausgeben.")] = False,
    fix: Annotated[
        Path | None,
        typer.Option(
            "--fix",
            help="Plan-Arbeitsmappe: Zeilen mit „fest“ = ja bleiben (in ihrem „Jahr“), der Rest wird optimiert.",
        ),
    ] = None,
    entwurf: Annotated[bool, typer.Option("--entwurf", help="Bericht als Entwurf kennzeichnen.")] = False,
    lang: LangOption = Lang.de,
) -> None:
    """Optimalen Verteilungsplan berechnen.

    Exit: 0 Plan, 1 fehlerhafte Eingabe, 3 unlösbar (mit --fix: die festen Zeilen lassen sich nicht
    ergänzen; gesagt wird, welche), 4 kein Plan im Zeitlimit,
    5 der unabhängige Prüfer verwirft den Plan (ein Fehler in kimopt; nichts wird geschrieben).
    """
    from kimopt.console import render_plan
    from kimopt.io.atomic import guard_output, write_all_atomic
    from kimopt.lexicographic import ModelTooLarge
    from kimopt.load import load_inputs
    from kimopt.pipeline import PlanRejected, plan_instance
    from kimopt.plan import dumps
    from kimopt.results import Status

    inputs = load_inputs(instance, model)
    if output is not None:
        guard_output(output, [instance, model, fix])
    require_json(output, lang, "--report")
    if report is not None:
        from kimopt.report import check_suffix

        check_suffix(report)
        guard_output(report, [instance, model, fix])
    fixed: dict[int, dict[int, int]] | None = None  # per year (its index): link index -> units
    sheet = None
    if fix is not None:
        from kimopt.fixed_rows import FixConflict, check_sheet_instance, year_fixed_links
        from kimopt.io.excel.plan_sheet import read_plan_sheet

        sheet = read_plan_sheet(fix)
        foreign = check_sheet_instance(sheet, inputs.instance, inputs.model, lang.value)
        if foreign:
            raise fail(f"{fix}: {foreign}", ExitCode.BAD_INPUT)
        try:
            fixed = year_fixed_links(sheet, inputs.instance, inputs.model, lang.value)
        except FixConflict as exc:
            raise fail(f"{fix}: {exc.text}", ExitCode.INFEASIBLE) from None
        binding = False  # binding rules are defined against the free optimum, not a fixed one
    from kimopt.cli.progress import progress

    de = lang == Lang.de
    try:
        with progress("Löse" if de else "Solving") as step:
            outcome = plan_instance(inputs.instance, inputs.model, inputs.model_name, time_limit, step, fixed=fixed)
    except ModelTooLarge as exc:
        raise fail(f"{instance}: {exc.text(lang.value)}", ExitCode.BAD_INPUT) from None
    except PlanRejected as exc:
        raise fail(
            "Interner Fehler: der Prüfer verwirft den Plan / internal error, the checker rejects the plan:\n"
            + "\n".join(v.text(lang.value) for v in exc.violations),
            ExitCode.RULES_BROKEN,
        ) from None
    failed = len(outcome.years) - 1  # the year without a plan is the last one reached
    if outcome.status is Status.INFEASIBLE and fixed and failed in fixed and sheet is not None:
        from kimopt.fixed_rows import conflict_text

        last = outcome.years[failed]
        year = last.horizon.year if inputs.instance.years else None
        text = conflict_text(sheet, last.problem, fixed[failed], lang.value, year=year)
        raise fail(f"{fix}: {text}", ExitCode.INFEASIBLE)
    if outcome.status is Status.INFEASIBLE:
        if inputs.instance.multi:
            from kimopt.analysis.explain.horizon import horizon_infeasible_text

            raise fail(horizon_infeasible_text(inputs.instance, inputs.model, lang.value), ExitCode.INFEASIBLE)
        from kimopt.analysis.explain.answer import infeasible_text

        raise fail(infeasible_text(inputs.instance, inputs.model, lang.value), ExitCode.INFEASIBLE)
    if outcome.plan_json is None:
        message = (
            "kein Plan im Zeitlimit gefunden; --time-limit erhöhen."
            if lang == Lang.de
            else "no plan found within the time limit; raise --time-limit."
        )
        raise fail(f"{instance}: {message}", ExitCode.NO_PLAN)
    if binding:
        from kimopt.analysis.explain.binding import add_year_binding_rules

        with progress("Begrenzende Regeln" if de else "Binding rules") as step:
            add_year_binding_rules(outcome, step)
    # every output is rendered before any is written: a failing report leaves no plan behind
    outputs: list[tuple[Path, bytes]] = []
    if output is not None:
        outputs.append((output, dumps(outcome.plan_json).encode("utf-8")))
    if report is not None:
        from kimopt.report import classical_baselines, report_bytes

        baselines = classical_baselines(inputs.instance, inputs.model, outcome.plan_json)
        outputs.append(
            (
                report,
                report_bytes(
                    outcome.plan_json, report, lang.value, baselines, entwurf, year=inputs.instance.funding.year
                ),
            )
        )
    write_all_atomic(outputs)
    if not quiet:
        typer.echo(render_plan(outcome.plan_json, lang.value))
        if output is not None:
            typer.echo(("\nPlan geschrieben: " if lang == Lang.de else "\nPlan written: ") + str(output))
        if report is not None:
            typer.echo(("Bericht geschrieben: " if lang == Lang.de else "Report written: ") + str(report))
