"""Where a plan to check comes from: a plan JSON/YAML, or a workbook's sheet „Zuordnung“,
and whether it belongs to the instance it is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.labels import t

if TYPE_CHECKING:
    from kimopt.data import Instance, PlanningModel
    from kimopt.io.excel.plan_sheet import PlanSheet

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def read_plan(path: Path) -> tuple[dict[str, Any], PlanSheet | None]:
    """The plan data, and the sheet it was read from when it is a workbook."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from kimopt.io.excel.plan_sheet import read_plan_sheet

        sheet = read_plan_sheet(path)
        return sheet.plan(), sheet
    from kimopt.io.reader import read_document

    return read_document(path).data, None


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
    from kimopt.plan import input_sha256

    recorded, checksum = plan.get("instance"), plan.get("input_sha256")
    if not isinstance(checksum, str) or not checksum:
        return None
    if checksum == input_sha256(instance, model):
        return None
    if isinstance(recorded, str) and recorded and recorded != instance.name:
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
