"""Every events/ file through `sam local invoke` (container) and `lockgate invoke` (worker), compared.

Convention (shared with tests/integration/test_invoke_events.py): events/<folder>[_anything].json
belongs to the function whose CodeUri is functions/<folder>/ (the longest matching folder wins).

Per event file: a fresh `lockgate up --host 0.0.0.0 --seed --env-vars` (the same seeded cloud
`lockgate invoke` makes), `sam local invoke <Fn> -e <file> --skip-pull-image` against it (the
container reaches it as host.docker.internal = the docker bridge gateway), and, at the same time,
`lockgate invoke` of the same file (its own fresh cloud: the two sides share no state). `--jobs`
event files run at once (each on its own clouds and ports). Results must be equal once request
ids and times are masked; error results must carry the same errorType. Prints a table; exits 1 on
any difference not listed in DIVERGENCES.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from samcli.yamlhelper import yaml_dump, yaml_parse

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
DURATION = re.compile(r"\tDuration: (?P<ms>[\d.]+) ms")
INIT = re.compile(r"Init Duration: (?P<ms>[\d.]+) ms")
READY_TIMEOUT_S = 900  # a loaded machine with --jobs clouds starting at once; ~10 s when idle
# Every child started, stopped on exit (SIGTERM included) so none outlives an interrupted run.
CHILDREN: set[subprocess.Popen[Any]] = set()
# Known, explained differences: events/ stem -> why (printed with the table, not a failure).
DIVERGENCES: dict[str, str] = {}


@dataclass
class Outcome:
    """One invocation: the result document, how long it took, and its logs."""

    result: Any
    wall_s: float
    init_ms: float | None
    duration_ms: float | None
    log: str


def owners(repo: Path) -> dict[str, str]:
    """Function folder (CodeUri's last part) -> logical id, from the built template."""
    template = yaml_parse((repo / "template.yaml").read_text())
    return {
        Path(str(resource["Properties"]["CodeUri"])).name: logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def owner(event: Path, functions: dict[str, str]) -> str:
    """The logical id an events/ file belongs to (events/<folder>[_anything].json)."""
    matches = [f for f in functions if event.stem == f or event.stem.startswith(f + "_")]
    if not matches:
        raise SystemExit(f"compare: events/{event.name} names no function folder of {sorted(functions)}")
    return functions[max(matches, key=len)]


def local_template(repo: Path) -> Path:
    """A copy of the built template that declares AWS_ENDPOINT_URL (SAM's --env-vars only overrides
    variables the template declares); nothing else changes."""
    built = repo / ".aws-sam" / "build" / "template.yaml"
    template = yaml_parse(built.read_text())
    function = template.setdefault("Globals", {}).setdefault("Function", {})
    function.setdefault("Environment", {}).setdefault("Variables", {})["AWS_ENDPOINT_URL"] = ""
    copy = built.with_name("sam-local.template.yaml")
    copy.write_text(yaml_dump(template))
    return copy


def report_times(log: str) -> tuple[float | None, float | None]:
    """(Init Duration, Duration) in ms from a REPORT line."""
    for line in log.splitlines():
        if "REPORT RequestId:" in line and (duration := DURATION.search(line)):  # lockgate prefixes it
            init = INIT.search(line)
            return (float(init["ms"]) if init else None), float(duration["ms"])
    return None, None


def last_json(stdout: str) -> Any:
    """The result document: the last line of stdout that parses as JSON."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue
    return {"unparsed": stdout[-500:]}


class CloudNotReady(Exception):
    """`lockgate up` exited or did not print its endpoint in time."""


class Cloud:
    """`lockgate up --host 0.0.0.0 --seed --env-vars FILE` in a child process."""

    def __init__(self, repo: Path, env_file: Path, log: Path) -> None:
        env_file.unlink(missing_ok=True)
        command = [str(repo / ".venv/bin/lockgate"), "up", "--host", "0.0.0.0", "--seed"]
        with log.open("w") as sink:  # the child keeps its own descriptor
            command += ["--env-vars", str(env_file)]
            self.process = subprocess.Popen(command, cwd=repo, stdout=subprocess.PIPE, stderr=sink, text=True)
        CHILDREN.add(self.process)
        ready = threading.Event()
        threading.Thread(target=self._watch, args=(ready,), daemon=True).start()
        if not ready.wait(READY_TIMEOUT_S) or self.process.poll() is not None:
            self.stop()
            raise CloudNotReady(f"lockgate up did not become ready: {log.read_text()[-2000:]}")

    def _watch(self, ready: threading.Event) -> None:
        """Ready once it prints its endpoint (seeded, env file written); then drain its stdout."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("Lockgate local cloud:"):
                ready.set()
        ready.set()  # it exited: the caller sees poll() is not None

    def stop(self) -> None:
        """SIGTERM: `lockgate up` stops its workers and endpoint."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)  # its stdout is drained by _watch
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Command:
    """One invoke command, started now; `outcome()` waits for it. Its result is the last JSON line
    of stdout, its REPORT line is on stderr (both spooled to files: a full pipe would stall it)."""

    def __init__(self, command: list[str], repo: Path, env: dict[str, str] | None = None) -> None:
        self.began = time.perf_counter()
        # closed by outcome()
        self.stdout = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=repo, env=env, stdout=self.stdout, stderr=self.stderr)
        CHILDREN.add(self.process)

    def outcome(self) -> Outcome:
        try:
            self.process.wait(timeout=1200)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        wall = time.perf_counter() - self.began
        with self.stdout, self.stderr:
            stdout, stderr = (_read(stream) for stream in (self.stdout, self.stderr))
        init, duration = report_times(stderr)
        return Outcome(last_json(stdout), wall, init, duration, stderr)


def _read(stream: IO[str]) -> str:
    stream.seek(0)
    return stream.read()


def sam_invoke(
    repo: Path, template: Path, function: str, event: Path, *, env_file: Path, gateway: str
) -> Outcome:
    """`sam local invoke` in the stand-in image, against the running local cloud."""
    command = [
        str(repo / ".venv/bin/sam"), "local", "invoke", function, "--event", str(event),
        "--template", str(template), "--env-vars", str(env_file), "--skip-pull-image",
        "--add-host", f"host.docker.internal:{gateway}", "--region", "us-east-1",
    ]  # fmt: skip
    env = {**os.environ, **CREDENTIALS, "SAM_CLI_TELEMETRY": "0"}
    env["PATH"] = f"{repo / '.venv/bin'}:{env['PATH']}"
    return Command(command, repo, env).outcome()


def lockgate_invoke(repo: Path, function: str, event: Path) -> Command:
    """`lockgate invoke`, started: the same event in its own fresh local cloud, no Docker."""
    return Command([str(repo / ".venv/bin/lockgate"), "invoke", function, "--event", str(event)], repo)


def masked(value: Any) -> Any:
    """The result with request ids and times masked, and no stack trace (its paths differ)."""
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items() if k not in ("stackTrace", "requestId")}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, str):
        return ISO_TIME.sub("<time>", UUID.sub("<uuid>", value))
    return value


def verdict(container: Any, worker: Any) -> tuple[bool, str]:
    """(same?, what the table says)."""
    error_c = container.get("errorType") if isinstance(container, dict) else None
    error_w = worker.get("errorType") if isinstance(worker, dict) else None
    if error_c or error_w:
        if error_c != error_w:
            return False, f"errorType {error_c} != {error_w}"
        same_message = masked(container.get("errorMessage")) == masked(worker.get("errorMessage"))
        return True, f"error {error_c}" + ("" if same_message else " (messages differ)")
    if masked(container) == masked(worker):
        return True, "equal"
    return False, "results differ"


SAM_ERROR = re.compile(r"^Error: (?P<why>.+)$", re.MULTILINE)


def container_failure(outcome: Outcome) -> str | None:
    """Why no container ran the handler (sam's own `Error: ...` line and no result), or None."""
    if not (isinstance(outcome.result, dict) and "unparsed" in outcome.result):
        return None
    found = SAM_ERROR.search(outcome.log)
    return found["why"] if found else None


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


@dataclass
class Checker:
    """Checks one event file: both sides, compared."""

    repo: Path
    out: Path
    template: Path
    functions: dict[str, str]
    gateway: str

    def check(self, event: Path) -> tuple[bool, str, dict[str, Any]]:
        """(counts as a failure?, table row, results) for one event file."""
        function = owner(event, self.functions)
        env_file = self.out / f"env-{event.stem}.json"
        worker_side = lockgate_invoke(self.repo, function, event)  # runs while the container side does
        try:
            cloud = Cloud(self.repo, env_file, self.out / f"{event.stem}.cloud.log")
            try:
                container = sam_invoke(
                    self.repo, self.template, function, event, env_file=env_file, gateway=self.gateway
                )
            finally:
                cloud.stop()
        except CloudNotReady as error:
            worker_side.outcome()
            row = f"| {event.name} | {function} | FAILED: {str(error).splitlines()[0]} | | | | |"
            print(row, flush=True)
            return True, row, {"function": function, "error": str(error)}
        worker = worker_side.outcome()
        if (why := container_failure(container)) is not None:
            (self.out / f"{event.stem}.sam.log").write_text(container.log)
            row = f"| {event.name} | {function} | FAILED: no container ran it: {why} | | | | |"
            print(row, flush=True)
            return True, row, {"function": function, "container_failure": why}
        same, what = verdict(container.result, worker.result)
        (self.out / f"{event.stem}.sam.log").write_text(container.log)
        (self.out / f"{event.stem}.lockgate.log").write_text(worker.log)
        row = (
            f"| {event.name} | {function} | {'ok' if same else 'DIFF'}: {what} "
            f"| {ms(container.duration_ms)} | {container.wall_s:.1f} "
            f"| {ms(worker.init_ms)} + {ms(worker.duration_ms)} | {worker.wall_s:.1f} |"
        )
        print(row, flush=True)
        result = {"function": function, "sam": container.result, "lockgate": worker.result}
        return not same and event.stem not in DIVERGENCES, row, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where results and logs go")
    parser.add_argument("--gateway", required=True, help="the docker bridge gateway (host from a container)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="event files checked at once (default 2: CI has 2 cores)"
    )
    parser.add_argument("events", nargs="*", type=Path, help="event files (default: every events/*.json)")
    args = parser.parse_args()
    repo: Path = args.repo.resolve()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    functions = owners(repo)
    template = local_template(repo)
    events = [p.resolve() for p in args.events] or sorted((repo / "events").glob("*.json"))

    began = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    checker = Checker(repo, out, template, functions, args.gateway)
    # The first file alone: when no container can start at all (Docker, the image, the host address),
    # that is said once, as the cause, not as one failed row per event file.
    first = checker.check(events[0])
    if first[0] and "container_failure" in first[2]:
        why = first[2]["container_failure"]
        print(f"compare: no container could run {events[0].name}, so none was tried for the other "
              f"{len(events) - 1} event files: {why} (sam's log: {out / (events[0].stem + '.sam.log')})",
              file=sys.stderr)  # fmt: skip
        return 1
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        try:
            checked = [first, *pool.map(checker.check, events[1:])]
        finally:  # before the pool waits for its threads: they wait for these children
            for child in list(CHILDREN):
                if child.poll() is None:
                    child.terminate()
    failures = sum(failed for failed, _, _ in checked)
    rows = [row for _, row, _ in checked]
    results = {event.name: result for event, (_, _, result) in zip(events, checked, strict=True)}
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    table = [
        "| event | function | container vs lockgate invoke | container cold invoke ms | sam local invoke s "
        "| worker init + run ms | lockgate invoke s |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    table += [f"- divergence {stem}: {why}" for stem, why in DIVERGENCES.items()]
    table += [f"- {len(events)} event files in {time.perf_counter() - began:.0f} s, {args.jobs} at a time"]
    (out / "report.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    if failures:
        print(f"compare: {failures} event file(s) differ; results in {out / 'results.json'}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
