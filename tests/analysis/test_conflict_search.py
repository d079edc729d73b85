"""The conflict search of explain (:func:`kimopt.analysis.explain.core.minimal_conflict`): the
deletion filter's conflict in canonical order, found by QuickXplain with fewer checks.

Oracles here are set systems: a set of rules is infeasible exactly when it contains one of a
few blocking sets — monotone, as relaxing rules only ever helps a plan.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from kimopt.analysis.explain.core import blocking_conflicts, minimal_conflict


class _Blocks:
    """An oracle whose infeasible sets are the supersets of ``blocking``; it counts its checks."""

    def __init__(self, rules: list[Any], blocking: list[frozenset[Any]]) -> None:
        self.rules, self.blocking, self.checks = rules, blocking, 0

    def feasible(self, active: Any) -> bool:
        self.checks += 1
        chosen = set(active)
        return not any(block <= chosen for block in self.blocking)


def _deletion_filter(oracle: _Blocks, universe: list[Any]) -> list[Any] | None:
    """The plain deletion filter, one check per rule: what the conflict must be."""
    if oracle.feasible(universe):
        return None
    kept: list[Any] = []
    candidates = list(universe)
    while candidates:
        rule, candidates = candidates[0], candidates[1:]
        if oracle.feasible(kept + candidates):
            kept.append(rule)
    return kept


def _oracle(seed: int, n: int) -> _Blocks:
    rng = random.Random(seed)
    rules = [("budget_kommune", f"K{i:02d}") for i in range(n)]
    blocking = [frozenset(rng.sample(rules, rng.randint(1, min(5, n)))) for _ in range(rng.randint(1, 4))]
    return _Blocks(rules, blocking)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 12, 60])
def test_the_conflict_is_the_deletion_filters(n: int) -> None:
    for seed in range(300):
        oracle = _oracle(seed, n)
        assert minimal_conflict(oracle) == _deletion_filter(oracle, oracle.rules)  # type: ignore[arg-type]


def test_among_keeps_the_other_rules_off_and_the_canonical_order() -> None:
    for seed in range(300):
        oracle = _oracle(seed, 20)
        among = oracle.rules[5:]
        assert minimal_conflict(oracle, among) == _deletion_filter(oracle, among)  # type: ignore[arg-type]


def test_a_wish_impossible_alone_is_the_empty_conflict() -> None:
    oracle = _Blocks(["a", "b", "c"], [frozenset()])
    assert minimal_conflict(oracle) == []  # type: ignore[arg-type]


def test_a_small_conflict_among_many_rules_takes_far_fewer_checks_than_one_per_rule() -> None:
    rules = list(range(60))
    oracle = _Blocks(rules, [frozenset({7, 41, 52})])
    assert minimal_conflict(oracle) == [7, 41, 52]  # type: ignore[arg-type]
    assert oracle.checks < 30  # the deletion filter takes 61


def test_blocking_conflicts_leave_out_each_group_found_until_the_rest_is_feasible() -> None:
    oracle = _Blocks(list(range(10)), [frozenset({1, 4}), frozenset({2, 8}), frozenset({4, 8}), frozenset({0, 9})])
    # [4, 8] first (the filter keeps the latest rules); without 4 and 8 the rest still holds {0, 9}
    assert blocking_conflicts(oracle) == [[4, 8], [0, 9]]  # type: ignore[arg-type]
