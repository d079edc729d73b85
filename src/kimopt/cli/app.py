"""The typer application, shared options and the guard that turns failures into exit codes."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kimopt import __version__
from kimopt.cli.german import install as _german_click_texts
from kimopt.errors import InputError

_german_click_texts()  # click's and typer's own help and usage texts in German

app = typer.Typer(
    name="kimopt",
    help="Optimale Verteilung der KIM-Case-Management-Stellen (VZÄ) auf Kreis, Kommunen und Träger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class ExitCode:
    """Exit codes of DESIGN §4 (plus 5 for a plan that breaks rules)."""

    OK = 0
    BAD_INPUT = 1
    USAGE = 2
    INFEASIBLE = 3
    NO_PLAN = 4
    RULES_BROKEN = 5
    INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
    CLOSED_PIPE = 141  # the reader of stdout went away (``| head``): 128 + SIGPIPE


class Lang(str, Enum):
    """Language of messages and reports."""

    de = "de"
    en = "en"


LangOption = Annotated[Lang, typer.Option("--lang", help="Sprache: de, en.")]
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        "-m",
        help="Planungsmodell (YAML/JSON); ohne Angabe models/kim-standard.yaml (Voreinstellungen).",
        readable=False,
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=0.01,
        help="Zeitlimit je Lösung (alle Zielebenen) in Sekunden; ohne Angabe time_limit_s des Modells.",
    ),
]
# readable=False: kimopt's own reader says why a file cannot be read (exit 1), not click (exit 2)
InstanceArg = Annotated[
    Path, typer.Argument(help="Instanz: YAML, JSON oder Excel (.xlsx).", show_default=False, readable=False)
]


def fail(message: str, code: int) -> typer.Exit:
    """Print one message to stderr and return the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def require_json(output: Path | None, lang: Lang, report_option: str | None = None) -> None:
    """``-o`` of a command that writes JSON: refuse another suffix instead of writing JSON into
    a file named ``plan.html`` (exit 2), and name the option that writes reports, if any."""
    if output is None or output.suffix.lower() == ".json":
        return
    de = lang == Lang.de
    suffix = output.suffix or "''"
    message = (
        f"{output}: -o schreibt JSON, bitte .json als Endung (nicht {suffix})"
        if de
        else f"{output}: -o writes JSON, please use .json (not {suffix})"
    )
    if report_option:
        message += (
            f"; einen Bericht schreibt {report_option} {output.name}"
            if de
            else f"; {report_option} {output.name} writes a report"
        )
    raise fail(message, ExitCode.USAGE)


F = TypeVar("F", bound=Callable[..., Any])


def _closed_pipe() -> typer.Exit:
    """``kimopt … | head``: the reader has gone, so end quietly like any Unix tool (exit 141,
    128 + SIGPIPE) and keep the interpreter from complaining on its final flush."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return typer.Exit(ExitCode.CLOSED_PIPE)


def guarded(func: F) -> F:
    """Bad input becomes exit 1 with one clear message; never a traceback for the planner."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = kwargs.get("lang", Lang.de)
        lang = lang.value if isinstance(lang, Lang) else str(lang)
        try:
            result = func(*args, **kwargs)
            if sys.stdout is not None:  # None when started with stdout closed (``>&-``)
                sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
            return result
        except BrokenPipeError:
            raise _closed_pipe() from None
        except InputError as exc:
            raise fail(exc.render(lang, limit=1 if len(exc.findings) > 1 else None), ExitCode.BAD_INPUT) from None
        except KeyboardInterrupt:
            raise fail(
                "Abgebrochen (Strg+C); nichts geschrieben / interrupted, nothing written", ExitCode.INTERRUPTED
            ) from None
        except (typer.Exit, typer.Abort):
            raise
        except MemoryError:
            raise fail("Zu wenig Speicher / out of memory", ExitCode.BAD_INPUT) from None
        except Exception as exc:  # a bug must not show a traceback to a planner, but stays diagnosable
            if os.environ.get("KIMOPT_DEBUG"):
                raise
            name = type(exc).__name__
            raise fail(
                f"Interner Fehler / internal error ({name}): {exc}. KIMOPT_DEBUG=1 zeigt Details / shows details.",
                ExitCode.BAD_INPUT,
            ) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kimopt {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Version anzeigen.")
    ] = False,
) -> None:
    """kimopt: KIM-Stellenverteilung mit beweisbar optimalen Plänen."""
