"""``--help`` of every command in German, also the texts click and typer write themselves."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.cli.app import app as typer_app

runner = CliRunner()
ENGLISH = ("Show this message and exit.", "Usage:", "Options:", "Arguments:", "Commands:", "[default:", "[required]")
COMMANDS = sorted(c.name or c.callback.__name__ for c in typer_app.registered_commands if c.callback)


def test_the_main_help_is_german() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Aufruf: kimopt [OPTIONEN] BEFEHL [ARGUMENTE]..." in result.output
    assert "Diese Hilfe zeigen und beenden." in result.output and "Befehle:" in result.output
    assert not [word for word in ENGLISH if word in result.output]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_commands_help_is_german(command: str) -> None:
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Aufruf: kimopt" in result.output and "Optionen:" in result.output
    assert not [word for word in ENGLISH if word in result.output]


def test_check_names_rules_in_german(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A broken plan: the checker's lines name the rules as people do, not by identifier."""
    import json

    from kimopt.labels import RULE_NAMES
    from tests.conftest import INSTANCES

    wesel = INSTANCES / "kreis-wesel-2022.yaml"
    plan = tmp_path / "plan.json"
    assert runner.invoke(app, ["solve", str(wesel), "-o", str(plan)]).exit_code == 0
    data = json.loads(plan.read_text(encoding="utf-8"))
    data["links"][0]["vzae"] += 3
    plan.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["check", str(wesel), str(plan)])
    assert result.exit_code == 5, result.output
    assert "Förderobergrenze: 14 VZÄ verwendet" in result.output
    assert "Planangaben (summary.positions_used)" in result.output
    starts = [line.strip().split(":")[0].split(" (")[0] for line in result.output.splitlines()[1:] if line.strip()]
    assert not [s for s in starts if s in RULE_NAMES or s == "plan"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["solve"], "Fehler: Argument 'instance' fehlt."),  # no instance
        (["solve", "x.yaml", "--bogus"], "Fehler: Unbekannte Option: --bogus"),
        (["solve", "x.yaml", "--time-limit", "abc"], "Fehler: Ungültiger Wert für '--time-limit': keine Zahl"),
        (["solve", "x.yaml", "--time-limit", "-1"], "Fehler: Ungültiger Wert für '--time-limit': mindestens 0.01"),
        (["solve", "a.yaml", "b.yaml"], "Fehler: Unerwartete zusätzliche Angabe (b.yaml)"),
        (["solve", "x.yaml", "--lang", "fr"], "„fr“ ist keine der Möglichkeiten 'de', 'en'."),
    ],
)
def test_usage_errors_are_german(args: list[str], expected: str) -> None:
    """Typer's own click writes its usage errors in fixed English; kimopt shows them in German (exit 2)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert expected in result.output
    assert f"Hilfe: 'kimopt {args[0]} --help'." in result.output
    assert "Error" not in result.output and "Try " not in result.output
