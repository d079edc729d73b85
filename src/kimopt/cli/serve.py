"""``kimopt serve``: the live what-if page for the Lenkungsgruppe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kimopt.cli.app import ExitCode, InstanceArg, Lang, ModelOption, app, fail, guarded


@app.command()
@guarded
def serve(
    instance: InstanceArg,
    model: ModelOption = None,
    port: Annotated[int, typer.Option("--port", min=1024, max=65535, help="Port auf 127.0.0.1 / port.")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="Seite im Browser öffnen / open the page.")] = False,
    scenario_dir: Annotated[
        Path,
        typer.Option(
            "--scenario-dir",
            help="Ordner für „Szenario speichern“ (wird erst beim Speichern angelegt) / folder for saved scenarios.",
            file_okay=False,
        ),
    ] = Path("szenarien"),
) -> None:
    """Was-wäre-wenn-Seite für die Lenkungsgruppe / the live what-if page.

    Startet eine lokale Seite (nur 127.0.0.1): Kreisquote, Budgets, Interesse, Partner,
    Kapazitäten, Wünsche und die Reihenfolge der Ziele ändern, der optimale Plan folgt.
    Die Instanzdatei wird nie verändert. Beenden mit Strg-C.
    """
    from kimopt.cli.horizon import one_year_only
    from kimopt.load import load_inputs
    from kimopt.serve import HOST, port_free, run
    from kimopt.serve.session import Session

    inputs = load_inputs(instance, model)
    one_year_only(inputs.instance, instance, "serve", Lang.de)
    if not port_free(port):
        raise fail(
            f"Port {port} auf {HOST} ist belegt – mit --port einen anderen wählen "
            f"/ port {port} is in use, choose another with --port.",
            ExitCode.BAD_INPUT,
        )
    session = Session(instance, model, inputs.instance, inputs.model, inputs.model_name, scenario_dir.absolute())
    if session.current.outcome.kind == "invalid":
        raise fail(f"{instance}: " + "; ".join(session.current.outcome.general), ExitCode.BAD_INPUT)
    typer.echo(f"kimopt serve: http://{HOST}:{port}/  (Strg-C beendet)")
    run(session, port, open_browser)
