"""The sweep folder: its lock, resumption that checks every part it keeps, malformed
manifests, and a full disk."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.errors import SweepError, UsageError
from sim.scenario.load import parse_scenario
from sim.sweeps import store as sweep_store
from sim.sweeps.runner import _manifest, plan, run_sweep, schema, spec_from
from sim.sweeps.store import LOCK, MANIFEST, REJECTED, SweepStore, load_sweep

from .conftest import cli_command, diplosim
from .test_sweeps import SMALL

SPEC = spec_from(parse_scenario(SMALL).spec.sweep)  # 4 points x 3 reps = 12 runs


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished sweep of the small scenario in 6 parts of 2 runs."""
    folder = tmp_path_factory.mktemp("reference") / "out"
    run_sweep(parse_scenario(SMALL), SPEC, workers=1, out=folder, chunk_size=2)
    return folder


@pytest.fixture
def copy(reference: Path, tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(reference, target)
    return target


def resume(folder: Path, **options: Any) -> Any:
    return run_sweep(parse_scenario(SMALL), SPEC, workers=1, out=folder, chunk_size=options.pop("chunk_size", 3))


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the lock -------------------------------------------------------------------------


def open_store(folder: Path, *, force: bool = False) -> SweepStore:
    scenario = parse_scenario(SMALL)
    tasks = plan(scenario, SPEC)
    return SweepStore(folder, _manifest(scenario, SPEC, tasks, schema(scenario, SPEC)), schema(scenario, SPEC), force)


@pytest.mark.parametrize(
    ("params", "force"),
    [(None, False), (None, True), ({"cost": [1]}, True), ({"cost": [1]}, False)],
    ids=["same-sweep", "same-sweep-force", "other-sweep-force", "other-sweep"],
)
def test_a_second_writer_is_refused_while_a_sweep_holds_the_folder(
    copy: Path, params: dict[str, Any] | None, force: bool
) -> None:
    before = files(copy)
    spec = SPEC if params is None else spec_from(None, params)
    with open_store(copy):
        with pytest.raises(SweepError) as refused:
            run_sweep(parse_scenario(SMALL), spec, workers=1, out=copy, force=force)
        assert str(refused.value) == (
            f"--out {copy}: another sweep (process {os.getpid()}) is writing into this folder; "
            "wait for it to end, or choose another --out"
        )
    assert files(copy) == before  # nothing clobbered
    assert resume(copy).ran == 0  # and the lock is free again


def test_the_lock_is_released_when_the_sweep_ends_and_forked_children_do_not_keep_it(copy: Path) -> None:
    store = open_store(copy)
    store.__enter__()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:  # a worker forked while the folder is locked
        held = bool(sweep_store._HELD)
        os.write(ready_w, b"1" if not held else b"0")
        os.read(go_r, 1)  # stay alive until the parent has released the folder
        os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"1"  # the child closed its copy of the lock file
        store.__exit__(None, None, None)
        descriptor = os.open(copy / LOCK, os.O_RDWR)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free, though the child lives on
        finally:
            os.close(descriptor)
    finally:
        os.write(go_w, b"1")
        os.waitpid(child, 0)
        for fd in (ready_r, ready_w, go_r, go_w):
            os.close(fd)


def test_a_refused_folder_that_did_not_exist_is_not_left_behind(tmp_path: Path) -> None:
    out = tmp_path / "new"
    with pytest.raises(SweepError, match="no parameter"):
        run_sweep(parse_scenario(SMALL), spec_from(None, {"nope": [1]}), workers=1, out=out)
    with pytest.raises(UsageError, match="--scheduler 'foo:bar': the port 'bar'"):
        run_sweep(parse_scenario(SMALL), SPEC, scheduler="foo:bar", out=out)
    assert not out.exists()


def test_a_folder_of_other_files_is_refused_untouched(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    with pytest.raises(SweepError, match="holds files that are not a sweep; choose another folder or add --force"):
        resume(out)
    assert files(out) == {"notes.txt": b"keep"}


# --- resumption checks every part ------------------------------------------------------


def rewrite(path: Path, change: Callable[[pa.Table], pa.Table]) -> None:
    pq.write_table(change(pq.read_table(path)), path)


def set_column(name: str, values: Callable[[pa.Table], Any]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / "part-000002.parquet"
        rewrite(path, lambda t: t.set_column(t.schema.get_field_index(name), name, values(t)))

    return damage


def truncate(folder: Path) -> None:
    path = folder / "part-000002.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(folder: Path) -> None:
    (folder / "part-000002.parquet").write_bytes(np.random.default_rng(3).bytes(3000))


def empty(folder: Path) -> None:
    (folder / "part-000002.parquet").write_bytes(b"")


def drop_column(folder: Path) -> None:
    rewrite(folder / "part-000002.parquet", lambda t: t.drop_columns(["final:A.x"]))


def extra_column(folder: Path) -> None:
    rewrite(folder / "part-000002.parquet", lambda t: t.append_column("x", pa.array([1.0] * t.num_rows)))


def duplicate(folder: Path) -> None:
    shutil.copy(folder / "part-000001.parquet", folder / "part-000009.parquet")


def no_rows(folder: Path) -> None:
    rewrite(folder / "part-000002.parquet", lambda t: t.slice(0, 0))


def stray_name(folder: Path) -> None:
    shutil.copy(folder / "part-000001.parquet", folder / "part-1.parquet")


@pytest.mark.parametrize(
    ("damage", "rejected", "reason"),
    [
        (truncate, "part-000002.parquet", "not readable Parquet"),
        (garbage, "part-000002.parquet", "not readable Parquet"),
        (empty, "part-000002.parquet", "not readable Parquet"),
        (drop_column, "part-000002.parquet", "no column 'final:A.x'"),
        (extra_column, "part-000002.parquet", "an unexpected column 'x'"),
        (
            set_column("rounds_played", lambda t: t.column("rounds_played").cast(pa.string())),
            "part-000002.parquet",
            "column 'rounds_played' is string, not int64",
        ),
        (duplicate, "part-000009.parquet", "run (point 0, rep 2) is already in another part"),
        (
            set_column("seed", lambda t: pa.array([1, 2], pa.int64())),
            "part-000002.parquet",
            "the seed of run (point 1, rep 1) is not this sweep's",
        ),
        (
            set_column("point", lambda t: pa.array([40, 41], pa.int64())),
            "part-000002.parquet",
            "runs outside this sweep's 4 points x 3 reps",
        ),
        (
            set_column("rep", lambda t: pa.array([None, 1], pa.int64())),
            "part-000002.parquet",
            "a run without point, rep or seed",
        ),
        (
            set_column("rep", lambda t: pa.array([1, 1], pa.int64())),
            "part-000002.parquet",
            "the same run twice",
        ),
        (no_rows, "part-000002.parquet", "no rows"),
        (stray_name, "part-1.parquet", "not a part name"),
    ],
    ids=[
        "truncated",
        "garbage",
        "empty-file",
        "missing-column",
        "extra-column",
        "wrong-type",
        "duplicate-part",
        "foreign-seeds",
        "points-out-of-range",
        "null-rep",
        "run-twice-in-a-part",
        "no-rows",
        "stray-name",
    ],
)
def test_resumption_sets_aside_a_bad_part_and_runs_its_runs_again(
    reference: Path, copy: Path, damage: Callable[[Path], None], rejected: str, reason: str
) -> None:
    damage(copy)
    outcome = resume(copy)
    assert [(r.name, r.reason.startswith(reason)) for r in outcome.rejected] == [(rejected, True)], outcome.rejected
    pd.testing.assert_frame_equal(outcome.table, load_sweep(reference))
    assert (copy / REJECTED / rejected).exists() and not (copy / rejected).exists()
    assert outcome.ran == (0 if rejected in ("part-000009.parquet", "part-1.parquet") else 2)
    pd.testing.assert_frame_equal(pd.read_parquet(copy).sort_values(["point", "rep"], ignore_index=True), outcome.table)


@pytest.mark.slow
def test_resuming_with_another_chunk_size_neither_loses_nor_repeats_runs(tmp_path: Path) -> None:
    scenario = parse_scenario(SMALL)
    spec = spec_from(None, {"cost": "0.5:1:100", "k": [0, 1]}, reps=1, seed=4)  # 200 runs
    whole = run_sweep(scenario, spec, workers=1).table
    out = tmp_path / "out"
    run_sweep(scenario, spec, workers=1, out=out, chunk_size=7)
    for part in sorted(out.glob("part-*.parquet"))[::3]:
        part.unlink()
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["chunk_size"] = 0  # edited (it made the old resumption crash, or repeat runs): it is not used
    (out / MANIFEST).write_text(json.dumps(manifest))
    again = run_sweep(scenario, spec, workers=1, out=out, chunk_size=10)
    assert len(again.table) == 200 and not again.table.duplicated(["point", "rep"]).any()
    assert again.ran == 70 and again.rejected == []  # 29 parts of 7 runs (the last of 4): 10 of 7 deleted
    pd.testing.assert_frame_equal(again.table, whole)


def test_round_tables_of_parts_never_saved_are_removed(tmp_path: Path) -> None:
    scenario = parse_scenario(SMALL)
    spec = spec_from(None, {"cost": [0.5, 1]}, reps=2, keep_rounds=True)
    out = tmp_path / "out"
    run_sweep(scenario, spec, workers=1, out=out, chunk_size=1)
    (out / "part-000003.parquet").unlink()  # as if the disk filled between the two files
    (out / "_rounds" / "part-000001.parquet").unlink()  # a part whose round table is lost
    again = run_sweep(scenario, spec, workers=1, out=out, chunk_size=1)
    assert [(r.name, r.reason) for r in again.rejected] == [
        ("part-000001.parquet", "its round table _rounds/part-000001.parquet is missing or not readable")
    ]
    rounds = pd.read_parquet(out / "_rounds")
    assert len(rounds) == len(rounds.drop_duplicates()) == 4 * 5 * 2 * 2  # 4 runs x 5 rounds x 2 players x 2 strategies


# --- malformed manifests --------------------------------------------------------------


def edit(change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        manifest = json.loads((folder / MANIFEST).read_text())
        change(manifest)
        (folder / MANIFEST).write_text(json.dumps(manifest))

    return damage


def text(content: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / MANIFEST).write_bytes(content)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (text(b"{"), "not valid JSON"),
        (text(b""), "not valid JSON"),
        (text(b"\xff\xfe"), "cannot be read"),
        (text(b"[]"), "the whole file: Input should be a valid dictionary"),
        (edit(lambda m: m.pop("spec")), "spec: Field required"),
        (edit(lambda m: m.update(versions="0.2.0")), "versions: Input should be a valid dictionary"),
        (edit(lambda m: m["versions"].update(diplosim=2)), "versions.diplosim: Input should be a valid string"),
        (edit(lambda m: m.update(runs=0)), "runs: Input should be greater than or equal to 1"),
        (edit(lambda m: m.update(runs=13)), "runs 13 is not points 4 x spec.reps 3"),
        (edit(lambda m: m["spec"].update(reps="3")), "spec.reps: missing or not a int"),
        (edit(lambda m: m.update(columns=[])), "columns: List should have at least 1 item"),
        (edit(lambda m: m.update(format=7)), "format: Input should be 1 or 2"),
        (edit(lambda m: m["spec"].pop("seed")), "spec.seed: missing or not a int"),
    ],
    ids=[
        "not-json",
        "empty",
        "not-utf8",
        "a-list",
        "no-spec",
        "versions-not-a-mapping",
        "version-not-text",
        "no-runs",
        "runs-not-points-times-reps",
        "reps-as-text",
        "no-columns",
        "unknown-format",
        "no-seed",
    ],
)
def test_a_malformed_manifest_is_one_clear_error_and_force_starts_again(
    reference: Path, copy: Path, damage: Callable[[Path], None], problem: str
) -> None:
    damage(copy)
    before = files(copy)
    with pytest.raises(SweepError) as refused:
        resume(copy)
    message = str(refused.value)
    assert message.startswith(f"{copy / MANIFEST}: {problem}"), message
    assert message.endswith(
        "the folder cannot be resumed: add --force to start the sweep again there (its parts are deleted), "
        "or choose another --out"
    )
    assert files(copy) == before
    with pytest.raises(SweepError, match="cannot be resumed"):
        load_sweep(copy)  # analyze and plot say the same
    forced = run_sweep(parse_scenario(SMALL), SPEC, workers=1, out=copy, force=True)
    pd.testing.assert_frame_equal(forced.table, load_sweep(reference))


# --- a full disk ----------------------------------------------------------------------


def failing_on(call: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, except that its ``call``-th call writes half a file and fails as a full disk does."""
    calls = {"n": 0}

    def write(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == call:
            Path(args[1]).write_bytes(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    return write


@pytest.mark.parametrize("failing", [1, 3, 6], ids=["first-part", "third-part", "last-part"])
def test_a_full_disk_stops_the_sweep_with_the_parts_before_complete(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(pq, "write_table", failing_on(failing, pq.write_table))
    with pytest.raises(SweepError) as stopped:
        run_sweep(parse_scenario(SMALL), SPEC, workers=1, out=out, chunk_size=2)
    assert str(stopped.value) == (
        f"--out {out}: cannot save part-{failing - 1:06d}.parquet (No space left on device); the "
        f"{2 * (failing - 1)} runs saved before are complete: free some disk space and run the same command "
        "again to resume"
    )
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MANIFEST] + [
        f"part-{n:06d}.parquet" for n in range(failing - 1)
    ]  # no half-written part, no temporary file
    assert len(load_sweep(out)) == 2 * (failing - 1)
    again = resume(out)
    assert again.ran == 12 - 2 * (failing - 1)
    pd.testing.assert_frame_equal(again.table, load_sweep(reference))


def test_a_full_disk_while_writing_the_manifest_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "new"

    def full(target: Path, text: str) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sweep_store, "write_text_atomic", full)
    with pytest.raises(SweepError, match=r"cannot save _manifest\.json \(No space left on device\); the 0 runs"):
        run_sweep(parse_scenario(SMALL), SPEC, workers=1, out=out)
    assert not out.exists()


def test_a_full_disk_while_writing_a_round_table_keeps_no_orphan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    spec = spec_from(None, {"cost": [0.5, 1]}, reps=2, keep_rounds=True)
    # calls: round table 0, part 0, round table 1, part 1 (which fails)
    monkeypatch.setattr(pq, "write_table", failing_on(4, pq.write_table))
    with pytest.raises(SweepError, match=r"cannot save part-000001\.parquet"):
        run_sweep(parse_scenario(SMALL), spec, workers=1, out=out, chunk_size=1)
    monkeypatch.undo()
    assert sorted(p.name for p in (out / "_rounds").iterdir()) == ["part-000000.parquet"]
    assert len(run_sweep(parse_scenario(SMALL), spec, workers=1, out=out, chunk_size=1).table) == 4


@pytest.mark.slow
def test_two_sweeps_into_one_folder_at_once_the_second_with_force(tmp_path: Path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    out = tmp_path / "out"
    first = [sys.executable, "-m", "sim.cli", "sweep", str(scenario), "--param", "cost=0.5:1:5000"]
    first += ["--param", "k=0,1", "--reps", "2", "--workers", "1", "--quiet", "--out", str(out)]
    process = subprocess.Popen(cli_command(*first[3:]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = diplosim("sweep", str(scenario), "--param", "cost=1,2", "--workers", "1", "--out", str(out), "--force")
        assert second.returncode == 2
        assert second.stderr == (
            f"diplosim: error: --out {out}: another sweep (process {process.pid}) is writing into this folder; "
            "wait for it to end, or choose another --out\n"
        )
        assert process.poll() is None  # the first goes on, untouched
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    manifest = json.loads((out / MANIFEST).read_text())
    assert [f["name"] for f in manifest["spec"]["factors"]] == ["cost", "k"] and manifest["runs"] == 20_000
    table = load_sweep(out)
    assert len(table) < 20_000 and set(table["k"]) <= {0.0, 1.0} and not table.duplicated(["point", "rep"]).any()
