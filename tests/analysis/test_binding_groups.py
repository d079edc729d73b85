"""The grouped binding-rule search (groups, witnesses, halving) equals one rule at a time.

Small Kreise drawn with fixed seeds (budgets, overlapping Träger areas, sharing partners); the
reference switches every rule instance off on its own, level by level. The answer is the same
on every run, and complete on the generated tangled Kreis of the benchmarks.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from kimopt.analysis.explain.binding import binding_rules
from kimopt.analysis.explain.core import Scenario
from kimopt.pipeline import plan_instance
from tests.analysis.test_binding_grouped import per_rule
from tests.conftest import instance, model, tiny

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def drawn_kommunen(rng: random.Random, names: list[str], budgeted: float) -> list[dict]:
    """Kommunen with drawn populations, tight budgets (share ``budgeted``), some hosting with a partner."""
    kommunen = []
    for i, name in enumerate(names):
        kommune: dict = {"name": name, "population": rng.randint(2000, 60000)}
        if rng.random() < budgeted:
            kommune["budget"] = 1640 * rng.randint(0, 3)
        if rng.random() < 0.5:
            kommune["max_vzae"] = rng.choice([0.5, 1.0])
            if i + 1 < len(names):
                kommune["share_with"] = [names[i + 1]]
        kommunen.append(kommune)
    return kommunen


def drawn(seed: int) -> dict:
    """Five Kommunen, two Träger with overlapping areas, tight budgets (seeded)."""
    rng = random.Random(seed)
    names = ["Adorf", "Bedorf", "Cedorf", "Dedorf", "Eedorf"]
    kommunen = drawn_kommunen(rng, names, 0.7)
    traeger = [
        {"name": "Träger A", "max_vzae": 1.0, "serves": names[:3], "cost_per_vzae": 71400},
        {"name": "Träger B", "max_vzae": 0.5, "serves": names[2:], "cost_per_vzae": 71400, "deficit_coverage": True},
    ]
    kreis = {"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 1640 * rng.randint(2, 12)}
    return tiny(kommunen=kommunen, traeger=traeger, kreis=kreis)


def report_of(data: dict):  # type: ignore[no-untyped-def]
    settings_ = model(workers=1)
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    scenario = Scenario(instance(data), settings_)
    return scenario, outcome.plan, binding_rules(scenario, outcome.plan)


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8])
def test_grouped_equals_one_rule_at_a_time(seed: int) -> None:
    scenario, plan, report = report_of(drawn(seed))
    assert report.complete
    assert {(b.rule, b.level) for b in report} == per_rule(scenario, plan)


def test_grouped_search_is_deterministic() -> None:
    data = drawn(3)
    first, second = report_of(data)[2], report_of(data)[2]
    assert first.bindings == second.bindings
    assert first.unchecked == second.unchecked


def test_complete_on_the_tangled_kreis() -> None:
    import tangled

    data = tangled.verflochten()
    settings_ = model()
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    report = binding_rules(Scenario(instance(data), settings_), outcome.plan)
    assert report.complete
    assert len(report) >= 10  # the tight budgets bind: a search that finds nothing is no answer
