"""Every events/ file through `sam local invoke` (container) and `lockgate invoke` (worker), compared.

Convention (shared with tests/integration/test_invoke_events.py): events/<folder>[_anything].json
belongs to the function whose CodeUri is functions/<folder>/ (the longest matching folder wins).

Per event file: a fresh `lockgate up --host 0.0.0.0 --seed --env-vars` (the same seeded cloud
`lockgate invoke` makes), `sam local invoke <Fn> -e <file> --skip-pull-image` against it (the
container reaches it as host.docker.internal = the docker bridge gateway), then `lockgate invoke`
of the same file. Results must be equal once request ids and times are masked; error results must
carry the same errorType. Prints a table; exits 1 on any difference not listed in DIVERGENCES.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_dump, yaml_parse

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
DURATION = re.compile(r"\tDuration: (?P<ms>[\d.]+) ms")
INIT = re.compile(r"Init Duration: (?P<ms>[\d.]+) ms")
READY_TIMEOUT_S = 300
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


class Cloud:
    """`lockgate up --host 0.0.0.0 --seed --env-vars FILE` in a child process."""

    def __init__(self, repo: Path, env_file: Path, log: Path) -> None:
        env_file.unlink(missing_ok=True)
        command = [str(repo / ".venv/bin/lockgate"), "up", "--host", "0.0.0.0", "--seed"]
        with log.open("w") as sink:  # the child keeps its own descriptor
            command += ["--env-vars", str(env_file)]
            self.process = subprocess.Popen(command, cwd=repo, stdout=subprocess.PIPE, stderr=sink, text=True)
        ready = threading.Event()
        threading.Thread(target=self._watch, args=(ready,), daemon=True).start()
        if not ready.wait(READY_TIMEOUT_S) or self.process.poll() is not None:
            self.stop()
            raise SystemExit(f"compare: lockgate up did not become ready: {log.read_text()[-2000:]}")

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


def run(command: list[str], repo: Path, env: dict[str, str] | None = None) -> Outcome:
    """Run one invoke command; its result is the last JSON line of stdout, its REPORT line on stderr."""
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=repo, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    wall = time.perf_counter() - began
    init, duration = report_times(done.stderr)
    return Outcome(last_json(done.stdout), wall, init, duration, done.stderr)


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
    return run(command, repo, env)


def lockgate_invoke(repo: Path, function: str, event: Path) -> Outcome:
    """`lockgate invoke`: the same event in a fresh local cloud, no Docker."""
    return run([str(repo / ".venv/bin/lockgate"), "invoke", function, "--event", str(event)], repo)


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


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where results and logs go")
    parser.add_argument("--gateway", required=True, help="the docker bridge gateway (host from a container)")
    parser.add_argument("events", nargs="*", type=Path, help="event files (default: every events/*.json)")
    args = parser.parse_args()
    repo: Path = args.repo.resolve()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    functions = owners(repo)
    template = local_template(repo)
    events = [p.resolve() for p in args.events] or sorted((repo / "events").glob("*.json"))
    rows, failures, results = [], 0, {}
    for event in events:
        function = owner(event, functions)
        env_file = out / f"env-{event.stem}.json"
        cloud = Cloud(repo, env_file, out / f"{event.stem}.cloud.log")
        try:
            container = sam_invoke(repo, template, function, event, env_file=env_file, gateway=args.gateway)
        finally:
            cloud.stop()
        worker = lockgate_invoke(repo, function, event)
        same, what = verdict(container.result, worker.result)
        if not same and event.stem not in DIVERGENCES:
            failures += 1
        (out / f"{event.stem}.sam.log").write_text(container.log)
        (out / f"{event.stem}.lockgate.log").write_text(worker.log)
        results[event.name] = {"function": function, "sam": container.result, "lockgate": worker.result}
        rows.append(
            f"| {event.name} | {function} | {'ok' if same else 'DIFF'}: {what} "
            f"| {ms(container.duration_ms)} | {container.wall_s:.1f} "
            f"| {ms(worker.init_ms)} + {ms(worker.duration_ms)} | {worker.wall_s:.1f} |"
        )
        print(rows[-1], flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    table = [
        "| event | function | container vs lockgate invoke | container cold invoke ms | sam local invoke s "
        "| worker init + run ms | lockgate invoke s |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    table += [f"- divergence {stem}: {why}" for stem, why in DIVERGENCES.items()]
    (out / "report.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    if failures:
        print(f"compare: {failures} event file(s) differ; results in {out / 'results.json'}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
