"""Members that change over the years (DESIGN §5, issue 21): ``years[].kommunen`` and
``years[].traeger`` (any field from a year on), ``join``/``join_traeger`` and ``leave``.

Hand-derived numbers: Kreis Gütersloh (instances/kreis-guetersloh-2022-2023.yaml) has 5
Kommunen with 220,201 inhabitants in 2022 and 10 with 336,166 in 2023; Kreis Coesfeld
(instances/kreis-coesfeld-2022-2023.yaml) loses its Träger in 2023. Targets are
``N × population / W``; with whole 0.1 steps the least total deviation is the largest-remainder
rounding (each Kommune served by the Kreis where it has no host of its own).
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.check_horizon import _years, check_horizon
from kimopt.cli import app
from kimopt.data import Instance
from kimopt.errors import pydantic_findings
from kimopt.horizon import expand
from kimopt.load import load_instance
from kimopt.pipeline import Outcome, plan_instance
from tests.conftest import INSTANCES, assert_checker_refuses_a_broken_copy, cut_figures, dev_extra, model, tiny

GUETERSLOH = INSTANCES / "kreis-guetersloh-2022-2023.yaml"
COESFELD = INSTANCES / "kreis-coesfeld-2022-2023.yaml"
WESEL = INSTANCES / "kreis-wesel-2022-2023.yaml"
METTMANN = INSTANCES / "kreis-mettmann-2022-2023.yaml"
runner = CliRunner()


def solved(inst: Instance) -> Outcome:
    outcome = plan_instance(inst, model())
    assert outcome.plan_json is not None, outcome.failed_year
    return outcome


def year(outcome: Outcome, label: int) -> dict[str, Any]:
    assert outcome.plan_json is not None
    return next(y for y in outcome.plan_json["years"] if y["year"] == label)


def hosts(entry: dict[str, Any]) -> dict[str, float]:
    return {h["name"]: h["vzae"] for h in entry["hosts"] if h["vzae"]}


def coverage(entry: dict[str, Any]) -> dict[str, float]:
    return {k["name"]: k["coverage_vzae"] for k in entry["kommunen"]}


def data_of(path: Path) -> dict[str, Any]:
    inst, _ = load_instance(path)
    return inst.model_dump(mode="json")


def findings(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, dict[str, Any]]]:
    with pytest.raises(ValueError) as caught:
        Instance.model_validate(data)
    return [(f.loc, f.code, dict(f.params)) for f in pydantic_findings(caught.value, Instance)]  # type: ignore[arg-type]


# --- join: Kreis Gütersloh, 5 Kommunen in 2022 and 5 more in 2023 --------------------------


def test_guetersloh_each_year_has_its_own_kommunen_by_hand() -> None:
    inst, _ = load_instance(GUETERSLOH)
    outcome = solved(inst)
    first, second = year(outcome, 2022), year(outcome, 2023)
    # 2022: 4 VZÄ × population / 220,201 = 1.829, 0.884, 0.535, 0.460, 0.292; floors 3.7 VZÄ,
    # the 0.3 left go to the largest remainders (Herzebrock-Clarholz .092, Rheda .084, Harsewinkel .060)
    assert coverage(first) == {
        "Gütersloh": 1.8,
        "Rheda-Wiedenbrück": 0.9,
        "Rietberg": 0.5,
        "Harsewinkel": 0.5,
        "Herzebrock-Clarholz": 0.3,
    }
    # Gütersloh employs its 1.0 (max_vzae), the Kreis the rest: 3.0 ≥ 1/3 of 4
    assert hosts(first) == {"Kreis Gütersloh": 3.0, "Gütersloh": 1.0}
    # 2023: 8 VZÄ over 336,166 inhabitants; floors 7.6 VZÄ, the 0.4 left to the largest remainders
    # (Gütersloh 2.396, Steinhagen 0.488, Herzebrock-Clarholz 0.383, Rheda-Wiedenbrück 1.158)
    assert coverage(second) == {
        "Gütersloh": 2.4,
        "Rheda-Wiedenbrück": 1.2,
        "Rietberg": 0.7,
        "Harsewinkel": 0.6,
        "Herzebrock-Clarholz": 0.4,
        "Verl": 0.6,
        "Schloß Holte-Stukenbrock": 0.6,
        "Halle (Westf.)": 0.5,
        "Versmold": 0.5,
        "Steinhagen": 0.5,
    }
    # Verl joins: its share 0.6 lets it employ 0.5 (host step); the 2022 positions stay (no cut)
    assert hosts(second) == {"Kreis Gütersloh": 6.5, "Gütersloh": 1.0, "Verl": 0.5}
    assert second["cuts"] == [] and second["left"] == []
    assert [m["name"] for m in second["joined"]] == [
        "Verl",
        "Schloß Holte-Stukenbrock",
        "Halle (Westf.)",
        "Versmold",
        "Steinhagen",
    ]
    # Verl's own cost 72,000 € in the year it joins: 0.5 × (72,000 − 57,000) = 7,500 €;
    # the Kreis: 6.5 × (73,542 − 57,000) = 107,523 €
    by_year = outcome.plan_json["summary"]["eigenanteil_eur_by_year"]  # type: ignore[index]
    assert by_year["2023"]["by_payer"]["Verl"] == 7500
    assert by_year["2023"]["kreis"] == 107523
    assert "Verl" not in by_year["2022"]["by_payer"]
    assert_checker_refuses_a_broken_copy(inst, model(), outcome.plan_json)  # type: ignore[arg-type]


def test_a_member_that_joins_grows_its_cost_from_the_year_it_joins() -> None:
    data = tiny(
        years=[
            {
                "year": 2023,
                "cost_growth": "3/100",
                "join": [{"name": "Dedorf", "population": 10000, "cost_per_vzae": 72000}],
            },
            {"year": 2024},
        ]
    )
    inst = Instance.model_validate(data)
    for instances in ([y.instance for y in expand(inst)], [i for _, i in _years(inst)]):
        assert [len(i.kommunen) for i in instances] == [3, 4, 4]
        dedorf = [next((k.cost_per_vzae for k in i.kommunen if k.name == "Dedorf"), None) for i in instances]
        assert dedorf == [None, 72000, 74160]  # 72,000 × 1.03 = 74,160 €
        assert [i.kreis.cost_per_vzae for i in instances] == [71400, 73542, 75748]


def test_the_checker_derives_every_year_as_the_expansion_does() -> None:
    """Two derivations, written apart (horizon.py and check_horizon.py), agree on every year of
    instances that use every member key."""
    data = tiny(
        traeger=[{"name": "Caritas", "max_vzae": 1, "serves": ["Adorf", "Bedorf"], "cost_per_vzae": 70000}],
        years=[
            {
                "year": 2023,
                "cost_growth": "2/100",
                "leave": ["Bedorf"],
                "join": [{"name": "Dedorf", "ags": "01001001", "population": 5000, "share_with": ["Adorf"]}],
                "kommunen": {
                    "Adorf": {"max_vzae": 1, "budget": 8000, "share_with": ["01001001"]},  # Dedorf by AGS
                    "Dedorf": {"cost_per_vzae": 69000},  # after costs, which names it by AGS
                },
                "costs": {"01001001": 68000},
                "traeger": {"Caritas": {"deficit_coverage": True, "serves": ["Adorf", "Dedorf"]}},
            },
            {
                "year": 2024,
                "leave": ["Caritas", "Dedorf"],
                "join_traeger": [{"name": "AWO", "max_vzae": 0.5, "serves": ["Cedorf"], "cost_per_vzae": 71000}],
                "budgets": {"Cedorf": 100},
                "costs": {"AWO": 70500},
            },
        ],
    )
    inst = Instance.model_validate(data)
    for candidate in (inst, *(load_instance(p)[0] for p in (GUETERSLOH, COESFELD, WESEL, METTMANN))):
        mine = [y.instance.model_dump(mode="json") for y in expand(candidate)]
        theirs = [i.model_dump(mode="json") for _, i in _years(candidate)]
        for a, b in zip(mine, theirs, strict=True):
            a.pop("years", None), b.pop("years", None)
            for side in (a, b):
                side.pop("coordination", None), side.pop("authorities", None)
            assert a == b
    last = expand(inst)[-1].instance
    assert [t.name for t in last.traeger] == ["AWO"] and last.traeger[0].cost_per_vzae == 70500
    adorf = next(k for k in last.kommunen if k.name == "Adorf")
    assert adorf.max_vzae == 1 and adorf.budget == 8000  # changes carry on to later years
    assert adorf.share_with == []  # Dedorf (named by its AGS) has left
    middle = expand(inst)[1].instance
    assert [k.name for k in middle.kommunen] == ["Adorf", "Cedorf", "Dedorf"]
    assert middle.kommunen[2].cost_per_vzae == 69000
    assert middle.traeger[0].serves == ["Adorf", "Dedorf"] and middle.traeger[0].deficit_coverage


# --- leave: Kreis Coesfeld, a Träger withdraws after 2022 -----------------------------------


def test_coesfeld_a_traeger_that_leaves_takes_its_positions_and_nothing_is_cut() -> None:
    outcome = solved(load_instance(COESFELD)[0])
    first, second = year(outcome, 2022), year(outcome, 2023)
    # 2022: partners as many as they can take (Caritas 2.0, Dülmen 1.0), the Kreis 3.0 ≥ 1/3 of 6
    assert hosts(first) == {"Kreis Coesfeld": 3.0, "Dülmen": 1.0, "Caritasverband für den Kreis Coesfeld": 2.0}
    # 2023: the Träger is gone; its 2.0 VZÄ are no cut, the Kreis places them: 5.0, Dülmen keeps 1.0
    assert hosts(second) == {"Kreis Coesfeld": 5.0, "Dülmen": 1.0}
    assert second["cuts"] == [] and second["joined"] == []
    # the plan says so: the Träger stopped, with the 2.0 VZÄ it held
    assert second["left"] == [{"name": "Caritasverband für den Kreis Coesfeld", "member_type": "traeger", "vzae": 2.0}]
    assert all(link["host"] != "Caritasverband für den Kreis Coesfeld" for link in second["links"])
    by_year = outcome.plan_json["summary"]["eigenanteil_eur_by_year"]  # type: ignore[index]
    assert by_year["2022"]["kreis"] == 5 * 16400  # its 3.0 and the Träger's 2.0 (deficit coverage)
    assert by_year["2023"]["kreis"] == 5 * (73542 - 57000)
    assert outcome.years[1].problem.carried is not None
    assert ("traeger", "Caritasverband für den Kreis Coesfeld") not in outcome.years[1].problem.carried.held


def test_the_checker_refuses_a_leaving_member_stated_as_a_cut() -> None:
    inst, _ = load_instance(COESFELD)
    outcome = solved(inst)
    assert outcome.plan_json is not None
    assert check_horizon(inst, model(), outcome.plan_json) == []
    broken = copy.deepcopy(outcome.plan_json)
    caritas = "Caritasverband für den Kreis Coesfeld"
    broken["years"][1]["cuts"] = [
        {"host": caritas, "host_type": "traeger", "from_vzae": 2.0, "to_vzae": 0.0, "vzae": 2.0}
    ]
    subjects = [v.subject for v in check_horizon(inst, model(), broken)]
    assert f"2023: cuts: {caritas}" in subjects
    wrong = copy.deepcopy(outcome.plan_json)
    wrong["years"][1]["left"] = []  # the plan must say who left
    assert [v.subject for v in check_horizon(inst, model(), wrong)] == ["2023: left"]
    wrong["years"][1]["left"] = [{"name": caritas, "member_type": "traeger", "vzae": 1.0}]
    assert [v.subject for v in check_horizon(inst, model(), wrong)] == ["2023: left"]


def test_the_console_and_the_report_say_who_joined_and_who_left(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(COESFELD), "--report", str(tmp_path / "c.md")])
    assert result.exit_code == 0, result.output
    said = (
        "Ab 2023 nicht mehr dabei: Caritasverband für den Kreis Coesfeld (2,0 VZÄ); die Stellen enden mit dem Austritt"
    )
    assert said in result.output and said in (tmp_path / "c.md").read_text(encoding="utf-8")
    result = runner.invoke(app, ["solve", str(GUETERSLOH), "--lang", "en"])
    assert (
        "Taking part from 2023: Verl, Schloß Holte-Stukenbrock, Halle (Westf.), Versmold, Steinhagen." in result.output
    )


def test_a_kommune_that_leaves_is_gone_from_the_year_its_partners_and_its_traeger() -> None:
    data = data_of(METTMANN)
    data["years"][0]["leave"] = ["Haan", "05158036"]  # by name and by AGS (Wülfrath)
    outcome = solved(Instance.model_validate(data))
    second = year(outcome, 2023)
    assert "Haan" not in coverage(second) and "Wülfrath" not in coverage(second)
    assert len(coverage(second)) == 8 and len(coverage(year(outcome, 2022))) == 10
    assert all(link["kommune"] not in ("Haan", "Wülfrath") for link in second["links"])
    diakonie = next(t for t in outcome.years[1].horizon.instance.traeger if t.name == "Diakonie im Kreis Mettmann")
    assert "Haan" not in diakonie.serves


def test_baustein_1_and_3_positions_end_with_the_kommune_that_leaves() -> None:
    data = data_of(WESEL)
    data["years"][0]["leave"] = ["Moers"]
    inst = Instance.model_validate(data)
    outcome = solved(inst)
    first, second = year(outcome, 2022), year(outcome, 2023)
    assert any(p["host"] == "Moers" for p in first["coordination"])
    assert any(p["host"] == "Moers" for p in first["authorities"])
    assert all(p["host"] != "Moers" for p in second["coordination"] + second["authorities"])
    assert "Moers" not in hosts(second)
    assert_checker_refuses_a_broken_copy(inst, model(), outcome.plan_json)  # type: ignore[arg-type]


# --- years[].kommunen and years[].traeger: any field from a year on --------------------------


def test_a_kommune_that_wants_fewer_positions_is_a_cut_the_plan_states() -> None:
    base = data_of(COESFELD)
    for wanted, left in ((0.5, 0.5), (0, 0.0)):
        data = copy.deepcopy(base)
        data["years"][0]["kommunen"] = {"Dülmen": {"max_vzae": wanted}}
        inst = Instance.model_validate(data)
        outcome = solved(inst)
        second = year(outcome, 2023)
        # Dülmen held 1.0 in 2022: the cut to its new maximum is stated (also down to 0, when it
        # is no host by max_vzae any more), and the checker agrees
        assert cut_figures(second["cuts"]) == [
            {"host": "Dülmen", "host_type": "kommune", "from_vzae": 1.0, "to_vzae": left, "vzae": 1.0 - left}
        ]
        assert hosts(second).get("Dülmen", 0.0) == left
        assert check_horizon(inst, model(), outcome.plan_json) == []  # type: ignore[arg-type]


def test_a_traeger_field_changes_from_its_year_on() -> None:
    data = data_of(COESFELD)
    data["years"][0] = {"year": 2023, "traeger": {"Caritasverband für den Kreis Coesfeld": {"max_vzae": 3}}}
    data["years"].append({"year": 2024, "positions_vzae": 8})
    outcome = solved(Instance.model_validate(data))
    # from 2023 the Träger may take 3.0, but of 6 VZÄ the Kreis keeps its 3.0 (continuity), so
    # the partners stay at 3.0 (Träger 2.0, Dülmen 1.0); in 2024, 8 VZÄ: the Kreis keeps 3.0 and
    # ≥ 8/3, the partners take all they can, Träger 3.0 (its Kommunen's share is 3.27) and Dülmen 1.0
    assert hosts(year(outcome, 2023)) == {
        "Kreis Coesfeld": 3.0,
        "Dülmen": 1.0,
        "Caritasverband für den Kreis Coesfeld": 2.0,
    }
    assert hosts(year(outcome, 2024)) == {
        "Kreis Coesfeld": 4.0,
        "Dülmen": 1.0,
        "Caritasverband für den Kreis Coesfeld": 3.0,
    }


# --- findings: clear errors naming the year, the member and the field ------------------------


def test_unknown_fields_and_bad_values_are_clear_errors() -> None:
    data = tiny(years=[{"year": 2023, "kommunen": {"Bedorf": {"max_vzea": 1, "name": "X", "budget": -5}}}])
    found = {(loc, code): params for loc, code, params in findings(data)}
    at = ("years", 0, "kommunen", "Bedorf")
    assert found[((*at, "max_vzea"), "unknown_key")]["hint"] == "max_vzae"
    assert ((*at, "name"), "year_fixed_field") in found
    assert ((*at, "budget"), "negative") in found


def test_unknown_members_are_clear_errors() -> None:
    data = tiny(
        years=[
            {
                "year": 2023,
                "kommunen": {"Adorff": {"max_vzae": 1}},
                "traeger": {"Caritas": {"max_vzae": 1}},
                "leave": ["Zedorf"],
                "join": [{"name": "Cedorf", "population": 5}, {"name": "Dedorf", "population": 5, "existing_vzae": 1}],
            },
            {"year": 2024, "leave": ["Adorf"], "costs": {"Adorf": 70000}, "budgets": {"Dedorf": 10}},
        ]
    )
    found = {(loc, code): params for loc, code, params in findings(data)}
    y = ("years", 0)
    assert found[((*y, "kommunen", "Adorff"), "unknown_kommune")]["hint"] == "Adorf"
    assert ((*y, "traeger", "Caritas"), "unknown_traeger") in found
    assert ((*y, "leave", 0), "unknown_member") in found
    assert ((*y, "join", 0, "name"), "duplicate_name") in found
    assert ((*y, "join", 1, "existing_vzae"), "join_existing") in found
    # 2024: Adorf has left, so its cost cannot be set; Dedorf, who joined in 2023, has a budget
    assert (("years", 1, "costs", "Adorf"), "unknown_employer") in found
    assert not any(loc[:3] == ("years", 1, "budgets") for loc, _ in found)


def test_the_message_names_file_year_member_and_field(tmp_path: Path) -> None:
    path = tmp_path / "i.json"
    data = tiny(years=[{"year": 2023, "kommunen": {"Bedorf": {"max_vzea": 1}}}])
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Jahr 1 „2023“, Feld „kommunen.Bedorf.max_vzea“: unbekannter Schlüssel – meinten Sie „max_vzae“?" in (
        result.output
    )


def test_no_kommune_may_be_left() -> None:
    data = tiny(years=[{"year": 2023, "leave": ["Adorf", "Bedorf", "Cedorf"]}])
    assert (("years", 0, "leave"), "no_kommune_left", {}) in findings(data)


# --- files: YAML/JSON keep the keys, the workbook refuses what it cannot hold ---------------


def test_yaml_and_json_keep_the_member_keys(tmp_path: Path) -> None:
    inst, _ = load_instance(GUETERSLOH)
    for suffix in ("json", "yaml"):
        target = tmp_path / f"g.{suffix}"
        result = runner.invoke(app, ["convert", str(GUETERSLOH), "-o", str(target)])
        assert result.exit_code == 0, result.output
        again, _ = load_instance(target)
        assert again == inst and again.years[0].join[0].name == "Verl"


def test_the_workbook_keeps_members_by_year(tmp_path: Path) -> None:
    """„Ab Jahr“, „Austritt ab Jahr“ and „Änderungen“ (tests/io/test_excel_years.py): nothing dropped."""
    for source in (GUETERSLOH, COESFELD):
        target = tmp_path / f"{source.stem}.xlsx"
        result = runner.invoke(app, ["convert", str(source), "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert load_instance(target)[0] == load_instance(source)[0]


# --- what people read: each year shows its own members ---------------------------------------


def test_the_report_shows_each_year_with_its_own_kommunen(tmp_path: Path) -> None:
    plan = tmp_path / "g.json"
    report = tmp_path / "g.html"
    result = runner.invoke(app, ["solve", str(GUETERSLOH), "-o", str(plan), "--report", str(report), "-q"])
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    first, _, later = html.partition("Verteilung auf die Kommunen 2023")
    assert "Verl" not in first.split("Vergleich mit klassischen Verfahren")[0]
    assert "Verl" in later and "Steinhagen" in later


def test_the_page_shows_each_year_with_its_own_kommunen(tmp_path: Path) -> None:
    dev_extra("httpx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from kimopt.serve.app import create_app
    from tests.serve.test_serve import ORIGIN, PORT, TOKEN, make_session

    session = make_session(tmp_path, GUETERSLOH)
    try:
        client = TestClient(create_app(session, PORT, TOKEN), base_url=ORIGIN)

        def distribution(page: str) -> str:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
            return text.split("Verteilung auf die Kommunen", 1)[1].split("Summe", 1)[0]

        first, second = distribution(client.get("/").text), distribution(client.get("/?year=2023").text)
        assert "Herzebrock-Clarholz" in first and "Verl" not in first
        assert "Verl 25.382 0,604 0,6" in second and "Steinhagen" in second
        # a change solves every year again, with the members of each year
        headers = {"X-Kimopt-Token": TOKEN, "Origin": ORIGIN}
        answer = client.post("/change", data={**session.base, "kreisquote": "40", "year": "2023"}, headers=headers)
        assert answer.status_code == 200 and "Verl 25.382" in distribution(answer.text)
    finally:
        session.close()


def test_what_the_year_before_left_does_not_move_the_links_of_a_year() -> None:
    """``--fix`` rows are link indices of a year compiled without the year before; a Kommune kept
    as a host only for its cut comes last, so every other index stays."""
    from kimopt.problem import Carried, compile_problem

    data = data_of(COESFELD)
    data["years"][0]["kommunen"] = {"Dülmen": {"max_vzae": 0}}
    second = expand(Instance.model_validate(data))[1].instance
    alone = compile_problem(second, model())
    given = compile_problem(second, model(), Carried({("kommune", "Dülmen"): Fraction(1)}))
    assert given.links[: len(alone.links)] == alone.links and given.hosts[: len(alone.hosts)] == alone.hosts
    assert [(h.name, h.max_units) for h in given.hosts[len(alone.hosts) :]] == [("Dülmen", 0)]


def test_later_members_are_checked_against_the_model_before_solving() -> None:
    """VZÄ off the granularity and missing key columns in a later year are findings, not a crash
    of the year's compilation."""
    from kimopt.data import pairing_findings

    data = tiny(
        years=[
            {
                "year": 2023,
                "join": [{"name": "Dedorf", "population": 5000, "max_vzae": 0.55}],
                "kommunen": {"Adorf": {"max_vzae": 0.25, "indicators": {}}},
                "traeger": {},
            }
        ]
    )
    for k in data["kommunen"]:
        k["indicators"] = {"refugees": 10}
    inst = Instance.model_validate(data)
    found = {(f.loc, f.code) for f in pairing_findings(inst, model(key={"population": "1/2", "refugees": "1/2"}))}
    assert found == {
        (("years", 0, "join", 0, "max_vzae"), "off_granularity"),
        (("years", 0, "kommunen", "Adorf", "max_vzae"), "off_granularity"),
        (("years", 0, "join", 0, "indicators"), "unknown_indicator"),
        (("years", 0, "kommunen", "Adorf", "indicators"), "unknown_indicator"),
    }
