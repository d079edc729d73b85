"""Where a plan to check comes from: a plan JSON/YAML, or a workbook's sheet „Zuordnung“,
and whether it belongs to the instance it is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from kimopt.labels import t

if TYPE_CHECKING:
    from kimopt.data import Instance, PlanningModel
    from kimopt.io.excel.plan_sheet import PlanSheet

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def sheet_plan(sheet: PlanSheet, instance: Instance | None = None) -> dict[str, Any]:
    """The plan JSON a workbook's sheet stands for (the plan of every year of ``instance`` when it
    has several years or Bausteine 1 and 3; read by :func:`kimopt.io.plan_file.read_plan_source`)."""
    if instance is not None and instance.multi:
        return sheet_plan_over_years(sheet, instance)
    if instance is not None and sheet.has_years:  # a sheet with „Jahr“ for an instance of one year
        from kimopt.io.excel.plan_sheet import link_entries

        (rows,) = sheet.by_year([instance.funding.year])
        return {**sheet.plan(), "links": link_entries(rows)}
    return sheet.plan()


def sheet_plan_over_years(sheet: PlanSheet, instance: Instance) -> dict[str, Any]:
    """A workbook's plan as the plan JSON of DESIGN §5: each year's rows of „Zuordnung“ and the
    cuts stated in „Kürzungen“; the first year also at the top, as in the plan JSON.

    Bausteine 1 and 3 leave no choice and are no rows of the sheet: each year lists them as the
    instance gives them (:func:`kimopt.horizon.expand`), and the checker, which derives them
    again from the rule text, checks them and every budget over all Bausteine.

    Raises
    ------
    InputError
        If the instance has several years and the sheet no column „Jahr“, or a row or a cut
        names a year the instance does not have.
    """
    from kimopt.horizon import FixedPosition, expand
    from kimopt.io.excel.plan_sheet import link_entries
    from kimopt.numbers import decimal_vzae

    def positions(fixed: tuple[FixedPosition, ...]) -> list[dict[str, Any]]:
        return [{"role": p.role, "host": p.host, "host_type": p.host_type, "vzae": decimal_vzae(p.vzae)} for p in fixed]

    years = expand(instance)
    labels = [y.year for y in years]
    entries = [
        {
            "year": year.year,
            "links": link_entries(rows),
            "coordination": positions(year.coordination),
            "authorities": positions(year.authorities),
            "cuts": [{"host": c.host, "host_type": c.host_type, "vzae": decimal_vzae(c.vzae)} for c in cuts],
            "fixed_links": link_entries([r for r in rows if r.fixed]),  # a fixed row may force a larger cut
        }
        for year, rows, cuts in zip(years, sheet.by_year(labels), sheet.cuts_by_year(labels), strict=True)
    ]
    return {**sheet.plan(), "links": entries[0]["links"], "years": entries}


Record = Literal["same", "changed", "foreign", "unknown"]


def recorded_for(recorded: object, checksum: object, instance: Instance, model: PlanningModel) -> Record:
    """Whether a plan's record of its inputs (its instance's name and ``input_sha256``) is ``instance``
    under ``model``: the one provenance check of kimopt (check, solve --fix, report, serve, batch).

    ``same``: the checksum matches; ``changed``: the same name, another checksum (the instance or
    the model changed since); ``foreign``: another instance; ``unknown``: no checksum recorded.
    """
    from kimopt.plan import input_sha256

    if not isinstance(checksum, str) or not checksum:
        return "unknown"
    if checksum == input_sha256(instance, model):
        return "same"
    if isinstance(recorded, str) and recorded and recorded != instance.name:
        return "foreign"
    return "changed"


@dataclass(frozen=True)
class Provenance:
    """What the plan's record of its instance says: ``foreign`` when it is another instance."""

    foreign: bool
    text: str


def foreign_plan(plan: dict[str, Any], instance: Instance, model: PlanningModel, lang: str) -> Provenance | None:
    """``None`` when the plan records this instance and model (or records nothing).

    Another instance's name and checksum: the plan belongs elsewhere (checking it would only
    list unknown Kommunen). The same name with another checksum: the instance or the model
    changed since the plan was made — worth saying, but the plan is still checked.
    """
    recorded, checksum = plan.get("instance"), plan.get("input_sha256")
    verdict = recorded_for(recorded, checksum, instance, model)
    if verdict in ("same", "unknown"):
        return None
    assert isinstance(checksum, str)
    if verdict == "foreign":
        return Provenance(
            True,
            t(
                lang,
                f"der Plan gehört zur Instanz „{recorded}“, nicht zu „{instance.name}“ (Prüfsumme "
                f"{checksum[:16]}…); die Instanz angeben, aus der der Plan berechnet wurde.",
                f"the plan belongs to the instance '{recorded}', not to '{instance.name}' (checksum "
                f"{checksum[:16]}…); give the instance the plan was computed from.",
            ),
        )
    return Provenance(
        False,
        t(
            lang,
            "Hinweis: die Prüfsumme im Plan passt nicht zu Instanz und Modell – eines von beiden wurde "
            "seit der Berechnung geändert (oder ein anderes --model angegeben); geprüft wird gegen die "
            "angegebenen Dateien.",
            "Note: the plan's checksum does not match the instance and model – one of them changed since "
            "the plan was computed (or another --model was given); the plan is checked against the given files.",
        ),
    )
