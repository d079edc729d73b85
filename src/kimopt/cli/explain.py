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
        '"NAME>=VZÄ" oder "NAME<=VZÄ", z. B. "Voerde (Niederrhein)=1".',
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
    bindenden Regeln des optimalen Plans.

    Exit: 0 möglich, 1 fehlerhafte Eingabe, 3 unlösbar, 4 nicht im Zeitlimit entschieden.
    """
    from kimopt.analysis.explain.answer import explain as answer_for
    from kimopt.analysis.explain.core import ExplainTimeout, Scenario
    from kimopt.analysis.explain.wish import WishError, parse_wish
    from kimopt.lexicographic import ModelTooLarge
    from kimopt.load import load_inputs
    from kimopt.results import Status

    inputs = load_inputs(instance, model)
    if inputs.instance.multi:  # several years or Bausteine (DESIGN §5)
        _explain_horizon(inputs.instance, inputs.model, want, lang)
        return
    scenario = Scenario(inputs.instance, inputs.model)
    if want is not None:
        try:
            scenario = Scenario(inputs.instance, inputs.model, parse_wish(want, inputs.instance, inputs.model))
        except WishError as exc:
            raise fail(exc.text(lang.value), ExitCode.BAD_INPUT) from None
    from kimopt.cli.progress import progress

    try:
        with progress("Erkläre" if lang == Lang.de else "Explaining"):
            answer = answer_for(scenario, lang.value, float(inputs.model.time_limit_s))
    except ModelTooLarge as exc:
        raise fail(f"{instance}: {exc}", ExitCode.BAD_INPUT) from None
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


def _explain_horizon(instance: object, model: object, want: str | None, lang: Lang) -> None:
    from kimopt.analysis.explain.core import ExplainTimeout
    from kimopt.analysis.explain.horizon import horizon_explain_text
    from kimopt.data import Instance, PlanningModel

    assert isinstance(instance, Instance) and isinstance(model, PlanningModel)
    if want is not None:
        raise fail(
            "--want: "
            + (
                "Wünsche gibt es bisher nur für einjährige Instanzen ohne Baustein 1 und 3."
                if lang == Lang.de
                else "wishes are so far available only for one-year instances without Bausteine 1 and 3."
            ),
            ExitCode.USAGE,
        )
    try:
        status, text = horizon_explain_text(instance, model, lang.value, float(model.time_limit_s))
    except ExplainTimeout:
        raise fail(
            (
                "nicht im Zeitlimit entschieden; time_limit_s im Modell erhöhen."
                if lang == Lang.de
                else "not decided within the time limit; raise time_limit_s in the model."
            ),
            ExitCode.NO_PLAN,
        ) from None
    typer.echo(text)
    if status == "INFEASIBLE":
        raise typer.Exit(ExitCode.INFEASIBLE)
