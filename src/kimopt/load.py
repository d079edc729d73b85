"""From files to validated objects: instance and planning model, every problem as a Finding."""

from __future__ import annotations

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
    instance_findings,
    pairing_findings,
)
from kimopt.errors import Finding, InputError, pydantic_findings
from kimopt.io.reader import EXCEL_SUFFIXES, Document, read_document


def read_input(path: Path | str) -> Document:
    """Read an input file with the reader its suffix asks for: Excel workbook, YAML or JSON."""
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        from kimopt.io.excel import read_workbook  # openpyxl only when a workbook is read

        return read_workbook(Path(path))
    return read_document(path)


def _validate(document: Document, cls: type[BaseModel]) -> Any:
    try:
        return cls.model_validate(document.data)
    except ValidationError as exc:
        raise document.error(pydantic_findings(exc, cls)) from None


def load_instance(path: Path | str) -> tuple[Instance, Document]:
    """Read and validate an instance; :class:`InputError` lists every problem found."""
    document = read_input(path)
    instance: Instance = _validate(document, Instance)
    return instance, document


def load_model(path: Path | str | None) -> tuple[PlanningModel, Document | None]:
    """Read a planning model; ``None`` gives the defaults (identical to ``models/kim-standard.yaml``)."""
    if path is None:
        return PlanningModel(), None
    document = read_input(path)
    model: PlanningModel = _validate(document, PlanningModel)
    return model, document


@dataclass(frozen=True)
class Inputs:
    """A validated instance with its planning model and where each came from."""

    instance: Instance
    model: PlanningModel
    instance_doc: Document
    model_doc: Document | None

    @property
    def model_name(self) -> str:
        """The model's file stem, or ``kim-standard`` for the defaults."""
        return self.model_doc.path.stem if self.model_doc else "kim-standard"


def load_inputs(instance_path: Path | str, model_path: Path | str | None = None) -> Inputs:
    """Instance plus model, checked against each other (granularity, key columns)."""
    model, model_doc = load_model(model_path)
    instance, instance_doc = load_instance(instance_path)
    findings = pairing_findings(instance, model)
    if findings:
        raise instance_doc.error(findings)
    return Inputs(instance, model, instance_doc, model_doc)


def collect_findings(instance_path: Path | str, model_path: Path | str | None = None) -> list[InputError]:
    """Every problem of both files at once (for ``kimopt validate``), one error per file.

    A record with a broken field still takes part in the checks across records (its partners,
    its area, its VZÄ against the granularity): :func:`_salvaged` keeps every field that is
    fine, so a key typo does not hide an unknown partner elsewhere.
    """
    errors: list[InputError] = []
    model: PlanningModel | None = None
    try:
        model, _ = load_model(model_path)
    except InputError as exc:
        errors.append(exc)
    try:
        document = read_input(instance_path)
    except InputError as exc:
        return [*errors, exc]
    findings: list[Finding] = []
    try:
        instance = Instance.model_validate(document.data)
    except ValidationError as exc:
        findings = pydantic_findings(exc, Instance)
        salvaged = _salvaged(document.data)
        if salvaged is not None:
            reported = {f.loc for f in findings}
            more = instance_findings(salvaged)
            if model is not None:
                more += pairing_findings(salvaged, model)
            findings += [f for f in more if not any(f.loc[: len(r)] == r for r in reported)]
    else:
        if model is not None:
            findings = pairing_findings(instance, model)
    if findings:
        errors.append(document.error(findings))
    return errors


_STAND_INS: dict[type[BaseModel], dict[str, Any]] = {
    Kreis: {"name": "?", "cost_per_vzae": 0},
    Funding: {"positions_vzae": 1, "rate_per_vzae": 0},
    Kommune: {"name": "?", "population": 0},
    Traeger: {"name": "?", "max_vzae": 0, "serves": [], "cost_per_vzae": 0},
}
"""Valid values for required fields that are broken, so that the rest of a record can be checked."""


def _salvage(record: Any, cls: type[BaseModel]) -> Any:
    """``record`` validated with its broken fields replaced by neutral values."""
    try:
        return cls.model_validate(record)
    except ValidationError as exc:
        broken = {e["loc"][0] for e in exc.errors() if e["loc"]}
    fields = record if isinstance(record, dict) else {}
    kept = {k: v for k, v in fields.items() if k in cls.model_fields and k not in broken}
    try:
        return cls.model_validate({**_STAND_INS[cls], **kept})
    except ValidationError:  # fields fine alone but not together: check the record no further
        return cls.model_construct(**{**cls.model_validate(_STAND_INS[cls]).__dict__})


def _salvaged(data: Any) -> Instance | None:
    """The instance with every broken field replaced (record positions kept), for the checks
    across records; ``None`` when the document is not even a mapping of records."""
    if not isinstance(data, dict):
        return None
    kommunen = data.get("kommunen")
    traeger = data.get("traeger") or []
    if not isinstance(kommunen, list) or not isinstance(traeger, list):
        return None
    return Instance.model_construct(
        name=str(data.get("name", "")),
        kreis=_salvage(data.get("kreis"), Kreis),
        funding=_salvage(data.get("funding"), Funding),
        kommunen=[_salvage(k, Kommune) for k in kommunen],
        traeger=[_salvage(t, Traeger) for t in traeger],
    )
