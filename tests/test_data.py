"""The data model validates itself: no invalid Instance or PlanningModel can be constructed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kimopt.data import Instance, PlanningModel
from kimopt.errors import FindingsError, pydantic_findings
from kimopt.problem import compile_problem
from tests.conftest import tiny


def _refused(cls: type[Instance] | type[PlanningModel], data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as refused:
        cls.model_validate(data)
    return [(f.loc, f.code) for f in pydantic_findings(refused.value, cls)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"traeger": [{"name": "AWO", "max_vzae": 1, "serves": ["Xdorf"], "cost_per_vzae": 70000}]},
            [(("traeger", 0, "serves", 0), "unknown_kommune")],
        ),  # serves a Kommune the instance lacks
        (
            {"kommunen": [{"name": "Adorf", "population": 1}, {"name": "Adorf", "population": 2}]},
            [(("kommunen", 1, "name"), "duplicate_name")],
        ),  # two Kommunen of one name
        (
            {"kommunen": [{"name": "Adorf", "population": 1, "share_with": ["Adorf"]}]},
            [(("kommunen", 0, "share_with", 0), "self_share")],
        ),  # shares with itself
        (
            {
                "kommunen": [{"name": "Adorf", "population": 1, "share_with": ["Bdorf"]}],
                "traeger": [{"name": "AWO", "max_vzae": 1, "serves": [], "cost_per_vzae": 70000}],
            },
            [(("kommunen", 0, "share_with", 0), "unknown_kommune"), (("traeger", 0, "serves"), "empty_list")],
        ),  # two problems: both reported at once
    ],
)
def test_instance_with_records_that_disagree_is_refused(changes: dict[str, Any], expected: list[Any]) -> None:
    assert _refused(Instance, tiny(**changes)) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"granularity_vzae": "1/3", "host_step_vzae": "1/3", "min_host_vzae": "1/3"},
            [(("granularity_vzae",), "not_decimal")],
        ),  # 1/3 VZÄ cannot be written as a decimal
        (
            {"objectives": ["use_positions", "own_cost", "use_positions"]},
            [(("objectives", 2, "name"), "duplicate_objective")],
        ),  # one level twice
        ({"host_step_vzae": "0.25"}, [(("host_step_vzae",), "off_granularity")]),  # step off the 0.1 grid
        (
            {"key": {"population": "1/2"}, "workers": 65},
            [(("key",), "key_weights"), (("workers",), "too_large")],
        ),  # two problems, both reported
    ],
)
def test_planning_model_with_settings_that_disagree_is_refused(data: dict[str, Any], expected: list[Any]) -> None:
    assert _refused(PlanningModel, data) == expected


def test_the_validator_raises_findings_that_pydantic_carries() -> None:
    with pytest.raises(ValidationError) as refused:
        PlanningModel.model_validate({"objectives": ["own_cost", "own_cost"]})
    (error,) = refused.value.errors(include_url=False)
    assert isinstance(error["ctx"]["error"], FindingsError)


def test_every_valid_instance_compiles() -> None:
    # the Träger refers to its Kommunen by name and by AGS; compile_problem must resolve both
    data = tiny(
        kommunen=[{"name": "Adorf", "ags": "05170001", "population": 20000}, {"name": "Bedorf", "population": 10000}],
        traeger=[{"name": "AWO", "max_vzae": 1, "serves": ["05170001", "Bedorf"], "cost_per_vzae": 70000}],
    )
    problem = compile_problem(Instance.model_validate(data), PlanningModel())
    assert sorted(problem.links_of_host[-1]) == sorted(
        li for li, link in enumerate(problem.links) if problem.hosts[link.host].name == "AWO"
    )
    assert len(problem.links_of_host[-1]) == 2
