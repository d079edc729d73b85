"""``kimopt check`` (a plan against the rules) and ``kimopt validate`` (every input problem at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kimopt.cli.app import ExitCode, InstanceArg, Lang, LangOption, ModelOption, app, fail, guarded


@app.command()
@guarded
def check(
    instance: InstanceArg,
    plan: Annotated[
        Path,
        typer.Argument(
            help="Plan: JSON (von kimopt oder von Hand bearbeitet) oder Arbeitsmappe mit Blatt „Zuordnung“.",
            show_default=False,
            readable=False,
        ),
    ],
    model: ModelOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Plan unabhängig vom Solver prüfen.

    Exit: 0 gültig, 1 Eingabe unlesbar oder Plan einer anderen Instanz, 5 der Plan verletzt Regeln
    (jede mit ihrer Zelle, wenn der Plan eine Arbeitsmappe ist).
    """
    from kimopt.io.plan_file import read_plan_source
    from kimopt.load import load_inputs
    from kimopt.pipeline import check as check_every_year
    from kimopt.plan_source import foreign_plan

    inputs = load_inputs(instance, model)
    source = read_plan_source(plan, inputs.instance)  # untyped: the checker re-derives every number
    data, sheet = source.data, source.sheet
    verdict = foreign_plan(data, inputs.instance, inputs.model, lang.value)
    if verdict is not None and verdict.foreign:
        raise fail(f"{plan}: {verdict.text}", ExitCode.BAD_INPUT)
    if verdict is not None:
        typer.echo(f"{plan}: {verdict.text}", err=True)
    violations = check_every_year(inputs.instance, inputs.model, data)  # every year and Baustein (DESIGN §5)
    if violations:
        head = (
            f"{plan}: {len(violations)} Regelverletzung(en)"
            if lang == Lang.de
            else f"{plan}: {len(violations)} rule violation(s)"
        )
        lines = (
            sheet.violation_lines(violations, lang.value)
            if sheet is not None
            else ["  " + v.text(lang.value) for v in violations]
        )
        raise fail("\n".join([head, *lines]), ExitCode.RULES_BROKEN)
    typer.echo(f"{plan}: " + ("gültig – alle Regeln eingehalten." if lang == Lang.de else "valid – every rule holds."))


@app.command()
@guarded
def validate(instance: InstanceArg, model: ModelOption = None, lang: LangOption = Lang.de) -> None:
    """Eingaben prüfen und alle Probleme auf einmal melden.

    Exit: 0 in Ordnung, 1 Probleme gefunden.
    """
    from kimopt.load import collect_findings

    errors = collect_findings(instance, model)
    if errors:
        count = sum(len(e.findings) for e in errors)
        head = f"{count} Problem(e) gefunden:" if lang == Lang.de else f"{count} problem(s) found:"
        raise fail("\n".join([head, *(e.render(lang.value) for e in errors)]), ExitCode.BAD_INPUT)
    typer.echo(f"{instance}: " + ("in Ordnung." if lang == Lang.de else "valid."))
