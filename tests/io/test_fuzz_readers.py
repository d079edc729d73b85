"""Fuzzing the readers: random bytes and mutated valid files give exit 0 or 1, never a crash or hang.

Bounded: small inputs and a fixed number of examples per kind (a few seconds in all); every
run of ``kimopt validate`` must end as a valid instance (exit 0) or with one clear message
(exit 1) — no "Interner Fehler", no traceback.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import openpyxl
import yaml
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import DATA, dev_extra

hypothesis = dev_extra("hypothesis")
st = dev_extra("hypothesis.strategies")
HealthCheck, assume, given, settings = hypothesis.HealthCheck, hypothesis.assume, hypothesis.given, hypothesis.settings

runner = CliRunner()
VALID = (DATA / "valid_tiny.yaml").read_text(encoding="utf-8")
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SECONDS = 10  # no single input may take longer (the largest here takes a fraction of a second)

# pieces a hostile or careless hand puts into a file
NASTY = [
    "1e99999999",
    "9" * 5000,
    "-0",
    "nan",
    ".inf",
    "0x1F",
    "1/0",
    "&a",
    "*a",
    "<<: *a",
    "!!python/object:os.system",
    "? [a, b]",
    "{",
    "]",
    "\x00",
    "\x07",
    "\ufeff",
    "Hu\u0308nxe",
    "$x$",
    "<script>",
    "=1+1",
    "'",
    '"',
    "\t",
    ": ",
    "- ",
    "#",
    "%YAML 1.1",
    "---",
    "...",
    "null",
    "~",
    "true",
    "ja",
    "€",
    "05170044",
    "1.000,5",
    "1e30",
]


def validate(path: Path) -> None:
    started = time.perf_counter()
    result = runner.invoke(app, ["validate", str(path)])
    assert time.perf_counter() - started < SECONDS
    assert result.exit_code in (0, 1), result.output
    assert "Interner Fehler" not in result.output and "Traceback" not in result.output, result.output
    if result.exit_code == 1:
        assert result.output.strip()


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".yaml", ".json", ".xlsx"]))
def test_random_bytes(data: bytes, suffix: str, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"random{suffix}"
    path.write_bytes(data)
    validate(path)


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for position, length, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length :]
    return text


EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 12), st.one_of(st.sampled_from(NASTY), st.text(max_size=8))),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(edits=EDITS)
def test_mutated_yaml(edits: list[tuple[int, int, str]], tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "mutated.yaml"
    path.write_bytes(_mutate(VALID, edits).encode("utf-8", "surrogatepass"))
    validate(path)


@FUZZ
@given(edits=EDITS)
def test_mutated_json(edits: list[tuple[int, int, str]], tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "mutated.json"
    text = json.dumps(yaml.safe_load(VALID), ensure_ascii=False, indent=1)
    path.write_bytes(_mutate(text, edits).encode("utf-8", "surrogatepass"))
    validate(path)


def _workbook_bytes() -> bytes:
    from kimopt.io.excel.write import instance_workbook
    from kimopt.load import load_instance

    instance, _ = load_instance(DATA / "valid_tiny.yaml")
    return instance_workbook(instance)


CELL_VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=12),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.dates(),
)


@FUZZ
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["Kreis", "Förderung", "Kommunen", "Träger"]),
            st.integers(1, 8),
            st.integers(1, 12),
            CELL_VALUES,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_workbook(cells: list[tuple[str, int, int, object]], tmp_path_factory) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(WORKBOOK))
    for sheet, row, column, value in cells:
        if sheet in workbook.sheetnames:
            try:
                workbook[sheet].cell(row=row, column=column, value=value)
            except Exception:  # openpyxl refuses some values itself (control characters, …)
                continue
    path = tmp_path_factory.mktemp("fuzz") / "mutated.xlsx"
    try:
        workbook.save(path)
    except Exception:  # openpyxl cannot write some values it accepted (not kimopt's concern)
        assume(False)
    validate(path)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_workbook_bytes(flips: list[tuple[int, int]], tmp_path_factory) -> None:
    data = bytearray(WORKBOOK)
    for position, byte in flips:
        data[position % len(data)] = byte
    path = tmp_path_factory.mktemp("fuzz") / "damaged.xlsx"
    path.write_bytes(bytes(data))
    validate(path)


WORKBOOK = _workbook_bytes()
