"""A planner's wish for one host (``"Voerde (Niederrhein)=1"``): reading it, and its price.

A wish fixes, bounds from below or bounds from above the VZÄ ``H_h`` one host employs: a
Kommune (even one with ``max_vzae = 0``: then its own maximum stands in the way), a Träger or
the Kreis. When the wish is possible its price is the change of every objective level and of
every payer's Eigenanteil against the optimal plan without it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from kimopt.analysis.explain.core import Scenario, Wish
from kimopt.analysis.explain.texts import vzae
from kimopt.data import MAX_VZAE, Instance, PlanningModel
from kimopt.lexicographic import solve_levels
from kimopt.names import suggestions
from kimopt.numbers import NumberError, to_fraction
from kimopt.plan import Plan
from kimopt.problem import HostKind

_PATTERN = re.compile(r"^(?P<name>.*?)\s*(?P<op>>=|<=|≥|≤|=)\s*(?P<value>[^=<>≥≤]*)$")
_YEAR = re.compile(r"^\s*(?P<year>\d{1,4})\s*:\s*(?P<wish>.*)$")
_OPS = {">=": ">=", "≥": ">=", "<=": "<=", "≤": "<=", "=": "="}


class WishError(ValueError):
    """A wish that cannot be read; ``de``/``en`` say why in the planner's words."""

    def __init__(self, de: str, en: str) -> None:
        super().__init__(en)
        self.de, self.en = de, en

    def text(self, lang: str) -> str:
        return self.de if lang == "de" else self.en


def _hosts(instance: Instance) -> list[tuple[str, HostKind]]:
    """Names a wish may refer to: Kommunen (by name or AGS), Träger and the Kreis."""
    names: list[tuple[str, HostKind]] = [(k.name, "kommune") for k in instance.kommunen]
    names += [(t.name, "traeger") for t in instance.traeger]
    names.append((instance.kreis.name, "kreis"))
    return names


def _resolve(name: str, instance: Instance) -> tuple[str, HostKind]:
    """The host a name means: exact name, AGS, or the same name up to case."""
    hosts = _hosts(instance)
    by_ags = {k.ags: k.name for k in instance.kommunen if k.ags}
    for fold in (False, True):
        key = name.casefold() if fold else name
        found = {(n, kind) for n, kind in hosts if (n.casefold() if fold else n) == key}
        if name in by_ags:
            found.add((by_ags[name], "kommune"))
        if len(found) > 1:
            raise WishError(
                f"--want: „{name}“ ist nicht eindeutig (Kommune und Träger) – bitte die AGS der Kommune angeben",
                f"--want: '{name}' is ambiguous (Kommune and Träger) – give the Kommune's AGS",
            )
        if found:
            return found.pop()
    close = suggestions(name, [n for n, _ in hosts])
    hint_de = f" – meinten Sie {', '.join(f'„{c}“' for c in close)}?" if close else ""
    hint_en = f" – did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise WishError(
        f"--want: keine Kommune und kein Träger heißt „{name}“{hint_de}",
        f"--want: unknown Kommune or Träger '{name}'{hint_en}",
    )


def _number(text: str) -> Fraction:
    """VZÄ as typed: ``1``, ``0.5`` or with the German decimal comma ``0,5``."""
    cleaned = text.strip()
    if "," in cleaned and "." in cleaned:
        raise NumberError("not_a_number", text)
    try:
        value = to_fraction(cleaned.replace(",", "."))
    except NumberError:
        raise NumberError("not_a_number", text) from None
    if value < 0:
        raise NumberError("negative", text)
    return value


def split_year(text: str) -> tuple[str | None, str]:
    """``"2023: Alpen=1"`` → ``("2023", "Alpen=1")``; a wish without a year → ``(None, text)``."""
    match = _YEAR.match(text)
    return (match["year"], match["wish"]) if match else (None, text)


def wish_year(text: str, labels: Sequence[str]) -> tuple[int, bool]:
    """The year a wish is for, as an index into the horizon's year ``labels``, and whether the
    wish named it (a wish without a year is for the first year).

    Raises
    ------
    WishError
        If the wish names a year the instance does not have.
    """
    year, _ = split_year(text)
    if year is None:
        return 0, False
    numbers = [int(label) for label in labels]
    if int(year) not in numbers:
        there = ", ".join(labels)
        raise WishError(
            f"--want „{text}“: die Instanz hat kein Jahr {year} – ihre Jahre: {there}",
            f"--want '{text}': the instance has no year {year} – its years: {there}",
        )
    return numbers.index(int(year)), True


def parse_wish(text: str, instance: Instance, model: PlanningModel) -> Wish:
    """Read ``NAME=VZÄ``, ``NAME>=VZÄ`` or ``NAME<=VZÄ`` (also ``≥``/``≤``, decimal comma), optionally
    after the instance's year: ``2022: NAME=VZÄ`` (one year of a horizon is an instance of its own).

    ``>=`` and ``<=`` round to the granularity in the wish's own direction (``H ≥ 0,86`` is
    ``H ≥ 0,9`` when ``g = 0,1``); ``=`` must be on the granularity.

    Raises
    ------
    WishError
        If the text is malformed, the number is not a non-negative number, the name is unknown
        or ``=`` asks for a value off the granularity, or the year is not the instance's.
    """
    year, wish = split_year(text)
    if year is not None:
        wish_year(text, [str(instance.funding.year) if instance.funding.year is not None else "1"])
    match = _PATTERN.match(wish.strip())
    if not match or not match["name"] or not match["value"].strip():
        raise WishError(
            f'--want „{text}“: erwartet NAME=VZÄ, NAME>=VZÄ oder NAME<=VZÄ, z. B. "Voerde (Niederrhein)=1"',
            f"--want '{text}': expected NAME=VZÄ, NAME>=VZÄ or NAME<=VZÄ, e.g. \"Voerde (Niederrhein)=1\"",
        )
    try:
        value = _number(match["value"])
    except NumberError:
        raise WishError(
            f"--want „{text}“: „{match['value'].strip()}“ ist keine VZÄ-Zahl ≥ 0",
            f"--want '{text}': '{match['value'].strip()}' is not a VZÄ number ≥ 0",
        ) from None
    if value > MAX_VZAE:
        raise WishError(
            f"--want „{text}“: {match['value'].strip()} VZÄ ist zu groß (höchstens {MAX_VZAE})",
            f"--want '{text}': {match['value'].strip()} VZÄ is too large (at most {MAX_VZAE})",
        )
    name, kind = _resolve(match["name"].strip(), instance)
    op = _OPS[match["op"]]
    g = model.granularity_vzae
    units = value / g
    if op == "=" and units.denominator != 1:
        raise WishError(
            f"--want „{text}“: {vzae(value, 'de')} ist kein Vielfaches der Granularität {vzae(g, 'de')}",
            f"--want '{text}': {vzae(value, 'en')} is not a multiple of the granularity {vzae(g, 'en')}",
        )
    whole = math.ceil(units) if op == ">=" else math.floor(units)
    return Wish(name, kind, op, whole, text)  # type: ignore[arg-type]


@dataclass(frozen=True)
class LevelChange:
    """One objective level without and with the wish (``None``: not proven in time)."""

    name: str
    unit: str
    before: Fraction | None
    after: Fraction | None

    @property
    def delta(self) -> Fraction | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class PayerChange:
    """One payer's yearly Eigenanteil without and with the wish, €."""

    payer: str
    before: Fraction
    after: Fraction


@dataclass(frozen=True)
class Price:
    """What a possible wish costs against the optimal plan."""

    levels: list[LevelChange]
    payers: list[PayerChange]
    before: Plan
    after: Plan


def optimal_plan(scenario: Scenario, time_limit: float) -> Plan | None:
    """The lexicographically optimal plan of a scenario (``None`` if there is none)."""
    cm = scenario.build(switchable=False)
    model = scenario.model
    result = solve_levels(cm, time_limit, model.workers or 1, model.seed)
    if result.units is None:
        return None
    return Plan(cm.problem, result.units, result.status, result.levels, result.solver, target_units=result.target_units)


def price_between(before: Plan, after: Plan) -> Price:
    """The change from ``before`` to ``after``: every level of ``after`` (matched by name, so a
    new order of the objectives still compares like with like) and every payer's Eigenanteil."""
    earlier = {level.name: level.value for level in before.levels}
    levels = [LevelChange(a.name, a.unit, earlier.get(a.name), a.value) for a in after.levels]
    paid_before = {p.payer: p.eur for p in before.payments}
    paid_after = {p.payer: p.eur for p in after.payments}
    payers = [
        PayerChange(name, paid_before.get(name, Fraction(0)), paid_after.get(name, Fraction(0)))
        for name in dict.fromkeys([*paid_before, *paid_after])
    ]
    return Price(levels, payers, before, after)


def wish_price(scenario: Scenario, time_limit: float = 60.0) -> Price | None:
    """Level by level and payer by payer: the plan with the wish against the plan without it."""
    after = optimal_plan(scenario, time_limit)
    before = optimal_plan(replace(scenario, wish=None), time_limit)
    if after is None or before is None:
        return None
    return price_between(before, after)
