"""Writing outputs so that nothing is lost: stage every file completely, then commit them together.

One mechanism for every command (:class:`Outputs`, :func:`write_all_atomic`): each output is
first written in full to a temporary file beside its target, only then are all renamed into
place. A failure or Ctrl-C before or during that last step leaves none of the new files (the
old ones restored), no temporary file and no folder the command created. No output is ever
written over one of the command's inputs (:func:`guard_output`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kimopt.errors import Finding, InputError


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link in a circle is no file anyone writes to
        return path.absolute()


def _same_file(target: Path, source: Path) -> bool:
    """The same path, or another name of the same file (a hard link)."""
    if _resolved(source) == _resolved(target):
        return True
    try:
        return os.path.samefile(source, target)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def refuse_inputs(target: Path, inputs: Iterable[Path | None]) -> None:
    """Refuse ``target`` when it is one of the command's input files (exit 1, before any work)."""
    for source in inputs:
        if source is not None and _same_file(Path(target), Path(source)):
            raise InputError(target, [Finding((), "output_is_input", {"value": str(source)})])


def guard_output(target: Path, inputs: Iterable[Path | None], folder_planned: bool = False) -> None:
    """Refuse to write over one of the command's input files or into a missing folder.

    ``folder_planned``: the target's folder is created by the command itself (``round -o``).
    """
    target = Path(target)
    refuse_inputs(target, inputs)
    if target.exists() and target.is_dir():
        raise InputError(target, [Finding((), "file_is_directory", {})])
    _refuse_special(target)
    if not folder_planned and not target.parent.exists():
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


def _backup(target: Path) -> str | None:
    """A second name for the file now at ``target`` (so a failed commit can put it back)."""
    if not target.exists():
        return None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
        os.close(handle)
        try:
            os.unlink(name)
            os.link(target, name)  # a second name costs no space
        except OSError:  # a file system without hard links: a copy
            try:
                shutil.copyfile(target, name)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(name)
                raise
    except OSError as exc:
        raise _unwritable(target, exc) from None
    return name


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[list[int]]:
    """Hold Ctrl-C back during the renames; the list records whether one came."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return
    previous = signal.getsignal(signal.SIGINT)

    def record(*_: Any) -> None:
        came.append(1)

    signal.signal(signal.SIGINT, record)
    try:
        yield came
    finally:
        signal.signal(signal.SIGINT, previous)
    if came and previous is signal.default_int_handler:
        raise KeyboardInterrupt


def _commit(staged: list[tuple[str, Path]]) -> None:
    """Rename every staged file into place, or (on any failure or Ctrl-C) none."""
    backups: list[str | None] = []
    done = 0
    with _ctrl_c_deferred() as interrupted:
        try:
            for _, target in staged:
                backups.append(_backup(target))
            for temporary, target in staged:
                try:
                    os.replace(temporary, target)
                except OSError as exc:
                    raise _unwritable(target, exc) from None
                done += 1
            if interrupted:
                raise KeyboardInterrupt
        except BaseException:
            for (_, target), old in zip(staged[:done], backups, strict=False):
                with contextlib.suppress(OSError):
                    if old is None:
                        os.unlink(target)
                    else:
                        os.replace(old, target)
            interrupted.clear()  # the interruption is the error raised here
            raise
        finally:
            for old in backups:
                if old is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(old)


def write_all_atomic(outputs: Sequence[tuple[Path, bytes]], created: Sequence[Path] = ()) -> None:
    """Write every output of a command, or none: all are staged completely before any is renamed.

    A full disk, a read-only folder or Ctrl-C while staging or renaming leaves no new output
    behind (the old files as they were) and no temporary file; the folders in ``created``
    (made by the command for these outputs) are removed again when they stay empty.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in outputs:
            staged.append((_stage(Path(target), data), Path(target)))
        _commit(staged)
    except BaseException:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        remove_created(created)
        raise


def make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` (and missing parents); the folders created, innermost first.

    A folder that cannot be created is bad input naming it (exit 1), not an internal error.
    """
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(probe, [Finding((), "not_a_folder", {})])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        remove_created(missing)
        reason = exc.strerror or type(exc).__name__
        raise InputError(folder, [Finding((), "folder_unwritable", {"value": reason})]) from None
    return missing


def remove_created(folders: Iterable[Path]) -> None:
    """Remove the folders a failed command created, as far as they are empty (innermost first)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


class Outputs:
    """Every output file of one command: checked against its inputs when named, staged in
    memory while the command renders them, written together by :meth:`commit`."""

    def __init__(self, inputs: Iterable[Path | None] = ()) -> None:
        self.inputs = [Path(p) for p in inputs if p is not None]
        self.files: list[tuple[Path, bytes]] = []
        self.created: list[Path] = []

    def protect(self, *inputs: Path | None) -> None:
        """More inputs (known only once the first are read, e.g. a round's indicator file)."""
        self.inputs += [Path(p) for p in inputs if p is not None]
        for target, _ in self.files:
            refuse_inputs(target, self.inputs)

    def check(self, target: Path, folder_planned: bool = False) -> Path:
        """Refuse ``target`` now (before anything is computed) if it is an input or unwritable."""
        guard_output(Path(target), self.inputs, folder_planned)
        return Path(target)

    def folder(self, folder: Path) -> Path:
        """Create an output folder; it is removed again if the command writes nothing."""
        self.created = make_folder(folder) + self.created
        return Path(folder)

    def add(self, target: Path, data: bytes | str) -> None:
        """One output, rendered: checked again, kept until :meth:`commit`."""
        target = self.check(target)
        self.files.append((target, data.encode("utf-8") if isinstance(data, str) else data))

    def commit(self) -> list[Path]:
        """Write every added output, or none; the paths written."""
        write_all_atomic(self.files, self.created)
        written = [target for target, _ in self.files]
        self.files, self.created = [], []
        return written

    def discard(self) -> None:
        """Nothing is written: the folders created for the outputs go again."""
        self.files = []
        remove_created(self.created)
        self.created = []


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: readers see the old file or the whole new one."""
    write_all_atomic([(Path(target), data)])


def write_text_atomic(target: Path, text: str) -> None:
    """UTF-8 text, atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))
