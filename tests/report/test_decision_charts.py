"""„Wie wurde entschieden?“ in plain German, and charts that show only what is worth a chart."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kimopt.load import load_instance
from kimopt.pipeline import plan_instance
from kimopt.plan_file import PlanFile
from kimopt.report.charts import (
    _number_format,
    comparison_chart,
    coverage_chart,
    eigenanteil_chart,
    hosts_chart,
)
from kimopt.report.compare import column
from kimopt.report.decision import appendix_tables, decision_table
from tests.conftest import INSTANCES, model

TERMS = (
    "Σ",
    "|",
    "use_positions",
    "proportionality",
    "partner_share",
    "own_cost",
    "fewer_hosts",
    "funding_cap",
    "kreis_share",
    "provider_area",
    "l1",
)


@pytest.fixture(scope="module")
def wesel() -> dict[str, Any]:
    instance, _ = load_instance(INSTANCES / "kreis-wesel-2022.yaml")
    outcome = plan_instance(instance, model())
    assert outcome.plan_json is not None and outcome.plan is not None
    from kimopt.analysis.explain.binding import add_binding_rules

    return add_binding_rules(outcome.plan_json, outcome.plan)


def test_decision_in_sentences_without_symbols(wesel: dict[str, Any]) -> None:
    table = decision_table(PlanFile.model_validate(wesel), "de")
    text = " ".join(row[0] for row in table.rows)
    for term in TERMS:
        assert term not in text, term
    assert text.startswith("Zuerst: möglichst viele förderfähige Stellen nutzen: 11,0 von 11,0 VZÄ")
    assert "180.400 € im Jahr" in text  # the own_cost level, in euros
    assert "Der Kreis muss mindestens seinen Mindestanteil der Stellen behalten" in text  # a binding rule
    assert "7,3 VZÄ statt 7,0 VZÄ" in text
    assert all(re.match(r"^[A-ZÄÖÜ–]", row[0]) for row in table.rows)  # sentences, each a row


def test_exact_terms_go_to_the_appendix(wesel: dict[str, Any]) -> None:
    text = " ".join(
        " ".join(row) for table in appendix_tables(PlanFile.model_validate(wesel), "de") for row in table.rows
    )
    for term in ("use_positions", "Σ|Ist − Soll|", "kreis_share", "provider_area"):
        assert term in text


@pytest.mark.parametrize(
    ("lang", "value", "places", "expected"),
    [
        ("de", 0.5, None, "0,5"),
        ("de", 2.0, None, "2"),
        ("de", 16400, 0, "16.400"),
        ("en", 16400, 0, "16,400"),
    ],
)
def test_axes_use_the_readers_decimals(lang: str, value: float, places: int | None, expected: str) -> None:
    assert _number_format(lang, places)(value, None) == expected


def test_legend_names_every_colour_and_sits_outside(wesel: dict[str, Any]) -> None:
    svg = eigenanteil_chart(PlanFile.model_validate(wesel), "de")
    # the legend is the figure's (placed above the axes), not one inside the plot area
    assert svg.count('id="own-legend_') == 1
    axes = svg[svg.index('id="own-axes_1"') :]
    assert axes.index('id="own-legend_1"') > axes.index('id="own-patch_')
    assert "#1f5f8b" in svg and "#4f9d69" in svg  # Kreis and Kommune bars, both in the legend


def test_a_single_point_is_a_sentence(wesel: dict[str, Any]) -> None:
    one = {**wesel, "kommunen": wesel["kommunen"][:1]}
    assert coverage_chart(PlanFile.model_validate(one), "de").startswith("Eine Kommune: Alpen erhält 0,3 VZÄ")
    kreis_only = {**wesel, "hosts": [h for h in wesel["hosts"] if h["host_type"] == "kreis"]}
    assert hosts_chart(PlanFile.model_validate(kreis_only), "de") == "Alle 4,0 VZÄ liegen bei: Kreis."
    payer = [p for p in wesel["finance"]["eigenanteil"] if p["payer_type"] == "kreis"]
    assert (
        eigenanteil_chart(
            PlanFile.model_validate({**wesel, "finance": {**wesel["finance"], "eigenanteil": payer}}), "de"
        )
        == "Nur Kreis Wesel trägt einen Eigenanteil: 82.000 € im Jahr."
    )


def test_comparison_chart_only_for_kommunen_that_differ(wesel: dict[str, Any]) -> None:
    other = {**wesel, "kommunen": [dict(k) for k in wesel["kommunen"]]}
    other["kommunen"][0]["coverage_vzae"] += 0.1  # Alpen differs, nobody else
    svg = comparison_chart([column({**wesel, "alternative": "A"}), column({**other, "alternative": "B"})], "de")
    assert svg.startswith("<svg")
    assert svg.count('id="cmp-ytick_') == 1  # one Kommune on the axis
    same = comparison_chart([column({**wesel, "alternative": "A"}), column({**wesel, "alternative": "B"})], "de")
    assert same == "Alle Alternativen geben jeder Kommune dieselben VZÄ."
