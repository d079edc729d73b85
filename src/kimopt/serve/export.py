"""The report of the page's plan as a download: the same HTML and workbook as ``kimopt report``.

Nothing is written where a person would see it: the workbook goes through a temporary folder
that is removed at once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
}


def report_bytes(plan: dict[str, Any], suffix: str) -> bytes:
    """The report of ``plan`` in the format of ``suffix`` (``.html``, ``.xlsx``, ``.pdf``)."""
    from kimopt.report import write_report

    with tempfile.TemporaryDirectory(prefix="kimopt-serve-") as folder:
        path = Path(folder) / f"bericht{suffix}"
        write_report(plan, path, "de")
        return path.read_bytes()
