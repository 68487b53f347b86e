"""Wall time of the command line: ``diplosim --help``, ``validate`` and ``run`` on the
flagship, against two baselines measured in the same run: starting Python
(``python -c pass``) and importing what a plain mesa + nashpy script imports
(``python -c "import mesa, nashpy"``). Medians of ``--repeats`` runs.

Run with ``make bench`` or ``.venv/bin/python benchmarks/startup.py``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleaved import measure, print_table

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = str(ROOT / "scenarios" / "variants" / "eu_russia_ukraine_simultaneous.yaml")
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "import mesa, nashpy (baseline)": [sys.executable, "-c", "import mesa, nashpy"],
    "diplosim --help": [sys.executable, "-m", "sim.cli", "--help"],
    "diplosim validate flagship": [sys.executable, "-m", "sim.cli", "validate", FLAGSHIP],
    "diplosim solve flagship": [sys.executable, "-m", "sim.cli", "solve", FLAGSHIP],
    "diplosim run flagship": [sys.executable, "-m", "sim.cli", "run", FLAGSHIP, "--quiet"],
}


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    medians = measure({name: partial(wall, command) for name, command in COMMANDS.items()}, args.repeats)
    print(f"command-line wall time, medians of {args.repeats}")
    print_table(medians, "import mesa, nashpy (baseline)", "seconds", "x import mesa, nashpy", 3)


if __name__ == "__main__":
    main()
