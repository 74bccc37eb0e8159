"""A fuzzed spec loader: whatever the input, a valid spec or a `SpecError` with field paths.

Valid specs mutated field by field, random YAML, random bytes and random stack config: no
other exception escapes, every problem names a path and prints a bounded line, and each
input is done within hypothesis's deadline.
"""

from __future__ import annotations

import copy
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.spec import (
    DeploymentSpec,
    SecretOrigin,
    SpecError,
    load_spec_file,
    spec_from_stack_config,
    validate_spec,
)
from tests.unit.hostile_support import EXAMPLES, assert_well_formed, base_spec

ROOT = EXAMPLES.parent
FUZZ = settings(
    max_examples=150,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _example(name: str) -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / name).read_text())
    assert isinstance(data, dict)
    return data


BASES = [_example("acme.yaml"), _example("prod-acme.yaml"), base_spec()]

tricky_text = st.sampled_from(
    [
        "",
        " ",
        "../../../../etc/passwd",
        "/etc/shadow",
        "~/.ssh/id_rsa",
        "echo-agent/../../..",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "0",
        "1e309",
        "-1",
        "99999999999999999999",
        "100m",
        "1Gi",
        "null",
        "true",
        "\u202e\u0000",
        "x" * 5000,
        "a.b.c",
        "[0]",
        "jockey:openaiApiKey",
    ]
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    tricky_text,
)
keys = st.one_of(st.text(max_size=12), tricky_text, st.integers(), st.none(), st.booleans())
"""Mapping keys as YAML may build them: not only text."""
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=16,
)


def _locations(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in a nested structure (mappings and lists)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _locations(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _locations(value, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, bases: list[dict[str, Any]]) -> Any:
    """One of `bases` with one to four fields replaced, removed, added or renamed."""
    data = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 4))):
        locations = list(_locations(data))
        if not locations:
            break
        *parents, last = draw(st.sampled_from(locations))
        parent = data
        for key in parents:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "rename"]))
        if action == "replace":
            parent[last] = draw(json_values)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(keys)] = draw(json_values)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from([str(last).upper(), f"{last}_", str(last).lower()]))] = (
                parent.pop(last)
            )
        elif isinstance(parent, list):
            parent.append(draw(json_values))
    return data


def _check_spec_or_problems(load: Any) -> DeploymentSpec | None:
    try:
        spec = load()
    except SpecError as error:
        assert_well_formed(error)
        return None
    assert isinstance(spec, DeploymentSpec)
    return spec


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=mutated(BASES))
def test_mutated_specs_validate_or_name_their_problems(data: Any) -> None:
    _check_spec_or_problems(
        lambda: validate_spec(data, base_dir=EXAMPLES, origin=SecretOrigin.SPEC_FILE, environ={})
    )


@FUZZ
@given(data=mutated(BASES), flow=st.booleans())
def test_mutated_spec_files_load_or_name_their_problems(
    scratch: Path, data: Any, flow: bool
) -> None:
    spec_file = scratch / "mutated.yaml"
    spec_file.write_text(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))
    _check_spec_or_problems(lambda: load_spec_file(spec_file, root=EXAMPLES, environ={}))


yaml_alphabet = st.sampled_from([*":-[]{}&*!|>'\"#%@`,?. \n\t\\", "tenant", "agent", "id"])


@FUZZ
@given(
    text=st.one_of(
        st.lists(yaml_alphabet | st.characters(), max_size=200).map("".join),
        st.text(max_size=300),
        json_values.map(lambda value: yaml.safe_dump(value, allow_unicode=True)),
    )
)
def test_random_yaml_loads_or_names_its_problems(scratch: Path, text: str) -> None:
    spec_file = scratch / "random.yaml"
    spec_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check_spec_or_problems(lambda: load_spec_file(spec_file, environ={}))


@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes_load_or_name_their_problems(scratch: Path, content: bytes) -> None:
    spec_file = scratch / "random.bin"
    spec_file.write_bytes(content)
    _check_spec_or_problems(lambda: load_spec_file(spec_file, environ={}))


def _stack_configs() -> list[dict[str, Any]]:
    configs = []
    for stack in ("dev", "prod"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        configs.append({k.removeprefix("jockey:"): v for k, v in config.items()})
    return configs


STACKS = _stack_configs()


@FUZZ
@given(
    config=st.one_of(
        mutated(STACKS),
        st.dictionaries(
            st.sampled_from(["tenant", "agent", "lambda", "kubernetes", "other"]), json_values
        ),
    )
)
def test_stack_config_validates_or_names_its_problems(config: Any) -> None:
    try:
        spec_from_stack_config(config, ROOT, environ={})
    except SpecError as error:
        assert_well_formed(error)
        assert all(problem.path.startswith("jockey:") for problem in error.problems)


def test_the_largest_file_allowed_loads_in_bounded_time_and_memory(scratch: Path) -> None:
    spec_file = scratch / "wide.yaml"
    line = "  - {name: item, value: 'some text here', n: 12345}\n"
    spec_file.write_text("tenant:\n" + line * ((1024 * 1024 - 10) // len(line)))

    tracemalloc.start()
    try:
        with pytest.raises(SpecError) as caught:
            load_spec_file(spec_file, environ={})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_well_formed(caught.value)
    assert peak < 256 * 1024 * 1024
