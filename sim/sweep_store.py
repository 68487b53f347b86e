"""A sweep's output folder: a manifest, Parquet parts written whole, resumption.

Each finished chunk is one Parquet part (``part-000012.parquet``), written under a
temporary name and renamed, so an interrupted sweep loses at most the chunks in
flight. ``_manifest.json`` records the spec, the scenario's sha256, the package versions
and the chunks done; the part files are the truth for resumption. Running the same
sweep (same scenario, spec and diplosim version) into the same folder resumes; a
different one is refused unless ``force``.
``pandas.read_parquet(folder)`` reads the whole table (files starting with ``_`` or
``.`` are ignored by it; kept round tables are in ``_rounds/``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UsageError
from sim.files import write_atomic, write_text_atomic
from sim.sweep_runs import JobResult

__all__ = ["MANIFEST", "ROUNDS_FOLDER", "SweepStore", "load_sweep"]

MANIFEST = "_manifest.json"
ROUNDS_FOLDER = "_rounds"


class SweepStore:
    """A sweep's output folder: manifest, Parquet parts, resumption."""

    def __init__(self, folder: Path, manifest: dict[str, Any], table_schema: pa.Schema, force: bool) -> None:
        self.folder = folder
        self.schema = table_schema
        self.manifest = self._open(manifest, force)

    def _open(self, manifest: dict[str, Any], force: bool) -> dict[str, Any]:
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--out {folder}: exists and is not a folder")
        previous = _read_manifest(folder)
        if previous is not None and _identity(previous) == _identity(manifest) and not force:
            return previous
        if (previous is not None or (folder.exists() and any(folder.iterdir()))) and not force:
            what = "a different sweep" if previous is not None else "files that are not a sweep"
            if previous is not None and _version(previous) != _version(manifest):
                what += f": one begun by diplosim {_version(previous)} (this is {_version(manifest)})"
            raise UsageError(f"--out {folder}: holds {what}; choose another folder or add --force to replace it")
        if force and folder.exists():
            _clear(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        return manifest

    @property
    def done(self) -> set[int]:
        """Chunks whose part file exists (the truth, whatever the manifest says)."""
        return {int(p.stem.split("-")[1]) for p in self.folder.glob("part-*.parquet")}

    def write(self, result: JobResult) -> None:
        """Write one chunk's part (and rounds), then record it in the manifest."""
        name = f"part-{result.number:06d}.parquet"
        if result.rounds is not None:
            (self.folder / ROUNDS_FOLDER).mkdir(exist_ok=True)
            write_atomic(self.folder / ROUNDS_FOLDER / name, lambda p: result.rounds.to_parquet(p, index=False))  # type: ignore[union-attr]
        table = pa.Table.from_pylist(result.rows, schema=self.schema)
        write_atomic(self.folder / name, lambda p: pq.write_table(table, p))
        self.manifest["done"] = sorted(self.done)
        write_text_atomic(self.folder / MANIFEST, json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")


def _identity(manifest: Mapping[str, Any]) -> str:
    """What makes two sweeps the same (compared as JSON, as the manifest stores it): the
    scenario, overrides and spec, and the diplosim version, so that a table is never
    resumed with rows computed by another version."""
    parts = [manifest.get("scenario_sha256"), manifest.get("overrides"), manifest.get("spec"), _version(manifest)]
    return json.dumps(parts, sort_keys=True)


def _version(manifest: Mapping[str, Any]) -> Any:
    """The diplosim version a manifest was written by."""
    return manifest.get("versions", {}).get("diplosim")


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _clear(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def load_sweep(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """A sweep folder's table, sorted by point and replication, with the manifest in
    ``attrs["sweep"]``.

    Raises
    ------
    UsageError
        If the folder holds no sweep.
    """
    path = Path(folder)
    manifest = _read_manifest(path)
    if manifest is None:
        raise UsageError(f"{folder}: not a sweep folder (no {MANIFEST}); run diplosim sweep ... --out {folder}")
    parts = sorted(path.glob("part-*.parquet"))
    if parts:
        table = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    else:
        table = pd.DataFrame(columns=[f["name"] for f in manifest.get("columns", [])])
    table = table.sort_values(["point", "rep"], ignore_index=True) if len(table) else table
    table.attrs["sweep"] = {**manifest["spec"], "scenario": manifest.get("scenario")}
    return table
