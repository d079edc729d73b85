"""The round file of DESIGN §6, validated: what the Land shares out, by which key and method.

The keys of §6 are the contract; kimopt adds a few (all optional):

``year``           funding year (default: the GV100AD's Gebietsstand year + 1);
``base_mode``      ``minimum`` (default, as §6: the base is a lower bound, ``max(base, existing)``)
                   or ``added`` (a *Sockel*: every territory gets the base first, the rest of the
                   total is apportioned by the key — "a base per territory plus a proportional
                   part");
``cost_per_vzae``  real yearly cost of one VZÄ at a Kreis, for ``--plans`` (default 71,400 €);
``tie_winners``    the territories (AGS) that get the steps of a reported tie — a decision the
                   planner takes (e.g. by lot) and writes down, never one kimopt takes silently.

``territories`` overrides the GV100AD: ``{ags, name, gemeinden: [AGS…]}`` splits Gemeinden off
into a territory of their own (the Stadt Aachen within the StädteRegion Aachen),
``{ags, name, kreise: [AGS…]}`` merges Kreise, ``{ags, name}`` renames a territory.

Problems are reported like every kimopt input: the file, the record, the field, in German
or English; cross-field checks in :func:`round_findings` report every problem at once.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from kimopt.analysis.apportion import METHODS
from kimopt.data import Count, Euros, PositiveVzae, Share, Text, Vzae
from kimopt.errors import RECORD_LABELS, Finding
from kimopt.io.reader import Document, read_document

RECORD_LABELS.setdefault("territories", ("Gebiet", "territory"))

AGS = re.compile(r"\d{2}|\d{5}|\d{8}")
DEFAULT_COST = 71400


def _ags(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not AGS.fullmatch(value.strip()):
        raise PydanticCustomError("round_bad_ags", "{value}", {"value": value})
    return value.strip()


def _land(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:02d}"  # land: 5 read as a number is still NRW
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}", value.strip()):
        raise PydanticCustomError("round_land", "{value}", {"value": value})
    return value.strip()


def _method(value: object) -> object:
    if isinstance(value, str) and value not in METHODS:
        import difflib

        hint = difflib.get_close_matches(value, list(METHODS), n=1)
        raise PydanticCustomError(
            "bad_choice",
            "{value}",
            {"value": value, "choices": ", ".join(METHODS), **({"hint": hint[0]} if hint else {})},
        )
    return value


Ags = Annotated[str, BeforeValidator(_ags)]
Method = Literal["hare-niemeyer", "dhondt", "sainte-lague", "huntington-hill", "adams", "dean"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Override(_Record):
    """A change to the GV100AD's territories: split Gemeinden off, merge Kreise, or rename."""

    ags: Ags = Field(description="Key of the territory (5 digits for a Kreis, 8 for a Gemeinde)")
    name: Text | None = Field(None, description="Name shown in the table and the instance")
    gemeinden: list[Ags] = Field(default_factory=list, description="Split: these Gemeinden form it")
    kreise: list[Ags] = Field(default_factory=list, description="Merge: these territories form it")


class RoundFile(_Record):
    """One funding round of a Land (DESIGN §6)."""

    name: Text
    land: Annotated[str, BeforeValidator(_land)] = Field(description="Land key, e.g. 05 for NRW")
    year: Count | None = None
    total_vzae: PositiveVzae | None = Field(None, description="Positions the Land shares out")
    budget_eur: Euros | None = Field(None, description="Or: the budget; total = budget / rate")
    rate_per_vzae: Euros = Field(description="Funding per VZÄ and year, € (> 0)")
    step_vzae: PositiveVzae = Field(Fraction(1, 2), description="VZÄ come in these steps")
    method: Annotated[Method, BeforeValidator(_method)] = "sainte-lague"
    base_vzae: Vzae = Field(Fraction(0), description="Every territory gets at least this")
    base_mode: Literal["minimum", "added"] = "minimum"
    key: dict[str, Share] = Field(default_factory=lambda: {"population": Fraction(1)})
    indicators: Text | None = Field(None, description="German CSV or XLSX: ags;column;…")
    existing: dict[Ags, Vzae] = Field(default_factory=dict, description="Lower bounds by AGS")
    maximum: dict[Ags, Vzae] = Field(default_factory=dict, description="Upper bounds by AGS")
    territories: list[Override] = Field(default_factory=list)
    tie_winners: list[Ags] = Field(default_factory=list)
    cost_per_vzae: Euros = Field(DEFAULT_COST, description="Real cost per VZÄ at a Kreis (plans)")

    def steps(self, vzae: Fraction) -> Fraction:
        """VZÄ in steps (exact; whole where the file is valid)."""
        return vzae / self.step_vzae

    @property
    def total(self) -> Fraction:
        """The total VZÄ: ``total_vzae``, or ``budget_eur / rate_per_vzae`` down to whole steps."""
        if self.total_vzae is not None:
            return self.total_vzae
        assert self.budget_eur is not None
        exact = Fraction(self.budget_eur, self.rate_per_vzae)
        return (exact // self.step_vzae) * self.step_vzae


def round_findings(round_: RoundFile) -> list[Finding]:
    """Problems across fields: the size given twice or not at all, steps, key weights."""
    findings: list[Finding] = []
    if round_.rate_per_vzae == 0:
        findings.append(Finding(("rate_per_vzae",), "not_positive", {"value": 0}))
    if (round_.total_vzae is None) == (round_.budget_eur is None):
        findings.append(Finding(("total_vzae",), "round_size", {}))
    step = round_.step_vzae
    if round_.total_vzae is not None and round_.total_vzae % step:
        findings.append(Finding(("total_vzae",), "round_off_step", {"value": round_.total_vzae, "step": step}))
    if round_.base_vzae % step:
        findings.append(Finding(("base_vzae",), "round_off_step", {"value": round_.base_vzae, "step": step}))
    total = sum(round_.key.values(), Fraction(0))
    if not round_.key:
        findings.append(Finding(("key",), "empty_list", {}))
    elif total != 1:
        findings.append(Finding(("key",), "key_weights", {"value": total}))
    for j, override in enumerate(round_.territories):
        if override.gemeinden and override.kreise:
            findings.append(Finding(("territories", j, "kreise"), "round_split_and_merge", {}))
    return findings


def _pydantic(exc: ValidationError) -> list[Finding]:
    """The usual findings; a misspelled key gets its suggestion from the round file's keys."""
    import difflib

    from kimopt.load import pydantic_findings

    out = []
    for finding in pydantic_findings(exc, RoundFile):
        if finding.code == "unknown_key":
            owner = Override if finding.loc[:1] == ("territories",) and len(finding.loc) == 3 else RoundFile
            params = {k: v for k, v in finding.params.items() if k != "hint"}
            hint = difflib.get_close_matches(str(finding.loc[-1]), list(owner.model_fields), n=1, cutoff=0.6)
            if hint:
                params["hint"] = hint[0]
            finding = Finding(finding.loc, finding.code, params)
        out.append(finding)
    return out


def load_round(path: Path | str) -> tuple[RoundFile, Document]:
    """Read and validate a round file; :class:`InputError` lists every problem found."""
    document = read_document(path)
    try:
        round_ = RoundFile.model_validate(document.data)
    except ValidationError as exc:
        raise document.error(_pydantic(exc)) from None
    findings = round_findings(round_)
    if findings:
        raise document.error(findings)
    return round_, document


def indicators_path(round_: RoundFile, document: Document) -> Path | None:
    """The indicator file, relative to the round file's folder."""
    if round_.indicators is None:
        return None
    path = Path(round_.indicators)
    return path if path.is_absolute() else document.path.parent / path
