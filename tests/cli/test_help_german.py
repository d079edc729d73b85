"""``--help`` of every command in German, also the texts click and typer write themselves."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.cli.app import app as typer_app

runner = CliRunner()
ENGLISH = ("Show this message and exit.", "Usage:", "Options:", "Arguments:", "Commands:", "[default:", "[required]")
# Words of an English half ("Plan als JSON schreiben / write the plan JSON."), none of them German.
# Left out on purpose: "an", "in", "so" (German words too), "optimal", "parallel", "robust" (German
# as well) and the command names (the help of report says "kimopt solve -o").
ENGLISH_WORDS = (
    "the", "a", "of", "with", "per", "for", "and", "or", "to", "by", "as", "on", "at", "is", "are",
    "not", "no", "all", "every", "each", "only", "from", "into", "if", "when",
    "write", "read", "print", "show", "compute", "find", "verify", "create", "replace", "open", "mark",
    "instance", "instances", "plan", "plans", "plan JSON", "output", "file", "folder", "page", "result",
    "method", "step", "default", "language", "version", "time", "limit", "workers", "draft", "comparison",
    "rows", "fixed", "workbook", "funding", "year", "chart", "points", "curve", "analyses", "repeatable",
    "upper", "bound", "wish", "host", "model", "scenario", "port",
)  # fmt: skip
ENGLISH_WORD = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(ENGLISH_WORDS, key=len, reverse=True))) + r")\b")
TABLES = ("Argumente:", "Optionen:", "Befehle:")
NOT_PROSE = re.compile(
    r"(?<![\w-])--?[\w-]+"  # option names: --time-limit, -o
    r"|<[^>]*>|\{[^}]*\}|\[[^\]]*\]"  # metavars and click's brackets: <path>, {instance}, [Vorgabe: 10]
    r"|\S*\.[A-Za-z]\S*"  # file names and suffixes: models/kim-standard.yaml, <name>.plan.json, .xlsx
)


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Every command and subcommand under ``command`` (``import gv100`` too), as typed after ``kimopt``."""
    paths = [" ".join(path)] if path else []
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += _command_paths(sub, (*path, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(typer_app))


def _prose(help_text: str) -> str:
    """The words of a ``--help``: without the usage line, the left column of the tables (names of
    arguments, options and commands), metavars, click's brackets and file names."""
    lines, in_table = [], False
    for line in help_text.splitlines():
        if line.startswith("Aufruf:"):
            continue
        in_table = in_table or line in TABLES
        if line in TABLES:
            continue
        term_row = re.match(r"  \S.*?(?:\s{2,}|$)(.*)", line) if in_table else None
        lines.append(term_row.group(1) if term_row else line)
    return NOT_PROSE.sub(" ", " ".join(lines))


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


@pytest.mark.parametrize("command", ["", *COMMANDS], ids=lambda command: command or "kimopt")
def test_every_help_text_is_german_only(command: str) -> None:
    """kimopt's own help texts (options, arguments, docstrings) have no English half after " / "."""
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert not ENGLISH_WORD.findall(_prose(result.output)), result.output


def test_the_help_prose_keeps_the_words_and_drops_the_names() -> None:
    """What the word check reads: German words stay, names, metavars, brackets and files go."""
    result = runner.invoke(app, ["solve", "--help"])
    prose = _prose(result.output)
    assert "Optimalen Verteilungsplan berechnen." in prose and "Plan als JSON schreiben." in prose
    names = ("--output", "<path>", "{instance}", "[Vorgabe: de]", "models/kim-standard.yaml")
    assert not [name for name in names if name in prose]
    assert ENGLISH_WORD.findall(_prose("  -o, --output <path>  Plan als JSON schreiben / write the plan JSON.")) == [
        "write",
        "the",
        "plan JSON",
    ]


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
        (["apportion", "x.yaml"], "Fehler: Option '--method' fehlt. Zur Wahl:"),  # a required choice
    ],
)
def test_usage_errors_are_german(args: list[str], expected: str) -> None:
    """Typer's own click writes its usage errors in fixed English; kimopt shows them in German (exit 2)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert expected in result.output
    assert f"Hilfe: 'kimopt {args[0]} --help'." in result.output
    assert "Error" not in result.output and "Try " not in result.output
