"""`lockgate console`: the review console in a browser, against `lockgate up` or AWS.

Light on purpose: against a URL it imports no moto, no twins and no xgboost (boto3 and the
adapters only). Without --endpoint-url it talks to AWS through the usual credential chain.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from lockgate.commands.options import add_endpoint_option, bounded
from lockgate.commands.usage import CliError

DEFAULT_PORT = 8765


def add_parsers(sub: Any) -> None:
    """The `console` subcommand (cli.py calls this once)."""
    console = sub.add_parser(
        "console", help="a review console in the browser: runs, gates, models, endpoints, alarms, lineage"
    )
    add_endpoint_option(console)
    console.add_argument(
        "--port",
        type=bounded(0, 65535),
        default=DEFAULT_PORT,
        help=f"port to serve on, 0-65535 (default {DEFAULT_PORT})",
    )
    console.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    console.add_argument(
        "--read-only", action="store_true", help="no Approve / Reject: every POST is refused"
    )


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C."""
    server = start_console(args.endpoint_url, port=args.port, host=args.host, read_only=args.read_only)
    print(f"Lockgate review console: {server.url}  (Ctrl-C stops it)", flush=True)
    serve_until_stopped(server)
    return 0


def serve_until_stopped(server: Any) -> None:
    """Serve from a thread until Ctrl-C or SIGTERM (as `lockgate up` waits), then close the socket."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def start_console(
    endpoint_url: str | None, *, port: int = 0, host: str = "127.0.0.1", read_only: bool = False
) -> Any:
    """A ConsoleServer bound and ready (call serve_forever or start); CliError when the port is taken."""
    from lockgate.commands.options import aws_client
    from lockgate.review_console.reads import Reads
    from lockgate.review_console.server import ConsoleServer, ConsoleSettings

    settings = ConsoleSettings(read_only=read_only, where=endpoint_url or "AWS (default credential chain)")
    reads = Reads(lambda service: aws_client(service, endpoint_url), endpoint_url)
    try:
        return ConsoleServer(reads, settings, host=host, port=port)
    except OSError as error:
        raise CliError(f"cannot serve on {host}:{port}: {error.strerror}; pick another --port") from None
