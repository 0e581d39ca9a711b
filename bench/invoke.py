"""`lockgate invoke` against a running `lockgate up` (--endpoint-url), and without a URL in a lean
cloud and in the whole one, beside `python -c "import boto3"`.

Times whole processes (wall and CPU of the child, best of --repeats each; CPU is the child's user +
system time, every thread: what the machine's load moves least). Without a URL:
- `lockgate invoke StarterFunction -e events/starter_object_created.json` (a lean local cloud: the
  function and what its environment names), and `--whole-cloud` (the whole template: the old way),
  alternating;
then starts `lockgate up --seed` once and times:
- `lockgate invoke StarterFunction -e events/starter_object_created.json --endpoint-url URL`;
- the same command's own path without the CLI dispatcher's imports (`run_invoke` called from
  `python -c`), which shows what lockgate.cli's import adds;
- `python -c "import boto3"` as the reference.
Goal (issue 19): the --endpoint-url invoke <= 3 s wall on a quiet machine; the lean invoke as fast
as it can be with the same result (no goal figure).

Run: .venv/bin/python bench/invoke.py [--repeats 3] [--skip-fresh] [--function F --event FILE]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def once(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child and its children) of a whole process; it
    must exit 0."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode:
        raise SystemExit(f"{' '.join(command)} failed: {run.stderr[-1000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def best_of(commands: dict[str, list[str]], repeats: int) -> dict[str, tuple[float, float]]:
    """Each command `repeats` times, interleaved (round 1 of every command, then round 2...): the
    best wall and the best CPU of each."""
    best = dict.fromkeys(commands, (float("inf"), float("inf")))
    for _ in range(repeats):
        for name, command in commands.items():
            elapsed, cpu = once(command)
            best[name] = (min(best[name][0], elapsed), min(best[name][1], cpu))
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
    parser.add_argument("--skip-fresh", action="store_true", help="skip the invokes without a URL (slow)")
    parser.add_argument("--skip-url", action="store_true", help="skip the --endpoint-url invokes")
    parser.add_argument("--function", default=FUNCTION)
    parser.add_argument("--event", default=EVENT)
    args = parser.parse_args()
    lockgate = [sys.executable, "-m", "lockgate.cli", "invoke", args.function, "-e", args.event]
    start_load = os.getloadavg()
    rows = best_of({"python -c 'import boto3'": [sys.executable, "-c", "import boto3"]}, args.repeats)
    if not args.skip_fresh:
        rows |= best_of(
            {
                f"lockgate invoke {args.function} (lean cloud, no URL)": lockgate,
                f"lockgate invoke {args.function} --whole-cloud (the old way)": [*lockgate, "--whole-cloud"],
            },
            args.repeats,
        )
    if not args.skip_url:
        up, url = start_up()
        try:
            own = OWN_PATH.format(function=args.function, event=args.event, url=url)
            rows |= best_of(
                {
                    f"lockgate invoke {args.function} --endpoint-url URL": [*lockgate, "--endpoint-url", url],
                    "  the same, run_invoke without lockgate.cli's imports": [sys.executable, "-c", own],
                },
                args.repeats,
            )
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=120)
    boto_wall, boto_cpu = rows["python -c 'import boto3'"]
    width = max(len(name) for name in rows)
    print(f"load average at the start {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f}")
    print(
        f"{'command (whole process, best of ' + str(args.repeats) + ')':<{width}}  "
        f"{'wall s':>7}  {'x boto3':>7}  {'CPU s':>7}  {'x boto3':>7}"
    )
    for name, (seconds, cpu) in rows.items():
        ratios = f"{seconds / boto_wall:7.1f}  {cpu:7.2f}  {cpu / boto_cpu:7.1f}"
        print(f"{name:<{width}}  {seconds:7.2f}  {ratios}")
    end = os.getloadavg()
    print(
        f"load average at the end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}; "
        f"goal: the --endpoint-url invoke <= {GOAL_S:g} s wall"
    )


if __name__ == "__main__":
    main()
