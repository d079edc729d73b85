"""PDF for the Sitzungsvorlage: the HTML report printed by WeasyPrint (A4, print stylesheet).

WeasyPrint is the extra ``pdf`` (``pip install -e ".[pdf]"``) and needs Pango from the system
(Debian: ``apt-get install libpango-1.0-0 libpangoft2-1.0-0``). Without them ``--report x.pdf``
fails as bad input with exactly that to install, before anything is solved or written.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from kimopt.errors import Finding, InputError

INSTALL = 'pip install "kimopt[pdf]" (WeasyPrint) und Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0'


def _weasyprint(path: Path | None = None) -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint is there, but Pango is missing
        raise InputError(
            path, [Finding((), "pdf_unavailable", {"value": INSTALL, "detail": type(exc).__name__})]
        ) from None
    return weasyprint


def require_pdf(path: Path) -> None:
    """Refuse ``path`` early when PDFs cannot be made here (exit 1 with what to install)."""
    if path.suffix.lower() == ".pdf":
        _weasyprint(path)


def stand_date() -> str:
    """Today as ``TT.MM.JJJJ`` (``SOURCE_DATE_EPOCH`` fixes it, for reproducible files)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    day = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch.isdigit() else dt.date.today()
    return day.strftime("%d.%m.%Y")


def pdf_bytes(html: str) -> bytes:
    """The HTML printed to PDF: A4, the page rules of :mod:`kimopt.report.html`.

    WeasyPrint prints in a child process: in parts of its work (fonts) it swallows Ctrl-C, so
    printing here could not be stopped. The child is in its own session (a Ctrl-C at the
    terminal reaches only this process), and this process ends it at once on Ctrl-C or any
    failure; the interruption then propagates (exit 130, nothing written).
    """
    import subprocess
    import sys

    _weasyprint()  # say what to install, here rather than in the child
    child = subprocess.Popen(
        [sys.executable, "-c", "from kimopt.report.pdf import print_stdin; print_stdin()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        data, errors = child.communicate(html.encode("utf-8"))
    except BaseException:
        child.kill()
        child.wait()
        raise
    if child.returncode != 0:
        last = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {child.returncode}"]
        raise RuntimeError(f"WeasyPrint: {last[0]}")
    return data


def print_stdin() -> None:
    """The child of :func:`pdf_bytes`: HTML from stdin, the PDF to stdout."""
    import sys

    html = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(_weasyprint().HTML(string=html).write_pdf())
    sys.stdout.buffer.flush()


def write_pdf(path: Path, html: str) -> None:
    """Print ``html`` to ``path`` atomically."""
    from kimopt.io.atomic import write_bytes_atomic

    _weasyprint(path)
    write_bytes_atomic(path, pdf_bytes(html))
