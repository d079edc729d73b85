"""Sensitivity of a horizon (DESIGN §5): each year's plan against that year's own numbers.

The years are decided in order (:func:`kimopt.pipeline.plan_instance`); the sensitivity of year
``n`` is the one-year analysis of year ``n``'s problem as the solver saw it, with what the years
before held kept fixed (``carried``): a population or budget of 2023 that changes the 2023 plan,
the plans of 2022 as they are. A budget covers all Bausteine, so its threshold is stated on the
whole budget: the part Bausteine 1 and 3 take is fixed and counted in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kimopt.analysis.sensitivity import Sensitivity, SensitivityError, analyse
from kimopt.analysis.sensitivity.base import Progress
from kimopt.data import Instance, PlanningModel


def analyse_years(
    instance: Instance,
    model: PlanningModel,
    model_name: str = "kim-standard",
    parts: Sequence[str] = ("populations", "budgets", "tradeoff"),
    max_points: int = 40,
    time_limit: float | None = None,
    progress: Progress = None,
) -> list[Sensitivity]:
    """:func:`~kimopt.analysis.sensitivity.analyse` for every year of ``instance``, in order.

    Raises
    ------
    SensitivityError
        If some year has no optimal plan (its status; the message names the year).
    """
    from kimopt.pipeline import plan_instance
    from kimopt.results import Status

    outcome = plan_instance(instance, model, model_name, time_limit)
    if outcome.failed_year is not None or outcome.status is not Status.OPTIMAL:
        label = outcome.failed_year or next(y.label for y in outcome.years if y.status is not Status.OPTIMAL)
        raise SensitivityError(f"{instance.name}: {label}", outcome.status, label)
    out = []
    for year in outcome.years:
        report = None if progress is None else _prefixed(progress, year.label)
        problem = year.problem
        fixed = year.horizon.fixed_payments(model)
        try:
            found = analyse(
                problem.instance,
                model,
                model_name,
                parts,
                max_points,
                time_limit,
                report,
                problem.carried,
                fixed,
                year.horizon.year,
            )
        except SensitivityError as exc:
            raise SensitivityError(f"{instance.name}: {year.label}", exc.status, year.label) from None
        out.append(found)
    return out


def years_json(instance: Instance, results: list[Sensitivity]) -> dict[str, Any]:
    """JSON of a horizon: ``instance``, ``model``, ``years`` (each the one-year JSON with its ``year``)."""
    return {
        "instance": instance.name,
        "model": results[0].model_name,
        "years": [{"year": r.year, **r.to_json()} for r in results],
        "seconds": round(sum(r.seconds for r in results), 3),
    }


def _prefixed(progress: Progress, label: str) -> Progress:
    assert progress is not None
    report = progress
    return lambda text: report(f"{label}: {text}")
