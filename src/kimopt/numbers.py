"""Exact numbers: parsing VZÄ quantities and euros without binary floating point.

Every VZÄ quantity is a :class:`fractions.Fraction`; a float read from YAML or JSON is
turned into the decimal it was written as (``0.1`` becomes ``1/10``, not
``3602879701896397/36028797018963968``).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

# A number as text is refused beyond these before it is converted: ``1e99999999`` would build
# 10^99999999 exactly (minutes and gigabytes); no planner's figure comes near either bound.
MAX_NUMBER_TEXT = 100
MAX_EXPONENT = 100
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)")
_NUMERIC = re.compile(r"[\d\s.,eE+\-/_]+")


class NumberError(ValueError):
    """A value that is not an exact, finite number; ``code`` names the fault."""

    def __init__(self, code: str, value: object) -> None:
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value


def to_fraction(value: object) -> Fraction:
    """Read an exact number from an int, a float, a Fraction or a string such as ``"1/3"``.

    Raises
    ------
    NumberError
        ``not_a_number`` for text, booleans and other types; ``not_finite`` for NaN and
        infinity; ``number_too_long`` for text of more than :data:`MAX_NUMBER_TEXT` characters
        or an exponent beyond :data:`MAX_EXPONENT`.
    """
    if isinstance(value, bool):
        raise NumberError("not_a_number", value)
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberError("not_finite", value)
        if abs(value.adjusted()) > MAX_EXPONENT:
            raise NumberError("number_too_long", value)
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError("not_finite", value)
        return Fraction(repr(value))
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        if text.lower().lstrip("+-") in {"nan", "inf", "infinity", ".nan", ".inf"}:
            raise NumberError("not_finite", value)
        if len(text) > MAX_NUMBER_TEXT and _NUMERIC.fullmatch(text):
            raise NumberError("number_too_long", value)
        exponent = _EXPONENT.search(text)
        if exponent and abs(int(exponent.group(1))) > MAX_EXPONENT:
            raise NumberError("number_too_long", value)
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise NumberError("not_a_number", value) from None
    raise NumberError("not_a_number", value)


def to_euros(value: object) -> int:
    """Read a whole number of euros; fractional cents or euros are refused."""
    amount = to_fraction(value)
    if amount.denominator != 1:
        raise NumberError("not_whole_euros", value)
    return int(amount)


def _context(value: Fraction | int | float, places: int) -> Context:
    """Enough decimal digits for ``value`` with ``places`` decimals (28 would fail at 10^26 VZÄ)."""
    whole = abs(int(value)) if isinstance(value, (Fraction, int)) or math.isfinite(value) else 0
    return Context(prec=max(28, len(str(whole)) + places + 10))


def decimal_vzae(value: Fraction, places: int = 6) -> float:
    """A VZÄ quantity as a JSON number, rounded half up to ``places`` decimals."""
    with localcontext(_context(value, places)):
        quantised = Decimal(value.numerator) / Decimal(value.denominator)
        return float(quantised.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round_parts(parts: list[Fraction], total: int | None = None) -> list[int]:
    """Whole euros for ``parts`` that add up to ``total`` (default: the rounded exact sum).

    Largest remainders: every part is rounded down, then the euros still missing go to the
    parts with the largest fractional rests (ties: the earlier part), so each shown part lies
    within one euro of its exact value and the shown parts add up to the shown total.
    """
    target = round_euros(sum(parts, Fraction(0))) if total is None else total
    floors = [math.floor(p) for p in parts]
    missing = target - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    if missing >= 0:
        for i in order[:missing]:
            floors[i] += 1
    else:  # the total asks for less than the floors (only when ``total`` is given smaller)
        for i in order[::-1][:-missing]:
            floors[i] -= 1
    return floors


def round_euros(value: Fraction) -> int:
    """Euros rounded half up to a whole euro (exact input, integer output)."""
    with localcontext(_context(value, 0)):
        return int((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt_number(value: Fraction | int | float, places: int, lang: str = "de") -> str:
    """Format with thousands separators in the reader's convention (``1.234,5`` in German)."""
    with localcontext(_context(value, places)):
        exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)
        quantised = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if quantised == 0:
        quantised = abs(quantised)
    text = f"{quantised:,.{places}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_vzae(value: Fraction | int | float, lang: str = "de", places: int = 1) -> str:
    """A VZÄ quantity for people: ``11,0`` (German) or ``11.0`` (English)."""
    return fmt_number(value, places, lang)


def fmt_euros(value: Fraction | int, lang: str = "de") -> str:
    """Euros for people: ``16.400 €`` (German) or ``€16,400`` (English)."""
    text = fmt_number(value, 0, lang)
    return f"{text} €" if lang == "de" else f"€{text}"


def fmt_level(value: float | int | None, unit: str, lang: str = "de") -> str:
    """An objective level's value in its unit: ``11,000 VZÄ``, ``16.400 €``, ``8``; ``–`` if none."""
    if value is None:
        return "–"
    if unit == "EUR":
        return fmt_euros(int(value), lang)
    if unit == "VZÄ":
        return f"{fmt_number(value, 3, lang)} VZÄ"
    return str(value)


def fraction_text(value: Fraction) -> str:
    """A fraction as exact text: ``"11"``, ``"1/3"``."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def exact_text(value: Fraction, lang: str = "de") -> str:
    """A fraction as people write it: ``0,25`` when it has a finite decimal, else ``1/3``."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return fraction_text(value)
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "de" else text
