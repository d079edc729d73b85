"""docs/ and the code stay in step: every key documented exists, every key the readers accept is
documented, and every example in docs/ is read and validated by kimopt's own readers.

A key table is marked ``<!-- keys: OWNER -->`` just above it; its first column holds the keys
in backticks. OWNER is a pydantic model (``kimopt.data.Kreis``), a definition of the published
plan schema (``schema:Summary``), or one of the scenario file's two key lists.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook
from pydantic import BaseModel, TypeAdapter
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.data import PlanningModel
from kimopt.io.excel import schema as workbook_schema
from kimopt.io.excel.plan_sheet import HEADERS, read_plan_sheet
from kimopt.land.round_file import load_round
from kimopt.load import load_instance, load_model
from kimopt.plan_file import LevelEntry, Link
from kimopt.report import scenarios
from kimopt.report.xlsx import SHEET_NAMES, plan_workbook
from tests.conftest import INSTANCES, ROOT

DOCS = ROOT / "docs"
PAGES = ("instance", "model", "round", "scenarios", "plan-workbook", "plan-json")
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))

# Every reader's record type and the page that documents it.
MODELS = {
    "instance": (
        "kimopt.data.Instance",
        "kimopt.data.Kreis",
        "kimopt.data.Funding",
        "kimopt.data.Kommune",
        "kimopt.data.Traeger",
        "kimopt.data.Year",
        "kimopt.data.Coordination",
        "kimopt.data.Authorities",
        "kimopt.data.AuthorityPosition",
    ),
    "model": ("kimopt.data.PlanningModel", "kimopt.data.Objective"),
    "round": ("kimopt.land.round_file.RoundFile", "kimopt.land.round_file.Override"),
    "scenarios": ("kimopt.report.scenarios.SCENARIO_KEYS", "kimopt.report.scenarios.instance"),
}


def page(name: str) -> str:
    return (DOCS / f"{name}.md").read_text(encoding="utf-8")


def table_after(text: str, marker: str) -> list[list[str]]:
    """The rows (cells without the header) of the Markdown table right after ``marker``."""
    start = text.index(marker) + len(marker)
    rows: list[list[str]] = []
    for line in text[start:].lstrip("\n").splitlines():
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert len(rows) > 2, f"no table after {marker}"
    return rows[2:]  # header and --- line


def key_tables(text: str) -> dict[str, list[str]]:
    """Owner → the keys its table documents, in order."""
    tables: dict[str, list[str]] = {}
    for owner in re.findall(r"<!-- keys: (\S+) -->", text):
        keys = []
        for row in table_after(text, f"<!-- keys: {owner} -->"):
            match = re.fullmatch(r"`([^`]+)`", row[0])
            assert match, f"{owner}: the first column must be a `key`, not {row[0]!r}"
            keys.append(match.group(1))
        assert owner not in tables, f"{owner} documented twice"
        tables[owner] = keys
    return tables


def code_keys(owner: str) -> list[str]:
    """The keys the code accepts (or writes) for ``owner``."""
    if owner.startswith("schema:"):
        name = owner.removeprefix("schema:")
        definition = SCHEMA if name == "PlanFile" else SCHEMA["$defs"][name]
        return list(definition["properties"])
    if owner == "kimopt.report.scenarios.SCENARIO_KEYS":
        return list(scenarios.SCENARIO_KEYS)
    if owner == "kimopt.report.scenarios.instance":
        return list(scenarios.INSTANCE_KEYS)
    module, name = owner.rsplit(".", 1)
    cls: type[BaseModel] = getattr(importlib.import_module(module), name)
    return list(cls.model_fields)


def examples(text: str, kind: str) -> list[str]:
    """The fenced blocks (or tables) marked ``<!-- example: kind -->``."""
    found = re.findall(rf"<!-- example: {re.escape(kind)} -->\n```\w*\n(.*?)```", text, re.S)
    return found


@pytest.mark.parametrize("name", PAGES)
def test_every_page_exists_and_is_linked_from_the_index_and_the_readme(name: str) -> None:
    assert (DOCS / f"{name}.md").is_file()
    assert f"]({name}.md)" in page("README")
    assert "(docs/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "owners"), sorted(MODELS.items()))
def test_every_record_of_a_reader_has_its_key_table(name: str, owners: tuple[str, ...]) -> None:
    assert set(key_tables(page(name))) == set(owners)


@pytest.mark.parametrize("name", PAGES)
def test_documented_keys_are_exactly_the_code_keys(name: str) -> None:
    for owner, keys in key_tables(page(name)).items():
        assert keys == code_keys(owner), f"docs/{name}.md, table {owner}: keys differ from the code"


def test_the_plan_json_page_documents_every_definition_of_the_schema() -> None:
    documented = {owner.removeprefix("schema:") for owner in key_tables(page("plan-json"))}
    definitions = {name for name, d in SCHEMA["$defs"].items() if d.get("properties")}
    assert documented == definitions | {"PlanFile"}


def test_required_keys_are_marked_required_in_the_plan_json_page() -> None:
    text = page("plan-json")
    for owner in key_tables(text):
        name = owner.removeprefix("schema:")
        definition = SCHEMA if name == "PlanFile" else SCHEMA["$defs"][name]
        rows = table_after(text, f"<!-- keys: {owner} -->")
        marked = {row[0].strip("`") for row in rows if row[3] == "required"}
        assert marked == set(definition.get("required", [])), owner


def test_instance_examples_pass_kimopt_validate(tmp_path: Path) -> None:
    blocks = examples(page("instance"), "instance")
    assert len(blocks) == 2  # one year; several years with Bausteine 1 and 3
    for n, block in enumerate(blocks):
        path = tmp_path / f"instance{n}.yaml"
        path.write_text(block, encoding="utf-8")
        result = CliRunner().invoke(app, ["validate", str(path)])
        assert result.exit_code == 0, result.output
    multi, _ = load_instance(tmp_path / "instance1.yaml")
    assert multi.multi and [y.year for y in multi.years] == [2023]


def test_model_example_loads() -> None:
    (block,) = examples(page("model"), "model")
    path = DOCS.parent / "models" / "kim-standard.yaml"  # the example differs from the default in two keys
    default, _ = load_model(path)
    example = PlanningModel.model_validate(yaml.safe_load(block))
    assert example.kreis_min_share != default.kreis_min_share
    assert example.model_dump(exclude={"kreis_min_share", "objectives"}) == default.model_dump(
        exclude={"kreis_min_share", "objectives"}
    )


def test_model_page_states_the_defaults_of_the_code() -> None:
    defaults = PlanningModel()
    for row in table_after(page("model"), "<!-- keys: kimopt.data.PlanningModel -->"):
        key, shown = row[0].strip("`"), re.match(r"`([^`]*)`", row[3])
        if shown is None:
            assert key == "objectives"  # „all six, in the order below“: the table of names
            continue
        documented = PlanningModel.model_validate({key: yaml.safe_load(shown.group(1))})
        assert getattr(documented, key) == getattr(defaults, key), key


def test_round_example_loads(tmp_path: Path) -> None:
    (block,) = examples(page("round"), "round")
    path = tmp_path / "round.yaml"
    path.write_text(block, encoding="utf-8")
    round_, _ = load_round(path)
    assert round_.total_vzae == 431 and len(round_.territories) == 2


def test_scenarios_example_loads_against_the_bundled_wesel_instance(tmp_path: Path) -> None:
    (block,) = examples(page("scenarios"), "scenarios")
    path = tmp_path / "scenarios.yaml"
    path.write_text(block, encoding="utf-8")
    base, _ = load_instance(INSTANCES / "kreis-wesel-2022.yaml")
    loaded = scenarios.load_scenarios(path, base, PlanningModel())
    assert [s.name for s in loaded][-1] == "Caritas mit 3 VZÄ"
    assert loaded[-1].instance.traeger[0].max_vzae == 3


def test_plan_json_example_entries_validate_with_the_plan_model() -> None:
    (block,) = examples(page("plan-json"), "plan")
    data: dict[str, Any] = json.loads(block)
    TypeAdapter(list[LevelEntry]).validate_python(data["objectives"])
    TypeAdapter(list[Link]).validate_python(data["links"])


def test_instance_workbook_table_is_the_workbook_contract() -> None:
    rows = table_after(page("instance"), "<!-- workbook: instance -->")
    expected = []
    for sheet in (
        workbook_schema.KREIS,
        workbook_schema.FUNDING,
        workbook_schema.KOMMUNEN,
        workbook_schema.TRAEGER,
        workbook_schema.YEARS,
        workbook_schema.CHANGES,
        workbook_schema.COORDINATION,
        workbook_schema.AUTHORITIES,
    ):
        for field in sheet.fields:
            path = ".".join(field.path)
            key = field.yaml or (path if sheet.record is None else f"{sheet.record}[].{path}")
            expected.append([sheet.title, field.label, f"`{key}`"])
    assert rows == expected


def test_plan_workbook_sheets_and_columns_are_those_written_and_read() -> None:
    text = page("plan-workbook")
    sheets = table_after(text, "<!-- sheets: plan-workbook -->")
    names = list(zip(SHEET_NAMES["de"], SHEET_NAMES["en"], strict=True))
    assert [(r[0], r[1]) for r in sheets] == [*names[:4], ("Kürzungen", "Cuts"), names[4], ("Haushalt", "Budget")]
    columns = table_after(text, "<!-- columns: Zuordnung -->")
    read = [(r[0], r[1], r[2].strip("`")) for r in columns if r[4].startswith("yes")]
    assert read == [(de, en, key) for key, (de, en) in HEADERS.items()]
    from io import BytesIO

    from openpyxl import load_workbook

    from kimopt.pipeline import plan_instance
    from tests.conftest import instance, model, tiny

    one_year = plan_instance(instance(tiny()), model()).plan_json
    assert one_year is not None
    written = load_workbook(BytesIO(plan_workbook(one_year)))
    assert [c.value for c in written["Zuordnung"][1]] == [r[0] for r in columns if r[0] != "Jahr"]  # one year


def test_plan_workbook_example_reads_with_the_plan_sheet_reader(tmp_path: Path) -> None:
    text = page("plan-workbook")
    rows = table_after(text, "<!-- example: zuordnung -->")
    first_line = text.split("<!-- example: zuordnung -->")[1].lstrip().splitlines()[0]
    header = [cell.strip() for cell in first_line.strip("|").split("|")]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Zuordnung"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "plan.xlsx"
    workbook.save(path)
    read = read_plan_sheet(path)
    assert [(r.host, r.host_type, r.kommune, str(r.vzae), r.fixed) for r in read.rows] == [
        ("Kreis Wesel", "kreis", "Hünxe", "3/10", False),
        ("Voerde (Niederrhein)", "kommune", "Voerde (Niederrhein)", "1", True),
        ("Caritasverband Dinslaken und Wesel", "traeger", "Dinslaken", "3/2", False),
        ("Kreis Wesel", "kreis", "Xanten", "0", True),
    ]
