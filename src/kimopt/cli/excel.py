"""``kimopt template`` (an Excel template to fill in) and ``kimopt convert`` (YAML, JSON, XLSX)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kimopt.cli.app import ExitCode, Lang, LangOption, app, fail, guarded

OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Zieldatei (.xlsx).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Vorhandene Instanzdatei ersetzen.")]


def protect_instance_file(output: Path, force: bool, lang: Lang) -> None:
    """The rule for every command that writes: results (plans, reports, tables) are replaced,
    inputs never; an *instance file* (``template``, ``convert``) holds a planner's data, so an
    existing one is replaced only with ``--force``."""
    if output.exists() and not force:
        raise fail(
            f"{output}: "
            + (
                "die Datei gibt es schon (eine Instanz mit Eingaben?); anderen Namen mit -o oder --force."
                if lang == Lang.de
                else "the file exists (an instance with inputs?); choose another name with -o or use --force."
            ),
            ExitCode.USAGE,
        )


SourceArg = Annotated[
    Path,
    typer.Argument(
        metavar="INPUT",
        help="Instanz: YAML, JSON oder Excel (.xlsx).",
        show_default=False,
        readable=False,
    ),
]
TargetOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        show_default=False,
        help="Zieldatei; das Format folgt der Endung: .yaml, .json, .xlsx.",
    ),
]


@app.command()
@guarded
def template(
    output: OutputOption = Path("vorlage.xlsx"), force: ForceOption = False, lang: LangOption = Lang.de
) -> None:
    """Excel-Vorlage für eine Instanz erzeugen.

    Blätter Kreis, Förderung, Kommunen, Träger und Hinweise mit deutschen Spaltennamen, einem
    Kommentar an jeder Überschrift, Eingabeprüfung und dem Beispiel Kreis Wesel 2022.
    Eine vorhandene Datei wird nur mit --force ersetzt (Instanzdateien enthalten Eingaben).

    Exit: 0 geschrieben, 1 Ziel nicht schreibbar, 2 falsche Endung oder Datei existiert schon.
    """
    from kimopt.io.atomic import guard_output, write_bytes_atomic
    from kimopt.io.excel import template_workbook

    de = lang == Lang.de
    if output.suffix.lower() != ".xlsx":
        raise fail(
            f"{output}: "
            + (
                "die Vorlage ist eine Excel-Datei, bitte .xlsx als Endung."
                if de
                else "the template is a workbook, please use .xlsx."
            ),
            ExitCode.USAGE,
        )
    guard_output(output, [])
    protect_instance_file(output, force, lang)
    write_bytes_atomic(output, template_workbook())
    if de:
        typer.echo(
            f"Vorlage geschrieben: {output}\nAusfüllen, dann prüfen mit  kimopt validate "
            f"{output}  und rechnen mit  kimopt solve {output}"
        )
    else:
        typer.echo(
            f"Template written: {output}\nFill it in, then check it with  kimopt validate "
            f"{output}  and solve it with  kimopt solve {output}"
        )


@app.command()
@guarded
def convert(source: SourceArg, output: TargetOption, force: ForceOption = False, lang: LangOption = Lang.de) -> None:
    """Instanz zwischen YAML, JSON und Excel umwandeln.

    Verlustfrei für jeden Wert: exakte Brüche (1/3) bleiben exakt, Namen und AGS bleiben Text.
    Kommentare der Quelldatei gehen verloren (YAML-Kommentare, Excel-Notizen).
    Die Eingabe wird zuerst geprüft; eine fehlerhafte Instanz wird nicht umgewandelt.
    Die Eingabedatei wird nie überschrieben, eine andere vorhandene Instanzdatei nur mit --force.

    Exit: 0 umgewandelt, 1 fehlerhafte Eingabe, 2 Ziel existiert schon (ohne --force).
    """
    from kimopt.io.atomic import guard_output, write_bytes_atomic
    from kimopt.io.convert import instance_bytes, output_format
    from kimopt.load import load_instance

    output_format(output)
    guard_output(output, [source])
    protect_instance_file(output, force, lang)
    instance, _ = load_instance(source)
    write_bytes_atomic(output, instance_bytes(instance, output, source))
    typer.echo(f"Umgewandelt: {source} → {output}" if lang == Lang.de else f"Converted: {source} → {output}")
