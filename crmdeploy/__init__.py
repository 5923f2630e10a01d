"""crmdeploy: CRM configuration as code."""

import sys

__version__ = "0.1.0"
REQUIRES_PYTHON = (3, 11)  # also `requires-python` in pyproject.toml


def require_python(version_info=sys.version_info):
    """Stop with one line on an older interpreter (this module parses on any Python 3)."""
    if tuple(version_info[:2]) < REQUIRES_PYTHON:
        need = "%d.%d" % REQUIRES_PYTHON
        raise SystemExit("crmdeploy needs Python %s or newer; this is Python %d.%d. Make the venv with a "
                         "newer one, e.g.: python%s -m venv .venv" % (need, version_info[0], version_info[1], need))


require_python()
