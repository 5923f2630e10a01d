"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest_plugins = ["tests.http_fixtures"]  # the emulator and HTTP adapter fixtures

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
SHOP = SPECS / "shop.yaml"

# Known secret values: tests grep every output for them.
SECRETS = {
    "CDEK_ACCOUNT": "cdek-account-4f1e9a",
    "CDEK_PASSWORD": "cdek-pass-7c2b5d",
    "RUSSIAN_POST_TOKEN": "post-token-91ad3e",
    "TELEPHONY_API_KEY": "tel-key-0b8c6f",
}


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own folder, so `.crmdeploy/` (locks, journal, mock state) never lands in the
    repo, with its own per-user state folder (the locks of HTTP targets), never the real one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRMDEPLOY_STATE_HOME", str(tmp_path / ".user-state"))
    return tmp_path


def locks_left() -> list[Path]:
    """Lock files in the per-user state folder and next to mock files under the working folder."""
    from crmdeploy.statedir import user_state_dir

    return sorted([*user_state_dir().rglob("*.lock"), *Path(".").rglob("*.json.lock")])


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write YAML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
