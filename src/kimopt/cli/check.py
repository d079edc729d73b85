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
    plan: Annotated[Path, typer.Argument(help="Plan-JSON (von kimopt oder von Hand bearbeitet).", show_default=False)],
    model: ModelOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Plan unabhängig vom Solver prüfen / verify a plan independently of the solver.

    Exit: 0 gültig, 1 Eingabe unlesbar, 5 der Plan verletzt Regeln.
    """
    from kimopt.check import check_plan
    from kimopt.load import load_inputs, read_input

    inputs = load_inputs(instance, model)
    document = read_input(plan)
    if inputs.instance.multi:  # several years or Bausteine: every year and Baustein on its own (DESIGN §5)
        from kimopt.check_horizon import check_horizon

        violations = check_horizon(inputs.instance, inputs.model, document.data)
    else:
        violations = check_plan(inputs.instance, inputs.model, document.data)
    if violations:
        head = (f"{plan}: {len(violations)} Regelverletzung(en)" if lang == Lang.de
                else f"{plan}: {len(violations)} rule violation(s)")
        raise fail("\n".join([head, *("  " + v.text(lang.value) for v in violations)]), ExitCode.RULES_BROKEN)
    typer.echo(f"{plan}: " + ("gültig – alle Regeln eingehalten." if lang == Lang.de else "valid – every rule holds."))


@app.command()
@guarded
def validate(instance: InstanceArg, model: ModelOption = None, lang: LangOption = Lang.de) -> None:
    """Eingaben prüfen und alle Probleme auf einmal melden / report every input problem at once.

    Exit: 0 in Ordnung, 1 Probleme gefunden.
    """
    from kimopt.load import collect_findings

    errors = collect_findings(instance, model)
    if errors:
        count = sum(len(e.findings) for e in errors)
        head = f"{count} Problem(e) gefunden:" if lang == Lang.de else f"{count} problem(s) found:"
        raise fail("\n".join([head, *(e.render(lang.value) for e in errors)]), ExitCode.BAD_INPUT)
    typer.echo(f"{instance}: " + ("in Ordnung." if lang == Lang.de else "valid."))
