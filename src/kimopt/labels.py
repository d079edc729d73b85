"""Labels people read: objective levels, rule families and statuses, in German and English."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from kimopt.numbers import fmt_number
from kimopt.results import Status
from kimopt.rules import BY_NAME, CONTINUITY, HORIZON_RULES, RULES

OBJECTIVE_LABELS: dict[str, tuple[str, str]] = {
    "use_positions": ("Förderung ausschöpfen (VZÄ verwendet)", "use the funding (VZÄ used)"),
    "proportionality": ("Abweichung vom Schlüssel", "deviation from the key"),
    "partner_share": ("VZÄ bei Kommunen und Trägern", "VZÄ with Kommunen and Träger"),
    "own_cost": ("Eigenanteil Kreis + Kommunen", "own share Kreis + Kommunen"),
    # in a later year of several the change against the year before (the positions held then)
    "stability": ("Änderung gegenüber Bestand bzw. Vorjahr", "change against existing positions or the year before"),
    "fewer_hosts": ("Anstellungsträger + geteilte Stellen", "employers + shared positions"),
    # the first level of a later year that cannot keep what the year before held
    CONTINUITY.name: ("Kürzung ggü. Vorjahr", "cut against the year before"),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    Status.OPTIMAL.value: ("optimal (bewiesen)", "optimal (proven)"),
    Status.FEASIBLE.value: (
        "zulässig, Optimum nicht bewiesen (Zeitlimit)",
        "feasible, optimum not proven (time limit)",
    ),
    Status.INFEASIBLE.value: ("unlösbar", "infeasible"),
    Status.UNKNOWN.value: ("kein Plan im Zeitlimit", "no plan within the time limit"),
}


RULE_NAMES: dict[str, tuple[str, str]] = {
    rule.name: (rule.label_de, rule.label_en) for rule in (*RULES, *HORIZON_RULES)
}
"""Rule family -> (German, English) label, from the registry :mod:`kimopt.rules`."""

HOST_TYPES: dict[str, tuple[str, str]] = {
    "kreis": ("Kreis", "Kreis"),
    "kommune": ("Kommunen", "Kommunen"),
    "traeger": ("Träger", "Träger (welfare organisations)"),
}

HOST_KIND: dict[str, tuple[str, str]] = {
    "kreis": ("Kreis", "Kreis"),
    "kommune": ("Kommune", "Kommune"),
    "traeger": ("Träger", "Träger"),
    "total": ("alle", "all"),  # the one cut under continuity: total (the positions in number)
}


def t(lang: str, de: str, en: str) -> str:
    """The German or the English text (``lang`` is ``"de"`` or ``"en"``)."""
    return de if lang == "de" else en


def pick(labels: tuple[str, str], lang: str) -> str:
    """The German or English entry of a ``(de, en)`` pair."""
    return labels[0 if lang == "de" else 1]


SHOWN_NAMES = 12
"""A list of names read on a screen stops here; the plan file has them all."""


def some_of(names: list[str], lang: str, limit: int = SHOWN_NAMES) -> str:
    """``names`` joined by commas, the first ``limit`` of them and how many more."""
    if len(names) <= limit:
        return ", ".join(names)
    more = fmt_number(len(names) - limit, 0, lang)
    return ", ".join(names[:limit]) + t(lang, f" … und {more} weitere", f" … and {more} more")


def unchecked_lines(unchecked: Sequence[tuple[str | None, str]], levels: Sequence[str], lang: str) -> list[str]:
    """The rules the binding-rule analysis left undecided, one sentence per level from which
    they are undecided (``(level, rule name)`` pairs; ``levels`` the objectives in order): for
    the levels before it they are checked, so the planner sees which findings are complete."""
    by_level: dict[str | None, list[str]] = {}
    for level, name in sorted(unchecked, key=lambda u: levels.index(u[0]) if u[0] in levels else -1):
        by_level.setdefault(level, []).append(name)
    lines = []
    for level, names in by_level.items():
        listed = some_of(names, lang)
        count = fmt_number(len(names), 0, lang) + (
            t(lang, " Regel", " rule") if len(names) == 1 else t(lang, " Regeln", " rules")
        )
        if level is None or list(levels[:1]) == [level]:  # no level before it to speak of
            de = f"Begrenzende Regeln nicht vollständig geprüft ({count}): {listed}"
            en = f"Binding rules not completely checked ({count}): {listed}"
        else:
            label = OBJECTIVE_LABELS.get(level, (level, level))
            de = (
                f"Begrenzende Regeln ab der Zielebene „{label[0]}“ nicht vollständig geprüft "
                f"({count}; für die Zielebenen davor geprüft): {listed}"
            )
            en = (
                f"Binding rules not completely checked from the level “{label[1]}” on "
                f"({count}; checked for the levels before it): {listed}"
            )
        lines.append(t(lang, de, en))
    return lines


KEY_COLUMNS: dict[str, tuple[str, str]] = {"population": ("Einwohner", "population")}
"""A round's key column -> (German, English) label; an indicator column keeps its own name."""


def key_column(name: str, lang: str) -> str:
    """The label of one key column (``population`` is „Einwohner“)."""
    return pick(KEY_COLUMNS[name], lang) if name in KEY_COLUMNS else name


def key_text(key: dict[str, Fraction], lang: str) -> str:
    """A round's key as people read it: ``Einwohner`` alone, else each column with its weight."""
    from kimopt.numbers import exact_text

    if len(key) == 1 and next(iter(key.values())) == 1:
        return key_column(next(iter(key)), lang)
    return ", ".join(f"{key_column(name, lang)} {exact_text(w, lang)}" for name, w in key.items())


def objective_label(name: str, lang: str) -> str:
    """The label of an objective level (its identifier only when no label is known)."""
    return pick(OBJECTIVE_LABELS[name], lang) if name in OBJECTIVE_LABELS else name


def status_label(status: str, lang: str) -> str:
    """One word (or phrase) for a solver status: „optimal (bewiesen)“, „unlösbar“, …"""
    return pick(STATUS_LABELS[status], lang) if status in STATUS_LABELS else status


DEVIATION_SUM: tuple[str, str] = (
    "Summe der Abweichungen vom Soll (VZÄ)",
    "sum of the deviations from the target (VZÄ)",
)
"""The proportionality level in words (Σ over the Kommunen of |Ist − Soll|)."""


def share_of(part: int, whole: int, lang: str) -> str:
    """``67 %``: ``part`` of ``whole`` as a whole percentage (``0 %`` of nothing)."""
    return fmt_number(Fraction(100 * part, whole) if whole else 0, 0, lang) + " %"


CHECK_NAMES: dict[str, tuple[str, str]] = {"plan": ("Planangaben", "plan figures")}
"""What the checker reports besides the rule families: the plan's own figures."""


def rule_label(rule: str, lang: str) -> str:
    """The label of a rule family (or of the plan's own figures); the identifier if unknown."""
    names = RULE_NAMES.get(rule) or CHECK_NAMES.get(rule)
    return pick(names, lang) if names else rule


def rule_instance_label(family: str, subject: str | None, lang: str) -> str:
    """``Förderobergrenze``, ``Budget Voerde (Niederrhein)``, ``Budget Kreis``: a rule instance as
    people read it, with the subject of a per-host or per-Kommune rule (the identifier stays in
    the JSON and model files)."""
    entry = BY_NAME.get(family)
    if entry is None:
        return rule_label(family, lang) + (f" {subject}" if subject else "")
    if entry.subject_first:
        return f"{entry.label(lang)} {subject or 'Kreis'}"
    return entry.label(lang) + (f" {subject}" if subject else "")
