"""The project file crmdeploy.yaml: targets, spec lists, key sources (crmdeploy/project.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdeploy.errors import SpecError, TargetError
from crmdeploy.project import find, load_project
from crmdeploy.targets import resolve

from .fleet_helpers import PROJECT, make_project


def test_targets_in_file_order_with_spec_paths_relative_to_the_project(tmp_path):
    project = load_project(make_project(tmp_path / "shop"))
    assert list(project.targets) == ["staging", "prod"]
    staging = project.targets["staging"]
    assert [layer.path for layer in staging.layers] == [tmp_path / "shop/base", tmp_path / "shop/overlays/staging.yaml"]
    assert staging.vars == {"shop_name": "Автозапчасти (тест)"}
    assert staging.url == f"mock://{tmp_path / 'shop'}/.crmdeploy/staging.json"   # relative to the project


def test_found_in_the_current_folder_or_given(tmp_path, monkeypatch):
    assert find() is None
    make_project(tmp_path)
    assert find() == Path("crmdeploy.yaml")
    with pytest.raises(TargetError, match="no such project file"):
        find("other.yaml")


def test_a_name_picks_a_project_target_and_a_url_still_works(tmp_path):
    project = load_project(make_project(tmp_path))
    assert resolve("prod", project).url == "mock://.crmdeploy/prod.json"
    assert resolve("mock://x.json", project).url == "mock://x.json"
    with pytest.raises(TargetError, match=r'no target "stage" in the project \(targets: staging, prod\)'):
        resolve("stage", project)
    with pytest.raises(TargetError, match="there is no project file"):
        resolve("prod", None)


def test_a_missing_file_in_a_spec_list_is_located(tmp_path):
    path = make_project(tmp_path, PROJECT.replace("overlays/prod.yaml", "overlays/prd.yaml"))
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert str(info.value) == (f"{path}:4:61: targets.prod.spec[1]: overlays/prd.yaml: no such file or folder "
                               f"(spec paths are relative to {tmp_path / 'crmdeploy.yaml'})")


def test_a_cycle_between_spec_lists_is_located(tmp_path):
    path = make_project(tmp_path, """\
targets:
  a: {url: "mock://", spec: ["@b", overlays/staging.yaml]}
  b: {url: "mock://", spec: [base/, "@a"]}
""")
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert str(info.value) == f"{path}:3:37: targets.b.spec[1]: spec lists include each other in a cycle: a -> b -> a"


def test_a_spec_list_can_build_on_another_targets(tmp_path):
    path = make_project(tmp_path, PROJECT + '  prod-eu: {url: "mock://", spec: ["@prod", overlays/staging.yaml]}\n')
    layers = load_project(path).targets["prod-eu"].layers
    assert [p.path.name for p in layers] == ["base", "prod.yaml", "staging.yaml"]


def test_the_same_file_twice_is_located(tmp_path):
    path = make_project(tmp_path, 'targets:\n  a: {url: "mock://", spec: [base/, overlays/prod.yaml, base]}\n')
    with pytest.raises(SpecError, match=r":2:57: targets.a.spec: base is already in this spec list"):
        load_project(path)


def test_unknown_fields_and_secrets_are_located(tmp_path):
    path = make_project(tmp_path, 'targets:\n  a: {url: "mock://", spec: base/, api_key: "${env:K}"}\n')
    with pytest.raises(SpecError, match=r":2:36: targets.a.api_key: \$\{env:K\} does not belong in a project file"):
        load_project(path)
    path = make_project(tmp_path, 'targets:\n  a: {url: "mock://", spec: base/, api_key: k}\n')
    with pytest.raises(SpecError, match=r':2:36: targets.a.api_key: unknown field "api_key" \(allowed: url, spec'):
        load_project(path)


def test_each_target_uses_only_its_own_key_source(tmp_path, monkeypatch):
    path = make_project(tmp_path, """\
targets:
  prod: {url: "https://prod.retailcrm.ru", spec: base/, api_key_env: PROD_KEY}
  stage: {url: "https://stage.retailcrm.ru", spec: base/}
  local: {url: "mock://", spec: base/}
""")
    project = load_project(path)
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "global-key")
    with pytest.raises(TargetError, match="read from PROD_KEY, which is not set"):
        project.targets["prod"].key_options(exclusive=True)
    monkeypatch.setenv("PROD_KEY", "prod-key")
    assert project.targets["prod"].key_options(exclusive=True) == {"api_key": "prod-key"}
    assert project.targets["stage"].key_options(exclusive=False) == {}          # alone: the global key
    with pytest.raises(TargetError, match=r":3:3: target stage has no api_key_env .* global CRMDEPLOY_API_KEY is never used"):
        project.targets["stage"].key_options(exclusive=True)
    assert project.targets["local"].key_options(exclusive=True) == {}           # a mock sends no key
