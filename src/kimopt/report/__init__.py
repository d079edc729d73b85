"""Reports for the Lenkungsgruppe: one plan, or alternatives side by side, in four formats.

The format follows the file's suffix: ``.html`` (self-contained, print-ready, with charts),
``.pdf`` (the same HTML printed by WeasyPrint, :mod:`kimopt.report.pdf`), ``.md``, ``.csv``
and ``.xlsx`` (the workbook of :mod:`kimopt.report.xlsx`). Output is written atomically and
never over an input. Only the PDF carries a date („Stand“); every other format is the same
file for the same plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.errors import Finding, InputError

if TYPE_CHECKING:
    from kimopt.data import Instance, PlanningModel
    from kimopt.plan_file import PlanFile
    from kimopt.report.tables import Baseline

    PlanLike = PlanFile | dict[str, Any]

SUFFIXES = (".html", ".pdf", ".md", ".csv", ".xlsx")


def check_suffix(path: Path) -> str:
    """The report format of ``path``; an unknown suffix is bad input (exit 1)."""
    suffix = path.suffix.lower()
    if suffix == ".htm":
        return ".html"
    if suffix == ".markdown":
        return ".md"
    if suffix not in SUFFIXES:
        raise InputError(
            path,
            [Finding((), "file_suffix", {"value": suffix or "''", "choices": ", ".join(SUFFIXES)})],
        )
    if suffix == ".pdf":  # say what to install before anything is solved
        from kimopt.report.pdf import require_pdf

        require_pdf(path)
    return suffix


def typed(plan: PlanLike) -> PlanFile:
    """The typed plan every report reads: a dict of in-process code read leniently (one reader,
    :func:`kimopt.io.plan_file.typed_plan`)."""
    from kimopt.io.plan_file import as_plan_file

    return as_plan_file(plan, "lenient")


def render_plan_report(
    plan: PlanLike,
    suffix: str,
    lang: str = "de",
    baselines: list[Baseline] | None = None,
    draft: bool | str = False,
    stand: str = "",
    year: int | None = None,
) -> str:
    """The text of a plan report in one of the text formats (``.html``, ``.md``, ``.csv``);
    ``year``: the funding year, when known (``report --instance``), shown under the title."""
    from kimopt.report.paper import meta_lines, plan_tables, title

    plan = typed(plan)
    tables = plan_tables(plan, lang, baselines)
    if suffix == ".html":
        from kimopt.report.charts import plan_charts
        from kimopt.report.html import plan_html

        return plan_html(plan, lang, tables, plan_charts(plan, lang), draft, stand, year)
    if suffix == ".md":
        from kimopt.report.markdown import document

        return document(title(plan, lang), meta_lines(plan, lang, year), tables)
    from kimopt.report.csv import tables_csv

    return tables_csv(tables, lang)


def report_bytes(
    plan: PlanLike,
    path: Path,
    lang: str = "de",
    baselines: list[Baseline] | None = None,
    draft: bool = False,
    year: int | None = None,
) -> bytes:
    """The report of one plan in the format ``path``'s suffix names, not yet written.

    Commands that write several files render each first and write them together
    (:func:`kimopt.io.atomic.write_all_atomic`), so a failing report leaves no plan behind.
    """
    suffix = check_suffix(Path(path))
    if suffix == ".xlsx":
        return xlsx_bytes(plan, Path(path).name, lang, None)
    if suffix == ".pdf":
        from kimopt.report.pdf import pdf_bytes, stand_date

        return pdf_bytes(render_plan_report(plan, ".html", lang, baselines, draft, stand_date(), year))
    return render_plan_report(plan, suffix, lang, baselines, draft, year=year).encode("utf-8")


def write_report(
    plan: PlanLike,
    path: Path,
    lang: str = "de",
    baselines: list[Baseline] | None = None,
    inputs: Iterable[Path | None] = (),
    draft: bool = False,
    year: int | None = None,
) -> None:
    """Write the report of one plan to ``path`` in the format its suffix names.

    ``baselines`` (see :func:`classical_baselines`) adds the comparison with classical
    apportionment methods.
    """
    from kimopt.io.atomic import guard_output, write_bytes_atomic

    path = Path(path)
    check_suffix(path)
    guard_output(path, inputs)
    write_bytes_atomic(path, report_bytes(plan, path, lang, baselines, draft, year))


def xlsx_bytes(plan: PlanLike, name: str, lang: str, comparison: list[dict[str, Any]] | None) -> bytes:
    """The workbook of :func:`kimopt.report.xlsx.write_plan_workbook`, built in a private folder."""
    import tempfile

    from kimopt.report.xlsx import write_plan_workbook

    with tempfile.TemporaryDirectory() as folder:
        temporary = Path(folder) / name
        write_plan_workbook(plan, temporary, lang=lang, comparison=comparison)
        return temporary.read_bytes()


def write_xlsx(plan: PlanLike, path: Path, lang: str, comparison: list[dict[str, Any]] | None) -> None:
    """The workbook via :func:`kimopt.report.xlsx.write_plan_workbook`, written atomically."""
    from kimopt.io.atomic import write_bytes_atomic

    write_bytes_atomic(path, xlsx_bytes(plan, path.name, lang, comparison))


def classical_baselines(instance: Instance, model: PlanningModel, plan: PlanLike) -> list[Baseline]:
    """Hare–Niemeyer and Sainte-Laguë on the plan's used VZÄ, in steps of the granularity.

    The same total and the same unit as the plan's coverage, so every difference is a choice
    of the optimisation (budgets, employers, sharing), not of scale. Empty when the used VZÄ
    are no whole number of steps.
    """
    from kimopt.analysis.apportion import ApportionError, baselines
    from kimopt.numbers import decimal_vzae, to_fraction
    from kimopt.report.tables import Baseline

    plan = typed(plan)
    used = next((o.value_exact for o in plan.objectives if o.name == "use_positions"), None)
    positions = to_fraction(used if used is not None else plan.summary.positions_used)
    try:
        found = baselines(instance, model, step=model.granularity_vzae, positions=positions)
    except ApportionError:
        return []
    out = []
    for method, result in found.items():
        tie = result.result.tie
        out.append(
            Baseline(
                method,
                {k.name: decimal_vzae(v) for k, v in zip(instance.kommunen, result.vzae, strict=True)},
                result.tied,
                decimal_vzae(tie.seats * result.step) if tie else 0.0,
            )
        )
    return out
