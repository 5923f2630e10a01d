"""HTTP reads and waits that cannot go wrong quietly: pages that do not add up fail the read (never
phantom creates), every request has an overall deadline, Retry-After is capped, Ctrl-C and SIGTERM
end a read within a second with the lock released."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from adapters.emulator import Emulator, EmulatorServer, Settings
from adapters.emulator.server import Handler, serving
from adapters.store import Store
from crmdeploy.errors import MalformedAnswer
from crmdeploy.kinds import BY_NAME

from .safe_helpers import invoke

FIELDS = 150  # two pages of 100


def fields_spec(count: int = FIELDS) -> str:
    lines = ["version: 1", "custom_fields:"]
    lines += [f"  - {{code: f{i:03d}, entity: order, name: Field {i}, type: string}}" for i in range(count)]
    return "\n".join(lines) + "\n"


class PageMangler(Handler):
    """A server (or a proxy in front of it) that gets paging wrong in the way `server.mangle` says."""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        mangle = getattr(self.server, "mangle", None)
        if self.command == "GET" and parts.path == "/api/v5/custom-fields" and mangle:
            query = parse_qs(parts.query)
            query["page"] = [str(mangle(int(query.get("page", ["1"])[0])))]
            self.path = parts.path + "?" + urlencode(query, doseq=True)
        super()._serve()


@pytest.fixture
def mangler(api_key):
    server = EmulatorServer(Emulator(Store(), Settings(api_key=api_key, rate_limit=0)))
    server.RequestHandlerClass = PageMangler
    with serving(server):
        yield server


@pytest.mark.parametrize("mangle", [lambda page: 1, lambda page: max(1, page - 1)],
                         ids=["ignores-page", "repeats-a-page"])
def test_a_server_that_ignores_page_fails_the_read_and_writes_nothing(mangle, mangler, runner, http_env,
                                                                      write_spec):
    spec = write_spec(fields_spec())
    assert invoke(runner, "apply", spec, "-t", mangler.url, "--yes").exit_code == 0
    writes = mangler.emulator.store.writes
    mangler.mangle = mangle
    planned = invoke(runner, "plan", spec, "-t", mangler.url)
    assert planned.exit_code == 1
    assert "GET /api/v5/custom-fields: the pages do not add up" in planned.stderr
    assert "to create" not in planned.stdout  # before: 50 phantom creates
    applied = invoke(runner, "apply", spec, "-t", mangler.url, "--yes")
    assert applied.exit_code == 1 and mangler.emulator.store.writes == writes


def _page(items, page, pages, total, current=True):
    pagination = {"limit": 100, "totalCount": total, "totalPageCount": pages}
    if current:
        pagination["currentPage"] = page
    return {"success": True, "customFields": items, "pagination": pagination}


def _items(start, stop):
    return [{"code": f"f{i:03d}", "name": f"F{i}", "entity": "order", "type": "string"} for i in range(start, stop)]


@pytest.mark.parametrize("pages, problem", [
    ([_page(_items(0, 100), 1, 2, 150, False), _page(_items(99, 149), 2, 2, 150, False)],
     "page 2 repeats an item of an earlier page"),
    ([_page(_items(0, 100), 1, 2, 180), _page(_items(100, 150), 2, 2, 180)],
     "the pages hold 150 items but totalCount says 180"),
    ([_page(_items(0, 100), 1, 2, 150), _page(_items(100, 150), 1, 2, 150)],
     "page 2 was asked for and page 1 answered"),
    ([_page(_items(0, 100), 1, 2, 150), _page(_items(100, 150), 2, 3, 150)],
     "totalPageCount changed from 2 to 3"),
    ([_page(_items(0, 100), 1, 3, 300), _page([], 2, 3, 300)], "page 2 of 3 is empty"),
])
def test_pages_that_do_not_add_up_fail_the_read(pages, problem, connect, emulator, monkeypatch):
    adapter = connect(emulator.url)
    answers, real_get = iter(pages), adapter.transport.get
    monkeypatch.setattr(adapter.transport, "get",
                        lambda path, *a, **k: next(answers) if path.endswith("custom-fields") else real_get(path, *a, **k))
    with pytest.raises(MalformedAnswer, match=problem):
        adapter.fetch(BY_NAME["custom_fields"])


# --- an overall deadline per request; Retry-After capped ----------------------------------------

import http.server  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import responses  # noqa: E402

from adapters.retailcrm.retry import RetryPolicy  # noqa: E402
from adapters.retailcrm.transport import Transport  # noqa: E402
from crmdeploy.errors import AdapterError, TransientError  # noqa: E402


class Trickle(http.server.BaseHTTPRequestHandler):
    """A slow-loris answer: one byte every 0.2 s, each well inside the read timeout."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b'{"success": true, "statuses": {}}' + b" " * 5000
        try:
            if self.server.headers_too:
                for byte in b"HTTP/1.1 200 OK\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                if self.server.stop.is_set():
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return  # the client cut it off

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(params=[False, True], ids=["body", "headers"])
def trickle(request):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads, server.headers_too, server.stop = True, request.param, threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.stop.set()
    server.shutdown()
    server.server_close()


def test_a_slow_loris_answer_is_cut_at_the_deadline(trickle):
    transport = Transport(trickle, "key-1", rate_limit=0, timeout=(1.0, 1.0), policy=RetryPolicy(attempts=1))
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            transport.get("reference/statuses")
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)  # the answer would take 1,000 s; only a deadline ends it within this bound
    assert not reader.is_alive(), "the read was not cut off"
    assert isinstance(outcome[0], TransientError)
    assert "no complete answer from" in str(outcome[0]) and "within 2 s" in str(outcome[0])
    transport.close()


@responses.activate
@pytest.mark.parametrize("after, shown", [("3600", "1.0 h (3600 s)"), ("86400", "24.0 h (86400 s)")])
def test_a_retry_after_beyond_the_cap_is_an_error_naming_the_wait(after, shown):
    url = "https://demo.retailcrm.ru/api/v5/reference/statuses"
    responses.get(url, status=503, headers={"Retry-After": after}, json={"success": False, "errorMsg": "busy"})
    sleeps: list[float] = []
    transport = Transport("https://demo.retailcrm.ru", "key-1", rate_limit=0, policy=RetryPolicy(sleep=sleeps.append))
    with pytest.raises(AdapterError) as caught:
        transport.get("reference/statuses")
    assert not isinstance(caught.value, TransientError)
    assert f"the server asked to wait {shown} before trying again (Retry-After), longer than the 60 s" \
        in str(caught.value)
    assert sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_a_retry_after_within_the_cap_is_waited_out():
    url = "https://demo.retailcrm.ru/api/v5/reference/statuses"
    responses.get(url, status=503, headers={"Retry-After": "7"}, json={"success": False})
    responses.get(url, json={"success": True, "statuses": {}})
    sleeps: list[float] = []
    transport = Transport("https://demo.retailcrm.ru", "key-1", rate_limit=0, policy=RetryPolicy(sleep=sleeps.append))
    transport.get("reference/statuses")
    assert sleeps and sleeps[0] >= 7


# --- Ctrl-C and SIGTERM during reads ------------------------------------------------------------

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from .conftest import ROOT, SHOP, locks_left  # noqa: E402


class StallReads(Handler):
    """Every GET is held (as a server stuck behind a slow database would) until the test ends."""

    def _serve(self) -> None:
        if self.command == "GET":
            self.server.arrived.set()
            self.server.release.wait(120)
        super()._serve()


@pytest.fixture
def stalled(api_key):
    server = EmulatorServer(Emulator(Store(), Settings(api_key=api_key, rate_limit=0)))
    server.RequestHandlerClass = StallReads
    server.arrived, server.release = threading.Event(), threading.Event()
    with serving(server):
        yield server
        server.release.set()


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_during_reads_ends_the_command_at_once_and_releases_the_lock(command, sig, stalled, http_env,
                                                                               secrets_env, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    extra = ["--yes"] if command == "apply" else []
    process = subprocess.Popen([sys.executable, "-m", "crmdeploy", command, str(SHOP), "-t", stalled.url, *extra],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert stalled.arrived.wait(60), "no read reached the server"
        time.sleep(0.2)  # several kinds' reads are now held on the server
        process.send_signal(sig)
        _, err = process.communicate(timeout=15)  # the held reads last 120 s: only an exit that does
    finally:                                       # not wait for them gets here
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert "Interrupted." in err and "Traceback" not in err
    assert not locks_left()
