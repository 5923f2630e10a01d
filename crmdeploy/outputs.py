"""Files the commands write (`plan --out`, `graph -o`, `export -o`, `xlsx export|import -o`):
never over the input spec, never over an existing file unless asked (`--overwrite`; export's and
xlsx's `--force` is its old name), and written whole or not at all (temp file + rename)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import CrmdeployError

SPEC_SUFFIXES = (".yaml", ".yml")


def refuse_overwrite(path: Path, *, overwrite: bool, inputs: Iterable[Path | None] = (),
                     flag: str = "--overwrite") -> None:
    """Refuse to write `path` over an input (ever) or over an existing file (unless `overwrite`)."""
    target = Path(os.path.realpath(path))
    for given in inputs:
        if given is None:
            continue
        source = Path(os.path.realpath(given))
        if target == source:
            raise CrmdeployError(f"{path} is the input {given}; refusing to write over it (choose another file)")
        if source.is_dir() and source in target.parents and target.suffix.lower() in SPEC_SUFFIXES:
            raise CrmdeployError(f"{path} is inside the input spec folder {given}, where it would become part "
                                 "of the spec; choose a file elsewhere")
    if path.is_dir():
        raise CrmdeployError(f"{path} is a folder; name a file")
    if path.exists() and not overwrite:
        raise CrmdeployError(f"{path} already exists; pass {flag} to replace it")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a temp file beside it, fsynced, renamed."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}-", suffix=".tmp")
    except OSError as exc:
        raise CrmdeployError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CrmdeployError(f"{path}: cannot write ({exc.strerror or exc})") from None
