"""A plan's paper: its title, the provenance under it, and every table in reading order.

The top of :mod:`kimopt.report`: it assembles the tables of :mod:`kimopt.report.tables` (the
bottom, with the :class:`~kimopt.report.tables.Table` type), the decision and money sections and,
for several years and Bausteine, :mod:`kimopt.report.horizon`.
"""

from __future__ import annotations

from kimopt.labels import t
from kimopt.plan_file import PlanFile
from kimopt.report.decision import appendix_tables, decision_table
from kimopt.report.horizon import horizon_meta, horizon_tables
from kimopt.report.money import finance_table, transfers_table
from kimopt.report.tables import (
    Baseline,
    Table,
    baselines_table,
    hosts_table,
    kommunen_table,
    status_text,
    summary_table,
)


def plan_tables(plan: PlanFile, lang: str, baselines: list[Baseline] | None = None) -> list[Table]:
    """Every section of a plan report, in reading order."""
    tables = [
        summary_table(plan, lang),
        kommunen_table(plan, lang),
        decision_table(plan, lang),
        finance_table(plan, lang),
        transfers_table(plan, lang),
        hosts_table(plan, lang),
    ]
    if baselines:
        tables.append(baselines_table(plan, baselines, lang))
    return tables + horizon_tables(plan, lang) + appendix_tables(plan, lang)


def title(plan: PlanFile, lang: str) -> str:
    """``KIM-Stellenplan Kreis Wesel 2022``."""
    return t(lang, "KIM-Verteilungsplan ", "KIM allocation plan ") + plan.instance


def meta_lines(plan: PlanFile, lang: str, year: int | None = None) -> list[tuple[str, str]]:
    """Provenance shown under the title: model, status, the funding ``year`` when known, inputs'
    hash, versions (no run time)."""
    lines = [
        (t(lang, "Planungsmodell", "Planning model"), plan.model),
        (t(lang, "Status", "Status"), status_text(plan.status, lang)),
    ]
    if year is not None:
        lines.append((t(lang, "Förderjahr", "Funding year"), str(year)))
    if plan.input_sha256:
        lines.append((t(lang, "Prüfsumme der Eingaben", "Checksum of the inputs"), plan.input_sha256[:16]))
    lines.append(("kimopt / OR-Tools", f"{plan.kimopt} / {plan.solver.ortools or ''}"))
    return lines + horizon_meta(plan, lang)
