"""Reading input files, and writing output files so that they are complete or absent.

Every file diplosim writes goes through this module:

* An output is only ever a regular file or a new path. An existing device (``/dev/null``),
  FIFO, socket or folder where a file is expected is refused, as is a path below a
  regular file (``out/file.txt/x``) or an empty path; a folder that cannot be written
  (read-only, no permission) is refused before any work starts (:func:`check_output_file`,
  :func:`check_output_folder`). Missing parent folders are created, and removed again if
  the write fails.
* A file is written to a temporary name in its folder and then renamed over the target
  (one atomic step on POSIX file systems), so an interrupted or failed write (a full disk)
  never leaves a half-written file (:func:`write_atomic`).
* A set of files that belong together (a run's tables, summary and figures) is written
  whole into a temporary folder first and moved in only when every file is complete
  (:func:`write_folder_atomic`): a full disk leaves the previous complete state.

Files and folders end with the permissions an ordinary ``open`` or ``mkdir`` would give
them (``0o666`` and ``0o777`` less the user's umask; a replaced file keeps its own), not
the private ``0o600`` of a temporary file (:func:`final_mode`): colleagues on a shared
server can read results when the umask lets them.

A failure of the file system raises :class:`~sim.errors.OutputError` naming the path and
the reason, with the promise that nothing was changed.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from sim.errors import OutputError, ScenarioError

__all__ = [
    "TEMPORARY_PREFIX",
    "Writer",
    "check_output_file",
    "check_output_folder",
    "final_mode",
    "read_input",
    "write_atomic",
    "write_folder_atomic",
    "write_text_atomic",
]

#: Writes one file at the path it is given (a temporary name that is renamed afterwards).
Writer = Callable[[str], object]
#: Prefix of the temporary files and folders (hidden; left only by a killed process, and
#: then ignored when a folder is checked for other files).
TEMPORARY_PREFIX = ".diplosim-"
#: Permissions of a new file and of a new folder before the umask takes its bits away (as ``open`` and ``mkdir``).
NEW_FILE_MODE = 0o666
NEW_FOLDER_MODE = 0o777


def _umask() -> int:
    """The process's umask (Linux reports it in ``/proc/self/status``; elsewhere it is
    read by setting it and putting it back)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def final_mode(target: Path, *, folder: bool = False) -> int:
    """The permissions ``target`` gets when it is written: those of the file it replaces,
    else a new file's (or ``folder``'s) default less the umask.

    Examples
    --------
    >>> import os, pathlib, tempfile
    >>> old = os.umask(0o027)
    >>> oct(final_mode(pathlib.Path(tempfile.mkdtemp()) / "new.csv"))
    '0o640'
    >>> _ = os.umask(old)
    """
    try:
        info = target.stat()
    except OSError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode) and not folder:
        return stat.S_IMODE(info.st_mode)
    return (NEW_FOLDER_MODE if folder else NEW_FILE_MODE) & ~_umask()


def _kind(mode: int) -> str | None:
    """What a non-regular, non-folder file is, or ``None`` for a regular file or folder."""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full (no space left on the device)"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or type(exc).__name__


def _as_path(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a ``Path``; an empty text (which ``Path`` reads as the current folder)
    or one with a NUL character is refused."""
    text = os.fspath(path)
    if not text or "\0" in text:
        raise OutputError(f"{what} {text!r}: not a usable path (empty or with a NUL character)")
    return Path(text)


def _nearest_folder(path: Path, what: str) -> Path:
    """The nearest existing folder above ``path``; a path below a regular file is refused."""
    for ancestor in path.parents:  # nearest first
        try:
            info = ancestor.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue  # missing, or below a file that the loop reaches further up
        except OSError as exc:
            raise OutputError(f"{what} {path}: {_reason(exc)}") from None
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{what} {path}: {ancestor} is a file, not a folder; choose another path")
        return ancestor
    raise OutputError(f"{what} {path}: no folder on the way to it exists")


def _stat(path: Path) -> os.stat_result | None:
    """``path``'s status (links followed), or ``None`` if it does not exist."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: {_reason(exc)}") from None


def _probe(folder: Path, what: str, path: Path) -> None:
    """Refuse ``path`` early when ``folder`` (where it would be created) is not writable."""
    try:
        Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, dir=folder)).rmdir()
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot write in {folder}: {_reason(exc)}") from None


def check_output_file(path: str | os.PathLike[str], what: str = "output") -> Path:
    """Refuse an output file path that diplosim must not or cannot write; returns it.

    ``what`` names the path in messages (a flag such as ``--output``).

    Raises
    ------
    OutputError
        If the path is empty, exists and is not a regular file (a folder, a device, a
        FIFO, a socket), lies below a regular file, or its folder is not writable.

    Examples
    --------
    >>> check_output_file("/dev/null", "--output")
    Traceback (most recent call last):
    ...
    sim.errors.OutputError: --output /dev/null: is a device, not a regular file; name a file to write
    """
    target = _as_path(path, what)
    ancestor = _nearest_folder(target, what)
    info = _stat(target)
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{what} {target}: is a folder; name a file to write")
        kind = _kind(info.st_mode)
        if kind is not None:
            raise OutputError(f"{what} {target}: is {kind}, not a regular file; name a file to write")
    _probe(target.parent if info is not None else ancestor, what, target)
    return target


def check_output_folder(path: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Refuse an output folder path that diplosim cannot write into; returns it.

    Raises
    ------
    OutputError
        If the path is empty, exists and is not a folder, lies below a regular file, or
        the folder (or the nearest existing one above it) is not writable.

    Examples
    --------
    >>> check_output_folder("/dev/null", "--out")
    Traceback (most recent call last):
    ...
    sim.errors.OutputError: --out /dev/null: exists and is not a folder (it is a device); choose a folder
    """
    folder = _as_path(path, what)
    ancestor = _nearest_folder(folder, what)
    info = _stat(folder)
    if info is not None and not stat.S_ISDIR(info.st_mode):
        kind = _kind(info.st_mode) or "a file"
        raise OutputError(f"{what} {folder}: exists and is not a folder (it is {kind}); choose a folder")
    _probe(folder if info is not None else ancestor, what, folder)
    return folder


@contextmanager
def _parents_made(folder: Path) -> Iterator[None]:
    """Create ``folder`` and its missing parents; remove the ones created if the block fails."""
    created = []
    step = folder
    while not step.exists():
        created.append(step)
        step = step.parent
    try:
        for new in reversed(created):
            new.mkdir()
        yield
    except BaseException:
        for new in created:
            with suppress(OSError):  # not empty (someone else wrote there) or already gone: keep it
                new.rmdir()
        raise


def _resolved(target: Path) -> Path:
    """A symbolic link is written through (the file it points to is replaced, not the link)."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def write_atomic(target: Path, write: Writer, what: str = "output") -> Path:
    """Call ``write(temporary_path)``, then rename the result to ``target``.

    The target is checked first (:func:`check_output_file`); missing parent folders
    are created. If anything fails, the temporary file (and any folder created) is
    removed and ``target`` is as it was.

    Raises
    ------
    OutputError
        For a refused target, or a file system error (full disk, no permission).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.txt", lambda p: pathlib.Path(p).write_text("hi")).read_text()
    'hi'
    """
    check_output_file(target, what)
    final = _resolved(target)
    try:
        with _parents_made(final.parent):
            handle, temporary = tempfile.mkstemp(prefix=f"{TEMPORARY_PREFIX}{final.name}.", dir=final.parent)
            os.close(handle)
            try:
                write(temporary)
                os.chmod(temporary, final_mode(final))  # mkstemp made it private (0o600)
                os.replace(temporary, final)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_reason(exc)}; nothing was written", cause=exc) from None
    return target


def write_text_atomic(target: Path, text: str, what: str = "output") -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically (see :func:`write_atomic`)."""
    return write_atomic(target, lambda path: Path(path).write_text(text, encoding="utf-8"), what)


def write_folder_atomic(folder: Path, files: Mapping[str, Writer], what: str = "output folder") -> list[Path]:
    """Write a set of files into ``folder`` all together, or not at all.

    Every file is first written into a temporary folder (beside ``folder`` when it is
    new, inside it otherwise: the same file system, so the moves are renames). Only
    when all are complete is the temporary folder renamed to ``folder`` (a new folder
    appears whole) or each file renamed over its old version (other files in the
    folder are kept). If any write fails, the temporary folder and any folder created
    are removed: ``folder`` is as it was.

    Raises
    ------
    OutputError
        For a refused folder, or a file system error (full disk, no permission).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "new" / "run"
    >>> write = {"a.txt": lambda p: pathlib.Path(p).write_text("a")}
    >>> [p.name for p in write_folder_atomic(folder, write)], (folder / "a.txt").read_text()
    (['a.txt'], 'a')
    """
    check_output_folder(folder, what)
    for name in files:
        if Path(name).name != name or name.startswith(TEMPORARY_PREFIX):
            raise ValueError(f"{name!r}: a file name, not a path")  # a bug of the caller, not the user
        if folder.is_dir():
            check_output_file(folder / name, what)  # an old version must be a regular file, to be replaced
    final = _resolved(folder)
    try:
        with _parents_made(final.parent):
            new = not final.exists()
            beside_or_inside = final.parent if new else final
            staging = Path(tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{final.name}.", dir=beside_or_inside))
            try:
                for name, write in files.items():
                    write(str(staging / name))
                if new:
                    os.chmod(staging, final_mode(final, folder=True))  # mkdtemp made it private (0o700)
                    os.rename(staging, final)
                else:
                    for name in files:
                        os.replace(staging / name, final / name)
                    staging.rmdir()
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        raise OutputError(f"cannot write into {folder}: {_reason(exc)}; nothing was changed") from None
    return [folder / name for name in files]


def read_input(path: str | os.PathLike[str], what: str, *, max_bytes: int | None = None) -> tuple[bytes, str]:
    """The bytes and UTF-8 text of an input file (``what`` names it in messages); with
    ``max_bytes``, at most that many bytes are read.

    Only regular files are read: a device (``/dev/zero`` never ends), a FIFO (it
    blocks until someone writes) or a socket is refused.

    Raises
    ------
    ScenarioError
        If the file is missing, a directory, not a regular file, unreadable, longer
        than ``max_bytes``, or not UTF-8 (naming the line).
    """
    name = str(path)
    if not name:  # Path("") would be the current folder
        raise ScenarioError(f"an empty file name; give the path of {what}", file="''")
    file = Path(path)
    try:
        info = file.stat()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=name) from None
    except (OSError, ValueError) as exc:
        reason = _reason(exc) if isinstance(exc, OSError) else "not a usable path"
        raise ScenarioError(f"cannot read the file: {reason}", file=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(f"is a directory, not {what}", file=name)
    kind = _kind(info.st_mode)
    if kind is not None:
        raise ScenarioError(f"is {kind}, not {what}; give a regular file", file=name)
    try:
        with file.open("rb") as handle:
            raw = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
        if max_bytes is not None and len(raw) > max_bytes:
            raise ScenarioError(f"the file is longer than {max_bytes} bytes; is it {what}?", file=name)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {_reason(exc)}", file=name) from None
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("the file is not UTF-8 text; save it as UTF-8", file=name, line=line) from None
