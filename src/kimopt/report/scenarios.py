"""Scenario files: named variations of the instance and of the planning model.

A scenario file is a mapping with one key ``scenarios``, a list of entries::

    scenarios:
      - name: Kreis übernimmt das Defizit der Kommunen
        model: {kreis_covers_kommunen: true}
      - name: Voerde Budget 16.400 €
        instance:
          kommunen: {"Voerde (Niederrhein)": {budget: 16400}}
      - name: Förderung 57.000 €
        instance: {funding: {rate_per_vzae: 57000}}
      - name: Budget 2023 wie 2022
        instance: {years: {2023: {budgets: {Kreis Mettmann: 114800}}}}

``model`` sets keys of the planning model (a given ``objectives`` list replaces the whole
list). ``instance`` sets keys of ``name``, ``kreis`` and ``funding`` (the first year); under
``kommunen`` and ``traeger`` each record is addressed by its name (Kommunen also by AGS), under
``years`` each later year by its number, and only the keys given change (of a year's
``costs`` and ``budgets`` only the payers and employers given). The patched data is
validated again exactly like a file, so a scenario can never produce an instance or model
that ``kimopt solve`` would refuse. Every problem names the scenario and the field.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kimopt.data import (
    Funding,
    Instance,
    Kommune,
    Kreis,
    PlanningModel,
    Traeger,
    Year,
    pairing_findings,
)
from kimopt.errors import Finding, InputError, Loc, error_findings
from kimopt.load import read_input

SCENARIO_KEYS = ("name", "model", "instance")
SECTIONS: dict[str, type[BaseModel]] = {"kreis": Kreis, "funding": Funding}
RECORDS: dict[str, type[BaseModel]] = {"kommunen": Kommune, "traeger": Traeger}
INSTANCE_KEYS = ("name", *SECTIONS, *RECORDS, "years")
"""The keys a scenario's ``instance`` may set."""


@dataclass(frozen=True)
class Scenario:
    """One named variation, already applied and validated."""

    name: str
    instance: Instance
    model: PlanningModel


def _unknown(loc: Loc, key: object, known: list[str]) -> Finding:
    hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return Finding(loc, "unknown_key", {"hint": hint[0]} if hint else {})


def _mapping(value: object, loc: Loc, findings: list[Finding]) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    findings.append(Finding(loc, "not_mapping", {"value": value}))
    return None


def _check_fields(patch: dict[str, Any], cls: type[BaseModel], loc: Loc, findings: list[Finding]) -> None:
    for key in patch:
        if key not in cls.model_fields:
            findings.append(_unknown((*loc, key), key, list(cls.model_fields)))


def _patch_records(
    records: list[dict[str, Any]],
    patch: dict[str, Any],
    kind: str,
    loc: Loc,
    findings: list[Finding],
) -> dict[int, str]:
    """Apply ``{name: {key: value}}`` to the records; returns record index → name as written."""
    by_name: dict[str, int] = {}
    for i, record in enumerate(records):
        by_name.setdefault(str(record["name"]), i)
        if kind == "kommunen" and record.get("ags"):
            by_name.setdefault(str(record["ags"]), i)
    touched: dict[int, str] = {}
    for name, fields in patch.items():
        where = (*loc, name)
        if str(name) not in by_name:
            code = "unknown_kommune" if kind == "kommunen" else "unknown_traeger"
            hint = difflib.get_close_matches(str(name), [str(r["name"]) for r in records], n=1, cutoff=0.6)
            findings.append(Finding(where, code, {"value": name, **({"hint": hint[0]} if hint else {})}))
            continue
        fields = _mapping(fields, where, findings)
        if fields is None:
            continue
        _check_fields(fields, RECORDS[kind], where, findings)
        index = by_name[str(name)]
        records[index].update(fields)
        touched[index] = str(name)
    return touched


def _patch_years(years: list[dict[str, Any]], patch: dict[Any, Any], loc: Loc, findings: list[Finding]) -> None:
    """Apply ``{2023: {key: value}}`` to the later years; a mapping value (``costs``,
    ``budgets``) changes only the names it gives."""
    by_year = {str(entry["year"]): entry for entry in years}
    for year, fields in patch.items():
        where = (*loc, str(year))
        if str(year) not in by_year:
            hint = difflib.get_close_matches(str(year), list(by_year), n=1, cutoff=0.5)
            findings.append(Finding(where, "unknown_year", {"value": year, **({"hint": hint[0]} if hint else {})}))
            continue
        fields = _mapping(fields, where, findings)
        if fields is None:
            continue
        _check_fields(fields, Year, where, findings)
        entry = by_year[str(year)]
        for key, value in fields.items():
            if isinstance(value, dict) and isinstance(entry.get(key), dict):
                entry[key] = {**entry[key], **value}
            else:
                entry[key] = value


def _patched_instance(
    base: Instance, patch: dict[str, Any], loc: Loc, findings: list[Finding]
) -> tuple[dict[str, Any], dict[tuple[str, int], str]]:
    """The base instance's data with ``patch`` applied, and which records it named."""
    data = base.model_dump(mode="json")
    named: dict[tuple[str, int], str] = {}
    for key, value in patch.items():
        where = (*loc, key)
        if key == "name":
            data["name"] = value
        elif key in SECTIONS:
            fields = _mapping(value, where, findings)
            if fields is not None:
                _check_fields(fields, SECTIONS[key], where, findings)
                data[key].update(fields)
        elif key in RECORDS:
            records = _mapping(value, where, findings)
            if records is not None:
                touched = _patch_records(data[key], records, key, where, findings)
                named.update({(key, i): name for i, name in touched.items()})
        elif key == "years":
            years = _mapping(value, where, findings)
            if years is not None:
                _patch_years(data.setdefault("years", []), years, where, findings)
        else:
            findings.append(_unknown(where, key, list(INSTANCE_KEYS)))
    return data, named


def _instance_loc(loc: Loc, prefix: Loc, named: dict[tuple[str, int], str], instance: dict[str, Any]) -> Loc:
    """``('kommunen', 10, 'budget')`` → ``(*prefix, 'kommunen', 'Voerde (Niederrhein)', 'budget')``;
    ``('years', 0, 'rate_per_vzae')`` → ``(*prefix, 'years', 2023, 'rate_per_vzae')``."""
    if len(loc) >= 2 and loc[0] == "years" and isinstance(loc[1], int) and loc[1] < len(instance.get("years") or []):
        return (*prefix, "years", str(instance["years"][loc[1]]["year"]), *loc[2:])
    if len(loc) >= 2 and loc[0] in RECORDS and isinstance(loc[1], int):
        name = named.get((str(loc[0]), loc[1]))
        if name is None and loc[1] < len(instance[str(loc[0])]):
            name = str(instance[str(loc[0])][loc[1]]["name"])
        return (*prefix, loc[0], name or loc[1], *loc[2:])
    return (*prefix, *loc)


def _validate(cls: type[BaseModel], data: dict[str, Any], to_loc: Any, findings: list[Finding]) -> Any:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            for finding in error_findings(error, cls):
                findings.append(Finding(to_loc(finding.loc), finding.code, finding.params))
        return None


def _scenario(
    entry: object,
    n: int,
    base_instance: Instance,
    base_model: PlanningModel,
    findings: list[Finding],
) -> Scenario | None:
    loc: Loc = ("scenarios", n)
    entry = _mapping(entry, loc, findings)
    if entry is None:
        return None
    for key in entry:
        if key not in SCENARIO_KEYS:
            findings.append(_unknown((*loc, key), key, list(SCENARIO_KEYS)))
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        findings.append(Finding((*loc, "name"), "missing" if name is None else "not_text", {"value": name}))
        return None
    if "model" not in entry and "instance" not in entry:
        findings.append(Finding(loc, "scenario_empty", {"value": name}))
        return None
    count = len(findings)
    model_data = base_model.model_dump(mode="json")
    model_patch = _mapping(entry.get("model", {}), (*loc, "model"), findings)
    if model_patch is not None:
        _check_fields(model_patch, PlanningModel, (*loc, "model"), findings)
        model_data.update(model_patch)
    instance_patch = _mapping(entry.get("instance", {}), (*loc, "instance"), findings)
    instance_data: dict[str, Any] = base_instance.model_dump(mode="json")
    named: dict[tuple[str, int], str] = {}
    if instance_patch is not None:
        instance_data, named = _patched_instance(base_instance, instance_patch, (*loc, "instance"), findings)
    if len(findings) > count:
        return None
    model_prefix: Loc = (*loc, "model")
    instance_prefix: Loc = (*loc, "instance")

    def instance_loc(at: Loc) -> Loc:
        return _instance_loc(at, instance_prefix, named, instance_data)

    model = _validate(PlanningModel, model_data, lambda at: (*model_prefix, *at), findings)
    instance = _validate(Instance, instance_data, instance_loc, findings)
    if model is None or instance is None:
        return None
    findings += [Finding(instance_loc(f.loc), f.code, f.params) for f in pairing_findings(instance, model)]
    if len(findings) > count:
        return None
    return Scenario(name.strip(), instance, model)


def apply_scenario(
    entry: dict[str, Any], base_instance: Instance, base_model: PlanningModel
) -> tuple[Scenario | None, list[Finding]]:
    """One scenario entry, as it would stand in a file, applied and validated like a file.

    The findings are located as in a file's first scenario (``("scenarios", 0, "instance",
    "kommunen", "Voerde (Niederrhein)", "budget")``); the scenario is ``None`` if there are any.
    """
    findings: list[Finding] = []
    scenario = _scenario(entry, 0, base_instance, base_model, findings)
    return (scenario if not findings else None), findings


def load_scenarios(path: Path | str, base_instance: Instance, base_model: PlanningModel) -> list[Scenario]:
    """Read a scenario file and apply each scenario to the base instance and model.

    Raises
    ------
    InputError
        For every problem in the file, each naming the scenario and the field.
    """
    document = read_input(path)
    findings: list[Finding] = []
    for key in document.data:
        if key != "scenarios":
            findings.append(_unknown((key,), key, ["scenarios"]))
    entries = document.data.get("scenarios")
    if not isinstance(entries, list) or not entries:
        code = "missing" if entries is None else ("empty_list" if entries == [] else "not_list")
        findings.append(Finding(("scenarios",), code, {"value": entries}))
        raise _error(document, findings)
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        scenario = _scenario(entry, n, base_instance, base_model, findings)
        if scenario is None:
            continue
        if scenario.name in seen:
            findings.append(Finding(("scenarios", n, "name"), "duplicate_name", {"value": scenario.name}))
        seen.add(scenario.name)
        scenarios.append(scenario)
    if findings:
        raise _error(document, findings)
    return scenarios


def _error(document: Any, findings: list[Finding]) -> InputError:
    """The error with a line number for every finding: the line of the deepest key written in the file."""
    lines = dict(document.lines)
    for finding in findings:
        for end in range(len(finding.loc), 0, -1):
            if finding.loc[:end] in lines:
                lines.setdefault(finding.loc, lines[finding.loc[:end]])
                break
    return InputError(document.path, findings, document.data, lines)
