"""`crmdeploy mock-server` in its own process, as a user runs it: shared by the HTTP benchmarks."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

KEY = "bench-key"
ROOT = Path(__file__).resolve().parent.parent


def start_server(launcher: list[str], rate: float, latency_ms: int, *, state: Path | None = None,
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start the emulator (with the extension surface) through `launcher`; the process and its URL."""
    command = [*launcher, "mock-server", "--port", "0", "--api-key", KEY, "--rate-limit", f"{rate:g}",
               "--latency-ms", str(latency_ms), "--extensions"]
    if state is not None:
        command += ["--state", str(state)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline() if server.stdout else ""
    url = next((w for w in line.split() if w.startswith("http://")), None)
    if url is None:
        server.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return server, url


def server_stats(url: str) -> dict:
    request = urllib.request.Request(f"{url}/api/emulator/stats", headers={"X-API-KEY": KEY})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)
