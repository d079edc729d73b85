"""Sensitivity: population and budget thresholds verified by re-solving on both sides, the
ε-constraint trade-off curve on a hand-checked instance, and the command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from kimopt.analysis.sensitivity import (
    budget_thresholds,
    payment_levels,
    population_thresholds,
    tradeoff_curve,
)
from kimopt.cli import app
from kimopt.load import load_inputs
from kimopt.pipeline import plan_instance
from tests.conftest import INSTANCES, instance, model, tiny, write_yaml

runner = CliRunner()


def with_population(data: dict, name: str, population: int) -> dict:
    changed = tiny(**{k: v for k, v in data.items() if k != "name"})
    for kommune in changed["kommunen"]:
        if kommune["name"] == name:
            kommune["population"] = population
    return changed


def coverage_of(data: dict, name: str) -> Fraction:
    """The Kommune's coverage in the checked optimal plan (plan_instance runs the checker)."""
    outcome = plan_instance(instance(data), model())
    assert outcome.plan is not None
    names = [k["name"] for k in data["kommunen"]]
    return outcome.plan.coverage[names.index(name)]


def test_population_thresholds_hold_just_below_and_at_the_threshold():
    data = tiny()
    found = population_thresholds(instance(data), model())
    assert [p.kommune for p in found] == ["Adorf", "Bedorf", "Cedorf"]
    for p in found:
        assert p.coverage == coverage_of(data, p.kommune)
        for step, sign in ((p.increase, +1), (p.decrease, -1)):
            assert step is not None, (p.kommune, sign)
            below = with_population(data, p.kommune, p.population + sign * (step.inhabitants - 1))
            at = with_population(data, p.kommune, p.population + sign * step.inhabitants)
            assert coverage_of(below, p.kommune) == p.coverage == step.coverage_before
            assert coverage_of(at, p.kommune) == step.coverage_after != p.coverage
            # one more inhabitant moves the target by far less than g: one step at a time
            assert abs(step.coverage_after - p.coverage) == Fraction(1, 10)


def test_a_kommune_whose_coverage_cannot_change_has_no_threshold():
    # min_coverage 1.0 for three Kommunen and 3 VZÄ: every coverage is fixed at 1.0
    data = tiny()
    found = population_thresholds(instance(data), model(min_coverage_vzae=1), kommunen=[1])
    assert found[0].increase is None
    assert found[0].decrease is None


def test_payment_levels_are_multiples_of_deficit_times_granularity():
    # deficit 16,400 €/VZÄ, g = 0.1: levels 1,640 €, 3,280 € … above a budget of 4,920 €
    levels = payment_levels([16400], Fraction(1, 10), 5, 4920)
    assert levels == [6560, 8200]
    # two deficits: every sum 0.1·(16,400·a + 10,000·b) with a + b ≤ 2, rounded up, above 0
    assert payment_levels([10000, 16400], Fraction(1, 10), 2, 0) == [1000, 1640, 2000, 2640, 3280]


def with_cedorf_host(budget: int) -> dict:
    data = tiny()
    data["kommunen"][2].update(max_vzae=1.5, cost_per_vzae=71400, budget=budget)
    return data


def test_budget_threshold_holds_one_euro_below_and_at_the_threshold():
    # Cedorf could host but pays 16,400 € per VZÄ; a host has at least 0.5 VZÄ, so 8,200 €
    # is the first budget at which it takes positions (partner_share rises from 0 to 0.5).
    base_data = with_cedorf_host(0)
    found = budget_thresholds(instance(base_data), model())
    assert [(b.payer, b.increase, b.verified) for b in found] == [("Cedorf", 8200, True)]
    base = plan_instance(instance(base_data), model())
    below = plan_instance(instance(with_cedorf_host(8199)), model())
    at = plan_instance(instance(with_cedorf_host(8200)), model())
    assert below.plan_json["links"] == base.plan_json["links"]
    assert at.plan_json["links"] != base.plan_json["links"]
    cedorf = next(h for h in at.plan_json["hosts"] if h["name"] == "Cedorf")
    assert cedorf["vzae"] == 0.5
    assert {(c.host, c.kommune) for c in found[0].changes} >= {("Cedorf", "Cedorf")}


def test_a_budget_that_binds_nothing_has_no_threshold():
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 49200})
    found = budget_thresholds(instance(data), model())  # 3 VZÄ × 16,400 € = 49,200 €: enough
    assert [(b.payer, b.increase) for b in found] == [("Kreis Klein", None)]


def tradeoff_instance() -> dict:
    """A Träger without deficit coverage serves only Adorf: its positions cost the Kreis nothing."""
    return tiny(
        traeger=[
            {"name": "Caritas", "max_vzae": 2.0, "serves": ["Adorf"], "cost_per_vzae": 71400, "deficit_coverage": False}
        ]
    )


def test_tradeoff_curve_is_the_pareto_front():
    # N = 3 VZÄ, the Kreis pays 16,400 € per VZÄ it hosts, Caritas (0, 0.5 … 2 VZÄ) serves Adorf:
    # Caritas 1.0: A 1.0, B 0.5, C 1.5, deviation 0,   Kreis 2.0 VZÄ → 32,800 €
    # Caritas 1.5: A 1.5 (+0.5), B+C 1.5 (−0.5),  dev 1.0, Kreis 1.5 → 24,600 €
    # Caritas 2.0: A 2.0 (+1.0), B+C 1.0 (−1.0),  dev 2.0, Kreis 1.0 (its third) → 16,400 €
    curve = tradeoff_curve(instance(tradeoff_instance()), model())
    assert curve.positions_used == 3
    assert curve.complete
    assert [(p.eigenanteil, p.deviation) for p in curve.points] == [(32800, 0), (24600, 1), (16400, 2)]
    assert all(p.proven for p in curve.points)


def test_tradeoff_curve_stops_at_max_points():
    curve = tradeoff_curve(instance(tradeoff_instance()), model(), max_points=2)
    assert len(curve.points) == 2
    assert not curve.complete


def test_cli_tiny_json_table_and_svg_chart(tmp_path, test_model_file):
    path = write_yaml(tmp_path / "tradeoff.yaml", tradeoff_instance())
    out, chart = tmp_path / "sens.json", tmp_path / "curve.svg"
    result = runner.invoke(
        app, ["sensitivity", str(path), "--model", str(test_model_file), "-o", str(out), "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    assert "Einwohner" in result.output
    assert "Zielkonflikt" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [p["eigenanteil_eur"] for p in data["tradeoff"]["points"]] == [32800, 24600, 16400]
    assert data["plan"] == {"positions_used": 3.0, "deviation_l1": 0.0, "eigenanteil_eur": 32800}
    root = ET.fromstring(chart.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    assert "Eigenanteil" in chart.read_text(encoding="utf-8")


def test_cli_english_png_chart(tmp_path, test_model_file):
    path = write_yaml(tmp_path / "tradeoff.yaml", tradeoff_instance())
    chart = tmp_path / "curve.png"
    result = runner.invoke(
        app,
        [
            "sensitivity",
            str(path),
            "--model",
            str(test_model_file),
            "--part",
            "tradeoff",
            "--chart",
            str(chart),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Trade-off" in result.output
    assert "Inhabitants" not in result.output  # populations not asked for
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--chart", "curve.pdf"], 2),  # only SVG or PNG
        (["--part", "populations", "--chart", "curve.svg"], 2),  # a chart needs the trade-off
        (["--part", "everything"], 2),  # unknown part
    ],
)
def test_cli_usage_errors(tmp_path, test_model_file, extra, code):
    path = write_yaml(tmp_path / "tiny.yaml", tiny())
    extra = [str(tmp_path / e) if e.startswith("curve") else e for e in extra]
    result = runner.invoke(app, ["sensitivity", str(path), "--model", str(test_model_file), *extra])
    assert result.exit_code == code, result.output


def test_cli_infeasible_instance_exits_3(tmp_path):
    model_file = write_yaml(tmp_path / "reach.yaml", {"workers": 2, "min_coverage_vzae": 2})
    path = write_yaml(tmp_path / "tiny.yaml", tiny())  # 3 Kommunen × 2 VZÄ > 3 VZÄ
    result = runner.invoke(app, ["sensitivity", str(path), "--model", str(model_file)])
    assert result.exit_code == 3, result.output


def test_cli_smoke_kreis_wesel(tmp_path, test_model_file):
    """The whole Kreis Wesel: structure, and two thresholds re-solved on both sides."""
    out = tmp_path / "wesel.json"
    source = INSTANCES / "kreis-wesel-2022.yaml"
    result = runner.invoke(app, ["sensitivity", str(source), "--model", str(test_model_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["populations"]) == 13
    assert {b["payer"] for b in data["budgets"]} == {
        k["name"] for k in data["populations"]
    }  # the Kreis has no budget (null) in Wesel
    assert data["tradeoff"]["points"]
    inputs = load_inputs(source, test_model_file)
    names = [k.name for k in inputs.instance.kommunen]
    for name in ("Wesel", "Voerde (Niederrhein)"):
        entry = next(p for p in data["populations"] if p["name"] == name)
        step = entry["increase"]
        assert step is not None
        i = names.index(name)
        for inhabitants, expected in (
            (step["inhabitants"] - 1, step["coverage_before"]),
            (step["inhabitants"], step["coverage_after"]),
        ):
            kommunen = list(inputs.instance.kommunen)
            population = entry["population"] + inhabitants
            kommunen[i] = kommunen[i].model_copy(update={"population": population})
            changed = inputs.instance.model_copy(update={"kommunen": kommunen})
            plan = plan_instance(changed, inputs.model).plan
            assert plan is not None
            assert float(plan.coverage[i]) == pytest.approx(expected)
