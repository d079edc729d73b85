"""The plan file (``solve -o plan.json``) as a typed, versioned contract: DESIGN §3's keys.

:class:`PlanFile` is what :meth:`kimopt.plan.Plan.to_file` builds and what ``schemas/
plan.schema.json`` publishes (``tests/test_plan_file.py`` keeps the two in step). Keys keep the
order in which they are written; a key that does not apply (``measure`` of a level without
one, ``gap`` of a proven level, ``binding_rules`` when not computed) is left out, not null.
VZÄ are decimals, euros whole numbers. :data:`SCHEMA_VERSION` rises when a key changes
meaning or goes away; new keys may be added without it.

No solver here: the file is read by reports, the checker and notebooks alike.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kimopt.results import Status

SCHEMA_VERSION = 2
HostType = Literal["kreis", "kommune", "traeger"]
Figure = int | float  # a level's value: VZÄ as a decimal, euros and counts whole


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data in the file's key order, keys that do not apply left out."""
        return self.model_dump(mode="json", exclude_unset=True)


class LevelEntry(_Entry):
    """One objective level in solving order: its value, its proven bound, whether proven."""

    name: str
    unit: Literal["VZÄ", "EUR", "count", "rank"]
    value: Figure
    bound: Figure | None = Field(description="proven bound; null for a level the time limit did not reach")
    proven_optimal: bool
    measure: Literal["l1", "max"] | None = None
    value_exact: str | None = Field(None, description="the VZÄ value as an exact fraction, e.g. 149726/460113")
    gap: Figure | None = Field(None, description="|value − bound| of a level cut short by the time limit")


class Eigenanteil(_Entry):
    """Yearly Eigenanteil by payer, euros (``total``: Kreis and Kommunen)."""

    kreis: int
    kommunen: int
    traeger: int
    total: int


class YearTotals(_Entry):
    """One year's Eigenanteil of all Bausteine: Kreis, Kommunen, Träger, total (Kreis + Kommunen), by payer."""

    kreis: int
    kommunen: int
    traeger: int
    total: int
    by_payer: dict[str, int]


class BindingRule(_Entry):
    """A rule instance whose relaxation improves a level (``relaxed_value`` null: unbounded)."""

    rule: str
    subject: str | None
    level: str
    value: Figure
    relaxed_value: Figure | None
    relaxed_value_proven: bool = Field(
        True, description="false: the work limit stopped the search for the best relaxed value"
    )


class RuleRef(_Entry):
    """A rule instance: its family and subject (null for a rule about the whole plan)."""

    rule: str
    subject: str | None


class UncheckedRule(RuleRef):
    """A rule instance the binding-rule analysis left undecided from ``level`` on (at the levels
    before it, it does not bind); null in plans written before kimopt said so."""

    level: str | None = None


class Summary(_Entry):
    """The plan's key figures."""

    positions_used: float
    positions_fundable: float
    unused_vzae: float | None = Field(
        None, description="fundable VZÄ the plan leaves unused: positions_fundable − positions_used"
    )
    target_basis_vzae: float = Field(description="N_used*: the VZÄ on which the targets rest")
    kreis_vzae: float
    partner_vzae: float
    kreis_share: float
    funding_eur: int
    eigenanteil_eur: Eigenanteil
    deviation_l1: float
    deviation_max: float
    loosemore_hanby: float
    gallagher: float
    quota_rule_holds: bool
    binding_rules: list[BindingRule] | None = Field(
        None, description="null when the plan is not proven optimal; absent when not computed"
    )
    binding_rules_complete: bool | None = Field(
        None,
        description="false: the deterministic work limit left the rules in binding_rules_unchecked "
        "undecided („nicht vollständig geprüft“)",
    )
    binding_rules_unchecked: list[UncheckedRule] | None = Field(
        None,
        description="rule instances not completely checked (empty when complete), each with the "
        "first level it was not decided at",
    )
    unused_limited_by: list[RuleRef] | None = Field(
        None,
        description="with unused_vzae > 0 and binding rules computed: the binding rules of use_positions, "
        "which keep the unused VZÄ unused (empty: no single rule; null: the plan is not proven optimal)",
    )
    eigenanteil_eur_by_year: dict[str, YearTotals] | None = Field(
        None, description="DESIGN §5: Eigenanteil of all Bausteine per year (key: the year); only in multi-year plans"
    )


class Host(_Entry):
    """One employer with its size, existing and new positions, costs and who pays its deficit."""

    name: str
    host_type: HostType
    vzae: float
    existing_vzae: float
    new_vzae: float
    max_vzae: float | None
    cost_per_vzae: int
    deficit_per_vzae: int
    deficit_paid_by_kreis: bool
    deficit_kreis_per_vzae: int | None = Field(
        None,
        description="the Kreis's part of deficit_per_vzae when it covers at most deficit_coverage_eur_per_vzae; "
        "the employer (a partner: for its part) pays the rest; absent when the Kreis pays all or nothing",
    )


class Served(_Entry):
    """One host's part in a Kommune's coverage."""

    host: str
    host_type: HostType
    vzae: float


class Kommune(_Entry):
    """One Kommune: key share, target ``e_i``, coverage ``c_i`` and its signed deviation."""

    name: str
    ags: str | None
    population: int
    key_share: float
    target_vzae: float
    coverage_vzae: float
    deviation_vzae: float
    served_by: list[Served]
    eigenanteil_eur: int | None = Field(
        None, description="the Kommune's yearly Eigenanteil, rounded so that the Kommunen add up to the summary's"
    )
    budget_eur: int | None = Field(None, description="the Kommune's budget for its Eigenanteil; null: unlimited")


class Link(_Entry):
    """VZÄ of one host serving one Kommune (only links in use)."""

    host: str
    host_type: HostType
    kommune: str
    vzae: float


class Payment(_Entry):
    """One payer's yearly Eigenanteil (payers who pay nothing are left out, the Kreis never)."""

    payer: str
    payer_type: HostType
    eur: int
    budget_eur: int | None
    bestand_eur: int | None = Field(
        None,
        description="„Bestand“: the own cost of its existing positions (financed already, not in eur nor "
        "in the budget); absent when it has none",
    )


class Finance(_Entry):
    """Funding, total cost and the Eigenanteil of each payer, euros of the year."""

    rate_per_vzae: int
    funding_eur: int
    total_cost_eur: int
    eigenanteil: list[Payment]
    months: int | None = Field(
        None,
        description="months of the year funded (DESIGN §5): the euros here are rates per VZÄ and year × months/12; "
        "absent for a whole year",
    )


class TieBreak(_Entry):
    """Whether the deterministic tie-break finished within the time limit."""

    proven: bool
    seconds: float


class Solver(_Entry):
    """How the plan was found; the only part that differs between runs (times). A plan
    recomputed outside a solve (e.g. from edited links) has only ``level_seconds``."""

    ortools: str | None = None
    seconds: float | None = None
    workers: int | None = None
    seed: int | None = None
    tie_break: TieBreak | None = None
    blocks: int | None = Field(
        None, description="the levels after proportionality and the tie-break were solved in this many blocks"
    )
    level_seconds: dict[str, float] = Field(description="per level; in a multi-year plan keyed „2023: own_cost“")
    method: str | None = Field(None, description="how several years were optimised (multi-year plans only)")


class FixedPosition(_Entry):
    """DESIGN §5: a Baustein 1 (``coordinator``, ``assistant``) or Baustein 3 (``authority``) position."""

    role: Literal["coordinator", "assistant", "authority"]
    host: str
    host_type: Literal["kreis", "kommune"]
    vzae: float
    cost_per_vzae: int
    rate_per_vzae: int
    funding_eur: int
    eigenanteil_eur: int
    payer: str


class CutReason(_Entry):
    """A rule that forces a cut, with its number: ``needed`` keeps every position, ``current`` is decided."""

    rule: str = Field(description="the rule family, e.g. budget_kreis, budget_kommune, funding_cap")
    subject: str = Field(description="whose rule: the payer, Kommune or Träger; empty for one of the Kreis as a whole")
    needed: Figure = Field(description="the least value of the number with which every position stays")
    current: Figure | None = Field(description="the number as decided (null: unlimited)")
    unit: Literal["EUR", "VZÄ", "share"]


class Cut(_Entry):
    """A host holding fewer VZÄ than the year before: the least cut with which the year has a plan,
    the rules that force it and the smallest change that would keep every position."""

    host: str = Field(description="the host; „alle Arbeitgeber“ for the one cut under continuity: total")
    host_type: HostType | Literal["total"] = Field(description="``total``: the positions in number fell")
    from_vzae: float
    to_vzae: float
    vzae: float = Field(description="the cut: from_vzae − to_vzae")
    reasons: list[CutReason] = Field(
        default_factory=list, description="the rules that force the cut (empty: no number alone helps)"
    )
    reasons_joint: bool = Field(False, description="every change of reasons is needed together (else any one)")
    text: str | None = Field(None, description="the cut as a sentence: why and what would avoid it (German)")


class HeldBack(_Entry):
    """``lookahead: true``: VZÄ a host of this year holds less than the years decided in order would,
    so that a later year needs no cut."""

    host: str
    host_type: HostType
    vzae: float
    for_year: int | None = Field(description="the later year it is held back for (the first the in-order plan cuts)")


class Member(_Entry):
    """A Kommune or Träger that joins or leaves in a year (DESIGN §5: ``join``, ``leave``)."""

    name: str
    member_type: Literal["kommune", "traeger"]
    vzae: float = Field(description="VZÄ it held the year before (joined: 0); they end with it when it leaves")


class PayerYear(_Entry):
    """One payer's Eigenanteil in one year, per Baustein, with the budget that holds for their sum."""

    payer: str
    payer_type: HostType
    baustein_1_eur: int
    baustein_2_eur: int
    baustein_3_eur: int
    eur: int
    budget_eur: int | None
    bestand_eur: int | None = Field(
        None,
        description="„Bestand“: the own cost of its existing positions this year (financed already, not in "
        "eur nor in the budget); absent when it has none",
    )


class EmployerYear(_Entry):
    """One employer's VZÄ in one year, per Baustein."""

    employer: str
    host_type: HostType
    baustein_1_vzae: float
    baustein_2_vzae: float
    baustein_3_vzae: float
    vzae: float


class YearEntry(_Entry):
    """DESIGN §5: one year of a multi-year plan, with the one-year contract for its Baustein 2."""

    year: int | None
    status: Status
    objectives: list[LevelEntry]
    summary: Summary
    hosts: list[Host]
    kommunen: list[Kommune]
    links: list[Link]
    finance: Finance
    coordination: list[FixedPosition]
    authorities: list[FixedPosition]
    cuts: list[Cut]
    joined: list[Member] = Field(default_factory=list, description="members taking part from this year on")
    left: list[Member] = Field(
        default_factory=list, description="members that stopped this year; their positions are no cuts"
    )
    eigenanteil: list[PayerYear]
    vzae_by_baustein: list[EmployerYear]
    fixed_links: list[Link] | None = Field(None, description="links the planner fixed in this year (solve --fix)")
    held_back: list[HeldBack] | None = Field(
        None, description="lookahead: positions held back for a later year; absent without lookahead"
    )


class PlanFile(_Entry):
    """An allocation plan as written to ``plan.json`` (DESIGN §3)."""

    schema_version: int = Field(SCHEMA_VERSION, description="version of this layout")
    kimopt: str = Field(description="kimopt version that wrote the plan")
    instance: str
    model: str = Field(description="name of the planning model (its file stem)")
    status: Status
    objectives: list[LevelEntry]
    summary: Summary
    hosts: list[Host]
    kommunen: list[Kommune]
    links: list[Link]
    finance: Finance
    years: list[YearEntry] | None = Field(
        None, description="DESIGN §5: every year; the top level describes the first (multi-year plans only)"
    )
    solver: Solver
    input_sha256: str = Field(description="SHA-256 of the validated instance and model")
    fixed_links: list[Link] | None = Field(
        None, description="links the planner fixed (solve --fix), 0 VZÄ included; absent without --fix"
    )


def schema_text() -> str:
    """The published JSON Schema of :class:`PlanFile` (``schemas/plan.schema.json``)."""
    return json.dumps(PlanFile.model_json_schema(), ensure_ascii=False, indent=2) + "\n"
