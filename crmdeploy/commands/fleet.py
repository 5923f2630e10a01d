"""Project targets on the command line: `-t NAME`, `--all`, `--targets a,b`, `--var`, `apply DIR`.

`plan`, `apply` and `validate` call in here when the project file is involved; each function is
the thin command part (options → one use case → render), the use cases are in `crmdeploy.targets`
and `crmdeploy.fleet`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import EXIT_OK, UsageError
from ._common import Format, guard

OptionalSpecArg = Annotated[Optional[Path], typer.Argument(
    help="A spec file, or a folder of *.yaml files merged (default with -t NAME, --all: the project "
         "target's spec list).", show_default=False)]
ProjectOpt = Annotated[Optional[Path], typer.Option(
    "--project", envvar="CRMDEPLOY_PROJECT", show_default=False,
    help="The project file naming the targets (default: crmdeploy.yaml in the current folder).")]
AllOpt = Annotated[bool, typer.Option(
    "--all", help="Every target of the project file, concurrently; output grouped per target.")]
TargetsOpt = Annotated[Optional[str], typer.Option(
    "--targets", metavar="A,B", show_default=False,
    help="These targets of the project file (comma-separated), concurrently.")]
VarOpt = Annotated[Optional[list[str]], typer.Option(
    "--var", metavar="NAME=VALUE", show_default=False,
    help="A value for ${var:NAME} in the spec, over the target's vars (repeatable).")]


@dataclass(frozen=True)
class Single:
    """One target to plan or apply: its URL, the spec loaded for it (if any), its key options."""

    url: str | None
    loaded: Any = None
    keys: dict[str, Any] = field(default_factory=dict)


def many(all_targets: bool, targets: str | None) -> bool:
    return all_targets or bool(targets)


def project_of(given: Path | None, *, needed: bool = False) -> Any:
    from ..project import PROJECT_FILE, find, load_project

    path = find(given)
    if path is None:
        if needed:
            raise UsageError(f"--all and --targets need a project file: {PROJECT_FILE} in this folder, "
                             "or --project FILE")
        return None
    return load_project(path)


def selected(project: Any, all_targets: bool, targets: str | None, target: str | None = None) -> list[Any]:
    if all_targets and targets:
        raise UsageError("give --all or --targets, not both")
    if target:
        raise UsageError("-t names one target; --all and --targets take theirs from the project file")
    names = [n.strip() for n in (targets or "").split(",") if n.strip()]
    return project.select(None if all_targets else names)


def single(spec: Path | None, target: str | None, project_file: Path | None, var: list[str] | None,
           api_key_file: Path | None, *, saved_ok: bool = False, located: bool = False) -> Single:
    """The target `-t` names (a URL, or a project target) and the spec loaded for it (None when
    SPEC is a saved plan; `located`: see `loader.load_layers`)."""
    from ..loader import load
    from ..registry import is_url
    from ..variables import parse_assignments

    values = parse_assignments(var or ())
    if target is None or is_url(target):
        if spec is None:
            raise UsageError("give a SPEC (file or folder), or -t NAME of a project target, or --all")
        return Single(target, None if saved_ok and _saved(spec) else load(spec, values, located=located),
                      _key_file(api_key_file))
    from ..targets import load_target, resolve   # a project target: only then the project's machinery

    chosen = resolve(target, project_of(project_file))
    keys = chosen.key_options(exclusive=False) or _key_file(api_key_file)
    if spec is not None:
        return Single(chosen.url, None if saved_ok and _saved(spec) else
                      load(spec, {**chosen.vars, **values}, located=located), keys)
    return Single(chosen.url, load_target(chosen, values, located=located), keys)


def _saved(spec: Path) -> bool:
    """Whether SPEC is a saved plan rather than a spec."""
    from ..savedplan import sniff

    return sniff(spec)


def spec_source(loaded: Any, options: Any) -> Any:
    from ..deploy import SpecSource

    loaded.require_secrets()
    return SpecSource(loaded, options)


def _key_file(api_key_file: Path | None) -> dict[str, Any]:
    return {"api_key_file": api_key_file} if api_key_file else {}


def run_options(var: list[str] | None, api_key_file: Path | None = None, **options: Any) -> Any:
    from ..targets import Run
    from ..variables import parse_assignments

    if api_key_file is not None:
        raise UsageError("--api-key-file (CRMDEPLOY_API_KEY_FILE) is one account's key: with several targets "
                         "each uses only its own (api_key_env or api_key_file in the project file)")
    return Run(variables=parse_assignments(var or ()), **options)


def report(results: list[Any], fmt: Format, columns: tuple[str, ...], *, detailed: bool = True) -> int:
    """Print every target's output grouped, then the summary; return the aggregate exit code (2 and
    4, pending changes, only with --detailed-exitcode; each target's own code says them anyway)."""
    from ..errors import EXIT_CHANGES, EXIT_MANUAL
    from ..fleet import aggregate, grouped_json, grouped_markdown, grouped_text

    codes = [r.code for r in results]
    code = aggregate(codes if detailed else [EXIT_OK if c in (EXIT_CHANGES, EXIT_MANUAL) else c for c in codes])
    if fmt is Format.json:
        typer.echo(grouped_json(results, code), nl=False)
    elif fmt is Format.markdown:
        typer.echo(grouped_markdown(results, columns), nl=False)
    else:
        typer.echo(grouped_text(results, columns), nl=False)
    for result in results:
        for line in result.error.splitlines()[:1]:
            typer.echo(f"Error: [{result.name}] {line}", err=True)
    return code


def plan_many(project_file: Path | None, all_targets: bool, targets: str | None, fmt: Format,
              var: list[str] | None, target: str | None = None, overwrite: bool = False, **options: Any) -> int:
    from ..fleet import run_all
    from ..targets import PLAN_COLUMNS, plan_one

    with guard(fmt):
        run = run_options(var, fmt=fmt.value, **options)
        chosen = selected(project_of(project_file, needed=True), all_targets, targets, target)
        if run.out is not None:  # before any CRM is read, as with one target's --out
            _check_plan_folder(run.out, [t.name for t in chosen], overwrite)
        results = run_all(chosen, lambda t: plan_one(t, run), name=lambda t: t.name, url=lambda t: t.url)
    code = report(results, fmt, PLAN_COLUMNS, detailed=run.detailed)
    if run.out is not None:
        saved = [r.name for r in results if (run.out / f"{r.name}.json").exists()]
        typer.echo(f"Saved {len(saved)} plan(s) to {run.out}; apply them with: crmdeploy apply {run.out}", err=True)
        others = sorted(p.stem for p in run.out.glob("*.json") if p.stem not in {r.name for r in results})
        if others:
            typer.echo(f"Note: {run.out} also holds earlier plans for {', '.join(others)}; "
                       f"`crmdeploy apply {run.out}` applies those too", err=True)
    return code


def _check_plan_folder(folder: Path, names: list[str], overwrite: bool) -> None:
    """`--out DIR` with several targets: a folder, and no plan in it replaced unless asked."""
    from ..errors import CrmdeployError
    from ..outputs import refuse_overwrite
    from ..targets import SAVED_SUFFIX

    if folder.exists() and not folder.is_dir():
        raise CrmdeployError(f"{folder} is a file; with several targets --out names a folder (one plan each)")
    for name in names:
        refuse_overwrite(folder / f"{name}{SAVED_SUFFIX}", overwrite=overwrite)


def apply_many(project_file: Path | None, all_targets: bool, targets: str | None, yes: bool,
               var: list[str] | None, target: str | None = None, fmt: Format = Format.text,
               **options: Any) -> int:
    from ..fleet import run_all
    from ..targets import APPLY_COLUMNS, apply_one

    with guard(fmt):
        run = run_options(var, **options)
        chosen = selected(project_of(project_file, needed=True), all_targets, targets, target)
        _need_yes(yes, f"{len(chosen)} targets", "crmdeploy plan --all --out DIR")
        results = run_all(chosen, lambda t: apply_one(t, run), name=lambda t: t.name, url=lambda t: t.url,
                          stop=run.stop)
    return report(results, fmt, APPLY_COLUMNS)


def is_plan_folder(path: Path) -> bool:
    from ..savedplan import sniff

    return path.is_dir() and any(sniff(p) for p in path.glob("*.json") if p.is_file())


def apply_folder(folder: Path, project_file: Path | None, targets: str | None,
                 api_key_file: Path | None = None, fmt: Format = Format.text, **options: Any) -> int:
    """`apply DIR`: the plans `plan --all --out DIR` saved, one per target, each exactly as saved."""
    from ..fleet import run_all
    from ..targets import APPLIED_DIR, APPLY_COLUMNS, apply_saved_one, saved_plans

    with guard(fmt):
        run = run_options(None, api_key_file, **options)
        names = [n.strip() for n in (targets or "").split(",") if n.strip()] or None
        items = saved_plans(folder, project_of(project_file), names)   # their review was `plan --out`
        results = run_all(items, lambda item: apply_saved_one(item, run), name=lambda item: item.target.name,
                          url=lambda item: item.target.url, stop=run.stop)
    code = report(results, fmt, APPLY_COLUMNS)
    if code != EXIT_OK:
        failed = [r.name for r in results if r.code != EXIT_OK]
        typer.echo(f"Applied plans were moved to {folder / APPLIED_DIR}; `crmdeploy apply {folder}` again takes "
                   f"only {', '.join(failed)} (a plan refused as stale needs a new one: crmdeploy plan "
                   f"--targets {','.join(failed)} --out {folder} --overwrite)", err=True)
    return code


def _need_yes(yes: bool, what: str, review: str) -> None:
    if not yes:
        raise UsageError(f"applying to {what} at once asks no questions: pass --yes (review first with {review})")


def validate_project(project_file: Path | None, var: list[str] | None) -> int:
    """`validate` with no SPEC: every target of the project, each with its own variables."""
    from ..errors import EXIT_ERROR, CrmdeployError, SpecError
    from ..targets import load_target
    from ..variables import parse_assignments
    from ._common import total_resources

    with guard():
        project = project_of(project_file)
        if project is None:
            raise UsageError("give a SPEC to validate, or run it where a crmdeploy.yaml names the targets")
        values = parse_assignments(var or ())
    code = EXIT_OK
    for target in project.targets.values():
        try:
            loaded = load_target(target, values)
        except CrmdeployError as exc:
            code = EXIT_ERROR
            lines = [str(p) for p in exc.problems] if isinstance(exc, SpecError) else [str(exc)]
            typer.echo("\n".join(f"Error: [{target.name}] {line}" for line in lines), err=True)
            continue
        typer.echo(f"{target.name}: valid ({total_resources(loaded.spec)} resources)")
    return code
