"""Writing outputs so that nothing is lost: temporary file + rename, never over an input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kimopt.errors import Finding, InputError


def guard_output(target: Path, inputs: Iterable[Path | None]) -> None:
    """Refuse to write over one of the command's input files or into a missing folder."""
    resolved = target.resolve()
    for source in inputs:
        if source is not None and source.resolve() == resolved:
            raise InputError(target, [Finding((), "output_is_input", {})])
    if target.exists() and target.is_dir():
        raise InputError(target, [Finding((), "file_is_directory", {})])
    if not target.parent.exists():
        raise InputError(target.parent, [Finding((), "file_missing", {})])


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: readers see the old file or the whole new one."""
    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp creates the file for its owner only; give it the permissions of a normal new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text_atomic(target: Path, text: str) -> None:
    """UTF-8 text, atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))
