"""Where Jockey keeps state and how it reaches the backend: the embedded defaults.

- `JOCKEY_HOME` (default `~/.jockey`): per-stack work directories and leases.
- `PULUMI_BACKEND_URL`, else a `file://` backend under `JOCKEY_HOME/state`.
- `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` for passphrase secrets;
  an empty passphrase is refused. `JOCKEY_SECRETS_PROVIDER` selects another provider
  (`awskms://...`, `hashivault://...`), in which case no passphrase is needed.
- `JOCKEY_LEASE_URL`: where per-stack leases live. By default a `postgres://` backend holds
  them too (so they hold across machines); any other backend gets host-local leases under
  `JOCKEY_HOME`. `local` forces host-local leases; a `postgres://` URL names a database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from automation._errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    """Resolved settings for engine calls.

    Attributes:
        home: the Jockey state directory.
        backend_url: the Pulumi backend URL.
        secrets_provider: `passphrase` or a KMS URL.
        passphrase_source: where the passphrase comes from (never the passphrase itself).
    """

    home: Path
    backend_url: str
    secrets_provider: str
    passphrase_source: str

    def work_dir(self, stack: str) -> Path:
        """The stack's work directory: project and stack settings (the encryption salt)."""
        return self.home / "stacks" / stack

    @property
    def lease_dir(self) -> Path:
        """Where per-stack leases live."""
        return self.home / "leases"

    log_dir: Path = Path()
    """Where the engine's full output of failed operations is kept (`JOCKEY_LOG_DIR`,
    default `<home>/logs`)."""

    @property
    def is_file_backend(self) -> bool:
        """Whether the backend is a local folder."""
        return self.backend_url.startswith("file://")

    lease_url: str | None = None
    """The PostgreSQL database whose locks serialise same-stack operations across machines
    (`JOCKEY_LEASE_URL`), or None for host-local leases under `lease_dir`."""


def default_backend_url(home: Path) -> str:
    """The embedded default backend: a `file://` folder under Jockey's home."""
    return f"file://{home / 'state'}"


def engine_log_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where failed operations' engine logs go: `JOCKEY_LOG_DIR`, else `<home>/logs`."""
    env = os.environ if environ is None else environ
    configured = env.get("JOCKEY_LOG_DIR")
    return Path(configured).expanduser().resolve() if configured else jockey_home(env) / "logs"


_POSTGRES_SCHEMES = ("postgres://", "postgresql://")
_LOCAL_LEASES = "local"


def shared_lease_url(backend_url: str, environ: Mapping[str, str]) -> str | None:
    """Where leases live: `JOCKEY_LEASE_URL`, else the backend's database when it is PostgreSQL.

    Pulumi's `table=` query parameter is dropped from a backend URL (it is not a connection
    option). None means host-local leases.

    Raises:
        ConfigurationError: `JOCKEY_LEASE_URL` is neither `local` nor a `postgres://` URL.
    """
    configured = environ.get("JOCKEY_LEASE_URL", "").strip()
    if configured == _LOCAL_LEASES:
        return None
    if configured:
        if not configured.startswith(_POSTGRES_SCHEMES):
            raise ConfigurationError(
                f"JOCKEY_LEASE_URL={configured.split('@')[-1]} is not a PostgreSQL URL",
                fix="set it to postgres://user:password@host:port/database, or `local`",
            )
        return configured
    if not backend_url.startswith(_POSTGRES_SCHEMES):
        return None
    base, _, query = backend_url.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("table=")]
    return base + ("?" + "&".join(kept) if kept else "")


def jockey_home(environ: Mapping[str, str] | None = None) -> Path:
    """`JOCKEY_HOME`, or `~/.jockey`."""
    env = os.environ if environ is None else environ
    configured = env.get("JOCKEY_HOME")
    return Path(configured).expanduser().resolve() if configured else Path.home() / ".jockey"


def passphrase_source(environ: Mapping[str, str]) -> str:
    """Describe where the passphrase comes from, refusing an unusable one.

    Raises:
        ConfigurationError: neither variable is set, the file is unreadable, or it is empty.
    """
    if "PULUMI_CONFIG_PASSPHRASE" in environ:
        if not environ["PULUMI_CONFIG_PASSPHRASE"]:
            raise ConfigurationError(
                "PULUMI_CONFIG_PASSPHRASE is set but empty",
                fix="set a non-empty passphrase (an empty one would encrypt secrets with no key)",
            )
        return "PULUMI_CONFIG_PASSPHRASE"
    path = environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if path:
        try:
            content = Path(path).read_text()
        except OSError as error:
            raise ConfigurationError(
                f"PULUMI_CONFIG_PASSPHRASE_FILE={path} cannot be read ({error.strerror})",
                fix="point it at a readable file holding the passphrase",
            ) from error
        if not content.strip():
            raise ConfigurationError(
                f"PULUMI_CONFIG_PASSPHRASE_FILE={path} is empty",
                fix="write a non-empty passphrase into the file",
            )
        return f"PULUMI_CONFIG_PASSPHRASE_FILE ({path})"
    raise ConfigurationError(
        "no passphrase for the stack's secrets",
        fix="set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE "
        "(or JOCKEY_SECRETS_PROVIDER to use a KMS)",
    )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings from the environment.

    Raises:
        ConfigurationError: the passphrase is missing or empty, or `JOCKEY_LEASE_URL` is not
            usable.
    """
    env = os.environ if environ is None else environ
    home = jockey_home(env)
    backend = env.get("PULUMI_BACKEND_URL") or default_backend_url(home)
    provider = env.get("JOCKEY_SECRETS_PROVIDER", "passphrase")
    source = passphrase_source(env) if provider == "passphrase" else f"{provider} (no passphrase)"
    lease_url = shared_lease_url(backend, env)
    return Settings(home, backend, provider, source, engine_log_dir(env), lease_url)
