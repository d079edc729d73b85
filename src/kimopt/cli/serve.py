"""``kimopt serve``: the live what-if page for the Lenkungsgruppe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kimopt.cli.app import ExitCode, ModelOption, app, fail, guarded


@app.command()
@guarded
def serve(
    instance: Annotated[
        Path | None,
        typer.Argument(
            help="Instanz (YAML, JSON, Excel) – oder ein Ordner: Startseite mit seinen Instanzen "
            "(ohne Angabe: der aktuelle Ordner).",
            show_default=False,
        ),
    ] = None,
    model: ModelOption = None,
    port: Annotated[int, typer.Option("--port", min=1024, max=65535, help="Port auf 127.0.0.1.")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="Seite im Browser öffnen.")] = False,
    scenario_dir: Annotated[
        Path,
        typer.Option(
            "--scenario-dir",
            help="Ordner für „Szenario speichern“ und hochgeladene Mappen (wird erst bei Bedarf angelegt).",
            file_okay=False,
        ),
    ] = Path("szenarien"),
) -> None:
    """Was-wäre-wenn-Seite für die Lenkungsgruppe.

    Startet eine lokale Seite (nur 127.0.0.1): Kreisquote, Budgets, Interesse, Partner,
    Kapazitäten, Wünsche und die Reihenfolge der Ziele ändern, der optimale Plan folgt.
    Ohne Instanz (oder mit einem Ordner) zeigt eine Startseite die Instanzen und Planmappen
    des Ordners und nimmt eine hineingezogene Excel-Mappe an. Die Instanzdatei wird nie
    verändert. Beenden mit Strg-C.
    """
    import secrets

    from kimopt.serve import HOST, port_free, run

    folder = Path.cwd() if instance is None else instance
    if not port_free(port):
        raise fail(
            f"Port {port} auf {HOST} ist belegt – mit --port einen anderen wählen "
            f"/ port {port} is in use, choose another with --port.",
            ExitCode.BAD_INPUT,
        )
    if folder.is_dir():
        from kimopt.serve.start import create_start_app

        served: object = create_start_app(folder, scenario_dir.absolute(), port, model, secrets.token_urlsafe(32))
        typer.echo(f"kimopt serve: http://{HOST}:{port}/  Startseite für {folder}  (Strg-C beendet)")
        run(served, port, open_browser)
        return
    served = _page(folder, model, port, scenario_dir)
    typer.echo(f"kimopt serve: http://{HOST}:{port}/  (Strg-C beendet)")
    run(served, port, open_browser)


def _page(instance: Path, model: Path | None, port: int, scenario_dir: Path) -> object:
    """The what-if page of one instance file."""
    from kimopt.load import load_inputs
    from kimopt.serve.app import create_app
    from kimopt.serve.session import Session

    inputs = load_inputs(instance, model)
    session = Session(instance, model, inputs.instance, inputs.model, inputs.model_name, scenario_dir.absolute())
    if session.current.outcome.kind == "invalid":
        raise fail(f"{instance}: " + "; ".join(session.current.outcome.general), ExitCode.BAD_INPUT)
    return create_app(session, port)
