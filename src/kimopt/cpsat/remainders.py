"""The proportionality optimum without host rules: largest remainders, a bound and a shortcut.

With ``N`` units to share and targets ``e_i = N·w_i/W``, the least ``Σ_i |c_i − e_i|`` over
whole ``c_i ≥ 0`` with ``Σ c_i = N`` gives every Kommune ``⌊e_i⌋`` and one more unit to the
``R = N − Σ⌊e_i⌋`` Kommunen with the largest remainders (Hare–Niemeyer). Scaled by ``W``:

.. math:: LB = \\sum_i r_i + \\sum_{i \\in top_R} (W - 2 r_i),\\qquad r_i = N w_i - \\lfloor e_i \\rfloor W

Every plan's deviation is at least ``LB`` — a valid cut for the ``proportionality`` level. If a
plan reaches it, the optimal coverages are exactly: ``⌊e_i⌋ + 1`` for remainders above the
``R``-th largest, ``⌊e_i⌋`` below it, and any choice among the remainders equal to it (a unit
elsewhere costs at least ``W`` more, since ``R`` is below the number of positive remainders).
"""

from __future__ import annotations

from dataclasses import dataclass

from kimopt.problem import Problem


@dataclass(frozen=True)
class RemainderOptimum:
    """The least scaled deviation ``lb`` and the coverages (in units) that reach it."""

    lb: int
    floor: tuple[int, ...]
    up: frozenset[int]  # Kommunen that get ⌊e_i⌋ + 1 in every optimum
    tied: tuple[int, ...]  # Kommunen whose remainder equals the R-th largest …
    tied_up: int  # … of which exactly this many get ⌊e_i⌋ + 1

    def admits(self, coverage: list[int]) -> bool:
        """Whether these coverages (units, per Kommune) are among the optima: ``⌊e_i⌋ + 1`` for the
        Kommunen in ``up``, ``⌊e_i⌋`` for the others, and among the tied exactly ``tied_up`` ones more."""
        tied = set(self.tied)
        for k, (c, f) in enumerate(zip(coverage, self.floor, strict=True)):
            if (k in tied and not f <= c <= f + 1) or (k not in tied and c != f + (k in self.up)):
                return False
        return sum(coverage[k] - self.floor[k] for k in tied) == self.tied_up


def remainder_optimum(problem: Problem, used: int) -> RemainderOptimum:
    """Largest-remainder coverages for ``used`` units and their deviation ``LB`` (scaled by W)."""
    total = problem.total_weight
    floor, rest = zip(*(divmod(used * w, total) for w in problem.weights), strict=True)
    extra = used - sum(floor)
    ranked = sorted(range(len(rest)), key=lambda i: -rest[i])
    lb = sum(rest) + sum(total - 2 * rest[i] for i in ranked[:extra])
    if extra == 0:
        return RemainderOptimum(lb, floor, frozenset(), (), 0)
    threshold = rest[ranked[extra - 1]]
    up = frozenset(i for i in ranked if rest[i] > threshold)
    tied = tuple(i for i in problem.kommune_order if rest[i] == threshold)
    return RemainderOptimum(lb, floor, up, tied, extra - len(up))


def kreis_fills_in(problem: Problem, units: list[int], optimum: RemainderOptimum) -> list[int] | None:
    """Keep every other host's links and let the Kreis serve the rest of the optimal coverages.

    The Kreis's total does not change (so do neither its share nor its budget); returns
    ``None`` when another host already gives some Kommune more than its optimal coverage.
    """
    others = [0] * len(problem.instance.kommunen)
    for li, link in enumerate(problem.links):
        if link.host != problem.kreis:
            others[link.kommune] += units[li]
    coverage = list(optimum.floor)
    for i in optimum.up:
        coverage[i] += 1
    # among tied Kommunen, first those whose other hosts already need the extra unit
    tied = sorted(optimum.tied, key=lambda i: others[i] <= optimum.floor[i])
    for i in tied[: optimum.tied_up]:
        coverage[i] += 1
    if any(o > c for o, c in zip(others, coverage, strict=True)):
        return None
    filled = list(units)
    for li, link in enumerate(problem.links):
        if link.host == problem.kreis:
            filled[li] = coverage[link.kommune] - others[link.kommune]
    return filled
