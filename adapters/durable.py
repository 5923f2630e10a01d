"""Durable files for the mock state: an append-only write log and atomic replacement.

Every acknowledged write is one JSON line appended to `STATE.log` and fsynced before
the write returns, so the journal (which records a write only after it returned)
never claims more than the state holds. Closing compacts: the whole state is written
to a temporary file in the same folder, fsynced and renamed over the state file, and
the log is removed. A log names the generation of the state file it continues, so a
crash between the rename and the removal never replays a log twice.

A failed write (a full disk, a read-only folder) is one `StateError`; the log is cut
back to where it was and no temporary file is left, so the state stays as it was.
Paths are resolved first: a state file that is a symlink stays one and the file it
points at gets the writes.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crmdeploy.errors import StateError

# The system calls, as module attributes, so a test can make them fail as a full disk would.
_write = os.write
_fsync = os.fsync


class StorageError(StateError):
    """The state could not be written: the write was not made, and nothing after it may be."""

    fatal = True


def real(path: Path) -> Path:
    """The file a state path stands for: symlinks followed, so the link itself is kept."""
    return Path(os.path.realpath(path))


def log_path(path: Path) -> Path:
    return path.with_name(path.name + ".log")


def _failure(path: Path, what: str, exc: OSError) -> StorageError:
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
    return StorageError(f"{path}: cannot {what} ({reason}); the state file is unchanged and "
                        "nothing after the last write that succeeded was made")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[_write(fd, view):]


def _sync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable (not possible on every platform)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        _fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class WriteLog:
    """The append-only log of writes made since the state file was last compacted."""

    def __init__(self, state: Path, generation: int):
        self.path = log_path(state)
        self.generation = generation
        self._fd: int | None = None

    def append(self, entry: dict[str, Any]) -> None:
        """Append one entry and fsync it; on failure the log is cut back and StorageError raised."""
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
        fd = self._open()
        size = os.lseek(fd, 0, os.SEEK_END)
        try:
            _write_all(fd, line)
            _fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, size)
            except OSError:
                pass
            raise _failure(self.path, "record a write", exc) from None

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = self._prepare()
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise _failure(self.path, "record a write", exc) from None
        self._fd = fd
        if fresh:
            try:
                self.append({"generation": self.generation})
            except StorageError:
                self.remove()
                raise
            _sync_folder(self.path.parent)
        return fd

    def _prepare(self) -> bool:
        """Make an existing log ready to take more lines; True when it needs its first line.

        A last line a dead process left half written is cut off; a log of an older generation
        (compacted already, left by a crash before its removal) is emptied."""
        try:
            with self.path.open("rb+") as log:
                data = log.read()
                first = data.split(b"\n", 1)[0]
                try:
                    current = json.loads(first).get("generation") == self.generation
                except (ValueError, AttributeError):
                    current = False
                end = data.rfind(b"\n") + 1 if current else 0
                if end != len(data):
                    log.truncate(end)
                return end == 0
        except FileNotFoundError:
            return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def replay(state: Path, generation: int) -> Iterator[dict[str, Any]]:
    """The entries of the log that continues `state` at `generation` (none if it is stale).

    The last line may be torn (the process died while writing it): that write was never
    acknowledged, so it is dropped. Any other damage is a StateError."""
    path = log_path(state)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateError(f"{path}: cannot read the write log ({exc.strerror})") from None
    lines = data.split(b"\n")
    complete = lines[:-1]  # whatever follows the last newline was never finished
    entries = []
    for number, line in enumerate(complete, 1):
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            raise StateError(f"{path}:{number}: a damaged write-log line; the log continues "
                             f"{state.name} and cannot be read past it") from None
        if not isinstance(entry, dict):
            raise StateError(f"{path}:{number}: not a write-log entry")
        entries.append(entry)
    if not entries or entries[0].get("generation") != generation:
        return  # compacted into the state file already (a crash before the log was removed)
    yield from entries[1:]


def replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically and durably: temp file, fsync, rename, fsync folder."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}-", suffix=".tmp")
    except OSError as exc:
        raise _failure(path, "save the state", exc) from None
    try:
        try:
            _write_all(fd, text.encode("utf-8"))
            _fsync(fd)
        finally:
            os.close(fd)
        _keep_mode(path, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _failure(path, "save the state", exc) from None
    _sync_folder(folder)


def _keep_mode(path: Path, tmp: str) -> None:
    try:
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    except FileNotFoundError:
        pass
