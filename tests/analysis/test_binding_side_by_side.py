"""The binding-rule search on both cores: halves side by side give the answer of one thread.

A level's search over many rules halves them; from :data:`SIDE_BY_SIDE_FROM` rules on, the two
halves run side by side (the second on a twin of the model), each with the work left and what
was known at the halving. The answer must be the same as the halves one after the other,
equal to switching every rule off on its own, also when the work runs out; a failing first half
stops the second.
"""

from __future__ import annotations

import random
import sys
import threading
from pathlib import Path

import pytest

from kimopt.analysis.explain import binding
from kimopt.analysis.explain.binding import binding_json, binding_rules
from kimopt.analysis.explain.core import Scenario
from kimopt.pipeline import plan_instance
from tests.analysis.test_binding_grouped import per_rule
from tests.analysis.test_binding_groups import drawn_kommunen
from tests.conftest import instance, model, tiny

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def drawn(seed: int) -> dict:
    """Ten Kommunen, three Träger with overlapping areas, tight budgets (seeded): over 16 rules."""
    rng = random.Random(seed)
    names = [f"Gemeinde {i:02d}" for i in range(10)]
    kommunen = drawn_kommunen(rng, names, 0.8)
    traeger = [
        {"name": f"Träger {t}", "max_vzae": 1.0, "serves": names[start : start + 5], "cost_per_vzae": 71400}
        for t, start in (("A", 0), ("B", 3), ("C", 5))
    ]
    kreis = {"name": "Kreis Mittel", "cost_per_vzae": 71400, "budget": 1640 * rng.randint(4, 16)}
    data = tiny(kommunen=kommunen, traeger=traeger, kreis=kreis)
    data["funding"]["positions_vzae"] = 4
    return data


def solved(data: dict):  # type: ignore[no-untyped-def]
    settings_ = model(workers=1)
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    return Scenario(instance(data), settings_), outcome.plan


@pytest.fixture
def twins(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the halvings searched side by side."""
    calls: list[int] = []
    original = binding._Probe.side_by_side

    def counted(self, first, second):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self, first, second)

    monkeypatch.setattr(binding._Probe, "side_by_side", counted)
    return calls


@pytest.mark.parametrize("seed", [1, 4, 7])
def test_side_by_side_equals_one_thread_and_one_rule_at_a_time(seed: int, twins: list[int]) -> None:
    scenario, plan = solved(drawn(seed))
    assert len(scenario.build(switchable=True).switches.literals) >= binding.SIDE_BY_SIDE_FROM
    both = binding_rules(scenario, plan, parallel=True)
    assert twins, "no level was halved side by side: the test would not test it"
    one = binding_rules(scenario, plan, parallel=False)
    assert binding_json(both) == binding_json(one)
    assert both.complete
    assert {(b.rule, b.level) for b in both} == per_rule(scenario, plan)


def test_same_answer_when_the_work_runs_out(monkeypatch: pytest.MonkeyPatch, twins: list[int]) -> None:
    import tangled

    data = tangled.verflochten()
    settings_ = model(workers=1)
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    scenario = Scenario(instance(data), settings_)
    monkeypatch.setattr(binding, "WORK_TOTAL", 0.05)
    answers = [binding_json(binding_rules(scenario, outcome.plan, parallel=p)) for p in (True, False, True)]
    assert twins
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["binding_rules_unchecked"], "the work limit should leave rules unchecked here"


def test_a_failing_first_half_stops_the_second(twins: list[int]) -> None:
    scenario, plan = solved(drawn(4))

    class Stop(Exception):
        pass

    levels: list[str] = []

    def progress(level: str) -> None:
        levels.append(level)
        if len(levels) == 3:  # after the halved levels have run side by side
            raise Stop

    with pytest.raises(Stop):
        binding_rules(scenario, plan, progress=progress, parallel=True)
    assert twins
    assert not [t for t in threading.enumerate() if t.name == "binding-twin"]
