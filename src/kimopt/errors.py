"""Input problems in the planner's words: which file, which record, which field, what is wrong.

A problem is a :class:`Finding` (a location inside the file, a message code and its
parameters); :class:`InputError` carries the findings of one file and renders them in German
or English. The location is kept as the path of keys and list positions *as written in the
file*, so a message can name the key the planner typed and the Kommune it belongs to.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:  # pydantic is imported where a finding is translated, not on the CLI's start
    from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]

# code -> (German, English). Placeholders are filled from Finding.params.
MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Pflichtangabe fehlt", "required value is missing"),
    "unknown_key": ("unbekannter Schlüssel{hint_de}", "unknown key{hint_en}"),
    "not_a_number": ("{value} ist keine Zahl", "{value} is not a number"),
    "not_finite": ("{value} ist keine endliche Zahl", "{value} is not a finite number"),
    "number_too_long": (
        "{value}: Zahl mit zu vielen Stellen oder zu großem Exponenten; eine Zahl wie 12,5 oder 1/3 angeben",
        "{value}: number with too many digits or too large an exponent; give a number such as 12.5 or 1/3",
    ),
    "not_whole_euros": ("{value}: Beträge in ganzen Euro angeben", "{value}: give amounts in whole euros"),
    "not_integer": ("{value} ist keine ganze Zahl", "{value} is not a whole number"),
    "negative": ("{value} darf nicht negativ sein", "{value} must not be negative"),
    "not_positive": ("{value} muss größer als 0 sein", "{value} must be greater than 0"),
    "not_text": ("{value} ist kein Text", "{value} is not text"),
    "empty_text": ("darf nicht leer sein", "must not be empty"),
    "not_bool": ("{value} ist weder ja/true noch nein/false", "{value} is neither yes/true nor no/false"),
    "not_list": ("{value} ist keine Liste", "{value} is not a list"),
    "empty_list": (
        "die Liste ist leer, mindestens ein Eintrag nötig",
        "the list is empty, at least one entry is needed",
    ),
    "not_mapping": (
        "{value} ist kein Abschnitt mit Schlüsseln (Mapping)",
        "{value} is not a section of keys (mapping)",
    ),
    "bad_choice": (
        "{value} ist nicht erlaubt{hint_de}; erlaubt: {choices}",
        "{value} is not allowed{hint_en}; allowed: {choices}",
    ),
    "invalid": ("ungültiger Wert {value}", "invalid value {value}"),
    "duplicate_name": ("der Name {value} kommt mehrfach vor", "the name {value} occurs more than once"),
    "too_many_entries": (
        "{count} Einträge sind zu viele (höchstens {limit})",
        "{count} entries are too many (at most {limit})",
    ),
    "too_long": ("{value} ist zu lang (höchstens {limit} Zeichen)", "{value} is too long (at most {limit} characters)"),
    "control_character": (
        "{value} enthält Steuerzeichen (z. B. Zeilenumbruch, Tabulator)",
        "{value} contains control characters (e.g. a line break or tab)",
    ),
    "name_is_other_ags": (
        "der Name {value} ist der Gemeindeschlüssel von {other}: Verweise wären mehrdeutig",
        "the name {value} is the municipality key (AGS) of {other}: references would be ambiguous",
    ),
    "duplicate_ags": (
        "der Gemeindeschlüssel {value} kommt mehrfach vor",
        "the municipality key (AGS) {value} occurs more than once",
    ),
    "unknown_kommune": (
        "{value} ist keine Kommune dieser Instanz{hint_de}",
        "{value} is not a Kommune of this instance{hint_en}",
    ),
    "unknown_traeger": (
        "{value} ist kein Träger dieser Instanz{hint_de}",
        "{value} is not a Träger of this instance{hint_en}",
    ),
    "unknown_year": (
        "{value} ist kein späteres Jahr dieser Instanz (unter „years“; das erste Jahr ändert „funding“){hint_de}",
        "{value} is not a later year of this instance (under 'years'; 'funding' changes the first year){hint_en}",
    ),
    "scenario_empty": (
        "das Szenario {value} ändert nichts: „model“ und/oder „instance“ angeben",
        "the scenario {value} changes nothing: give 'model' and/or 'instance'",
    ),
    "self_share": ("eine Kommune kann sich nicht mit sich selbst teilen", "a Kommune cannot share with itself"),
    "off_granularity": (
        "{value} VZÄ ist kein Vielfaches der Granularität {granularity} VZÄ",
        "{value} VZÄ is not a multiple of the granularity {granularity} VZÄ",
    ),
    "not_decimal": (
        "{value} VZÄ: die Granularität muss ein Dezimalbruch sein (z. B. 0,1 oder 0,25)",
        "{value} VZÄ: the granularity must be a decimal (e.g. 0.1 or 0.25)",
    ),
    "share_out_of_range": ("{value} muss zwischen 0 und 1 liegen", "{value} must lie between 0 and 1"),
    "unknown_indicator": (
        "Kennzahl {value} fehlt bei dieser Kommune (Schlüssel verlangt sie)",
        "indicator {value} is missing for this Kommune (the key needs it)",
    ),
    "zero_key": (
        "die Summe des Verteilungsschlüssels ist 0 (z. B. alle Einwohner 0)",
        "the distribution key sums to 0 (for example all populations 0)",
    ),
    "key_weights": (
        "die Gewichte des Schlüssels müssen sich zu 1 addieren (Summe {value})",
        "the key's weights must add up to 1 (sum {value})",
    ),
    "duplicate_objective": (
        "das Ziel {value} steht mehrfach in der Liste",
        "the objective {value} is listed more than once",
    ),
    "measure_not_allowed": ("das Ziel {value} hat kein Maß (measure)", "the objective {value} takes no measure"),
    "too_large": ("{value} ist zu groß (höchstens {limit})", "{value} is too large (at most {limit})"),
    "min_above_max": (
        "Mindestgröße {value} VZÄ liegt über der Obergrenze {limit} VZÄ",
        "minimum size {value} VZÄ exceeds the maximum {limit} VZÄ",
    ),
    # file-level problems
    "file_missing": ("Datei nicht gefunden", "file not found"),
    "file_link_broken": ("die Verknüpfung führt ins Leere oder im Kreis", "the link leads nowhere or in a circle"),
    "file_is_directory": ("das ist ein Ordner, keine Datei", "this is a folder, not a file"),
    "file_not_regular": (
        "das ist keine gewöhnliche Datei (z. B. eine Pipe oder ein Gerät)",
        "this is not a regular file (e.g. a pipe or a device)",
    ),
    "file_unwritable": (
        "Datei kann nicht geschrieben werden ({value}); nichts wurde geschrieben",
        "file cannot be written ({value}); nothing was written",
    ),
    "file_unreadable": ("Datei kann nicht gelesen werden ({value})", "file cannot be read ({value})"),
    "file_no_permission": (
        "keine Berechtigung, die Datei zu lesen (Zugriffsrechte der Datei oder ihres Ordners prüfen)",
        "no permission to read the file (check the access rights of the file or its folder)",
    ),
    "file_too_large": (
        "Datei ist zu groß ({value} Bytes, höchstens {limit})",
        "file is too large ({value} bytes, at most {limit})",
    ),
    "file_empty": ("Datei ist leer", "file is empty"),
    "file_binary": ("Datei ist keine Textdatei (Binärdaten)", "file is not a text file (binary data)"),
    "file_encoding": (
        "Datei ist nicht UTF-8-kodiert (Byte {value}); bitte als UTF-8 speichern",
        "file is not UTF-8 encoded (byte {value}); please save it as UTF-8",
    ),
    "file_suffix": (
        "unbekanntes Dateiformat {value}; erwartet {choices}",
        "unknown file format {value}; expected {choices}",
    ),
    "yaml_syntax": (
        "YAML-Syntaxfehler in Zeile {line}, Spalte {column}: {value}",
        "YAML syntax error at line {line}, column {column}: {value}",
    ),
    "json_syntax": (
        "JSON-Syntaxfehler in Zeile {line}, Spalte {column}: {value}",
        "JSON syntax error at line {line}, column {column}: {value}",
    ),
    "yaml_tag": (
        "YAML-Tag {value} in Zeile {line} ist nicht erlaubt (nur einfache Daten)",
        "YAML tag {value} at line {line} is not allowed (plain data only)",
    ),
    "yaml_aliases": (
        "zu viele YAML-Verweise (Anker/Alias) in Zeile {line}; Datei abgelehnt",
        "too many YAML references (anchors/aliases) at line {line}; file refused",
    ),
    "yaml_too_many_nodes": (
        "die YAML-Datei hat zu viele Einträge (mehr als {limit}, ab Zeile {line}); Datei abgelehnt",
        "the YAML file has too many entries (more than {limit}, from line {line}); file refused",
    ),
    "file_too_many_nodes": (
        "die Datei hat zu viele Einträge (mehr als {limit}); Datei abgelehnt",
        "the file has too many entries (more than {limit}); file refused",
    ),
    "yaml_merge_key": (
        "YAML-Zusammenführung „<<“ in Zeile {line} wird nicht unterstützt: die Einträge ausschreiben",
        "YAML merge key '<<' at line {line} is not supported: write the entries out",
    ),
    "yaml_complex_key": (
        "der Schlüssel in Zeile {line} ist eine Liste oder ein Abschnitt; Schlüssel müssen einfacher Text sein",
        "the key at line {line} is a list or a section; keys must be plain text",
    ),
    "yaml_duplicate_key": (
        "der Schlüssel {value} steht in Zeile {line} doppelt",
        "the key {value} appears twice at line {line}",
    ),
    "not_a_document": (
        "die Datei muss aus Schlüsseln wie „name:“, „kreis:“ bestehen, enthält aber {kind_de}",
        "the file must consist of keys such as 'name:', 'kreis:' but holds {kind_en}",
    ),
    "plan_mismatch": ("{value}", "{value}"),
    "pdf_unavailable": (
        "PDF kann hier nicht erzeugt werden ({detail}); installieren: {value}",
        "PDF cannot be made here ({detail}); install: {value}",
    ),
    "output_is_input": (
        "die Ausgabe würde die Eingabedatei {value} überschreiben; anderen Namen wählen",
        "the output would overwrite the input file {value}; choose another name",
    ),
    "not_a_folder": ("das ist eine Datei, kein Ordner", "this is a file, not a folder"),
    "folder_unwritable": (
        "Ordner kann nicht angelegt werden ({value}); nichts wurde geschrieben",
        "folder cannot be created ({value}); nothing was written",
    ),
    # years and Bausteine 1 and 3 (kimopt.horizon)
    "years_order": (
        "das Jahr {value} muss nach dem Vorjahr {limit} liegen",
        "the year {value} must come after the year before, {limit}",
    ),
    "year_needed": (
        "mit weiteren Jahren („years“) muss das erste Förderjahr angegeben sein",
        "with later years ('years') the first funding year must be given",
    ),
    "unknown_employer": (
        "{value} ist kein Anstellungsträger dieser Instanz (Kreis, Kommune oder Träger){hint_de}",
        "{value} is no employer of this instance (Kreis, Kommune or Träger){hint_en}",
    ),
    "unknown_payer": (
        "{value} ist weder der Kreis noch eine Kommune dieser Instanz{hint_de}",
        "{value} is neither the Kreis nor a Kommune of this instance{hint_en}",
    ),
    "authority_without_abh": (
        "{value} hat keine eigene Ausländerbehörde und keine Einbürgerungsbehörde (auslaenderbehoerde "
        "und einbuergerungsbehoerde: nein); Stellen in Baustein 3 gibt es nur beim Kreis oder bei "
        "Kommunen mit einer dieser Behörden",
        "{value} has neither an Ausländerbehörde nor an Einbürgerungsbehörde of its own "
        "(auslaenderbehoerde and einbuergerungsbehoerde: false); Baustein 3 positions exist only at "
        "the Kreis or at Kommunen with one of these authorities",
    ),
    "authority_slice": (
        "{value} VZÄ ist kein Vielfaches von 0,5 VZÄ (Stellen werden in halben Stellen bewilligt)",
        "{value} VZÄ is not a multiple of 0.5 VZÄ (positions are granted in half positions)",
    ),
    "coordination_missing": (
        "coordinator_vzae ohne Abschnitt „coordination“ (Baustein 1)",
        "coordinator_vzae without a section 'coordination' (Baustein 1)",
    ),
    # money rules of DESIGN §5: capped deficit coverage, a year of fewer months (kimopt.data)
    "months_range": (
        "{value} Monate: ein Förderjahr hat 1 bis 12 Monate (ganze Zahl; ein Start am 1. Juli ist months: 6)",
        "{value} months: a funding year has 1 to 12 months (a whole number; a start on 1 July is months: 6)",
    ),
    "deficit_cap_covered": (
        "Deckel der Defizitübernahme {value} € je VZÄ, aber das Modell lässt den Kreis mit "
        "kreis_covers_kommunen: true das ganze Defizit jeder Kommune tragen; bitte nur eines von beiden",
        "deficit coverage capped at €{value} per VZÄ, but the model has the Kreis carry every Kommune's "
        "whole deficit (kreis_covers_kommunen: true); please give only one of the two",
    ),
    # members that join, leave or change in a later year (DESIGN §5, kimopt.horizon)
    "unknown_member": (
        "{value} ist in diesem Jahr weder Kommune noch Träger dieser Instanz{hint_de}",
        "{value} is neither a Kommune nor a Träger of this instance in this year{hint_en}",
    ),
    "join_existing": (
        "wer in einem späteren Jahr hinzukommt, hat noch keine Stellen (existing_vzae gilt vor dem ersten Jahr)",
        "a member joining in a later year holds no positions yet (existing_vzae is before the first year)",
    ),
    "no_kommune_left": (
        "nach „leave“ bleibt in diesem Jahr keine Kommune",
        "after 'leave' no Kommune is left in this year",
    ),
    "excel_joins_twice": (
        "{value} tritt mehr als einmal bei; in der Excel-Arbeitsmappe hat jede Kommune und jeder Träger "
        "eine Zeile mit einem Jahr „Ab Jahr“: die Instanz bitte als YAML oder JSON speichern",
        "{value} joins more than once; in the Excel workbook each Kommune and Träger has one row with one "
        "year „Ab Jahr“: please save the instance as YAML or JSON",
    ),
    "excel_leaves_twice": (
        "{value} scheidet mehr als einmal aus; in der Excel-Arbeitsmappe hat jede Zeile ein Jahr "
        "„Austritt ab Jahr“: die Instanz bitte als YAML oder JSON speichern",
        "{value} leaves more than once; in the Excel workbook each row has one year „Austritt ab Jahr“: "
        "please save the instance as YAML or JSON",
    ),
    "year_fixed_field": (
        "{value} kann sich in einem späteren Jahr nicht ändern (Name und AGS bleiben, existing_vzae gilt vor "
        "dem ersten Jahr); wer neu ist, kommt mit „join“ hinzu",
        "{value} cannot change in a later year (name and AGS stay, existing_vzae is before the first year); "
        "a new member comes with 'join'",
    ),
    # tables: CSV and workbook bounds (kimopt.io.table)
    "table_too_many_rows": (
        "die Tabelle hat zu viele Zeilen (höchstens {limit})",
        "the table has too many rows (at most {limit})",
    ),
    "table_too_many_columns": (
        "die Zeile hat zu viele Spalten ({count}, höchstens {limit})",
        "the line has too many columns ({count}, at most {limit})",
    ),
    "table_too_many_cells": (
        "die Tabelle hat zu viele Zellen (höchstens {limit})",
        "the table has too many cells (at most {limit})",
    ),
    "table_cell_too_long": (
        "die Zelle ist zu lang (höchstens {limit} Zeichen)",
        "the cell is too long (at most {limit} characters)",
    ),
    "table_csv_syntax": (
        "die CSV-Zeile ist nicht lesbar ({value})",
        "the CSV line cannot be read ({value})",
    ),
    "xlsx_no_visible_sheet": (
        "die Arbeitsmappe hat kein sichtbares Tabellenblatt",
        "the workbook has no visible worksheet",
    ),
    "xlsx_formula_no_value": (
        "in {cell} steht die Formel {value} ohne gespeicherten Wert: die Datei in Excel öffnen "
        "und speichern (kimopt rechnet keine Formeln aus)",
        "{cell} holds the formula {value} without a stored value: open the file in Excel and "
        "save it (kimopt does not evaluate formulas)",
    ),
    # number conventions of a table (kimopt.io.number_convention)
    "table_mixed_numbers": (
        "die Datei schreibt Zahlen auf zwei Arten, deutsch mit Dezimalkomma ({german}) und mit "
        "Dezimalpunkt ({plain}): eine Schreibweise für die ganze Datei wählen",
        "the file writes numbers in two ways, German with a decimal comma ({german}) and with a "
        "decimal point ({plain}): choose one way for the whole file",
    ),
    "table_comma_numbers": (
        "{cells} ist mehrdeutig: deutsch gelesen eine Dezimalzahl (1,200 = 1,2), englisch mit "
        "Tausenderkomma tausendmal so groß (1,200 = 1200): ohne Komma (1200) oder mit Dezimalkomma "
        "in anderer Länge (1,2) schreiben",
        "{cells} is ambiguous: read the German way a decimal (1,200 = 1.2), the English way with a "
        "thousands comma a thousand times as large (1,200 = 1200): write it without the comma "
        "(1200) or as a decimal of another length (1,2)",
    ),
    "table_ambiguous_numbers": (
        "die Datei schreibt Dezimalzahlen mit Punkt ({plain}); dann ist {cells} mehrdeutig "
        "(deutsch gelesen tausendmal so groß): ohne Punkt (1234) oder mit vier Nachkommastellen "
        "(1.2340) schreiben",
        "the file writes decimals with a point ({plain}); then {cells} is ambiguous (read the "
        "German way a thousand times as large): write it without the point (1234) or with four "
        "decimals (1.2340)",
    ),
    # the instance workbook (kimopt.io.excel.schema)
    "xlsx_not_workbook": (
        "keine lesbare Excel-Arbeitsmappe (.xlsx), Datei beschädigt oder anderes Format ({detail})",
        "not a readable Excel workbook (.xlsx), the file is damaged or of another format ({detail})",
    ),
    "xlsx_encrypted": (
        "kennwortgeschützte Arbeitsmappe oder altes .xls-Format: bitte ohne Kennwort als .xlsx speichern",
        "password-protected workbook or old .xls format: please save it as .xlsx without a password",
    ),
    "xlsx_too_large": (
        "die Arbeitsmappe ist entpackt zu groß ({detail} Bytes, höchstens {limit})",
        "the workbook is too large unpacked ({detail} bytes, at most {limit})",
    ),
    "xlsx_too_many_cells": (
        "die Arbeitsmappe hat zu viele Zellen ({detail}, höchstens {limit})",
        "the workbook has too many cells ({detail}, at most {limit})",
    ),
    "xlsx_sheet_hidden": (
        "Tabellenblatt {value} ist ausgeblendet: einblenden und prüfen oder löschen "
        "(kimopt liest keine verborgenen Daten)",
        "worksheet {value} is hidden: unhide and check it, or delete it (kimopt reads no hidden data)",
    ),
    "xlsx_sheet_missing": (
        "Tabellenblatt {value} fehlt (vorhanden: {sheets})",
        "worksheet {value} is missing (present: {sheets})",
    ),
    "xlsx_no_header": (
        "Tabellenblatt {value}: keine Kopfzeile mit Spaltennamen gefunden (erwartet z. B. {expected})",
        "worksheet {value}: no header row with column names found (expected e.g. {expected})",
    ),
    "xlsx_unknown_column": ("{cell}: unbekannte Spalte {value}{hint_de}", "{cell}: unknown column {value}{hint_en}"),
    "xlsx_duplicate_column": (
        "{cell}: die Spalte {value} gibt es schon in {first}",
        "{cell}: the column {value} already exists in {first}",
    ),
    "xlsx_missing_column": (
        "Tabellenblatt {sheet}: Spalte {value} fehlt",
        "worksheet {sheet}: column {value} is missing",
    ),
    "xlsx_unnamed_column": (
        "{cell}: Wert {value} in einer Spalte ohne Überschrift",
        "{cell}: value {value} in a column without a header",
    ),
    "xlsx_unknown_label": ("{cell}: unbekannte Angabe {value}{hint_de}", "{cell}: unknown field {value}{hint_en}"),
    # DESIGN §5 in the workbook: „Ab Jahr“, „Austritt ab Jahr“ and the sheet „Änderungen“
    "xlsx_year_unknown": (
        "{cell}: {value} ist kein späteres Förderjahr des Blatts „Jahre“ (dort: {years})",
        "{cell}: {value} is not a later funding year of the sheet „Jahre“ (there: {years})",
    ),
    "xlsx_leave_before_join": (
        "{cell}: Austritt ab {year} liegt nicht nach dem Beitritt ab {start}",
        "{cell}: leaving from {year} is not after joining from {start}",
    ),
    "xlsx_change_member": (
        "{cell}: {value} ist keine Kommune und kein Träger der Blätter „Kommunen“ und „Träger“",
        "{cell}: {value} is no Kommune nor Träger of the sheets „Kommunen“ and „Träger“",
    ),
    "xlsx_change_field": (
        "{cell}: {value} ist keine Spalte des Blatts {sheet}, die sich in einem Jahr ändern kann{hint_de}",
        "{cell}: {value} is no column of the sheet {sheet} that can change in a year{hint_en}",
    ),
    "xlsx_duplicate_change": (
        "{cell}: dieselbe Änderung ({value} im selben Jahr) steht schon in {first}",
        "{cell}: the same change ({value} in the same year) is already given in {first}",
    ),
    "xlsx_duplicate_label": (
        "{cell}: die Angabe {value} steht schon in {first}",
        "{cell}: the field {value} is already given in {first}",
    ),
    "xlsx_unlabelled_value": (
        "{cell}: Wert {value} ohne Angabe in Spalte A",
        "{cell}: value {value} without a field name in column A",
    ),
    "xlsx_no_rows": (
        "Tabellenblatt {value} enthält keine Kommunen (unter der Kopfzeile steht nichts)",
        "worksheet {value} holds no Kommunen (nothing below the header row)",
    ),
    "xlsx_too_many_rows": (
        "Tabellenblatt {value} hat zu viele Zeilen (höchstens {limit})",
        "worksheet {value} has too many rows (at most {limit})",
    ),
    "xlsx_ambiguous_number": (
        "{value} ist mehrdeutig ({thousands_de} oder {decimal_de}?): "
        "Tausender mit Punkt (55.000) oder ohne Trennzeichen schreiben",
        "{value} is ambiguous ({thousands_en} or {decimal_en}?): write it without a thousands separator",
    ),
    "xlsx_date": (
        "{value} hat Excel als Datum gespeichert, gemeint ist eine Zahl: Zelle als Zahl "
        "oder Text formatieren und neu eingeben",
        "Excel stored {value} as a date, but a number is meant: format the cell as number or text and type it again",
    ),
    "xlsx_illegal_text": (
        "{value} enthält Steuerzeichen, die Excel nicht speichern kann",
        "{value} contains control characters Excel cannot store",
    ),
    # the plan workbook's sheet „Zuordnung“ (kimopt.io.excel.plan_sheet)
    "plan_fixed_mark": (
        "{value} ist weder ja (ja, j, x, ✓, ✔, 1, wahr) noch nein (nein, n, 0, leer)",
        "{value} is neither yes (yes, y, x, ✓, ✔, 1, true) nor no (no, n, 0, empty)",
    ),
    "plan_year_unknown": (
        "{value} ist kein Jahr dieser Instanz (ihre Jahre: {choices})",
        "{value} is not a year of this instance (its years: {choices})",
    ),
    "plan_year_column": (
        "die Instanz plant die Jahre {choices}: das Blatt braucht eine Spalte „Jahr“, die jeder Zeile ihr Jahr gibt",
        "the instance plans the years {choices}: the sheet needs a column 'Jahr' (year) giving every row its year",
    ),
    # GV100AD files (kimopt.io.gv100)
    "gv100_record_type": (
        "Satzart {value} unbekannt (erwartet 10, 20, 30, 40, 50, 60) – keine GV100AD-Datei?",
        "unknown record type {value} (expected 10, 20, 30, 40, 50 or 60) – not a GV100AD file?",
    ),
    "gv100_short_line": (
        "Zeile zu kurz: {length} Zeichen, Satzart {kind} braucht mindestens {needed} – keine GV100AD-Datei?",
        "line too short: {length} characters, record type {kind} needs at least {needed} – not a GV100AD file?",
    ),
    "gv100_cut": (
        "der Satz endet nach {length} Zeichen, die Sätze der Datei haben {needed}: die Datei ist "
        "abgeschnitten (unvollständig heruntergeladen oder kopiert?); bitte neu herunterladen",
        "the record ends after {length} characters, the file's records have {needed}: the file is "
        "cut off (incompletely downloaded or copied?); please download it again",
    ),
    "gv100_no_records": (
        "keine Kreise (Satzart 40) und Gemeinden (Satzart 60) – keine GV100AD-Datei?",
        "no Kreise (record type 40) and Gemeinden (type 60) – not a GV100AD file?",
    ),
    "gv100_orphan": (
        "Gemeinde {value} gehört zu keinem Kreis der Datei (Satzart 40 fehlt)",
        "Gemeinde {value} belongs to no Kreis of the file (record type 40 missing)",
    ),
    "gv100_field": (
        "ungültiger Wert {value} (erwartet {choices})",
        "invalid value {value} (expected {choices})",
    ),
    "gv100_unknown_kreis": (
        "kein Kreis und keine kreisfreie Stadt mit dem Schlüssel {value} in dieser Datei{span}",
        "no Kreis or kreisfreie Stadt with the key {value} in this file{span}",
    ),
    "gv100_unknown_land": (
        "kein Land mit dem Schlüssel {value} in dieser Datei (vorhanden: {choices})",
        "no Land with the key {value} in this file (present: {choices})",
    ),
    "gv100_bad_key": ("{value} ist kein {choices}", "{value} is not a {choices}"),
    "gv100_unpopulated": (
        "der Kreis {value} hat keine bewohnte Gemeinde",
        "the Kreis {value} has no populated Gemeinde",
    ),
    # Land key tables (kimopt.land.key)
    "table_no_key": (
        "keine Spalte „ags“ in der Kopfzeile (gefunden: {value})",
        "no column 'ags' in the header row (found: {value})",
    ),
    "table_no_column": (
        "die Spalte {value} fehlt in der Kopfzeile (gefunden: {choices})",
        "the column {value} is missing in the header row (found: {choices})",
    ),
    "table_no_row": (
        "keine Zeile für das Gebiet {value}",
        "no row for the territory {value}",
    ),
    "table_bad_ags": (
        "{value} ist kein Gebietsschlüssel (5 oder 8 Ziffern)",
        "{value} is not an area key (5 or 8 digits)",
    ),
    "table_duplicate": (
        "das Gebiet {value} steht mehrfach in der Datei",
        "the territory {value} appears more than once",
    ),
    "table_number": (
        "{value} ist keine Zahl ≥ 0 (deutsch geschrieben: 1.234,5)",
        "{value} is not a number ≥ 0 (e.g. 1234.5)",
    ),
    "table_zero_column": (
        "die Spalte {value} ist für alle Gebiete 0: sie kann keinen Anteil bestimmen",
        "the column {value} is 0 for every territory: it cannot determine a share",
    ),
    # Land round files (kimopt.land.round_file)
    "round_size": (
        "genau eine Angabe nötig: total_vzae oder budget_eur",
        "give exactly one of total_vzae and budget_eur",
    ),
    "round_off_step": (
        "{value} VZÄ ist kein Vielfaches der Schrittweite {step} VZÄ",
        "{value} VZÄ is not a multiple of the step {step} VZÄ",
    ),
    "round_bad_ags": (
        "{value} ist kein Gebietsschlüssel (2, 5 oder 8 Ziffern, in Anführungszeichen)",
        "{value} is not an area key (2, 5 or 8 digits, in quotes)",
    ),
    "round_unknown_territory": (
        "{value} ist kein Gebiet dieser Runde{hint_de}",
        "{value} is not a territory of this round{hint_en}",
    ),
    "round_unknown_gemeinde": (
        "{value} ist keine bewohnte Gemeinde des Landes in der GV100AD-Datei",
        "{value} is not a populated Gemeinde of the Land in the GV100AD file",
    ),
    "round_gemeinde_twice": (
        "die Gemeinde {value} ist schon einem anderen Gebiet zugeordnet",
        "the Gemeinde {value} already belongs to another override",
    ),
    "round_territory_exists": (
        "das Gebiet {value} gibt es schon; zum Umbenennen „gemeinden“/„kreise“ weglassen",
        "the territory {value} exists already; leave out 'gemeinden'/'kreise' to rename it",
    ),
    "round_split_and_merge": (
        "„gemeinden“ (abtrennen) und „kreise“ (zusammenlegen) nicht zugleich angeben",
        "give 'gemeinden' (split) or 'kreise' (merge), not both",
    ),
    "round_empty_territory": (
        "nach den Änderungen hat das Gebiet {value} keine bewohnte Gemeinde mehr",
        "after the overrides the territory {value} has no populated Gemeinde left",
    ),
    "round_tie_none": (
        "tie_winners ist angegeben, aber es gibt keinen Gleichstand: bitte entfernen",
        "tie_winners is given but there is no tie: please remove it",
    ),
    "round_tie_winners": (
        "Gleichstand zwischen {value} um {seats} Schritt(e): genau {seats} davon nennen",
        "tie between {value} for {seats} step(s): name exactly {seats} of them",
    ),
    "round_no_indicators": (
        "der Schlüssel verwendet die Spalte {value}, aber „indicators“ nennt keine Datei",
        "the key uses the column {value}, but 'indicators' names no file",
    ),
    "round_land": (
        "{value} ist kein Landesschlüssel (2 Ziffern wie „05“)",
        "{value} is not a Land key (2 digits such as '05')",
    ),
    # Land round overlays (kimopt.land.plans)
    "overlay_key": (
        "{value} kann im Overlay nicht gesetzt werden (kommt aus der Runde und der GV100AD)",
        "{value} cannot be set in an overlay (it comes from the round and the GV100AD)",
    ),
    "overlay_differs": (
        "{value} weicht von der GV100AD ab ({limit}); die Runde rechnet mit der GV100AD",
        "{value} differs from the GV100AD ({limit}); the round counts with the GV100AD",
    ),
    "overlay_kommune": (
        "{value} ist keine Gemeinde dieses Gebiets laut GV100AD",
        "{value} is not a Gemeinde of this territory in the GV100AD",
    ),
    "overlay_twice": (
        "für das Gebiet {value} gibt es mehrere Overlay-Dateien",
        "there is more than one overlay file for the territory {value}",
    ),
    # key calibration (kimopt.land.calibrate)
    "calibrate_column": (
        "keine Spalte mit beobachteten VZÄ (erwartet „vzae“ oder „VZÄ“; gefunden: {value})",
        "no column of observed VZÄ (expected 'vzae' or 'VZÄ'; found: {value})",
    ),
    "calibrate_unknown": (
        "{value} ist kein Gebiet dieser Runde",
        "{value} is not a territory of this round",
    ),
    "calibrate_too_many": (
        "{value} Gleichungssysteme für eine exakte Anpassung – zu viele; weniger Beobachtungen"
        " oder Schlüsselspalten angeben (höchstens {limit})",
        "{value} systems of equations for an exact fit – too many; give fewer observations or"
        " key columns (at most {limit})",
    ),
    "calibrate_empty": (
        "keine Beobachtungen in der Datei",
        "no observations in the file",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One problem at one place: ``loc`` is the path of keys/list positions in the file."""

    loc: Loc
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _quote(value: object, lang: str) -> str:
    if value is None:
        return "(leer)" if lang == "de" else "(empty)"
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return f"„{text}“" if lang == "de" else f"'{text}'"


def _message(finding: Finding, lang: str) -> str:
    de, en = MESSAGES.get(finding.code, MESSAGES["invalid"])
    from kimopt.numbers import exact_text

    params = {k: exact_text(v, lang) if isinstance(v, Fraction) else v for k, v in finding.params.items()}
    if "value" in params and finding.code not in {
        "plan_mismatch",
        "pdf_unavailable",
        "yaml_syntax",
        "json_syntax",
        "file_unreadable",
        "file_unwritable",
        "folder_unwritable",
        "file_too_large",
        "file_encoding",
    }:
        params["value"] = _quote(params["value"], lang)
    hint = finding.params.get("hint")
    params["hint_de"] = f" – meinten Sie {_quote(hint, 'de')}?" if hint else ""
    params["hint_en"] = f" – did you mean {_quote(hint, 'en')}?" if hint else ""
    params.setdefault("value", "")
    kind = str(finding.params.get("kind", ""))
    params["kind_de"] = {"list": "eine Liste", "str": "nur Text", "int": "nur eine Zahl", "float": "nur eine Zahl"}.get(
        kind, kind
    )
    params["kind_en"] = {"list": "a list", "str": "only text", "int": "only a number", "float": "only a number"}.get(
        kind, kind
    )
    template = de if lang == "de" else en
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def finding_message(finding: Finding, lang: str = "de") -> str:
    """What is wrong, without file, record and field (for a message shown next to its field)."""
    return _message(finding, lang)


SECTION_LABELS = {
    "kreis": ("Kreis", "Kreis"),
    "funding": ("Förderung", "funding"),
    "coordination": ("Baustein 1 (Koordination)", "Baustein 1 (coordination)"),
    "authorities": ("Baustein 3 (Ausländerbehörden)", "Baustein 3 (authorities)"),
}

RECORD_LABELS = {
    "kommunen": ("Kommune", "Kommune"),
    "traeger": ("Träger", "Träger"),
    "objectives": ("Ziel", "objective"),
    "links": ("Verbindung", "link"),
    "hosts": ("Stelle", "host"),
    "scenarios": ("Szenario", "scenario"),
    "years": ("Jahr", "year"),
}


def describe_location(raw: object, loc: Loc, lang: str = "de") -> tuple[str | None, str | None]:
    """Turn ``('kommunen', 3, 'population')`` into a record and a field for people.

    The record names the list entry by its ``name`` where the file gives one (``Kommune 4
    „Voerde“``), else by its position; the field is the key path as written in the file,
    list positions counted from 1 (``share_with[2]``).
    """
    de = lang == "de"
    record: str | None = None
    rest: Loc = loc
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(loc[0], str):
        label_de, label_en = RECORD_LABELS.get(loc[0], ("Eintrag", "entry"))
        entries = raw.get(loc[0]) if isinstance(raw, dict) else None
        entry = entries[loc[1]] if isinstance(entries, list) and 0 <= loc[1] < len(entries) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if loc[0] == "years" and isinstance(entry, dict):  # a year is named by its number
            name = str(entry.get("year"))
        record = f"{label_de if de else label_en} {loc[1] + 1}"
        if isinstance(name, str) and name.strip():
            record += f" {_quote(name, lang)}"
        rest = loc[2:]
    elif len(loc) >= 2 and loc[0] in SECTION_LABELS:
        record = SECTION_LABELS[str(loc[0])][0 if de else 1]
        rest = loc[1:]
    field_text = ""
    for part in rest:
        field_text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if field_text else str(part))
    return record, field_text or None


class InputError(Exception):
    """Bad input: one file and every finding in it, renderable in German or English."""

    def __init__(
        self,
        path: Path | str | None,
        findings: Sequence[Finding],
        raw: object = None,
        line_of: Mapping[Loc, int | str] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.findings = list(findings)
        self.raw = raw
        self.line_of = dict(line_of or {})
        super().__init__(self.render("en"))

    def render_finding(self, finding: Finding, lang: str = "de") -> str:
        """One finding as one line: file, record, field and what is wrong."""
        record, field_text = describe_location(self.raw, finding.loc, lang)
        parts = [str(self.path) if self.path else ("Eingabe" if lang == "de" else "input")]
        # the nearest enclosing key with a known line (a key that is missing has none itself)
        line = next(
            (self.line_of[finding.loc[:n]] for n in range(len(finding.loc), 0, -1) if finding.loc[:n] in self.line_of),
            self.line_of.get(finding.loc),
        )
        if isinstance(line, int):
            parts[0] += f":{line}"
        elif line is not None:  # a workbook cell such as "Kommunen!C7 (Einwohner)" names the field itself
            parts[0] += f", {line}"
            field_text = None
        if record:
            parts.append(record)
        if field_text:
            parts.append(f"Feld „{field_text}“" if lang == "de" else f"field '{field_text}'")
        head = ", ".join(parts)
        return f"{head}: {_message(finding, lang)}"

    def render(self, lang: str = "de", limit: int | None = None) -> str:
        """All findings (or the first ``limit``), one per line."""
        shown = self.findings if limit is None else self.findings[:limit]
        lines = [self.render_finding(f, lang) for f in shown]
        if limit is not None and len(self.findings) > limit:
            more = len(self.findings) - limit
            lines.append(
                f"… und {more} weitere Probleme (kimopt validate zeigt alle)"
                if lang == "de"
                else f"… and {more} more problems (kimopt validate shows all)"
            )
        return "\n".join(lines)


# pydantic's error types -> the message codes above
_PYDANTIC_CODES = {
    "missing": "missing",
    "extra_forbidden": "unknown_key",
    "model_type": "not_mapping",
    "model_attributes_type": "not_mapping",
    "dict_type": "not_mapping",
    "list_type": "not_list",
    "too_short": "empty_list",
    "literal_error": "bad_choice",
    "string_type": "not_text",
    "bool_type": "not_bool",
    "bool_parsing": "not_bool",
}


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic class inside an annotation such as ``list[Kommune]`` or ``Kreis | None``."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _record_class(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic class that owns the last key of ``loc`` (for spelling suggestions)."""
    owner: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if owner is None or part not in owner.model_fields:
            return None
        owner = _model_in(owner.model_fields[part].annotation)
    return owner


class FindingsError(ValueError):
    """Problems across records, raised by a model validator: pydantic carries the exception in
    its error, and :func:`error_findings` unpacks every finding (all of them, not the first)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, f.loc))}: {f.code}" for f in findings))
        self.findings = list(findings)


def error_findings(error: Any, root: type[BaseModel]) -> list[Finding]:
    """The findings of one pydantic error: a validator's :class:`FindingsError` gives all of its
    own (located below the record that raised it), any other error one."""
    raised = (error.get("ctx") or {}).get("error")
    if error["type"] == "value_error" and isinstance(raised, FindingsError):
        at: Loc = tuple(error["loc"])
        return [Finding((*at, *f.loc), f.code, f.params) for f in raised.findings]
    return [pydantic_finding(error, root)]


def pydantic_finding(error: Any, root: type[BaseModel]) -> Finding:
    """One pydantic error (an entry of ``ValidationError.errors()``) as a :class:`Finding`."""
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    code = _PYDANTIC_CODES.get(kind, kind)
    params: dict[str, Any] = dict(error.get("ctx") or {})
    params.setdefault("value", error.get("input"))
    if code == "unknown_key":
        owner = _record_class(root, loc)
        if owner is not None:
            hint = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields), n=1, cutoff=0.6)
            if hint:
                params["hint"] = hint[0]
    if code == "bad_choice" and "expected" in params:
        params.setdefault("choices", params["expected"])
    if code == "empty_list" or code == "missing":
        params.pop("value", None)
    return Finding(loc, code, params)


def pydantic_findings(exc: ValidationError, root: type[BaseModel]) -> list[Finding]:
    """Findings of a pydantic error; a misspelled key is reported once, with its suggestion.

    ``populaton: 5`` gives pydantic two errors (``population`` missing, ``populaton`` unknown);
    the planner needs only the second, which names the key as typed and the right spelling.
    """
    findings = [f for e in exc.errors(include_url=False) for f in error_findings(e, root)]
    suggested = {(*f.loc[:-1], f.params["hint"]) for f in findings if f.code == "unknown_key" and "hint" in f.params}
    return [f for f in findings if not (f.code == "missing" and f.loc in suggested)]
