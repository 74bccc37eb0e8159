"""Loading specs: YAML files, stack config objects, relative paths, secret sources, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.spec import (
    DeploymentSpec,
    SpecError,
    format_problems,
    load_spec_file,
    resolve_secret_values,
    spec_from_stack_config,
    spec_json_schema,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _acme() -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / "acme.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _stack_config(stack: str) -> dict[str, Any]:
    """The `jockey:*` objects of a stack file, keyed without the prefix."""
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {key.removeprefix("jockey:"): value for key, value in config.items()}


@pytest.fixture
def tenant_dir(tmp_path: Path) -> Path:
    """A folder holding an agent build context, as a tenant repository would."""
    agent = tmp_path / "tenants" / "agent"
    agent.mkdir(parents=True)
    (agent / "requirements.txt").write_text("")
    return tmp_path / "tenants"


# ---------------------------------------------------------------- YAML files


def test_yaml_syntax_error_names_the_line_and_column(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("tenant:\n  id: acme\n  labels: {team: support\nagent:\n  name: bot\n")

    with pytest.raises(SpecError) as caught:
        load_spec_file(spec)

    (problem,) = caught.value.problems
    assert problem.path == "(yaml)"
    assert "syntax error at line 4, column 6" in problem.message
    assert problem.value == "agent:"
    assert "unclosed" in problem.fix


def test_yaml_indentation_error_names_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "indent.yaml"
    spec.write_text("tenant:\n  id: acme\n organization: acme-corp\n")

    with pytest.raises(SpecError) as caught:
        load_spec_file(spec)

    assert "line 3" in caught.value.problems[0].message


def test_unreadable_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec_file(tmp_path / "missing.yaml")

    (problem,) = caught.value.problems
    assert problem.path == "(file)"
    assert "cannot be read" in problem.message


def test_empty_file_says_which_sections_to_write(tmp_path: Path) -> None:
    spec = tmp_path / "empty.yaml"
    spec.write_text("# nothing yet\n")

    with pytest.raises(SpecError) as caught:
        load_spec_file(spec)

    assert "tenant, agent, lambda, kubernetes" in caught.value.problems[0].fix


def test_format_problems_gives_one_line_each(tmp_path: Path) -> None:
    data = _acme()
    data["tenant"]["id"] = "Acme"
    data["agent"]["port"] = 80

    with pytest.raises(SpecError) as caught:
        load_spec_file(_write(tmp_path / "acme.yaml", data))

    lines = format_problems(caught.value)
    assert len(lines) == 2
    assert lines[0].startswith("tenant.id: not a DNS-1123 label ('Acme') — ")
    assert lines[1].startswith("agent.port: out of range 1024-65535")
    assert str(caught.value) == "\n".join(lines)


# ---------------------------------------------------------------- relative paths


def test_relative_paths_resolve_against_the_spec_files_folder(
    tenant_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _acme()
    data["agent"]["image"]["build"]["context"] = "agent"
    data["agent"]["secretEnv"]["OPENAI_API_KEY"] = {"fromFile": "secrets/openai"}
    data["kubernetes"]["cluster"] = {"kubeconfig": "../kube/config", "context": "kind-kind"}
    spec_file = _write(tenant_dir / "acme.yaml", data)
    (tmp_path / "kube").mkdir()
    kubeconfig = {"clusters": [], "contexts": [{"name": "kind-kind"}], "users": []}
    _write(tmp_path / "kube" / "config", kubeconfig)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    spec = load_spec_file(spec_file, root=tmp_path)

    assert spec.agent.image.build is not None
    assert spec.agent.image.build.context == tenant_dir / "agent"
    assert spec.agent.secret_env["OPENAI_API_KEY"].from_file == tenant_dir / "secrets" / "openai"
    assert spec.kubernetes.cluster.kubeconfig == tmp_path / "kube" / "config"


def test_relative_spec_path_from_another_working_directory(
    tenant_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _acme()
    data["agent"]["image"]["build"]["context"] = "agent"
    data["kubernetes"]["cluster"] = {"renderDir": "out/acme"}
    _write(tenant_dir / "acme.yaml", data)
    monkeypatch.chdir(tenant_dir.parent)

    spec = load_spec_file(Path("tenants/acme.yaml"))

    assert spec.agent.image.build is not None
    assert spec.agent.image.build.context == tenant_dir / "agent"
    assert spec.kubernetes.cluster.render_dir == tenant_dir / "out" / "acme"


def test_absolute_paths_are_kept(tenant_dir: Path) -> None:
    data = _acme()
    data["agent"]["image"]["build"]["context"] = str(tenant_dir / "agent")
    spec = load_spec_file(_write(tenant_dir.parent / "acme.yaml", data))

    assert spec.agent.image.build is not None
    assert spec.agent.image.build.context == tenant_dir / "agent"


def test_build_context_missing_relative_to_the_file(tmp_path: Path) -> None:
    spec_file = _write(tmp_path / "acme.yaml", _acme())

    with pytest.raises(SpecError) as caught:
        load_spec_file(spec_file)

    (problem,) = caught.value.problems
    assert problem.path == "agent.image.build.context"
    assert problem.value == str(tmp_path / "echo-agent")


# ---------------------------------------------------------------- stack config


def test_dev_and_prod_stack_configs_validate() -> None:
    dev = spec_from_stack_config(_stack_config("dev"), ROOT)
    prod = spec_from_stack_config(_stack_config("prod"), ROOT)

    assert dev.stack_name == "sample-dev"
    assert dev.agent.secret_env["OPENAI_API_KEY"].from_config == "openaiApiKey"
    assert prod.stack_name == "acme-prod"


def test_stack_paths_resolve_against_the_project_folder(tmp_path: Path) -> None:
    spec = spec_from_stack_config(_stack_config("dev"), tmp_path)

    assert spec.kubernetes.cluster.render_dir == tmp_path / "out" / "dev"


def test_stack_config_problems_name_the_config_key() -> None:
    config = _stack_config("dev")
    config["kubernetes"] = {**config["kubernetes"], "replicas": 0}

    with pytest.raises(SpecError) as caught:
        spec_from_stack_config(config, ROOT)

    (problem,) = caught.value.problems
    assert problem.path == "jockey:kubernetes.replicas"


def test_stack_config_refuses_local_secret_sources() -> None:
    config = _stack_config("dev")
    config["agent"] = {
        **config["agent"],
        "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "OPENAI_API_KEY"}, "TOKEN": {"fromFile": "t"}},
    }

    with pytest.raises(SpecError) as caught:
        spec_from_stack_config(config, ROOT)

    paths = [problem.path for problem in caught.value.problems]
    assert paths == [
        "jockey:agent.secretEnv.OPENAI_API_KEY.fromEnv",
        "jockey:agent.secretEnv.TOKEN.fromFile",
    ]
    assert all("pulumi config set --secret" in p.fix for p in caught.value.problems)


def test_from_config_names_the_key_without_namespace() -> None:
    config = _stack_config("dev")
    config["agent"] = {
        **config["agent"],
        "secretEnv": {"OPENAI_API_KEY": {"fromConfig": "jockey:openaiApiKey"}},
    }

    with pytest.raises(SpecError) as caught:
        spec_from_stack_config(config, ROOT)

    (problem,) = caught.value.problems
    assert problem.path == "jockey:agent.secretEnv.OPENAI_API_KEY.fromConfig"
    assert "openaiApiKey" in problem.fix


def test_stack_config_needs_the_tenant_section() -> None:
    config = _stack_config("dev")
    del config["tenant"]

    with pytest.raises(SpecError) as caught:
        spec_from_stack_config(config, ROOT)

    (problem,) = caught.value.problems
    assert problem.path == "jockey:tenant"
    assert problem.message == "required field is missing"
    assert problem.fix.startswith("add tenant")


# ---------------------------------------------------------------- secret values


def _with_secrets(tmp_path: Path, secret_env: dict[str, Any]) -> DeploymentSpec:
    data = _acme()
    data["agent"]["secretEnv"] = secret_env
    data["agent"]["image"] = {"ref": f"ghcr.io/acme/bot@sha256:{'ab' * 32}"}
    data["lambda"]["enabled"] = False
    return load_spec_file(_write(tmp_path / "acme.yaml", data))


def test_secret_values_come_from_env_and_files(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("  file-secret-value\n")
    spec = _with_secrets(
        tmp_path, {"OPENAI_API_KEY": {"fromEnv": "ACME_KEY"}, "TOKEN": {"fromFile": "token"}}
    )

    values = resolve_secret_values(spec, {"ACME_KEY": "env-secret-value"})

    assert values == {"OPENAI_API_KEY": "env-secret-value", "TOKEN": "file-secret-value"}


def test_missing_secret_sources_are_named_without_values(tmp_path: Path) -> None:
    spec = _with_secrets(
        tmp_path,
        {
            "OPENAI_API_KEY": {"fromEnv": "ACME_KEY"},
            "PRESENT": {"fromEnv": "PRESENT_KEY"},
            "TOKEN": {"fromFile": "no-such-file"},
        },
    )

    with pytest.raises(SpecError) as caught:
        resolve_secret_values(spec, {"PRESENT_KEY": "present-secret-value"})

    problems = caught.value.problems
    assert [p.path for p in problems] == [
        "agent.secretEnv.OPENAI_API_KEY.fromEnv",
        "agent.secretEnv.TOKEN.fromFile",
    ]
    assert problems[0].message == "environment variable is not set"
    assert "export ACME_KEY" in problems[0].fix
    assert "cannot be read" in problems[1].message
    assert "present-secret-value" not in str(caught.value)


def test_empty_secret_sources_are_problems(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("\n")
    spec = _with_secrets(
        tmp_path, {"OPENAI_API_KEY": {"fromEnv": "ACME_KEY"}, "TOKEN": {"fromFile": "token"}}
    )

    with pytest.raises(SpecError) as caught:
        resolve_secret_values(spec, {"ACME_KEY": ""})

    assert [p.message for p in caught.value.problems] == ["is empty", "file is empty"]


def test_from_config_secrets_are_left_to_the_program() -> None:
    spec = spec_from_stack_config(_stack_config("dev"), ROOT)

    assert resolve_secret_values(spec, {}) == {}


# ---------------------------------------------------------------- schema and imports


def _described(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    if "description" in node:
        return True
    ref = node.get("$ref")
    if isinstance(ref, str):
        return "description" in schema["$defs"][ref.rsplit("/", 1)[1]]
    return False


def test_json_schema_describes_every_field_with_yaml_keys() -> None:
    schema = spec_json_schema()

    models = [schema, *schema["$defs"].values()]
    undescribed = [
        key
        for model in models
        for key, prop in model.get("properties", {}).items()
        if not _described(schema, prop)
    ]
    assert undescribed == []
    assert set(schema["properties"]) == {"tenant", "agent", "lambda", "kubernetes"}
    autoscaling = schema["$defs"]["AutoscalingSpec"]["properties"]
    assert set(autoscaling) == {"minReplicas", "maxReplicas", "targetCPUUtilization"}
    objects = [model for model in models if model.get("type") == "object"]
    assert all(model.get("additionalProperties") is False for model in objects)
    assert json.loads(json.dumps(schema)) == schema


def test_the_spec_package_imports_without_pulumi() -> None:
    code = (
        "import sys, infra.spec; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws', "
        "'pulumi_kubernetes', 'pulumi_docker')); print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
