"""Writing a validated instance as YAML, JSON or an Excel workbook, without losing a value.

Every value survives exactly: VZÄ are written as decimal numbers where the decimal is exact
(``0.5``), otherwise as exact fractions in text (``"1/3"``); names and AGS stay text (an AGS
such as ``"05170044"`` is always quoted in YAML, so no reader takes it for a number).
Comments of the source file cannot be carried over. Records are written with the keys that
differ from the defaults, so a converted file reads like a hand-written one.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from kimopt.data import Instance
from kimopt.errors import Finding, InputError
from kimopt.io.reader import EXCEL_SUFFIXES, JSON_SUFFIXES, YAML_SUFFIXES

OUTPUT_SUFFIXES = (*YAML_SUFFIXES, *JSON_SUFFIXES, ".xlsx")


def plain_number(value: Fraction | int) -> int | float | str:
    """An exact number for YAML/JSON: an int, a float that reads back exactly, or ``"p/q"``."""
    number = Fraction(value)
    if number.denominator == 1:
        return int(number)
    as_float = float(number)
    if Fraction(repr(as_float)) == number:
        return as_float
    return f"{number.numerator}/{number.denominator}"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):  # a record inside a record: a year's ``join``
        return _plain(_record(value))
    if isinstance(value, Fraction):
        return plain_number(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _record(record: BaseModel, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of one record with exact values; defaults left out unless in ``keep``."""
    out: dict[str, Any] = {}
    for name, field in type(record).model_fields.items():
        value = getattr(record, name)
        if name in keep or field.is_required() or value != field.get_default(call_default_factory=True):
            out[name] = value
    return out


def instance_data(instance: Instance) -> dict[str, Any]:
    """The instance as YAML/JSON-ready data that validates to an equal :class:`Instance`.

    The Kreis keeps ``budget`` and ``existing_vzae`` (``budget: null`` says "unlimited");
    otherwise keys with their default value are left out.
    """
    return _plain(
        {
            "name": instance.name,
            "kreis": _record(instance.kreis, keep=("budget", "existing_vzae")),
            "funding": _record(instance.funding),
            "kommunen": [_record(k) for k in instance.kommunen],
            "traeger": [_record(t) for t in instance.traeger],
            **_horizon_data(instance),
        }
    )


def _horizon_data(instance: Instance) -> dict[str, Any]:
    """DESIGN §5: later years, Baustein 1 and Baustein 3, only where the instance has them."""
    out: dict[str, Any] = {}
    if instance.years:
        out["years"] = [_record(y) for y in instance.years]
    if instance.coordination is not None:
        out["coordination"] = _record(instance.coordination)
    if instance.authorities is not None:
        out["authorities"] = {
            "rate_per_vzae": instance.authorities.rate_per_vzae,
            "positions": [_record(p) for p in instance.authorities.positions],
        }
    return out


_LOOKS_TYPED = re.compile(r"[-+.0-9][-+.0-9_:eE]*|(?i:y|n|yes|no|on|off|true|false|null|~|ja|nein|\.nan|\.inf|-\.inf)")


class _Dumper(yaml.SafeDumper):
    """Quotes every text that some YAML reader could take for a number, boolean or null."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if value == "" or _LOOKS_TYPED.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: dict[str, Any], source: Path | None = None) -> str:
    """YAML text in the layout of ``instances/*.yaml`` (block style, keys in contract order)."""
    head = (
        "# kimopt instance"
        + (f", converted from {source.name}" if source else "")
        + " (comments of the source are not carried over)\n"
    )
    return head + yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def dump_json(data: dict[str, Any]) -> str:
    """JSON text: UTF-8, two-space indent, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def output_format(path: Path) -> str:
    """``yaml``, ``json`` or ``xlsx`` from the suffix; anything else is bad input."""
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix == ".xlsx":
        return "xlsx"
    hint = " (.xlsm: als .xlsx speichern / save as .xlsx)" if suffix in EXCEL_SUFFIXES else ""
    raise InputError(
        path, [Finding((), "file_suffix", {"value": suffix or "''", "choices": ", ".join(OUTPUT_SUFFIXES) + hint})]
    )


def instance_bytes(instance: Instance, target: Path, source: Path | None = None) -> bytes:
    """The instance in the format ``target``'s suffix names."""
    kind = output_format(target)
    if kind == "xlsx":
        from kimopt.io.excel import instance_workbook

        return instance_workbook(instance, source)
    data = instance_data(instance)
    text = dump_yaml(data, source) if kind == "yaml" else dump_json(data)
    return text.encode("utf-8")
