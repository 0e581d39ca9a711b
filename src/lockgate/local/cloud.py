"""The local cloud: moto as a real AWS endpoint on 127.0.0.1, the template deployed into it, and
every Lambda function running its real handler in a worker process."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lockgate.local import limits, moto_patches
from lockgate.local.clock import LocalClock
from lockgate.local.cloudwatch import patches as cloudwatch_twin
from lockgate.local.cloudwatch import percentiles as cloudwatch_percentiles
from lockgate.local.deployer.deploy import deploy
from lockgate.local.deployer.model import DeployedStack, FunctionConfig
from lockgate.local.endpoint_client import CREDENTIALS, REGION, client_for
from lockgate.local.iam import patches as iam_patches
from lockgate.local.iam import state_machines as state_machine_iam
from lockgate.local.iam.policy import Statement
from lockgate.local.lambda_runtime.async_invoke import Destinations
from lockgate.local.lambda_runtime.env import LOCAL_FUNCTION_ENV, SessionCredentials
from lockgate.local.lambda_runtime.runtime import LambdaRuntime
from lockgate.local.sagemaker import endpoint_patches
from lockgate.local.sagemaker import patches as sagemaker_twin
from lockgate.local.sagemaker.worker import load_xgboost
from lockgate.local.server import LocalServer
from lockgate.local.stepfunctions import execution_names as execution_name_patches
from lockgate.local.stepfunctions import history_limit
from lockgate.local.stepfunctions import task_tokens as task_token_patches

HOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"  # also reachable from containers (sam local invoke), loopback included
STOPPED_CAUSE = "the local cloud stopped"  # of executions still running when it stops
STOP_CALL_SECONDS = 10  # one StopExecution while the cloud stops
STOP_EXECUTIONS_SECONDS = 30  # all of them: the cloud stops after this whatever is left


_EMPTY = DeployedStack("", REGION, "", {}, {}, {}, {}, {})


@dataclass
class LocalCloud:
    """Start with `start()`, stop with `stop()` (or use it as a context manager)."""

    template: Path
    clock: LocalClock = field(default_factory=LocalClock)
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    log_sink: Callable[[str, str], None] | None = None
    warn: Callable[[str], None] = print
    port: int = 0
    host: str = HOST  # bind address: HOST or ALL_INTERFACES (moto's interpreter calls localhost)
    # Enforce each function's role; False (or LOCKGATE_IAM=0) allows every call, for debugging only.
    iam: bool = field(default_factory=lambda: os.environ.get("LOCKGATE_IAM", "1") != "0")
    # Deploy only these resources (logical ids, or Outputs' names) and what they need; None: all.
    lean: frozenset[str] | None = None
    stack: DeployedStack | None = None
    startup_seconds: float = 0.0
    _server: LocalServer | None = None
    _runtime: LambdaRuntime | None = None
    _credentials: dict[str, SessionCredentials] = field(default_factory=dict)
    _role_credentials: dict[str, SessionCredentials] = field(default_factory=dict)
    _role_lock: threading.Lock = field(default_factory=threading.Lock)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        """The endpoint URL for boto3 and the AWS CLI."""
        return f"http://{HOST}:{self.port}"

    @property
    def runtime(self) -> LambdaRuntime:
        """The worker runtime that runs the functions."""
        if self._runtime is None:
            raise RuntimeError("the local cloud is not started")
        return self._runtime

    def start(self) -> DeployedStack:
        """Serve the endpoint, patch moto, deploy the template, register the functions."""
        began = time.perf_counter()
        for name, value in CREDENTIALS.items():
            os.environ.setdefault(name, value)
        _quiet_third_party_loggers()
        if self.host not in (HOST, ALL_INTERFACES):
            raise ValueError(f"host must be {HOST} or {ALL_INTERFACES}, not {self.host!r}")
        # port 0: any free port; moto's application behind HTTP/1.1 keep-alive (lockgate.local.server)
        self._server = LocalServer(self.host, self.port)
        self.port = self._server.start()
        # moto's state-machine interpreter reaches other services at localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        self._runtime = LambdaRuntime(
            endpoint_url=self.url,
            region=REGION,
            log_sink=self.log_sink,
            clock_factor=1 / self.clock.speed,
            credentials=lambda config: self._credentials.get(config.name),
        )
        limits.apply()
        history_limit.apply()
        if self.iam:
            iam_patches.apply(warn=self.warn)
            state_machine_iam.apply(credentials_for=self.state_machine_credentials)
        destinations = Destinations(self.url, REGION)
        moto_patches.apply(
            invoker=self._runtime,
            clock=self.clock,
            start_execution=self._start_execution,
            send=destinations.send,
        )
        sagemaker_twin.apply(endpoint_url=self.url, region=REGION, clock=self.clock)
        cloudwatch_twin.apply(clock=self.clock, ticking=False)  # alarms created by deploy: INSUFFICIENT_DATA
        cloudwatch_percentiles.apply()  # GetMetricStatistics' p50 (`lockgate variants`)
        endpoint_patches.apply(clock=self.clock)
        task_token_patches.apply(clock=self.clock)
        execution_name_patches.apply()
        self.stack = deploy(
            self.template,
            self.url,
            region=REGION,
            parameter_overrides=self.parameter_overrides,
            warn=self.warn,
            lean=self.lean,
        )
        for function in self.stack.functions.values():
            self.register_function(function, self.stack)
        cloudwatch_twin.start_ticking()  # alarms and schedules reach registered functions only
        self.startup_seconds = time.perf_counter() - began
        return self.stack

    def stop(self) -> None:
        """Stop the workers, the patches and the endpoint. Whatever stopping the executions meets,
        the rest still runs: a cloud left half-stopped would leak its state into the next one."""
        cloudwatch_twin.remove()  # first: no alarm or schedule reaches a stopping runtime
        try:
            if self._server is not None and self.stack is not None:
                self._stop_executions()
        finally:
            self._release()

    def _release(self) -> None:
        """The runtime, every patch, the clients, moto's state and the endpoint."""
        task_token_patches.interrupt_waiting()  # a callback's thread would wait out its timeout
        if self._runtime is not None:
            self._runtime.shutdown()
            self._runtime = None
        moto_patches.remove()
        sagemaker_twin.remove()
        endpoint_patches.remove()
        cloudwatch_percentiles.remove()
        task_token_patches.remove()
        state_machine_iam.remove()
        execution_name_patches.remove()
        iam_patches.remove()
        limits.remove()
        history_limit.remove()
        self._credentials.clear()
        self._role_credentials.clear()
        with self._clients_lock:
            self._clients.clear()
        if self._server is not None:
            _reset_moto(self.url)
            self._server.stop()
            self._server = None

    def _stop_executions(self) -> None:
        """Stop every running execution (ABORTED, as StopExecution does), so no interpreter thread
        goes on calling a cloud that is gone. Bounded: a StopExecution that moto holds while its
        execution is busy (seen at load 20: a 500 after minutes) is given up after a few seconds,
        and the cloud stops anyway."""
        sfn = client_for("stepfunctions", self.url, read_timeout=STOP_CALL_SECONDS)
        deadline = time.monotonic() + STOP_EXECUTIONS_SECONDS
        try:
            machines = [
                m
                for page in sfn.get_paginator("list_state_machines").paginate()
                for m in page["stateMachines"]
            ]
            for machine in machines:
                pages = sfn.get_paginator("list_executions").paginate(
                    stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
                )
                for execution in (e for page in pages for e in page["executions"]):
                    if time.monotonic() > deadline:
                        return
                    # one ending as it is stopped may answer 500 (moto's race): it is ending anyway
                    with contextlib.suppress(ClientError, BotoCoreError):
                        sfn.stop_execution(executionArn=execution["executionArn"], cause=STOPPED_CAUSE)
        except (ClientError, BotoCoreError) as error:  # a server too busy to list: the cloud stops anyway
            self.warn(f"running executions not stopped: {error}")

    def prewarm(self, function_folders: Sequence[str]) -> threading.Thread:
        """In the background: start the SageMaker twin's worker (xgboost loaded), then one execution
        environment of each function whose CodeUri folder is listed, one after the other in that
        order (provisioned concurrency, offline). Work that waits on one core (the pipeline's
        steps run one at a time) then does not pay the cold starts on the critical path."""
        assert self.stack is not None
        by_folder = {Path(f.code_dir).name: f.name for f in self.stack.functions.values()}
        names = [by_folder[folder] for folder in function_folders if folder in by_folder]
        runtime = self.runtime

        def run() -> None:
            sagemaker_twin.prewarm()
            load_xgboost()  # the endpoint twin's, here: the first InvokeEndpoint (a smoke test) waits less
            for name in names:
                try:
                    runtime.prewarm(name)
                except Exception:  # a stopping cloud: nothing left to warm
                    return

        thread = threading.Thread(target=run, name="lockgate-prewarm", daemon=True)
        thread.start()
        return thread

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        """A boto3 client pointed at this endpoint: one per service, shared (boto3 clients are
        thread-safe; creating one costs 10-30 ms of CPU, and pollers asked for one per poll)."""
        key = (service, self.url)
        with self._clients_lock:
            found = self._clients.get(key)
            if found is None:
                found = self._clients[key] = client_for(service, self.url)
        return found

    def environment(self) -> dict[str, str]:
        """Variables that point the AWS CLI and any boto3 program at this endpoint."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            **CREDENTIALS,
        }

    def register_function(self, function: FunctionConfig, stack: DeployedStack | None = None) -> None:
        """Run `function` in the runtime; with IAM on, its calls carry its role's credentials (the role's
        policies as they are now in the endpoint's IAM) and are checked against them."""
        if self.iam and function.role_arn:
            found = self._role_statements(function.role_arn, stack)
            self._credentials[function.name] = iam_patches.register(function.name, function.role_arn, found)
        env = {**function.environment, **LOCAL_FUNCTION_ENV}
        self.runtime.register(replace(function, environment=env))

    def state_machine_credentials(self, role_arn: str) -> SessionCredentials:
        """Credentials for the interpreter's calls as `role_arn` (a state machine's role, or a Task's
        Credentials.RoleArn); the role's policies are read on its first use."""
        with self._role_lock:
            if role_arn not in self._role_credentials:
                found = self._role_statements(role_arn, None)
                session = role_arn.rsplit("/", 1)[-1]
                self._role_credentials[role_arn] = iam_patches.register(
                    session, role_arn, found, kind="state machine role"
                )
            return self._role_credentials[role_arn]

    def _role_statements(self, role_arn: str, stack: DeployedStack | None) -> list[Statement]:
        managed = [
            str(arn)
            for r in (stack or self.stack or _EMPTY).resources.values()
            if r.type == "AWS::IAM::Role" and r.attributes.get("Arn") == role_arn
            for arn in r.attributes.get("ManagedPolicyArns", [])
        ]
        return iam_patches.role_statements(self.client("iam"), role_arn, managed, self.warn)

    def _start_execution(self, state_machine_arn: str, name: str, payload: str) -> None:
        self.client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, name=name, input=payload
        )


def _reset_moto(endpoint_url: str) -> None:
    """Empty every moto backend (moto's server API, POST /moto-api/reset): moto keeps its state in
    process-wide globals, so the next cloud started in this process (a test file's) starts empty."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _quiet_third_party_loggers() -> None:
    """Werkzeug logs every request and moto's interpreter logs every failed execution as an
    error with its internals: the demo and `lockgate up` show runs through `lockgate runs`."""
    for name in ("werkzeug", "moto.stepfunctions.parser"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
