"""`lockgate invoke` against a running `lockgate up` (--endpoint-url) beside the fresh-cloud invoke.

Starts `lockgate up --seed` once, then times whole processes (wall, best of --repeats):
- `lockgate invoke StarterFunction -e events/starter_object_created.json --endpoint-url URL`;
- the same command's own path without the CLI dispatcher's imports (`run_invoke` called from
  `python -c`), which shows what lockgate.cli's import adds;
- `lockgate invoke` without --endpoint-url (a fresh local cloud, deployed and seeded: the old way);
- `python -c "import boto3"` as the reference.
Goal (issue 19): the --endpoint-url invoke <= 3 s wall on a quiet machine.

Run: .venv/bin/python bench/invoke.py [--repeats 3] [--skip-fresh]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUNCTION, EVENT = "StarterFunction", "events/starter_object_created.json"
GOAL_S = 3.0
OWN_PATH = (
    "import argparse, sys\nfrom pathlib import Path\nfrom lockgate.commands.invoke import run_invoke\n"
    "sys.exit(run_invoke(argparse.Namespace(template=Path('template.yaml'), function={function!r}, "
    "event=Path({event!r}), endpoint_url={url!r})))"
)


def wall(command: list[str], repeats: int) -> float:
    """Best-of wall seconds of a whole process; it must exit 0."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - began
        if run.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {run.stderr[-1000:]}")
        best = min(best, elapsed)
    return best


def start_up() -> tuple[subprocess.Popen[str], str]:
    """`lockgate up --seed` in the background, and its endpoint URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lockgate.cli", "up", "--seed"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Lockgate local cloud: "):
            return process, line.split()[3]
    raise SystemExit("lockgate up exited before printing its endpoint")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-fresh", action="store_true", help="skip the fresh-cloud invoke (slow)")
    args = parser.parse_args()
    lockgate = [sys.executable, "-m", "lockgate.cli", "invoke", FUNCTION, "-e", EVENT]
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    boto = wall([sys.executable, "-c", "import boto3"], args.repeats)
    up, url = start_up()
    try:
        rows = [
            ("python -c 'import boto3'", boto),
            (
                f"lockgate invoke {FUNCTION} --endpoint-url URL",
                wall([*lockgate, "--endpoint-url", url], args.repeats),
            ),
            (
                "  the same, run_invoke without lockgate.cli's imports",
                wall(
                    [sys.executable, "-c", OWN_PATH.format(function=FUNCTION, event=EVENT, url=url)],
                    args.repeats,
                ),
            ),
        ]
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=120)
    if not args.skip_fresh:
        rows.append((f"lockgate invoke {FUNCTION} (fresh cloud, the old way)", wall(lockgate, 1)))
    width = max(len(name) for name, _ in rows)
    print(f"{'command (whole process, best of ' + str(args.repeats) + ')':<{width}}  {'wall s':>7}  x boto3")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:7.2f}  {seconds / boto:7.1f}")
    print(
        f"load average {os.getloadavg()[0]:.2f} at the end; "
        f"goal: the --endpoint-url invoke <= {GOAL_S:g} s wall"
    )


if __name__ == "__main__":
    main()
