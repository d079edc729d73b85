"""Budget thresholds by the least payment of a plan before the base plan, against bisection by re-solves."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from kimopt.analysis.sensitivity import before, budgets
from kimopt.analysis.sensitivity.base import optimal_base
from kimopt.analysis.sensitivity.budgets import BudgetThreshold, budget_thresholds
from tests.conftest import instance, model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from tangled import tangled


@pytest.fixture(autouse=True)
def in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The payers one after the other in the test's process, so that the patches below reach them."""
    monkeypatch.setattr(budgets, "each_in_parallel", lambda task, jobs, labels, progress: [task(*j) for j in jobs])


def small_tangled(seed: int) -> dict[str, Any]:
    """12 Kommunen, 3 Träger with overlapping areas, most budgets tight; every other seed a Kreis budget."""
    return tangled(f"klein-{seed}", 12, 3, (3, 6), 0.8, 0.5 if seed % 2 else None, seed=seed)


def answers(found: list[BudgetThreshold]) -> list[tuple[Any, ...]]:
    return [(b.payer, b.increase, b.verified, b.eigenanteil_after, b.changes) for b in found]


def by_bisection(monkeypatch: pytest.MonkeyPatch, data: dict[str, Any]) -> list[BudgetThreshold]:
    with monkeypatch.context() as patch:
        patch.setattr(budgets, "_least_budget", lambda *args: None)
        return budget_thresholds(instance(data), model(workers=1))


@pytest.mark.parametrize("seed", [1, 2, 6, 13])
def test_the_least_payment_finds_the_thresholds_bisection_finds(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    data = small_tangled(seed)
    proofs: list[Any] = []
    decide = budgets._least_budget
    monkeypatch.setattr(budgets, "_least_budget", lambda *args: proofs.append(decide(*args)) or proofs[-1])
    found = budget_thresholds(instance(data), model(workers=1))
    monkeypatch.setattr(budgets, "_least_budget", decide)
    assert proofs and all(proof is not None for proof in proofs), "every threshold proven, none re-solved"
    assert any(b.increase is not None for b in found), "some budget must change the plan"
    assert answers(found) == answers(by_bisection(monkeypatch, data))


def test_a_least_payment_cut_short_leaves_the_threshold_to_re_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    data = small_tangled(3)
    expected = answers(budget_thresholds(instance(data), model(workers=1)))
    monkeypatch.setattr(before, "WORK_LEVEL", 1e-6)
    assert budgets._least_budget(*_first_payer(data)) is None
    assert answers(budget_thresholds(instance(data), model(workers=1))) == expected


def _first_payer(data: dict[str, Any]) -> tuple[Any, ...]:
    inst, settings = instance(data), model(workers=1)
    base = optimal_base(inst, settings, None)
    assert base.plan is not None
    payer = next(
        i
        for i, k in enumerate(inst.kommunen)
        if k.budget is not None and budgets._levels(base.plan.problem, i, k.budget, Fraction(0))
    )
    budget = inst.kommunen[payer].budget
    return (
        inst,
        settings,
        base,
        payer,
        budget,
        Fraction(0),
        budgets._levels(base.plan.problem, payer, budget, Fraction(0)),
    )
