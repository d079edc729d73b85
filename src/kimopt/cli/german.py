"""German for the texts click and typer write themselves in ``--help`` (and usage errors).

Two hooks, both set once by :func:`install`: typer and click look their texts up through
:func:`gettext.gettext` / ``ngettext``, bound as ``_`` / ``ngettext`` in their modules (rebound
to a lookup in :data:`TEXTS`); the click that typer ships inside itself (``typer._click``) has
fixed English texts, so its contexts get :class:`GermanHelpFormatter`, which writes the usage
prefix, the headings and the help option's text in German. So „Show this message and exit.“
reads „Diese Hilfe zeigen und beenden.“ in every command.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

TEXTS: dict[str, str] = {
    "Show this message and exit.": "Diese Hilfe zeigen und beenden.",
    "Show the version and exit.": "Die Version zeigen und beenden.",
    "Usage:": "Aufruf:",
    "Options": "Optionen",
    "Arguments": "Argumente",
    "Commands": "Befehle",
    "[required]": "[Pflicht]",
    "required": "Pflicht",
    "[default: {}]": "[Vorgabe: {}]",
    "default: {default}": "Vorgabe: {default}",
    "[env var: {}]": "[Umgebungsvariable: {}]",
    "env var: {var}": "Umgebungsvariable: {var}",
    "(deprecated) ": "(veraltet) ",
    "deprecated": "veraltet",
    "(dynamic)": "(dynamisch)",
    "Aborted!": "Abgebrochen!",
    "Aborted.": "Abgebrochen.",
    "Error": "Fehler",
    "Error: {message}": "Fehler: {message}",
    "Missing argument": "Argument fehlt",
    "Missing option": "Option fehlt",
    "Missing parameter": "Angabe fehlt",
    "Missing parameter: {param_name}": "Angabe fehlt: {param_name}",
    "Missing {param_type}": "{param_type} fehlt",
    "Missing command.": "Befehl fehlt.",
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "No such option {name!r}.": "Unbekannte Option {name!r}.",
    "Option {name!r} does not take a value.": "Option {name!r} nimmt keinen Wert.",
    "Try '{command} {option}' for help.": "Hilfe: '{command} {option}'.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Hilfe: [blue]'{command_path} {help_option}'[/].",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} ist keine gültige Zahl ({number_type}).",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} gibt es nicht.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} ist ein Ordner.",
    "{name} {filename!r} is a file.": "{name} {filename!r} ist eine Datei.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ist nicht lesbar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ist nicht beschreibbar.",
    "file": "Datei",
    "directory": "Ordner",
    "path": "Pfad",
    "Choose from:\n\t{choices}": "Zur Wahl:\n\t{choices}",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} nimmt {nargs} Werte.",
    "%(prog)s, version %(version)s": "%(prog)s, Version %(version)s",
}
"""click's and typer's own texts (their message ids) in German."""

PLURALS: dict[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})": (
        "Unerwartetes zusätzliches Argument ({args})",
        "Unerwartete zusätzliche Argumente ({args})",
    ),
    "Option {name!r} requires an argument.": (
        "Option {name!r} braucht einen Wert.",
        "Option {name!r} braucht {nargs} Werte.",
    ),
    "Did you mean {possibility}?": ("Meinten Sie {possibility}?", "(Meinten Sie eines von: {possibilities}?)"),
    "{value!r} is not {choice}.": ("{value!r} ist nicht {choice}.", "{value!r} ist keines von {choices}."),
}
"""Texts with a singular and a plural form: message id of the singular -> German (singular, plural)."""

USAGE_WORDS = {"[OPTIONS]": "[OPTIONEN]", "COMMAND [ARGS]...": "BEFEHL [ARGUMENTE]..."}
"""The placeholders of a usage line."""

USAGE_ERRORS: tuple[tuple[str, str], ...] = (
    (r"^Missing argument (.*)\.$", r"Argument \1 fehlt."),
    (r"^Missing option (.*?)\. Choose from:", r"Option \1 fehlt. Zur Wahl:"),
    (r"^Missing option (.*)\.$", r"Option \1 fehlt."),
    (r"^Missing parameter(.*)\.$", r"Angabe\1 fehlt."),
    (r"^No such option: (\S+)", r"Unbekannte Option: \1"),
    (r"\(Possible options: (.*)\)$", r"(Mögliche Optionen: \1)"),
    (r"^Got unexpected extra arguments?(?:\(s\))? \((.*)\)$", r"Unerwartete zusätzliche Angabe (\1)"),
    (r"^Option (\S+) requires an argument\.$", r"Option \1 braucht einen Wert."),
    (r"^Option (\S+) requires (\d+) arguments\.$", r"Option \1 braucht \2 Werte."),
    (r"^Option (\S+) does not take a value\.$", r"Option \1 nimmt keinen Wert."),
    (r"^Invalid value for (.*?): ", r"Ungültiger Wert für \1: "),
    (r"^Invalid value: ", r"Ungültiger Wert: "),
    (r"Input should be a valid number, unable to parse string as a number", r"keine Zahl"),
    (r"Input should be a valid integer, unable to parse string as an integer", r"keine ganze Zahl"),
    (r"Input should be greater than or equal to (\S+)", r"mindestens \1"),
    (r"Input should be greater than (\S+)", r"größer als \1"),
    (r"Input should be less than or equal to (\S+)", r"höchstens \1"),
    (r"Value error, ", r""),
    (r"'([^']*)' is not one of (.*)\.$", r"„\1“ ist keine der Möglichkeiten \2."),
    (r"Value (.*) is not a valid (\S+)\.$", r"\1 ist kein gültiger Wert (\2)."),
)
"""The usage errors of typer's own click (fixed English texts) as patterns -> German, applied in order."""


def german_usage_error(message: str) -> str:
    """A usage error of typer's click in German (the parts no pattern knows stay as they are)."""
    for pattern, replacement in USAGE_ERRORS:
        message = re.sub(pattern, replacement, message)
    return message


MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.types",
    "click.utils",
    "click.termui",
    "typer.core",
    "typer.rich_utils",
    "typer._click.parser",
)


def german(message: str) -> str:
    """The German text of one of click's or typer's messages (the message itself if unknown)."""
    return TEXTS.get(message, message)


def german_plural(singular: str, plural: str, n: int) -> str:
    """The German singular or plural of a click message."""
    if singular not in PLURALS:
        return singular if n == 1 else plural
    one, many = PLURALS[singular]
    return one if n == 1 else many


def _formatter() -> type[Any]:
    from typer._click.formatting import HelpFormatter

    class GermanHelpFormatter(HelpFormatter):  # type: ignore[misc]
        """click's help layout with German fixed texts."""

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            for english, german_words in USAGE_WORDS.items():
                args = args.replace(english, german_words)
            super().write_usage(prog, args, german("Usage:") + " " if prefix is None else prefix)

        def write_heading(self, heading: str) -> None:
            super().write_heading(german(heading))

        def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
            super().write_dl([(term, german(text)) for term, text in rows], col_max, col_spacing)

    return GermanHelpFormatter


def install() -> None:
    """Rebind ``_`` and ``ngettext`` in click's and typer's modules to the German texts and give
    typer's contexts the German help formatter (idempotent)."""
    for name in MODULES:
        # only the modules the installed typer has loaded: importing the others (the real click
        # beside typer's own copy, rich) would only slow every command's start
        module = sys.modules.get(name)
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = german  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = german_plural  # type: ignore[attr-defined]
    from typer._click import exceptions
    from typer._click.core import Context
    from typer._click.utils import echo

    Context.formatter_class = _formatter()

    def show_usage_error(self: Any, file: Any = None) -> None:
        """click's usage error (usage line, hint, message) with the German texts."""
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = f"Hilfe: '{self.ctx.command_path} {self.ctx.help_option_names[0]}'.\n"
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=self.ctx.color)
        text = german_usage_error(self.format_message())
        echo(f"Fehler: {text}", file=file, err=file is None, color=self.ctx.color if self.ctx else None)

    exceptions.UsageError.show = show_usage_error  # type: ignore[method-assign]
