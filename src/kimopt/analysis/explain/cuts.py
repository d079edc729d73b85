"""Why a later year cuts, and what would avoid it (DESIGN §5, „Kürzungen … said so“).

A year that cannot keep every position of the year before is the one-year scenario with every
position kept (``continuity`` with no cut allowed): the rules that contradict each other there
are :func:`kimopt.analysis.explain.core.blocking_conflicts`, the smallest change that keeps every
position is explain's repair (:func:`~kimopt.analysis.explain.repair.smallest_repairs`, or
:func:`~kimopt.analysis.explain.repair.joint_repair` for several groups). The reasons are the
numbers of those repairs (the continuity rules themselves have none): a budget, the funding cap,
a maximum. The plan stores them (``years[].cuts[].reasons``), :mod:`kimopt.cut_text` says them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from kimopt.analysis.explain.core import Oracle, Scenario, blocking_conflicts
from kimopt.analysis.explain.repair import Repair, joint_repair, smallest_repairs
from kimopt.problem import Carried
from kimopt.rules import BUDGET_KREIS, CONTINUITY


@dataclass(frozen=True)
class CutReason:
    """A rule that forces the cut and its number: ``needed`` keeps every position, ``current`` is decided."""

    rule: str
    subject: str
    needed: Fraction
    current: Fraction | None
    unit: str  # "EUR", "VZÄ" or "share"

    def to_json(self) -> dict[str, Any]:
        def number(value: Fraction | None) -> int | float | None:
            if value is None:
                return None
            return int(value) if self.unit == "EUR" else round(float(value), 6)

        return {
            "rule": self.rule,
            "subject": self.subject,
            "needed": number(self.needed),
            "current": number(self.current),
            "unit": self.unit,
        }


def _reason(scenario: Scenario, repair: Repair) -> CutReason | None:
    if repair.number is None or repair.value is None or not repair.verified:
        return None
    family, subject = repair.rule
    if family == BUDGET_KREIS.name:
        subject = scenario.instance.kreis.name
    return CutReason(family, subject, repair.value, repair.current, repair.unit)


@dataclass(frozen=True)
class CutReasons:
    """The reasons of a year's cuts; ``joint``: every change is needed together (else any one suffices)."""

    reasons: list[CutReason]
    joint: bool = False


def cut_reasons(scenario: Scenario, time_limit: float = 60.0) -> CutReasons:
    """The rules that force a year's cuts and the smallest change with which every position stays.

    ``scenario`` is the year as the solver saw it (:func:`kimopt.analysis.explain.years.scenario_of`);
    with every position of the year before kept it has no plan. One group of contradicting rules:
    each number of it that alone keeps every position (verified); several groups: one change per
    group, all of them needed (verified together). No reasons when no number helps (only the
    continuity rules themselves).
    """
    assert scenario.carried is not None
    kept = replace(scenario, carried=Carried(scenario.carried.held))  # no cut allowed
    conflicts = blocking_conflicts(Oracle(kept, time_limit))
    if not conflicts or not all(conflicts):
        return CutReasons([])
    if len(conflicts) == 1:
        found = (
            _reason(kept, r) for r in smallest_repairs(kept, conflicts[0], time_limit) if r.rule[0] != CONTINUITY.name
        )
        return CutReasons([r for r in found if r is not None])
    joint = joint_repair(kept, conflicts, time_limit)
    if joint is None or not joint.verified:
        return CutReasons([])
    reasons = [_reason(kept, replace(r, verified=True)) for r in joint.repairs]
    return CutReasons([r for r in reasons if r is not None], joint=True)
