"""The local cloud's HTTP endpoint: moto's WSGI application behind an HTTP/1.1 keep-alive server.

moto's `ThreadedMotoServer` runs werkzeug's development server, which answers every request with
"Connection: close": each boto3 call of the local cloud (tests, the handlers in their workers, moto's
own state-machine interpreter, the demo) paid a new TCP connection and a new server thread. And moto's
dispatcher finds the backend for a request's host by listing moto's package folder (`os.listdir` +
`isdir` on about 200 entries) and then matching a few hundred URL patterns, on every request, under
one lock shared by every request thread.

`LocalServer` serves the same application (`DomainDispatcherApplication(create_backend_app)`, the
same `MotoRequestHandler` environ) with two changes, both subclasses (nothing of moto's is patched):
- `KeepAliveHandler`: a request with a Content-Length body (or none) is read whole, answered with a
  Content-Length response, and the connection stays open for the client's next request, as AWS's
  endpoints do; anything else (a chunked upload) goes through werkzeug's own code and closes.
- `_Dispatcher`: host -> backend is looked up once per host (the mapping is static).
What the application answers (status, headers, body, AWS's error shapes) is unchanged.
`PATCH_TARGETS` lists what this relies on; tests/contract/test_server.py checks it.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

# (owner, attribute) this module subclasses, overrides or reads; checked by tests/contract/test_server.py.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (MotoRequestHandler, "make_environ"),  # read: the environ moto's server builds
    (WSGIRequestHandler, "run_wsgi"),  # overridden; the fallback for requests kept off keep-alive
    (WSGIRequestHandler, "log_request"),  # read: werkzeug's request log line (the cloud quiets it)
    (DomainDispatcherApplication, "get_backend_for_host"),  # overridden: memoized per host
    (DomainDispatcherApplication, "get_application"),  # read: calls get_backend_for_host
    (ThreadedWSGIServer, "daemon_threads"),  # read: a connection's thread never blocks exit
)

# A body larger than this is left to werkzeug's code (streamed, connection closed), not read whole.
MAX_BUFFERED_BODY = 256 * 1024 * 1024
_NO_BODY_STATUS = (204, 304)
_MISSING = object()


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher with its host -> backend lookup done once per host."""

    def __init__(self, create_app: Callable[..., Any]) -> None:
        super().__init__(create_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        found = self._backends.get(host, _MISSING)
        if found is _MISSING:
            found = self._backends[host] = super().get_backend_for_host(host)
        return found


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, keeping the connection open between requests (HTTP/1.1)."""

    protocol_version = "HTTP/1.1"
    # A kept-alive connection must not wait for the client's delayed ACK (Nagle): no delay, and the
    # status line, headers and a small body leave in one write (flushed once per response).
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed(self.connection)

    def run_wsgi(self) -> None:
        """Answer one request; a request whose body is not framed by Content-Length goes to werkzeug."""
        length = _body_length(self.headers)
        if length is None:
            super().run_wsgi()  # werkzeug answers with "Connection: close": the loop ends
            return
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        self.environ = environ = self.make_environ()
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return
        environ["wsgi.input"] = _Body(body)
        status, headers, payload = self._call(environ)
        self._respond(environ, status, headers, payload)

    def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Run the application, buffering its answer (moto builds every body in memory anyway)."""
        answer: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            chunks.clear()
            return chunks.append

        try:
            result: Iterable[bytes] = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (TimeoutError, ConnectionError):  # the client went away: werkzeug's handle() ends quietly
            raise
        except Exception:  # as werkzeug does: log it, answer 500, and close this connection
            self.server.log("error", f"Error on request:\n{traceback.format_exc()}")
            self.close_connection = True
            chunks.clear()
            chunks.extend(InternalServerError()(environ, start_response))
        return str(answer[0]), list(answer[1]), b"".join(chunks)

    def _respond(
        self, environ: dict[str, Any], status: str, headers: list[tuple[str, str]], payload: bytes
    ) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        with_body = not (environ["REQUEST_METHOD"] == "HEAD" or 100 <= code < 200 or code in _NO_BODY_STATUS)
        declared = next((v for k, v in headers if k.lower() == "content-length"), None)
        if with_body and declared is not None and declared.strip() != str(len(payload)):
            self.close_connection = True  # the client cannot find the next response's start
        self.send_response(code, reason)
        for name, value in headers:
            self.send_header(name, value)
        if with_body and declared is None:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if with_body and payload:
            self.wfile.write(payload)
        self.wfile.flush()


class _Server(ThreadedWSGIServer):
    """werkzeug's threaded server that knows its open connections (to close them on stop)."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.accepted = 0
        super().__init__(host, port, app, handler=KeepAliveHandler)

    def opened(self, connection: socket.socket) -> None:
        with self.connections_lock:
            self.connections.add(connection)
            self.accepted += 1

    def closed(self, connection: socket.socket) -> None:
        with self.connections_lock:
            self.connections.discard(connection)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):  # closed meanwhile
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (or a connection `close_connections` shut while the cloud stops) is
        no error: socketserver printed a BrokenPipe traceback for it. Anything else as before."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


# How often the serving loop looks for stop(): socketserver's default 0.5 s made every cloud's stop
# wait 0.25 s on average (`lockgate invoke`, each test's cloud); an idle check costs microseconds.
SHUTDOWN_POLL_S = 0.02


class LocalServer:
    """moto's application on `host:port` (port 0: any free port), in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Bind, serve in the background; returns the port."""
        self._server = _Server(self.host, self.requested_port, _Dispatcher(create_backend_app))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_S},
            daemon=True,
            name="lockgate-local-server",
        )
        self._thread.start()
        return self.port

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("the local server is not started")
        return int(self._server.server_address[1])

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (a client that keeps its connection adds one)."""
        return self._server.accepted if self._server is not None else 0

    def stop(self) -> None:
        """Stop accepting, close every open connection (kept-alive ones too) and the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server, self._thread = None, None


class _Body:
    """The request body as the WSGI input stream (read whole before the application runs)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else min(len(self._data), self._at + size)
        chunk, self._at = self._data[self._at : end], end
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def readline(self, size: int | None = -1) -> bytes:
        end = self._data.find(b"\n", self._at)
        end = len(self._data) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, self._at + size)
        chunk, self._at = self._data[self._at : end], end
        return chunk

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to release."""


def _body_length(headers: Any) -> int | None:
    """The request body's length when Content-Length frames it (0 when there is none); None when
    werkzeug's own code should take the request (chunked, malformed, or too large to buffer)."""
    if headers.get("Transfer-Encoding"):
        return None
    declared = headers.get("Content-Length")
    if declared is None:
        return 0
    declared = declared.strip()
    if not declared.isdigit() or int(declared) > MAX_BUFFERED_BODY:
        return None
    return int(declared)
