"""A retailCRM-compatible API v5 server on this machine, over the mock adapter's Store.

Real v5 paths, form-encoded JSON writes, the real envelope and status codes,
both auth styles, the per-second limit answered 503, fault injection, and the
extension endpoints for kinds the real API cannot write (design.md, "One
retailCRM-style API"). Started by `crmdeploy mock-server` or, in tests, with
`running(Emulator(Store(), Settings(api_key=...)))`.
"""

from .app import Emulator, Reply, Request, Settings
from .server import EmulatorServer, running, serve

__all__ = ["Emulator", "EmulatorServer", "Reply", "Request", "Settings", "running", "serve"]
