"""What the commands share: option types (Annotated aliases), the error boundary, output helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand

from ..errors import EXIT_INTERRUPTED, AbortedError, CrmdeployError, SpecError
from ..gcpause import end_startup


class Command(TyperCommand):
    """Every crmdeploy command: when it starts, start-up is over (`gcpause.end_startup`)."""

    def invoke(self, ctx: Any) -> Any:
        end_startup()
        return super().invoke(ctx)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


SpecArg = Annotated[Path, typer.Argument(help="A spec file, or a folder of *.yaml files merged.",
                                         show_default=False)]
TargetOpt = Annotated[Optional[str], typer.Option(
    "--target", "-t", envvar="CRMDEPLOY_TARGET", show_default=False,
    help="Where to deploy: mock:// (in memory), mock://PATH (JSON file), https://ACCOUNT.retailcrm.ru. "
         "Default: mock://.crmdeploy/mock.json.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ApiKeyFileOpt = Annotated[Optional[Path], typer.Option(
    "--api-key-file", envvar="CRMDEPLOY_API_KEY_FILE", show_default=False,
    help="File holding the retailCRM API key (default: the CRMDEPLOY_API_KEY variable). "
         "Never put the key itself on the command line.")]
InsecureOpt = Annotated[bool, typer.Option(
    "--insecure", envvar="CRMDEPLOY_INSECURE",
    help="Do not verify the server's TLS certificate (a test server with a self-signed one). "
         "Says so on stderr every time: the API key could be intercepted.")]
ParallelismOpt = Annotated[Optional[int], typer.Option(
    "--parallelism", min=1, show_default=False,
    help="Requests in flight at once against an HTTP target: apply's writes within a dependency level, "
         "plan's reads of different kinds (default: $CRMDEPLOY_PARALLELISM, else 8; the rate limit "
         "still sets the pace). The mock target works one at a time.")]
PruneOpt = Annotated[bool, typer.Option(
    "--prune", help="Deactivate (active: false) what is in the CRM but not in the spec, for kinds that "
                    "have `active`. Nothing is ever deleted.")]
OnlyOpt = Annotated[Optional[list[str]], typer.Option(
    "--only", metavar="KIND[.KEY]", show_default=False,
    help="Keep only changes to this kind or resource (repeatable).")]
ExcludeOpt = Annotated[Optional[list[str]], typer.Option(
    "--exclude", metavar="KIND[.KEY]", show_default=False,
    help="Leave out changes to this kind or resource (repeatable).")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Go ahead although the plan updates or deactivates more of a kind than the safety "
                    "threshold allows (spec `safety:`; default 30 % of kinds with 10 or more).")]
OutOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", show_default=False,
    help="A .yaml/.yml file, or a folder that gets one file per ТЗ area. Default: stdout.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", "--force",
                                            help="Replace files that already exist (--force: the old name).")]


@dataclass(frozen=True)
class Output:
    """How this invocation talks: set once by the global options (`-q`), read by the commands."""

    quiet: bool = False


_output: ContextVar[Output] = ContextVar("crmdeploy_output", default=Output())


def set_output(output: Output) -> None:
    _output.set(output)


def note(message: str) -> None:
    """An informational line on stderr (the default target, where a file went); -q drops it.
    Warnings and errors are never dropped."""
    if not _output.get().quiet:
        typer.echo(message, err=True)


def progress_on() -> bool:
    return not _output.get().quiet


@contextmanager
def reading() -> Iterator[Any]:
    """Progress of reading the live CRM, one step per kind (a bar on a terminal; -q: none)."""
    from ..kinds import KINDS
    from ..progress import meter

    with meter("Reading", len(KINDS), enabled=progress_on()) as step:
        yield step


@contextmanager
def guard(fmt: Format = Format.text) -> Iterator[None]:
    """The one error boundary: a CrmdeployError becomes one clear message and its exit code."""
    try:
        yield
    except CrmdeployError as exc:
        if fmt is Format.json:
            problems = [str(p) for p in exc.problems] if isinstance(exc, SpecError) else [str(exc)]
            import json

            typer.echo(json.dumps({"error": {"type": type(exc).__name__, "messages": problems}},
                                  ensure_ascii=False, indent=2))
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def target_or_default(target: str | None) -> str:
    """The target given, else the default one, saying so on stderr."""
    from ..registry import DEFAULT_TARGET

    if target:
        return target
    note(f"Target: {DEFAULT_TARGET} (the default; choose another with --target or CRMDEPLOY_TARGET)")
    return DEFAULT_TARGET


def color() -> bool:
    """Colour on stdout: only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def deploy_options(prune: bool, only: list[str] | None, exclude: list[str] | None) -> Any:  # run.Options
    from ..run import Options

    return Options(prune, tuple(only or ()), tuple(exclude or ()))


def confirm(target: str, yes: bool, *, err: bool = False) -> None:
    """Ask before writing; `err` puts the question on stderr (stdout holds JSON)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise AbortedError("not on a terminal, so apply cannot ask for confirmation; pass --yes to apply")
    if not typer.confirm(f"Apply these changes to {target}?", err=err):
        raise AbortedError("apply cancelled; nothing was changed")


def total_resources(spec: Any) -> int:
    from ..kinds import KINDS

    return sum(len(spec.resources(k.name)) for k in KINDS)


def write_spec(spec: object, output: Path | None, header: str, force: bool) -> str:
    """Print the spec, or write it to `output`; returns what was written, for the summary."""
    from ..specfile import outputs, render, strays, write_files

    if output is None:
        typer.echo(render(spec, header=header), nl=False)
        return "stdout"
    files = outputs(spec, output, header)
    write_files(files, force=force)
    if output.is_dir() and (others := strays(files)):  # a warning: kept under -q
        typer.echo(f"Warning: {output} also holds {', '.join(p.name for p in others)}; "
                   "plan and apply will merge them with this spec", err=True)
    return f"{output} ({len(files)} file{'s' if len(files) != 1 else ''})"
