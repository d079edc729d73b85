"""The catalogue of broken files: each gets exit 1, one clear message naming the field or fault,
no traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import DATA, INSTANCES

runner = CliRunner()
BROKEN = DATA / "broken"
BROKEN_MODELS = DATA / "broken_models"

# file -> what the message must name (the field as written in the file, or the fault)
INSTANCE_CASES = {
    "binary_garbage.yaml": "Binärdaten",
    "budget_negative.yaml": "„budget“",
    "budget_too_large.yaml": "zu groß",
    "kommune_empty_entry.yaml": "Kommune 2: (leer)",
    "population_too_large.yaml": "„population“",
    "positions_too_large.yaml": "„positions_vzae“",
    "yaml_nested_too_deep.yaml": "zu tief verschachtelt",
    "deficit_coverage_not_bool.yaml": "„deficit_coverage“",
    "document_is_list.yaml": "Liste",
    "document_is_scalar.yaml": "nur Text",
    "encoding_latin1.yaml": "UTF-8",
    "file_empty.yaml": "leer",
    "file_only_comments.yaml": "leer",
    "json_nan.json": "„positions_vzae“",
    "json_syntax_error.json": "Zeile 1, Spalte 48",
    "kommune_ags_duplicate.yaml": "„ags“",
    "kommune_name_duplicate.yaml": "mehrfach",
    "kommune_name_empty.yaml": "„name“",
    "kommunen_empty.yaml": "„kommunen“",
    "kommunen_not_list.yaml": "„kommunen“",
    "kreis_missing.yaml": "„kreis“",
    "kreis_not_mapping.yaml": "„kreis“",
    "max_vzae_off_granularity.yaml": "„max_vzae“",
    "population_boolean.yaml": "„population“",
    "population_fractional.yaml": "„population“",
    "population_misspelled.yaml": "meinten Sie „population“",
    "population_negative.yaml": "„population“",
    "population_text.yaml": "„viele“ ist keine Zahl",
    "positions_infinite.yaml": "„positions_vzae“",
    "positions_nan.yaml": "„positions_vzae“",
    "positions_text_nan.yaml": "„positions_vzae“",
    "positions_zero.yaml": "„positions_vzae“",
    "rate_cents.yaml": "„rate_per_vzae“",
    "serves_empty.yaml": "„serves“",
    "serves_unknown.yaml": "meinten Sie „Cedorf“",
    "share_with_self.yaml": "„share_with[1]“",
    "share_with_unknown.yaml": "meinten Sie „Bedorf“",
    "suffix_unknown.txt": "Dateiformat",
    "top_key_misspelled.yaml": "meinten Sie „traeger“",
    "traeger_max_missing.yaml": "„max_vzae“",
    "yaml_alias_bomb.yaml": "YAML-Verweise",
    # numbers whose exact value would take minutes and gigabytes to build
    "number_exponent_huge.yaml": "Feld „population“: „1e99999999“: Zahl mit zu vielen Stellen",
    "number_exponent_huge_float.yaml": "Feld „positions_vzae“: „1.0e+99999999“: Zahl mit zu vielen Stellen",
    "number_exponent_huge.json": "Feld „positions_vzae“: „1e99999999“: Zahl mit zu vielen Stellen",
    "budget_exponent_huge_text.yaml": "Feld „budget“: „1e99999999“: Zahl mit zu vielen Stellen",
    "json_integer_5000_digits.json": "Feld „population“: „99999999",
    "yaml_integer_5000_digits.yaml": "Feld „population“: „99999999",
    # workbooks: a 75 KB file whose one row of 1.1 million cells would take gigabytes; stale hidden data
    "xlsx_row_of_a_million_cells.xlsx": "zu viele Zellen",
    "xlsx_hidden_sheet.xlsx": "Tabellenblatt „Kommunen“ ist ausgeblendet",
    "xlsx_damaged_part_header.xlsx": "BadZipFile",  # found by tests/io/test_fuzz_readers.py
    "yaml_merge_key.yaml": "YAML-Zusammenführung „<<“ in Zeile 4",
    # names: one name in NFC and NFD, a name that is another Kommune's AGS, 1,000 characters, a bell
    "kommune_name_duplicate_nfc_nfd.yaml": "der Name „Hünxe“ kommt mehrfach vor",
    "kommune_named_like_other_ags.yaml": "Gemeindeschlüssel von Bedorf: Verweise wären mehrdeutig",
    "kommune_name_too_long.yaml": "zu lang (höchstens 200 Zeichen)",
    "kommune_name_control_character.yaml": "Steuerzeichen",
    "yaml_complex_key.yaml": "Schlüssel in Zeile 3 ist eine Liste",
    "yaml_duplicate_key.yaml": "„year“",
    "yaml_python_tag.yaml": "python/object",
    "yaml_syntax_error.yaml": "Zeile 7",
}

MODEL_CASES = {
    "host_step_off_granularity.yaml": "„host_step_vzae“",
    "key_weights_do_not_add_up.yaml": "„key“",
    "kreis_min_share_above_one.yaml": "„kreis_min_share“",
    "measure_on_wrong_objective.yaml": "Ziel 1 „own_cost“, Feld „measure“",
    "measure_unknown.yaml": "Ziel 1 „proportionality“, Feld „measure“",
    "objective_duplicate.yaml": "Ziel 2, Feld „name“",
    "objective_unknown.yaml": "meinten Sie „proportionality“",
    "setting_misspelled.yaml": "meinten Sie „granularity_vzae“",
    "time_limit_zero.yaml": "„time_limit_s“",
    "workers_negative.yaml": "„workers“",
}


def test_catalogue_is_complete() -> None:
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(INSTANCE_CASES)
    assert sorted(p.name for p in BROKEN_MODELS.iterdir()) == sorted(MODEL_CASES)


def assert_clean_failure(args: list[str], expected: str, out: Path) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2  # one message (plus a "… more" line)
    assert not out.exists()
    return result.output


@pytest.mark.parametrize("name", sorted(INSTANCE_CASES))
def test_broken_instance(name: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    output = assert_clean_failure(["solve", str(BROKEN / name), "-o", str(out)], INSTANCE_CASES[name], out)
    assert name in output  # the file is named


@pytest.mark.parametrize("name", sorted(MODEL_CASES))
def test_broken_model(name: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    output = assert_clean_failure(
        ["solve", str(INSTANCES / "kreis-wesel-2022.yaml"), "--model", str(BROKEN_MODELS / name), "-o", str(out)],
        MODEL_CASES[name],
        out,
    )
    assert name in output


@pytest.mark.parametrize("command", ["solve", "validate"])
def test_directory_and_missing_file(command: str, tmp_path: Path) -> None:
    for path, expected in ((tmp_path, "Ordner"), (tmp_path / "fehlt.yaml", "nicht gefunden")):
        result = runner.invoke(app, [command, str(path)])
        assert result.exit_code == 1
        assert expected in result.output
        assert "Traceback" not in result.output


def test_oversize_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kimopt.io.reader as reader

    monkeypatch.setattr(reader, "MAX_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "# padding\n" * 200, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(big)])
    assert result.exit_code == 1
    assert "zu groß" in result.output


def test_messages_in_english(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(BROKEN / "population_text.yaml"), "--lang", "en"])
    assert result.exit_code == 1
    assert "Kommune 2 'Bedorf', field 'population': 'viele' is not a number" in result.output


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    broken = tmp_path / "many.yaml"
    text = (BROKEN.parent / "valid_tiny.yaml").read_text(encoding="utf-8")
    text = text.replace("population: 10000", "population: viele").replace("positions_vzae: 3", "positions_vzae: -3")
    text = text.replace("share_with: [Bedorf]", "share_with: [Bedorf], farbe: blau")
    broken.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "3 Problem(e)" in result.output
    for expected in ("„population“", "„positions_vzae“", "„farbe“"):
        assert expected in result.output


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f'name: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    result = runner.invoke(app, ["validate", str(evil)])
    assert result.exit_code == 1
    assert not marker.exists()


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    instance = tmp_path / "wesel.yaml"
    original = (INSTANCES / "kreis-wesel-2022.yaml").read_text(encoding="utf-8")
    instance.write_text(original, encoding="utf-8")
    result = runner.invoke(app, ["solve", str(instance), "-o", str(instance)])
    assert result.exit_code == 1
    assert "überschreiben" in result.output
    assert instance.read_text(encoding="utf-8") == original


def test_ags_with_leading_zero_stays_text(tmp_path: Path) -> None:
    # YAML 1.1 would read 05170044 as an octal number; kimopt keeps it as the text it is.
    from kimopt.load import load_instance

    text = (BROKEN.parent / "valid_tiny.yaml").read_text(encoding="utf-8").replace('ags: "01001001"', "ags: 01001001")
    path = tmp_path / "ags.yaml"
    path.write_text(text, encoding="utf-8")
    instance, _ = load_instance(path)
    assert instance.kommunen[0].ags == "01001001"
