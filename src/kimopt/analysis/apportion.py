"""Classical apportionment methods as baselines, exact and without a solver.

The methods divide a house of ``h`` seats (here: the fundable VZÄ in units of a step) among
parties (here: Kommunen) in proportion to their weights ``w_i`` (the model's key; by default
the population). All arithmetic is exact (:class:`~fractions.Fraction`).

Divisor methods (highest averages) give the next seat to the party with the largest
priority ``w_i / s(a_i)``, where ``a_i`` are its seats so far and ``s`` the signpost:

=================  ===============================  ==========================
method             signpost ``s(a)``                also known as
=================  ===============================  ==========================
``dhondt``         ``a + 1``                        Jefferson, greatest divisors
``sainte-lague``   ``a + 1/2``                      Webster, major fractions
``huntington-hill`` ``√(a(a+1))`` (geometric mean)   equal proportions
``dean``           ``2a(a+1)/(2a+1)`` (harmonic)     harmonic mean
``adams``          ``a``                            smallest divisors
=================  ===============================  ==========================

Huntington–Hill's priorities are compared as squares, ``w²/(a(a+1))``, so no square root
is ever taken. A signpost of 0 (Adams, Dean and Huntington–Hill at ``a = 0``) makes the
priority infinite: every party with positive weight gets a first seat before any party a
second one. When the house is too small for that, the first seats go by weight (largest
first) — the limit of ``w/s`` as ``s → 0``; equal weights there are a tie like any other.

``hare-niemeyer`` (Hamilton, largest remainders) gives every party the whole part of its
quota ``q_i = h·w_i/W`` and the remaining seats to the largest fractional parts.

Bounds. A party may have a minimum ``l_i`` and a maximum ``u_i`` (``None``: no maximum):

* divisor methods: the *bounded divisor method* — ``a_i = clamp(round_s(w_i/d), l_i, u_i)``
  with one divisor ``d`` for all. It is computed by starting every party at ``l_i`` and
  handing out the remaining seats by priority among the parties below their maximum.
* Hare–Niemeyer: the *bounded largest-remainder method* — the bounded quota
  ``q_i = clamp(λ·w_i, l_i, u_i)`` with ``λ`` chosen so that the quotas sum to ``h``
  (unbounded: ``λ = h/W``); then whole parts plus largest remainders as usual. A party held
  at a bound has a whole quota and keeps exactly its bound.

Ties. When several parties have exactly the same claim on the last seat(s) — equal
priorities (divisor methods) or equal remainders (Hare–Niemeyer) — and there are fewer such
seats than parties, the method does not decide. The result then holds the seats that are
certain, and :class:`Tie` names the tied parties and how many seats they compete for. No tie
is ever broken silently.

Quota rule: ``⌊q_i⌋ ≤ a_i ≤ ⌈q_i⌉`` with the exact (unbounded) quota ``q_i = h·w_i/W``.
Hare–Niemeyer satisfies it without bounds; divisor methods may violate it. Violations are
information about the method, not errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kimopt.data import Instance, PlanningModel
from kimopt.numbers import decimal_vzae, fraction_text
from kimopt.problem import key_weights

MAX_SEATS = 10_000
"""Steps ``positions / step`` one apportionment may share out (a Kreis has 11 VZÄ in 0.1 steps: 110)."""


class ApportionError(ValueError):
    """The seats cannot be apportioned as asked (bounds that cannot hold, a step that misfits)."""

    def __init__(self, de: str, en: str) -> None:
        super().__init__(en)
        self.de, self.en = de, en

    def text(self, lang: str = "de") -> str:
        """The message in German or English."""
        return self.de if lang == "de" else self.en


Signpost = Callable[[int], Fraction]


@dataclass(frozen=True)
class Method:
    """An apportionment method: name, label and, for divisor methods, the signpost."""

    name: str
    label: str
    signpost: Signpost | None  # None: largest remainders (Hare–Niemeyer)
    squared: bool = False  # Huntington–Hill: signpost √(a(a+1)), priorities compared as squares


METHODS: dict[str, Method] = {
    "hare-niemeyer": Method("hare-niemeyer", "Hare–Niemeyer", None),
    "dhondt": Method("dhondt", "D'Hondt", lambda a: Fraction(a + 1)),
    "sainte-lague": Method("sainte-lague", "Sainte-Laguë", lambda a: a + Fraction(1, 2)),
    # the signpost squared, a(a+1): only products of squares are compared
    "huntington-hill": Method("huntington-hill", "Huntington–Hill", lambda a: Fraction(a * (a + 1)), True),
    "adams": Method("adams", "Adams", lambda a: Fraction(a)),
    "dean": Method("dean", "Dean", lambda a: Fraction(2 * a * (a + 1), 2 * a + 1)),
}


@dataclass(frozen=True)
class Tie:
    """Parties with exactly equal claims competing for fewer seats than there are parties."""

    parties: tuple[int, ...]
    seats: int


@dataclass(frozen=True)
class Apportionment:
    """Seats per party; with a tie, only the certain seats (the tied seats are in ``tie``)."""

    method: str
    house: int
    weights: tuple[Fraction, ...]
    seats: tuple[int, ...]
    tie: Tie | None
    lower: tuple[int, ...]
    upper: tuple[int | None, ...]
    bounded_quotas: tuple[Fraction, ...] | None = None  # Hare–Niemeyer only

    @property
    def determined(self) -> bool:
        """Every seat is placed (no tie)."""
        return self.tie is None

    @property
    def quotas(self) -> tuple[Fraction, ...]:
        """The exact quota ``h·w_i/W`` of every party (in seats)."""
        total = sum(self.weights, Fraction(0))
        return tuple(self.house * w / total for w in self.weights)

    def quota_violations(self) -> list[int]:
        """Parties outside ``[⌊q_i⌋, ⌈q_i⌉]``; a tied party only if both outcomes are outside."""
        tied = set(self.tie.parties) if self.tie else set()
        out = []
        for i, (a, q) in enumerate(zip(self.seats, self.quotas, strict=True)):
            most = a + 1 if i in tied else a
            if a > math.ceil(q) or most < math.floor(q):
                out.append(i)
        return out


def apportion(
    weights: Sequence[int | Fraction],
    house: int,
    method: str,
    lower: Sequence[int] | None = None,
    upper: Sequence[int | None] | None = None,
) -> Apportionment:
    """Apportion ``house`` seats by ``method`` within the bounds (see the module docstring).

    Raises
    ------
    ApportionError
        Unknown method, negative weights or house, all weights zero, or bounds that cannot hold
        (``Σ l_i > h``, ``l_i > u_i``, or the maxima leave seats nobody may take).
    """
    if method not in METHODS:
        raise ApportionError(
            f"unbekanntes Verfahren {method}; erlaubt: {', '.join(METHODS)}",
            f"unknown method {method}; allowed: {', '.join(METHODS)}",
        )
    w = tuple(Fraction(x) for x in weights)
    n = len(w)
    low = tuple(lower) if lower is not None else (0,) * n
    high = tuple(upper) if upper is not None else (None,) * n
    _check(w, house, low, high)
    chosen = METHODS[method]
    if chosen.signpost is None:
        return _largest_remainders(w, house, low, high)
    return _highest_averages(chosen, w, house, low, high)


def _check(w: tuple[Fraction, ...], house: int, low: tuple[int, ...], high: tuple[int | None, ...]) -> None:
    if not len(w) == len(low) == len(high):
        raise ValueError("weights, lower and upper differ in length")
    if house < 0 or any(x < 0 for x in w) or sum(w) == 0:
        raise ApportionError(
            "Gewichte und Sitzzahl müssen ≥ 0 sein, mindestens ein Gewicht > 0",
            "weights and house size must be ≥ 0, at least one weight > 0",
        )
    if any(u is not None and u < m for m, u in zip(low, high, strict=True)) or sum(low) > house:
        raise ApportionError(
            f"die Mindestwerte ({sum(low)} Einheiten) passen nicht in {house} Einheiten",
            f"the minima ({sum(low)} units) do not fit into {house} units",
        )
    # a party with weight 0 never claims more than its minimum
    room = sum((m if x == 0 else (u if u is not None else house)) for x, m, u in zip(w, low, high, strict=True))
    if room < house:
        raise ApportionError(
            f"die Höchstwerte lassen nur {room} von {house} Einheiten zu",
            f"the maxima allow only {room} of {house} units",
        )


def _priority(method: Method, weight: Fraction, seats: int) -> tuple[int, Fraction]:
    """A comparable claim on the next seat: (tier, value); tier 2 is an infinite priority."""
    assert method.signpost is not None
    if weight == 0:
        return (0, Fraction(0))
    post = method.signpost(seats)
    if post == 0:
        return (2, weight)
    return (1, weight * weight / post if method.squared else weight / post)


def _award(seats: list[int], front: tuple[int, ...], left: int) -> Tie | None:
    """Give one more seat to every party of ``front`` (equal claims), or report the tie when
    fewer seats are left than the front has parties — never choose among them silently."""
    if len(front) > left:
        return Tie(front, left)
    for i in front:
        seats[i] += 1
    return None


def _highest_averages(
    method: Method, w: tuple[Fraction, ...], house: int, low: tuple[int, ...], high: tuple[int | None, ...]
) -> Apportionment:
    seats = list(low)
    left = house - sum(seats)
    tie = None
    while left > 0:
        open_ = [i for i in range(len(w)) if high[i] is None or seats[i] < high[i]]  # type: ignore[operator]
        claims = {i: _priority(method, w[i], seats[i]) for i in open_}
        best = max(claims.values())
        front = tuple(i for i in open_ if claims[i] == best)
        tie = _award(seats, front, left)
        if tie is not None:
            break
        left -= len(front)
    return Apportionment(method.name, house, w, tuple(seats), tie, low, high)


def bounded_quotas(
    w: Sequence[Fraction], house: int, low: Sequence[int], high: Sequence[int | None]
) -> tuple[Fraction, ...]:
    """``q_i = clamp(λ·w_i, l_i, u_i)`` with ``Σ q_i = h`` (exact; ``λ = h/W`` without bounds).

    ``Σ q_i`` is piecewise linear and non-decreasing in ``λ`` with breakpoints ``l_i/w_i`` and
    ``u_i/w_i``; the segment that reaches ``h`` is found and solved exactly.
    """

    def quotas(lam: Fraction) -> list[Fraction]:
        out = []
        for x, m, u in zip(w, low, high, strict=True):
            q = max(Fraction(m), lam * x)
            out.append(q if u is None else min(q, Fraction(u)))
        return out

    points = sorted(
        {Fraction(0)}
        | {Fraction(b) / x for x, m, u in zip(w, low, high, strict=True) if x > 0 for b in (m, u) if b is not None}
    )
    start = Fraction(0)
    for point in points:
        if sum(quotas(point)) >= house:
            break
        start = point
    # on [start, next point] every party is either held at a bound or free (q = λ·w)
    base = quotas(start)
    free = [
        i
        for i, (x, q, h) in enumerate(zip(w, base, high, strict=True))
        if x > 0 and q == start * x and (h is None or q < h)
    ]
    slope = sum((w[i] for i in free), Fraction(0))
    if slope == 0:
        return tuple(base)
    lam = start + (house - sum(base)) / slope
    return tuple(quotas(lam))


def _largest_remainders(
    w: tuple[Fraction, ...], house: int, low: tuple[int, ...], high: tuple[int | None, ...]
) -> Apportionment:
    quota = bounded_quotas(w, house, low, high)
    seats = [math.floor(q) for q in quota]
    left = house - sum(seats)
    rest = [q - s for q, s in zip(quota, seats, strict=True)]
    tie = None
    for value in sorted(set(rest), reverse=True):
        if left == 0:
            break
        front = tuple(i for i, r in enumerate(rest) if r == value)
        tie = _award(seats, front, left)
        if tie is not None:
            break
        left -= len(front)
    return Apportionment("hare-niemeyer", house, w, tuple(seats), tie, low, high, quota)


# --- the Kreis: fundable VZÄ among the Kommunen ---------------------------------------------


@dataclass(frozen=True)
class KreisApportionment:
    """An apportionment of a Kreis's VZÄ among its Kommunen, in steps of ``step`` VZÄ."""

    instance: Instance
    result: Apportionment
    step: Fraction
    positions: Fraction
    bounds: bool
    key: dict[str, Fraction]

    @property
    def method(self) -> str:
        return self.result.method

    @property
    def label(self) -> str:
        return METHODS[self.method].label

    @property
    def vzae(self) -> list[Fraction]:
        """Certain VZÄ per Kommune (with a tie: without the tied seats)."""
        return [a * self.step for a in self.result.seats]

    @property
    def quota_vzae(self) -> list[Fraction]:
        """Exact quota in VZÄ: ``positions × w_i / W``."""
        return [q * self.step for q in self.result.quotas]

    @property
    def tied(self) -> list[str]:
        """Names of the tied Kommunen (empty when every seat is placed)."""
        tie = self.result.tie
        return [self.instance.kommunen[i].name for i in tie.parties] if tie else []

    def differences(self, coverage: Sequence[Fraction]) -> list[Fraction]:
        """``coverage_i − vzae_i`` per Kommune, e.g. an optimal plan against this baseline."""
        return [c - v for c, v in zip(coverage, self.vzae, strict=True)]

    def to_json(self) -> dict[str, Any]:
        """``method``, ``step``, ``kommunen`` (name, vzae …), ``ties``, ``quota_rule_violations``.

        With a tie, ``vzae`` holds the certain VZÄ; each entry of ``ties`` names the Kommunen
        that compete for ``seats`` further steps (``vzae`` in total) with exactly equal claims.
        """
        r = self.result
        tie = r.tie
        violations = set(r.quota_violations())
        rows = []
        for i, kommune in enumerate(self.instance.kommunen):
            quota = self.quota_vzae[i]
            row: dict[str, Any] = {
                "name": kommune.name,
                "ags": kommune.ags,
                "population": kommune.population,
                "weight": fraction_text(r.weights[i]),
                "quota": decimal_vzae(quota),
                "quota_exact": fraction_text(quota),
                "vzae": decimal_vzae(self.vzae[i]),
                "seats": r.seats[i],
                "min_vzae": decimal_vzae(r.lower[i] * self.step),
                "max_vzae": None if r.upper[i] is None else decimal_vzae(r.upper[i] * self.step),  # type: ignore[operator]
                "tied": bool(tie and i in tie.parties),
                "quota_rule": i not in violations,
            }
            if r.bounded_quotas is not None and self.bounds:
                row["bounded_quota"] = decimal_vzae(r.bounded_quotas[i] * self.step)
            rows.append(row)
        return {
            "instance": self.instance.name,
            "method": self.method,
            "method_label": self.label,
            "step": decimal_vzae(self.step),
            "positions_vzae": decimal_vzae(self.positions),
            "seats": r.house,
            "key": {k: fraction_text(v) for k, v in self.key.items()},
            "bounds": self.bounds,
            "determined": r.determined,
            "kommunen": rows,
            "ties": []
            if tie is None
            else [{"kommunen": self.tied, "seats": tie.seats, "vzae": decimal_vzae(tie.seats * self.step)}],
            "quota_rule_violations": [
                {
                    "name": self.instance.kommunen[i].name,
                    "vzae": decimal_vzae(self.vzae[i]),
                    "quota": decimal_vzae(self.quota_vzae[i]),
                    "lower": decimal_vzae(math.floor(r.quotas[i]) * self.step),
                    "upper": decimal_vzae(math.ceil(r.quotas[i]) * self.step),
                    "at_bound": _at_bound(r, i),
                }
                for i in sorted(violations)
            ],
        }


def _at_bound(r: Apportionment, i: int) -> str | None:
    """``"min"``/``"max"`` when party ``i`` is held at a bound the quota lies beyond."""
    quota = r.quotas[i]
    if r.seats[i] == r.lower[i] and quota < r.lower[i]:
        return "min"
    upper = r.upper[i]
    if upper is not None and r.seats[i] == upper and quota > upper:
        return "max"
    return None


def kommune_bounds(
    instance: Instance, model: PlanningModel, step: Fraction, bounds: bool
) -> tuple[list[int], list[int | None]]:
    """Minimum and maximum steps per Kommune.

    Minimum: the Kommune's ``existing_vzae`` (filled positions stay) when the model keeps
    existing positions, rounded *up* to whole steps. Maximum (only with ``bounds``): its
    ``max_vzae`` where it is positive, rounded *down* to whole steps. ``max_vzae: 0`` means
    "employs nobody itself", not "receives nothing": in kimopt the Kreis serves every Kommune,
    so ``max_vzae`` limits only what a Kommune employs — hence the bounds are off by default.
    """
    low = [math.ceil(k.existing_vzae / step) if model.keep_existing else 0 for k in instance.kommunen]
    high: list[int | None] = [
        math.floor(k.max_vzae / step) if bounds and k.max_vzae > 0 else None for k in instance.kommunen
    ]
    return low, high


def apportion_instance(
    instance: Instance,
    model: PlanningModel,
    method: str,
    step: Fraction | None = None,
    bounds: bool = False,
    positions: Fraction | None = None,
) -> KreisApportionment:
    """Apportion ``positions`` (default: the fundable VZÄ) among the Kommunen by ``method``.

    ``step`` defaults to the model's ``host_step_vzae``; the weights are the model's key
    (:func:`kimopt.problem.key_weights`). To compare with a plan's coverage, which comes in
    granularity units, pass ``positions=plan.used`` and ``step=model.granularity_vzae``.

    Raises
    ------
    ApportionError
        If ``positions`` is not a whole multiple of ``step`` or the bounds cannot hold.
    """
    step = model.host_step_vzae if step is None else Fraction(step)
    positions = instance.funding.positions_vzae if positions is None else Fraction(positions)
    if step <= 0 or positions % step:
        amount, unit = fraction_text(positions), fraction_text(step)
        raise ApportionError(
            f"{amount} VZÄ sind kein Vielfaches der Schrittweite {unit} VZÄ",
            f"{amount} VZÄ is not a multiple of the step {unit} VZÄ",
        )
    if positions / step > MAX_SEATS:  # divisor methods award seat by seat: 10^10 of them would not end
        raise ApportionError(
            f"{fraction_text(positions / step)} Schritte sind zu viele (höchstens {MAX_SEATS}); "
            "eine größere Schrittweite wählen",
            f"{fraction_text(positions / step)} steps are too many (at most {MAX_SEATS}); choose a larger step",
        )
    low, high = kommune_bounds(instance, model, step, bounds)
    result = apportion(key_weights(instance, model), int(positions / step), method, low, high)
    return KreisApportionment(instance, result, step, positions, bounds, dict(model.key))


def baselines(
    instance: Instance,
    model: PlanningModel,
    methods: Sequence[str] = ("hare-niemeyer", "sainte-lague"),
    step: Fraction | None = None,
    positions: Fraction | None = None,
) -> dict[str, KreisApportionment]:
    """Several methods at once (by default the two a report sets against the optimal plan)."""
    return {m: apportion_instance(instance, model, m, step, positions=positions) for m in methods}
