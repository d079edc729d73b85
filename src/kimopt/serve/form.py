"""The page's controls: which fields there are, what the file says, and a filled form as a scenario.

A filled form is a plain mapping ``field → text`` (what the browser sends). A field whose text
equals what the file says is no change; every other field becomes a key of one scenario entry
in the format of scenario files (:mod:`kimopt.report.scenarios`), so the page's state is
validated exactly like a scenario file, and „Szenario speichern“ writes what the page shows.
The wish is kept apart: scenario files have no wishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kimopt.data import OBJECTIVE_NAMES, Instance, PlanningModel
from kimopt.errors import Finding, finding_message
from kimopt.io.number_convention import compact
from kimopt.labels import OBJECTIVE_LABELS, pick
from kimopt.numbers import NumberError, fmt_number, fraction_text, to_fraction

Form = dict[str, str]

# Every field is refused beyond this before anything reads it as a number, a name or a wish:
# a partner list of a whole Kreis stays far below it; 10^99999999 or a megabyte of names would
# otherwise be converted exactly (minutes, holding the interpreter) or compared with every name.
MAX_FIELD_CHARS = 1000

OBJECTIVE_FIELDS = tuple(f"obj{n}" for n in range(1, len(OBJECTIVE_NAMES) + 1))


@dataclass(frozen=True)
class Field:
    """One control: its form name (also its element id ``f-NAME``), label and the file's value."""

    name: str
    label: str
    base: str
    group: str  # "kreis", "wish", "objectives", "kommune", "traeger"
    record: str = ""  # the Kommune's or Träger's name


def _vzae_text(value: Fraction) -> str:
    return fmt_number(value, 2, "de").rstrip("0").rstrip(",") if value.denominator != 1 else str(value)


def _percent_text(share: Fraction) -> str:
    return fmt_number(share * 100, 2, "de").rstrip("0").rstrip(",")


def objective_label(name: str) -> str:
    return pick(OBJECTIVE_LABELS.get(name, (name, name)), "de")


def fields(instance: Instance, model: PlanningModel) -> list[Field]:
    """Every control in page order, with the text the file gives it."""
    out = [
        Field("kreisquote", "Kreisquote (mindestens, %)", _percent_text(model.kreis_min_share), "kreis"),
        Field("wish", "Wunsch", "", "wish"),
    ]
    names = [o.name for o in model.objectives]
    for n, field_name in enumerate(OBJECTIVE_FIELDS):
        out.append(Field(field_name, f"{n + 1}. Ebene", names[n] if n < len(names) else "", "objectives"))
    for i, k in enumerate(instance.kommunen):
        out += [
            Field(f"k{i}_budget", "Budget (€)", "" if k.budget is None else str(k.budget), "kommune", k.name),
            Field(f"k{i}_max", "Interesse (max. VZÄ)", _vzae_text(k.max_vzae), "kommune", k.name),
            Field(f"k{i}_partner", "Partner", ", ".join(k.share_with), "kommune", k.name),
        ]
    for j, t in enumerate(instance.traeger):
        out.append(Field(f"t{j}_max", "Kapazität (VZÄ)", _vzae_text(t.max_vzae), "traeger", t.name))
    return out


def base_form(instance: Instance, model: PlanningModel) -> Form:
    """The form as the file fills it."""
    return {f.name: f.base for f in fields(instance, model)}


def normalised(form: Form, instance: Instance, model: PlanningModel) -> Form:
    """Only the known fields, trimmed; a missing field keeps the file's value."""
    return {f.name: str(form.get(f.name, f.base)).strip() for f in fields(instance, model)}


_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def _euros(text: str) -> str | None:
    """``16.400 €`` → ``16400``; empty means unlimited (``None``)."""
    cleaned = compact(text)
    if cleaned is None:  # digits split by spaces: validation names the text as typed
        return text
    if not cleaned:
        return None
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    return cleaned.replace(",", ".")


def _vzae(text: str) -> str:
    """``1,5`` → ``1.5``; empty means 0 (``1 5`` is passed on for validation to name)."""
    cleaned = compact(text)
    return text if cleaned is None else cleaned.replace(",", ".") or "0"


def _share(text: str) -> str:
    """``40 %`` → ``2/5``; ``1/3`` is read as the share itself. Text that is no number is passed on,
    so that validation names it as it was typed."""
    cleaned = (compact(text.replace("%", "")) or text).replace(",", ".")
    try:
        value = to_fraction(cleaned)  # bounded: digits and exponent are checked before converting
    except NumberError:
        return text
    return fraction_text(value if "/" in cleaned else value / 100)


def _names(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[;,]", text) if name.strip()]


def scenario_entry(form: Form, instance: Instance, model: PlanningModel, name: str) -> dict[str, Any]:
    """The scenario entry (file format) of a normalised form: only what differs from the file."""
    model_patch: dict[str, Any] = {}
    kommunen: dict[str, dict[str, Any]] = {}
    traeger: dict[str, dict[str, Any]] = {}
    changed = {f.name: f for f in fields(instance, model) if form[f.name] != f.base}
    if "kreisquote" in changed:
        model_patch["kreis_min_share"] = _share(form["kreisquote"])
    if any(n in changed for n in OBJECTIVE_FIELDS):
        measures: dict[str, str | None] = {o.name: o.measure for o in model.objectives}
        chosen = [form[n] for n in OBJECTIVE_FIELDS if form[n]]
        model_patch["objectives"] = [
            {"name": c, **({"measure": measures[c]} if measures.get(c) else {})} if c in OBJECTIVE_NAMES else c
            for c in chosen
        ]
    for i, k in enumerate(instance.kommunen):
        patch: dict[str, Any] = {}
        if f"k{i}_budget" in changed:
            patch["budget"] = _euros(form[f"k{i}_budget"])
        if f"k{i}_max" in changed:
            patch["max_vzae"] = _vzae(form[f"k{i}_max"])
        if f"k{i}_partner" in changed:
            patch["share_with"] = _names(form[f"k{i}_partner"])
        if patch:
            kommunen[k.name] = patch
    for j, t in enumerate(instance.traeger):
        if f"t{j}_max" in changed:
            traeger[t.name] = {"max_vzae": _vzae(form[f"t{j}_max"])}
    entry: dict[str, Any] = {"name": name}
    if model_patch:
        entry["model"] = model_patch
    instance_patch: dict[str, Any] = {}
    if kommunen:
        instance_patch["kommunen"] = kommunen
    if traeger:
        instance_patch["traeger"] = traeger
    if instance_patch:
        entry["instance"] = instance_patch
    return entry


def length_errors(form: Form) -> dict[str, str]:
    """The fields longer than :data:`MAX_FIELD_CHARS`, with the message for each."""
    errors = {}
    for name, text in form.items():
        if len(text) > MAX_FIELD_CHARS:
            shown = text[:20] + "…"
            finding = Finding((name,), "too_long", {"value": shown, "limit": MAX_FIELD_CHARS})
            errors["obj1" if name in OBJECTIVE_FIELDS else name] = finding_message(finding, "de")
    return errors


def objective_findings(form: Form) -> list[Finding]:
    """An objective chosen for two levels is a mistake the scenario format cannot name."""
    seen: set[str] = set()
    found = []
    for name in OBJECTIVE_FIELDS:
        value = form[name]
        if value and value in seen:
            found.append(Finding(("scenarios", 0, "model", "objectives"), "duplicate_name", {"value": value}))
        seen.add(value)
    return found


def field_of(loc: tuple[Any, ...], instance: Instance) -> str | None:
    """The control a finding of the scenario entry belongs to (``None``: no single one)."""
    rest = loc[2:] if loc[:2] == ("scenarios", 0) else loc
    if rest[:2] == ("model", "kreis_min_share"):
        return "kreisquote"
    if rest[:2] == ("model", "objectives"):
        return "obj1"
    if len(rest) >= 4 and rest[0] == "instance" and rest[1] in ("kommunen", "traeger"):
        name, key = str(rest[2]), rest[3]
        if rest[1] == "kommunen":
            index = instance.kommune_index().get(name)
            suffix = {"budget": "budget", "max_vzae": "max", "share_with": "partner"}.get(str(key))
            return f"k{index}_{suffix}" if index is not None and suffix else None
        j = next((j for j, t in enumerate(instance.traeger) if t.name == name), None)
        return f"t{j}_max" if j is not None and key == "max_vzae" else None
    return None


def changes(form: Form, instance: Instance, model: PlanningModel) -> list[tuple[str, str, str]]:
    """What differs from the file, for people: (what, file value, now)."""
    out = []
    for f in fields(instance, model):
        if form[f.name] == f.base:
            continue
        what = f"{f.record}: {f.label}" if f.record else f.label
        if f.group == "objectives":
            out.append(
                (
                    what,
                    objective_label(f.base) if f.base else "–",
                    objective_label(form[f.name]) if form[f.name] else "–",
                )
            )
        else:
            out.append((what, f.base or "–", form[f.name] or "–"))
    return out
