"""CLI start-up benchmark (issue 19 item 1): whole processes, beside `python -c "import boto3"`.

    PYTHONPATH=$PWD/src .venv/bin/python bench/cli.py [--runs 7] [--before /path/to/other/src]

Measures, interleaved, the median wall time of: `python -c "import boto3"` (the reference),
`lockgate --help`, `lockgate bias` on a 300-row CSV, and `lockgate runs --endpoint-url URL`
against a `lockgate up` this script starts (and stops). With --before, the same commands with
another source tree on PYTHONPATH (e.g. /work/main/src: the code before a change), in the same run.
Goals: --help <= 2x, bias <= 4x, runs <= 3x the boto3 import. Prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOALS = {"lockgate --help": 2.0, "lockgate bias (300 rows)": 4.0, "lockgate runs --endpoint-url": 3.0}


def bias_inputs(folder: Path) -> list[str]:
    """A 300-row CSV, its predictions and a Clarify analysis config."""
    rows = ["age,sex,y"] + [
        f"{18 + i % 60},{'female' if i % 2 else 'male'},{1 if i % 3 else 0}" for i in range(300)
    ]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    (folder / "pred.csv").write_text(
        "score\n" + "\n".join("0.9" if i % 3 else "0.1" for i in range(300)) + "\n"
    )
    config = {
        "dataset_type": "text/csv",
        "label": "y",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["female"]}],
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
    }
    (folder / "config.json").write_text(json.dumps(config))
    return [
        "--config", str(folder / "config.json"),
        "--data", str(folder / "data.csv"),
        "--predictions", str(folder / "pred.csv"),
        "--out", str(folder / "out"),
    ]  # fmt: skip


def start_up(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """`lockgate up` (this tree), and the URL it prints."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    up = subprocess.Popen(
        [sys.executable, "-m", "lockgate.cli", "up", "--log", str(folder / "up.log")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert up.stdout is not None
    for line in up.stdout:
        if found := re.search(r"(http://127\.0\.0\.1:\d+)", line):
            return up, found.group(1)
    raise SystemExit(f"lockgate up ended without a URL: {up.wait()}")


def timed(command: list[str], src: Path | None) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    started = time.perf_counter()
    subprocess.run(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (the median is shown)")
    parser.add_argument("--before", type=Path, help="another source tree to measure beside this one")
    args = parser.parse_args()
    lockgate = [sys.executable, "-m", "lockgate.cli"]
    trees = {"after": REPO / "src", **({"before": args.before} if args.before else {})}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        up, url = start_up(folder)
        try:
            commands = {
                'python -c "import boto3"': ([sys.executable, "-c", "import boto3"], False),
                "lockgate --help": ([*lockgate, "--help"], True),
                "lockgate bias (300 rows)": ([*lockgate, "bias", *bias_inputs(folder)], True),
                "lockgate runs --endpoint-url": ([*lockgate, "runs", "--endpoint-url", url], True),
            }
            times: dict[tuple[str, str], list[float]] = {}
            load_before = os.getloadavg()
            for _ in range(args.runs):  # interleaved: a load change touches every row alike
                for name, (command, per_tree) in commands.items():
                    for tree, src in trees.items() if per_tree else [("-", None)]:
                        times.setdefault((name, tree), []).append(timed(command, src))
            load_after = os.getloadavg()
        finally:
            up.send_signal(signal.SIGTERM)  # SIGINT is ignored in a background job
            try:
                up.wait(timeout=120)
            except subprocess.TimeoutExpired:
                up.kill()
    reference = statistics.median(times[('python -c "import boto3"', "-")])
    print(
        f"load average {load_before[0]:.2f} -> {load_after[0]:.2f} (1 min); "
        f"{os.cpu_count()} cores; median of {args.runs}"
    )
    print(f"{'command':<32} {'tree':<7} {'median s':>9} {'x boto3':>8} {'goal':>6}")
    for (name, tree), values in times.items():
        median = statistics.median(values)
        goal = GOALS.get(name)
        verdict = (
            "" if goal is None or tree == "before" else ("met" if median / reference <= goal else "MISSED")
        )
        goal_text = f"<={goal:g}x" if goal else ""
        print(f"{name:<32} {tree:<7} {median:>9.3f} {median / reference:>7.2f}x {goal_text:>6} {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
