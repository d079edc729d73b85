"""The plan file is a typed, versioned contract, and its published JSON Schema matches the model."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from kimopt.pipeline import plan_instance
from kimopt.plan import dumps
from kimopt.plan_file import SCHEMA_VERSION, PlanFile, schema_text
from tests.conftest import ROOT, instance, model, tiny

SCHEMA = ROOT / "schemas" / "plan.schema.json"


def test_published_schema_matches_the_plan_model() -> None:
    # regenerate with: .venv/bin/python -c "from kimopt.plan_file import schema_text; print(schema_text(), end='')"
    #                  > schemas/plan.schema.json
    assert SCHEMA.read_text(encoding="utf-8") == schema_text()


@pytest.fixture(scope="module")
def plan_json() -> dict:
    """The optimal plan of the 3-Kommune instance with the quota rule (targets 1.0, 0.5, 1.5)."""
    outcome = plan_instance(instance(tiny()), model(quota_rule=True))
    assert outcome.plan_json is not None
    return outcome.plan_json


def test_plan_file_carries_its_schema_version_first(plan_json: dict) -> None:
    assert next(iter(plan_json)) == "schema_version"
    assert plan_json["schema_version"] == SCHEMA_VERSION == 2  # 2: years[].continuity_cuts became cuts


def test_written_plan_reads_back_into_the_same_file(plan_json: dict) -> None:
    text = dumps(plan_json)
    again = PlanFile.model_validate(json.loads(text))
    assert dumps(again.to_json()) == text  # same keys, same order, same numbers


def test_keys_that_do_not_apply_are_left_out(plan_json: dict) -> None:
    by_name = {level["name"]: level for level in plan_json["objectives"]}
    assert by_name["proportionality"]["measure"] == "l1"
    assert "measure" not in by_name["own_cost"]  # only proportionality has a measure
    assert "value_exact" not in by_name["own_cost"]  # euros are whole, no fraction to show
    assert all("gap" not in level for level in plan_json["objectives"])  # every level proven
    assert "binding_rules" not in plan_json["summary"]  # not computed here


def test_vzae_stay_decimals_and_euros_whole(plan_json: dict) -> None:
    assert isinstance(plan_json["summary"]["positions_used"], float)  # 3.0, not 3
    assert isinstance(plan_json["summary"]["funding_eur"], int)
    # Adorf 20,000 of 60,000 inhabitants: 3 VZÄ × 1/3 = 1.0 VZÄ target
    adorf = next(k for k in plan_json["kommunen"] if k["name"] == "Adorf")
    assert adorf["target_vzae"] == 1.0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("status", "DONE"),  # not one of OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN
        ("links", [{"host": "Kreis Klein", "host_type": "bund", "kommune": "Adorf", "vzae": 1.0}]),  # no such host type
        ("surprise", 1),  # a key the contract does not know
    ],
)
def test_a_file_off_the_contract_is_refused(plan_json: dict, key: str, value: object) -> None:
    with pytest.raises(ValidationError):
        PlanFile.model_validate({**plan_json, key: value})


def test_real_plan_with_binding_rules_is_on_the_contract() -> None:
    from kimopt.analysis.explain.binding import add_binding_rules
    from kimopt.load import load_inputs

    inputs = load_inputs(ROOT / "instances" / "kreis-wesel-2022.yaml")
    outcome = plan_instance(inputs.instance, model())
    assert outcome.plan is not None and outcome.plan_json is not None
    data = add_binding_rules(outcome.plan_json, outcome.plan)
    assert data["summary"]["binding_rules"]  # Wesel: at least the funding cap binds
    assert PlanFile.model_validate(data).to_json() == data
