"""``kimopt round``: the Land's funding round (DESIGN §6), and with ``--plans`` every Kreis below it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from kimopt.cli.app import ExitCode, Lang, LangOption, ModelOption, TimeLimitOption, app, fail, guarded
from kimopt.labels import t

OUTPUT_NAMES = ("zuteilung.csv", "zuteilung.xlsx", "zuteilung.html", "zuteilung.json")


def _key_label(round_: Any, lang: str) -> str:
    """``Sockel 2 + Einwohner`` / ``Einwohner 1/2, refugees 1/2``."""
    from kimopt.labels import key_text
    from kimopt.numbers import exact_text

    key = key_text(round_.key, lang)
    if round_.base_vzae == 0:
        return key
    if round_.base_mode == "added":
        return t(
            lang,
            f"Sockel {exact_text(round_.base_vzae, lang)} + {key}",
            f"base {exact_text(round_.base_vzae, lang)} + {key}",
        )
    return t(
        lang,
        f"{key}, mind. {exact_text(round_.base_vzae, lang)}",
        f"{key}, at least {exact_text(round_.base_vzae, lang)}",
    )


def _second_round(spec: str, first: Any, lang: str) -> tuple[Any, Any]:
    """``--compare-key``: a key column (``population``: the pure key, no base) or a round file."""
    from kimopt.land.round_file import load_round

    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return load_round(path)
    from fractions import Fraction

    columns = ["population", *(first.indicators.columns if first.indicators is not None else ())]
    if spec not in columns:
        raise fail(
            f"--compare-key {spec}: "
            + t(lang, "weder Rundendatei noch Spalte; Spalten: ", "neither a round file nor a column; columns: ")
            + ", ".join(columns),
            ExitCode.USAGE,
        )
    return first.round.model_copy(
        update={"key": {spec: Fraction(1)}, "base_vzae": Fraction(0), "tie_winners": []}
    ), None


@app.command("round")
@guarded
def round_command(
    round_file: Annotated[
        Path, typer.Argument(help="Rundendatei (YAML/JSON, DESIGN §6).", show_default=False, readable=False)
    ],
    gv100: Annotated[
        Path, typer.Option("--gv100", help="GV100AD-Datei von Destatis (.ASC).", show_default=False, readable=False)
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Ordner für zuteilung.csv/.xlsx/.html/.json (und .pdf; wird angelegt).",
            show_default=False,
        ),
    ],
    compare_key: Annotated[
        str | None,
        typer.Option(
            "--compare-key",
            help="Zweiter Schlüssel zum Vergleich: eine Spalte (z. B. population: reiner "
            "Bevölkerungsschlüssel ohne Sockel) oder eine zweite Rundendatei.",
        ),
    ] = None,
    calibrate: Annotated[
        Path | None,
        typer.Option(
            "--calibrate",
            help="Beobachtete Zuteilungen (CSV/XLSX: ags;vzae): Sockel und Gewichte, die sie "
            "am besten wiedergeben (kleinste Gesamtabweichung, exakt).",
            readable=False,
        ),
    ] = None,
    plans: Annotated[
        Path | None,
        typer.Option(
            "--plans",
            help="Ordner: je Gebiet eine Instanz mit seinen VZÄ, ihre optimalen Pläne und eine "
            "Zusammenfassung Land → Gebiet → Kommune.",
        ),
    ] = None,
    overlay: Annotated[
        Path | None,
        typer.Option("--overlay", help="Ordner mit Ergänzungen je Gebiet (<AGS>.yaml: Interesse, Budgets, Träger)."),
    ] = None,
    model: ModelOption = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-j", min=1, help="Parallele Prozesse für --plans (Vorgabe: Zahl der Kerne)."),
    ] = None,
    solver_workers: Annotated[
        int, typer.Option("--solver-workers", min=1, max=64, help="CP-SAT-Threads je Instanz.")
    ] = 1,
    resume: Annotated[
        bool, typer.Option("--resume", help="--plans: Gebiete mit optimalem Plan gleichen Inhalts überspringen.")
    ] = False,
    time_limit: TimeLimitOption = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Auch zuteilung.pdf schreiben (A4, für die Vorlage; braucht WeasyPrint).")
    ] = False,
    lang: LangOption = Lang.de,
) -> None:
    """Förderrunde des Landes: VZÄ auf die KI-Kommunen verteilen.

    Schreibt die Zuteilung je Gebiet (AGS, Einwohner, Schlüsselanteil, Quote, VZÄ, je 100.000,
    bindende Grenze, Gleichstand) als CSV, XLSX, HTML mit Diagramm und JSON nach -o.
    Gleichstände werden gemeldet, nie still entschieden (tie_winners in der Rundendatei).
    Exit: 0 verteilt (und mit --plans: jeder Plan gefunden), 1 fehlerhafte Eingabe oder offener
    Gleichstand bei --plans, 2 Aufruf, 3 Grenzen nicht einhaltbar; mit --plans sonst wie batch.
    """
    from kimopt.errors import InputError

    try:
        _round(
            round_file,
            gv100,
            output,
            compare_key,
            calibrate,
            plans,
            overlay,
            model,
            workers,
            solver_workers,
            resume,
            time_limit,
            pdf,
            lang,
        )
    except InputError as exc:  # every problem of a round file at once (kimopt validate reads instances only)
        raise fail(exc.render(lang.value), ExitCode.BAD_INPUT) from None


def _round(
    round_file: Path,
    gv100: Path,
    output: Path,
    compare_key: str | None,
    calibrate: Path | None,
    plans: Path | None,
    overlay: Path | None,
    model: Path | None,
    workers: int | None,
    solver_workers: int,
    resume: bool,
    time_limit: float | None,
    pdf: bool,
    lang: Lang,
) -> None:
    from kimopt.io.atomic import Outputs
    from kimopt.land.allocate import RoundInfeasible, divisor_text
    from kimopt.land.output import (
        comparison_json,
        comparison_table,
        csv_text,
        html_text,
        territory_table,
        to_json,
        xlsx_bytes,
    )
    from kimopt.land.pipeline import prepare
    from kimopt.numbers import fmt_number
    from kimopt.plan import dumps

    language = lang.value
    de = lang == Lang.de
    if output.exists() and not output.is_dir():
        raise fail(f"{output}: " + t(language, "kein Ordner", "not a folder"), ExitCode.BAD_INPUT)
    if not output.resolve().parent.exists():
        raise fail(f"{output.parent}: " + t(language, "Ordner fehlt", "folder missing"), ExitCode.BAD_INPUT)
    outputs = Outputs([round_file, gv100, calibrate, model])
    targets = [output / name for name in OUTPUT_NAMES] + ([output / "zuteilung.pdf"] if pdf else [])
    for target in targets:
        outputs.check(target, folder_planned=True)
    if overlay is not None and plans is None:
        raise fail(t(language, "--overlay nur mit --plans", "--overlay only with --plans"), ExitCode.USAGE)
    if resume and plans is None:
        raise fail(t(language, "--resume nur mit --plans", "--resume only with --plans"), ExitCode.USAGE)
    if model is not None:
        from kimopt.load import load_model

        load_model(model)  # a broken model stops the round before anything is written

    if pdf:
        from kimopt.report.pdf import require_pdf

        require_pdf(output / "zuteilung.pdf")  # say what to install before anything is computed
    ready = prepare(round_file, gv100)
    outputs.protect(ready.indicators.path if ready.indicators else None)  # before anything is computed
    try:
        allocation = ready.allocate()
    except RoundInfeasible as exc:
        raise fail(t(language, "Unlösbar: ", "Infeasible: ") + exc.text(language), ExitCode.INFEASIBLE) from None
    second = None
    labels = ("", "")
    if compare_key is not None:
        other_round, other_doc = _second_round(compare_key, ready, language)
        other = ready.with_round(other_round, other_doc)
        if other_doc is not None:
            outputs.protect(other_doc.path, other.indicators.path if other.indicators else None)
        try:
            second = other.allocate()
        except RoundInfeasible as exc:
            raise fail(
                t(language, "Vergleichsschlüssel unlösbar: ", "Comparison key infeasible: ") + exc.text(language),
                ExitCode.INFEASIBLE,
            ) from None
        labels = (_key_label(ready.round, language), _key_label(other_round, language))

    result = to_json(allocation)
    tables = [territory_table(allocation, language)]
    if second is not None:
        result["compare"] = comparison_json(allocation, second, labels)
        tables.append(comparison_table(allocation, second, labels, language))
    calibration_text: list[str] = []
    if calibrate is not None:
        result["calibration"], calibration_text, calibration_table = _calibration(
            ready, allocation, calibrate, language
        )
        tables.append(calibration_table)

    calibration = [table for table in tables if table.key == "kalibrierung"]
    rendered: list[bytes | str] = [
        csv_text(tables, language),
        xlsx_bytes(allocation, language, second, labels),
        html_text(allocation, language, second, labels, calibration),
        dumps(result),
    ]
    if pdf:
        from kimopt.report.pdf import pdf_bytes, stand_date

        rendered.append(pdf_bytes(html_text(allocation, language, second, labels, calibration, stand_date())))
    if plans is not None:
        _check_plans(allocation, plans, overlay, _plan_year(ready), language)  # before anything is written
    outputs.folder(output)
    for target, data in zip(targets, rendered, strict=True):
        outputs.add(target, data)
    outputs.commit()  # every file of the round, or none

    name = ready.directory.laender.get(ready.round.land, ready.round.land)
    typer.echo(
        f"{ready.round.name}: {len(allocation.territories)} "
        + t(language, "Gebiete", "territories")
        + f" ({name}), "
        + f"{fmt_number(allocation.total, 1, language)} VZÄ, {result['method_label']}; "
        + divisor_text(allocation, language)
    )
    bound = [f"{row['name']} ({row['binding']})" for row in result["territories"] if row["binding"]]
    if bound:
        typer.echo(t(language, "Grenze bindet: ", "Bound binds: ") + ", ".join(bound))
    for tie in result["ties"]:
        state = (
            t(language, "entschieden durch tie_winners", "decided by tie_winners")
            if tie["decided_by"]
            else t(language, "NICHT entschieden", "NOT decided")
        )
        typer.echo(
            t(language, "Gleichstand um ", "Tie for ")
            + f"{fmt_number(tie['vzae'], 1, language)} VZÄ: "
            + ", ".join(tie["names"])
            + f" ({state})"
        )
    if result["check"]:
        raise fail("Interner Fehler / internal error: " + "; ".join(result["check"]), ExitCode.RULES_BROKEN)
    for line in calibration_text:
        typer.echo(line)
    typer.echo(t(language, "Geschrieben: ", "Written: ") + ", ".join(str(p) for p in targets))

    if plans is None:
        return
    if allocation.undecided is not None:
        raise fail(
            t(
                language,
                "--plans braucht eine vollständige Zuteilung: den Gleichstand mit tie_winners "
                "in der Rundendatei entscheiden",
                "--plans needs a complete allocation: decide the tie with tie_winners in the round file",
            ),
            ExitCode.BAD_INPUT,
        )
    from kimopt.io.atomic import make_folder
    from kimopt.land.plans import run_plans

    make_folder(plans)
    year = _plan_year(ready)
    protected = outputs.inputs
    done = run_plans(
        allocation,
        plans,
        overlay,
        year,
        model,
        workers or os.cpu_count() or 1,
        solver_workers,
        resume,
        time_limit,
        language,
        protected,
    )
    counts: dict[str, int] = {}
    for row in done.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    from kimopt.land.plans import sums

    total = sums(done.planned, allocation)
    typer.echo(
        f"{len(done.rows)} "
        + t(language, "Pläne: ", "plans: ")
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        + t(
            language,
            f"; genutzt {fmt_number(total['used_vzae'], 1, language)} von "
            f"{fmt_number(total['allocated_vzae'], 1, language)} VZÄ",
            f"; used {fmt_number(total['used_vzae'], 1, language)} of "
            f"{fmt_number(total['allocated_vzae'], 1, language)} VZÄ",
        )
    )
    for row in done.rows:
        if not row.has_plan:
            typer.echo(f"  {row.file}: {row.status}: {row.error}", err=True)
    typer.echo(("Zusammenfassung: " if de else "Summary: ") + ", ".join(str(p) for p in done.written))
    if done.exit_code:
        raise typer.Exit(done.exit_code)


def _plan_year(ready: Any) -> int:
    """The year of the instances ``--plans`` writes: the round's, else the year after the GV100AD's."""
    return int(ready.round.year or int(ready.directory.gebietsstand[:4]) + 1)


def _check_plans(allocation: Any, plans: Path, overlay: Path | None, year: int, lang: str) -> None:
    """What would stop ``--plans`` after the round's files were written: a file where the
    folder should be, a missing or broken overlay, an overlay an instance would replace
    (an undecided tie is refused after the files are written: they show the tie)."""
    from kimopt.io.atomic import refuse_inputs
    from kimopt.land.plans import instance_name, instance_texts

    if plans.exists() and not plans.is_dir():
        raise fail(f"{plans}: " + t(lang, "kein Ordner", "not a folder"), ExitCode.BAD_INPUT)
    overlays, _ = instance_texts(allocation, overlay, year)
    for territory in allocation.territories:  # --overlay PLANS/instances: an instance would replace its overlay
        refuse_inputs(plans / "instances" / instance_name(territory), overlays.values())


def _calibration(ready: Any, allocation: Any, path: Path, lang: str) -> tuple[dict[str, Any], list[str], Any]:
    """The fit, as JSON, as lines for the terminal and as a table."""
    from fractions import Fraction

    from kimopt.labels import key_column
    from kimopt.land.allocate import RoundInfeasible, allocate
    from kimopt.land.calibrate import calibrate, observations
    from kimopt.land.key import read_table
    from kimopt.numbers import decimal_vzae, exact_text, fmt_number, fraction_text
    from kimopt.report.tables import Table

    table = read_table(path)
    chosen, observed = observations(table, ready.territories)
    fit = calibrate(ready.territories, ready.columns, chosen, observed, table)
    best = fit.best
    step = ready.round.step_vzae
    # the fit as a round: base and the implied Land total to whole steps, the base as a Sockel,
    # apportioned by the round's method — the figures it would really give, in whole steps
    applied = None
    base = (best.base / step + Fraction(1, 2)) // 1 * step
    implied = (fit.implied_total(best) / step + Fraction(1, 2)) // 1 * step
    if best.proportional > 0 and implied > 0:
        trial = ready.round.model_copy(
            update={
                "base_vzae": base,
                "base_mode": "added",
                "key": best.weights,
                "tie_winners": [],
                "total_vzae": implied,
                "budget_eur": None,
                "existing": {},
                "maximum": {},
            }
        )
        try:
            applied = allocate(trial, ready.territories, ready.with_round(trial).shares)
        except RoundInfeasible:
            applied = None
    head = [
        "AGS",
        t(lang, "Gebiet", "Territory"),
        t(lang, "beobachtet", "observed"),
        t(lang, "angepasst", "fitted"),
        t(lang, "Abweichung", "deviation"),
        t(
            lang,
            f"als Runde mit {fmt_number(implied, 1, lang)} VZÄ",
            f"as a round of {fmt_number(implied, 1, lang)} VZÄ",
        ),
    ]
    body = []
    for n, (territory, y, yhat) in enumerate(zip(fit.territories, fit.observed, best.fitted, strict=True)):
        index = chosen[n]
        body.append(
            [
                territory.ags,
                territory.name,
                fmt_number(y, 1, lang),
                fmt_number(yhat, 2, lang),
                fmt_number(yhat - y, 2, lang),
                "" if applied is None else fmt_number(applied.vzae[index], 1, lang),
            ]
        )
    weights = ", ".join(f"{key_column(k, lang)} {fmt_number(v, 3, lang)}" for k, v in best.weights.items())
    lines = [
        t(lang, "Kalibrierung (kleinste Gesamtabweichung, exakt): ", "Calibration (least total deviation, exact): ")
        + t(
            lang,
            f"Sockel {fmt_number(best.base, 2, lang)} VZÄ + {fmt_number(best.proportional, 1, lang)} VZÄ "
            f"nach Schlüssel ({weights}); Gesamtabweichung {fmt_number(fit.deviation, 2, lang)} VZÄ "
            f"bei {len(observed)} Beobachtungen; das entspräche {fmt_number(implied, 1, lang)} VZÄ für das "
            f"Land (genau {fmt_number(fit.implied_total(best), 2, lang)} VZÄ, auf ganze Schritte von "
            f"{exact_text(step, lang)} VZÄ gerundet)",
            f"base {fmt_number(best.base, 2, lang)} VZÄ + {fmt_number(best.proportional, 1, lang)} VZÄ by the key "
            f"({weights}); total deviation {fmt_number(fit.deviation, 2, lang)} VZÄ over {len(observed)} "
            f"observations; that would mean {fmt_number(implied, 1, lang)} VZÄ for the Land (exactly "
            f"{fmt_number(fit.implied_total(best), 2, lang)} VZÄ, rounded to whole steps of "
            f"{exact_text(step, lang)} VZÄ)",
        ),
    ]
    if len(fit.fits) > 1:
        lines.append(
            t(
                lang,
                f"  {len(fit.fits)} gleich gute Anpassungen (die Daten entscheiden nicht)",
                f"  {len(fit.fits)} equally good fits (the data do not decide)",
            )
        )
    data = {
        "observations": [
            {
                "ags": tr.ags,
                "name": tr.name,
                "observed_vzae": decimal_vzae(y),
                "fitted_vzae": decimal_vzae(yhat),
                "as_round_vzae": None if applied is None else decimal_vzae(applied.vzae[chosen[n]]),
            }
            for n, (tr, y, yhat) in enumerate(zip(fit.territories, fit.observed, best.fitted, strict=True))
        ],
        "deviation_vzae": decimal_vzae(fit.deviation),
        "deviation_exact": fraction_text(fit.deviation),
        "fits": [
            {
                "base_vzae": decimal_vzae(f.base),
                "base_exact": fraction_text(f.base),
                "proportional_vzae": decimal_vzae(f.proportional),
                "weights": {k: fraction_text(v) for k, v in f.weights.items()},
                "implied_total_vzae": decimal_vzae(fit.implied_total(f)),
            }
            for f in fit.fits
        ],
        "systems_solved": fit.systems,
        "applied": None
        if applied is None
        else {
            "base_vzae": decimal_vzae(base),
            "base_mode": "added",
            "total_vzae": decimal_vzae(implied),
            "key": {k: exact_text(v, "en") for k, v in best.weights.items()},
        },
    }
    title = t(lang, "Kalibrierung: Sockel + Schlüssel", "Calibration: base + key")
    return data, lines, Table("kalibrierung", title, head, body, {2, 3, 4, 5}, note=lines[0])
