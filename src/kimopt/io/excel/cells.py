"""Cell values as planners type them: German numbers, AGS with leading zeros, ja/nein, lists."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any


class _Ambiguous(Exception):
    """``55,000`` in a euro column: 55,000 € in English, 55 € in German."""

    def __init__(self, whole: str, part: str) -> None:
        thousands = int(whole + part)
        decimal = Decimal(f"{whole}.{part}").normalize()
        self.params = {
            "thousands_de": f"{thousands:,}".replace(",", "."),
            "thousands_en": f"{thousands:,}",
            "decimal_de": format(decimal, "f").replace(".", ","),
            "decimal_en": format(decimal, "f"),
        }


class _Problem(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params


class Typed(str):
    """A number read from text, normalised (``"24600.5"``) but shown as typed (``24.600,50 €``).

    The validators read the normalised text; their messages quote ``str(value)``, which is what
    the planner typed, so a problem is reported in the planner's own words.
    """

    typed: str

    def __new__(cls, text: str, typed: str) -> Typed:
        value = super().__new__(cls, text)
        value.typed = typed
        return value

    def __str__(self) -> str:
        return self.typed


def _decimal_out(number: Decimal) -> int | str:
    """An int when whole, else the exact decimal as plain text (``"0.5"``, never ``5E-1``)."""
    if number == number.to_integral_value():
        return int(number)
    return format(number.normalize(), "f")


def float_value(value: float) -> int | str:
    """A number stored by Excel, as the decimal Excel shows (15 significant digits)."""
    if not math.isfinite(value):
        return str(value)
    return _decimal_out(Decimal(format(value, ".15g")))


def parse_number(text: str, kind: str = "number") -> int | str | None:
    """Read a number as Germans type it; ``None`` if the text is not a number at all.

    ``36.047`` and ``55.000,00`` use the dot for thousands, ``0,5`` the comma for decimals,
    ``1/3`` is an exact fraction, ``€``/``EUR``/``VZÄ`` and spaces between
    thousands are ignored (``2 0 0`` is no number). In VZÄ
    columns a single dot is a decimal point (nobody means 1,500 VZÄ by ``1.500``). In euro
    columns ``55,000`` is refused as ambiguous (German 55 € or English 55,000 €).

    Returns an ``int`` or exact text such as ``"0.5"`` or ``"1/3"``.
    """
    from kimopt.io.number_convention import compact

    compacted = compact(text)
    if compacted is None:
        return None
    text = compacted
    fraction = re.fullmatch(r"([+-]?)(\d+)/(\d+)", text)
    if fraction:
        sign, top, bottom = fraction.groups()
        return None if int(bottom) == 0 else f"{sign}{int(top)}/{int(bottom)}"
    match = re.fullmatch(r"([+-]?)([\d.,]+)", text)
    if not match:
        return None
    sign, body = match.groups()
    dots, commas = body.count("."), body.count(",")
    number: str | None
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _, part = body.rpartition(decimal)
        grouped = re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})+|\d+", whole)
        number = f"{whole.replace(thousands, '')}.{part}" if grouped and part.isdigit() else None
    elif dots > 1 or commas > 1:
        separator = "." if dots else ","
        number = body.replace(separator, "") if re.fullmatch(rf"\d{{1,3}}(?:\{separator}\d{{3}})+", body) else None
    elif dots or commas:
        separator = "." if dots else ","
        whole, _, part = body.partition(separator)
        german_thousands = re.fullmatch(r"[1-9]\d{0,2}", whole) and re.fullmatch(r"\d{3}", part)
        if german_thousands and separator == "," and kind == "euro":
            raise _Ambiguous(whole, part)
        if german_thousands and separator == "." and kind not in {"vzae"}:
            number = whole + part
        elif part.isdigit() and (whole.isdigit() or whole == ""):
            number = f"{whole or '0'}.{part}"
        else:
            number = None
    else:
        number = body if body.isdigit() else None
    if number is None:
        return None
    try:
        return _decimal_out(Decimal(sign + number))
    except InvalidOperation:  # pragma: no cover - the patterns above admit digits only
        return None


def _ags(value: object, digits: int) -> object:
    """Leading zeros restored by the instance's own rule; other numbers become their text."""
    from kimopt.data import ags_text

    value = ags_text(value, digits)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def cell_value(value: object, kind: str) -> object:
    """The value of one cell for the instance data; ``None`` means "not given".

    Raises ``_Problem`` for a value that cannot be meant (a date in a number column, an
    ambiguous number). Anything else that is not understood is handed on as text, so that
    the validators report it with the planner's own words.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if kind == "raw":
        return value
    if kind in {"count", "euro", "vzae", "number"}:
        if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
            raise _Problem("xlsx_date", value=_date_text(value))
        if isinstance(value, float):
            return float_value(value)
        if isinstance(value, str):
            try:
                parsed = parse_number(value, kind)
            except _Ambiguous as exc:
                raise _Problem("xlsx_ambiguous_number", value=value, **exc.params) from None
            if parsed is None:
                return value
            return parsed if str(parsed) == value else Typed(str(parsed), value)
        return value
    if kind == "flag":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind in {"ags5", "ags8"}:
        value = _ags(value, 5 if kind == "ags5" else 8)
    if kind == "names":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [str(_ags(value, 8))]
        if isinstance(value, str):
            names = [part.strip() for part in re.split(r"[;\n]", value) if part.strip()]
            return names or None
        return value
    if isinstance(value, float):
        return str(float_value(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _date_text(value)
    return value


def _date_text(value: object) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)
