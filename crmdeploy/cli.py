"""The `crmdeploy` command line.

This is the one place that turns errors into messages and exit codes; the
commands are thin: parse options, call one use case, render. Heavy modules are
imported inside the commands so `crmdeploy --help` starts fast.
"""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import EXIT_CHANGES, EXIT_ERROR, AbortedError, CrmdeployError, SpecError

app = typer.Typer(
    help="CRM configuration as code: validate a YAML spec, plan it against a CRM, apply it.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals could hold an API key
    add_completion=False,
    rich_markup_mode=None,
)
err = logging.getLogger("crmdeploy")


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


@contextmanager
def guard(fmt: Format = Format.text) -> Iterator[None]:
    """Turn a CrmdeployError into one clear message and its exit code."""
    try:
        yield
    except CrmdeployError as exc:
        if fmt is Format.json:
            problems = [str(p) for p in exc.problems] if isinstance(exc, SpecError) else [str(exc)]
            typer.echo(json.dumps({"error": {"type": type(exc).__name__, "messages": problems}},
                                  ensure_ascii=False, indent=2))
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        raise typer.Exit(130) from None


def _target(target: str | None) -> str:
    from .registry import DEFAULT_TARGET

    if target:
        return target
    typer.echo(f"Target: {DEFAULT_TARGET} (the default; choose another with --target "
               "or CRMDEPLOY_TARGET)", err=True)
    return DEFAULT_TARGET


def _color() -> bool:
    return sys.stdout.isatty()


@app.callback()
def main_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="Log to stderr; -vv for debug detail.")] = 0,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s: %(message)s")


@app.command()
def validate(
    spec: SpecArg,
    strict: Annotated[bool, typer.Option("--strict", help="Treat lint warnings as errors (exit 1).")] = False,
) -> None:
    """Check a spec: YAML syntax, field names and types, duplicate keys and references.

    Exits 0 when the spec is valid, 1 with one line per problem (file:line:column: field: what)
    when it is not. Lint warnings (e.g. a template no trigger sends) go to stderr; --strict makes
    them errors. Reads no CRM and needs no secrets.
    """
    from .lint import lint, strict_error
    from .loader import load

    with guard():
        loaded = load(spec)
        warnings = lint(loaded)
        if warnings and strict:
            raise strict_error(warnings)
        for warning in warnings:
            typer.echo(f"Warning: {warning}", err=True)
        total = sum(len(loaded.spec.resources(k)) for k in _kind_names())
        noted = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
        typer.echo(f"{spec}: valid ({total} resources{noted})")


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


def _options(prune: bool, only: list[str] | None, exclude: list[str] | None):  # -> deploy.Options
    from .deploy import Options

    return Options(prune, tuple(only or ()), tuple(exclude or ()))


@app.command()
def plan(
    spec: SpecArg, target: TargetOpt = None, fmt: FormatOpt = Format.text,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default=False,
        help="Save the plan to this file; `crmdeploy apply FILE` applies exactly it, "
             "or refuses if the CRM has changed since.")] = None,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 when there are no changes, 2 when there are, 1 on error.")] = False,
    prune: PruneOpt = False, only: OnlyOpt = None, exclude: ExcludeOpt = None, force: ForceOpt = False,
    api_key_file: ApiKeyFileOpt = None, insecure: InsecureOpt = False, parallelism: ParallelismOpt = None,
) -> None:
    """Show what apply would change: every create, update and deactivation, field by field.

    Reads the live CRM through the target's adapter and writes nothing to it. Exits 3 when the plan
    changes too much of one kind at once (see --force).
    """
    from .deploy import plan_spec, save_plan
    from .loader import load
    from .registry import open_target
    from .render import RENDERERS

    options = _options(prune, only, exclude)
    with guard(fmt):
        loaded = load(spec)
        adapter = open_target(_target(target), api_key_file=api_key_file, insecure=insecure,
                              parallelism=parallelism)
        try:
            planned = plan_spec(loaded, adapter, options)
        finally:
            adapter.close()
        typer.echo(RENDERERS[fmt.value](planned.plan, color=_color()), nl=False)
    with guard():  # the plan is on stdout already; what follows reports on stderr only
        planned.enforce_safety(force=force)
        if out is not None:
            save_plan(out, planned, options)
            typer.echo(f"Saved the plan to {out}; apply exactly it with: crmdeploy apply {out}", err=True)
    if detailed_exitcode and planned.plan.has_changes:
        raise typer.Exit(EXIT_CHANGES)


@app.command()
def apply(
    spec: Annotated[Path, typer.Argument(
        help="A spec (file or folder), or a plan saved by `plan --out`.", show_default=False)],
    target: TargetOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking for confirmation.")] = False,
    prune: PruneOpt = False, only: OnlyOpt = None, exclude: ExcludeOpt = None, force: ForceOpt = False,
    force_unlock: Annotated[bool, typer.Option(
        "--force-unlock", help="Clear the target's lock left by an apply that is no longer running.")] = False,
    journal: Annotated[Optional[Path], typer.Option(
        "--journal", envvar="CRMDEPLOY_JOURNAL", show_default=False,
        help="JSONL file every write is appended to. Default: .crmdeploy/journal.jsonl.")] = None,
    api_key_file: ApiKeyFileOpt = None, insecure: InsecureOpt = False, parallelism: ParallelismOpt = None,
) -> None:
    """Make the changes the plan shows, in dependency order; one apply at a time per target.

    Prints the plan, asks for confirmation (unless --yes), saves a snapshot of the live configuration,
    applies, and reports what was applied, what failed (with the CRM's own words) and what was
    skipped. Exits 1 if anything failed (running it again converges), 3 if a safety check or a stale
    saved plan refused it.
    """
    from .deploy import apply_source, execute, session, take_snapshot
    from .progress import bar
    from .render import plan_text, report_text
    from .statedir import JOURNAL

    with guard():
        source = apply_source(spec, _options(prune, only, exclude))
        with session(source.target(target) or _target(None), force_unlock=force_unlock,
                     api_key_file=api_key_file, insecure=insecure, parallelism=parallelism) as adapter:
            planned = source.plan(adapter)
            typer.echo(plan_text(planned.plan, color=_color()), nl=False)
            planned.enforce_safety(force=force)
            if not planned.plan.has_changes:
                return
            _confirm(planned.plan.target, yes)
            shot = take_snapshot(planned)
            typer.echo(f"Snapshot of the live configuration: {shot} (to see the way back: "
                       f"crmdeploy plan {shot} --target {planned.plan.target})", err=True)
            with bar(planned.steps) as tick:
                report = execute(planned, adapter, journal=journal or JOURNAL, progress=tick)
        typer.echo(report_text(report), nl=False)
        if not report.ok:
            raise typer.Exit(EXIT_ERROR)


def _confirm(target: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise AbortedError("not on a terminal, so apply cannot ask for confirmation; pass --yes to apply")
    if not typer.confirm(f"Apply these changes to {target}?"):
        raise AbortedError("apply cancelled; nothing was changed")


def _kind_names() -> list[str]:
    from .kinds import KINDS

    return [k.name for k in KINDS]


def main() -> None:
    _stop_on_sigterm()
    try:
        app(prog_name="crmdeploy")
    finally:
        # The process ends here: spare the collection at interpreter exit a scan of every object
        # a large spec and its live read left behind (0.1 s at 10,000 resources).
        gc.freeze()


def _stop_on_sigterm() -> None:
    """SIGTERM (a cancelled CI job, `timeout`, a service stop) ends a command like Ctrl-C does:
    the lock is released on the way out instead of being left behind as a stale one."""
    import signal

    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# Commands of other areas live in their own modules and register themselves on `app`.
from . import cli_extra  # noqa: E402,F401
