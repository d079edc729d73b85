"""``kimopt explain``: why a plan is impossible, what blocks a wish, which rules bind."""

from __future__ import annotations

from typing import Annotated

import typer

from kimopt.cli.app import ExitCode, InstanceArg, Lang, LangOption, ModelOption, app, fail, guarded

WantOption = Annotated[
    str | None,
    typer.Option(
        "--want",
        help='Wunsch für einen Anstellungsträger: "NAME=VZÄ", '
        '"NAME>=VZÄ" oder "NAME<=VZÄ", z. B. "Voerde (Niederrhein)=1"; über mehrere Jahre mit dem '
        'Jahr davor, z. B. "2023: Alpen=1" (ohne Jahr: das erste Jahr).',
    ),
]


@app.command()
@guarded
def explain(
    instance: InstanceArg,
    model: ModelOption = None,
    want: WantOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Erklären: Konflikt und kleinste Änderung, Preis eines Wunsches, bindende Regeln.

    Bei einer unlösbaren Instanz oder einem unerfüllbaren Wunsch: der kleinste Konflikt und die
    kleinsten Änderungen, die ihn lösen; bei einem erfüllbaren Wunsch sein Preis; sonst die
    bindenden Regeln des optimalen Plans. Über mehrere Jahre: jedes Jahr, gegeben die Jahre davor.

    Exit: 0 möglich, 1 fehlerhafte Eingabe, 3 unlösbar, 4 nicht im Zeitlimit entschieden.
    """
    from kimopt.analysis.explain.answer import explain as answer_for
    from kimopt.analysis.explain.core import ExplainTimeout, Scenario
    from kimopt.analysis.explain.wish import WishError, parse_wish
    from kimopt.analysis.explain.years import explain_years
    from kimopt.cli.progress import progress
    from kimopt.lexicographic import ModelTooLarge
    from kimopt.load import load_inputs
    from kimopt.results import Status

    inputs = load_inputs(instance, model)
    time_limit = float(inputs.model.time_limit_s)
    try:
        with progress("Erkläre" if lang == Lang.de else "Explaining"):
            if inputs.instance.multi:  # several years or Bausteine: each year given the years before (DESIGN §5)
                answer = explain_years(inputs.instance, inputs.model, want, lang.value, time_limit)
            else:
                wish = None if want is None else parse_wish(want, inputs.instance, inputs.model)
                answer = answer_for(Scenario(inputs.instance, inputs.model, wish), lang.value, time_limit)
    except WishError as exc:
        raise fail(exc.text(lang.value), ExitCode.BAD_INPUT) from None
    except ModelTooLarge as exc:
        raise fail(f"{instance}: {exc.text(lang.value)}", ExitCode.BAD_INPUT) from None
    except ExplainTimeout:
        raise fail(
            f"{instance}: "
            + (
                "nicht im Zeitlimit entschieden; time_limit_s im Modell erhöhen."
                if lang == Lang.de
                else "not decided within the time limit; raise time_limit_s in the model."
            ),
            ExitCode.NO_PLAN,
        ) from None
    typer.echo(answer.text)
    if answer.status is Status.INFEASIBLE:
        raise typer.Exit(ExitCode.INFEASIBLE)
    if answer.status is not Status.FEASIBLE:
        raise typer.Exit(ExitCode.NO_PLAN)
