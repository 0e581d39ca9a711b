"""`lockgate invoke`: the Docker-free twin of `sam local invoke`.

Same template, same events/ files, same environment: the function runs its real handler in a
worker process against a fresh local cloud seeded with the demo fixtures (the objects the
events/ files name), so the sample events work as they are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lockgate.commands.console import function_log_sink, say
from lockgate.commands.options import local_cloud
from lockgate.local.fixtures import seed_fixtures


def run_invoke(args: argparse.Namespace) -> int:
    """Invoke one function once; exit 1 when it errors, 2 when it is not in the template."""
    payload = Path(args.event).read_bytes() if args.event else b"{}"
    json.loads(payload)  # a malformed event file fails here, before anything starts
    cloud = local_cloud(args, function_log_sink)
    with cloud:
        assert cloud.stack is not None
        function = cloud.stack.functions.get(args.function)
        if function is None:
            known = ", ".join(sorted(cloud.stack.functions))
            say(f"lockgate invoke: no function {args.function!r} in {args.template} (functions: {known})")
            return 2
        seed_fixtures(cloud)
        result = cloud.runtime.invoke(function.name, payload)
    say(result.payload.decode(errors="replace"))
    return 1 if result.function_error else 0
