"""CSV for spreadsheets: the report's tables one under another, safe to open in Excel.

German files use ``;`` as separator (the decimal comma is in the figures), English ones
``,``; both are UTF-8 with a byte-order mark so Excel reads the umlauts. A cell that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) gets a leading apostrophe, as OWASP recommends against CSV injection. A plain signed
number such as ``-0,010`` is data, not a formula, and stays as it is.
"""

from __future__ import annotations

import csv
import io
import re

from kimopt.report.tables import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*( ?%| ?€)?")


def neutralise(text: str) -> str:
    """``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``; other text is unchanged."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def tables_csv(tables: list[Table], lang: str) -> str:
    """The tables one after another, each under its title, separated by an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "de" else ",", lineterminator="\r\n")
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([neutralise(table.title)])
        writer.writerow([neutralise(h) for h in table.head])
        for row in table.rows:
            writer.writerow([neutralise(v) for v in row])
    return "\ufeff" + buffer.getvalue()
