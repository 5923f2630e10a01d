"""`crmdeploy mock-server`: a retailCRM-compatible API v5 on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import TargetError
from ._common import guard


def mock_server(
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but loopback exposes it "
                                           "to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.", min=0,
                                      max=65535)] = 8765,
    state: Annotated[Optional[Path], typer.Option(
        help="Keep the CRM in this JSON file (the format of mock://PATH, so either can read it). "
             "Default: in memory.", show_default=False)] = None,
    api_key: Annotated[Optional[str], typer.Option(
        "--api-key", envvar="CRMDEPLOY_API_KEY", show_default=False,
        help="The key clients must send (X-API-KEY header or apiKey parameter).")] = None,
    rate_limit: Annotated[float, typer.Option(help="Requests per second before answering 503; 0: no "
                                                   "limit.", min=0.0)] = 10.0,
    fail_rate: Annotated[float, typer.Option(help="Share of requests that fail: half 503 before "
                                                  "handling, half 500 after it.", min=0.0, max=1.0)] = 0.0,
    drop_rate: Annotated[float, typer.Option(help="Share of connections closed without an answer "
                                                  "(half before, half after handling).", min=0.0, max=1.0)] = 0.0,
    stall_rate: Annotated[float, typer.Option(help="Share of requests held for --stall-ms.", min=0.0,
                                              max=1.0)] = 0.0,
    stall_ms: Annotated[int, typer.Option(help="How long a stalled request is held.", min=0)] = 2000,
    latency_ms: Annotated[int, typer.Option(help="Delay added to every request.", min=0)] = 0,
    seed: Annotated[Optional[int], typer.Option(help="Seed for the faults, to repeat a run exactly.",
                                                show_default=False)] = None,
    extensions: Annotated[bool, typer.Option(help="Also serve crmdeploy's extension endpoints (status groups, "
                                                  "users, user groups, templates, triggers, integration "
                                                  "settings, required_at, permissions). Without it the "
                                                  "emulator serves exactly what a real account serves.")] = False,
) -> None:
    """Run a retailCRM-compatible API v5 server (the emulator) for trying crmdeploy and for tests.

    Point crmdeploy at the URL it prints, with the same key in CRMDEPLOY_API_KEY:
    crmdeploy plan specs/shop.yaml --target http://127.0.0.1:8765. Stop it with Ctrl-C.
    """
    from adapters.emulator import Emulator, Settings, serve
    from adapters.store import Store

    with guard():
        if not api_key:
            raise TargetError("the emulator needs a key for clients to send: set CRMDEPLOY_API_KEY "
                              "or pass --api-key")
        if host not in ("127.0.0.1", "::1", "localhost"):
            typer.echo(f"Warning: listening on {host} makes the emulator reachable from other machines.",
                       err=True)
        settings = Settings(api_key=api_key, rate_limit=rate_limit, fail_rate=fail_rate, drop_rate=drop_rate,
                            stall_rate=stall_rate, stall_ms=stall_ms, latency_ms=latency_ms, seed=seed,
                            extensions=extensions)
        try:
            serve(Emulator(Store(state), settings), host, port)
        except OSError as exc:
            raise TargetError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
