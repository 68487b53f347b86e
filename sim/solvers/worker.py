"""Calls that may run for too long, made in a separate interpreter with a time limit.

Some solvers can run for minutes or forever (Gambit's ``enumpoly`` on a non-generic
game, nashpy's Lemke-Howson when it cycles), and a call stuck in compiled code cannot
be interrupted from Python. :func:`call` runs such a function in one lazily started
worker process (``python -m sim.solvers.worker``), fed pickled requests on standard input, and
kills and replaces the worker when a call runs past its limit. It is a separate
interpreter rather than ``multiprocessing``, which re-imports the caller's main module
and so behaves differently from scripts, notebooks and standard input.

Only functions of the ``sim`` package can be called (named ``"sim.module:function"``),
with plain data as argument and result.
"""

from __future__ import annotations

import atexit
import importlib
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from typing import IO, Any

from sim.errors import DiplosimError

__all__ = ["TimeLimitError", "WorkerError", "call"]


class TimeLimitError(DiplosimError):
    """The call ran past its time limit (the worker was killed)."""


class WorkerError(DiplosimError):
    """The function raised in the worker, or the worker died (a crash in compiled code)."""


def call(target: str, argument: Any, time_limit: float) -> Any:
    """``function(argument)`` in the worker, where ``target`` is ``"sim.module:function"``.

    Raises
    ------
    TimeLimitError
        After ``time_limit`` seconds.
    WorkerError
        If the function raised (with its message) or the worker died.

    Examples
    --------
    >>> call("sim.solvers.worker:echo", [1, 2], 30.0)
    [1, 2]
    """
    if not target.startswith("sim."):
        raise ValueError(f"only functions of the sim package can run in the worker, not {target}")
    reply = _Worker.call((target, argument), time_limit)
    if reply is None:
        raise TimeLimitError(f"{target} did not finish within {time_limit:g} s")
    status, value = reply
    if status != "ok":
        raise WorkerError(str(value))
    return value


def echo(argument: Any) -> Any:
    """Return the argument (to check the worker)."""
    return argument


def pause(seconds: float) -> None:
    """Sleep (to check the time limit)."""
    time.sleep(seconds)


class _Worker:
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def call(cls, request: tuple[str, Any], time_limit: float) -> tuple[str, Any] | None:
        process = cls._started()
        stdin, stdout = process.stdin, process.stdout
        assert stdin is not None and stdout is not None
        _send(stdin, request)
        replies: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        threading.Thread(target=lambda: replies.put(_receive(stdout)), daemon=True).start()
        try:
            reply = replies.get(timeout=time_limit)
        except queue.Empty:
            cls.stop()
            return None
        if reply is None:
            cls.stop()
            return ("error", "the worker process died")
        return reply

    @classmethod
    def _started(cls) -> subprocess.Popen[bytes]:
        if cls.process is None or cls.process.poll() is not None:
            command = [sys.executable, "-m", "sim.solvers.worker"]
            cls.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        return cls.process

    @classmethod
    def stop(cls) -> None:
        if cls.process is not None:
            cls.process.kill()
            cls.process.wait()
            for stream in (cls.process.stdin, cls.process.stdout):
                if stream is not None:
                    stream.close()
            cls.process = None


atexit.register(_Worker.stop)


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack("!Q", header)
    return pickle.loads(stream.read(size))


def _answer(request: tuple[str, Any]) -> tuple[str, Any]:
    target, argument = request
    try:
        module, _, name = target.partition(":")
        return ("ok", getattr(importlib.import_module(module), name)(argument))
    except Exception as exc:  # reported to the caller as WorkerError
        return ("error", f"{type(exc).__name__}: {exc}")


def _serve() -> None:
    """The worker's loop: answer requests until standard input closes."""
    while (request := _receive(sys.stdin.buffer)) is not None:
        _send(sys.stdout.buffer, _answer(request))


if __name__ == "__main__":
    _serve()
