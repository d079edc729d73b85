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
