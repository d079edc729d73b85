"""Commands that plan one year of Baustein 2 only refuse an instance with several years or
Bausteine 1 and 3 (DESIGN §5), instead of silently ignoring its later years and budgets."""

from __future__ import annotations

from pathlib import Path

import typer

from kimopt.cli.app import ExitCode, Lang, fail
from kimopt.data import Instance


def one_year_only(instance: Instance, path: Path, command: str, lang: Lang) -> None:
    """Exit 2 with a clear message when ``command`` cannot take a multi-year or multi-Baustein instance."""
    if not instance.multi:
        return
    message = (
        f"{path}: „kimopt {command}“ gibt es bisher nur für ein Jahr ohne Baustein 1 und 3; "
        "mehrere Jahre und Bausteine planen „kimopt solve“, „check“, „explain“, „compare“ und „batch“."
        if lang == Lang.de
        else f"{path}: 'kimopt {command}' is so far available for one year without Bausteine 1 and 3 only; "
        "'kimopt solve', 'check', 'explain', 'compare' and 'batch' plan several years and Bausteine."
    )
    exit_: typer.Exit = fail(message, ExitCode.USAGE)
    raise exit_
