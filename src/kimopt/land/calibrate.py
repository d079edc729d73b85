"""Which base and weights reproduce observed allocations best: an exact least-deviation fit.

The hypothesis "a base per territory plus a proportional part" says a territory gets
``ŷ_i = b + Σ_k r_k · z_ik``, where ``z_ik = x_ik / X_k`` is its share of key column ``k``
over all territories of the round, ``b ≥ 0`` the base (VZÄ) and ``r_k ≥ 0`` the VZÄ the Land
gives out by column ``k``. The weights are ``λ_k = r_k / Σ r``; the Land total the fit implies
is ``n·b + Σ r``. Observed figures come from different years, so the scale is fitted too.

The fit minimises the total deviation ``Σ_i |y_i − ŷ_i|`` over the observed territories,
exactly and without a solver: the objective is convex and piecewise linear in
``(b, r_1 … r_K)`` on the non-negative orthant, so a minimum lies at a vertex where ``K+1``
independent conditions hold, each either "territory ``i`` is met exactly" (``ŷ_i = y_i``) or
"a parameter is 0". :func:`calibrate` solves every such system of ``K+1`` equations in
fractions, keeps the feasible ones and returns the least deviation and every vertex that
attains it (more than one: the data do not decide between them — said, not hidden). The
work is ``C(m+K+1, K+1)`` small systems for ``m`` observations; beyond :data:`MAX_SYSTEMS`
the fit refuses with a clear message instead of running long.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

from kimopt.errors import Finding, InputError
from kimopt.land.key import TableFile
from kimopt.land.territories import Territory

MAX_SYSTEMS = 200_000


@dataclass(frozen=True)
class Fit:
    """One optimal parameter vector and what it gives for each observation."""

    base: Fraction
    parts: dict[str, Fraction]  # r_k: VZÄ by column k over the whole Land
    fitted: tuple[Fraction, ...]

    @property
    def proportional(self) -> Fraction:
        return sum(self.parts.values(), Fraction(0))

    @property
    def weights(self) -> dict[str, Fraction]:
        """``λ_k = r_k / Σ r`` (all zero when there is no proportional part)."""
        total = self.proportional
        return {k: (v / total if total else Fraction(0)) for k, v in self.parts.items()}


@dataclass(frozen=True)
class Calibration:
    """The least total deviation, every vertex attaining it, and the observations."""

    territories: tuple[Territory, ...]  # observed ones, in file order
    observed: tuple[Fraction, ...]
    deviation: Fraction
    fits: tuple[Fit, ...]  # first: the smallest base, then by parts (deterministic)
    systems: int
    n_territories: int

    @property
    def best(self) -> Fit:
        return self.fits[0]

    def implied_total(self, fit: Fit) -> Fraction:
        return self.n_territories * fit.base + fit.proportional


def observations(table: TableFile, found: list[Territory]) -> tuple[list[int], list[Fraction]]:
    """Indices of the observed territories and their VZÄ (the column ``vzae``/``VZÄ``)."""
    column = next((c for c in table.columns if c.lower() in ("vzae", "vzä", "beobachtet", "observed")), None)
    if column is None:
        raise table.error(None, None, "calibrate_column", value=", ".join(table.columns))
    index = {t.ags: i for i, t in enumerate(found)}
    chosen, values = [], []
    for ags in table.rows:
        if ags not in index:
            raise table.error(column, table.rows[ags][column].where, "calibrate_unknown", value=ags)
        chosen.append(index[ags])
        values.append(table.number(ags, column))
    if not chosen:
        raise InputError(table.path, [Finding((), "calibrate_empty", {})])
    return chosen, values


def _solve(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss–Jordan elimination in fractions; ``None`` for a singular system."""
    n = len(rhs)
    a = [[*row, b] for row, b in zip(matrix, rhs, strict=True)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if a[r][col] != 0), None)
        if pivot is None:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        lead = a[col][col]
        a[col] = [x / lead for x in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                factor = a[r][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[r][n] for r in range(n)]


def calibrate(
    found: list[Territory],
    columns: dict[str, list[Fraction]],
    chosen: list[int],
    observed: list[Fraction],
    source: TableFile | None = None,
) -> Calibration:
    """The exact least-deviation fit of ``b + Σ r_k z_ik`` to the observations (module doc)."""
    names = list(columns)
    shares = {k: [x / sum(v, Fraction(0)) for x in v] for k, v in columns.items()}
    rows = [[Fraction(1)] + [shares[k][i] for k in names] for i in chosen]  # ŷ_i = row · (b, r)
    size = len(names) + 1
    conditions: list[tuple[list[Fraction], Fraction]] = [(row, y) for row, y in zip(rows, observed, strict=True)]
    for p in range(size):  # parameter p = 0
        conditions.append(([Fraction(int(j == p)) for j in range(size)], Fraction(0)))
    systems = math.comb(len(conditions), size)
    if systems > MAX_SYSTEMS:
        finding = Finding((), "calibrate_too_many", {"value": systems, "limit": MAX_SYSTEMS})
        raise InputError(source.path if source else None, [finding])
    best: Fraction | None = None
    optimal: dict[tuple[Fraction, ...], Fraction] = {}
    for subset in itertools.combinations(conditions, size):
        solution = _solve([c[0] for c in subset], [c[1] for c in subset])
        if solution is None or any(x < 0 for x in solution):
            continue
        deviation = sum(
            (
                abs(y - sum((c * x for c, x in zip(row, solution, strict=True)), Fraction(0)))
                for row, y in zip(rows, observed, strict=True)
            ),
            Fraction(0),
        )
        if best is None or deviation < best:
            best, optimal = deviation, {tuple(solution): deviation}
        elif deviation == best:
            optimal[tuple(solution)] = deviation
    assert best is not None  # all parameters 0 is always a feasible vertex
    fits = []
    for vertex in sorted(optimal):
        fitted = tuple(sum((c * x for c, x in zip(row, vertex, strict=True)), Fraction(0)) for row in rows)
        fits.append(Fit(vertex[0], dict(zip(names, vertex[1:], strict=True)), fitted))
    return Calibration(tuple(found[i] for i in chosen), tuple(observed), best, tuple(fits), systems, len(found))
