"""`lockgate invoke`: the Docker-free twin of `sam local invoke`.

Same template, same events/ files, same environment: the function runs its real handler in a
worker process against a fresh local cloud seeded with the demo fixtures (the objects the
events/ files name), so the sample events work as they are. The result JSON alone goes to stdout
(`lockgate invoke ... | python -m json.tool` works); logs and warnings go to stderr.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from lockgate.commands.console import function_log_sink, say
from lockgate.commands.event_errors import WithoutValidationTrace, field_lines
from lockgate.commands.options import local_cloud
from lockgate.commands.usage import CliError
from lockgate.local.deployer.template import load_template
from lockgate.local.fixtures import seed_fixtures

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
    cloud = local_cloud(args, WithoutValidationTrace(function_log_sink))
    with cloud:
        assert cloud.stack is not None
        function = cloud.stack.functions[args.function]
        seed_fixtures(cloud)
        result = cloud.runtime.invoke(function.name, payload)
    say(result.payload.decode(errors="replace"))
    for line in field_lines(args.function, result.payload):
        print(line, file=sys.stderr)
    return 1 if result.function_error else 0
