"""The instance (Kreis, Kommunen, Träger, funding) and the planning model, as pydantic models.

Nothing here knows the solver. Keys are those of DESIGN §3; numbers are exact
(:class:`~fractions.Fraction` for VZÄ and shares, ``int`` for euros). Checks that need more
than one field (references between records, duplicates) live in :func:`instance_findings`
and :func:`model_findings`, which report every problem rather than the first; their model
validators raise them all at once, so no invalid :class:`Instance` or
:class:`PlanningModel` exists. Only :func:`pairing_findings` (an instance *under* a model)
is left to the caller that has both.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterator
from fractions import Fraction
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FieldSerializationInfo,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kimopt.errors import Finding, FindingsError, Loc, pydantic_findings
from kimopt.names import suggestions
from kimopt.numbers import NumberError, fraction_text, to_euros, to_fraction

# Plausibility limits: far above any Kreis, far below what 64-bit solver arithmetic can carry.
MAX_VZAE = 100_000
MAX_EUROS = 10**12
MAX_COUNT = 10**9
MONTHS = 12  # a whole funding year


def _exact(value: object, limit: int = MAX_VZAE) -> Fraction:
    try:
        number = to_fraction(value)
    except NumberError as exc:
        raise PydanticCustomError(exc.code, "{value}", {"value": value}) from None
    if abs(number) > limit:
        raise PydanticCustomError("too_large", "{value}", {"value": value, "limit": limit})
    return number


def _non_negative(value: object) -> Fraction:
    number = _exact(value)
    if number < 0:
        raise PydanticCustomError("negative", "{value}", {"value": value})
    return number


def _indicator(value: object) -> Fraction:
    number = _exact(value, MAX_COUNT)
    if number < 0:
        raise PydanticCustomError("negative", "{value}", {"value": value})
    return number


def _positive(value: object) -> Fraction:
    number = _exact(value)
    if number <= 0:
        raise PydanticCustomError("not_positive", "{value}", {"value": value})
    return number


def _months(value: object) -> int:
    """A funding year's months: a whole number from 1 to 12 (DESIGN §5, a year that starts late)."""
    number = _exact(value, MAX_COUNT)
    if number.denominator != 1 or not 1 <= number <= MONTHS:
        raise PydanticCustomError("months_range", "{value}", {"value": value})
    return int(number)


def _share(value: object) -> Fraction:
    number = _exact(value)
    if not 0 <= number <= 1:
        raise PydanticCustomError("share_out_of_range", "{value}", {"value": value})
    return number


def _euros(value: object) -> int:
    try:
        amount = to_euros(value)
    except NumberError as exc:
        raise PydanticCustomError(exc.code, "{value}", {"value": value}) from None
    if amount > MAX_EUROS:
        raise PydanticCustomError("too_large", "{value}", {"value": value, "limit": MAX_EUROS})
    if amount < 0:
        raise PydanticCustomError("negative", "{value}", {"value": value})
    return amount


def _count(value: object) -> int:
    number = _exact(value, MAX_COUNT)
    if number.denominator != 1:
        raise PydanticCustomError("not_integer", "{value}", {"value": value})
    if number < 0:
        raise PydanticCustomError("negative", "{value}", {"value": value})
    return int(number)


MAX_TEXT = 200  # characters of a name: a 1 MB name made the HTML report take a minute and 2 GB


def _text(value: object) -> str:
    """Text as people compare it: Unicode NFC (``Hünxe`` typed either way is one name), trimmed,
    at most :data:`MAX_TEXT` characters and free of control characters."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PydanticCustomError("not_text", "{value}", {"value": value})
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not text:
        raise PydanticCustomError("empty_text", "")
    if len(text) > MAX_TEXT:
        raise PydanticCustomError("too_long", "{value}", {"value": text, "limit": MAX_TEXT})
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise PydanticCustomError("control_character", "{value}", {"value": text.encode("unicode_escape").decode()})
    return text


def ags_text(value: object, digits: int) -> object:
    """An AGS given as a number is its text with the leading zeros restored (``5170044`` →
    ``"05170044"``): one rule for JSON integers and Excel number cells."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**digits:
        return str(value).zfill(digits)
    return value


def _ags8(value: object) -> str:
    return _text(ags_text(value, 8))


def _ags5(value: object) -> str:
    return _text(ags_text(value, 5))


_YES = {"true", "ja", "yes", "j", "y", "1", "wahr", "x"}
_NO = {"false", "nein", "no", "n", "0", "falsch", ""}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise PydanticCustomError("not_bool", "{value}", {"value": value})


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [_text(part) for part in value.split(";") if part.strip()]
    if not isinstance(value, list):
        raise PydanticCustomError("not_list", "{value}", {"value": value})
    return [_text(item) for item in value]


def _as_text(value: Fraction) -> str:
    return fraction_text(value)


Vzae = Annotated[Fraction, BeforeValidator(_non_negative), PlainSerializer(_as_text)]
PositiveVzae = Annotated[Fraction, BeforeValidator(_positive), PlainSerializer(_as_text)]
Share = Annotated[Fraction, BeforeValidator(_share), PlainSerializer(_as_text)]
Euros = Annotated[int, BeforeValidator(_euros)]
Count = Annotated[int, BeforeValidator(_count)]
Months = Annotated[int, BeforeValidator(_months)]
Text = Annotated[str, BeforeValidator(_text)]
Ags8 = Annotated[str, BeforeValidator(_ags8)]
Ags5 = Annotated[str, BeforeValidator(_ags5)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Names = Annotated[list[str], BeforeValidator(_names)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


MAX_RECORDS = 12_000  # Kommunen or Träger of one instance: every Gemeinde of Germany (10,997) fits


def _few(value: Any) -> Any:
    """Refuse a list of records beyond :data:`MAX_RECORDS` before each is validated."""
    if isinstance(value, list) and len(value) > MAX_RECORDS:
        raise PydanticCustomError("too_many_entries", "{count}", {"count": len(value), "limit": MAX_RECORDS})
    return value


class Kreis(_Record):
    """The district: the funding recipient, always a host of positions."""

    name: Text = Field(description="Name of the Kreis")
    ags: Ags5 | None = Field(None, description="Amtlicher Gemeindeschlüssel of the Kreis")
    cost_per_vzae: Euros = Field(description="Real yearly cost of one VZÄ at the Kreis, €")
    budget: Euros | None = Field(None, description="Yearly Eigenanteil the Kreis can carry, € (null = unlimited)")
    existing_vzae: Vzae = Field(Fraction(0), description="Positions already filled at the Kreis")


class Funding(_Record):
    """The state funding of this round."""

    year: Count | None = Field(None, description="Funding year")
    positions_vzae: PositiveVzae = Field(description="Fundable positions, VZÄ")
    rate_per_vzae: Euros = Field(description="Flat funding per VZÄ and year, €")
    months: Months = Field(MONTHS, description="Months of the year funded: funding and costs pro rata (DESIGN §5)")

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return _drop_defaults(handler(self), {"months": MONTHS})


class Kommune(_Record):
    """A member municipality: always served, a host only if ``max_vzae > 0``."""

    name: Text
    ags: Ags8 | None = None
    population: Count = Field(description="Inhabitants (official figure)")
    max_vzae: Vzae = Field(Fraction(0), description="Positions the Kommune would employ itself")
    cost_per_vzae: Euros | None = Field(None, description="Real yearly cost per VZÄ, € (default: the Kreis's)")
    budget: Euros | None = Field(None, description="Yearly Eigenanteil it can carry, € (null = unlimited)")
    share_with: Names = Field(default_factory=list, description="Kommunen it may share positions with")
    existing_vzae: Vzae = Fraction(0)
    auslaenderbehoerde: Flag = False
    indicators: dict[str, Annotated[Fraction, BeforeValidator(_indicator)]] = Field(default_factory=dict)
    jugendamt: Flag = Field(False, description="Has its own Jugendamt (Baustein 1 condition)")
    integrationsrat: Flag = Field(False, description="Has its own Integrationsrat (Baustein 1 condition)")
    coordinator_vzae: Vzae | None = Field(
        None, description="Baustein 1 coordinators employed here, overriding the rule (DESIGN §5)"
    )
    einbuergerungsbehoerde: Flag = Field(
        False, description="Has its own Einbürgerungsbehörde (naturalisation office): a Baustein 3 host"
    )
    deficit_coverage_eur_per_vzae: Euros | None = Field(
        None, description="The Kreis covers its deficit up to this much per VZÄ and year, € (DESIGN §5)"
    )

    @property
    def hosts_authorities(self) -> bool:
        """Rule (DESIGN §5): Baustein 3 positions may be at a Kommune with an Ausländer- or an Einbürgerungsbehörde."""
        return self.auslaenderbehoerde or self.einbuergerungsbehoerde

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return _drop_defaults(handler(self), _KOMMUNE_DEFAULTS)


class Traeger(_Record):
    """A welfare organisation (Träger der freien Wohlfahrtspflege), placed only through the Kreis."""

    name: Text
    max_vzae: Vzae = Field(description="Positions it can take, VZÄ")
    serves: Names = Field(description="Kommunen in its area (names or AGS)")
    cost_per_vzae: Euros = Field(description="Real yearly cost per VZÄ, €")
    deficit_coverage: Flag = Field(False, description="The Kreis covers its deficit (Defizitübernahme)")
    existing_vzae: Vzae = Fraction(0)
    deficit_coverage_eur_per_vzae: Euros | None = Field(
        None, description="The Kreis covers its deficit up to this much per VZÄ and year, € (DESIGN §5)"
    )

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return _drop_defaults(handler(self), {"deficit_coverage_eur_per_vzae": None})

    @property
    def kreis_covers(self) -> bool:
        """The Kreis carries its deficit, wholly (``deficit_coverage``) or up to the cap."""
        return self.deficit_coverage or self.deficit_coverage_eur_per_vzae is not None


# ---- DESIGN §5: later years and Bausteine 1 and 3 (all optional) ---------------------------

Flagname = Literal["auslaenderbehoerde", "jugendamt", "integrationsrat"]
QUALIFYING_FLAGS: tuple[Flagname, ...] = ("auslaenderbehoerde", "jugendamt", "integrationsrat")
_KOMMUNE_DEFAULTS: dict[str, Any] = {
    "jugendamt": False,
    "integrationsrat": False,
    "coordinator_vzae": None,
    "einbuergerungsbehoerde": False,
    "deficit_coverage_eur_per_vzae": None,
}
_INSTANCE_DEFAULTS: dict[str, Any] = {"years": [], "coordination": None, "authorities": None}


def _drop_defaults(data: Any, defaults: dict[str, Any]) -> Any:
    """Leave out the §5 keys at their defaults, so one-year content (and its hash) stays as it was."""
    if isinstance(data, dict):
        for key, default in defaults.items():
            if key in data and data[key] == default:
                del data[key]
    return data


def _growth(value: object) -> Fraction:
    number = _exact(value)
    if not 0 <= number <= 1:
        raise PydanticCustomError("share_out_of_range", "{value}", {"value": value})
    return number


def _budgets(value: object) -> object:
    return {} if value is None else value


Growth = Annotated[Fraction, BeforeValidator(_growth), PlainSerializer(_as_text)]


class Year(_Record):
    """A later funding year; every key given overrides the year before (DESIGN §5).

    ``cost_growth`` raises every cost by that fraction over the previous year (euros rounded
    half up) and carries on to later years like the other keys; ``costs`` sets an employer's
    cost outright; ``budgets`` sets a payer's yearly budget (``null`` = unlimited).
    """

    year: Count = Field(description="Funding year")
    positions_vzae: PositiveVzae | None = Field(None, description="Fundable Baustein 2 positions, VZÄ")
    rate_per_vzae: Euros | None = Field(None, description="Baustein 2 funding per VZÄ and year, €")
    cost_growth: Growth | None = Field(None, description="Cost rise over the previous year, e.g. 3/100")
    costs: dict[str, Euros] = Field(default_factory=dict, description="Cost per VZÄ by employer name, €")
    budgets: Annotated[dict[str, Euros | None], BeforeValidator(_budgets)] = Field(
        default_factory=dict, description="Yearly Eigenanteil budget by payer (Kreis or Kommune), €"
    )
    coordination_rate_per_vzae: Euros | None = Field(None, description="Baustein 1 rate per coordinator VZÄ, €")
    assistant_rate_per_vzae: Euros | None = Field(None, description="Baustein 1 rate per assistant VZÄ, €")
    authorities_rate_per_vzae: Euros | None = Field(None, description="Baustein 3 rate per VZÄ, €")
    months: Months | None = Field(None, description="Months of this year funded (default 12; not carried on)")
    kommunen: Annotated[dict[str, dict[str, Any]], BeforeValidator(lambda v: _changes(Kommune, v))] = Field(
        default_factory=dict, description="Changed fields of Kommunen (name or AGS) from this year on"
    )
    traeger: Annotated[dict[str, dict[str, Any]], BeforeValidator(lambda v: _changes(Traeger, v))] = Field(
        default_factory=dict, description="Changed fields of Träger from this year on"
    )
    join: list[Kommune] = Field(default_factory=list, description="Kommunen taking part from this year on")
    join_traeger: list[Traeger] = Field(default_factory=list, description="Träger taking part from this year on")
    leave: Names = Field(default_factory=list, description="Kommunen or Träger that stop from this year on")

    @field_validator("join", "join_traeger", mode="before")
    @classmethod
    def _no_members(cls, value: Any) -> Any:
        return [] if value is None else _few(value)

    @field_serializer("kommunen", "traeger")
    def _changes_as_written(self, value: dict[str, dict[str, Any]], info: FieldSerializationInfo) -> dict[str, Any]:
        record = Kommune if info.field_name == "kommunen" else Traeger
        return {
            name: {
                key: _field_type(record, key).dump_python(v, mode="json" if info.mode_is_json() else "python")
                for key, v in fields.items()
            }
            for name, fields in value.items()
        }

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return _drop_defaults(handler(self), _YEAR_DEFAULTS)


_YEAR_DEFAULTS: dict[str, Any] = {"kommunen": {}, "traeger": {}, "join": [], "join_traeger": [], "leave": []}
FIXED_FIELDS = frozenset({"name", "ags", "existing_vzae"})
"""Fields a later year cannot change: a member's identity, and what was filled before the first year."""


def changeable_fields(record: type[BaseModel]) -> list[str]:
    """The fields of a Kommune or Träger that ``years[].kommunen``/``traeger`` may change."""
    return [name for name in record.model_fields if name not in FIXED_FIELDS]


@cache
def _field_type(record: type[BaseModel], key: str) -> TypeAdapter[Any]:
    """The validator of one field of a record, with its constraints (VZÄ, euros, names)."""
    info = record.model_fields[key]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]  # type: ignore[valid-type]
    return TypeAdapter(annotation)


def _changes(record: type[BaseModel], value: object) -> dict[str, dict[str, Any]]:
    """``{name: {field: value}}``: each value validated as that field of the record; every
    problem is reported below ``name.field`` (a misspelt field with the field it resembles)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PydanticCustomError("not_mapping", "{value}", {"value": value})
    findings: list[Finding] = []
    out: dict[str, dict[str, Any]] = {}
    allowed = changeable_fields(record)
    for raw_name, fields in value.items():
        try:
            name = _text(raw_name)
        except PydanticCustomError as exc:
            findings.append(Finding((str(raw_name),), exc.type, exc.context or {}))
            continue
        if not isinstance(fields, dict):
            findings.append(Finding((name,), "not_mapping", {"value": fields}))
            continue
        out[name] = {}
        for key, raw in fields.items():
            if key in FIXED_FIELDS:
                findings.append(Finding((name, key), "year_fixed_field", {"value": key}))
            elif key not in allowed:
                findings.append(Finding((name, str(key)), "unknown_key", {"value": key, **_closest(str(key), allowed)}))
            else:
                try:
                    out[name][key] = _field_type(record, key).validate_python(raw)
                except ValidationError as exc:
                    findings += [Finding((name, key, *f.loc), f.code, f.params) for f in pydantic_findings(exc, record)]
    if findings:
        raise FindingsError(findings)
    return out


class Coordination(_Record):
    """Baustein 1: strategic coordinators at the Kreis and at every qualifying Kommune."""

    base_vzae: Vzae = Field(Fraction(0), description="Coordinators at the Kreis")
    assistant_vzae: Vzae = Field(Fraction(0), description="Administrative assistant at the Kreis")
    per_kommune_vzae: Vzae = Field(Fraction(1), description="Coordinators at each qualifying Kommune")
    qualifies_by: list[Flagname] = Field(
        default_factory=lambda: list(QUALIFYING_FLAGS), description="Flags a Kommune must all have"
    )
    rate_per_vzae: Euros = Field(description="Funding per coordinator VZÄ and year, €")
    assistant_rate_per_vzae: Euros = Field(0, description="Funding per assistant VZÄ and year, €")
    cost_per_vzae: Euros | None = Field(None, description="Real cost per coordinator VZÄ (default: employer's)")
    assistant_cost_per_vzae: Euros | None = Field(None, description="Real cost per assistant VZÄ (default: Kreis's)")


class AuthorityPosition(_Record):
    """Baustein 3: extra positions in one Ausländer- or Einbürgerungsbehörde."""

    host: Text = Field(description="The Kreis or a Kommune with its own Ausländerbehörde")
    vzae: PositiveVzae = Field(description="Positions, in 0.5-VZÄ slices")
    cost_per_vzae: Euros | None = Field(None, description="Real cost per VZÄ (default: the host's)")


class Authorities(_Record):
    """Baustein 3: exactly the listed positions, each at the Kreis or a Kommune with Ausländerbehörde."""

    rate_per_vzae: Euros = Field(description="Funding per VZÄ and year, €")
    positions: list[AuthorityPosition] = Field(default_factory=list)

    @field_validator("positions", mode="before")
    @classmethod
    def _no_positions(cls, value: Any) -> Any:
        return [] if value is None else value


class Instance(_Record):
    """One Kreis in one funding round."""

    name: Text
    kreis: Kreis
    funding: Funding
    kommunen: list[Kommune] = Field(min_length=1)
    traeger: list[Traeger] = Field(default_factory=list)
    years: list[Year] = Field(default_factory=list, description="Later funding years, in order (DESIGN §5)")
    coordination: Coordination | None = Field(None, description="Baustein 1 (DESIGN §5)")
    authorities: Authorities | None = Field(None, description="Baustein 3 (DESIGN §5)")

    @field_validator("traeger", "years", mode="before")
    @classmethod
    def _no_traeger(cls, value: Any) -> Any:
        return [] if value is None else _few(value)

    @field_validator("kommunen", mode="before")
    @classmethod
    def _few_kommunen(cls, value: Any) -> Any:
        return _few(value)

    @model_validator(mode="after")
    def _records_agree(self) -> Instance:
        """References between records resolve and names are unique (:func:`instance_findings`)."""
        findings = instance_findings(self)
        if findings:
            raise FindingsError(findings)
        return self

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return _drop_defaults(handler(self), _INSTANCE_DEFAULTS)

    @property
    def multi(self) -> bool:
        """Whether DESIGN §5 applies: later years or Baustein 1 or 3."""
        return bool(self.years) or self.coordination is not None or self.authorities is not None

    def kommune_index(self) -> dict[str, int]:
        """Index of every Kommune by name and by AGS."""
        index: dict[str, int] = {}
        for i, kommune in enumerate(self.kommunen):
            index.setdefault(kommune.name, i)
            if kommune.ags:
                index.setdefault(kommune.ags, i)
        return index


OBJECTIVE_NAMES = ("use_positions", "proportionality", "partner_share", "own_cost", "stability", "fewer_hosts")


class Objective(_Record):
    """One level of the lexicographic optimisation."""

    name: Literal["use_positions", "proportionality", "partner_share", "own_cost", "stability", "fewer_hosts"]
    measure: Literal["l1", "max"] | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _known(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in OBJECTIVE_NAMES:
            hint = difflib.get_close_matches(value, OBJECTIVE_NAMES, n=1)
            raise PydanticCustomError(
                "bad_choice",
                "{value}",
                {"value": value, "choices": ", ".join(OBJECTIVE_NAMES), **({"hint": hint[0]} if hint else {})},
            )
        return value


def _objective(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


def _default_objectives() -> list[Objective]:
    return [
        Objective(name=n, measure="l1" if n == "proportionality" else None)  # type: ignore[arg-type]
        for n in OBJECTIVE_NAMES
    ]


class PlanningModel(_Record):
    """Policy and solver settings; every key optional, defaults as in DESIGN §2."""

    granularity_vzae: PositiveVzae = Field(Fraction(1, 10), description="Smallest VZÄ unit g")
    host_step_vzae: PositiveVzae = Field(Fraction(1, 2), description="Hosted VZÄ come in these steps")
    min_host_vzae: Vzae = Field(Fraction(1, 2), description="Smallest non-zero hosted VZÄ")
    min_share_vzae: Vzae | None = Field(None, description="Smallest part served by a Kommune host (default g)")
    kreis_min_share: Share = Field(Fraction(1, 3), description="Share of used VZÄ the Kreis keeps at least")
    max_sharing_partners: Count = Field(3, description="Partners one Kommune host may serve at most")
    min_coverage_vzae: Vzae = Field(Fraction(0), description="VZÄ every Kommune receives at least")
    keep_existing: Flag = Field(True, description="Filled positions stay with their host")
    continuity: Literal["host", "total", "none"] = Field(
        "host", description="Under keep_existing, what a later year keeps of the year before (DESIGN §5)"
    )
    lookahead: Flag = Field(False, description="Plan all years together: earlier years give way, no later cut")
    kreis_covers_kommunen: Flag = Field(False, description="The Kreis carries the Kommunen's deficit")
    quota_rule: Flag = Field(False, description="Coverage within the target rounded down/up to g")
    key: dict[str, Share] = Field(
        default_factory=lambda: {"population": Fraction(1)}, description="Weights of the distribution key's columns"
    )
    objectives: list[Annotated[Objective, BeforeValidator(_objective)]] = Field(
        default_factory=_default_objectives, min_length=1
    )
    time_limit_s: PositiveVzae = Field(Fraction(60), description="Wall-clock limit for all levels, s")
    workers: Count = Field(8, description="CP-SAT search workers")
    seed: Count = Field(0, description="CP-SAT random seed")

    @model_validator(mode="after")
    def _settings_agree(self) -> PlanningModel:
        """Steps on the granularity, key weights summing to 1, each objective once (:func:`model_findings`)."""
        findings = model_findings(self)
        if findings:
            raise FindingsError(findings)
        return self

    @property
    def share(self) -> Fraction:
        """The smallest part a Kommune host serves (``min_share_vzae`` or the granularity)."""
        return self.granularity_vzae if self.min_share_vzae is None else self.min_share_vzae


def _closest(name: str, candidates: list[str]) -> dict[str, str]:
    hint = suggestions(name, candidates)
    return {"hint": hint[0]} if hint else {}


def instance_findings(instance: Instance) -> list[Finding]:
    """Problems across records: duplicates and references to unknown Kommunen."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    seen_ags: dict[str, int] = {}
    for i, kommune in enumerate(instance.kommunen):
        if kommune.name in seen:
            findings.append(Finding(("kommunen", i, "name"), "duplicate_name", {"value": kommune.name}))
        seen.setdefault(kommune.name, i)
        if kommune.ags:
            if kommune.ags in seen_ags:
                findings.append(Finding(("kommunen", i, "ags"), "duplicate_ags", {"value": kommune.ags}))
            seen_ags.setdefault(kommune.ags, i)
    traeger_names: set[str] = set()
    for t, traeger in enumerate(instance.traeger):
        if traeger.name in traeger_names:
            findings.append(Finding(("traeger", t, "name"), "duplicate_name", {"value": traeger.name}))
        traeger_names.add(traeger.name)

    for i, kommune in enumerate(instance.kommunen):
        other = seen_ags.get(kommune.name)
        if other is not None and other != i:  # "05170044" would name two Kommunen
            findings.append(
                Finding(
                    ("kommunen", i, "name"),
                    "name_is_other_ags",
                    {"value": kommune.name, "other": instance.kommunen[other].name},
                )
            )

    index = instance.kommune_index()
    names = [k.name for k in instance.kommunen]
    for i, kommune in enumerate(instance.kommunen):
        for j, partner in enumerate(kommune.share_with):
            loc = ("kommunen", i, "share_with", j)
            if partner not in index:
                findings.append(Finding(loc, "unknown_kommune", {"value": partner, **_closest(partner, names)}))
            elif index[partner] == i:
                findings.append(Finding(loc, "self_share", {"value": partner}))
    for t, traeger in enumerate(instance.traeger):
        if not traeger.serves:
            findings.append(Finding(("traeger", t, "serves"), "empty_list", {}))
        for j, served in enumerate(traeger.serves):
            if served not in index:
                findings.append(
                    Finding(
                        ("traeger", t, "serves", j), "unknown_kommune", {"value": served, **_closest(served, names)}
                    )
                )
    findings += horizon_findings(instance)
    return findings


class _Members:
    """The Kommunen (by name and AGS → name) and Träger taking part, year by year, for the findings."""

    def __init__(self, instance: Instance) -> None:
        self.kommunen: dict[str, str] = {}
        for kommune in instance.kommunen:
            self._add(kommune)
        self.traeger = {t.name for t in instance.traeger}

    def _add(self, kommune: Kommune) -> None:
        self.kommunen[kommune.name] = kommune.name
        if kommune.ags:
            self.kommunen[kommune.ags] = kommune.name

    def names(self) -> list[str]:
        return sorted(set(self.kommunen.values()))

    def _unknown(self, loc: Loc, name: str, code: str = "unknown_kommune") -> Finding:
        candidates = {"unknown_kommune": self.names(), "unknown_traeger": sorted(self.traeger)}
        return Finding(
            loc, code, {"value": name, **_closest(name, candidates.get(code, self.names() + sorted(self.traeger)))}
        )

    def _known(self, loc: Loc, names: list[str]) -> list[Finding]:
        return [self._unknown((*loc, j), n) for j, n in enumerate(names) if n not in self.kommunen]

    def advance(self, y: int, entry: Year, coordination: bool) -> list[Finding]:
        """Apply a year's ``leave`` and ``join``; problems of those and of its ``kommunen``/``traeger``."""
        findings: list[Finding] = []
        at: Loc = ("years", y)
        for j, name in enumerate(entry.leave):
            if name in self.kommunen:
                gone = self.kommunen[name]
                self.kommunen = {k: v for k, v in self.kommunen.items() if v != gone}
            elif name in self.traeger:
                self.traeger.discard(name)
            else:
                findings.append(self._unknown((*at, "leave", j), name, "unknown_member"))
        for j, kommune in enumerate(entry.join):
            for key in ("name", "ags"):
                value = getattr(kommune, key)
                if value is not None and (value in self.kommunen or value in self.traeger):
                    findings.append(Finding((*at, "join", j, key), "duplicate_name", {"value": value}))
            if kommune.existing_vzae:
                findings.append(Finding((*at, "join", j, "existing_vzae"), "join_existing", {}))
            self._add(kommune)
        for j, traeger in enumerate(entry.join_traeger):
            if traeger.name in self.traeger or traeger.name in self.kommunen:
                findings.append(Finding((*at, "join_traeger", j, "name"), "duplicate_name", {"value": traeger.name}))
            if traeger.existing_vzae:
                findings.append(Finding((*at, "join_traeger", j, "existing_vzae"), "join_existing", {}))
            self.traeger.add(traeger.name)
        if not self.kommunen:
            findings.append(Finding((*at, "leave"), "no_kommune_left", {}))
        for j, kommune in enumerate(entry.join):
            findings += self._known((*at, "join", j, "share_with"), kommune.share_with)
            if kommune.coordinator_vzae is not None and not coordination:
                findings.append(Finding((*at, "join", j, "coordinator_vzae"), "coordination_missing", {}))
        for j, traeger in enumerate(entry.join_traeger):
            findings += self._known((*at, "join_traeger", j, "serves"), traeger.serves)
        for name, fields in entry.kommunen.items():
            if name not in self.kommunen:
                findings.append(self._unknown((*at, "kommunen", name), name))
            findings += self._known((*at, "kommunen", name, "share_with"), fields.get("share_with", []))
            if "coordinator_vzae" in fields and not coordination:
                findings.append(Finding((*at, "kommunen", name, "coordinator_vzae"), "coordination_missing", {}))
        for name, fields in entry.traeger.items():
            if name not in self.traeger:
                findings.append(self._unknown((*at, "traeger", name), name, "unknown_traeger"))
            findings += self._known((*at, "traeger", name, "serves"), fields.get("serves", []))
            if fields.get("serves") == []:
                findings.append(Finding((*at, "traeger", name, "serves"), "empty_list", {}))
        return findings


AUTHORITY_SLICE = Fraction(1, 2)
"""Baustein 3 positions are granted in half positions."""


def horizon_findings(instance: Instance) -> list[Finding]:
    """Problems of the §5 keys: years in order, known employers and payers, Baustein 3 hosts, and
    the members of each year (who leaves, joins or changes must be, or not be, a member then)."""
    findings: list[Finding] = []
    index = instance.kommune_index()
    kommune_names = [k.name for k in instance.kommunen]
    kreis = instance.kreis
    if instance.years and instance.funding.year is None:
        findings.append(Finding(("funding", "year"), "year_needed", {}))
    previous = instance.funding.year
    members = _Members(instance)
    for y, entry in enumerate(instance.years):
        if previous is not None and entry.year <= previous:
            findings.append(Finding(("years", y, "year"), "years_order", {"value": entry.year, "limit": previous}))
        previous = entry.year
        findings += members.advance(y, entry, instance.coordination is not None)
        employers = {kreis.name, *members.kommunen, *members.traeger}
        payers = {kreis.name, *members.kommunen}
        for name in entry.costs:
            if name not in employers:
                findings.append(
                    Finding(
                        ("years", y, "costs", name),
                        "unknown_employer",
                        {"value": name, **_closest(name, sorted(employers))},
                    )
                )
        for name in entry.budgets:
            if name not in payers:
                findings.append(
                    Finding(
                        ("years", y, "budgets", name),
                        "unknown_payer",
                        {"value": name, **_closest(name, [kreis.name, *members.names()])},
                    )
                )
    if instance.coordination is None:
        for i, kommune in enumerate(instance.kommunen):
            if kommune.coordinator_vzae is not None:
                findings.append(Finding(("kommunen", i, "coordinator_vzae"), "coordination_missing", {}))
    if instance.authorities is not None:
        seen: set[str] = set()
        for j, position in enumerate(instance.authorities.positions):
            loc = ("authorities", "positions", j)
            if position.vzae % AUTHORITY_SLICE:
                findings.append(Finding((*loc, "vzae"), "authority_slice", {"value": position.vzae}))
            at_kreis = position.host in (kreis.name, kreis.ags)
            if not at_kreis and position.host not in index:
                findings.append(
                    Finding(
                        (*loc, "host"),
                        "unknown_kommune",
                        {"value": position.host, **_closest(position.host, kommune_names)},
                    )
                )
                continue
            name = kreis.name if at_kreis else instance.kommunen[index[position.host]].name
            if name in seen:
                findings.append(Finding((*loc, "host"), "duplicate_name", {"value": position.host}))
            seen.add(name)
            if not at_kreis and not instance.kommunen[index[position.host]].hosts_authorities:
                findings.append(Finding((*loc, "host"), "authority_without_abh", {"value": name}))
    return findings


def _vzae_fields(instance: Instance) -> Iterator[tuple[tuple[str | int, ...], Fraction]]:
    yield ("funding", "positions_vzae"), instance.funding.positions_vzae
    yield ("kreis", "existing_vzae"), instance.kreis.existing_vzae
    for i, kommune in enumerate(instance.kommunen):
        yield ("kommunen", i, "max_vzae"), kommune.max_vzae
        yield ("kommunen", i, "existing_vzae"), kommune.existing_vzae
    for t, traeger in enumerate(instance.traeger):
        yield ("traeger", t, "max_vzae"), traeger.max_vzae
        yield ("traeger", t, "existing_vzae"), traeger.existing_vzae
    for y, year in enumerate(instance.years):
        if year.positions_vzae is not None:
            yield ("years", y, "positions_vzae"), year.positions_vzae
        for j, kommune in enumerate(year.join):
            yield ("years", y, "join", j, "max_vzae"), kommune.max_vzae
            if kommune.coordinator_vzae is not None:
                yield ("years", y, "join", j, "coordinator_vzae"), kommune.coordinator_vzae
        for j, traeger in enumerate(year.join_traeger):
            yield ("years", y, "join_traeger", j, "max_vzae"), traeger.max_vzae
        for section, changes in (("kommunen", year.kommunen), ("traeger", year.traeger)):
            for name, fields in changes.items():
                for key in ("max_vzae", "coordinator_vzae"):
                    if fields.get(key) is not None:
                        yield ("years", y, section, name, key), fields[key]
    if instance.coordination is not None:
        for key in ("base_vzae", "assistant_vzae", "per_kommune_vzae"):
            yield ("coordination", key), getattr(instance.coordination, key)
    for i, kommune in enumerate(instance.kommunen):
        if kommune.coordinator_vzae is not None:
            yield ("kommunen", i, "coordinator_vzae"), kommune.coordinator_vzae
    if instance.authorities is not None:
        for j, position in enumerate(instance.authorities.positions):
            yield ("authorities", "positions", j, "vzae"), position.vzae


def _finite_decimal(value: Fraction) -> bool:
    """Plans write VZÄ as decimals: a granularity like 1/3 could not be written exactly."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def model_findings(model: PlanningModel) -> list[Finding]:
    """Problems inside the planning model: steps off the granularity, key weights, duplicates."""
    findings: list[Finding] = []
    g = model.granularity_vzae
    if not _finite_decimal(g):
        findings.append(Finding(("granularity_vzae",), "not_decimal", {"value": g}))
    for key in ("host_step_vzae", "min_host_vzae", "min_coverage_vzae"):
        value: Fraction = getattr(model, key)
        if value % g:
            findings.append(Finding((key,), "off_granularity", {"value": value, "granularity": g}))
    if model.min_share_vzae is not None and model.min_share_vzae % g:
        findings.append(
            Finding(("min_share_vzae",), "off_granularity", {"value": model.min_share_vzae, "granularity": g})
        )
    total = sum(model.key.values(), Fraction(0))
    if model.key and total != 1:
        findings.append(Finding(("key",), "key_weights", {"value": total}))
    if not model.key:
        findings.append(Finding(("key",), "empty_list", {}))
    names = [o.name for o in model.objectives]
    for j, name in enumerate(names):
        if name in names[:j]:
            findings.append(Finding(("objectives", j, "name"), "duplicate_objective", {"value": name}))
        if model.objectives[j].measure is not None and name != "proportionality":
            findings.append(Finding(("objectives", j, "measure"), "measure_not_allowed", {"value": name}))
    if model.workers > 64:
        findings.append(Finding(("workers",), "too_large", {"value": model.workers, "limit": 64}))
    return findings


def pairing_findings(instance: Instance, model: PlanningModel) -> list[Finding]:
    """Problems that appear only with this model: VZÄ off the granularity, key columns missing."""
    findings: list[Finding] = []
    g = model.granularity_vzae
    for loc, value in _vzae_fields(instance):
        if value % g:
            findings.append(Finding(loc, "off_granularity", {"value": value, "granularity": g}))
    for column in model.key:
        if column == "population":
            continue
        for i, kommune in enumerate(instance.kommunen):
            if column not in kommune.indicators:
                findings.append(Finding(("kommunen", i, "indicators"), "unknown_indicator", {"value": column}))
    for y, year in enumerate(instance.years):  # Kommunen that join, or change their indicators, later
        records: list[tuple[Loc, dict[str, Any]]] = [
            (("years", y, "join", j), k.indicators) for j, k in enumerate(year.join)
        ]
        records += [
            (("years", y, "kommunen", n), f["indicators"]) for n, f in year.kommunen.items() if "indicators" in f
        ]
        for loc, indicators in records:
            for column in model.key:
                if column != "population" and column not in indicators:
                    findings.append(Finding((*loc, "indicators"), "unknown_indicator", {"value": column}))
    for column in model.key:
        column_total = sum(
            (k.population if column == "population" else k.indicators.get(column, 0) for k in instance.kommunen),
            Fraction(0),
        )
        if column_total == 0 and model.key[column] > 0:
            findings.append(Finding(("kommunen",), "zero_key", {"value": column}))
    if model.kreis_covers_kommunen:
        for i, kommune in enumerate(instance.kommunen):
            if kommune.deficit_coverage_eur_per_vzae is not None:
                findings.append(
                    Finding(
                        ("kommunen", i, "deficit_coverage_eur_per_vzae"),
                        "deficit_cap_covered",
                        {"value": kommune.deficit_coverage_eur_per_vzae},
                    )
                )
    return findings
