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
- A file whose only German cells look like ``1,200`` (German 1.2, English 1200 with a
  thousands comma; no ``0,5`` or ``1.234,5`` to decide it): refused, naming the cells.
- Otherwise German: kimopt reads tables as Germans write them, ``1.234`` is 1234.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from kimopt.numbers import MAX_NUMBER_TEXT

_GAP = r"[\s'’\u00a0\u202f\u2009]"  # what people put between thousands: spaces, apostrophes
_UNITS = re.compile(r"€|\b(?:eur|euro|vzä|vzae)\b", re.I)
_SPLIT_DIGITS = re.compile(rf"\d{_GAP}+\d")
_GAP_GROUPED = re.compile(rf"[+-]?[1-9]\d{{0,2}}(?:{_GAP}\d{{3}})+(?:[.,]\d+)?")
_COMMA_GROUPED = re.compile(r"[1-9]\d{0,2},\d{3}")  # 1,200: German 1.2, English 1200
_GERMAN = re.compile(r"(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,\d+)?")
_PLAIN = re.compile(r"\d*\.\d+|\d+")
_FRACTION = re.compile(r"(\d+)/(\d+)")
SHOWN = 3  # cells named per kind in a message


def _reading(body: str, german: bool) -> Fraction | None:
    if german:
        return Fraction(body.replace(".", "").replace(",", ".")) if _GERMAN.fullmatch(body) else None
    return Fraction(body) if _PLAIN.fullmatch(body) else None


def compact(text: str) -> str | None:
    """A number's text without units, spaces and apostrophes; ``None`` where they split digits
    other than into thousands (``1 234,5`` and ``1'234`` are numbers, ``2 0 0`` and ``12 5`` are
    not: nobody can tell what was meant)."""
    text = _UNITS.sub("", text.replace("\u2212", "-").replace("\u2013", "-")).strip()
    if _SPLIT_DIGITS.search(text) and not _GAP_GROUPED.fullmatch(text):
        return None
    return re.sub(_GAP, "", text)


def readings(text: str) -> tuple[Fraction | None, Fraction | None]:
    """The cell read the German way and the plain way (``None``: not a number that way)."""
    body = compact(text)
    if body is None or len(body) > MAX_NUMBER_TEXT or not body:
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
        ``table_mixed_numbers``, ``table_ambiguous_numbers`` or ``table_comma_numbers``, naming
        the cells.
    """
    german: list[str] = []
    comma_grouped: list[str] = []  # German cells an English file could have written: 1,200
    plain: list[str] = []
    ambiguous: list[str] = []
    for text, where in cells:
        de, en = readings(text)
        label = f"{where} „{text.strip()}“"
        if de is not None and en is None:
            german.append(label)
            if _COMMA_GROUPED.fullmatch((compact(text) or "").lstrip("+-")):
                comma_grouped.append(label)
        elif en is not None and de is None:
            plain.append(label)
        elif de is not None and de != en:
            ambiguous.append(label)
    if german and plain:
        raise ConventionError("table_mixed_numbers", {"german": _cells(german), "plain": _cells(plain)})
    if plain and ambiguous:
        raise ConventionError("table_ambiguous_numbers", {"plain": _cells(plain), "cells": _cells(ambiguous)})
    if comma_grouped and len(comma_grouped) == len(german):
        raise ConventionError("table_comma_numbers", {"cells": _cells(comma_grouped)})
    return Convention(german=not plain)
