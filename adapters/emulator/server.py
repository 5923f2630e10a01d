"""The emulator as a real HTTP server: threaded stdlib `http.server`, keep-alive, JSON only.

Hardened like a server on a network: the key and the declared size are checked before a body
is read (a wrong key: 403; over `MAX_BODY`: 413), a missing-for-a-body, bad or negative
`Content-Length` is a 400 and a chunked body a 411 (it is not supported); a body or query that
is not UTF-8 or JSON nested deeper than `MAX_DEPTH` is a 400 — never a traceback, a hang, or a
U+FFFD stored in place of what was sent. Every refusal closes the connection.
"""

from __future__ import annotations

import hmac
import json
import logging
import signal
import select
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ContextManager, TextIO
from urllib.parse import parse_qs, urlsplit

from .app import Emulator, Request

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024     # a form with one entity is a few KB; a MB is far beyond any real write
MAX_DEPTH = 64             # JSON nesting a real entity never comes near
# Linux stamps each packet as it arrives when a socket asks (`SO_TIMESTAMPNS`; Python's socket
# module does not name it). A busy emulator takes a request up well after it arrived; the rate
# window counts arrivals, as a gateway in front of the real API does, not that delay.
SO_TIMESTAMPNS = 35


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive, so clients can reuse connections
    server_version = "retailCRM-emulator"
    timeout = 30                      # idle keep-alive connections are closed after this
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm meets the
        # client's delayed ACK and every answer waits ~40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stamped = sys.platform == "linux" and type(self.request) is socket.socket
        if self.stamped:
            try:
                self.request.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            except OSError:
                self.stamped = False

    def handle_one_request(self) -> None:
        self.arrived = None
        if self.stamped:
            ready = _readable(self.request, 0)
            if not ready and not self._buffered():
                ready = _readable(self.request, self.timeout)
                if not ready:  # idle past the keep-alive timeout: closed, as http.server's own read would
                    self.close_connection = True
                    return
            if ready:
                self.arrived = arrival(self.request)
        super().handle_one_request()

    def _buffered(self) -> bool:
        """Whether the next request came in with the last one (so it has no packet of its own)."""
        timeout = self.request.gettimeout()
        self.request.setblocking(False)
        try:
            return bool(self.rfile.peek(1))
        except OSError:
            return False
        finally:
            self.request.settimeout(timeout)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        try:
            request = self._request()
        except Refused as refused:
            self._refuse(refused.status, refused.message)
            return
        reply = self.server.emulator.handle(request)
        if reply.drop:
            self.close_connection = True   # nothing written: the client sees the connection drop
            return
        body = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _request(self) -> Request:
        """The request, its body read only once the key and the size allow it."""
        parts = urlsplit(self.path)
        query = _parsed(parts.query, "the query")
        self._check_key(query)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise Refused(411, "Length Required: chunked bodies are not supported; send Content-Length")
        length = _length(self.headers.get("Content-Length"))
        if length > self.server.max_body:
            raise Refused(413, f"Payload Too Large: the body is limited to {self.server.max_body} bytes")
        try:
            text = self.rfile.read(length).decode("utf-8") if length else ""
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        form = _parsed(text, "the body") if self.command == "POST" else {}
        for values in form.values():
            if any(_too_deep(v) for v in values):
                raise Refused(400, f"JSON nested more than {MAX_DEPTH} levels deep")
        return Request(self.command, parts.path, query, form, dict(self.headers.items()), self.arrived)

    def _check_key(self, query: dict[str, list[str]]) -> None:
        """A key given in the header or the query must be right before anything more is read
        (a key sent only in the body is checked by the emulator, after the size check)."""
        given = self.headers.get("X-API-KEY") or (query.get("apiKey") or [None])[0]
        expected = self.server.emulator.settings.api_key
        if given is not None and not hmac.compare_digest(given.encode(), expected.encode()):
            raise Refused(403, 'Wrong "apiKey" value.')

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server answers to a request it cannot parse: the JSON envelope, with a status
        line even when the garbage looked like HTTP/0.9."""
        self.request_version = "HTTP/1.1"
        self._refuse(code, message or HTTPStatus(code).phrase)

    def _refuse(self, status: int, message: str) -> None:
        body = json.dumps({"success": False, "errorMsg": message}).encode("utf-8")
        self.close_connection = True   # the body (if any) was not read: the connection cannot go on
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        # The default logs the request line, whose query may carry `apiKey=`: log the path only.
        # A garbage request line is logged before it has a command or a path.
        path = getattr(self, "path", "") or ""
        log.debug("%s %s", getattr(self, "command", None) or "-", urlsplit(path).path if path.isprintable() else "-")


def arrival(sock: socket.socket) -> float | None:
    """When the request waiting on `sock` first reached this machine, on the monotonic clock
    (None when the kernel did not stamp it); nothing is read off the socket."""
    try:
        _, ancillary, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
    except OSError:
        return None
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return time.monotonic() - (time.time() - (seconds + nanoseconds / 1e9))
    return None


def _readable(sock: socket.socket, timeout: float | None) -> bool:
    try:
        return bool(select.select([sock], [], [], timeout)[0])
    except (OSError, ValueError):
        return False


def _length(value: str | None) -> int:
    if value is None:
        return 0
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise Refused(400, f"Bad Request: Content-Length must be a whole number of bytes, not {text[:20]!r}")
    return int(text)


def _parsed(text: str, what: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Refused(400, f"{what} is not UTF-8 (after percent-decoding)") from None


def _too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON-looking `text` nests deeper than `limit` (brackets outside strings)."""
    if not text.lstrip().startswith(("{", "[")):
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0, max_body: int = MAX_BODY):
        super().__init__((host, port), Handler)
        if sys.platform == "linux":
            # On the listening socket, so that it holds for the server's whole life: the kernel turns
            # stamping on a moment after it is first asked (a connection's first packets would miss
            # it), and every accepted connection inherits it.
            try:
                self.socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            except OSError:
                pass
        self.emulator = emulator
        self.max_body = max_body

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (its timeout ended a stalled request) is no error of the server's.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s went away before its answer", client_address)
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        self.emulator.stop()
        self.shutdown()
        self.server_close()


def running(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> ContextManager[EmulatorServer]:
    """The emulator serving on a background thread (port 0: any free port) until the block ends."""
    return serving(EmulatorServer(emulator, host, port))


@contextmanager
def serving(server: EmulatorServer) -> Iterator[EmulatorServer]:
    """`server` serving on a background thread until the block ends, then stopped."""
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="emulator", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=5)


def serve(emulator: Emulator, host: str, port: int, out: TextIO = sys.stdout) -> None:
    """Serve in the foreground until Ctrl-C, then save the state and return."""
    server = EmulatorServer(emulator, host, port)
    _stop_on_signals()
    print(f"retailCRM API v5 emulator listening on {server.url} (Ctrl-C to stop)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        server.server_close()
    print("Stopped.", file=out, flush=True)


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop the server cleanly, even when started in the background
    (where a shell leaves SIGINT ignored)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
