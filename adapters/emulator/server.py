"""The emulator as a real HTTP server: threaded stdlib `http.server`, keep-alive, JSON only."""

from __future__ import annotations

import json
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ContextManager, TextIO
from urllib.parse import parse_qs, urlsplit

from .app import Emulator, Request

log = logging.getLogger(__name__)


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

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = parse_qs(raw, keep_blank_values=True) if self.command == "POST" else {}
        request = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), form,
                          dict(self.headers.items()))
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

    def log_message(self, format: str, *args: object) -> None:
        # The default logs the request line, whose query may carry `apiKey=`: log the path only.
        log.debug("%s %s", self.command, urlsplit(self.path).path)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), Handler)
        self.emulator = emulator

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
