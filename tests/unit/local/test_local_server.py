"""The local cloud's HTTP server: keep-alive, and the same answers as moto's own server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from lockgate.local.server import LocalServer, _Dispatcher, _Server

REGION = "us-east-1"


@pytest.fixture
def local() -> Iterator[LocalServer]:
    server = LocalServer("127.0.0.1", 0)
    server.start()
    yield server
    server.stop()


def _client(server: LocalServer, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{server.port}",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def _raw(port: int, request: bytes) -> tuple[socket.socket, bytes]:
    """Send `request` on a new connection; the socket and what arrived within a short wait."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.sendall(request)
    return connection, _read_response(connection)


def _read_response(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        None,
    )
    while length is not None and len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def test_many_calls_one_connection(local: LocalServer) -> None:
    sqs = _client(local, "sqs")
    url = sqs.create_queue(QueueName="keep")["QueueUrl"]
    for index in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=str(index))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "20"
    assert local.connections_accepted == 1


def test_answers_and_error_shapes_are_moto_s(local: LocalServer) -> None:
    s3 = _client(local, "s3")
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="k", Body=b"x" * 3000)
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"x" * 3000
    assert s3.head_object(Bucket="bkt", Key="k")["ContentLength"] == 3000  # HEAD: length, no body
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        s3.get_object(Bucket="bkt", Key="nope")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    sagemaker = _client(local, "sagemaker")
    with pytest.raises(botocore.exceptions.ClientError) as unknown:
        sagemaker.describe_endpoint(EndpointName="nope")
    assert unknown.value.response["Error"]["Code"] == "ValidationException"
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"x" * 3000  # after errors too
    assert local.connections_accepted <= 2  # one per client


def test_a_large_upload_with_expect_continue_keeps_the_connection(local: LocalServer) -> None:
    s3 = _client(local, "s3")
    s3.create_bucket(Bucket="big")
    body = bytes(range(256)) * 8192  # 2 MB: botocore sends Expect: 100-continue
    s3.put_object(Bucket="big", Key="k", Body=body)
    assert s3.get_object(Bucket="big", Key="k")["Body"].read() == body
    assert local.connections_accepted == 1


def test_a_chunked_request_is_answered_and_the_connection_closed(local: LocalServer) -> None:
    # An unsigned request goes to moto's default service, S3: PUT /<bucket> is CreateBucket.
    request = b"PUT /chunked-bucket HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    connection, answer = _raw(local.port, request)
    with connection:
        assert answer.startswith(b"HTTP/1.1 200")
        assert b"Connection: close" in answer
    assert "chunked-bucket" in [b["Name"] for b in _client(local, "s3").list_buckets()["Buckets"]]


def test_a_plain_request_keeps_the_connection_for_the_next(local: LocalServer) -> None:
    create = b"PUT /plain-bucket HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    listing = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    connection, first = _raw(local.port, create)
    with connection:
        connection.sendall(listing)
        second = _read_response(connection)
    assert first.startswith(b"HTTP/1.1 200")
    assert second.startswith(b"HTTP/1.1 200") and b"<Name>plain-bucket</Name>" in second
    assert b"Connection: close" not in first + second
    assert local.connections_accepted == 1


def test_an_application_error_is_a_500_and_closes() -> None:
    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise RuntimeError("boom")

    server = _Server("127.0.0.1", 0, broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection, answer = _raw(server.server_address[1], b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with connection:
            assert answer.startswith(b"HTTP/1.1 500")
            assert b"Connection: close" in answer
            assert connection.recv(1) == b""  # closed
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_stop_closes_kept_connections_and_the_port() -> None:
    server = LocalServer("127.0.0.1", 0)
    port = server.start()
    sqs = _client(server, "sqs")
    sqs.list_queues()
    connection, _ = _raw(port, b"GET /moto-api/data.json HTTP/1.1\r\nHost: x\r\n\r\n")
    server.stop()
    with connection:
        assert connection.recv(1) == b""  # the kept-alive connection was closed
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        sqs.list_queues()


def test_host_lookup_is_memoized(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str | None] = []
    original = DomainDispatcherApplication.get_backend_for_host

    def counted(self: Any, host: str | None) -> Any:
        calls.append(host)
        return original(self, host)

    monkeypatch.setattr(DomainDispatcherApplication, "get_backend_for_host", counted)
    dispatcher = _Dispatcher(lambda backend: None)
    host = "sqs.us-east-1.amazonaws.com"
    assert dispatcher.get_backend_for_host(host) == "sqs"
    assert dispatcher.get_backend_for_host(host) == "sqs"
    assert dispatcher.get_backend_for_host("nowhere.example") is None
    assert dispatcher.get_backend_for_host("nowhere.example") is None
    assert calls == [host, "nowhere.example"]


@pytest.mark.parametrize(
    ("error", "printed"), [(BrokenPipeError(32, "Broken pipe"), False), (ValueError("x"), True)]
)
def test_a_client_gone_is_no_traceback_anything_else_is(
    local: LocalServer, capsys: pytest.CaptureFixture[str], error: Exception, printed: bool
) -> None:
    """socketserver printed a traceback for every connection shut while the cloud stopped."""
    server = local._server
    assert server is not None
    try:
        raise error
    except Exception:
        server.handle_error(None, ("127.0.0.1", 1))
    assert ("Traceback" in capsys.readouterr().err) is printed
