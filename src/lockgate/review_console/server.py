"""The HTTP side: routes, the CSRF token, read-only mode and one-line error pages.

Standard library only (http.server, threading): one thread per request, bound to 127.0.0.1 unless
told otherwise. Every GET renders a page from `pages`; the only POSTs are decisions (approve /
reject a package at /decide, a waiting run's bias review at /review) and carry the per-process CSRF
token. No exception text beyond one line reaches a page.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from lockgate.errors import TransientError
from lockgate.review_console import html, pages
from lockgate.review_console.reads import ConsoleError, Reads

log = logging.getLogger("lockgate.console")

MAX_FORM_BYTES = 16_384
# What the browser may load: this origin only, nothing inline but styles (the pages have no script).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class NotFound(ConsoleError):
    """No page at this path."""


@dataclass
class ConsoleSettings:
    """How this console process runs."""

    read_only: bool = False
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    where: str = "AWS"  # shown in the header: the endpoint URL, or "AWS"
    notices: dict[str, str] = field(default_factory=dict)  # what recent decisions did, by a random id

    def remember(self, line: str) -> str:
        """Keep a decision's line for the page the browser is sent to; returns its id (the last 50 kept)."""
        key = secrets.token_urlsafe(8)
        self.notices[key] = line
        while len(self.notices) > 50:
            self.notices.pop(next(iter(self.notices)))
        return key


Page = Callable[[Reads, ConsoleSettings, dict[str, str]], str]

ROUTES: dict[str, Page] = {
    "/": pages.runs_page,
    "/runs": pages.runs_page,
    "/run": pages.run_page,
    "/gates": pages.gates_page,
    "/models": pages.models_page,
    "/endpoints": pages.endpoints_page,
    "/alarms": pages.alarms_page,
    "/lineage": pages.lineage_page,
}
Decision = Callable[[Reads, ConsoleSettings, dict[str, str]], str]
# What a POST decides, and the page the browser is sent to afterwards (it shows the line).
DECISIONS: dict[str, tuple[Decision, Callable[[dict[str, str]], str]]] = {
    "/decide": (pages.decide, lambda form: "/models?"),
    "/review": (pages.review, lambda form: "/run?" + urlencode({"arn": form.get("run", "")}) + "&"),
}


def make_handler(reads: Reads, settings: ConsoleSettings) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one Reads and one settings object."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "lockgate-console"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path == "/report":
                self._guarded(lambda: self._report(query))
                return
            page = ROUTES.get(url.path)
            if page is None:
                self._error(HTTPStatus.NOT_FOUND, f"no page at {url.path}")
                return
            self._guarded(lambda: self._send(HTTPStatus.OK, page(reads, settings, query)))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            if settings.read_only:
                self._error(HTTPStatus.FORBIDDEN, "this console is read-only (--read-only): nothing changed")
                return
            decision = DECISIONS.get(url.path)
            if decision is None:
                self._error(HTTPStatus.NOT_FOUND, f"nothing to post at {url.path}")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_FORM_BYTES:
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "form too large: nothing changed")
                return
            form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()}
            if not hmac.compare_digest(form.get("csrf", ""), settings.csrf_token):
                self._error(
                    HTTPStatus.FORBIDDEN, "stale or missing form token: reload the page; nothing changed"
                )
                return
            decide, then = decision
            self._guarded(lambda: self._decided(decide(reads, settings, form), then(form)))

        def _decided(self, said: str, then: str) -> None:
            """Post/redirect/get: the next page shows the line (a reload does not decide again)."""
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", f"{then}notice={settings.remember(said)}")
            self.send_header("Content-Length", "0")
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()

        def _report(self, query: dict[str, str]) -> None:
            body, content_type = reads.report(query.get("uri", ""))
            self._send(HTTPStatus.OK, body, content_type)

        def _guarded(self, action: Callable[[], None]) -> None:
            try:
                action()
            except ConsoleError as error:
                status = HTTPStatus.NOT_FOUND if isinstance(error, NotFound) else HTTPStatus.BAD_REQUEST
                self._error(status, str(error))
            except (BotoCoreError, ClientError, TransientError) as error:  # AWS said no, or is gone
                log.warning("console page failed: %s", _one_line(error))
                hint = "" if settings.where.startswith("AWS") else " (is `lockgate up` still running?)"
                self._error(HTTPStatus.BAD_GATEWAY, _one_line(error) + hint)
            except Exception as error:  # every other failure is one line, never a stack trace
                log.exception("console page failed")
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, _one_line(error))

        def _error(self, status: HTTPStatus, message: str) -> None:
            self._send(status, html.error_page(status.value, _one_line(message), settings.where))

        def _send(self, status: HTTPStatus, body: str | bytes, content_type: str = "text/html") -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            charset = "; charset=utf-8" if content_type.startswith("text/") else ""
            self.send_header("Content-Type", content_type + charset)
            self.send_header("Content-Length", str(len(data)))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _one_line(error: object) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line[:300]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that hangs up mid-answer is not an error worth a traceback on the terminal."""
        log.debug("request from %s ended early", client_address, exc_info=True)


class ConsoleServer:
    """The console's HTTP server; `serve_forever` blocks, `start` serves from a thread."""

    def __init__(self, reads: Reads, settings: ConsoleSettings, host: str = "127.0.0.1", port: int = 0):
        self.settings = settings
        self._server = _Server((host, port), make_handler(reads, settings))
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    @property
    def url(self) -> str:
        """http://host:port/ of the console."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def serve_forever(self) -> None:
        """Serve until `stop` (or Ctrl-C in the caller)."""
        self._serving.set()
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> ConsoleServer:
        """Serve from a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, name="console", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._serving.is_set():
            self._server.shutdown()
        self._server.server_close()
