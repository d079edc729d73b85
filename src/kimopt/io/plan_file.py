"""The one reader of plan files: a document (JSON/YAML, or kimopt's workbook) as a typed
:class:`~kimopt.plan_file.PlanFile`, strictly or leniently (:func:`read_plan_source`).

A plan edited by hand may hold text or ``1e308`` where a figure belongs; the report would
then fail deep inside its tables. Here every figure (a key ending in ``vzae`` or ``eur``, or
one of :data:`FIGURES`) must be a finite number within :data:`MAX_FIGURE` (or null), and the
first that is not is named with its place in the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from kimopt.errors import MESSAGES, Finding, Loc, pydantic_findings
from kimopt.io.reader import Document
from kimopt.numbers import NumberError, to_fraction
from kimopt.plan_file import PlanFile, YearEntry

if TYPE_CHECKING:
    from kimopt.data import Instance
    from kimopt.io.excel.plan_sheet import PlanSheet

SECTIONS = ("status", "summary", "kommunen", "hosts", "finance", "objectives")
FIGURES = frozenset(
    {
        "value",
        "bound",
        "population",
        "key_share",
        "kreis_share",
        "gallagher",
        "loosemore_hanby",
        "deviation_l1",
        "deviation_max",
        "positions_used",
        "positions_fundable",
        "cost_per_vzae",
        "deficit_per_vzae",
        "rate_per_vzae",
        "seconds",
    }
)
MAX_FIGURE = 10**15  # far above any plan's euros (the readers stop at 10^12 €)


def _is_figure(key: str) -> bool:
    return key in FIGURES or key.endswith(("vzae", "_eur"))


def _number_code(value: object) -> str:
    """Text where a figure belongs: far too long a number (``1e+308``, read as text) or no number."""
    try:
        to_fraction(value)
    except NumberError as exc:
        return exc.code if exc.code == "number_too_long" else "not_a_number"
    return "not_a_number"


def _figure_findings(data: Any, loc: Loc, out: list[Finding], depth: int = 0, figures: bool = False) -> None:
    """``figures``: every entry is a figure (the payers of ``eigenanteil_eur``)."""
    if depth > 20:
        return
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        here = (*loc, key)
        figure = figures or (isinstance(key, str) and _is_figure(key))
        if isinstance(value, (dict, list)):
            _figure_findings(value, here, out, depth + 1, figure and isinstance(value, dict))
        elif figure and value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                out.append(Finding(here, _number_code(value), {"value": value}))
            elif not math.isfinite(value):
                out.append(Finding(here, "not_finite", {"value": value}))
            elif abs(value) > MAX_FIGURE:
                out.append(Finding(here, "too_large", {"value": value, "limit": MAX_FIGURE}))


# ---- the one reader of plans ----------------------------------------------------------------

Typed = TypeVar("Typed", PlanFile, YearEntry)
Mode = Literal["strict", "lenient"]
"""``strict``: the contract of :class:`~kimopt.plan_file.PlanFile` (an unknown key is refused);
``lenient``: a plan edited by hand (unknown keys ignored, keys a report can do without defaulted)."""

_NUMBER_ERRORS = frozenset(
    {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "finite_number"}
)
_CHOICE_ERRORS = frozenset({"enum", "literal_error"})
_PROVENANCE_DEFAULTS: dict[str, Any] = {  # a report shows them only when given
    "kimopt": "",
    "instance": "",
    "model": "",
    "input_sha256": "",
    "links": [],
}


@dataclass(frozen=True)
class PlanSource:
    """A plan as read: its data (a workbook: the plan JSON its sheet „Zuordnung“ stands for), the
    sheet it came from when it is a workbook, and the file with the line of each key."""

    document: Document
    sheet: PlanSheet | None = None

    @property
    def data(self) -> Any:
        return self.document.data

    def typed(self, mode: Mode = "lenient") -> PlanFile:
        """The plan as a :class:`~kimopt.plan_file.PlanFile`; :class:`InputError` names the first
        place that is wrong."""
        return typed_plan(self.document, mode)


def read_plan_source(path: Path, instance: Instance | None = None) -> PlanSource:
    """Read a plan file: JSON/YAML, or a workbook with the sheet „Zuordnung“ (the plan of every
    year of ``instance`` when it has several years or Bausteine 1 and 3).

    Which command reads how: ``check`` takes :attr:`PlanSource.data` untyped — the checker
    re-derives every number from the links and reports each wrong figure as a rule violation
    with its place (exit 5), so a forged plan is caught there, all of it at once; typing first
    would stop at the first figure with exit 1. ``report``, ``serve`` (its exports) and
    ``compare`` read the typed plan, leniently (:meth:`PlanSource.typed`): a hand-edited plan with
    a key of its own still gives its report, a wrong figure is refused with one message.
    """
    from kimopt.plan_source import WORKBOOK_SUFFIXES

    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from kimopt.io.excel.plan_sheet import read_plan_sheet
        from kimopt.plan_source import sheet_plan

        sheet = read_plan_sheet(path)
        return PlanSource(Document(path, sheet_plan(sheet, instance)), sheet)
    from kimopt.io.reader import read_document

    return PlanSource(read_document(path))


def read_plan_file(path: Path, mode: Mode = "lenient") -> PlanFile:
    """A plan file (JSON/YAML of ``solve -o``) as a typed :class:`~kimopt.plan_file.PlanFile`
    (``report``: ``lenient``); one clear message (exit 1) for the first place that is wrong."""
    return read_plan_source(path).typed(mode)


def typed_plan(document: Document, mode: Mode = "lenient") -> PlanFile:
    """A document's plan as a :class:`~kimopt.plan_file.PlanFile`.

    Both modes refuse a wrong figure (text, ``1e308``, infinity) and a missing section with the
    first place that is wrong, e.g. ``kommunen[3].target_vzae``. ``lenient`` drops keys the
    contract does not know, and defaults what a report can do without: the provenance
    (``kimopt``, ``instance``, ``model``, ``input_sha256``, ``links``, ``solver``) and every
    key that may be null.
    """
    data = document.data
    if not isinstance(data, dict):
        raise document.error([Finding((), "not_mapping", {"value": data})])
    missing = [key for key in SECTIONS if key not in data]
    if missing:
        raise document.error([Finding((missing[0],), "missing", {})])
    if mode == "lenient":
        data = {**_PROVENANCE_DEFAULTS, "solver": {"level_seconds": {}}, **_known(data, PlanFile)}
    return _typed(document, PlanFile, data)


def as_plan_file(plan: PlanFile | dict[str, Any], mode: Mode = "strict") -> PlanFile:
    """The typed plan of in-process code (``Outcome.plan_json``); a :class:`PlanFile` as it is.

    ``strict``: kimopt's own plan must be the contract, so a key out of step is a defect of
    kimopt (pydantic's error, an internal error), not bad input; ``lenient`` reads a plan as
    :func:`typed_plan` does (a report of a plan given in-process).
    """
    if isinstance(plan, PlanFile):
        return plan
    if mode == "strict":
        return PlanFile.model_validate(plan)
    return typed_plan(Document(Path("plan"), plan), mode)


def as_year_entry(data: dict[str, Any]) -> YearEntry:
    """One year of a plan (``years[]``, or such a year shaped as a plan with other keys beside),
    read leniently like a plan: keys a year does not know are ignored, a wrong figure is refused."""
    return _typed(Document(Path("plan"), data), YearEntry, _known(data, YearEntry))


def _typed(document: Document, cls: type[Typed], data: dict[str, Any]) -> Typed:
    """``data`` (the document's, or what the lenient mode kept of it) as ``cls``; the first wrong
    figure of the document, or else the first place pydantic refuses, is the one message."""
    findings: list[Finding] = []
    _figure_findings(document.data, (), findings)
    if findings:
        raise document.error(findings[:1])  # the first is enough to find the hand edit
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise document.error([_plan_finding(pydantic_findings(exc, cls)[0])]) from None


def _plan_finding(finding: Finding) -> Finding:
    """A pydantic finding in the words of the message table (a number or a choice where one belongs)."""
    if finding.code in _NUMBER_ERRORS:
        return Finding(finding.loc, "not_a_number", {"value": finding.params.get("value")})
    if finding.code in _CHOICE_ERRORS:
        choices = str(finding.params.get("expected", "")).replace(" or ", ", ")  # pydantic's English „or“
        return Finding(finding.loc, "bad_choice", {**finding.params, "choices": choices})
    if finding.code not in MESSAGES:
        return Finding(finding.loc, "invalid", {"value": finding.params.get("value")})
    return finding


def _known(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """``data`` with only the keys ``model`` knows (in nested entries too), a missing key that may
    be null set to null."""
    out = {
        key: _known_value(value, model.model_fields[key].annotation)
        for key, value in data.items()
        if key in model.model_fields
    }
    for name, info in model.model_fields.items():
        if name not in out and info.is_required() and type(None) in get_args(info.annotation):
            out[name] = None
    return out


def _known_value(value: Any, annotation: Any) -> Any:
    entry = _entry_model(annotation)
    if entry is None:
        return value
    if isinstance(value, list):
        return [_known(v, entry) if isinstance(v, dict) else v for v in value]
    if isinstance(value, dict) and _is_mapping(annotation):
        return {k: _known(v, entry) if isinstance(v, dict) else v for k, v in value.items()}
    return _known(value, entry) if isinstance(value, dict) else value


def _entry_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic class in ``Summary``, ``list[Host]``, ``dict[str, YearTotals] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_entry_model, get_args(annotation)) if m is not None), None)


def _is_mapping(annotation: Any) -> bool:
    return get_origin(annotation) is dict or any(get_origin(a) is dict for a in get_args(annotation))
