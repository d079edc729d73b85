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

    Without a plan the entry holds only ``alternative``, ``instance``, ``model`` and ``status``.
    """
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
                }
            )
        else:
            plans.append({**head, **outcome.plan_json})
    return plans
