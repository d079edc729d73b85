"""The shape of the package: which modules stay free of the solver, and the result types."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kimopt.results import Status


@pytest.mark.parametrize("module", ["kimopt.plan", "kimopt.check", "kimopt.results", "kimopt.load",
                                    "kimopt.problem", "kimopt.errors"])
def test_solver_free_modules_do_not_load_ortools(module: str) -> None:
    # a fresh interpreter: this test process has OR-Tools loaded already
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'ortools'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reading_yaml_does_not_load_openpyxl() -> None:
    code = ("import sys; from kimopt.load import load_instance; load_instance('instances/kreis-wesel-2022.yaml');"
            "print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_status_is_written_as_its_contract_string() -> None:
    assert json.dumps({"status": Status.FEASIBLE}) == '{"status": "FEASIBLE"}'
    assert f"{Status.INFEASIBLE}" == "INFEASIBLE"
    assert Status("UNKNOWN") is Status.UNKNOWN
    assert [s.value for s in Status] == ["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]  # DESIGN §3


def test_only_optimal_and_feasible_come_with_a_plan() -> None:
    assert [s for s in Status if s.has_plan] == [Status.OPTIMAL, Status.FEASIBLE]
