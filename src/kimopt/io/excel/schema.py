"""The contract of an instance workbook: its sheets and fields, header matching, messages.

Nothing here needs openpyxl: the contract is plain data that reading, writing and the
template share.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

# ---- the contract: sheets, fields, columns ------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One value of the instance: where it goes, how it is labelled, how it is read.

    ``kind`` is one of ``text``, ``ags5``/``ags8`` (a Gemeindeschlüssel: text, leading
    zeros restored when Excel stored a number), ``count`` (whole number), ``euro`` (whole
    euros), ``vzae`` (VZÄ), ``number`` (indicator), ``flag`` (ja/nein), ``names`` (list), ``raw``
    (kept as typed and read by the column it names: „Neuer Wert“ of „Änderungen“).
    """

    path: tuple[str, ...]
    label: str
    kind: str
    comment: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14
    yaml: str | None = None  # where the value goes in YAML/JSON when that is not ``path`` (a workbook-only column)

    @property
    def key(self) -> str:
        return self.path[-1]


FROM_YEAR = "from_year"
UNTIL_YEAR = "until_year"
"""Keys of the workbook only: a row's year of joining and of leaving (DESIGN §5 ``join``,
``join_traeger``, ``leave``), moved into ``years`` when read."""


def member_years(who: str, its: str, joining: str) -> tuple[Field, Field]:
    """The columns „Ab Jahr“ and „Austritt ab Jahr“ of the Kommunen and Träger sheets."""
    return (
        Field(
            (FROM_YEAR,),
            "Ab Jahr",
            "count",
            f"Späteres Förderjahr (Blatt „Jahre“), ab dem {who} teilnimmt; leer = von Anfang an.",
            ("Beitritt", "Beitritt ab Jahr", "Teilnahme ab", "join"),
            width=10,
            yaml=f"years[].{joining}",
        ),
        Field(
            (UNTIL_YEAR,),
            "Austritt ab Jahr",
            "count",
            f"Förderjahr (Blatt „Jahre“), ab dem {who} nicht mehr teilnimmt: {its} Stellen enden "
            "damit (das ist keine Kürzung); leer = bis zum Ende.",
            ("Austritt", "Nicht mehr ab", "leave"),
            width=11,
            yaml="years[].leave",
        ),
    )


KREIS_FIELDS: tuple[Field, ...] = (
    Field(
        ("name",),
        "Bezeichnung",
        "text",
        "Name dieser Planung, z. B. „Kreis Wesel 2022“; erscheint in Plänen und Berichten.",
        ("Instanz", "Planung", "instance", "instance_name"),
        required=True,
    ),
    Field(
        ("kreis", "name"),
        "Name",
        "text",
        "Name des Kreises (Fördermittelempfänger).",
        ("Kreis", "Kreisname"),
        required=True,
    ),
    Field(
        ("kreis", "ags"),
        "AGS",
        "ags5",
        "Amtlicher Gemeindeschlüssel des Kreises, 5 Stellen mit führender Null (z. B. 05170); optional.",
        ("Gemeindeschlüssel", "Kreisschlüssel"),
    ),
    Field(
        ("kreis", "cost_per_vzae"),
        "Kosten je VZÄ (€)",
        "euro",
        "Tatsächliche Jahreskosten einer Vollzeitstelle beim Kreis, ganze Euro "
        "(Förderung + Eigenanteil, z. B. 71.400).",
        ("Kosten pro VZÄ",),
        required=True,
    ),
    Field(
        ("kreis", "budget"),
        "Budget (€)",
        "euro",
        "Eigenanteil, den der Kreis pro Jahr höchstens trägt, ganze Euro; leer = unbegrenzt.",
        ("Budget",),
    ),
    Field(
        ("kreis", "existing_vzae"),
        "Vorhandene VZÄ",
        "vzae",
        "Bereits besetzte Stellen beim Kreis (VZÄ); sie bleiben und sind schon finanziert. Leer = 0.",
        ("Bestand VZÄ", "Vorhanden"),
    ),
)

FUNDING_FIELDS: tuple[Field, ...] = (
    Field(("funding", "year"), "Jahr", "count", "Förderjahr, z. B. 2022; optional.", ("Förderjahr",)),
    Field(
        ("funding", "positions_vzae"),
        "Förderfähige VZÄ",
        "vzae",
        "Stellen (VZÄ), die das Land höchstens fördert, z. B. 11.",
        ("Stellen", "Förderfähige Stellen", "Stellen (VZÄ)", "VZÄ"),
        required=True,
    ),
    Field(
        ("funding", "rate_per_vzae"),
        "Förderpauschale je VZÄ (€)",
        "euro",
        "Pauschale Förderung je VZÄ und Jahr, ganze Euro (z. B. 55.000); gezahlt bis zu den tatsächlichen Kosten.",
        ("Pauschale je VZÄ", "Förderung je VZÄ", "Förderpauschale"),
        required=True,
    ),
    Field(
        ("funding", "months"),
        "Monate",
        "count",
        "Geförderte Monate des Jahres, 1 bis 12 (ein Start am 1. Juli ist 6): Förderung und Kosten "
        "anteilig; leer = 12.",
        ("Monate gefördert", "Förderdauer (Monate)"),
    ),
)

KOMMUNE_FIELDS: tuple[Field, ...] = (
    Field(
        ("name",),
        "Name",
        "text",
        "Name der Kommune; so wird sie in „Teilt mit“ und „Versorgt“ genannt.",
        ("Kommune", "Gemeinde", "Gemeindename", "Stadt"),
        required=True,
        width=24,
    ),
    Field(
        ("ags",),
        "AGS",
        "ags8",
        "Amtlicher Gemeindeschlüssel, 8 Stellen mit führender Null (z. B. 05170044), als Text; "
        "optional, in „Teilt mit“ und „Versorgt“ statt des Namens verwendbar.",
        ("Gemeindeschlüssel", "Amtlicher Gemeindeschlüssel"),
        width=11,
    ),
    Field(
        ("population",),
        "Einwohner",
        "count",
        "Einwohnerzahl (amtlich, z. B. GV100AD zum 31.12.), ganze Zahl ≥ 0; Grundlage des Verteilungsschlüssels.",
        ("Einwohnerzahl", "Bevölkerung"),
        required=True,
        width=12,
    ),
    Field(
        ("max_vzae",),
        "Max. VZÄ",
        "vzae",
        "Stellen (VZÄ), die die Kommune selbst anstellen würde; 0 oder leer = keine eigenen "
        "Stellen. Vielfaches von 0,1.",
        ("Maximale VZÄ", "Höchstens VZÄ"),
        width=10,
    ),
    Field(
        ("cost_per_vzae",),
        "Kosten je VZÄ (€)",
        "euro",
        "Tatsächliche Jahreskosten einer Vollzeitstelle bei der Kommune, ganze Euro; leer = wie beim Kreis.",
        ("Kosten pro VZÄ",),
        width=16,
    ),
    Field(
        ("budget",),
        "Budget (€)",
        "euro",
        "Eigenanteil, den die Kommune pro Jahr höchstens trägt, ganze Euro; leer = unbegrenzt, 0 = nichts.",
        ("Budget",),
        width=13,
    ),
    Field(
        ("share_with",),
        "Teilt mit",
        "names",
        "Kommunen, mit denen sie sich Stellen teilen darf: Namen oder AGS, getrennt durch „;“. "
        "Gilt in beide Richtungen.",
        ("Teilt Stellen mit", "Partner"),
        width=22,
    ),
    Field(
        ("existing_vzae",),
        "Vorhandene VZÄ",
        "vzae",
        "Bereits besetzte Stellen bei der Kommune (VZÄ); sie bleiben und sind schon finanziert. Leer = 0.",
        ("Bestand VZÄ", "Vorhanden"),
        width=12,
    ),
    Field(
        ("auslaenderbehoerde",),
        "Ausländerbehörde",
        "flag",
        "ja, wenn die Kommune eine eigene Ausländerbehörde hat; sonst nein oder leer.",
        ("Eigene Ausländerbehörde", "ABH"),
        width=12,
    ),
    Field(
        ("einbuergerungsbehoerde",),
        "Einbürgerungsbehörde",
        "flag",
        "ja, wenn die Kommune eine eigene Einbürgerungsbehörde hat (sie darf dann Stellen in Baustein 3 "
        "haben); sonst nein oder leer.",
        ("Eigene Einbürgerungsbehörde", "Einbürgerungsstelle"),
        width=14,
    ),
    Field(
        ("jugendamt",),
        "Jugendamt",
        "flag",
        "ja, wenn die Kommune ein eigenes Jugendamt hat (Baustein 1); sonst nein oder leer.",
        ("Eigenes Jugendamt",),
        width=11,
    ),
    Field(
        ("integrationsrat",),
        "Integrationsrat",
        "flag",
        "ja, wenn die Kommune einen Integrationsrat hat (Baustein 1); sonst nein oder leer.",
        ("Integrationsausschuss",),
        width=13,
    ),
    Field(
        ("coordinator_vzae",),
        "Koordination VZÄ",
        "vzae",
        "Baustein 1: Koordinierende, die die Kommune anstellt, abweichend von der Regel des "
        "Blatts „Baustein 1“; leer = nach der Regel.",
        ("Koordinatoren VZÄ",),
        width=12,
    ),
    Field(
        ("deficit_coverage_eur_per_vzae",),
        "Defizitübernahme höchstens je VZÄ (€)",
        "euro",
        "Der Kreis übernimmt vom Defizit der Kommune höchstens so viel je VZÄ und Jahr (z. B. 5.000), "
        "den Rest trägt die Kommune (eine Partnerkommune ihren Anteil); leer = keine Übernahme.",
        ("Defizitdeckel je VZÄ", "Defizitübernahme bis je VZÄ"),
        width=18,
    ),
    *member_years("die Kommune", "ihre", "join"),
)

TRAEGER_FIELDS: tuple[Field, ...] = (
    Field(
        ("name",),
        "Name",
        "text",
        "Name des Trägers der freien Wohlfahrtspflege.",
        ("Träger", "Trägername"),
        required=True,
        width=34,
    ),
    Field(
        ("max_vzae",),
        "Max. VZÄ",
        "vzae",
        "Stellen (VZÄ), die der Träger höchstens übernehmen kann; Vielfaches von 0,1.",
        ("Maximale VZÄ", "Höchstens VZÄ"),
        required=True,
        width=10,
    ),
    Field(
        ("serves",),
        "Versorgt",
        "names",
        "Kommunen in seinem Einsatzgebiet: Namen oder AGS, getrennt durch „;“.",
        ("Versorgt Kommunen", "Einsatzgebiet", "Zuständig für", "Kommunen"),
        required=True,
        width=40,
    ),
    Field(
        ("cost_per_vzae",),
        "Kosten je VZÄ (€)",
        "euro",
        "Tatsächliche Jahreskosten einer Vollzeitstelle beim Träger, ganze Euro.",
        ("Kosten pro VZÄ",),
        required=True,
        width=16,
    ),
    Field(
        ("deficit_coverage",),
        "Defizitübernahme",
        "flag",
        "ja, wenn der Kreis den Eigenanteil des Trägers übernimmt (Defizitübernahme); sonst nein.",
        ("Defizit trägt Kreis", "Defizitübernahme durch den Kreis"),
        width=15,
    ),
    Field(
        ("existing_vzae",),
        "Vorhandene VZÄ",
        "vzae",
        "Bereits besetzte Stellen beim Träger (VZÄ); sie bleiben. Leer = 0.",
        ("Bestand VZÄ", "Vorhanden"),
        width=12,
    ),
    Field(
        ("deficit_coverage_eur_per_vzae",),
        "Defizitübernahme höchstens je VZÄ (€)",
        "euro",
        "Der Kreis übernimmt vom Defizit des Trägers höchstens so viel je VZÄ und Jahr (z. B. 5.000), "
        "den Rest trägt der Träger; leer = nach Spalte „Defizitübernahme“.",
        ("Defizitdeckel je VZÄ", "Defizitübernahme bis je VZÄ"),
        width=18,
    ),
    *member_years("der Träger", "seine", "join_traeger"),
)

# ---- DESIGN §5: later years, Baustein 1 and Baustein 3 (each sheet optional) ------------------

YEAR_FIELDS: tuple[Field, ...] = (
    Field(
        ("year",),
        "Jahr",
        "count",
        "Förderjahr nach dem ersten (Blatt Förderung), z. B. 2023; in aufsteigender Reihenfolge.",
        ("Förderjahr",),
        required=True,
        width=10,
    ),
    Field(
        ("positions_vzae",),
        "Förderfähige VZÄ",
        "vzae",
        "Baustein 2: förderfähige Stellen in diesem Jahr; leer = wie im Vorjahr.",
        ("Stellen",),
        width=12,
    ),
    Field(
        ("rate_per_vzae",),
        "Förderpauschale je VZÄ (€)",
        "euro",
        "Baustein 2: Pauschale je VZÄ in diesem Jahr (z. B. 57.000); leer = wie im Vorjahr.",
        ("Pauschale je VZÄ",),
        width=16,
    ),
    Field(
        ("cost_growth",),
        "Kostensteigerung",
        "number",
        "Anstieg aller Kosten gegenüber dem Vorjahr als Anteil, z. B. 3/100 oder 0,03 (auf ganze Euro "
        "gerundet); gilt weiter, bis ein Jahr einen anderen Wert nennt; leer = wie im Vorjahr.",
        ("Kostenanstieg",),
        width=14,
    ),
    Field(
        ("coordination_rate_per_vzae",),
        "Pauschale Koordination (€)",
        "euro",
        "Baustein 1: Pauschale je Koordinations-VZÄ in diesem Jahr; leer = wie im Vorjahr.",
        (),
        width=16,
    ),
    Field(
        ("assistant_rate_per_vzae",),
        "Pauschale Assistenz (€)",
        "euro",
        "Baustein 1: Pauschale je Assistenz-VZÄ in diesem Jahr; leer = wie im Vorjahr.",
        (),
        width=16,
    ),
    Field(
        ("authorities_rate_per_vzae",),
        "Pauschale Ausländerbehörde (€)",
        "euro",
        "Baustein 3: Pauschale je VZÄ in diesem Jahr; leer = wie im Vorjahr.",
        (),
        width=16,
    ),
    Field(
        ("months",),
        "Monate",
        "count",
        "Geförderte Monate dieses Jahres, 1 bis 12: Förderung und Kosten anteilig; leer = 12 (gilt nicht weiter).",
        (),
        width=10,
    ),
)
CHANGE_FIELDS: tuple[Field, ...] = (
    Field(
        ("year",),
        "Jahr",
        "count",
        "Späteres Förderjahr (Blatt „Jahre“), ab dem der neue Wert gilt.",
        ("Förderjahr", "Ab Jahr"),
        required=True,
        width=10,
        yaml="years[].year",
    ),
    Field(
        ("name",),
        "Kommune oder Träger",
        "text",
        "Name der Kommune oder des Trägers, wie in ihrem Blatt.",
        ("Name", "Kommune", "Träger"),
        required=True,
        width=34,
        yaml="years[].kommunen.NAME, years[].traeger.NAME",
    ),
    Field(
        ("field",),
        "Spalte",
        "text",
        "Die Spalte im Blatt Kommunen oder Träger, deren Wert sich ändert, z. B. „Max. VZÄ“ oder „Budget (€)“.",
        ("Angabe", "Feld"),
        required=True,
        width=30,
        yaml="years[].kommunen.NAME.FIELD (FIELD: the key of that column)",
    ),
    Field(
        ("value",),
        "Neuer Wert",
        "raw",
        "Der Wert ab diesem Jahr, so eingegeben wie in jener Spalte; leer = nicht angegeben (ein Budget "
        "dann unbegrenzt).",
        ("Wert",),
        width=16,
        yaml="years[].kommunen.NAME.FIELD: the value",
    ),
)
"""DESIGN §5 ``years[].kommunen`` and ``years[].traeger``: one changed value of a member per row."""

COST_PREFIX = "Kosten: "
COST_COMMENT = (
    "Kosten je VZÄ dieses Anstellungsträgers (Kreis, Kommune oder Träger; Name nach "
    "„Kosten:“) in diesem Jahr, ganze Euro; ersetzt die Kostensteigerung; leer = wie berechnet."
)
BUDGET_PREFIX = "Budget: "
BUDGET_COMMENT = (
    "Budget dieses Zahlers (Kreis oder Kommune; Name nach „Budget:“) in diesem Jahr für alle "
    "Bausteine, ganze Euro; leer = wie im Vorjahr."
)
PREFIXES: dict[str, tuple[str, str]] = {
    "cost": ("costs", "euro"),
    "kosten": ("costs", "euro"),
    "budget": ("budgets", "euro"),
}
_PREFIXED_HEADER = re.compile(r"^\s*(kosten|cost|budget)\s*[:.]\s*(.+?)\s*$", re.I)

COORDINATION_FIELDS: tuple[Field, ...] = (
    Field(
        ("coordination", "base_vzae"),
        "Koordination beim Kreis (VZÄ)",
        "vzae",
        "Baustein 1: Koordinierende beim Kreis (Kommunales Integrationszentrum), z. B. 3,5.",
        ("Basis VZÄ",),
    ),
    Field(
        ("coordination", "assistant_vzae"),
        "Assistenz beim Kreis (VZÄ)",
        "vzae",
        "Baustein 1: Verwaltungsassistenz beim Kreis, z. B. 0,5.",
        ("Assistenz VZÄ",),
    ),
    Field(
        ("coordination", "per_kommune_vzae"),
        "Je Kommune (VZÄ)",
        "vzae",
        "Baustein 1: Koordinierende bei jeder Kommune, die alle Merkmale hat (dort angestellt); leer = 1,0.",
        ("Je berechtigte Kommune",),
    ),
    Field(
        ("coordination", "qualifies_by"),
        "Merkmale",
        "names",
        "Merkmale, die eine Kommune alle haben muss, getrennt durch „;“: auslaenderbehoerde; jugendamt; "
        "integrationsrat (leer = alle drei).",
        ("Voraussetzungen",),
    ),
    Field(
        ("coordination", "rate_per_vzae"),
        "Pauschale Koordination je VZÄ (€)",
        "euro",
        "Förderung je Koordinations-VZÄ und Jahr, bis zu den tatsächlichen Kosten (z. B. 57.000).",
        ("Pauschale Koordination",),
    ),
    Field(
        ("coordination", "assistant_rate_per_vzae"),
        "Pauschale Assistenz je VZÄ (€)",
        "euro",
        "Förderung je Assistenz-VZÄ und Jahr (22.500 € je halbe Stelle = 45.000).",
        ("Pauschale Assistenz",),
    ),
    Field(
        ("coordination", "cost_per_vzae"),
        "Kosten Koordination je VZÄ (€)",
        "euro",
        "Tatsächliche Jahreskosten einer Koordinationsstelle; leer = Kosten je VZÄ des Anstellungsträgers.",
        ("Kosten Koordination",),
    ),
    Field(
        ("coordination", "assistant_cost_per_vzae"),
        "Kosten Assistenz je VZÄ (€)",
        "euro",
        "Tatsächliche Jahreskosten der Assistenz; leer = Kosten je VZÄ des Kreises.",
        ("Kosten Assistenz",),
    ),
)

AUTHORITY_FIELDS: tuple[Field, ...] = (
    Field(
        ("host",),
        "Anstellungsträger",
        "text",
        "Der Kreis oder eine Kommune mit eigener Ausländer- oder Einbürgerungsbehörde (Name oder AGS).",
        ("Behörde", "Stelle", "Name"),
        required=True,
        width=28,
    ),
    Field(
        ("vzae",),
        "VZÄ",
        "vzae",
        "Zusätzliche Stellen in dieser Behörde, in halben Stellen (0,5; 1,0 …).",
        ("Stellen",),
        required=True,
        width=10,
    ),
    Field(
        ("cost_per_vzae",),
        "Kosten je VZÄ (€)",
        "euro",
        "Tatsächliche Jahreskosten je VZÄ; leer = Kosten je VZÄ des Anstellungsträgers.",
        ("Kosten pro VZÄ",),
        width=16,
    ),
)
AUTHORITY_RATE = Field(
    ("authorities", "rate_per_vzae"),
    "Pauschale Baustein 3 je VZÄ (€)",
    "euro",
    "Baustein 3 (Ausländerbehörden): Förderung je VZÄ und Jahr; nur mit Stellen im Blatt „Baustein 3“.",
    ("Pauschale Ausländerbehörde",),
)

INDICATOR_PREFIX = "Kennzahl: "
INDICATOR_COMMENT = (
    "Weitere Kennzahl der Kommune für einen gewichteten Verteilungsschlüssel "
    "(z. B. Zahl der Geflüchteten), Zahl ≥ 0. Der Name nach „Kennzahl:“ ist der "
    "Name im Planungsmodell (key)."
)
_INDICATOR_HEADER = re.compile(r"^\s*(?:kennzahl|indikator|indicators?)\s*[:.]\s*(.+?)\s*$", re.I)


@dataclass(frozen=True)
class Sheet:
    """A sheet of the contract: its German name, the names accepted, its fields."""

    title: str
    names: tuple[str, ...]
    fields: tuple[Field, ...]
    record: str | None  # the instance key of a table sheet ("kommunen"), None for key/value


KREIS = Sheet("Kreis", ("Kreis", "kreis"), KREIS_FIELDS, None)
FUNDING = Sheet("Förderung", ("Förderung", "funding", "Forderung"), (*FUNDING_FIELDS, AUTHORITY_RATE), None)
KOMMUNEN = Sheet("Kommunen", ("Kommunen", "kommunen", "Gemeinden"), KOMMUNE_FIELDS, "kommunen")
TRAEGER = Sheet("Träger", ("Träger", "traeger", "Trager"), TRAEGER_FIELDS, "traeger")
YEARS = Sheet("Jahre", ("Jahre", "years", "Folgejahre"), YEAR_FIELDS, "years")
COORDINATION = Sheet("Baustein 1", ("Baustein 1", "Koordination", "coordination"), COORDINATION_FIELDS, None)
AUTHORITIES = Sheet(
    "Baustein 3", ("Baustein 3", "Ausländerbehörden", "authorities"), AUTHORITY_FIELDS, "authorities.positions"
)
CHANGES = Sheet("Änderungen", ("Änderungen", "changes", "Aenderungen", "Anderungen"), CHANGE_FIELDS, "changes")
NOTES_TITLE = "Hinweise"

_HEADER_WORDS = {"angabe", "feld", "key", "schluessel", "parameter"}
_NOTE_COLUMN = re.compile(r"^\s*(#|bemerkung|anmerkung|notiz|kommentar|hinweis|quelle|note|comment)", re.I)
_SUM_WORDS = {"summe", "gesamt", "insgesamt", "total", "sum"}


def normalise(text: str) -> str:
    """A header or label reduced for matching: „Max. VZÄ“ and ``max_vzae`` both give ``maxvzae``."""
    text = text.casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = re.sub(r"\b(eur|euro)\b|€", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


def _lookup(fields: Sequence[Field]) -> dict[str, Field]:
    """Normalised header → field: German labels first, then aliases, then the YAML keys
    (``name`` is the Kreis's name on the Kreis sheet, its label „Name“ wins over the key)."""
    table: dict[str, Field] = {}
    for names in ((f.label,) for f in fields), (f.aliases for f in fields), ((f.key, ".".join(f.path)) for f in fields):
        for field, aliases in zip(fields, names, strict=True):
            for alias in aliases:
                if normalise(alias):
                    table.setdefault(normalise(alias), field)
    return table


def _display(text: object) -> str:
    return " ".join(str(text).split())


def _hint(text: str, fields: Sequence[Field]) -> dict[str, str]:
    labels = [f.label for f in fields]
    hint = difflib.get_close_matches(_display(text), labels, n=1, cutoff=0.6)
    if not hint:
        by_key = {normalise(f.key): f.label for f in fields}
        close = difflib.get_close_matches(normalise(text), list(by_key), n=1, cutoff=0.75)
        hint = [by_key[close[0]]] if close else []
    return {"hint": hint[0]} if hint else {}
