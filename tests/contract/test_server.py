"""Contract tests: the werkzeug and moto internals that lockgate.local.server builds on."""

from __future__ import annotations

import inspect
import socketserver

import pytest
from moto.moto_server import threaded_moto_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from lockgate.local import server


@pytest.mark.parametrize(("owner", "name"), server.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x))
def test_every_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), f"werkzeug or moto moved {owner}.{name}: update lockgate.local.server"


def test_we_serve_what_moto_serves() -> None:
    """ThreadedMotoServer: werkzeug's make_server, MotoRequestHandler, DomainDispatcherApplication over
    create_backend_app. If moto serves something else, LocalServer must follow."""
    source = inspect.getsource(threaded_moto_server.ThreadedMotoServer._server_entry)
    assert "DomainDispatcherApplication(create_backend_app)" in source
    assert "request_handler=MotoRequestHandler" in source
    assert issubclass(MotoRequestHandler, WSGIRequestHandler)
    assert issubclass(server.KeepAliveHandler, MotoRequestHandler)


def test_werkzeug_still_closes_every_connection() -> None:
    """The reason for KeepAliveHandler; if werkzeug keeps connections itself, drop the override."""
    assert '"Connection", "close"' in inspect.getsource(WSGIRequestHandler.run_wsgi)


def test_host_lookup_is_a_function_of_the_host() -> None:
    """The memo in _Dispatcher is right only while moto's lookup reads nothing but the host and
    static tables, and get_application goes through it."""
    lookup = inspect.getsource(DomainDispatcherApplication.get_backend_for_host)
    assert list(inspect.signature(DomainDispatcherApplication.get_backend_for_host).parameters) == [
        "self",
        "host",
    ]
    assert "environ" not in lookup
    assert "backend_url_patterns" in lookup
    assert "self.get_backend_for_host(" in inspect.getsource(DomainDispatcherApplication.get_application)


def test_stream_handler_settings_we_use() -> None:
    for name in ("disable_nagle_algorithm", "wbufsize"):
        assert hasattr(socketserver.StreamRequestHandler, name), name
    assert ThreadedWSGIServer.daemon_threads is True
