"""Registers the commands that live outside cli.py (one import per area module)."""

from . import cli_onboard  # noqa: F401,E402  export, xlsx, schema, graph
