"""One apply at a time per target: a lock file that names its holder.

The file appears atomically with its content (written aside, then hard-linked
into place), so another process never reads half a holder. A second apply
fails at once, naming the holder; a lock left by a process that died on this
host is reported as stale, and `--force-unlock` clears it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import LockError
from .statedir import LOCK_DIR, now, target_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started: str
    target: str
    token: str = ""

    @classmethod
    def me(cls, target: str) -> Holder:
        return cls(os.getpid(), socket.gethostname(), now(), target, secrets.token_hex(8))

    def __str__(self) -> str:
        return f"pid {self.pid} on host {self.host}, started {self.started}"

    @property
    def local(self) -> bool:
        return self.host == socket.gethostname()

    @property
    def stale(self) -> bool:
        """Known dead: a process of this host that no longer runs (other hosts cannot be checked)."""
        return self.local and not pid_alive(self.pid)


def pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate the process there; assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is just someone else's
        return True
    return True


def lock_path(target: str, directory: Path = LOCK_DIR) -> Path:
    return directory / f"{target_id(target)}.lock"


def read_holder(path: Path) -> Holder | None:
    """The holder written in `path`; None when the file is gone or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(**{k: data[k] for k in ("pid", "host", "started", "target")}, token=data.get("token", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _try_create(path: Path, holder: Holder) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f"{path.name}.{holder.pid}.{holder.token}.tmp")
    aside.write_text(json.dumps(asdict(holder), ensure_ascii=False), encoding="utf-8")
    try:
        os.link(aside, path)  # atomic, and fails when the lock exists
        return True
    except FileExistsError:
        return False
    finally:
        aside.unlink(missing_ok=True)


def _refusal(path: Path, holder: Holder | None) -> LockError:
    if holder is None:
        return LockError(f"lock file {path} is damaged or being written; "
                         "if no other apply is running, run again with --force-unlock")
    if holder.stale:
        return LockError(f"stale lock on {holder.target}: {holder} is no longer running; "
                         f"run again with --force-unlock to clear it ({path})")
    return LockError(f"another apply to {holder.target} is running: {holder}; "
                     f"wait for it to finish (lock file {path})")


def _clear(path: Path, holder: Holder | None) -> None:
    if holder is not None and holder.local and pid_alive(holder.pid):
        raise LockError(f"not clearing the lock: {holder} is still running; stop it first")
    path.unlink(missing_ok=True)
    log.warning("cleared the lock of %s (%s)", holder or "an unknown holder", path)


def acquire(target: str, *, force_unlock: bool = False, directory: Path = LOCK_DIR,
            path: Path | None = None) -> Holder:
    """Take the lock of `target` (the name it is shown by) in `path`, else in `directory`."""
    path, me = path or lock_path(target, directory), Holder.me(target)
    if _try_create(path, me):
        return me
    holder = read_holder(path)
    if not force_unlock:
        raise _refusal(path, holder)
    _clear(path, holder)
    if not _try_create(path, me):  # someone else took it between our clear and create
        raise _refusal(path, read_holder(path))
    return me


def release(me: Holder, directory: Path = LOCK_DIR, path: Path | None = None) -> None:
    """Remove the lock only if it is still ours (a --force-unlock may have taken it)."""
    path = path or lock_path(me.target, directory)
    holder = read_holder(path)
    if holder is not None and holder.token == me.token:
        with suppress(FileNotFoundError):
            path.unlink()


@contextmanager
def hold(target: str, *, force_unlock: bool = False, directory: Path = LOCK_DIR,
         path: Path | None = None) -> Iterator[Holder]:
    me = acquire(target, force_unlock=force_unlock, directory=directory, path=path)
    try:
        yield me
    finally:
        release(me, directory, path)
