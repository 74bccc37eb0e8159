"""`jockey doctor`: what engine Jockey would use, and what is missing with the fix."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automation._errors import ConfigurationError, ToolchainMissingError
from automation._settings import default_backend_url, jockey_home, passphrase_source
from automation._toolchain import (
    KUBERNETES_PLUGIN_VERSION,
    SETUP_COMMAND,
    find_toolchain,
)


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    """Everything doctor found."""

    checks: list[Check] = field(default_factory=list)
    cli: dict[str, Any] = field(default_factory=dict)
    plugins: list[dict[str, str]] = field(default_factory=list)
    backend_url: str = ""
    passphrase_source: str = ""

    @property
    def ok(self) -> bool:
        """Whether everything the project needs is present."""
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "ok": self.ok,
            "cli": self.cli,
            "plugins": self.plugins,
            "backendUrl": self.backend_url,
            "passphraseSource": self.passphrase_source,
            "checks": [check.__dict__ for check in self.checks],
        }


def _plugins(pulumi: Path, env: dict[str, str]) -> list[dict[str, str]]:
    done = subprocess.run(
        [str(pulumi), "plugin", "ls", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return []
    return [
        {"name": item["name"], "kind": item["kind"], "version": item.get("version", "")}
        for item in json.loads(done.stdout or "[]")
    ]


def run_doctor() -> DoctorReport:
    """Inspect the toolchain, plugins, backend and passphrase."""
    report = DoctorReport()
    try:
        toolchain = find_toolchain()
    except ToolchainMissingError as error:
        report.checks.append(Check("pulumi CLI", False, error.message, error.fix))
        toolchain = None
    if toolchain is not None:
        report.cli = {
            "path": str(toolchain.pulumi),
            "version": toolchain.version,
            "source": toolchain.source,
            "pulumiHome": str(toolchain.pulumi_home or Path.home() / ".pulumi"),
        }
        report.checks.append(
            Check("pulumi CLI", True, f"v{toolchain.version} at {toolchain.pulumi}")
        )
        host = toolchain.bin_dir / "pulumi-language-python"
        exec_script = toolchain.bin_dir / "pulumi-language-python-exec"
        host_ok = host.is_file() and exec_script.is_file()
        report.cli["languageHost"] = str(host) if host_ok else None
        report.checks.append(
            Check(
                "python language host",
                host_ok,
                str(host) if host_ok else f"missing next to the CLI in {toolchain.bin_dir}",
                "" if host_ok else f"run {SETUP_COMMAND}",
            )
        )
        report.plugins = _plugins(toolchain.pulumi, toolchain.env())
        has_k8s = any(
            p["name"] == "kubernetes" and p["version"] == KUBERNETES_PLUGIN_VERSION
            for p in report.plugins
        )
        report.checks.append(
            Check(
                "kubernetes plugin",
                has_k8s,
                f"v{KUBERNETES_PLUGIN_VERSION} installed"
                if has_k8s
                else f"v{KUBERNETES_PLUGIN_VERSION} not installed",
                ""
                if has_k8s
                else f"run {SETUP_COMMAND}, or `pulumi plugin install resource kubernetes "
                f"v{KUBERNETES_PLUGIN_VERSION}` on a machine with internet access",
            )
        )
        for name in ("aws", "docker"):
            present = any(p["name"] == name for p in report.plugins)
            report.checks.append(
                Check(
                    f"{name} plugin (Lambda target, image builds)",
                    True,
                    "installed"
                    if present
                    else "not installed: needed only for specs with lambda or image.build",
                )
            )
    home = jockey_home()
    report.backend_url = os.environ.get("PULUMI_BACKEND_URL") or default_backend_url(home)
    report.checks.append(Check("backend", True, report.backend_url))
    try:
        report.passphrase_source = passphrase_source(os.environ)
        report.checks.append(Check("passphrase", True, report.passphrase_source))
    except ConfigurationError as error:
        if os.environ.get("JOCKEY_SECRETS_PROVIDER"):
            report.passphrase_source = "not needed (JOCKEY_SECRETS_PROVIDER)"
            report.checks.append(Check("passphrase", True, report.passphrase_source))
        else:
            report.checks.append(Check("passphrase", False, error.message, error.fix))
    return report


def print_doctor_report(report: DoctorReport, *, as_json: bool) -> None:
    """Print the report as JSON, or one line per check with its fix."""
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
        return
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        print(f"{mark} {check.name}: {check.detail}")
        if check.fix:
            print(f"     fix: {check.fix}")
    for plugin in report.plugins:
        print(f"     plugin {plugin['kind']} {plugin['name']} v{plugin['version']}")
