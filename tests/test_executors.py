from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sim.errors import UsageError
from sim.sweeps import executors
from sim.sweeps.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from sim.sweeps.runner import load_sweep

from .conftest import RESTORE_SIGINT, diplosim


def square(x: int) -> int:
    return x * x


def lost(x: int, reason: str) -> int:
    return -1


def die_on_three(x: int) -> int:
    if x == 3:
        os._exit(1)  # a worker that dies: killed, out of memory, a crash in compiled code
    return x * x


def die_once(item: tuple[int, str]) -> int:
    x, marker = item
    if x == 5 and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return x * x


@pytest.mark.parametrize(
    "executor",
    [SerialExecutor(), ProcessExecutor(2), DaskExecutor(local_workers=2)],
    ids=["serial", "processes", "dask"],
)
@pytest.mark.slow
def test_every_executor_returns_every_result(executor: object) -> None:
    with executor as running:  # type: ignore[attr-defined]
        assert sorted(running.unordered(square, list(range(10)), lost)) == [x * x for x in range(10)]


def test_make_executor_choices() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    assert isinstance(make_executor(3), ProcessExecutor)
    assert isinstance(make_executor(dask_local=2), DaskExecutor)
    assert isinstance(make_executor(scheduler="tcp://localhost:1"), DaskExecutor)
    with pytest.raises(UsageError, match="exclude each other"):
        make_executor(2, dask_local=2)
    with pytest.raises(UsageError, match="at least 1"):
        make_executor(0)


@pytest.mark.slow
def test_unreachable_scheduler_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="cannot reach a Dask scheduler"), DaskExecutor(scheduler="tcp://127.0.0.1:9"):
        pass


@pytest.mark.slow
def test_a_worker_that_dies_every_time_loses_only_its_item() -> None:
    with ProcessExecutor(2) as executor:
        results = sorted(executor.unordered(die_on_three, list(range(8)), lost))
    assert results == sorted([-1] + [x * x for x in range(8) if x != 3])


@pytest.mark.slow
def test_a_worker_that_dies_once_is_retried(tmp_path: Path) -> None:
    items = [(x, str(tmp_path / "died")) for x in range(8)]
    with ProcessExecutor(2) as executor:
        results = sorted(executor.unordered(die_once, items, lost))
    assert results == [x * x for x in range(8)]
    assert (tmp_path / "died").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="fork is chosen on Linux only")
def test_workers_are_forked_only_from_a_process_without_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(executors._FORK_SERVER, "started", False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert executors._start_method().get_start_method() == "fork"
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a notebook kernel, a progress bar
    assert executors._start_method().get_start_method() == "forkserver"
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # the fork server, once started, serves on
    assert executors._start_method().get_start_method() == "forkserver"


@pytest.mark.slow
def test_forked_workers_give_the_same_results_as_workers_from_the_fork_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(executors._FORK_SERVER, "started", False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    with ProcessExecutor(2) as forked:
        assert forked.pool is not None and len(forked.pool._processes) == 2  # all forked on entry
        first = sorted(forked.unordered(abs, [-3, -1, 2], lost))
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    with ProcessExecutor(2) as served:
        assert sorted(served.unordered(abs, [-3, -1, 2], lost)) == first == [1, 2, 3]


# --- how many workers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "cores", "expected"),
    [
        ({}, 16, (16, "")),
        ({"workers": 2}, 16, (2, "")),
        ({"workers": 16}, 2, (2, "--workers 16: capped at 2, the cores this process may use")),
        ({"workers": 10_000}, 2, (2, "--workers 10000: capped at 2, the cores this process may use")),
        ({"workers": 16, "oversubscribe": True}, 2, (16, "")),
        ({"dask_local": 8}, 2, (2, "--dask-local 8: capped at 2, the cores this process may use")),
        ({"dask_local": 8, "oversubscribe": True}, 2, (8, "")),
        ({"scheduler": "tcp://127.0.0.1:8786"}, 4, (4, "")),
    ],
    ids=[
        "default-all-cores",
        "fewer-than-cores",
        "more-than-cores",
        "ten-thousand",
        "oversubscribed",
        "dask-local-capped",
        "dask-local-oversubscribed",
        "scheduler",
    ],
)
def test_workers_are_capped_at_the_cores_unless_oversubscribed(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], cores: int, expected: tuple[int, str]
) -> None:
    monkeypatch.setattr(executors, "cores", lambda: cores)
    count, note = executors.lanes(**options)
    assert count == expected[0]
    assert note.startswith(expected[1]) and (note == "") == (expected[1] == "")
    if note:
        assert note.endswith("(add --oversubscribe to start more)")


@pytest.mark.parametrize(
    ("options", "items", "expected"),
    [
        ({}, 2, "2 local processes"),
        ({}, 1, "serial"),
        ({"workers": 16, "oversubscribe": True}, 2, "2 local processes"),
        ({"workers": 16, "oversubscribe": True}, 100, "16 local processes"),
        ({"dask_local": 16, "oversubscribe": True}, 3, "Dask LocalCluster of 3 workers"),
    ],
    ids=["two-runs-on-16-cores", "one-chunk", "oversubscribed-two-chunks", "oversubscribed-many-chunks", "dask-local"],
)
def test_never_more_workers_than_chunks(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], items: int, expected: str
) -> None:
    monkeypatch.setattr(executors, "cores", lambda: 16)
    assert make_executor(**options, items=items).name == expected


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"workers": 0}, "--workers 0: give at least 1"),
        ({"dask_local": 0}, "--dask-local 0: give at least 1"),
        (
            {"workers": 513, "oversubscribe": True},
            "--workers 513: more than 512 worker processes (sim.sweeps.executors.",
        ),
        ({"dask_local": 10_000, "oversubscribe": True}, "--dask-local 10000: more than 512 worker processes"),
        ({"workers": 2, "scheduler": "h:1"}, "--workers and --scheduler exclude each other"),
    ],
    ids=["no-workers", "no-dask-workers", "workers-beyond-max", "dask-local-beyond-max", "two-kinds"],
)
def test_bad_worker_counts_are_refused(options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(UsageError) as refused:
        executors.lanes(**options)
    assert str(refused.value).startswith(fragment)


@pytest.mark.parametrize(
    "address", ["tcp://10.0.0.5:8786", "host:8786", "scheduler.example.org", "tls://h-1.x:1", "[::1]:8786", " h:1 "]
)
def test_well_formed_scheduler_addresses(address: str) -> None:
    assert executors.check_address(address) == address.strip()


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", "an empty address"),
        ("   ", "an empty address"),
        ("foo:bar", "the port 'bar' is not a whole number from 1 to 65535"),
        ("tcp://h:0", "the port '0' is not a whole number from 1 to 65535"),
        ("tcp://h:70000", "the port '70000' is not a whole number from 1 to 65535"),
        ("h:1:2", "the port '1:2' is not a whole number from 1 to 65535"),
        ("http://h:1", "unknown scheme 'http' (known: tcp, tls, ucx, ws, wss)"),
        ("tcp://:8786", "'' is not a host name or IP address"),
        ("tcp://", "'' is not a host name or IP address"),
        ("-h:1", "'-h' is not a host name or IP address"),
        ("[zz]:1", "'[zz]' is not a host name or IP address"),
        ("tcp://h:1/path", "only a host and a port are allowed"),
        ("user@h:1", "only a host and a port are allowed"),
        ("a b:1", "only a host and a port are allowed"),
    ],
    ids=[
        "empty",
        "blank",
        "port-word",
        "port-zero",
        "port-too-big",
        "two-ports",
        "scheme",
        "no-host",
        "nothing-after-scheme",
        "dash-host",
        "bad-ipv6",
        "path",
        "user",
        "space",
    ],
)
def test_a_malformed_scheduler_address_is_refused_before_anything_starts(address: str, problem: str) -> None:
    with pytest.raises(UsageError) as refused:
        make_executor(scheduler=address)
    assert str(refused.value) == (
        f"--scheduler {address!r}: {problem}; write [tcp://]HOST:PORT, e.g. tcp://127.0.0.1:8786"
    )


@pytest.mark.slow
def test_dask_gets_a_bounded_window_of_items_and_returns_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "DASK_IN_FLIGHT", 3)
    with DaskExecutor(local_workers=2) as executor:
        assert sorted(executor.unordered(square, list(range(20)), lost)) == [x * x for x in range(20)]
        assert sorted(executor.unordered(square, [], lost)) == []


# --- workers die with the sweeping process ------------------------------------------


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every process: pid -> (parent pid, state, start time), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[1]), fields[0], fields[19])
    return found


def _descendants(root: int) -> dict[int, str]:
    """The processes below ``root``: pid -> start time (to tell a reused pid)."""
    table = _processes()
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, _, started) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                todo.append(pid)
    return found


def _alive(processes: dict[int, str]) -> list[int]:
    """Those of ``processes`` still running (a zombie has ended: only its entry is left)."""
    table = _processes()
    return [
        pid
        for pid, started in processes.items()
        if pid in table and table[pid][1:] not in (("Z", started), ("X", started)) and table[pid][2] == started
    ]


#: How the sweeping process is started: as the command line (workers forked from it), in a
#: process with a thread (workers from the fork server), without prctl (the watchdog), or
#: with a Dask LocalCluster (its worker processes watch their parent themselves).
_STARTS = {
    "fork": "",
    "forkserver": "import threading\nthreading.Thread(target=threading.Event().wait, daemon=True).start()\n",
    "watchdog": "import sim.sweeps.executors\nsim.sweeps.executors._parent_death_signal = lambda number: False\n",
    "dask-local": "",
}


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize(
    ("start", "signal_name", "code"),
    [
        ("fork", "SIGKILL", -9),
        ("fork", "SIGTERM", 143),
        ("fork", "SIGINT", 130),
        ("forkserver", "SIGKILL", -9),
        ("forkserver", "SIGTERM", 143),
        ("watchdog", "SIGKILL", -9),
        ("dask-local", "SIGKILL", -9),
        ("dask-local", "SIGINT", 130),
    ],
    ids=["kill", "term", "int", "kill-forkserver", "term-forkserver", "kill-watchdog", "kill-dask", "int-dask"],
)
def test_no_worker_outlives_the_sweeping_process(tmp_path: Path, start: str, signal_name: str, code: int) -> None:
    from .test_sweeps import SMALL

    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    out = tmp_path / "out"
    args = ["sweep", str(scenario), "--param", "cost=0.5:1:300", "--param", "k=0,1", "--reps", "2"]
    args += ["--dask-local" if start == "dask-local" else "--workers", "2", "--quiet", "--out", str(out)]
    program = _STARTS[start] + f"import sys\nfrom sim import cli\nsys.exit(cli.main({args!r}))\n"
    process = subprocess.Popen(
        [sys.executable, "-c", RESTORE_SIGINT + program], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        workers: dict[int, str] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (len(workers) < 2 or not list(out.glob("part-*.parquet"))):
            time.sleep(0.05)
            workers = _descendants(process.pid)
        if process.poll() is not None:  # it ended before it could be killed: say why
            assert process.stderr is not None
            pytest.fail(f"the sweep ended early ({process.returncode}): {process.stderr.read().decode()}")
        assert len(workers) >= 2, "the sweep runs, on worker processes"
        process.send_signal(getattr(signal, signal_name))
        process.wait(timeout=30)
        assert process.returncode == code
        deadline = time.monotonic() + 10
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _alive(workers) == []
    finally:
        for pid in _alive(_descendants(process.pid)):
            os.kill(pid, signal.SIGKILL)
        process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()
    table = load_sweep(out)  # what was saved is complete, and the folder is not locked
    assert 0 < len(table) < 1200 and not table.duplicated(["point", "rep"]).any()
    resumed = diplosim(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert len(load_sweep(out)) == 1200 and not load_sweep(out).duplicated(["point", "rep"]).any()
