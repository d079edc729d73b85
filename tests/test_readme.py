"""The README's two commands stay true: CI runs exactly the README's test command."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_readme_starts_with_install_and_test_commands() -> None:
    install, test = readme_commands()
    assert "pip install -e" in install and "kimopt solve instances/" in install
    instance = install.split("kimopt solve ")[1].split()[0]
    assert (ROOT / instance).is_file()
    assert "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[-1] == test
    assert "venv" in ci and '".[dev]"' in ci


def test_ci_lints_and_checks_types_before_the_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    lint, types = ci.index(".venv/bin/ruff check src tests benchmarks"), ci.index(".venv/bin/mypy")
    style = ci.index(".venv/bin/ruff format --check src tests benchmarks")
    assert lint < style < types < ci.index(readme_commands()[1])
