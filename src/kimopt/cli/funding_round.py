"""A funding round: ``kimopt import gv100`` (instances from official data) and ``kimopt batch``."""

from __future__ import annotations

import os
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from kimopt.cli.app import ExitCode, Lang, LangOption, ModelOption, TimeLimitOption, app, fail, guarded

import_app = typer.Typer(
    help="Instanzen aus amtlichen Daten erzeugen.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")


def _fraction_option(value: str | None, option: str) -> Fraction | None:
    """A positive exact number from an option; a decimal comma is accepted (``2,5``)."""
    from kimopt.data import MAX_VZAE
    from kimopt.numbers import NumberError, to_fraction

    if value is None:
        return None
    text = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
    try:
        number = to_fraction(text)
    except NumberError:
        number = None
    if number is None or number <= 0:
        raise fail(
            f"{option}: {value!r} ist keine positive Zahl / is not a positive number",
            ExitCode.USAGE,
        )
    if number > MAX_VZAE:
        raise fail(
            f"{option}: {value!r} ist zu groß (höchstens {MAX_VZAE}) / is too large (at most {MAX_VZAE})",
            ExitCode.USAGE,
        )
    return number


@import_app.command("gv100")
@guarded
def import_gv100(
    file: Annotated[
        Path,
        typer.Argument(
            help="GV100AD-Datei von Destatis (Festbreitenformat, .ASC).", show_default=False, readable=False
        ),
    ],
    kreis: Annotated[
        str | None,
        typer.Option("--kreis", help="Kreisschlüssel (5 Ziffern, z. B. 05170 Kreis Wesel): eine Instanz."),
    ] = None,
    land: Annotated[
        str | None,
        typer.Option(
            "--land",
            help="Landesschlüssel (2 Ziffern, z. B. 05): je Kreis/kreisfreie Stadt eine Instanz.",
        ),
    ] = None,
    positions: Annotated[
        str | None,
        typer.Option("--positions", help="Förderfähige VZÄ (nur mit --kreis)."),
    ] = None,
    per_100k: Annotated[
        str | None,
        typer.Option(
            "--positions-per-100k",
            help="VZÄ je 100.000 Einwohner, auf 0,5 gerundet, mind. 1 (Vorgabe 2.4 ≈ Wesel).",
        ),
    ] = None,
    rate: Annotated[int, typer.Option("--rate", min=0, help="Förderung je VZÄ und Jahr, €.")] = 55000,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Förderjahr (Vorgabe: Jahr des Gebietsstands + 1)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Datei oder Ordner (mit --land: Ordner, wird angelegt); ohne: Standardausgabe.",
        ),
    ] = None,
    lang: LangOption = Lang.de,
) -> None:
    """Instanzen aus dem amtlichen Gemeindeverzeichnis GV100AD von Destatis erzeugen.

    Jede bewohnte Gemeinde wird eine Kommune (Name, AGS, Einwohner); eine kreisfreie Stadt eine
    Instanz mit der Stadt als einziger Kommune.
    Exit: 0 geschrieben, 1 Datei oder Schlüssel fehlerhaft, 2 Aufruf.
    """
    from kimopt.io.atomic import Outputs
    from kimopt.io.gv100 import DEFAULT_PER_100K, instance_yaml, read_gv100
    from kimopt.numbers import fmt_number

    de = lang == Lang.de
    if (kreis is None) == (land is None):
        raise fail(
            "Genau eine Angabe nötig: --kreis oder --land" if de else "Give exactly one of --kreis and --land",
            ExitCode.USAGE,
        )
    if positions is not None and (per_100k is not None or land is not None):
        raise fail(
            "--positions nur mit --kreis und ohne --positions-per-100k"
            if de
            else "--positions only with --kreis and without --positions-per-100k",
            ExitCode.USAGE,
        )
    fixed = _fraction_option(positions, "--positions")
    density = _fraction_option(per_100k, "--positions-per-100k") or DEFAULT_PER_100K

    directory = read_gv100(file)
    options = {"positions": fixed, "per_100k": density, "rate": rate, "year": year}
    if kreis is not None:
        imported = instance_yaml(directory, kreis.strip(), **options)  # type: ignore[arg-type]
        if output is None:
            typer.echo(imported.text, nl=False)
            return
        target = output / imported.filename if output.is_dir() else output
        outputs = Outputs([file])
        outputs.add(target, imported.text)
        outputs.commit()
        typer.echo(
            f"{target}: {imported.kreis.display_name}, {imported.kommunen} "
            + "Kommunen, "
            + f"{fmt_number(imported.population, 0, lang.value)} "
            + ("Einwohner" if de else "inhabitants")
        )
        return

    assert land is not None
    kreise = directory.land(land.strip())
    if output is None:
        raise fail("--land braucht -o ORDNER" if de else "--land needs -o FOLDER", ExitCode.USAGE)
    if output.exists() and not output.is_dir():
        raise fail(f"{output}: " + ("kein Ordner" if de else "not a folder"), ExitCode.BAD_INPUT)
    if not output.parent.exists():
        raise fail(f"{output.parent}: " + ("Ordner fehlt" if de else "folder missing"), ExitCode.BAD_INPUT)
    outputs = Outputs([file])
    outputs.folder(output)
    population = 0
    try:
        for record in kreise:
            imported = instance_yaml(directory, record.key, **options)  # type: ignore[arg-type]
            outputs.add(output / imported.filename, imported.text)
            population += imported.population
    except BaseException:
        outputs.discard()
        raise
    outputs.commit()  # every Kreis of the Land, or none
    name = directory.laender.get(land.strip(), land)
    typer.echo(
        f"{output}: {len(kreise)} "
        + ("Instanzen" if de else "instances")
        + f" ({name}, "
        + f"{fmt_number(population, 0, lang.value)} "
        + ("Einwohner)" if de else "inhabitants)")
    )


@app.command()
@guarded
def batch(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Instanzen: Dateien, Ordner (.yaml/.json/.xlsx) oder Muster wie 'nrw/*.yaml'.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Ordner für Pläne und summary.csv/.xlsx/.json (wird angelegt).",
            show_default=False,
        ),
    ],
    model: ModelOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-j",
            min=1,
            help="Parallele Prozesse (Vorgabe: Zahl der Kerne).",
        ),
    ] = None,
    solver_workers: Annotated[
        int,
        typer.Option(
            "--solver-workers",
            min=1,
            max=64,
            help="CP-SAT-Threads je Instanz.",
        ),
    ] = 1,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Instanzen mit optimalem Plan gleichen Inhalts (input_sha256) überspringen.",
        ),
    ] = False,
    binding: Annotated[
        bool,
        typer.Option(
            "--binding/--no-binding",
            help="Je Plan die begrenzenden Regeln ermitteln, wie solve (mit fester Rechenmenge; dauert länger).",
        ),
    ] = False,
    time_limit: TimeLimitOption = None,
    lang: LangOption = Lang.de,
) -> None:
    """Viele Instanzen lösen: eine Förderrunde.

    Schreibt je Instanz <name>.plan.json sowie summary.csv (für deutsches Excel), summary.xlsx
    und summary.json nach --out: eine Zeile je Instanz und Jahr (mit --binding auch die Zahl der
    begrenzenden Regeln und ob alle Regeln vollständig geprüft sind).
    Exit: 0 jede Instanz hat einen Plan; sonst der schwerste Fall: 5 Plan verletzt Regeln,
    1 fehlerhafte Eingabe, 3 unlösbar, 4 kein Plan im Zeitlimit; 130 abgebrochen (Strg-C).
    """
    from kimopt.analysis.batch import (
        SUMMARY_NAMES,
        Interrupted,
        Progress,
        Task,
        clean_temporary,
        collect,
        exit_code,
        plan_paths,
        run_batch,
        write_summary,
    )
    from kimopt.io.atomic import guard_output, make_folder
    from kimopt.load import load_model

    de = lang == Lang.de
    load_model(model)  # a broken model stops the whole round before any solve
    if out.exists() and not out.is_dir():
        raise fail(f"{out}: " + ("kein Ordner" if de else "not a folder"), ExitCode.BAD_INPUT)
    files, missing = collect(paths, lang.value)
    for name in SUMMARY_NAMES:
        guard_output(out / name, [*files, model], folder_planned=True)
    make_folder(out)
    clean_temporary(out)  # what an interrupted run left half-written
    tasks = []
    for file, plan in zip(files, plan_paths(files, out), strict=True):
        guard_output(plan, [file, model])
        tasks.append(Task(file, plan, model, time_limit, solver_workers, resume, lang.value, binding))
    processes = workers or os.cpu_count() or 1
    progress = Progress(len(tasks), lang.value)
    try:
        rows = run_batch(tasks, processes, progress)
    except Interrupted as stop:
        progress.close()
        clean_temporary(out)
        finished = [r for r in stop.rows if r is not None]
        write_summary(missing + finished, out, lang.value)
        raise fail(
            ("Abgebrochen: " if de else "Interrupted: ")
            + f"{len(finished)}/{len(tasks)} "
            + ("fertig, Pläne und Zusammenfassung in " if de else "done, plans and summary in ")
            + str(out),
            130,
        ) from None
    progress.close()
    rows = missing + rows
    from kimopt.labels import share_of, status_label

    written = write_summary(rows, out, lang.value)
    counts = Counter(r.status for r in rows)
    resumed = sum(r.resumed for r in rows)
    typer.echo(
        f"{len(rows)} "
        + ("Instanzen: " if de else "instances: ")
        + ", ".join(
            f"{n} {status_label(status, lang.value)} ({share_of(n, len(rows), lang.value)})"
            for status, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        )
        + (f" ({resumed} " + ("übernommen)" if de else "kept)") if resumed else "")
    )
    for row in rows:
        if not row.has_plan:
            typer.echo(f"  {row.file}: {row.status}: {row.error}", err=True)
    typer.echo(("Zusammenfassung: " if de else "Summary: ") + ", ".join(str(p) for p in written))
    code = exit_code(rows)
    if code:
        raise typer.Exit(code)
