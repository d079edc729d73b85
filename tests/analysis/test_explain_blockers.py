"""A wish blocked by several limits: ``explain`` names every one and one joint change that
makes it possible (checked by solving with all the changes), as the planner reads it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022.yaml"


def test_every_blocking_limit_and_the_joint_change() -> None:
    result = runner.invoke(app, ["explain", str(WESEL), "--want", "Moers>=3"])
    assert result.exit_code == 3, result.output
    text = result.output
    assert "2 Grenzen stehen unabhängig voneinander im Weg" in text
    assert "Budget Moers" in text and "höchstens 2,0 VZÄ" in text  # the budget and the maximum
    assert "keine Änderung dieser Zahl allein hilft" not in text
    joint = text[text.index("Kleinste Änderung, gemeinsam") :]
    assert "Budget Moers ≥ 49.200 € (bisher 32.800 €)" in joint
    assert "Interesse Moers (max. VZÄ) ≥ 3,0 VZÄ (bisher 2,0 VZÄ)" in joint


def test_the_joint_change_makes_the_wish_possible(tmp_path: Path) -> None:
    """Applied to the instance file, the two changes let ``explain`` price the wish."""
    source = WESEL.read_text(encoding="utf-8")
    old = "max_vzae: 2.0, cost_per_vzae: 71400, budget: 32800}"
    assert source.count(old) == 1
    edited = tmp_path / "wesel.yaml"
    edited.write_text(source.replace(old, "max_vzae: 3.0, cost_per_vzae: 71400, budget: 49200}"), encoding="utf-8")
    result = runner.invoke(app, ["explain", str(edited), "--want", "Moers>=3"])
    assert result.exit_code == 0, result.output
    assert "ist erfüllbar" in result.output
