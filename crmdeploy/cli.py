"""The `crmdeploy` command line: the entry point that registers the commands of `crmdeploy.commands`.

Each command lives in its own module there (shared options and the one error boundary in
`commands/_common.py`); this module only builds the app, its global options and the exit-code
rules. Heavy modules are imported inside the commands, so `crmdeploy --help` starts fast.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .commands import apply, cms_mapping, compare, done, export, graph, mock_server, plan, schema, validate, xlsx
from . import quickexit
from .commands._common import Output, set_output
from .errors import EXIT_USAGE, exit_code_table

# click's UsageError (typer vendors click in newer releases, so it is found through a public class).
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class Group(TyperGroup):
    """The top-level group: a usage error (unknown option, missing argument) exits 64, not click's 2,
    which `--detailed-exitcode` gives the meaning "changes pending"."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _usage_exit():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _usage_exit():
            return super().invoke(ctx)


@contextmanager
def _usage_exit() -> Iterator[None]:
    try:
        yield
    except UsageError as exc:
        exc.exit_code = EXIT_USAGE
        raise


EPILOG = "\b\nExit codes:\n" + exit_code_table()

app = typer.Typer(
    cls=Group,
    epilog=EPILOG,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals could hold an API key
    add_completion=True,   # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode=None,
)


def _show_version(asked: bool) -> None:
    if asked:
        typer.echo(f"crmdeploy {__version__} (Python {sys.version.split()[0]})")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="Log to stderr; -vv for debug detail.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no informational lines on "
                                        "stderr; warnings, errors and the output itself stay.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_show_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """CRM configuration as code: validate a YAML spec, plan it against a CRM, apply it.

    Colour only on a terminal, and never with NO_COLOR set.
    """
    set_output(Output(quiet=quiet))
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s: %(message)s")


app.command()(validate.validate)
app.command()(plan.plan)
app.command()(apply.apply)
app.command()(done.done)
app.command()(compare.compare)
app.command()(export.export)
app.command()(schema.schema)
app.command()(graph.graph)
app.command("cms-mapping")(cms_mapping.cms_mapping)
app.add_typer(xlsx.app, name="xlsx")
app.command("mock-server")(mock_server.mock_server)


def main() -> None:
    _stop_on_sigterm()
    process = _own_process()
    if process:
        quickexit.arm()
    try:
        app(prog_name="crmdeploy")
    except SystemExit as exc:
        if not process:
            raise
        code = quickexit.exit_code(exc.code)
    finally:
        # The process ends here: spare the collection at interpreter exit a scan of every object
        # a large spec and its live read left behind (0.1 s at 10,000 resources).
        gc.freeze()
    quickexit.exit_now(code)  # without freeing them one by one either (see quickexit)


def _own_process() -> bool:
    """Whether this process is `crmdeploy` itself (`python -m crmdeploy` or the installed script),
    rather than a program or a test that calls `main()`."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    name = main_file.replace("\\", "/").rsplit("/", 1)[-1]
    return name in ("crmdeploy", "crmdeploy.exe") or main_file.endswith(("crmdeploy/__main__.py",
                                                                           "crmdeploy\\__main__.py"))


def _stop_on_sigterm() -> None:
    """SIGTERM (a cancelled CI job, `timeout`, a service stop) ends a command like Ctrl-C does:
    the lock is released on the way out instead of being left behind as a stale one."""
    import signal

    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
