"""How problems and warnings are printed.

Capped per spec, `FILE: warning:` lines from `jockey validate`, and `jockey:` named once in
the `pulumi up` shim's error.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from typer.testing import CliRunner

from automation._exit_codes import ExitCode
from automation.cli import app
from infra.spec import SpecError, SpecProblem, format_problems
from infra.spec._errors import PROBLEMS_SHOWN
from tests.unit.hostile_support import base_spec, write_spec

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _problems(count: int) -> SpecError:
    return SpecError(
        SpecProblem(f"agent.env.K{index}", "is wrong", index, "fix it") for index in range(count)
    )


@pytest.mark.parametrize("count", [0, 1, PROBLEMS_SHOWN - 1, PROBLEMS_SHOWN])
def test_up_to_the_cap_every_problem_is_printed(count: int) -> None:
    lines = format_problems(_problems(count))

    assert len(lines) == count
    assert not any(line.startswith("...") for line in lines)


@pytest.mark.parametrize("count", [PROBLEMS_SHOWN + 1, PROBLEMS_SHOWN + 2, 10_000])
def test_past_the_cap_the_rest_is_counted(count: int) -> None:
    error = _problems(count)

    lines = format_problems(error)

    assert len(lines) == PROBLEMS_SHOWN + 1
    assert lines[:-1] == [str(problem) for problem in error.problems[:PROBLEMS_SHOWN]]
    hidden = count - PROBLEMS_SHOWN
    assert lines[-1].startswith(f"... and {hidden} more problem")
    assert str(error).splitlines() == lines, "str(SpecError) is capped the same way"
    assert len(error.problems) == count, "the error still holds every problem"


def test_validate_caps_the_problems_of_one_spec(tmp_path: Path) -> None:
    data = base_spec()
    data["agent"]["env"] = {f"{index}-BAD": "x" for index in range(PROBLEMS_SHOWN + 30)}
    bad = write_spec(tmp_path / "bad.yaml", data)

    result = runner.invoke(app, ["validate", str(bad)])

    assert result.exit_code == ExitCode.INVALID_SPEC
    lines = result.stderr.splitlines()
    assert len(lines) == PROBLEMS_SHOWN + 1
    assert lines[-1] == f"{bad}: ... and 30 more problems (fix these first, then validate again)"


def _public_prod_function_url() -> dict[str, Any]:
    data = base_spec()
    data["tenant"]["environment"] = "prod"
    data["agent"]["image"] = {
        "ref": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme@sha256:" + "ab" * 32
    }
    data["lambda"] = {
        "enabled": True,
        "endpoint": "functionUrl",
        "functionUrl": {"authType": "NONE"},
    }
    return data


def test_validate_prints_spec_warnings_and_exits_0(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "prod.yaml", _public_prod_function_url())

    result = runner.invoke(app, ["validate", str(spec)])

    assert result.exit_code == 0, result.output
    assert f"{spec}: ok (acme-prod)" in result.stdout
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(f"{spec}: warning: lambda.functionUrl.authType: makes the prod")


def test_validate_prints_each_path_let_outside_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "token"
    outside.parent.mkdir()
    outside.write_text("not shown")
    data = base_spec()
    data["agent"]["secretEnv"] = {"TOKEN": {"fromFile": str(outside)}}
    spec = write_spec(tmp_path / "specs" / "tenant.yaml", data)

    refused = runner.invoke(app, ["validate", str(spec)])
    allowed = runner.invoke(app, ["validate", str(spec), "--allow-outside-root"])

    assert refused.exit_code == ExitCode.INVALID_SPEC
    assert allowed.exit_code == 0, allowed.output
    (warning,) = allowed.stderr.splitlines()
    assert warning.startswith(f"{spec}: warning: agent.secretEnv.TOKEN.fromFile resolves to")
    assert "--allow-outside-root" in warning
    assert "not shown" not in allowed.output


def test_a_good_spec_prints_no_warning() -> None:
    result = runner.invoke(app, ["validate", str(REPO / "examples" / "acme.yaml")])

    assert result.exit_code == 0
    assert result.stderr == ""


class _NoResources(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        raise AssertionError(f"registered {args.typ} from an invalid stack config")

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def test_the_shim_names_each_stack_config_key_once(monkeypatch: pytest.MonkeyPatch) -> None:
    pulumi.runtime.set_mocks(_NoResources(), project="jockey", stack="dev", preview=False)
    config = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]
    values = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in config.items()
        if not (isinstance(value, dict) and set(value) == {"secure"})
    }
    values["jockey:kubernetes"] = json.dumps({"enabled": True, "replicas": 0})
    pulumi.runtime.set_all_config(values, [])
    monkeypatch.setattr(pulumi, "get_root_directory", lambda: str(REPO))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        runpy.run_path(str(REPO / "infra" / "__main__.py"), run_name="__main__")

    with pytest.raises(Exception, match="invalid Jockey config") as caught:
        run()
    message = str(caught.value)
    assert "  jockey:kubernetes.replicas: " in message
    assert "jockey:jockey:" not in message
