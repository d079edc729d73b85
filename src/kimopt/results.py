"""What a solve returns, free of solver types: the plan status, each level's figures, the result.

The plan, the checker, the reports and the analyses read these without loading OR-Tools;
only :mod:`kimopt.lexicographic` fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any


class Status(str, Enum):
    """A plan's status, the contract of DESIGN §3 (the value is what the plan file holds).

    ``OPTIMAL``: every level proven; ``FEASIBLE``: a plan, but the time limit cut a level short;
    ``INFEASIBLE``: no plan satisfies the rules; ``UNKNOWN``: no plan found within the time limit.
    """

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value

    @property
    def has_plan(self) -> bool:
        """Whether a status of this kind comes with a plan."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass
class LevelResult:
    """Value and proven bound of one level, in its reporting unit."""

    name: str
    unit: str
    value: Fraction | None
    bound: Fraction | None
    proven: bool
    seconds: float
    measure: str | None = None


@dataclass
class SolveResult:
    """What the solver found: status, the link values in units, and per-level figures."""

    status: Status
    units: list[int] | None
    levels: list[LevelResult]
    solver: dict[str, Any] = field(default_factory=dict)
    target_units: int | None = None  # N_used* on which the targets e_i are based
