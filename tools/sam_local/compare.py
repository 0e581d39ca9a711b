"""Every events/ file through `sam local invoke` (container) and `lockgate invoke` (worker), compared.

Convention (shared with tests/integration/test_invoke_events.py): events/<folder>[_anything].json
belongs to the function whose CodeUri is functions/<folder>/ (the longest matching folder wins).

Container side, one event file after the other: a fresh local cloud in this process, bound for
containers and seeded, with its `--env-vars` file (what `lockgate up --host 0.0.0.0 --seed --env-vars`
makes, through the same functions), then `sam local invoke <Fn> -e <file> --skip-pull-image` against
it (the container reaches it as host.docker.internal), then the cloud stops (moto emptied: the next
file's cloud starts fresh). One process pays the imports once: a `lockgate up` per file paid them
every time. Worker side, at the same time, `--jobs` at once: `lockgate invoke` of each file (its own
fresh cloud: the two sides share no state). Results must be equal once request ids and times are
masked; error results must carry the same errorType. Prints a table; exits 1 on any difference not
listed in DIVERGENCES. When the first file cannot run in a container at all, that is said once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from samcli.yamlhelper import yaml_dump, yaml_parse

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
DURATION = re.compile(r"\tDuration: (?P<ms>[\d.]+) ms")
INIT = re.compile(r"Init Duration: (?P<ms>[\d.]+) ms")
CLOUD_FAILED = "cloud_failed"  # the container side's result when its cloud could not start
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


class ContainerCloud:
    """A fresh seeded local cloud on all interfaces for one container invocation (this process holds
    one at a time: moto's state is process-wide), with the `sam local invoke --env-vars` file."""

    def __init__(self, repo: Path, env_file: Path, log: Path) -> None:
        from lockgate.commands.up import write_sam_env_vars
        from lockgate.local.cloud import ALL_INTERFACES, LocalCloud
        from lockgate.local.fixtures import seed_fixtures

        self.log = log.open("w")
        self.cloud = LocalCloud(
            repo / "template.yaml", log_sink=self._sink, warn=self._warn, host=ALL_INTERFACES
        )
        try:
            self.cloud.start()
            seed_fixtures(self.cloud)
            write_sam_env_vars(self.cloud, env_file)
        except BaseException:
            self.stop()
            raise

    def _sink(self, function: str, line: str) -> None:
        self.log.write(f"[{function}] {line.rstrip()}\n")

    def _warn(self, message: str) -> None:
        self.log.write(message + "\n")

    def stop(self) -> None:
        try:
            self.cloud.stop()
        finally:
            self.log.close()


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
    """Checks one event file: its container side here, against its worker side."""

    repo: Path
    out: Path
    template: Path
    functions: dict[str, str]
    gateway: str

    def container(self, event: Path) -> Outcome:
        """The event through `sam local invoke`, against a fresh cloud of its own."""
        env_file = self.out / f"env-{event.stem}.json"
        began = time.perf_counter()
        try:
            cloud = ContainerCloud(self.repo, env_file, self.out / f"{event.stem}.cloud.log")
        except Exception as error:  # reported in the event's row, the other files go on
            why = f"the local cloud did not start: {type(error).__name__}: {error}"
            return Outcome({CLOUD_FAILED: why}, time.perf_counter() - began, None, None, why)
        try:
            return sam_invoke(
                self.repo, self.template, owner(event, self.functions), event, env_file=env_file,
                gateway=self.gateway,
            )  # fmt: skip
        finally:
            cloud.stop()

    def compare(self, event: Path, container: Outcome, worker: Outcome) -> tuple[bool, str, dict[str, Any]]:
        """(counts as a failure?, table row, results) for one event file."""
        function = owner(event, self.functions)
        (self.out / f"{event.stem}.sam.log").write_text(container.log)
        (self.out / f"{event.stem}.lockgate.log").write_text(worker.log)
        if isinstance(container.result, dict) and CLOUD_FAILED in container.result:
            row = f"| {event.name} | {function} | FAILED: {container.result[CLOUD_FAILED]} | | | | |"
            return True, row, {"function": function, CLOUD_FAILED: container.result[CLOUD_FAILED]}
        if (why := container_failure(container)) is not None:
            row = f"| {event.name} | {function} | FAILED: no container ran it: {why} | | | | |"
            return True, row, {"function": function, "container_failure": why}
        same, what = verdict(container.result, worker.result)
        row = (
            f"| {event.name} | {function} | {'ok' if same else 'DIFF'}: {what} "
            f"| {ms(container.duration_ms)} | {container.wall_s:.1f} "
            f"| {ms(worker.init_ms)} + {ms(worker.duration_ms)} | {worker.wall_s:.1f} |"
        )
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
    # A container cloud stops right after its invocation: its log shipper's last delivery may find it
    # gone. That line belongs to nobody's result (each cloud's own log is in .sam-local/).
    logging.getLogger("lockgate.local.lambda_runtime.logs").setLevel(logging.ERROR)
    checker = Checker(repo, out, template, functions, args.gateway)
    checked: list[tuple[bool, str, dict[str, Any]]] = []
    workers: list[Future[Outcome]] = []
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        try:
            workers = [
                pool.submit(lambda e: lockgate_invoke(repo, owner(e, functions), e).outcome(), event)
                for event in events
            ]
            for index, (event, worker) in enumerate(zip(events, workers, strict=True)):
                container = checker.container(event)
                if index == 0 and (why := container_failure(container)) is not None:
                    # No container can start at all (Docker, the image, the host address): said once,
                    # as the cause, not as one failed row per event file.
                    log = out / f"{event.stem}.sam.log"
                    log.write_text(container.log)
                    print(
                        f"compare: no container could run {event.name}, so none was tried for the other "
                        f"{len(events) - 1} event files: {why} (sam's log: {log})",
                        file=sys.stderr,
                    )
                    return 1
                checked.append(checker.compare(event, container, worker.result()))
                print(checked[-1][1], flush=True)
        finally:  # before the pool waits for its threads: they wait for these children
            for future in workers:
                future.cancel()
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
