"""A sweep's output folder: a lock, a manifest, Parquet parts written whole, verified
resumption.

Lock
    A sweep holds an exclusive lock (``fcntl.flock``) on ``_lock`` in its folder from the
    moment it opens the folder until it ends, however it ends (the system releases it
    when the process dies). A second sweep into the same folder, with ``--force`` or
    not, is refused with a message naming the folder and the process that holds it.
Parts
    Each finished chunk is one Parquet part (``part-000012.parquet``), written under a
    temporary name and renamed, so a part is either whole or absent: an interrupted
    sweep loses at most the chunks in flight. A part that cannot be saved (a full disk)
    stops the sweep with a message; the parts saved before stay as they are.
Manifest
    ``_manifest.json`` is written once when the sweep begins: the spec, the scenario's
    sha256, the package versions, the number of runs and the columns. Running the same
    sweep (same scenario, spec and diplosim version) into the same folder resumes; a
    different one is refused unless ``force``; a manifest that is not valid is a clear
    error (``force`` starts the sweep again).
Resumption
    The parts are the truth, and each is checked before it is kept: readable Parquet with
    exactly the sweep's columns and types, runs that belong to the sweep (point and
    replication in range, the first run's seed as planned) and that no part kept before
    has. Any other part (truncated, corrupted, from another sweep, overlapping) is moved
    to ``_rejected/`` and named, and its runs are run again. The runs still to do are
    those no kept part holds, whatever chunk size the sweep was begun with.

``pandas.read_parquet(folder)`` reads the whole table (files starting with ``_`` or
``.`` are ignored by it; kept round tables are in ``_rounds/``, figures drawn by
``diplosim plot`` in ``_figures/``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import OutputError, SweepError
from sim.files import write_atomic, write_text_atomic
from sim.sweeps.chunks import JobResult
from sim.sweeps.streams import run_seed

__all__ = [
    "FIGURES_FOLDER",
    "FORMAT",
    "LOCK",
    "MANIFEST",
    "REJECTED",
    "ROUNDS_FOLDER",
    "Rejected",
    "SweepStore",
    "load_sweep",
]

MANIFEST = "_manifest.json"
ROUNDS_FOLDER = "_rounds"
#: The lock file a running sweep holds.
LOCK = "_lock"
#: Where parts that failed their check on resumption are moved.
REJECTED = "_rejected"
#: Where ``diplosim plot`` draws a sweep's figures (a name starting with ``_``, which
#: Parquet readers skip, so the folder stays one dataset; never read as a part).
FIGURES_FOLDER = "_figures"
#: The manifest's format (2: written once, no chunk list; parts are checked on resumption).
FORMAT = 2
#: Columns that identify a run in every part.
RUN_ID = ("point", "rep")

_PART = re.compile(r"part-([0-9]{6,})\.parquet")
#: Lock files this process holds: closed in forked children, so a worker never keeps
#: a folder locked after its sweep has ended.
_HELD: set[int] = set()


@dataclass(frozen=True)
class Rejected:
    """A part set aside on resumption: its file name and why."""

    name: str
    reason: str


class SweepStore:
    """A sweep's output folder, locked while it is open (a context manager).

    Entering locks the folder and checks it: a new sweep, the same sweep to resume (its
    parts checked, see the module docstring), or a refusal. :meth:`begin` then writes the
    manifest (after clearing the folder if ``force``), :meth:`write` each finished chunk.
    """

    def __init__(self, folder: Path, manifest: dict[str, Any], table_schema: pa.Schema, force: bool) -> None:
        self.folder = folder
        self.schema = table_schema
        self.manifest = manifest
        self.force = force
        self.resuming = False
        self.rejected: list[Rejected] = []
        self.saved = 0
        self.next_number = 0
        self._done = np.zeros(0, dtype=bool)
        self._lock: _Lock | None = None
        self._created = False
        self._begun = False

    def __enter__(self) -> SweepStore:
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise SweepError(f"--out {folder}: exists and is not a folder")
        if not self.force and _foreign(folder):  # refused before anything is written into it
            raise _not_a_sweep(folder)
        self._created = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(f"--out {folder}: cannot create the folder ({exc.strerror or exc})") from None
        self._lock = _Lock.acquire(folder)
        try:
            self._open()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock is None:
            return
        if self._created and not self._begun:  # nothing was written: leave no trace
            (self.folder / LOCK).unlink(missing_ok=True)
            self._lock.release()
            with contextlib.suppress(OSError):  # someone else put something in it meanwhile
                self.folder.rmdir()
        else:
            self._lock.release()
        self._lock = None

    def _open(self) -> None:
        """Decide, under the lock: a new sweep, this sweep resumed, or a refusal."""
        runs = int(self.manifest["runs"])
        self._done = np.zeros(runs, dtype=bool)
        if self.force:
            return
        previous = _read_manifest(self.folder)
        if previous is None:
            if _foreign(self.folder):  # another process wrote into it before we took the lock
                raise _not_a_sweep(self.folder)
            return
        if _identity(previous) != _identity(self.manifest):
            what = "a different sweep"
            if _version(previous) != _version(self.manifest):
                what += f": one begun by diplosim {_version(previous)} (this is {_version(self.manifest)})"
            elif previous["format"] != self.manifest["format"]:
                what += f" (a folder of format {previous['format']}, this is {self.manifest['format']})"
            raise SweepError(f"--out {self.folder}: holds {what}; choose another folder or add --force to replace it")
        for key in ("runs", "points", "columns"):
            if previous[key] != self.manifest[key]:
                raise _malformed(self.folder, f"{key}: {previous[key]!r} is not this sweep's {self.manifest[key]!r}")
        self.resuming = True
        self._begun = True
        self._check_parts()

    def _check_parts(self) -> None:
        """Keep the parts that pass every check; set the others aside (see the module docstring)."""
        numbers = _numbers(self.folder)
        self.next_number = max(numbers, default=-1) + 1
        kept: set[int] = set()
        for path in sorted(self.folder.glob("part-*.parquet"), key=_part_order):
            problem = self._problem(path)
            if problem:
                self._reject(path, problem)
            else:
                match = _PART.fullmatch(path.name)
                assert match is not None
                kept.add(int(match.group(1)))
        rounds = self.folder / ROUNDS_FOLDER
        if rounds.is_dir():  # round tables of chunks whose part was never saved or was set aside
            for path in rounds.glob("*.parquet"):
                match = _PART.fullmatch(path.name)
                if match is None or int(match.group(1)) not in kept:
                    path.unlink()

    def _problem(self, path: Path) -> str:
        """Why a part cannot be kept, or ``""`` (then its runs are marked done)."""
        if _PART.fullmatch(path.name) is None:
            return "not a part name (part-NNNNNN.parquet)"
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            return f"not readable Parquet ({_first_line(exc)})"
        problem = _schema_problem(table.schema, self.schema)
        if problem:
            return problem
        indices, problem = self._runs_of(table)
        if problem:
            return problem
        if self.manifest["spec"].get("keep_rounds"):
            try:
                pq.read_metadata(self.folder / ROUNDS_FOLDER / path.name)
            except (OSError, pa.ArrowException):
                return f"its round table {ROUNDS_FOLDER}/{path.name} is missing or not readable"
        self._done[indices] = True
        return ""

    def _runs_of(self, table: pa.Table) -> tuple[npt.NDArray[np.int64], str]:
        """The run indices of a part's rows, or why they do not belong to this sweep."""
        runs, reps = len(self._done), int(self.manifest["spec"]["reps"])
        if table.num_rows == 0:
            return np.zeros(0, dtype=np.int64), "no rows"
        if any(table.column(name).null_count for name in (*RUN_ID, "seed")):
            return np.zeros(0, dtype=np.int64), "a run without point, rep or seed"
        point = table.column("point").to_numpy()
        rep = table.column("rep").to_numpy()
        if point.min() < 0 or point.max() >= runs // reps or rep.min() < 0 or rep.max() >= reps:
            return np.zeros(0, dtype=np.int64), f"runs outside this sweep's {runs // reps} points x {reps} reps"
        indices: npt.NDArray[np.int64] = point * reps + rep
        if len(np.unique(indices)) < len(indices):
            return indices, "the same run twice"
        if self._done[indices].any():
            first = int(indices[self._done[indices]][0])
            return indices, f"run (point {first // reps}, rep {first % reps}) is already in another part"
        seed = int(table.column("seed")[0].as_py())
        if seed != run_seed(int(self.manifest["spec"]["seed"]), int(indices[0])):
            return indices, f"the seed of run (point {int(point[0])}, rep {int(rep[0])}) is not this sweep's"
        return indices, ""

    def _reject(self, path: Path, reason: str) -> None:
        target = self.folder / REJECTED / path.name
        target.parent.mkdir(exist_ok=True)
        serial = 1
        while target.exists():
            target = target.with_name(f"{path.stem}.{serial}{path.suffix}")
            serial += 1
        os.replace(path, target)
        self.rejected.append(Rejected(path.name, reason))

    @property
    def pending(self) -> list[tuple[int, int]]:
        """The runs still to do, as ``(start, stop)`` intervals of run indices."""
        return _intervals(~self._done)

    @property
    def kept(self) -> int:
        """Runs found done in the folder when it was opened."""
        return int(self._done.sum())

    def begin(self) -> None:
        """Make the folder this sweep's: clear it if ``force``, write the manifest (a
        resumed sweep keeps its own)."""
        if self.resuming:
            return
        try:
            if self.force:
                self._begun = True  # the folder is no longer as it was: never removed on the way out
                _clear(self.folder)
            write_text_atomic(self.folder / MANIFEST, json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")
        except (OSError, OutputError) as exc:
            raise self._cannot_save(MANIFEST, exc) from None
        self._begun = True

    def write(self, result: JobResult) -> None:
        """Save one chunk's part (and its round table first, if kept).

        Raises
        ------
        SweepError
            If the part cannot be saved (a full disk, ...): the parts saved before are
            complete and the sweep can be resumed.
        """
        name = f"part-{result.number:06d}.parquet"
        rounds = self.folder / ROUNDS_FOLDER / name
        try:
            if result.rounds is not None:
                rounds.parent.mkdir(exist_ok=True)
                table = result.rounds
                write_atomic(rounds, lambda p: table.to_parquet(p, index=False))
            part = pa.Table.from_pylist(result.rows, schema=self.schema)
            write_atomic(self.folder / name, lambda p: pq.write_table(part, p))
        except (OSError, OutputError) as exc:
            rounds.unlink(missing_ok=True)
            raise self._cannot_save(name, exc) from None
        self.saved += len(result.rows)

    def _cannot_save(self, name: str, error: OSError | OutputError) -> SweepError:
        if isinstance(error, OutputError):
            if error.cause is None:
                return SweepError(f"--out {self.folder}: {error}")
            error = error.cause
        exc = error
        fix = "free some disk space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "fix the cause"
        done = self.kept + self.saved
        return SweepError(
            f"--out {self.folder}: cannot save {name} ({exc.strerror or exc}); the {done} runs saved before are "
            f"complete: {fix} and run the same command again to resume"
        )


class _Lock:
    """An exclusive lock on a folder's ``_lock`` file, held until released or the
    process ends."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor

    @classmethod
    def acquire(cls, folder: Path) -> _Lock:
        path = folder / LOCK
        while True:
            try:
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise SweepError(f"--out {folder}: cannot create its lock file ({exc.strerror or exc})") from None
            if not _try_lock(descriptor):
                holder = _holder(descriptor)
                os.close(descriptor)
                raise SweepError(
                    f"--out {folder}: another sweep{holder} is writing into this folder; wait for it to end, "
                    "or choose another --out"
                )
            try:  # the file we locked may have been removed by a sweep that just ended: lock the new one
                same = os.path.samestat(os.fstat(descriptor), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(descriptor)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        _HELD.add(descriptor)
        return cls(descriptor)

    def release(self) -> None:
        _HELD.discard(self.descriptor)
        os.close(self.descriptor)  # closing it releases the lock


if sys.platform == "win32":  # pragma: no cover - locking is tested on Linux
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _holder(descriptor: int) -> str:
    """`` (process 123)`` from the lock file, or ``""``."""
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except (OSError, AttributeError):
        return ""
    return f" (process {text})" if text.isdigit() else ""


def _close_held_locks() -> None:
    """In a forked child: close the inherited lock files (the parent keeps its locks)."""
    for descriptor in list(_HELD):
        os.close(descriptor)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks)


class _Column(BaseModel):
    model_config = ConfigDict(strict=True)
    name: str
    type: str


class _Manifest(BaseModel):
    """What a manifest must hold to be trusted (other keys are ignored)."""

    model_config = ConfigDict(strict=True)
    format: Literal[1, 2]  # 1 (diplosim 0.2) is read, not resumed
    scenario: str
    scenario_sha256: str
    overrides: dict[str, float | str]
    spec: dict[str, Any]
    runs: int = Field(ge=1)
    points: int = Field(ge=1)
    columns: list[_Column] = Field(min_length=1)
    versions: dict[str, str]


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """A folder's manifest, checked; ``None`` if it has none.

    Raises
    ------
    SweepError
        If it cannot be read, is not JSON or lacks what a manifest holds.
    """
    path = folder / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _malformed(folder, f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _malformed(folder, f"not valid JSON ({exc})") from None
    try:
        manifest = _Manifest.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "the whole file"
        raise _malformed(folder, f"{where}: {error['msg']}") from None
    spec = manifest.spec
    for key, kind in (("reps", int), ("seed", int), ("design", str), ("factors", list)):
        if not isinstance(spec.get(key), kind) or isinstance(spec.get(key), bool):
            raise _malformed(folder, f"spec.{key}: missing or not a {kind.__name__}")
    if spec["reps"] < 1 or manifest.runs % spec["reps"] or manifest.runs // spec["reps"] != manifest.points:
        raise _malformed(folder, f"runs {manifest.runs} is not points {manifest.points} x spec.reps {spec['reps']}")
    result: dict[str, Any] = data
    return result


def _malformed(folder: Path, problem: str) -> SweepError:
    return SweepError(
        f"{folder / MANIFEST}: {problem}; the folder cannot be resumed: add --force to start the sweep again "
        "there (its parts are deleted), or choose another --out"
    )


def _not_a_sweep(folder: Path) -> SweepError:
    return SweepError(
        f"--out {folder}: holds files that are not a sweep; choose another folder or add --force to replace it"
    )


def _foreign(folder: Path) -> bool:
    """Whether a folder holds something other than a sweep (no manifest, other files)."""
    if not folder.is_dir() or (folder / MANIFEST).exists():
        return False
    return any(entry.name != LOCK for entry in folder.iterdir())


def _identity(manifest: Mapping[str, Any]) -> str:
    """What makes two sweeps the same (compared as JSON, as the manifest stores it): the
    format, the scenario, overrides and spec, and the diplosim version, so that a table
    is never resumed with rows computed by another version."""
    parts = [
        manifest.get("format"),
        manifest.get("scenario_sha256"),
        manifest.get("overrides"),
        manifest.get("spec"),
        _version(manifest),
    ]
    return json.dumps(parts, sort_keys=True)


def _version(manifest: Mapping[str, Any]) -> Any:
    """The diplosim version a manifest was written by."""
    versions = manifest.get("versions")
    return versions.get("diplosim") if isinstance(versions, Mapping) else None


def _schema_problem(found: pa.Schema, expected: pa.Schema | Sequence[Mapping[str, str]]) -> str:
    """How a part's columns differ from the sweep's (names, order and types), or ``""``."""
    wanted = (
        [(f.name, str(f.type)) for f in expected]
        if isinstance(expected, pa.Schema)
        else [(c["name"], c["type"]) for c in expected]
    )
    have = [(f.name, str(f.type)) for f in found]
    if have == wanted:
        return ""
    missing = [name for name, _ in wanted if name not in dict(have)]
    if missing:
        return f"no column {missing[0]!r}"
    extra = [name for name, _ in have if name not in dict(wanted)]
    if extra:
        return f"an unexpected column {extra[0]!r}"
    types = dict(wanted)
    for name, kind in have:
        if types[name] != kind:
            return f"column {name!r} is {kind}, not {types[name]}"
    return "its columns are not in the sweep's order"


def _numbers(folder: Path) -> list[int]:
    """The chunk numbers of every part (kept, rounds, set aside), so new ones differ."""
    found = []
    for pattern in ("part-*.parquet", f"{ROUNDS_FOLDER}/part-*.parquet", f"{REJECTED}/part-*"):
        for path in folder.glob(pattern):
            match = re.match(r"part-([0-9]+)", path.name)
            if match:
                found.append(int(match.group(1)))
    return found


def _part_order(path: Path) -> tuple[int, str]:
    match = _PART.fullmatch(path.name)
    return (int(match.group(1)) if match else -1, path.name)


def _intervals(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The ``(start, stop)`` runs of True in a boolean array.

    Examples
    --------
    >>> _intervals(np.array([True, True, False, True]))
    [(0, 2), (3, 4)]
    """
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _clear(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def load_sweep(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """A sweep folder's table, sorted by point and replication, with the manifest's spec
    in ``attrs["sweep"]``.

    Raises
    ------
    SweepError
        If the folder holds no sweep, its manifest is malformed, or a part is not
        readable, has other columns than the manifest's, or repeats a run (naming the
        file and the column).
    """
    path = Path(folder)
    if not path.is_dir():
        raise SweepError(f"{folder}: no such folder; run diplosim sweep ... --out {folder}")
    manifest = _read_manifest(path)
    if manifest is None:
        raise SweepError(f"{folder}: not a sweep folder (no {MANIFEST}); run diplosim sweep ... --out {folder}")
    columns = manifest["columns"]
    tables = []
    for part in sorted(path.glob("part-*.parquet"), key=_part_order):
        try:
            table = pq.read_table(part)
        except (OSError, pa.ArrowException) as exc:
            raise _bad_part(part, f"not readable Parquet ({_first_line(exc)})") from None
        problem = _schema_problem(table.schema, columns)
        if problem:
            raise _bad_part(part, problem)
        tables.append(table)
    if tables:
        frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
    else:
        schema = pa.schema([(c["name"], pa.type_for_alias(c["type"])) for c in columns])
        frame = schema.empty_table().to_pandas()
    repeated = frame.duplicated(list(RUN_ID))
    if repeated.any():
        first = frame[repeated].iloc[0]
        point, rep = first["point"], first["rep"]
        raise SweepError(
            f"{folder}: run (point {point}, rep {rep}) is in two parts; run the same diplosim sweep command "
            "again to set the extra part aside"
        )
    frame = frame.sort_values(list(RUN_ID), ignore_index=True) if len(frame) else frame
    frame.attrs["sweep"] = {**manifest["spec"], "scenario": manifest.get("scenario")}
    return frame


def _bad_part(part: Path, problem: str) -> SweepError:
    return SweepError(
        f"{part}: {problem}; run the same diplosim sweep command again to set it aside and re-run its runs"
    )
