"""Serving the browser page: ``diplosim app`` (see :mod:`sim.app`).

The page is a Solara application (:mod:`sim.app.page`) run by uvicorn on 127.0.0.1
unless another address is asked for. Before the server starts, the page's scripts are
put in Solara's cache from the npm registry (:mod:`sim.app.assets`), and Solara's usage
telemetry is switched off: the page talks to nobody but the student's browser.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sim.errors import UsageError

__all__ = ["LOCALHOST", "check_port", "serve"]

#: The address the page listens on unless told otherwise: this machine only.
LOCALHOST = "127.0.0.1"


def check_port(host: str, port: int) -> None:
    """Refuse a port that is taken or out of range, before the server starts.

    Raises
    ------
    UsageError
        Naming the port and what to do.

    Examples
    --------
    >>> check_port("127.0.0.1", 70000)
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: --port 70000: a port is a number from 1 to 65535 (0 picks a free one)
    """
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: a port is a number from 1 to 65535 (0 picks a free one)")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a port in TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as exc:
            where = f"--host {host} --port {port}"
            raise UsageError(f"{where}: cannot listen there ({exc.strerror}); pick another --port") from None


def free_port(host: str = LOCALHOST) -> int:
    """A port free on ``host`` now (the operating system's choice)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve(scenario: str | None, *, folder: str = "scenarios", host: str = LOCALHOST, port: int = 8765) -> None:
    """Start the page and serve it until interrupted (Ctrl-C).

    Parameters
    ----------
    scenario : str, optional
        A scenario file to open first.
    folder : str
        The folder whose scenarios the page offers (``scenarios`` by default).
    host : str
        The address to listen on: 127.0.0.1 (this machine only) by default.
    port : int
        The port (0: a free one, printed).

    Raises
    ------
    UsageError
        If Solara is not installed (the ``app`` extra), the scenario or the folder is
        missing, or the port is taken.
    """
    if scenario is not None and not Path(scenario).is_file():
        raise UsageError(f"{scenario}: no such scenario file")
    if not Path(folder).is_dir():
        raise UsageError(f"--folder {folder}: no such folder")
    port = port or free_port(host)
    check_port(host, port)
    # before Solara is imported: its settings are read once, at import
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # its corner banner covers the page's text
    os.environ.setdefault("SOLARA_THEME_TITLE", "diplosim")
    try:
        import solara  # noqa: F401 (only checked for)
        import uvicorn
    except ImportError:
        raise UsageError(
            "the page needs the optional extra 'app': pip install 'diplosim[app]' (make test installs it)"
        ) from None
    from sim.app.assets import ensure_assets
    from sim.app.page import FOLDER_VARIABLE, SCENARIO_VARIABLE

    try:
        for fetched in ensure_assets():
            print(f"fetched {fetched} (the page's scripts) from the npm registry", flush=True)
    except UsageError as exc:
        print(f"diplosim: warning: {exc}", flush=True)
    os.environ["SOLARA_APP"] = "sim.app.page"
    os.environ[FOLDER_VARIABLE] = str(Path(folder).resolve())
    if scenario is not None:
        os.environ[SCENARIO_VARIABLE] = str(Path(scenario).resolve())
    shown_host = f"[{host}]" if ":" in host else host
    print(f"diplosim app: open http://{shown_host}:{port}/ in a browser (Ctrl-C stops it)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning", workers=1)
