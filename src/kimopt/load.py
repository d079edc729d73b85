"""From files to validated objects: instance and planning model, every problem as a Finding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kimopt.data import Instance, PlanningModel, pairing_findings
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
    """Every problem of both files at once (for ``kimopt validate``), one error per file."""
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
    else:
        if model is not None:
            findings = pairing_findings(instance, model)
    if findings:
        errors.append(document.error(findings))
    return errors
