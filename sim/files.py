"""Writing files so that they are either complete or absent.

Every file diplosim writes goes to a temporary name in the same folder first and is
then renamed over the target (an atomic step on POSIX file systems), so an interrupted
run never leaves a half-written table behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.errors import ScenarioError

__all__ = ["read_input", "write_atomic", "write_text_atomic"]


def write_atomic(target: Path, write: Callable[[str], object]) -> Path:
    """Call ``write(temporary_path)``, then rename the result to ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.txt", lambda p: pathlib.Path(p).write_text("hi")).read_text()
    'hi'
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(target: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    return write_atomic(target, lambda path: Path(path).write_text(text, encoding="utf-8"))


def read_input(path: str | os.PathLike[str], what: str, *, max_bytes: int | None = None) -> tuple[bytes, str]:
    """The bytes and UTF-8 text of an input file (``what`` names it in messages); with
    ``max_bytes``, at most that many bytes are read.

    Raises
    ------
    ScenarioError
        If the file is missing, a directory, unreadable, longer than ``max_bytes``, or
        not UTF-8 (naming the line).
    """
    name = str(path)
    file = Path(path)
    if file.is_dir():
        raise ScenarioError(f"is a directory, not {what}", file=name)
    try:
        with file.open("rb") as handle:
            raw = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
        if max_bytes is not None and len(raw) > max_bytes:
            raise ScenarioError(f"the file is longer than {max_bytes} bytes; is it {what}?", file=name)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror}", file=name) from None
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("the file is not UTF-8 text; save it as UTF-8", file=name, line=line) from None
