"""Baustein 3 hosts qualify with an Ausländerbehörde or an Einbürgerungsbehörde (DESIGN §5).

On ``conftest.tiny`` (Adorf, Bedorf, Cedorf; real cost 71,400 € against 55,000 €): Bedorf has
only its own Einbürgerungsbehörde and hosts 0.5 VZÄ of Baustein 3.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kimopt.analysis.explain.horizon  # noqa: F401  (registers the texts of Bausteine 1 and 3)
from kimopt.check_horizon import check_horizon
from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.horizon import expand
from kimopt.load import load_instance
from kimopt.pipeline import plan_instance
from kimopt.rules import AUTHORITIES
from tests.conftest import DEFICIT, INSTANCES, instance, model, tiny, with_kommune, write_yaml


def naturalisation_office(**flags: Any) -> dict[str, Any]:
    """Tiny with 0.5 VZÄ of Baustein 3 at Bedorf, which has the given office flags."""
    data = tiny(authorities={"rate_per_vzae": 55000, "positions": [{"host": "Bedorf", "vzae": 0.5}]})
    return with_kommune(data, "Bedorf", **flags)


def test_a_kommune_with_only_an_einbuergerungsbehoerde_hosts_baustein_3() -> None:
    data = naturalisation_office(einbuergerungsbehoerde=True)
    inst = instance(data)
    assert not inst.kommunen[1].auslaenderbehoerde
    outcome = plan_instance(inst, model())
    assert outcome.status == "OPTIMAL" and outcome.plan_json is not None
    entry = outcome.plan_json["years"][0]
    assert [(p["host"], p["host_type"], p["vzae"]) for p in entry["authorities"]] == [("Bedorf", "kommune", 0.5)]
    # Bedorf's own cost defaults to the Kreis's: 0.5 × (71,400 − 55,000) = 8,200 €
    bedorf = next(p for p in entry["eigenanteil"] if p["payer"] == "Bedorf")
    assert bedorf["baustein_3_eur"] == DEFICIT // 2 == 8200
    assert check_horizon(inst, model(), outcome.plan_json) == []


def test_an_einbuergerungsbehoerde_is_read_from_yaml(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "b3.yaml", naturalisation_office(einbuergerungsbehoerde="ja"))
    assert load_instance(path)[0].kommunen[1].einbuergerungsbehoerde


def test_without_either_office_the_instance_is_refused(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "b3.yaml", naturalisation_office())
    with pytest.raises(InputError) as caught:
        load_instance(path)
    assert [f.code for f in caught.value.findings] == ["authority_without_abh"]
    text = caught.value.render("de")
    assert "„Bedorf“ hat keine eigene Ausländerbehörde und keine Einbürgerungsbehörde" in text


def test_the_checker_accepts_the_einbuergerungsbehoerde_and_refuses_a_kommune_without_office() -> None:
    data = naturalisation_office(einbuergerungsbehoerde=True)
    outcome = plan_instance(instance(data), model())
    assert outcome.plan_json is not None
    broken = copy.deepcopy(outcome.plan_json)
    for position in broken["years"][0]["authorities"]:
        position["host"] = "Adorf"  # no office of its own
    found = {(v.rule, v.subject): v.text("de") for v in check_horizon(instance(data), model(), broken)}
    assert "weder eigene Ausländer- noch Einbürgerungsbehörde" in found[("authorities", "2022: Adorf")]


def test_the_explanation_names_both_offices() -> None:
    inst = instance(naturalisation_office(einbuergerungsbehoerde=True))
    text = AUTHORITIES.year_text(expand(inst)[0], model(), "", "de")
    assert text.startswith(
        "genau die Stellen der Liste, beim Kreis oder einer Kommune mit Ausländer- oder Einbürgerungs"
    )
    assert "Bedorf" in text


def test_the_workbook_column_einbuergerungsbehoerde(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kimopt.cli import app

    source = write_yaml(tmp_path / "b3.yaml", naturalisation_office(einbuergerungsbehoerde=True))
    target = tmp_path / "b3.xlsx"
    result = CliRunner().invoke(app, ["convert", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    import openpyxl

    sheet = openpyxl.load_workbook(target)["Kommunen"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("Einbürgerungsbehörde") + 1
    assert [sheet.cell(row, column).value for row in (2, 3, 4)] == ["nein", "ja", "nein"]
    assert load_instance(target)[0] == load_instance(source)[0]


def test_the_bundled_instance_places_baustein_3_at_an_einbuergerungsbehoerde(tmp_path: Path) -> None:
    # instances/kreis-wesel-2022-einbuergerung.yaml: Kamp-Lintfort, no Ausländerbehörde, an
    # Einbürgerungsbehörde, hosts 0.5 VZÄ of Baustein 3: 0.5 × (71,400 − 55,000) = 8,200 €, which
    # with its own 0.5 VZÄ of Baustein 2 (8,200 €) is its budget of 16,400 €
    path = INSTANCES / "kreis-wesel-2022-einbuergerung.yaml"
    plan_file = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["solve", str(path), "-q", "--no-binding", "-o", str(plan_file)])
    assert result.exit_code == 0, result.output
    year = json.loads(plan_file.read_text(encoding="utf-8"))["years"][0]
    assert {(a["host"], a["vzae"], a["eigenanteil_eur"]) for a in year["authorities"]} >= {("Kamp-Lintfort", 0.5, 8200)}
    paid = {p["payer"]: p for p in year["eigenanteil"]}["Kamp-Lintfort"]
    assert (paid["baustein_3_eur"], paid["eur"], paid["budget_eur"]) == (8200, 16400, 16400)
    without = path.read_text(encoding="utf-8").replace("einbuergerungsbehoerde: true", "einbuergerungsbehoerde: false")
    refused = tmp_path / "ohne.yaml"
    refused.write_text(without, encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(refused), "-q"])
    assert result.exit_code == 1 and "Kamp-Lintfort" in result.output, result.output
