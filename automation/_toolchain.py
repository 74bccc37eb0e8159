"""Find the Pulumi engine toolchain Jockey runs on, without downloading anything.

Order: `JOCKEY_ENGINE_DIR` (a toolchain folder with `bin/pulumi`), a `pulumi` on PATH whose
version fits, then the toolchain `scripts/build-engine.sh` cached under
`JOCKEY_ENGINE_CACHE` (default `~/.cache/jockey-engine`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from automation._errors import ToolchainMissingError

PULUMI_VERSION = "3.274.1"
"""The engine (CLI) version Jockey builds and needs at least.

The `pulumi` Python SDK is pinned to the newest PyPI release (3.272.0), which talks to it.
"""
KUBERNETES_PLUGIN_VERSION = "4.25.0"
"""The Kubernetes provider plugin version `pulumi-kubernetes` asks for."""
SETUP_COMMAND = "scripts/setup"

ENGINE_ENV = {
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_SKIP_UPDATE_CHECK": "true",
}
"""Set for every engine call: nothing is ever downloaded at run time."""

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Toolchain:
    """A Pulumi CLI with its plugins.

    Attributes:
        root: folder holding `bin/pulumi` (what `PulumiCommand(root=...)` expects).
        version: what `pulumi version` printed, without the leading `v`.
        source: `JOCKEY_ENGINE_DIR`, `PATH` or `jockey cache`.
        pulumi_home: the PULUMI_HOME whose plugins the engine loads, or None for the default.
    """

    root: Path
    version: str
    source: str
    pulumi_home: Path | None

    @property
    def pulumi(self) -> Path:
        """The `pulumi` executable."""
        return self.root / "bin" / "pulumi"

    @property
    def bin_dir(self) -> Path:
        """The folder with the CLI and its language host."""
        return self.root / "bin"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for an engine call: the toolchain first on PATH, no downloads."""
        env = dict(os.environ if base is None else base)
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        if self.pulumi_home is not None:
            env["PULUMI_HOME"] = str(self.pulumi_home)
        env.update(ENGINE_ENV)
        return env


def version_fits(printed: str) -> bool:
    """Whether a `pulumi version` output is a v3 CLI at least as new as the pinned SDK."""
    match = _VERSION.search(printed)
    if match is None:
        return False
    major, minor, patch = (int(part) for part in match.groups())
    want = tuple(int(part) for part in PULUMI_VERSION.split("."))
    return major == want[0] and (major, minor, patch) >= want


def _cli_version(pulumi: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(pulumi), "version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, **ENGINE_ENV},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    printed = done.stdout.strip()
    return printed.removeprefix("v") if done.returncode == 0 and printed else None


def engine_cache_dir() -> Path:
    """Where `scripts/build-engine.sh` caches toolchains."""
    configured = os.environ.get("JOCKEY_ENGINE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "jockey-engine"


def _cached_toolchain() -> Path | None:
    built = engine_cache_dir() / f"pulumi-{PULUMI_VERSION}_kubernetes-{KUBERNETES_PLUGIN_VERSION}"
    return built if (built / ".complete").is_file() else None


def find_toolchain() -> Toolchain:
    """Locate the engine toolchain.

    Raises:
        ToolchainMissingError: no fitting CLI was found; the message names the fix.
    """
    explicit = os.environ.get("JOCKEY_ENGINE_DIR")
    if explicit:
        root = Path(explicit)
        version = _cli_version(root / "bin" / "pulumi")
        if version is None or not version_fits(version):
            raise ToolchainMissingError(
                f"JOCKEY_ENGINE_DIR={explicit} has no working pulumi v{PULUMI_VERSION}+ "
                f"in bin/ (found {version or 'none'})",
                fix=f"point JOCKEY_ENGINE_DIR at a toolchain folder, or unset it and run "
                f"{SETUP_COMMAND}",
            )
        home = root / "pulumi-home"
        return Toolchain(root, version, "JOCKEY_ENGINE_DIR", home if home.is_dir() else None)

    on_path = shutil.which("pulumi")
    if on_path is not None:
        version = _cli_version(Path(on_path))
        if version is not None and version_fits(version):
            user_home = os.environ.get("PULUMI_HOME")
            return Toolchain(
                Path(on_path).resolve().parent.parent,
                version,
                "PATH",
                Path(user_home) if user_home else None,
            )

    cached = _cached_toolchain()
    if cached is not None:
        # scripts/build-engine.sh verified `pulumi version` before writing .complete.
        return Toolchain(cached, PULUMI_VERSION, "jockey cache", cached / "pulumi-home")

    raise ToolchainMissingError(
        f"no Pulumi CLI v{PULUMI_VERSION}+ found on PATH or in {engine_cache_dir()}",
        fix=f"run {SETUP_COMMAND} (builds the engine from Go modules, ~15 minutes once)",
    )
