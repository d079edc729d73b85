"""``explain`` over the years: each year explained as one year, given the years before (DESIGN §5).

The years are decided in order (:mod:`kimopt.solve_horizon`), so each year of the plan is a
one-year problem: that year's Baustein 2 with the real budgets, the fixed Baustein 1 and 3
positions counted against them, and what the year before left (``continuity``). Its binding
rules, a wish's price or a wish's conflict are the one-year answers of
:mod:`kimopt.analysis.explain.answer` on exactly that problem. A year that had to cut lists its
cuts and why: the rules that, with every position of the year before kept, contradict each other,
and the smallest change of a number with which every position stays. The first year without a
plan keeps the conflict of :func:`kimopt.analysis.explain.horizon.horizon_conflict`.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

from kimopt.analysis.explain.answer import Answer, conflict_answer, explain
from kimopt.analysis.explain.core import ExplainTimeout, Scenario, Wish
from kimopt.analysis.explain.horizon import fixed_lines, horizon_conflict, year_scenario
from kimopt.analysis.explain.texts import vzae
from kimopt.analysis.explain.wish import parse_wish, wish_year
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import expand
from kimopt.labels import t as _t
from kimopt.problem import Carried
from kimopt.results import Status
from kimopt.solve_horizon import YearResult

_WORST = (Status.INFEASIBLE, Status.UNKNOWN, Status.FEASIBLE)


def scenario_of(year: YearResult, model: PlanningModel, wish: Wish | None = None) -> Scenario:
    """The one-year scenario of a solved year: its problem is the one the solver saw."""
    return replace(year_scenario(year.horizon, model, year.problem.carried), wish=wish)


def cut_lines(scenario: Scenario, cuts: list[dict[str, Any]], before: str, lang: str, time_limit: float) -> list[str]:
    """A year's cuts against the year before (``years[].cuts`` of the plan JSON) and why they are
    needed: the conflicts with every position of the year before kept, and the smallest change."""
    lines = [_t(lang, f"Kürzungen gegenüber {before} (Kontinuität):", f"Cuts against {before} (continuity):")]
    for cut in cuts:
        was, now = Fraction(str(cut["from_vzae"])), Fraction(str(cut["to_vzae"]))
        lines.append(f"  - {cut['host']}: {vzae(was, lang)} → {vzae(now, lang)} (−{vzae(was - now, lang)})")
    assert scenario.carried is not None
    kept = replace(scenario, carried=Carried(scenario.carried.held))  # no cut allowed
    why = conflict_answer(
        kept,
        lang,
        time_limit,
        (
            f"Ohne Kürzung (alle Stellen von {before} gehalten) kein zulässiger Plan",
            f"Without a cut (every position of {before} kept) no feasible plan",
        ),
    )
    return lines + ([f"  {line}" for line in why.lines] if why is not None else [])


def explain_years(
    instance: Instance, model: PlanningModel, want: str | None = None, lang: str = "de", time_limit: float = 60.0
) -> Answer:
    """Every year of a horizon explained as one year given the years before; with ``want``
    (``"2023: Alpen=1"``, no year: the first) that wish in its year.

    Raises
    ------
    WishError
        If the wish cannot be read or names a year the instance does not have.
    ExplainTimeout
        If a year could not be decided within the time limit.
    """
    from kimopt.pipeline import plan_instance

    horizon = expand(instance)
    wish, chosen, note = None, list(range(len(horizon))), []
    if want is not None:
        n, named = wish_year(want, [year.label for year in horizon])
        wish, chosen = parse_wish(want, horizon[n].instance, model), [n]
        if not named and len(horizon) > 1:
            note.append(
                _t(
                    lang,
                    f"(ohne Jahr gilt der Wunsch für das erste Jahr, {horizon[n].label})",
                    f"(without a year the wish is for the first year, {horizon[n].label})",
                )
            )
    outcome = plan_instance(instance, model, time_limit=time_limit)
    if outcome.failed_year is not None:
        failed = outcome.years[-1]
        if not failed.status.has_plan and failed.status is not Status.INFEASIBLE:
            raise ExplainTimeout(str(failed.status))
        lines = horizon_conflict(instance, model, lang, time_limit, failed) or []
        if wish is not None:
            lines.append(
                _t(
                    lang,
                    f"Der Wunsch „{want}“ wird nicht geprüft: schon ohne ihn hat {failed.label} keinen Plan.",
                    f"The wish '{want}' is not checked: even without it {failed.label} has no plan.",
                )
            )
        return Answer(Status.INFEASIBLE, lines)
    assert outcome.plan_json is not None
    entries = outcome.plan_json.get("years") or [outcome.plan_json]
    lines = []
    if len(horizon) > 1 and wish is None:
        lines.append(
            _t(
                lang,
                f"{instance.name}: ein Plan über alle Jahre ist möglich; jedes Jahr gegeben die Jahre davor:",
                f"{instance.name}: a plan over all years is possible; each year given the years before:",
            )
        )
    lines += note
    statuses = []
    for n in chosen:
        year = outcome.years[n]
        scenario = scenario_of(year, model, wish)
        # lookahead: the year's plan gives way for a later one; its binding rules are those of its
        # own best plan given the year before (what it held back is in the plan's held_back)
        own = None if wish or (model.lookahead and len(horizon) > 1) else year.plan()
        answer = explain(scenario, lang, time_limit, plan=own)
        statuses.append(answer.status)
        given = _t(lang, " (gegeben die Jahre davor)", " (given the years before)") if wish and n else ""
        lines.append(f"{year.label}{given}:")
        lines += [f"  {line}" for line in answer.lines]
        if wish is not None:
            continue
        lines += [f"  {line}" for line in fixed_lines(instance, year.horizon, model, lang)]
        cuts = entries[n].get("cuts") or []
        if cuts:
            lines += [f"  {line}" for line in cut_lines(scenario, cuts, outcome.years[n - 1].label, lang, time_limit)]
    return Answer(next((s for s in _WORST if s in statuses), Status.FEASIBLE), lines)
