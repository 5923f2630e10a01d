"""Registers the commands that live outside cli.py (one import per area module)."""
from . import cli_server  # noqa: F401  (mock-server)
from . import cli_onboard  # noqa: F401  (export, xlsx, schema, graph)
