"""Population probes on a tie of remainders decided by the later levels' order, against full re-solves."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from kimopt.analysis.sensitivity import populations
from kimopt.analysis.sensitivity.base import optimal_base
from kimopt.analysis.sensitivity.populations import PopulationThreshold, population_thresholds
from tests.conftest import instance, model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from tangled import tangled


@pytest.fixture(autouse=True)
def in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Kommunen one after the other in the test's process, so that the patches below reach them."""
    monkeypatch.setattr(populations, "each_in_parallel", lambda task, jobs, labels, progress: [task(*j) for j in jobs])


def answers(found: list[PopulationThreshold]) -> list[tuple[Any, ...]]:
    return [(p.kommune, p.coverage, p.increase, p.decrease) for p in found]


@pytest.mark.parametrize("seed", [5, 8, 10])
def test_ties_are_decided_as_full_re_solves_decide_them(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    data = tangled(f"klein-{seed}", 12, 3, (3, 6), 0.8, None, seed=seed)
    inst, settings = instance(data), model(workers=1)
    base = optimal_base(inst, settings, None)
    decide = populations.tie_coverage
    outcomes: list[str] = []

    def counted(*args: Any) -> Any:
        found = decide(*args)
        outcomes.append("open" if found is None else "kept" if found == base.coverage[args[3]] else "other")
        return found

    monkeypatch.setattr(populations, "tie_coverage", counted)
    found = population_thresholds(inst, settings, base=base)
    assert {"kept", "other"} <= set(outcomes), "the seed must tie both ways"
    assert sum(p.solves for p in found) == outcomes.count("open")
    monkeypatch.setattr(populations, "tie_coverage", lambda *args: None)
    resolved = population_thresholds(inst, settings, base=base)
    assert sum(p.solves for p in resolved) >= len(outcomes)
    assert answers(found) == answers(resolved)
