"""Alternatives compared: each named pair of instance and planning model solved on its own.

The plans (checked by the independent checker) go to :mod:`kimopt.report.compare`, which
lays them side by side; an alternative without a plan keeps its name and status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kimopt.data import Instance, PlanningModel


@dataclass(frozen=True)
class Alternative:
    """A named instance and planning model to solve."""

    name: str
    instance: Instance
    model: PlanningModel
    model_name: str


def solve_alternatives(
    alternatives: list[Alternative],
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Each alternative's checked plan JSON with the key ``alternative`` (its name) first.

    Without a plan the entry holds only ``alternative``, ``instance``, ``model`` and ``status``,
    and for an instance of several years ``failed_year``: the first year without a plan.
    """
    from kimopt.io.plan_file import as_plan_file
    from kimopt.pipeline import plan_instance

    plans = []
    for alternative in alternatives:
        if progress:
            progress(alternative.name)
        outcome = plan_instance(alternative.instance, alternative.model, alternative.model_name, time_limit)
        head = {"alternative": alternative.name}
        if outcome.plan_json is None:
            plans.append(
                {
                    **head,
                    "instance": alternative.instance.name,
                    "model": alternative.model_name,
                    "status": outcome.status,
                    **({"failed_year": outcome.failed_year} if alternative.instance.years else {}),
                }
            )
        else:  # typed by the one plan reader first: a comparison lays out only plans of the contract
            plans.append({**head, **as_plan_file(outcome.plan_json).to_json()})
    return plans


HEAD_KEYS = ("alternative", "instance", "model", "scenario_of")
"""The keys that name an alternative; every year of it carries them."""


def year_views(plans: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The alternatives' plans year by year: ``[(year, one plan per alternative), …]`` in year order.

    A plan of several years (DESIGN §5, ``years``) gives each year as a one-year plan (that
    year's ``status``, ``summary``, ``hosts``, ``kommunen``, ``finance``, …) under the
    alternative's name, with ``eigenanteil_all_eur``: the year's Eigenanteil of all Bausteine
    (``summary.eigenanteil_eur_by_year``). An alternative without a plan stays as it is in every
    year; one whose plan lacks the year has only its name there (status ``""``). Without any
    plan of several years the one entry is ``("", plans)``: one-year comparisons are unchanged.
    """
    labels = list(dict.fromkeys(_label(y) for p in plans for y in p.get("years") or []))
    if not labels:
        return [("", plans)]
    views: list[tuple[str, list[dict[str, Any]]]] = []
    for n, label in enumerate(labels):
        column = []
        for plan in plans:
            head = {k: plan[k] for k in HEAD_KEYS if k in plan}
            entry = next((y for y in plan.get("years") or [] if _label(y) == label), None)
            if entry is not None:
                by_year = (plan.get("summary") or {}).get("eigenanteil_eur_by_year") or {}
                column.append({**head, **entry, "eigenanteil_all_eur": by_year.get(label)})
            elif "summary" not in plan or ("years" not in plan and n == 0):
                column.append(plan)  # no plan at all, or a one-year plan: its one year is the first
            else:
                column.append({**head, "status": ""})
        views.append((label, column))
    return views


def _label(year: dict[str, Any]) -> str:
    """A plan year's label: its funding year, empty for a plan without one."""
    return "" if year.get("year") is None else str(year["year"])
