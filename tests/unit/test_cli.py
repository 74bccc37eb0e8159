"""The CLI's non-engine paths through Typer's CliRunner, and its start-up imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from automation._exit_codes import ExitCode
from automation.cli import app

EXIT_INVALID_SPEC, EXIT_USAGE = ExitCode.INVALID_SPEC, ExitCode.USAGE

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_validate_accepts_the_design_example() -> None:
    result = runner.invoke(app, ["validate", str(REPO / "examples" / "acme.yaml")])
    assert result.exit_code == 0, result.output
    assert "ok (acme-dev)" in result.output


def test_validate_prints_one_line_per_problem_and_exits_3(tmp_path: Path) -> None:
    spec = (REPO / "examples" / "demo.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(spec.replace("replicas: 2", "replicas: 0").replace("port: 8080", "port: 80"))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID_SPEC
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any("kubernetes.replicas" in line for line in lines)
    assert any("agent.port" in line for line in lines)
    assert all(line.startswith(str(bad)) for line in lines)


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("tenant:\n  id: acme\n  labels: {team: [oops\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID_SPEC
    assert "line" in result.output


def test_schema_is_json_with_descriptions() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "tenant" in schema["properties"]
    assert "lambda" in schema["properties"]


def test_dockerfile_of_a_prebuilt_image_is_a_usage_error() -> None:
    result = runner.invoke(app, ["dockerfile", str(REPO / "examples" / "demo.yaml")])
    assert result.exit_code == EXIT_USAGE
    assert "agent.image" in result.output


def test_dockerfile_prints_the_unified_dockerfile() -> None:
    result = runner.invoke(app, ["dockerfile", str(REPO / "examples" / "acme.yaml")])
    assert result.exit_code == 0, result.output
    assert "FROM " in result.output and "USER " in result.output


def test_destroy_needs_files_or_tenant_and_env() -> None:
    result = runner.invoke(app, ["destroy", "--tenant", "acme"])
    assert result.exit_code == EXIT_USAGE
    assert "--tenant and --env" in result.output


def test_up_refuses_to_act_without_confirmation_off_a_terminal() -> None:
    result = runner.invoke(app, ["up", str(REPO / "examples" / "demo.yaml")])
    assert result.exit_code == EXIT_USAGE
    assert "--yes" in result.output


def test_unknown_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["preview", "--no-such-flag"])
    assert result.exit_code == 2


def test_fast_paths_import_no_engine_modules() -> None:
    code = (
        "import sys; from automation.cli import app; import infra.spec;"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_kubernetes', 'pulumi_aws', 'pulumi_docker', 'grpc')];"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_pulumi_passthrough_runs_the_toolchain_cli() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "jockey"), "pulumi", "version"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "v3.274.1"


def test_validate_checks_stack_files_and_never_echoes_a_secure_value() -> None:
    files = [str(REPO / "Pulumi.dev.yaml"), str(REPO / "Pulumi.prod.yaml")]
    result = runner.invoke(app, ["validate", *files, str(REPO / "examples" / "prod-acme.yaml")])
    assert result.exit_code == 0, result.output
    assert "Pulumi.dev.yaml: ok (sample-dev)" in result.output
    assert "v1:" not in result.output, "no ciphertext or salt is printed"


def test_an_operation_refuses_two_specs_for_one_stack() -> None:
    spec = str(REPO / "examples" / "prod-acme.yaml")
    result = runner.invoke(app, ["preview", spec, str(REPO / "Pulumi.prod.yaml")])
    assert result.exit_code == EXIT_USAGE
    assert "acme-prod" in result.output
