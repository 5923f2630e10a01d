"""An emulator that answers chosen endpoints with whatever bytes a test gives it (an HTML page, a
body of the wrong shape, a gzip bomb, a redirect), and every other request as usual."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from adapters.emulator import Emulator, EmulatorServer, Settings
from adapters.emulator.server import Handler, serving
from adapters.store import Store


@dataclass(frozen=True)
class Canned:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    length: bool = True   # send Content-Length (else the body ends when the connection closes)


class HostileHandler(Handler):
    def _serve(self) -> None:
        canned = self.server.canned.get((self.command, urlsplit(self.path).path))
        if canned is None:
            return super()._serve()
        self.server.hits.append(urlsplit(self.path).path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(canned.status)
        for name, value in canned.headers.items():
            self.send_header(name, value)
        if canned.length and "Content-Length" not in canned.headers:
            self.send_header("Content-Length", str(len(canned.body)))
        if not canned.length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(canned.body)


@contextmanager
def hostile(api_key: str, canned: dict[tuple[str, str], Canned], store: Store | None = None
            ) -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(store or Store(), Settings(api_key=api_key, rate_limit=0)))
    server.RequestHandlerClass = HostileHandler
    server.canned, server.hits = canned, []
    with serving(server):
        yield server
