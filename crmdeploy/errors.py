"""Every error crmdeploy raises on purpose, and the exit code each one means.

The CLI is the only place that turns these into messages; adapters raise them
so the CLI never has to import an adapter to understand a failure.
"""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes: the one table, printed by `crmdeploy --help` and in the README.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2       # plan/apply --detailed-exitcode: writes pending
EXIT_REFUSED = 3
EXIT_MANUAL = 4        # plan/apply --detailed-exitcode: only manual steps pending
EXIT_USAGE = 64        # EX_USAGE of sysexits.h: an unknown flag, a missing argument
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT)

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "done (with --detailed-exitcode: nothing to change)",
    EXIT_ERROR: "error (invalid spec, the CRM refused a write, ...)",
    EXIT_CHANGES: "with --detailed-exitcode: changes to write",
    EXIT_REFUSED: "refused: a safety threshold, a stale saved plan",
    EXIT_MANUAL: "with --detailed-exitcode: only manual steps pending",
    EXIT_USAGE: "usage error: an unknown option, a missing argument",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, SIGTERM)",
}


def exit_code_table() -> str:
    """The exit codes as aligned lines, for `--help` and the README."""
    return "\n".join(f"{code:>5}  {meaning}" for code, meaning in EXIT_CODES.items())


class CrmdeployError(Exception):
    """Base of all user-facing errors: the message is what the user reads."""

    exit_code = EXIT_ERROR


@dataclass(frozen=True)
class Location:
    """Where a value came from in a spec file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where, which field, and what."""

    location: Location | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class SpecError(CrmdeployError):
    """The spec cannot be used; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TargetError(CrmdeployError):
    """The target URL is malformed or names an unknown adapter."""


class AdapterError(CrmdeployError):
    """The CRM answered with an error, in the API's own words."""

    def __init__(self, message: str, *, resource: str = "", status: int | None = None):
        self.resource = resource
        self.status = status
        prefix = f"{resource}: " if resource else ""
        code = f"{status} " if status is not None else ""
        super().__init__(f"{prefix}{code}{message}")


class AuthError(AdapterError):
    """The API key was refused (missing, wrong, or without permission)."""


class TransientError(AdapterError):
    """A failure worth retrying: rate limit, 5xx, timeout, connection reset."""

    def __init__(self, message: str, *, resource: str = "", status: int | None = None,
                 retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message, resource=resource, status=status)


class UnreachableError(AdapterError):
    """The host could not be reached at all."""


class MalformedAnswer(AdapterError):
    """The server answered, but not as the API promises (not JSON, wrong shape, too large, a
    redirect). It carries no status, so nothing reads it as "not found"; it is never retried."""


class StateError(CrmdeployError):
    """The mock state file is unreadable or of an unknown version."""


class JournalError(CrmdeployError):
    """The journal file cannot be written (checked before the first write of an apply)."""


class AbortedError(CrmdeployError):
    """The user declined the confirmation, or apply could not ask for one."""


class SelectionError(CrmdeployError):
    """--only / --exclude name an unknown kind, or leave out a change a kept one needs."""


class LockError(CrmdeployError):
    """Another apply holds the target's lock, or a stale lock is in the way."""


class SavedPlanError(CrmdeployError):
    """A saved plan file is unreadable, damaged, or cannot be applied as it is."""


class RefusedError(CrmdeployError):
    """A safety check refused the plan, or a saved plan is stale (exit code 3)."""

    exit_code = EXIT_REFUSED


class Interrupted(CrmdeployError):
    """A run stopped on request (Ctrl-C or SIGTERM to a run of several targets): exit code 130."""

    exit_code = EXIT_INTERRUPTED


class UsageError(CrmdeployError):
    """The command line itself is wrong (conflicting or malformed options): exit code 64."""

    exit_code = EXIT_USAGE
