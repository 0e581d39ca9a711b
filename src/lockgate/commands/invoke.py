"""`lockgate invoke`: the Docker-free twin of `sam local invoke`.

Same template, same events/ files, same environment: the function runs its real handler in a
worker process. Without --endpoint-url, against a fresh local cloud seeded with the demo fixtures
(the objects the events/ files name), so the sample events work as they are; that cloud is lean:
only the function, the resources its environment names (after !Ref / !GetAtt) and what those need
(`local.deployer.lean`), unless --whole-cloud. With --endpoint-url,
against a running `lockgate up` (`--seed` for the events/ files' objects), as `sam local invoke
--env-vars` runs against a deployed stack: the function's environment as deployed there, no cloud
started, seconds instead of a deploy. The result JSON alone goes to stdout (`lockgate invoke ... |
python -m json.tool` works); logs and warnings go to stderr.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from lockgate.commands.console import function_log_sink, say
from lockgate.commands.event_errors import WithoutValidationTrace, field_lines
from lockgate.commands.usage import CliError
from lockgate.local.deployer.template import load_template

if TYPE_CHECKING:
    from lockgate.local.lambda_runtime.invocation import InvokeResult

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def read_event(path: Path | None) -> bytes:
    """The event file's bytes, checked to be JSON (CliError, one line, otherwise)."""
    if path is None:
        return b"{}"
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise CliError(
            f"no such event file {path}: pass a JSON event, e.g. -e events/notify_failure.json"
        ) from None
    except OSError as error:
        raise CliError(f"cannot read the event file {path}: {error.strerror}") from None
    try:
        json.loads(payload)
    except json.JSONDecodeError as error:
        raise CliError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}): fix the file"
        ) from None
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 JSON: save it as UTF-8") from None
    return payload


def check_function(template: Path, name: str) -> None:
    """CliError naming the template's functions when `name` is not one of them (before deploying)."""
    resources = load_template(template).get("Resources", {})
    functions = sorted(k for k, r in resources.items() if r.get("Type") in FUNCTION_TYPES)
    if name in functions:
        return
    close = difflib.get_close_matches(name, functions, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise CliError(f"no function {name!r} in {template}: {hint}functions: {', '.join(functions)}")


def run_invoke(args: argparse.Namespace) -> int:
    """Invoke one function once; exit 1 when it errors (an invalid event: one line per field on
    stderr), 2 on a usage mistake."""
    payload = read_event(args.event)
    check_function(args.template, args.function)
    endpoint_url = getattr(args, "endpoint_url", None)
    result = invoke_running(args, endpoint_url, payload) if endpoint_url else invoke_fresh(args, payload)
    say(result.payload.decode(errors="replace"))
    for line in field_lines(args.function, result.payload):
        print(line, file=sys.stderr)
    return 1 if result.function_error else 0


def invoke_fresh(args: argparse.Namespace, payload: bytes) -> InvokeResult:
    """In a fresh local cloud, seeded with the events/ files' objects: a lean one (the function, what
    its environment names, and the fixtures' bucket), or the whole template with --whole-cloud."""
    from lockgate.commands.options import local_cloud
    from lockgate.local.deployer.deploy import DeployError
    from lockgate.local.fixtures import FIXTURE_OUTPUTS, seed_fixtures

    lean = None if getattr(args, "whole_cloud", False) else frozenset({args.function, *FIXTURE_OUTPUTS})
    cloud = local_cloud(args, WithoutValidationTrace(function_log_sink), lean=lean)
    try:
        stack = cloud.start()
    except DeployError as error:
        cloud.stop()
        raise CliError(f"cannot deploy {args.function}: {error}") from None
    try:
        seed_fixtures(cloud)
        return cloud.runtime.invoke(stack.functions[args.function].name, payload)
    finally:
        cloud.stop()


def invoke_running(args: argparse.Namespace, endpoint_url: str, payload: bytes) -> InvokeResult:
    """Here, in a worker, against the running local cloud at `endpoint_url` (its deployed environment)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from lockgate.local.deployer.lookup import NotDeployed, deployed_function
    from lockgate.local.lambda_runtime.env import LOCAL_FUNCTION_ENV
    from lockgate.local.lambda_runtime.runtime import LambdaRuntime

    try:
        function = deployed_function(args.template, args.function, endpoint_url)
    except NotDeployed as error:
        raise CliError(str(error)) from None
    except (BotoCoreError, ClientError) as error:
        raise CliError(
            f"cannot read {args.function} from {endpoint_url} ({error}): is `lockgate up` running?"
        ) from None
    runtime = LambdaRuntime(
        endpoint_url=endpoint_url,
        log_sink=WithoutValidationTrace(function_log_sink),
        cloudwatch_logs=False,
        max_workers_per_function=1,
    )
    try:
        runtime.register(replace(function, environment={**function.environment, **LOCAL_FUNCTION_ENV}))
        return runtime.invoke(function.name, payload)
    finally:
        runtime.shutdown()
