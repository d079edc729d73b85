"""The Land's positions among its territories: a bounded apportionment, exact, in steps.

Everything is counted in steps of ``step_vzae`` (0.5 VZÄ): the house is ``h = total/step``.
A territory's weight is its key share times the Land's population, ``w_i = share_i · P``
("Schlüsseleinwohner"; with the population key exactly its population), so the divisor reads
as inhabitants per VZÄ.

Bounds (BAZI's restrictions): ``l_i = max(⌈base/step⌉, ⌈existing_i/step⌉)``, ``u_i =
⌊maximum_i/step⌋`` (none if absent). With ``base_mode: added`` the base is a *Sockel*: every
territory gets ``b = base/step`` steps first and the rest, ``h − n·b``, is apportioned with
the bounds shifted by ``b`` — that is "a base per territory plus a proportional part".

A divisor method then gives ``a_i = clamp(round_s(w_i/d), l_i, u_i)`` with one divisor ``d``
for all (computed by :func:`kimopt.analysis.apportion.apportion`, which starts every
territory at its lower bound and hands out the rest by priority — the same thing). The
*divisor interval* is every ``d`` that gives this result:
``max_{i: a_i<u_i} w_i/s(a_i) ≤ d ≤ min_{i: a_i>l_i} w_i/s(a_i − 1)``, reported in
inhabitants per VZÄ (``d/step``), with a round number inside it (BAZI's "nice" divisor).
A bound *binds* when the key alone would give the territory less (min) or more (max) at every
divisor of the interval. Hare–Niemeyer uses bounded quotas ``clamp(λ·w_i, l_i, u_i)``; its
bound binds when ``λ·w_i`` lies beyond it.

Ties are never broken here: the result keeps the certain steps and names the tied territories
and how many steps they compete for; only the round file's ``tie_winners`` (a decision the
planner writes down) gives those steps away. :func:`verify` re-checks every result with
separate code: the sums, the bounds, and the rounding of every territory at a divisor inside
the interval (largest remainders for Hare–Niemeyer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal, getcontext
from fractions import Fraction

from kimopt.analysis.apportion import METHODS, Apportionment, Tie, apportion, bounded_quotas
from kimopt.errors import Finding, InputError
from kimopt.io.reader import Document
from kimopt.labels import t
from kimopt.land.round_file import RoundFile
from kimopt.land.territories import Territory
from kimopt.numbers import exact_text, fmt_vzae


class RoundInfeasible(Exception):
    """The bounds cannot hold; the message names the territories and bounds involved."""

    def __init__(self, de: str, en: str, territories: list[str]) -> None:
        super().__init__(en)
        self.de, self.en, self.territories = de, en, territories

    def text(self, lang: str = "de") -> str:
        return self.de if lang == "de" else self.en


@dataclass(frozen=True)
class Interval:
    """The divisors ``d`` (in steps) that give the result: ``low ≤ d ≤ high`` (``None``: ∞).

    For Huntington–Hill the bounds are of ``d²`` (``squared``), so no square root is taken.
    """

    low: Fraction
    high: Fraction | None
    squared: bool


@dataclass(frozen=True)
class Allocation:
    """The round's result, in steps; with an undecided tie only the certain steps."""

    round: RoundFile
    territories: tuple[Territory, ...]
    shares: tuple[Fraction, ...]
    weights: tuple[Fraction, ...]
    house: int
    base: int  # steps every territory gets first (base_mode added), else 0
    lower: tuple[int, ...]  # full bounds, base included
    upper: tuple[int | None, ...]
    lower_source: tuple[str | None, ...]  # "base", "existing" or None (no lower bound)
    seats: tuple[int, ...]
    tie: Tie | None  # the tie as the method found it
    tie_decided: bool  # its steps were given by tie_winners
    interval: Interval | None  # divisor methods
    hare_lambda: Fraction | None  # Hare–Niemeyer: quotas λ·w_i (steps per weight unit)
    binding: tuple[str | None, ...]  # "min" / "max" / None
    land_name: str = ""

    @property
    def step(self) -> Fraction:
        return self.round.step_vzae

    @property
    def total(self) -> Fraction:
        return self.house * self.step

    @property
    def vzae(self) -> list[Fraction]:
        return [a * self.step for a in self.seats]

    @property
    def quotas(self) -> list[Fraction]:
        """Exact quota in VZÄ: ``total × share_i`` (the key alone, without base or bounds)."""
        return [self.total * s for s in self.shares]

    @property
    def population(self) -> int:
        return sum(t.population for t in self.territories)

    @property
    def undecided(self) -> Tie | None:
        """The tie still open (none after ``tie_winners``)."""
        return None if self.tie_decided else self.tie

    @property
    def tied(self) -> set[int]:
        return set(self.tie.parties) if self.tie else set()

    def divisor_vzae(self) -> tuple[Fraction | None, Fraction | None] | None:
        """The interval in inhabitants per VZÄ (``d/step``); squared for Huntington–Hill."""
        if self.interval is None:
            return None
        scale = self.step * self.step if self.interval.squared else self.step
        low = self.interval.low / scale
        high = None if self.interval.high is None else self.interval.high / scale
        return low, high

    def nice_divisor(self) -> Fraction | None:
        """A round number of inhabitants per VZÄ inside the interval (for people to quote)."""
        bounds = self.divisor_vzae()
        if bounds is None or self.interval is None or self.interval.squared:
            return None
        low, high = bounds
        assert low is not None
        return nice_number(low, high)


def nice_number(low: Fraction, high: Fraction | None) -> Fraction:
    """The number with the fewest significant digits strictly inside ``(low, high)``.

    ``low`` itself when the interval is a single point (a tie).
    """
    if high is not None and high <= low:
        return low
    top = high if high is not None else low * 2 + 2
    exponent = math.floor(math.log10(top)) if top >= 1 else -6
    for k in range(exponent, -13, -1):
        unit = Fraction(10) ** k
        candidate = (low // unit + 1) * unit
        if high is None or candidate < high:
            return candidate
    return low


def _signpost(method: str, seats: int) -> Fraction:
    post = METHODS[method].signpost
    assert post is not None
    return post(seats)


def _claim(method: str, weight: Fraction, seats: int) -> Fraction | None:
    """``w/s(a)`` (``w²/s²`` for Huntington–Hill); ``None`` for an infinite claim (``s = 0``)."""
    post = _signpost(method, seats)
    if post == 0:
        return None if weight > 0 else Fraction(0)
    return weight * weight / post if METHODS[method].squared else weight / post


def bounds(round_: RoundFile, found: list[Territory]) -> tuple[list[int], list[int | None], list[str | None]]:
    """Lower and upper bounds in steps, and where each lower bound comes from."""
    step = round_.step_vzae
    base = int(round_.base_vzae / step)
    lower, upper, source = [], [], []
    for territory in found:
        existing = math.ceil(round_.existing.get(territory.ags, Fraction(0)) / step)
        low = max(base, existing)
        lower.append(low)
        source.append(None if low == 0 else "existing" if existing > base else "base")
        maximum = round_.maximum.get(territory.ags)
        upper.append(None if maximum is None else math.floor(maximum / step))
    return lower, upper, source


def _explain_infeasible(
    round_: RoundFile,
    found: list[Territory],
    weights: list[Fraction],
    lower: list[int],
    upper: list[int | None],
    house: int,
) -> None:
    """Raise :class:`RoundInfeasible` naming the bounds that cannot hold together."""
    step = round_.step_vzae

    def v(steps: int | Fraction, lang: str) -> str:
        return f"{fmt_vzae(steps * step, lang)} VZÄ"

    base = int(round_.base_vzae / step)
    if round_.base_mode == "added" and base * len(found) > house:
        raise RoundInfeasible(
            f"Der Sockel {v(base, 'de')} × {len(found)} Gebiete = {v(base * len(found), 'de')} "
            f"übersteigt die {v(house, 'de')} der Runde",
            f"The base {v(base, 'en')} × {len(found)} territories = {v(base * len(found), 'en')} "
            f"exceeds the round's {v(house, 'en')}",
            [],
        )
    for territory, low, high in zip(found, lower, upper, strict=True):
        if high is not None and high < low:
            why_de = "Bestand" if round_.existing.get(territory.ags, 0) > round_.base_vzae else "Sockel"
            why_en = "existing" if why_de == "Bestand" else "base"
            raise RoundInfeasible(
                f"{territory.name} ({territory.ags}): Höchstwert {v(high, 'de')} liegt unter dem "
                f"Mindestwert {v(low, 'de')} ({why_de})",
                f"{territory.name} ({territory.ags}): maximum {v(high, 'en')} is below the "
                f"minimum {v(low, 'en')} ({why_en})",
                [territory.ags],
            )
    if sum(lower) > house:
        above = sorted(
            ((low - base, t) for t, low in zip(found, lower, strict=True) if low > base),
            key=lambda x: (-x[0], x[1].ags),
        )
        listed_de = ", ".join(f"{t.name} {v(low + base, 'de')}" for low, t in above[:8])
        listed_en = ", ".join(f"{t.name} {v(low + base, 'en')}" for low, t in above[:8])
        more = len(above) - 8
        raise RoundInfeasible(
            f"Die Mindestwerte ergeben zusammen {v(sum(lower), 'de')}, die Runde hat nur "
            f"{v(house, 'de')}: Sockel {v(base, 'de')} je Gebiet"
            + (f"; Bestand darüber: {listed_de}" if above else "")
            + (f" und {more} weitere" if more > 0 else ""),
            f"The minima add up to {v(sum(lower), 'en')}, the round has only {v(house, 'en')}: "
            f"base {v(base, 'en')} per territory"
            + (f"; existing above it: {listed_en}" if above else "")
            + (f" and {more} more" if more > 0 else ""),
            [t.ags for _, t in above],
        )
    room = sum(
        low if w == 0 else (high if high is not None else house)
        for w, low, high in zip(weights, lower, upper, strict=True)
    )
    if room < house:
        capped = [t for t, high in zip(found, upper, strict=True) if high is not None]
        names = ", ".join(t.name for t in capped[:8]) + (" …" if len(capped) > 8 else "")
        raise RoundInfeasible(
            f"Die Höchstwerte lassen nur {v(room, 'de')} von {v(house, 'de')} zu (Höchstwerte: {names})",
            f"The maxima allow only {v(room, 'en')} of {v(house, 'en')} (maxima: {names})",
            [t.ags for t in capped],
        )


def allocate(
    round_: RoundFile,
    found: list[Territory],
    shares: list[Fraction],
    document: Document | None = None,
    land_name: str = "",
) -> Allocation:
    """Apportion the round's total among ``found`` by ``shares`` (see the module docstring).

    Raises
    ------
    RoundInfeasible
        When the bounds cannot hold together (the message says which).
    InputError
        When ``tie_winners`` does not decide the tie that occurred (or there is none).
    """
    step = round_.step_vzae
    house = int(round_.total / step)
    population = sum(t.population for t in found)
    weights = [s * population for s in shares]
    lower, upper, source = bounds(round_, found)
    _explain_infeasible(round_, found, weights, lower, upper, house)
    base = int(round_.base_vzae / step) if round_.base_mode == "added" else 0
    low_free = [max(0, low - base) for low in lower]
    high_free = [None if high is None else high - base for high in upper]
    result = _apportion(round_.method, weights, house - base * len(found), low_free, high_free)
    seats = list(result.seats)
    decided = False
    if result.tie is not None and round_.tie_winners:
        seats = _decide(result.tie, round_, found, seats, document)
        decided = True
    elif round_.tie_winners:
        raise _tie_error(document, "round_tie_none", {})
    interval = lam = None
    if METHODS[round_.method].signpost is not None:
        interval = _interval(round_.method, weights, seats, low_free, high_free, result.tie if not decided else None)
        binding = _binding_divisor(round_.method, weights, seats, low_free, high_free, interval)
    else:
        quotas = bounded_quotas(weights, house - base * len(found), low_free, high_free)
        lam = _lambda(weights, quotas, low_free, high_free)
        binding = _binding_hare(weights, quotas, low_free, high_free, lam, house - base * len(found))
    return Allocation(
        round_,
        tuple(found),
        tuple(shares),
        tuple(weights),
        house,
        base,
        tuple(lower),
        tuple(upper),
        tuple(source),
        tuple(a + base for a in seats),
        result.tie,
        decided,
        interval,
        lam,
        tuple(binding),
        land_name,
    )


def _apportion(method: str, w: list[Fraction], house: int, low: list[int], high: list[int | None]) -> Apportionment:
    """:func:`~kimopt.analysis.apportion.apportion`, started close to the result.

    A divisor method hands out steps one by one from the lower bounds (``h·n`` priorities). It
    may start instead from any allocation that lies below the result: it then hands out the
    same remaining steps in the same order. ``⌊q_i⌋ − 1`` with the bounded quota ``q_i`` (as
    Hare–Niemeyer's) is below the result for every usual case; whether it was is checked exactly
    afterwards (a divisor exists for the result with the real bounds) and the method runs from
    the lower bounds where not. The same result either way, only sooner.
    """
    if METHODS[method].signpost is not None:
        quotas = bounded_quotas(w, house, low, high)
        warm = [_clamp(math.floor(q) - 1, m, u) for q, m, u in zip(quotas, low, high, strict=True)]
        if warm != low and sum(warm) <= house:
            trial = apportion(w, house, method, warm, high)
            if trial.tie is None and _strictly_consistent(method, w, list(trial.seats), low, high):
                return replace(trial, lower=tuple(low))
    return apportion(w, house, method, low, high)


def _strictly_consistent(method: str, w: list[Fraction], a: list[int], low: list[int], high: list[int | None]) -> bool:
    """A divisor gives ``a`` with these bounds and no claim on a next step equals a claim on a
    last step: ``max`` of the former < ``min`` of the latter. Equality would be a tie, which a
    start above one of the tied territories could hide — such a case is computed from the bounds."""
    interval = _interval(method, w, a, low, high, None)
    return interval is not None and (interval.high is None or interval.low < interval.high)


def _tie_error(document: Document | None, code: str, params: dict[str, object]) -> InputError:
    finding = Finding(("tie_winners",), code, params)
    return document.error([finding]) if document else InputError(None, [finding])


def _decide(
    tie: Tie, round_: RoundFile, found: list[Territory], seats: list[int], document: Document | None
) -> list[int]:
    index = {t.ags: i for i, t in enumerate(found)}
    winners = [index[a] for a in round_.tie_winners if a in index]
    if len(set(winners)) != tie.seats or not set(winners) <= set(tie.parties):
        tied = ", ".join(f"{found[i].ags} {found[i].name}" for i in tie.parties)
        raise _tie_error(document, "round_tie_winners", {"value": tied, "seats": tie.seats})
    out = list(seats)
    for i in winners:
        out[i] += 1
    return out


def _interval(
    method: str, w: list[Fraction], a: list[int], low: list[int], high: list[int | None], tie: Tie | None
) -> Interval | None:
    lows: list[Fraction] = []
    for i, weight in enumerate(w):
        if weight > 0 and (high[i] is None or a[i] < high[i]):  # type: ignore[operator]
            claim = _claim(method, weight, a[i])
            if claim is None:
                return None  # a territory with weight > 0 would claim a step at any divisor
            lows.append(claim)
    highs = [c for i, weight in enumerate(w) if a[i] > low[i] if (c := _claim(method, weight, a[i] - 1)) is not None]
    lo = max(lows, default=Fraction(0))
    hi = min(highs, default=None)
    if tie is not None:
        hi = lo  # only the tied claim itself leaves the open steps undecided
    return Interval(lo, hi, bool(METHODS[method].squared))


def _binding_divisor(
    method: str, w: list[Fraction], a: list[int], low: list[int], high: list[int | None], interval: Interval | None
) -> list[str | None]:
    out: list[str | None] = []
    for i, weight in enumerate(w):
        flag = None
        if interval is not None:
            lo, hi = interval.low, interval.high
            if a[i] == low[i] and low[i] > 0:
                claim = _claim(method, weight, low[i] - 1)
                if claim is not None and claim < lo:
                    flag = "min"
            upper = high[i]
            if flag is None and upper is not None and a[i] == upper:
                claim = _claim(method, weight, upper)
                limit = hi if hi is not None else lo
                if claim is None or claim > limit:
                    flag = "max"
        out.append(flag)
    return out


def _lambda(w: list[Fraction], q: tuple[Fraction, ...], low: list[int], high: list[int | None]) -> Fraction | None:
    """``λ`` of the bounded quotas, read off a territory that no bound holds (else ``None``)."""
    for i, weight in enumerate(w):
        if weight > 0 and q[i] > low[i] and (high[i] is None or q[i] < high[i]):  # type: ignore[operator]
            return q[i] / weight
    return None


def _binding_hare(
    w: list[Fraction], q: tuple[Fraction, ...], low: list[int], high: list[int | None], lam: Fraction | None, house: int
) -> list[str | None]:
    total = sum(w, Fraction(0))
    out: list[str | None] = []
    for i, weight in enumerate(w):
        # without a free territory, λ is not determined: the plain quota h·w/W decides
        free = lam * weight if lam is not None else house * weight / total
        upper = high[i]
        if q[i] == low[i] and low[i] > 0 and free < low[i]:
            out.append("min")
        elif upper is not None and q[i] == upper and free > upper:
            out.append("max")
        else:
            out.append(None)
    return out


# --- the independent check -------------------------------------------------------------------


def _rounded(method: str, x2: Fraction, squared: bool) -> tuple[int, int]:
    """All seat numbers ``a`` the method's rounding allows for ``x = w/d`` (``x2`` is ``x`` or
    ``x²``): the smallest and the largest (they differ only on a signpost)."""
    post = METHODS[method].signpost
    assert post is not None
    if x2 <= 0:
        return 0, 0
    # every signpost lies in [a, a+1] (its square in [a², (a+1)²]): start just below the answer
    a = max(0, (math.isqrt(math.floor(x2)) if squared else math.floor(x2)) - 1)
    while post(a) < x2:
        a += 1
    return a, a + (1 if post(a) == x2 else 0)


def _clamp(n: int, low: int, high: int | None) -> int:
    n = max(n, low)
    return n if high is None else min(n, high)


def verify(allocation: Allocation) -> list[str]:
    """Problems with the result, found by code separate from the apportionment (empty: fine)."""
    problems: list[str] = []
    r = allocation
    open_steps = r.undecided.seats if r.undecided else 0
    if sum(r.seats) + open_steps != r.house:
        problems.append(f"sum {sum(r.seats)} + {open_steps} open != {r.house} steps")
    for i, (a, low, high) in enumerate(zip(r.seats, r.lower, r.upper, strict=True)):
        if a < low or (high is not None and a > high):
            problems.append(f"{r.territories[i].ags}: {a} steps outside [{low}, {high}]")
    free = [a - r.base for a in r.seats]
    low_free = [max(0, low - r.base) for low in r.lower]
    high_free = [None if high is None else high - r.base for high in r.upper]
    method = r.round.method
    if r.interval is not None:
        lo, hi = r.interval.low, r.interval.high
        if hi is not None and hi < lo:
            problems.append("empty divisor interval")
        d = lo if hi == lo else (lo + hi) / 2 if hi is not None else lo * 2 + 1
        if d == 0:
            d = (hi or Fraction(1)) / 2
        tied = r.tied if r.tie is not None else set()
        for i, weight in enumerate(r.weights):
            x = weight * weight / d if r.interval.squared else weight / d
            smallest, largest = _rounded(method, x, r.interval.squared)
            options = {_clamp(n, low_free[i], high_free[i]) for n in range(smallest, largest + 1)}
            if free[i] not in options and not (i in tied and free[i] + 1 in options):
                problems.append(f"{r.territories[i].ags}: {free[i]} steps, the divisor gives {sorted(options)}")
    elif METHODS[method].signpost is None:
        quotas = bounded_quotas(r.weights, r.house - r.base * len(free), low_free, high_free)
        if sum(quotas) != r.house - r.base * len(free):
            problems.append("bounded quotas do not add up")
        given = [a - math.floor(q) for a, q in zip(free, quotas, strict=True)]
        if any(g not in (0, 1) for g in given):
            problems.append("a territory outside its quota rounded down/up")
        rest = [q - math.floor(q) for q in quotas]
        up = [rest[i] for i, g in enumerate(given) if g == 1]
        down = [rest[i] for i, g in enumerate(given) if g == 0 and rest[i] > 0 and i not in r.tied]
        if up and down and min(up) < max(down):
            problems.append("a smaller remainder got a step before a larger one")
    return problems


# --- for people ------------------------------------------------------------------------------


def decimal_root(value: Fraction, places: int = 3) -> Decimal:
    """``√value`` as a decimal (for Huntington–Hill's divisor, reported only)."""
    getcontext().prec = 40
    root = (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()
    return root.quantize(Decimal(1).scaleb(-places))


def divisor_text(allocation: Allocation, lang: str) -> str:
    """``1 VZÄ je 41.502 bis 41.688 Einwohner`` (or the Hare quota, or why there is none)."""
    from kimopt.numbers import fmt_number

    unit = (
        t(lang, "Einwohner", "inhabitants")
        if set(allocation.round.key) == {"population"}
        else t(lang, "Schlüsseleinwohner", "key inhabitants")
    )
    if allocation.hare_lambda is not None:
        quota = 1 / (allocation.hare_lambda * allocation.step)
        return t(
            lang,
            f"Quote: 1 VZÄ je {fmt_number(quota, 1, lang)} {unit}",
            f"quota: 1 VZÄ per {fmt_number(quota, 1, lang)} {unit}",
        )
    bounds_ = allocation.divisor_vzae()
    if bounds_ is None:
        return t(
            lang,
            "kein Divisor (jedes Gebiet mit Gewicht braucht einen ersten Schritt)",
            "no divisor (every territory with weight needs a first step)",
        )
    low, high = bounds_
    assert low is not None
    squared = allocation.interval is not None and allocation.interval.squared

    def show(x: Fraction) -> str:
        if squared:
            return fmt_number(Fraction(decimal_root(x)), 1, lang)
        return fmt_number(x, 1, lang)

    high_text = "∞" if high is None else show(high)
    text = t(lang, f"1 VZÄ je {show(low)} bis {high_text} {unit}", f"1 VZÄ per {show(low)} to {high_text} {unit}")
    nice = allocation.nice_divisor()
    if nice is not None and high != low:
        text += t(lang, f" (z. B. {exact_text(nice, lang)})", f" (e.g. {exact_text(nice, lang)})")
    return text
