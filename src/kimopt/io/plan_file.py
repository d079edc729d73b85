"""Reading a plan file for a report: the sections a report needs, and every figure a plain number.

A plan edited by hand may hold text or ``1e308`` where a figure belongs; the report would
then fail deep inside its tables. Here every figure (a key ending in ``vzae`` or ``eur``, or
one of :data:`FIGURES`) must be a finite number within :data:`MAX_FIGURE` (or null), and the
first that is not is named with its place in the file.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kimopt.errors import Finding, InputError, Loc
from kimopt.io.reader import Document
from kimopt.numbers import NumberError, to_fraction

SECTIONS = ("status", "summary", "kommunen", "hosts", "finance", "objectives")
FIGURES = frozenset(
    {
        "value",
        "bound",
        "population",
        "key_share",
        "kreis_share",
        "gallagher",
        "loosemore_hanby",
        "deviation_l1",
        "deviation_max",
        "positions_used",
        "positions_fundable",
        "cost_per_vzae",
        "deficit_per_vzae",
        "rate_per_vzae",
        "seconds",
    }
)
MAX_FIGURE = 10**15  # far above any plan's euros (the readers stop at 10^12 €)


def _is_figure(key: str) -> bool:
    return key in FIGURES or key.endswith(("vzae", "_eur"))


def _number_code(value: object) -> str:
    """Text where a figure belongs: far too long a number (``1e+308``, read as text) or no number."""
    try:
        to_fraction(value)
    except NumberError as exc:
        return exc.code if exc.code == "number_too_long" else "not_a_number"
    return "not_a_number"


def _figure_findings(data: Any, loc: Loc, out: list[Finding], depth: int = 0, figures: bool = False) -> None:
    """``figures``: every entry is a figure (the payers of ``eigenanteil_eur``)."""
    if depth > 20:
        return
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        here = (*loc, key)
        figure = figures or (isinstance(key, str) and _is_figure(key))
        if isinstance(value, (dict, list)):
            _figure_findings(value, here, out, depth + 1, figure and isinstance(value, dict))
        elif figure and value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                out.append(Finding(here, _number_code(value), {"value": value}))
            elif not math.isfinite(value):
                out.append(Finding(here, "not_finite", {"value": value}))
            elif abs(value) > MAX_FIGURE:
                out.append(Finding(here, "too_large", {"value": value, "limit": MAX_FIGURE}))


def read_plan(path: Path) -> Document:
    """A plan file with every section a report needs and only plain numbers as figures."""
    from kimopt.load import read_input  # the reader the suffix asks for

    document = read_input(path)
    data = document.data
    missing = [key for key in SECTIONS if key not in data]
    if missing:
        raise InputError(path, [Finding((missing[0],), "missing", {})], data)
    findings: list[Finding] = []
    _figure_findings(data, (), findings)
    for key, kind in (("summary", dict), ("finance", dict), ("kommunen", list), ("hosts", list), ("objectives", list)):
        if not isinstance(data[key], kind):
            findings.append(Finding((key,), "not_mapping" if kind is dict else "not_list", {"value": data[key]}))
    if findings:
        raise document.error(findings[:1])  # the first is enough to find the hand edit
    return document
