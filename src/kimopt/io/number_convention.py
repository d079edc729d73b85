"""A table's way of writing numbers, decided once per file from all of its numeric cells.

Two conventions are read: German (``.`` groups thousands, ``,`` is the decimal:
``1.234,5``) and plain (``.`` is the decimal, no grouping: ``1234.5``). Each cell is read in
both; a cell only one of them reads decides for it (``12,5`` and ``1.234.567`` are German,
``100.5`` and ``0.25`` plain), a cell both read alike decides nothing (``1234``, ``1/3``).

- Cells of both conventions in one file: the file is refused, naming cells of each kind
  (``1.234`` next to ``100.5`` would be 1234 in one reading and 1.234 in the other).
- A plain file (decimal points) with a cell such as ``1.234``, which kimopt's German reading
  takes as 1234 and the file's own as 1.234 (a thousand times apart): refused, naming the
  cells; the planner writes ``1234`` or ``1.2340``.
- Otherwise German: kimopt reads tables as Germans write them, ``1.234`` is 1234.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from kimopt.errors import MESSAGES
from kimopt.numbers import MAX_NUMBER_TEXT

MESSAGES.update(
    {
        "table_mixed_numbers": (
            "die Datei schreibt Zahlen auf zwei Arten, deutsch mit Dezimalkomma ({german}) und mit "
            "Dezimalpunkt ({plain}): eine Schreibweise für die ganze Datei wählen",
            "the file writes numbers in two ways, German with a decimal comma ({german}) and with a "
            "decimal point ({plain}): choose one way for the whole file",
        ),
        "table_ambiguous_numbers": (
            "die Datei schreibt Dezimalzahlen mit Punkt ({plain}); dann ist {cells} mehrdeutig "
            "(deutsch gelesen tausendmal so groß): ohne Punkt (1234) oder mit vier Nachkommastellen "
            "(1.2340) schreiben",
            "the file writes decimals with a point ({plain}); then {cells} is ambiguous (read the "
            "German way a thousand times as large): write it without the point (1234) or with four "
            "decimals (1.2340)",
        ),
    }
)

_SPACES = re.compile(r"[\s'’\u00a0\u202f\u2009]|€|\b(?:eur|euro|vzä|vzae)\b", re.I)
_GERMAN = re.compile(r"(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,\d+)?")
_PLAIN = re.compile(r"\d*\.\d+|\d+")
_FRACTION = re.compile(r"(\d+)/(\d+)")
SHOWN = 3  # cells named per kind in a message


def _reading(body: str, german: bool) -> Fraction | None:
    if german:
        return Fraction(body.replace(".", "").replace(",", ".")) if _GERMAN.fullmatch(body) else None
    return Fraction(body) if _PLAIN.fullmatch(body) else None


def readings(text: str) -> tuple[Fraction | None, Fraction | None]:
    """The cell read the German way and the plain way (``None``: not a number that way)."""
    body = _SPACES.sub("", text.replace("\u2212", "-").replace("\u2013", "-"))
    if len(body) > MAX_NUMBER_TEXT or not body:
        return None, None
    sign = -1 if body[0] == "-" else 1
    body = body[1:] if body[0] in "+-" else body
    fraction = _FRACTION.fullmatch(body)
    if fraction:
        value = Fraction(int(fraction.group(1)), int(fraction.group(2))) * sign if int(fraction.group(2)) else None
        return value, value
    german, plain = _reading(body, True), _reading(body, False)
    return (german * sign if german is not None else None), (plain * sign if plain is not None else None)


@dataclass(frozen=True)
class Convention:
    """How one file writes numbers; :meth:`read` turns a cell's text into its exact value."""

    german: bool

    def read(self, text: str) -> Fraction | None:
        """The value in this file's convention; ``None`` if the text is no number."""
        german, plain = readings(text)
        return german if self.german else plain


GERMAN = Convention(german=True)


class ConventionError(Exception):
    """The file's cells do not decide one convention; ``code`` and ``params`` say which cells."""

    def __init__(self, code: str, params: dict[str, str]) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _cells(labels: list[str]) -> str:
    shown = ", ".join(labels[:SHOWN])
    return shown + (f" … (+{len(labels) - SHOWN})" if len(labels) > SHOWN else "")


def decide(cells: Iterable[tuple[str, str]]) -> Convention:
    """The convention of a file from its cells ``(text, where)`` (see the module docstring).

    Raises
    ------
    ConventionError
        ``table_mixed_numbers`` or ``table_ambiguous_numbers``, naming the cells.
    """
    german: list[str] = []
    plain: list[str] = []
    ambiguous: list[str] = []
    for text, where in cells:
        de, en = readings(text)
        label = f"{where} „{text.strip()}“"
        if de is not None and en is None:
            german.append(label)
        elif en is not None and de is None:
            plain.append(label)
        elif de is not None and de != en:
            ambiguous.append(label)
    if german and plain:
        raise ConventionError("table_mixed_numbers", {"german": _cells(german), "plain": _cells(plain)})
    if plain and ambiguous:
        raise ConventionError("table_ambiguous_numbers", {"plain": _cells(plain), "cells": _cells(ambiguous)})
    return Convention(german=not plain)
