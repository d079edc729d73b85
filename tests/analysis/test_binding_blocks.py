"""Binding rules decided block by block give the whole model's answer, on generated Kreise.

The threshold of :data:`kimopt.blocks.MIN_KOMMUNEN` is lowered so that Kreise of 40 Kommunen
go by blocks: on them the whole-model search is complete, so the two answers must agree rule
for rule, value for value. The Kreise have Kommune hosts with partners, binding budgets and
overlapping Träger areas, so that budgets, host sizes, sharing and capacities bind inside
blocks at the later levels.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt import blocks
from kimopt.analysis.explain import binding_blocks
from kimopt.analysis.explain.binding import BindingReport, _Probe, binding_rules, check_levels
from kimopt.analysis.explain.binding_blocks import LaterLevels, _block_plan, later_levels
from kimopt.analysis.explain.core import Scenario
from kimopt.cli import app
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.lexicographic import block_model, lexicographic
from kimopt.pipeline import plan_instance
from kimopt.plan import Plan
from tests.conftest import instance, model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

LATER = ("partner_share", "own_cost", "stability", "fewer_hosts")


@pytest.fixture(autouse=True)
def small_kreise_by_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kreise of a few dozen Kommunen go by blocks (the default threshold is 300)."""
    monkeypatch.setattr(blocks, "MIN_KOMMUNEN", 20)


def generated(seed: int, n: int = 40, traeger: int = 5) -> dict[str, Any]:
    """A Kreis of ``n`` Kommunen drawn from ``seed``: a third are hosts (0.5–2 VZÄ, up to two
    partners among the next Kommunen, some with filled positions), half have budgets of 0–4 ×
    4,100 € (a new VZÄ costs a Kommune 16,400 €), ``traeger`` Träger serve overlapping
    stretches of 2–6 Kommunen with 0.5–3 VZÄ; 4 VZÄ per 100,000 inhabitants."""
    from tangled import overlapping_areas

    rng = random.Random(seed)
    names = [f"K{i:03d}" for i in range(n)]
    kommunen: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        kommune: dict[str, Any] = {"name": name, "population": rng.randint(3000, 60000)}
        if rng.random() < 0.35:
            later = names[i + 1 : i + 4]
            kommune["max_vzae"] = rng.choice([0.5, 1.0, 1.5, 2.0])
            kommune["share_with"] = rng.sample(later, min(len(later), rng.randint(0, 2)))
            if rng.random() < 0.3:
                kommune["existing_vzae"] = 0.5
        if rng.random() < 0.5:
            kommune["budget"] = 4100 * rng.randint(0, 4)
        kommunen.append(kommune)
    areas = overlapping_areas(rng, names, [f"T{t}" for t in range(traeger)], (2, 6), [0.5, 1.0, 1.5, 3.0], 0.5)
    population = sum(k["population"] for k in kommunen)
    return {
        "name": f"Kreis {seed}",
        "kreis": {"name": f"Kreis {seed}", "cost_per_vzae": 71400, "budget": None},
        "funding": {"year": 2022, "positions_vzae": round(population * 8 / 100000) / 2, "rate_per_vzae": 55000},
        "kommunen": kommunen,
        "traeger": areas,
    }


def solved(data: dict[str, Any], **settings: Any) -> tuple[Scenario, Plan]:
    outcome = plan_instance(instance(data), model(workers=1, **settings))
    assert outcome.plan is not None
    plan = outcome.plan
    return Scenario(plan.instance, plan.problem.model), plan


def split_of(scenario: Scenario, plan: Plan) -> LaterLevels:
    split = later_levels(scenario, plan, sorted(_Probe(scenario, plan).literals), check_levels)
    assert split is not None, "the blocks must apply to this Kreis"
    return split


def agree(scenario: Scenario, plan: Plan) -> BindingReport:
    """Both answers, checked equal and complete; the one by blocks."""
    by_blocks = binding_rules(scenario, plan, by_blocks=True)
    whole = binding_rules(scenario, plan, by_blocks=False)
    assert whole.complete, whole.unchecked
    assert by_blocks.bindings == whole.bindings
    assert by_blocks.unchecked == whole.unchecked
    return by_blocks


@pytest.mark.parametrize("seed", [0, 1, 3, 4])
def test_blocks_decide_as_the_whole_model(seed: int) -> None:
    # host sizes whose freed host must still come in whole steps, budgets and capacities
    # binding inside blocks: the blocks' values are the whole plan's, level for level
    scenario, plan = solved(generated(seed))
    split = split_of(scenario, plan)
    report = agree(scenario, plan)
    later = {b.rule for b in report.bindings if b.level in LATER}
    assert later and later == {b.rule for b in split.bindings}
    assert not split.undecided


def test_quota_rule_and_minimum_coverage_as_the_whole_model() -> None:
    # the quota rule is kept by the fixed coverages (no block decides it), a Kommune's
    # minimum coverage is a rule of its block
    scenario, plan = solved(generated(3), quota_rule=True, min_coverage_vzae=0.2)
    rules = set(_Probe(scenario, plan).literals)
    assert {r[0] for r in rules} >= {"quota_rule", "reachability"}
    split = split_of(scenario, plan)
    assert split.bindings and not split.undecided
    agree(scenario, plan)


def test_the_blocks_bind_rules_of_every_family_inside_blocks() -> None:
    # what the four seeds above cover between them: the families that bind inside blocks
    families = set()
    for seed in (0, 1, 3, 4):
        scenario, plan = solved(generated(seed))
        families |= {(b.rule[0], b.level) for b in split_of(scenario, plan).bindings}
    assert {"budget_kommune", "host_size", "provider_area", "sharing"} <= {family for family, _ in families}
    assert {"partner_share", "own_cost", "fewer_hosts"} <= {level for _, level in families}


def test_the_plan_is_at_every_blocks_own_optimum() -> None:
    # the argument's premise, block by block: the whole plan's links of a block have the
    # values of that block's lexicographic optimum — also in a block the Kreis serves nothing
    # of (Träger TY covers Y1 and Y2 alone), whose model still counts the Kreis as employing
    data = generated(0)
    data["kommunen"] += [{"name": "Y1", "population": 20000}, {"name": "Y2", "population": 30000}]
    data["traeger"].append({"name": "TY", "max_vzae": 3.0, "serves": ["Y1", "Y2"], "cost_per_vzae": 71400})
    scenario, plan = solved(data)
    problem = plan.problem
    split = blocks.partition(problem, remainder_optimum(problem, problem.units(plan.used)))
    idle = 0
    for block in split.blocks:
        own = _block_plan(block, plan)
        idle += own.hosted[block.problem.kreis] == 0
        best = lexicographic(block_model(block), time.perf_counter() + 60, 1, 0, shortcut=False)
        assert [level.value for level in own.levels] == [level.value for level in best.levels]
    assert idle
    agree(scenario, plan)


def _wide_traeger(seed: int) -> dict[str, Any]:
    """A Träger over 31 of 40 Kommunen with 1 VZÄ: without its capacity it could take more
    than the two thirds of the positions the Kreis's share leaves to the others."""
    data = generated(seed, traeger=3)
    names = [k["name"] for k in data["kommunen"]]
    data["traeger"][0].update(serves=names[5:36], max_vzae=1.0)
    return data


@pytest.mark.parametrize("seed", [0, 1])
def test_a_capacity_the_kreis_share_limits_goes_to_the_whole_model(seed: int) -> None:
    # in its block the capacity binds by all the Träger could serve; in the whole plan the
    # Kreis's share stops it earlier: the blocks must not decide it
    scenario, plan = solved(_wide_traeger(seed))
    split = split_of(scenario, plan)
    assert ("provider_area", "T0") in split.undecided
    assert ("provider_area", "T0") not in {b.rule for b in split.bindings}
    report = agree(scenario, plan)
    assert ("provider_area", "T0") in {b.rule for b in report.bindings}


def test_the_kreis_rules_bind_no_later_level() -> None:
    # the relaxation leaves the Kreis's rules out and the plan reaches its bound: decided as
    # binding no later level (some Kommunen only the Kreis serves, so every plan employs it),
    # never found binding by blocks; the whole model agrees
    scenario, plan = solved(generated(0))
    split = split_of(scenario, plan)
    own = blocks.kreis_rules(plan.problem) & set(_Probe(scenario, plan).literals)
    assert {("funding_cap", ""), ("kreis_share", "")} <= own
    assert not own & split.undecided
    assert not own & {b.rule for b in split.bindings}
    report = agree(scenario, plan)
    assert not [b for b in report.bindings if b.rule in own and b.level in LATER]


def test_the_kreis_share_stays_undecided_when_only_it_makes_the_kreis_employ() -> None:
    # every Kommune in a Träger's area, no filled positions at the Kreis: with its share off
    # a plan might leave the Kreis empty, which fewer_hosts would count: the bound no longer
    # holds, so the whole model decides the share
    data = generated(1, traeger=0)
    names = [k["name"] for k in data["kommunen"]]
    data["traeger"] = [
        {"name": f"T{t}", "max_vzae": 0.5, "serves": names[t * 4 : t * 4 + 4], "cost_per_vzae": 71400}
        for t in range(10)
    ]
    scenario, plan = solved(data)
    split = split_of(scenario, plan)
    assert ("kreis_share", "") in split.undecided
    agree(scenario, plan)


def test_blocks_without_work_leave_their_rules_to_the_whole_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(binding_blocks, "WORK_BLOCKS", 0.0)
    scenario, plan = solved(generated(1))
    split = split_of(scenario, plan)
    # no block checked: every rule that binds a later level is the whole-model search's
    assert not split.bindings
    report = agree(scenario, plan)
    later = {b.rule for b in report.bindings if b.level in LATER}
    assert later and later <= split.undecided


def test_same_answer_twice() -> None:
    scenario, plan = solved(generated(3))
    first = binding_rules(scenario, plan)
    again = binding_rules(*solved(generated(3)))
    assert first.bindings == again.bindings and first.unchecked == again.unchecked
    assert first.bindings


def test_batch_writes_binding_rules(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in (0, 1):
        (folder / f"kreis-{seed}.json").write_text(json.dumps(generated(seed)), encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(folder), "--out", str(tmp_path / "out"), "-j", "1", "--binding"])
    assert result.exit_code == 0, result.output
    lines = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    for seed, line in zip((0, 1), lines, strict=True):
        plan = json.loads((tmp_path / "out" / f"kreis-{seed}.plan.json").read_text(encoding="utf-8"))
        expected = binding_rules(*solved(generated(seed)))
        assert [(r["rule"], r["subject"] or "") for r in plan["summary"]["binding_rules"]] == [
            b.rule for b in expected.bindings
        ]
        assert plan["summary"]["binding_rules_complete"] is True
        assert (line["binding_rules"], line["binding_rules_complete"]) == (len(expected.bindings), True)
    plain = CliRunner().invoke(app, ["batch", str(folder), "--out", str(tmp_path / "plain"), "-j", "1"])
    assert plain.exit_code == 0, plain.output
    assert "binding_rules" not in json.loads((tmp_path / "plain" / "kreis-0.plan.json").read_text())["summary"]
    assert json.loads((tmp_path / "plain" / "summary.json").read_text())[0]["binding_rules"] is None
