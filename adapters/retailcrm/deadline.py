"""An overall deadline per request: a server that trickles its answer is cut off at the timeout.

requests' read timeout bounds each wait for bytes, not the whole answer: a server sending one
byte a second never trips it (a slow-loris answer). A `Deadline` is a timer over one request; the
connections the request uses register their socket with it (the pool's connection classes do
that on connect and before reading the answer), and when the timer fires it shuts the sockets
down, so a read blocked on them returns at once with an error.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Deadline:
    def __init__(self, seconds: float, on_sent: Callable[[], None] | None = None):
        self.seconds = seconds
        self.on_sent = on_sent     # told when the request has gone out and its answer is awaited
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None

    def watch(self, sock: Any) -> None:
        with self._lock:
            if sock is None or sock in self._sockets:
                return
            self._sockets.append(sock)
            if self.expired:
                _cut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _cut(sock)


def _cut(sock: Any) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(sock: Any) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _Watched:
    """Mixed into urllib3's connections: the socket is watched by the request's deadline."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self.sock)  # type: ignore[attr-defined]

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watch(self.sock)  # type: ignore[attr-defined]
        deadline = getattr(_current, "deadline", None)
        if deadline is not None and deadline.on_sent is not None:
            deadline.on_sent()
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections a `Deadline` can cut."""

    def __init__(self, connections: int = 1):
        super().__init__(pool_maxsize=max(connections, DEFAULT_POOLSIZE))

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
