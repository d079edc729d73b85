"""Binding rules as ``kimopt solve`` reports them: deterministic, complete or honestly not.

Regression tests of issue 10: the analysis used to stop at wall-clock time limits (so the plan
JSON differed between runs and the section vanished when cut), and a Kreis budget that binds
in whole host steps was screened out as "slack".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import kimopt.analysis.explain.binding as binding
from kimopt.analysis.explain.binding import binding_rules
from kimopt.analysis.explain.core import Scenario
from kimopt.analysis.explain.wish import optimal_plan
from kimopt.cli import app
from kimopt.labels import OBJECTIVE_LABELS
from kimopt.load import load_inputs
from kimopt.pipeline import plan_instance
from tests.conftest import INSTANCES, write_yaml

WESEL = INSTANCES / "kreis-wesel-2022.yaml"
KIMOPT = Path(sys.executable).parent / "kimopt"
runner = CliRunner()


def _wesel(**kreis: object) -> dict[str, object]:
    data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
    data["kreis"].update(kreis)
    return data


def _without_solver(path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("solver")
    return json.dumps(data, sort_keys=True)


def test_plan_file_differed_between_runs(tmp_path: Path) -> None:
    # Two separate processes (own hash seeds), the default solve with binding rules: the plan
    # files agree byte for byte apart from the solver section (times).
    path = write_yaml(tmp_path / "wesel.yaml", _wesel(budget=10000))
    outputs = []
    for run in (1, 2):
        out = tmp_path / f"plan{run}.json"
        done = subprocess.run(
            [str(KIMOPT), "solve", str(path), "-q", "-o", str(out)], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        outputs.append(_without_solver(out))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["summary"]["binding_rules_complete"] is True


def test_kreis_budget_missing_from_binding_rules(tmp_path: Path) -> None:
    # Kreis budget 10.000 €: the Kreis pays 16.400 € per new VZÄ, so it can add 0,6 VZÄ at most
    # — less than a host step of 0,5 VZÄ beyond a Kreis at 1,0 … every used position above it
    # needs the budget: relaxing it lets the plan use all 11 VZÄ.
    path = write_yaml(tmp_path / "wesel.yaml", _wesel(budget=10000))
    result = runner.invoke(app, ["solve", str(path), "-o", str(tmp_path / "plan.json")])
    assert result.exit_code == 0, result.output
    rules = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["summary"]["binding_rules"]
    found = {(r["rule"], r["level"]): r for r in rules}
    assert found[("budget_kreis", "use_positions")]["relaxed_value"] == 11.0
    assert "Budget (budget_kreis): use_positions 1,500 VZÄ → 11,000 VZÄ" in result.output


def solved_with_work(tmp_path: Path, monkeypatch, work: float) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """``kimopt solve`` on Kreis Wesel with ``work`` for the binding rules: its table and summary."""
    monkeypatch.setattr(binding, "WORK_TOTAL", work)
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(WESEL), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text(encoding="utf-8"))["summary"]


def test_binding_rules_vanished_when_cut_short(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # With no work left the analysis does not drop the section: it says what it did not check,
    # in the JSON and in the table.
    output, summary = solved_with_work(tmp_path, monkeypatch, 0.0)
    assert summary["binding_rules_complete"] is False
    assert {"rule": "funding_cap", "subject": None, "level": "use_positions"} in summary["binding_rules_unchecked"]
    assert "nicht vollständig geprüft" in output
    english = runner.invoke(app, ["solve", str(WESEL), "--lang", "en"])
    assert "not completely checked" in english.output


def test_binding_rules_waited_for_the_time_limit() -> None:
    # The analysis is bounded by deterministic work, not by the time limit: it is complete on
    # Kreis Wesel and finds the same rules as relaxing each rule one by one did before.
    inputs = load_inputs(WESEL, None)
    scenario = Scenario(inputs.instance, inputs.model)
    plan = optimal_plan(scenario, 60)
    assert plan is not None
    report = binding_rules(scenario, plan)
    assert report.complete
    assert {b.rule for b in report} == {
        ("funding_cap", ""),
        ("kreis_share", ""),
        ("provider_area", "Caritasverband Dinslaken und Wesel"),
    }


def test_binding_rules_waited_minutes_on_all_of_germany(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # On 10,789 Kommunen CP-SAT's deterministic seconds under-count the work (4 took 55 s), and
    # the analysis took 9 minutes. A model larger than the reference gets its work in proportion;
    # here Kreis Wesel plays the large model.
    monkeypatch.setattr(binding, "WORK_REFERENCE_VARIABLES", 1)
    inputs = load_inputs(WESEL, None)
    plan = plan_instance(inputs.instance, inputs.model).plan
    probe = binding._Probe(Scenario(inputs.instance, inputs.model), plan)
    variables = len(probe.cm.model.proto.variables)
    assert probe.scale == pytest.approx(1 / variables)
    assert probe.budget == pytest.approx(binding.WORK_TOTAL / variables)


def test_thousands_of_unchecked_rules_filled_the_screen(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The table names 12 and counts the rest; the plan file lists them all.
    output, summary = solved_with_work(tmp_path, monkeypatch, 0.0)
    unchecked = summary["binding_rules_unchecked"]
    assert len(unchecked) > 12
    assert f"Begrenzende Regeln nicht vollständig geprüft ({len(unchecked)} Regeln)" in output  # from the first level
    assert f"… und {len(unchecked) - 12} weitere" in output


def test_unchecked_rules_say_from_which_level(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A little work decides the first levels: the rules left over are undecided only from a later
    # level on, and the planner reads which levels' findings are complete.
    output, summary = solved_with_work(tmp_path, monkeypatch, 0.01)
    assert {u["level"] for u in summary["binding_rules_unchecked"]} == {"partner_share"}
    assert {(b["rule"], b["level"]) for b in summary["binding_rules"]} == {
        ("funding_cap", "use_positions"),
        ("kreis_share", "partner_share"),
    }
    count = len(summary["binding_rules_unchecked"])
    assert (
        f"Begrenzende Regeln ab der Zielebene „{OBJECTIVE_LABELS['partner_share'][0]}“ nicht vollständig geprüft "
        f"({count} Regeln; für die Zielebenen davor geprüft)"
    ) in output
    explained = runner.invoke(app, ["explain", str(WESEL), "--lang", "en"])
    assert f"from the level “{OBJECTIVE_LABELS['partner_share'][1]}” on ({count} rules" in explained.output
