"""Keep-alive HTTP for the provider backends: one connection per provider host and
thread, reused from send to send (a new TLS handshake per message would cost more than the
message), reopened when the provider closed it.

A request is written again on a fresh connection only when writing it on a reused one
failed (the provider closed the idle connection): a request not fully written is not one
the provider acted on. A failure while waiting for the answer is the caller's
ProviderError to retry later, never a silent second request."""

import http.client
import socket
import threading
import time
import urllib.parse

# Providers close idle connections after some seconds; one idle longer is not reused.
IDLE_SECONDS = 20
MAX_ANSWER = 1 << 20

_local = threading.local()


class HttpError(Exception):
    """The request could not be made or its answer not read (network, timeout)."""


def _connections() -> dict:
    if not hasattr(_local, "connections"):
        _local.connections = {}
    return _local.connections


def _open(scheme: str, host: str, port: int | None, timeout: float):
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _connect(connection) -> None:
    connection.connect()
    # Headers and body leave in separate writes: without this the second waits for the
    # provider's delayed acknowledgement of the first (Nagle's algorithm), ~40 ms.
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def close_all() -> None:
    """Close this thread's connections (tests, a worker shutting down)."""
    for connection, _ in _connections().values():
        connection.close()
    _connections().clear()


def request(
    method: str, url: str, *, body: bytes | None = None, headers: dict | None = None, timeout=10
) -> tuple[int, bytes]:
    """(status, body) of one request over this thread's kept-alive connection to the host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"not an http(s) address: {url[:100]}")
    key = (parts.scheme, parts.hostname, parts.port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pool = _connections()
    found = pool.pop(key, None)
    now = time.monotonic()
    if found is not None and now - found[1] > IDLE_SECONDS:
        found[0].close()
        found = None
    reused = found is not None
    connection = found[0] if reused else _open(parts.scheme, parts.hostname, parts.port, timeout)
    all_headers = {"Connection": "keep-alive", **(headers or {})}
    try:
        if connection.sock is None:
            _connect(connection)
        try:
            connection.request(method, target, body=body, headers=all_headers)
        except (BrokenPipeError, ConnectionResetError, http.client.NotConnected):
            if not reused:
                raise
            connection.close()  # closed by the provider while idle: write it once more
            connection = _open(parts.scheme, parts.hostname, parts.port, timeout)
            _connect(connection)
            connection.request(method, target, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read(MAX_ANSWER)
        if response.will_close or not response.isclosed():
            # Closed by the provider, or more than we read: not reusable.
            connection.close()
        else:
            pool[key] = (connection, time.monotonic())
        return response.status, data
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        connection.close()
        raise HttpError(str(error) or type(error).__name__) from error
