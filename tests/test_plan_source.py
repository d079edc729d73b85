"""The one provenance check: whether a plan's record of its inputs is this instance under this model."""

from __future__ import annotations

import pytest

from kimopt.plan import input_sha256
from kimopt.plan_source import recorded_for
from tests.conftest import instance, model, tiny


@pytest.mark.parametrize(
    ("name", "checksum", "verdict"),
    [
        ("Kreis Klein", "own", "same"),  # the checksum matches (the name does not matter then)
        ("Kreis Anders", "own", "same"),
        ("Kreis Klein", "0" * 64, "changed"),  # the same instance, edited since (or another model)
        (None, "0" * 64, "changed"),  # no name: it may be this one, edited
        ("Kreis Anders", "0" * 64, "foreign"),  # another instance
        ("Kreis Klein", None, "unknown"),  # a hand-written plan records nothing
        ("Kreis Klein", "", "unknown"),
    ],
)
def test_a_plan_records_its_inputs(name: str | None, checksum: str | None, verdict: str) -> None:
    inst, settings = instance(tiny()), model()
    recorded = input_sha256(inst, settings) if checksum == "own" else checksum
    assert inst.name == "Kreis Klein"
    assert recorded_for(name, recorded, inst, settings) == verdict


def test_another_model_changes_the_checksum() -> None:
    inst = instance(tiny())
    assert recorded_for(inst.name, input_sha256(inst, model()), inst, model(quota_rule=True)) == "changed"
