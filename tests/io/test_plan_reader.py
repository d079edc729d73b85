"""The one plan reader (:mod:`kimopt.io.plan_file`): strict is the contract, lenient reads a plan
edited by hand, and both refuse a wrong figure with one message naming its place.

The last test keeps the converted report and console modules on the typed plan: no
``plan["summary"]``-style lookups of plan keys come back into them.
"""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.io.plan_file import read_plan_file
from kimopt.load import load_instance
from kimopt.pipeline import plan_instance
from kimopt.plan_file import PlanFile
from tests.conftest import INSTANCES, ROOT, model

runner = CliRunner()


@pytest.fixture(scope="module")
def one_year() -> dict[str, Any]:
    inst, _ = load_instance(INSTANCES / "kreis-wesel-2022.yaml")
    outcome = plan_instance(inst, model())
    assert outcome.plan_json is not None
    return outcome.plan_json


@pytest.fixture(scope="module")
def two_years() -> dict[str, Any]:
    inst, _ = load_instance(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    outcome = plan_instance(inst, model())
    assert outcome.plan_json is not None and outcome.plan_json["years"]
    return outcome.plan_json


def _write(tmp_path: Path, data: dict[str, Any], name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _refused(path: Path, mode: str) -> str:
    with pytest.raises(InputError) as caught:
        read_plan_file(path, mode)  # type: ignore[arg-type]
    assert len(caught.value.findings) == 1  # one clear message, not a cascade
    return caught.value.render("de")


def test_a_plan_as_written_reads_the_same_in_both_modes(one_year: dict[str, Any], tmp_path: Path) -> None:
    path = _write(tmp_path, one_year)
    strict, lenient = read_plan_file(path, "strict"), read_plan_file(path, "lenient")
    assert strict == lenient == PlanFile.model_validate(one_year)
    assert strict.to_json() == one_year  # nothing added, nothing lost


def test_an_extra_key_is_refused_strictly_and_ignored_leniently(one_year: dict[str, Any], tmp_path: Path) -> None:
    edited = copy.deepcopy(one_year)
    edited["bemerkung"] = "vom Kämmerer ergänzt"
    edited["kommunen"][0]["notiz"] = "prüfen"
    path = _write(tmp_path, edited)
    message = _refused(path, "strict")
    assert "Kommune 1 „Alpen“, Feld „notiz“: unbekannter Schlüssel" in message
    assert read_plan_file(path, "lenient") == PlanFile.model_validate(one_year)


def test_keys_a_report_can_do_without_are_defaulted_leniently(one_year: dict[str, Any], tmp_path: Path) -> None:
    edited = copy.deepcopy(one_year)
    for key in ("solver", "kimopt", "input_sha256", "links"):
        del edited[key]
    del edited["kommunen"][1]["ags"]  # a key that may be null
    path = _write(tmp_path, edited)
    assert "Feld „kimopt“: Pflichtangabe fehlt" in _refused(path, "strict")
    plan = read_plan_file(path, "lenient")
    assert (plan.kimopt, plan.input_sha256, plan.links, plan.solver.level_seconds) == ("", "", [], {})
    assert plan.kommunen[1].ags is None
    assert plan.summary == PlanFile.model_validate(one_year).summary


@pytest.mark.parametrize("mode", ["strict", "lenient"])
@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        (("kommunen", 3, "target_vzae"), "viel", "Kommune 4 „Hünxe“, Feld „target_vzae“: „viel“ ist keine Zahl"),
        (("kommunen", 3, "target_vzae"), 1e308, "Feld „target_vzae“: „1e+308“: Zahl mit zu vielen Stellen"),
        (("summary", "funding_eur"), "teuer", "Feld „summary.funding_eur“: „teuer“ ist keine Zahl"),
        (("hosts", 0, "host_type"), "land", "Stelle 1 „Kreis Wesel“, Feld „host_type“: „land“ ist nicht erlaubt"),
        (("kommunen", 2, "served_by"), "Kreis", "Kommune 3 „Hamminkeln“, Feld „served_by“: „Kreis“ ist keine Liste"),
    ],
)
def test_a_wrong_figure_is_refused_with_its_place(
    one_year: dict[str, Any], tmp_path: Path, mode: str, where: tuple[Any, ...], value: object, expected: str
) -> None:
    edited = copy.deepcopy(one_year)
    target = edited
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    message = _refused(_write(tmp_path, edited), mode)
    assert message.startswith(str(tmp_path / "plan.json"))  # the file
    assert expected in message


def test_a_missing_section_is_refused_leniently_too(one_year: dict[str, Any], tmp_path: Path) -> None:
    edited = {k: v for k, v in one_year.items() if k != "summary"}
    assert "Feld „summary“: Pflichtangabe fehlt" in _refused(_write(tmp_path, edited), "lenient")


def test_a_multi_year_plan_reads_typed_and_names_the_year(two_years: dict[str, Any], tmp_path: Path) -> None:
    edited = copy.deepcopy(two_years)
    edited["years"][1]["anmerkung"] = "Haushalt 2023 offen"
    edited["years"][1]["summary"]["notiz"] = 1
    path = _write(tmp_path, edited)
    assert "Jahr 2 „2023“, Feld „summary.notiz“: unbekannter Schlüssel" in _refused(path, "strict")
    plan = read_plan_file(path, "lenient")
    assert plan == PlanFile.model_validate(two_years)
    assert [y.year for y in plan.years or []] == [2022, 2023]
    edited["years"][1]["kommunen"][0]["coverage_vzae"] = "viel"
    message = _refused(_write(tmp_path, edited), "lenient")
    assert "Jahr 2 „2023“, Feld „kommunen[1].coverage_vzae“: „viel“ ist keine Zahl" in message
    del edited["years"][1]["eigenanteil"]
    edited["years"][1]["kommunen"][0]["coverage_vzae"] = 1.0
    assert "Jahr 2 „2023“, Feld „eigenanteil“: Pflichtangabe fehlt" in _refused(_write(tmp_path, edited), "lenient")


def test_report_reads_a_hand_edited_plan_leniently(two_years: dict[str, Any], tmp_path: Path) -> None:
    # the same paper as from the plan as written: the extra keys are ignored, nothing else changes
    edited = copy.deepcopy(two_years)
    edited["bemerkung"] = "Entwurf der Kämmerei"
    edited["years"][0]["hosts"][0]["raum"] = "A 1.02"
    plain, hand = tmp_path / "plain.html", tmp_path / "hand.html"
    assert runner.invoke(app, ["report", str(_write(tmp_path, two_years, "a.json")), "-o", str(plain)]).exit_code == 0
    result = runner.invoke(app, ["report", str(_write(tmp_path, edited, "b.json")), "-o", str(hand)])
    assert result.exit_code == 0, result.output
    assert hand.read_bytes() == plain.read_bytes()
    edited["years"][1]["summary"]["positions_used"] = "elf"
    result = runner.invoke(app, ["report", str(_write(tmp_path, edited, "c.json")), "-o", str(tmp_path / "c.html")])
    assert result.exit_code == 1
    assert "Jahr 2 „2023“, Feld „summary.positions_used“: „elf“ ist keine Zahl" in result.output
    assert not (tmp_path / "c.html").exists()


def test_in_process_plans_must_be_the_contract(one_year: dict[str, Any]) -> None:
    # kimopt's own plan (Outcome.plan_json) out of step with the contract is a defect of kimopt,
    # not bad input: pydantic's error (an internal error), where the console and compare type it
    from pydantic import ValidationError

    from kimopt.console import render_plan
    from kimopt.io.plan_file import as_plan_file

    assert as_plan_file(one_year) == PlanFile.model_validate(one_year)
    with pytest.raises(ValidationError):
        render_plan({**one_year, "stray": 1})
    assert as_plan_file({**one_year, "stray": 1}, "lenient") == PlanFile.model_validate(one_year)


# ---- the converted modules stay typed -------------------------------------------------------------

TYPED_MODULES = (
    "report/tables.py",
    "report/money.py",
    "report/decision.py",
    "report/horizon.py",
    "report/paper.py",
    "report/html.py",
    "report/charts.py",
    "report/compare.py",
    "console/plan.py",
    "console/horizon.py",
    "console/alternatives.py",
    "serve/view.py",
    "report/xlsx.py",
    "cut_text.py",
)
STILL_DICTS = {
    # a comparison's entries (report/compare.py, not converted) are still dicts with extra keys
    "report/tables.py": {"index_value"},
    # the head of an alternative's entry (its name, model, status), read where it becomes a Column
    "report/compare.py": {"column", "comparison_title", "comparison_meta"},
}
NOT_PLANS = {"COLOURS", "by_key"}  # dicts of these modules that are no plan


def _plan_keys() -> set[str]:
    """Every key of the plan file, at any depth (``summary``, ``eigenanteil``, ``vzae`` …)."""
    import kimopt.plan_file as pf

    models = [m for m in vars(pf).values() if isinstance(m, type) and issubclass(m, pf._Entry)]
    return {name for m in models for name in m.model_fields}


def _dict_lookups(tree: ast.AST, exempt: set[str]) -> list[str]:
    keys, found = _plan_keys(), []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if function not in exempt:
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.slice, ast.Constant)
                and node.slice.value in keys
                and not (isinstance(node.value, ast.Name) and node.value.id in NOT_PLANS)
            ):
                found.append(f"{function}:{node.lineno} [{node.slice.value!r}]")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in keys
            ):
                found.append(f"{function}:{node.lineno} .get({node.args[0].value!r})")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


@pytest.mark.parametrize("module", TYPED_MODULES)
def test_converted_modules_read_the_typed_plan_not_dicts(module: str) -> None:
    path = ROOT / "src" / "kimopt" / module
    lookups = _dict_lookups(ast.parse(path.read_text(encoding="utf-8")), STILL_DICTS.get(module, set()))
    assert lookups == [], f"{module} reads the plan as a dict again: {lookups}"


def test_the_lookup_check_finds_a_dict_lookup() -> None:
    # the check itself can fail: the old way of reading the summary is found
    old = 'def summary_table(plan, lang):\n    s = plan["summary"]\n    return s.get("positions_used")\n'
    assert _dict_lookups(ast.parse(old), set()) == [
        "summary_table:2 ['summary']",
        "summary_table:3 .get('positions_used')",
    ]
