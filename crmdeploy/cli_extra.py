"""Registers the commands that live outside cli.py (one import per area module)."""
