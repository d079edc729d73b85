"""Writing outputs so that nothing is lost: temporary file + rename, never over an input."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from kimopt.errors import Finding, InputError


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link in a circle is no file anyone writes to
        return path.absolute()


def guard_output(target: Path, inputs: Iterable[Path | None]) -> None:
    """Refuse to write over one of the command's input files or into a missing folder."""
    resolved = _resolved(target)
    for source in inputs:
        if source is not None and _resolved(source) == resolved:
            raise InputError(target, [Finding((), "output_is_input", {})])
    if target.exists() and target.is_dir():
        raise InputError(target, [Finding((), "file_is_directory", {})])
    _refuse_special(target)
    if not target.parent.exists():
        raise InputError(target.parent, [Finding((), "file_missing", {})])


def _unwritable(target: Path, exc: OSError) -> InputError:
    return InputError(target, [Finding((), "file_unwritable", {"value": exc.strerror or type(exc).__name__})])


def _refuse_special(target: Path) -> None:
    """A device or FIFO must not be replaced by a plain file (``-o /dev/null`` as root would)."""
    try:
        info = target.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _unwritable(target, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(target, [Finding((), "file_not_regular", {})])


def _stage(target: Path, data: bytes) -> str:
    """A complete temporary file beside ``target``, with the mode ``target`` has (or a new file's)."""
    _refuse_special(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _unwritable(target, exc) from None
    try:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)  # replacing keeps the file's permissions
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp's 0600 is for temporary files, not for outputs
        os.chmod(temporary, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _unwritable(target, exc) from None
        raise
    return temporary


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: readers see the old file or the whole new one."""
    write_all_atomic([(Path(target), data)])


def write_all_atomic(outputs: Sequence[tuple[Path, bytes]]) -> None:
    """Write every output of a command, or none: all are staged completely before any is renamed.

    A full disk, a read-only folder or Ctrl-C while staging leaves no output behind (and the
    old files untouched); only the renames, which do not fail for want of space, come last.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in outputs:
            staged.append((_stage(Path(target), data), Path(target)))
        for n, (temporary, target) in enumerate(staged):
            try:
                os.replace(temporary, target)
            except OSError as exc:
                staged = staged[n:]
                raise _unwritable(target, exc) from None
        staged = []
    finally:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def write_text_atomic(target: Path, text: str) -> None:
    """UTF-8 text, atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))
