"""The Python API for notebooks: read an instance, solve it, look at the plan as tables.

>>> import kimopt
>>> instance = kimopt.load_instance("instances/kreis-wesel-2022.yaml")
>>> plan = kimopt.solve(instance)                    # proven optimal, checked independently
>>> frames = plan.to_frames()                        # pandas DataFrames, a row per year
>>> frames["kommunen"][["year", "name", "target_vzae", "coverage_vzae"]]
>>> [year.plan.used for year in plan.years]         # every year (several: DESIGN §5)

Exactly what ``kimopt solve`` computes: the same model, the same lexicographic levels, the same
checker, the same plan. Bad input raises :class:`kimopt.errors.InputError` (its message names
file, record and field); no plan raises :class:`NoPlan`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kimopt.data import Instance, PlanningModel
from kimopt.results import Status

if TYPE_CHECKING:
    import pandas as pd

    from kimopt.plan_horizon import HorizonPlan


class NoPlan(RuntimeError):
    """The solve found no plan: ``INFEASIBLE`` (the rules contradict each other; ``kimopt
    explain`` says why) or ``UNKNOWN`` (none within the time limit)."""

    def __init__(self, status: Status, instance: str, year: str | None = None) -> None:
        where = f"{instance}, {year}" if year else instance
        super().__init__(f"{where}: no plan ({status.value})")
        self.status = status
        self.year = year  # the first year without a plan (several years)


def load_instance(path: Path | str) -> Instance:
    """Read and validate an instance file (YAML, JSON or Excel workbook)."""
    from kimopt.load import load_instance as load

    return load(path)[0]


def load_model(path: Path | str | None = None) -> PlanningModel:
    """Read a planning model file; ``None`` gives the defaults of ``models/kim-standard.yaml``."""
    from kimopt.load import load_model as load

    return load(path)[0]


def solve(
    instance: Instance | Path | str, model: PlanningModel | Path | str | None = None, *, time_limit: float | None = None
) -> HorizonPlan:
    """The optimal plan of ``instance`` under ``model`` (a path or an object; default the standard).

    The plan covers every year (``plan.years``, each with its Baustein 2 plan ``.plan``); a
    one-year instance is a horizon of one year. ``plan.to_frames()`` has a ``year`` column,
    ``plan.to_json()`` is the plan file; other attributes (``plan.used``, ``plan.coverage`` …)
    are the first year's.

    Raises
    ------
    NoPlan
        If the rules admit no plan, or none was found within the time limit.
    kimopt.errors.InputError
        If a file is unreadable, or the instance does not fit the model (e.g. VZÄ off its grid).
    kimopt.pipeline.PlanRejected
        If the independent checker rejects the solver's plan (a defect in kimopt).
    """
    from kimopt.data import pairing_findings
    from kimopt.errors import InputError
    from kimopt.load import load_instance as load
    from kimopt.pipeline import plan_instance

    if isinstance(model, PlanningModel):
        settings, name = model, "kim-standard"
    else:
        settings = load_model(model)
        name = Path(model).stem if model is not None else "kim-standard"
    if isinstance(instance, Instance):
        findings = pairing_findings(instance, settings)
        if findings:
            raise InputError(None, findings, instance.model_dump(mode="json"))
    else:
        instance, document = load(instance)
        findings = pairing_findings(instance, settings)
        if findings:
            raise document.error(findings)
    outcome = plan_instance(instance, settings, name, time_limit)
    if outcome.horizon is None:
        raise NoPlan(outcome.status, instance.name, outcome.failed_year if instance.multi else None)
    return outcome.horizon


def batch_summary(out: Path | str) -> pd.DataFrame:
    """The summary of a ``kimopt batch`` run (its ``summary.csv`` in ``out``) as a DataFrame."""
    from kimopt.analysis.batch import read_summary

    return read_summary(Path(out))
