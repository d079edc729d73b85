"""Shared fixtures: small instances that are easy to follow by hand, and paths to the real ones."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from kimopt.data import Instance, PlanningModel

if TYPE_CHECKING:
    from fractions import Fraction

    from kimopt.pipeline import Outcome

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
MODELS = ROOT / "models"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("KIMOPT_SHARED_DATA", ROOT.parent / "shared" / "data"))
GV100 = SHARED / "gv100ad" / "GV100AD_301121.ASC"

# Tests run CP-SAT with few workers: the machine has two cores and the suite runs many solves.
TEST_SETTINGS: dict[str, Any] = {"workers": 2, "time_limit_s": 60}

TINY: dict[str, Any] = {
    "name": "Kreis Klein",
    "kreis": {"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": None},
    "funding": {"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000},
    "kommunen": [
        {"name": "Adorf", "population": 20000},
        {"name": "Bedorf", "population": 10000},
        {"name": "Cedorf", "population": 30000},
    ],
    "traeger": [],
}


def tiny(**changes: Any) -> dict[str, Any]:
    """A 3-Kommune instance (60,000 inhabitants, 3 VZÄ): targets 1.0, 0.5 and 1.5 VZÄ.

    ``changes`` replace top-level keys; use ``kommunen=...`` etc. for deeper edits.
    """
    data = copy.deepcopy(TINY)
    data.update(copy.deepcopy(changes))
    return data


def model(**changes: Any) -> PlanningModel:
    """The default planning model with test settings and ``changes`` applied."""
    return PlanningModel.model_validate({**TEST_SETTINGS, **changes})


def instance(data: dict[str, Any]) -> Instance:
    """Validate an instance dict."""
    return Instance.model_validate(data)


DEFICIT = 71400 - 55000
"""The deficit of one VZÄ in the small instances: 16,400 € a year."""


def solve(data: dict[str, Any], **settings: Any) -> Outcome:
    """Solve an instance dict under the test model with ``settings`` (plan checked)."""
    from kimopt.pipeline import plan_instance

    return plan_instance(instance(data), model(**settings))


def with_kommune(data: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    """``data`` with the fields of the Kommune ``name`` changed."""
    for k in data["kommunen"]:
        if k["name"] == name:
            k.update(fields)
    return data


def hosted(outcome: Outcome, name: str) -> Fraction:
    """``H_h`` of the host ``name`` in the plan."""
    assert outcome.plan is not None
    hosts = outcome.problem.hosts
    return next(outcome.plan.hosted[h] for h, host in enumerate(hosts) if host.name == name)


def coverage(outcome: Outcome) -> dict[str, Fraction]:
    """``c_i`` by Kommune name."""
    assert outcome.plan is not None
    return {k.name: c for k, c in zip(outcome.problem.instance.kommunen, outcome.plan.coverage, strict=True)}


def level(outcome: Outcome, name: str) -> Fraction | None:
    """A level's value as the solver proved it."""
    return next(lv.value for lv in outcome.result.levels if lv.name == name)


def write_yaml(path: Path, data: Any) -> Path:
    """Write ``data`` as YAML and return the path."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def test_model_file(tmp_path: Path) -> Path:
    """The standard model with the test settings (two workers), as a file for the CLI."""
    return write_yaml(tmp_path / "test-model.yaml", TEST_SETTINGS)


# Test-only packages of the dev extras (pyproject.toml): a run without them still collects, the
# tests that need one are skipped with the reason, and tests/test_extras.py fails when the dev
# extras are installed (as in CI) but one of these is missing — so CI never skips for this.
DEV_EXTRAS = ("hypothesis", "pypdf", "httpx", "playwright", "weasyprint")


def dev_extra(module: str) -> Any:
    """``module`` imported, or the calling test module skipped: it needs a dev extra."""
    return pytest.importorskip(module, reason=f"{module} is not installed (a dev extra: pip install -e '.[dev]')")


def assert_checker_refuses_a_broken_copy(inst: Instance, settings: PlanningModel, plan: dict[str, Any]) -> None:
    """The checker is no formality on ``plan``: a copy whose first link (of the first year) is
    raised by all the fundable VZÄ (or, without links, gets one of twice the cap) uses more than
    the cap, and the checker (of every year, for a multi-year plan) names ``funding_cap``.

    (A ``check_plan(...) == []`` after ``plan_instance`` alone cannot fail: the pipeline
    refuses every plan the checker rejects.)"""
    from kimopt.check import check_plan
    from kimopt.check_horizon import check_horizon

    broken = copy.deepcopy(plan)
    part = broken["years"][0] if inst.multi else broken
    fundable = part["summary"]["positions_fundable"]
    if part["links"]:
        part["links"][0]["vzae"] = round(part["links"][0]["vzae"] + fundable, 6)
    else:  # a plan that uses nothing: one link of twice the cap
        kommune = inst.kommunen[0].name
        part["links"] = [{"host": inst.kreis.name, "host_type": "kreis", "kommune": kommune, "vzae": 2 * fundable}]
    check = check_horizon if inst.multi else check_plan
    assert "funding_cap" in {v.rule for v in check(inst, settings, broken)}


CUT_FIGURES = ("host", "host_type", "from_vzae", "to_vzae", "vzae")


def cut_figures(cuts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A year's ``cuts`` with their figures only (without the reasons and the sentence)."""
    return [{key: cut[key] for key in CUT_FIGURES} for cut in cuts]
