"""``solve --fix plan.xlsx``: the rows a planner marked „fest“ stay, the rest is optimised.

Two things can stand in the way, and both are said with the cells to change:
the fixed rows break a rule no further row could repair (a link that may not exist, more VZÄ
than funded, a budget exceeded, a host above its maximum), or they are possible one by one
but the rules cannot complete them into a plan; then a smallest set of fixed rows that
cannot stand together is named (each of them is needed for the conflict).

In a plan of several years every row has its year (column „Jahr“) and is fixed in that year
only: it becomes a link of that year's problem, and a conflict names its year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ortools.sat.python import cp_model

from kimopt.check import Violation, check_plan
from kimopt.cpsat.solver import new_solver
from kimopt.data import Instance, PlanningModel
from kimopt.io.excel.plan_sheet import PlanRow, PlanSheet
from kimopt.labels import t
from kimopt.numbers import fmt_euros, fmt_vzae
from kimopt.problem import Problem
from kimopt.rules import BUDGET_KOMMUNE, BUDGET_KREIS

# Rules that adding further rows can never repair: a violation by the fixed rows alone is final.
FINAL_RULES = {"plan", "granularity", "funding_cap", "provider_area", "budget_kommune", "budget_kreis", "sharing"}


@dataclass(frozen=True)
class FixConflict(Exception):
    """The fixed rows cannot be completed into a plan; ``text`` says why and where."""

    text: str


def _final(violation: Violation) -> bool:
    if violation.rule in FINAL_RULES:
        # a host serving partners may still add its own row; every other sharing breach stays
        return not (violation.rule == "sharing" and "nicht sich selbst" in violation.de)
    # a host above its maximum (or with none) stays so, whatever is added; too small a host may grow
    return violation.rule == "host_size" and ("Obergrenze" in violation.de or "kein Personal" in violation.de)


def _with_committed(violation: Violation, problem: Problem, committed: dict[str, Fraction], lang: str) -> Violation:
    """A budget breach of a payer with Bausteine 1 and 3 says that its budget here is what they leave."""
    share = committed.get(violation.subject)
    if violation.rule not in (BUDGET_KOMMUNE.name, BUDGET_KREIS.name) or not share:
        return violation
    inst = problem.instance
    by_name = {k.name: k.budget for k in inst.kommunen}
    left = inst.kreis.budget if violation.subject == inst.kreis.name else by_name.get(violation.subject)
    if left is None:
        return violation
    whole, fixed = fmt_euros(left + share), fmt_euros(share)
    de = f" (Baustein 2; Budget {whole} abzüglich {fixed} für die Bausteine 1 und 3)"
    en = f" (Baustein 2; budget {fmt_euros(left + share, 'en')} less {fmt_euros(share, 'en')} for Bausteine 1 and 3)"
    return replace(violation, de=violation.de + de, en=violation.en + en)


def _row_text(sheet: PlanSheet, row: PlanRow, lang: str) -> str:
    return f"{sheet.cell(row)} ({row.host} → {row.kommune} {fmt_vzae(row.vzae, lang)} VZÄ)"


def _in_year(year: int | None, text: str) -> str:
    """A message of one year of a plan of several years starts with that year."""
    return text if year is None else f"{year}: {text}"


def year_fixed_links(
    sheet: PlanSheet, instance: Instance, model: PlanningModel, lang: str
) -> dict[int, dict[int, int]]:
    """The fixed rows of every year as year index → link index → units (years without fixed rows left out).

    Raises
    ------
    InputError
        If the instance has several years and the sheet no column „Jahr“, or a row names a year
        the instance does not have.
    FixConflict
        If the fixed rows of a year alone break a rule no further row repairs.
    """
    from kimopt.cpsat.horizon import year_problem
    from kimopt.horizon import expand

    years = expand(instance)
    several = len(years) > 1
    out: dict[int, dict[int, int]] = {}
    for n, (year, rows) in enumerate(zip(years, sheet.by_year([y.year for y in years]), strict=True)):
        fixed = [r for r in rows if r.fixed]
        if fixed:
            # a year's links do not depend on what the year before left (only its bounds do)
            committed = year.fixed_payments(model)
            out[n] = fixed_links(
                sheet, year_problem(year, model), lang, fixed, year.year if several else None, committed
            )
    return out


def fixed_links(
    sheet: PlanSheet,
    problem: Problem,
    lang: str,
    rows: Sequence[PlanRow] | None = None,
    year: int | None = None,
    committed: dict[str, Fraction] | None = None,
) -> dict[int, int]:
    """The fixed rows (of the sheet, or ``rows``: those of ``year``) as link index → units.

    ``committed``: the Eigenanteil of Bausteine 1 and 3 by payer, already taken from the budgets
    of ``problem`` (a budget breach then says so, with the budget as the instance has it).

    Raises
    ------
    FixConflict
        If the fixed rows alone break a rule no further row repairs.
    """
    rows = [r for r in (sheet.rows if rows is None else rows) if r.fixed]
    partial = PlanSheet(sheet.path, sheet.title, rows, sheet.columns)
    final = [
        _with_committed(v, problem, committed or {}, lang)
        for v in check_plan(problem.instance, problem.model, partial.plan())
        if _final(v)
    ]
    if final:
        head = _in_year(
            year,
            t(
                lang,
                "Die festen Zeilen verletzen schon allein Regeln, die keine weitere Zeile heilt:",
                "The fixed rows alone break rules that no further row can repair:",
            ),
        )
        lines = partial.violation_lines(final, lang)
        raise FixConflict("\n".join([head, *lines]))
    index: dict[tuple[str, str, str], int] = {
        (problem.hosts[link.host].kind, problem.hosts[link.host].name, problem.instance.kommunen[link.kommune].name): li
        for li, link in enumerate(problem.links)
    }
    by_ags = {k.ags: k.name for k in problem.instance.kommunen if k.ags}
    out: dict[int, int] = {}
    for row in rows:
        li = index.get(
            (
                row.host_type,
                by_ags.get(row.host, row.host) if row.host_type == "kommune" else row.host,
                by_ags.get(row.kommune, row.kommune),
            )
        )
        if li is None:
            raise FixConflict(
                _in_year(
                    year,
                    t(
                        lang,
                        f"{_row_text(sheet, row, lang)}: diese Verbindung ist nicht möglich.",
                        f"{_row_text(sheet, row, lang)}: this link is not possible.",
                    ),
                )
            )
        out[li] = out.get(li, 0) + problem.units(row.vzae)
    return out


def _feasible(problem: Problem, fixed: dict[int, int], seconds: float) -> bool:
    from kimopt.lexicographic import build, fix_links

    cm = build(problem)
    fix_links(cm, fixed)
    solver = new_solver(seconds, 1, problem.model.seed)  # one worker: the same answer every run
    return solver.solve(cm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def conflict_text(
    sheet: PlanSheet,
    problem: Problem,
    fixed: dict[int, int],
    lang: str,
    seconds: float = 10.0,
    year: int | None = None,
) -> str:
    """Why the fixed rows (of ``year``, in a plan of several years) cannot be completed on
    ``problem`` (that year's, with what the year before left): a smallest set of them that
    cannot stand together.

    A deletion filter over the fixed links: a link stays in the set only if the rest of the
    set can be completed without it, so every link named is part of the conflict. In a later
    year continuity may cut what the fixed rows force (its least cut is the year's first level,
    given them): the conflict is with the other rules.
    """
    if problem.carried is not None:
        from kimopt.cpsat.horizon import any_cut

        problem = any_cut(problem)
    needed = dict(sorted(fixed.items()))
    for li in list(needed):
        trial = {k: v for k, v in needed.items() if k != li}
        if not _feasible(problem, trial, seconds):
            needed = trial
    rows = [r for r in sheet.rows if r.fixed and (year is None or r.year == year)]
    names = {
        li: (problem.hosts[problem.links[li].host].name, problem.instance.kommunen[problem.links[li].kommune].name)
        for li in needed
    }
    shown = [r for r in rows if (r.host, r.kommune) in names.values()]
    if not needed:
        return _in_year(
            year,
            t(
                lang,
                "Die Regeln lassen schon ohne die festen Zeilen keinen Plan zu.",
                "The rules allow no plan even without the fixed rows.",
            ),
        )
    head = _in_year(
        year,
        t(
            lang,
            "Die festen Zeilen lassen sich nicht zu einem Plan ergänzen, der alle Regeln einhält. "
            "Diese festen Zeilen gehen zusammen nicht:",
            "The fixed rows cannot be completed into a plan that keeps every rule. "
            "These fixed rows cannot stand together:",
        ),
    )
    tail = t(
        lang,
        "Eine davon ändern oder freigeben („fest“ = nein), dann gibt es einen Plan.",
        'Change or release one of them ("fixed" = no) and there is a plan.',
    )
    return "\n".join([head, *(f"  {_row_text(sheet, r, lang)}" for r in shown), tail])


def check_sheet_instance(sheet: PlanSheet, instance: Instance, model: PlanningModel, lang: str) -> str | None:
    """The message when the workbook belongs to another instance (``None``: it fits)."""
    from kimopt.plan_source import foreign_plan

    verdict = foreign_plan(sheet.plan(), instance, model, lang)
    return verdict.text if verdict is not None and verdict.foreign else None
