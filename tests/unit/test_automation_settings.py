"""Settings, passphrase rules and toolchain version checks (no engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation._errors import ConfigurationError
from automation._settings import load_settings, passphrase_source
from automation._toolchain import version_fits


def test_backend_defaults_to_a_file_backend_under_jockey_home(tmp_path: Path) -> None:
    settings = load_settings({"JOCKEY_HOME": str(tmp_path), "PULUMI_CONFIG_PASSPHRASE": "x"})
    assert settings.backend_url == f"file://{tmp_path / 'state'}"
    assert settings.work_dir("acme-dev") == tmp_path / "stacks" / "acme-dev"
    assert settings.is_file_backend


def test_backend_url_from_environment_wins(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "JOCKEY_HOME": str(tmp_path),
            "PULUMI_BACKEND_URL": "s3://bucket/jockey",
            "PULUMI_CONFIG_PASSPHRASE": "x",
        }
    )
    assert settings.backend_url == "s3://bucket/jockey"
    assert not settings.is_file_backend


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="empty") as caught:
        passphrase_source({"PULUMI_CONFIG_PASSPHRASE": ""})
    assert "non-empty" in caught.value.fix


def test_missing_passphrase_names_both_variables() -> None:
    with pytest.raises(ConfigurationError) as caught:
        passphrase_source({})
    assert "PULUMI_CONFIG_PASSPHRASE_FILE" in caught.value.fix


def test_passphrase_file_must_be_readable_and_non_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ConfigurationError, match="is empty"):
        passphrase_source({"PULUMI_CONFIG_PASSPHRASE_FILE": str(empty)})
    with pytest.raises(ConfigurationError, match="cannot be read"):
        passphrase_source({"PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "missing")})
    good = tmp_path / "good"
    good.write_text("s3cret\n")
    source = passphrase_source({"PULUMI_CONFIG_PASSPHRASE_FILE": str(good)})
    assert str(good) in source
    assert "s3cret" not in source


def test_kms_secrets_provider_needs_no_passphrase(tmp_path: Path) -> None:
    settings = load_settings(
        {"JOCKEY_HOME": str(tmp_path), "JOCKEY_SECRETS_PROVIDER": "awskms://alias/jockey"}
    )
    assert settings.secrets_provider == "awskms://alias/jockey"


@pytest.mark.parametrize(
    ("printed", "fits"),
    [
        ("v3.274.1", True),
        ("v3.300.1", True),
        ("3.274.1-dev.0", True),
        ("v3.274.0", False),
        ("v4.0.0", False),
        ("garbage", False),
    ],
)
def test_a_user_cli_is_used_only_when_its_version_fits(printed: str, fits: bool) -> None:
    assert version_fits(printed) is fits
