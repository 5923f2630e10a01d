"""The `crmdeploy` command line: the entry point that registers the commands of `crmdeploy.commands`.

Each command lives in its own module there (shared options and the one error boundary in
`commands/_common.py`); this module only builds the app, its global options and the exit-code
rules. Heavy modules are imported inside the commands, so `crmdeploy --help` starts fast, and a
command's options are built only when that command runs (`COMMANDS`): typer reads every
parameter's type hints to build them, a cost each run would otherwise pay for all twelve.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Annotated, Any, Optional

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from . import __version__
from . import quickexit
from .commands._common import Command, Output, set_output
from .errors import EXIT_USAGE, exit_code_table

# Every command, in the order `crmdeploy --help` lists them: its name -> (module of
# crmdeploy.commands, the function or sub-app there, the first paragraph of its help). The
# summary is what `--help` shows without importing the module; a test keeps it equal to the
# docstring (or the sub-app's help).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("validate", "validate",
                 "Check a spec: YAML syntax, field names and types, duplicate keys and references."),
    "plan": ("plan", "plan",
             "Show what apply would change: every create, update and deactivation, field by field."),
    "apply": ("apply", "apply",
              "Make the changes the plan shows, in dependency order; one apply at a time per target."),
    "done": ("done", "done",
             "Record manual steps as done in crmdeploy.manual.yaml beside the spec (commit that file)."),
    "compare": ("compare", "compare",
                "Show how account B differs from account A, kind by kind and field by field; no spec needed."),
    "export": ("export", "export",
               "Write the live CRM's configuration as a spec: every kind the target can read."),
    "schema": ("schema", "schema",
               "Print the JSON Schema of a spec, for editors (YAML language server) and CI checks."),
    "graph": ("graph", "graph",
              "Draw the order pipeline: status groups as lanes, statuses in order, triggers as arrows\n"
              "to the templates they send and the tasks they create."),
    "cms-mapping": ("cms_mapping", "cms_mapping",
                    "Print the CMS mapping table (CSV): order statuses, payment statuses, payment and delivery\n"
                    "types with their counterparts in the shop's CMS (the spec's cms_status / cms_type)."),
    "mock-server": ("mock_server", "mock_server",
                    "Run a retailCRM-compatible API v5 server (the emulator) for trying crmdeploy and for tests."),
    "xlsx": ("xlsx", "app", "The ТЗ workbook: a spec as an Excel file and back."),
}

# click's UsageError (typer vendors click in newer releases, so it is found through a public class).
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _target(name: str) -> Any:
    """The function (or the sub-app) of command `name`: its module is imported here."""
    module, attribute, _ = COMMANDS[name]
    return getattr(importlib.import_module(f"{__package__}.commands.{module}"), attribute)


def _build(name: str) -> Any:
    """The click command of `name`, made by typer exactly as registering it on `app` would make it."""
    target = _target(name)
    one = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_show_locals=False)
    if isinstance(target, typer.Typer):   # a group of its own (`xlsx`)
        one.add_typer(target, name=name)
        return typer.main.get_command(one).commands[name]
    one.command(name, cls=Command)(target)
    return typer.main.get_command(one)


def _summary(name: str) -> str:
    """What the command's help says first, without importing its module."""
    return COMMANDS[name][2]


class LazyCommands(MutableMapping):
    """The group's `commands`: every name known at once, each command built on first use."""

    def __init__(self, build: Callable[[str], Any]):
        self._build = build
        self._built: dict[str, Any] = {}
        self._names = list(COMMANDS)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class Group(TyperGroup):
    """The top-level group: a usage error (unknown option, missing argument) exits 64, not click's 2,
    which `--detailed-exitcode` gives the meaning "changes pending". Its commands are built when
    used (`LazyCommands`); its help lists them from their docstrings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registered = dict(self.commands)
        self.commands = LazyCommands(_build)
        self.commands.update(registered)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        built = self.commands
        stand_ins = {name: built._built.get(name) or TyperCommand(name, help=_summary(name)) for name in built}
        self.commands = stand_ins
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.commands = built

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
    import logging   # here: `--help` has no use for it

    set_output(Output(quiet=quiet))
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s: %(message)s")




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
