"""The emulator as a server on a network: the key and the size are checked before a body is read,
bad lengths and chunked bodies are refused, garbage and over-nested JSON are a 400 — never a
traceback, a hang or a stored U+FFFD. Raw sockets, so nothing smooths the bytes over."""

from __future__ import annotations

import json
import logging
import socket
import sys
import time
from urllib.parse import urlsplit

import pytest

from adapters.emulator import Emulator, EmulatorServer, Settings
from adapters.emulator.server import SO_TIMESTAMPNS, arrival, serving
from adapters.store import Store

PATH = "/api/v5/reference/statuses/fresh/edit"


@pytest.fixture
def server(api_key):
    server = EmulatorServer(Emulator(Store(), Settings(api_key=api_key, rate_limit=0)))
    with serving(server):
        yield server


def exchange(server, head: bytes, body: bytes = b"") -> tuple[int, dict]:
    """Send raw bytes, read the answer (the socket times out rather than let a test hang)."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < _expected(data):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    try:
        parsed = json.loads(payload) if payload else {}
    except ValueError:
        parsed = {"raw": payload.decode("latin-1")}
    return int(status_line.split()[1]), parsed


def _expected(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return 0


def post(key: str, length: str | None, extra: str = "") -> bytes:
    lines = [f"POST {PATH} HTTP/1.1", "Host: x", f"X-API-KEY: {key}",
             "Content-Type: application/x-www-form-urlencoded"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + extra + "\r\n\r\n").encode()


def entity(data: str) -> bytes:
    from urllib.parse import quote
    return b"status=" + quote(data).encode()


def test_a_wrong_key_is_refused_before_the_body_is_read(server):
    status, body = exchange(server, post("wrong-key", "1000000"))  # the body never comes
    assert status == 403 and body["success"] is False


def test_a_body_over_the_cap_is_refused_before_it_is_read(server, api_key):
    status, body = exchange(server, post(api_key, str(50 * 1024 * 1024)))
    assert status == 413 and "Payload Too Large" in body["errorMsg"]
    assert server.emulator.store.writes == 0


@pytest.mark.parametrize("length", ["-5", "abc", "1e3", "0x10", "١٢"])
def test_a_bad_content_length_is_a_400(server, api_key, length):
    status, body = exchange(server, post(api_key, length), b"status=%7B%7D")
    assert status == 400 and "Content-Length" in body["errorMsg"]


def test_a_chunked_body_is_a_411(server, api_key):
    head = post(api_key, None, "\r\nTransfer-Encoding: chunked")
    status, body = exchange(server, head, b"5\r\nhello\r\n0\r\n\r\n")
    assert status == 411 and body["success"] is False


@pytest.mark.parametrize("line", [b"\x00\x01\x02 garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/one\r\n\r\n",
                                  b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"])
def test_a_garbage_request_line_is_a_400_family_answer(server, line, caplog):
    caplog.set_level(logging.DEBUG)
    status, _ = exchange(server, line)
    assert 400 <= status < 500
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("body", [b"status=\xff\xfe", b"status=%FF%FE%7B%7D", b"status=%C3%28"])
def test_a_body_that_is_not_utf8_is_a_400_and_nothing_is_stored(server, api_key, body):
    status, answer = exchange(server, post(api_key, str(len(body))), body)
    assert status == 400 and "UTF-8" in answer["errorMsg"]
    assert server.emulator.store.writes == 0


def test_a_query_that_is_not_utf8_is_a_400(server, api_key):
    head = f"GET /api/v5/reference/statuses?x=%FF HTTP/1.1\r\nHost: x\r\nX-API-KEY: {api_key}\r\n\r\n".encode()
    status, answer = exchange(server, head)
    assert status == 400 and "UTF-8" in answer["errorMsg"]


def test_over_nested_json_is_a_400_without_a_traceback(server, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    body = entity("[" * 100_000 + "]" * 100_000)
    status, answer = exchange(server, post(api_key, str(len(body))), body)
    assert status == 400 and "nested" in answer["errorMsg"]
    assert "Traceback" not in caplog.text and "emulator error" not in caplog.text


def test_nesting_inside_strings_does_not_count(server, api_key):
    data = json.dumps({"code": "fresh", "name": "[[[[" * 40 + '\\"{{{' * 40, "group": "new"})
    body = entity(data)
    status, answer = exchange(server, post(api_key, str(len(body))), body)
    assert status != 400 or "nested" not in answer.get("errorMsg", "")


# --- the rate window counts a request when it arrived ----------------------------------------

def _get(key: str, path: str = "/api/v5/reference/statuses") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nX-API-KEY: {key}\r\n\r\n".encode()


def test_two_requests_in_one_packet_are_both_answered(server, api_key):
    """The look for the next request's arrival time must not wait on the socket for a request
    that is already read in (pipelined with the one before)."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(_get(api_key) * 2)
        data = b""
        while data.count(b"HTTP/1.1 200") < 2 or data.count(b'"success"') < 2:
            chunk = conn.recv(65536)
            assert chunk, "the server closed the connection before answering both"
            data += chunk
    assert data.count(b"HTTP/1.1 200") == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's packet stamps are Linux's")
def test_a_request_is_stamped_with_the_time_it_reached_the_machine():
    """Taken up 0.3 s after it came in (a busy server), a request still carries its arrival time."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)   # as the emulator's server does
        time.sleep(0.05)   # the kernel turns stamping on a moment after it is first asked
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            conn, _ = listener.accept()
            with conn:
                before = time.monotonic()
                client.sendall(b"GET / HTTP/1.1\r\n\r\n")
                time.sleep(0.3)
                taken_up = time.monotonic()
                stamp = arrival(conn)
                assert stamp is not None
                assert before - 0.05 <= stamp <= taken_up - 0.25
                assert conn.recv(100).startswith(b"GET / ")   # only looked at: nothing was read off
