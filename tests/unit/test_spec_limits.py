"""Loader limits: a size cap before parsing, no anchors or aliases, bounded depth, short values."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import infra.spec._load as load_module
from infra.spec import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    SecretOrigin,
    SpecError,
    SpecProblem,
    load_spec_file,
    validate_spec,
)
from infra.spec._errors import VALUE_LIMIT, shown_value
from infra.spec._yaml import YamlLimitError, parse_yaml_limited
from tests.unit.hostile_support import LINE_LIMIT, assert_well_formed, base_spec, write_spec


def _problem(path: Path) -> SpecProblem:
    with pytest.raises(SpecError) as caught:
        load_spec_file(path, environ={})
    assert_well_formed(caught.value)
    (problem,) = caught.value.problems
    return problem


def _laughs(levels: int, width: int = 9) -> str:
    """A "billion laughs" document: each anchor repeats the one before `width` times."""
    lines = ['l0: &l0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(["tenant:", *(f"  {line}" for line in lines)]) + "\n"


# ---------------------------------------------------------------- size


def test_a_file_over_the_cap_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    assert big.stat().st_size > MAX_FILE_BYTES

    def never(*_: Any) -> Any:
        raise AssertionError("parsed a file over the cap")

    monkeypatch.setattr(load_module, "parse_yaml_limited", never)

    problem = _problem(big)

    assert problem.path == "(file)"
    assert "cap" in problem.message
    assert "one tenant per file" in problem.fix


def test_a_file_at_the_cap_is_parsed(tmp_path: Path) -> None:
    text = yaml.safe_dump(base_spec())
    padded = tmp_path / "padded.yaml"
    padded.write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n")
    assert padded.stat().st_size == MAX_FILE_BYTES

    assert load_spec_file(padded, environ={}).stack_name == "acme-dev"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)

    problem = _problem(fifo)

    assert problem.path == "(file)"
    assert "not a regular file" in problem.message


def test_bytes_that_are_not_utf8_are_a_file_problem(tmp_path: Path) -> None:
    spec = tmp_path / "latin1.yaml"
    spec.write_bytes("tenant: {id: caf\xe9}\n".encode("latin-1"))

    assert "not UTF-8" in _problem(spec).message


# ---------------------------------------------------------------- anchors and aliases


@pytest.mark.parametrize("levels", [1, 3, 9, 30])
def test_billion_laughs_is_refused_fast_at_its_first_anchor(tmp_path: Path, levels: int) -> None:
    spec = tmp_path / "laughs.yaml"
    spec.write_text(_laughs(levels))

    started = time.monotonic()
    problem = _problem(spec)

    assert time.monotonic() - started < 1
    assert problem.path == "(yaml)"
    assert "anchor (&l0)" in problem.message
    assert "line 2" in problem.message
    assert problem.value == '  l0: &l0 "lol"'


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("tenant: {id: acme}\nagent: *missing\n", "alias (*missing)"),
        ("tenant: &t {id: acme}\n", "anchor (&t)"),
        ("tenant:\n  id: &id acme\n", "anchor (&id)"),
        ("base: &b {replicas: 2}\nkubernetes:\n  <<: *b\n", "anchor (&b)"),
    ],
)
def test_any_anchor_or_alias_is_refused_with_its_line(
    tmp_path: Path, text: str, shown: str
) -> None:
    spec = tmp_path / "anchors.yaml"
    spec.write_text(text)

    problem = _problem(spec)

    assert problem.path == "(yaml)"
    assert shown in problem.message
    assert "refused at line" in problem.message


@settings(max_examples=50, deadline=2000)
@given(anchor=st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True), depth=st.integers(0, 5))
def test_an_anchor_at_any_depth_is_refused(anchor: str, depth: int) -> None:
    text = "".join(f"{'  ' * level}k{level}:\n" for level in range(depth))
    text += f"{'  ' * depth}leaf: &{anchor} value\n"

    with pytest.raises(YamlLimitError) as caught:
        parse_yaml_limited(text)

    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line == depth


# ---------------------------------------------------------------- nesting


def _nested(depth: int) -> str:
    return "tenant: " + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "\n"


def test_nesting_at_the_limit_is_parsed(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(_nested(MAX_DEPTH))

    with pytest.raises(SpecError) as caught:
        load_spec_file(spec, environ={})

    assert "(yaml)" not in [problem.path for problem in caught.value.problems]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000, 500_000])
def test_nesting_past_the_limit_is_refused(tmp_path: Path, depth: int) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(_nested(depth))

    started = time.monotonic()
    problem = _problem(spec)

    assert time.monotonic() - started < 2
    assert problem.path == "(yaml)"
    assert f"deeper than {MAX_DEPTH}" in problem.message or "nesting" in problem.message


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text("".join(f"{' ' * level}k{level}:\n" for level in range(200)) + " " * 200 + "x")

    problem = _problem(spec)

    assert f"deeper than {MAX_DEPTH}" in problem.message
    assert problem.message.startswith(f"refused at line {MAX_DEPTH + 1}")


# ---------------------------------------------------------------- values YAML cannot build


@pytest.mark.parametrize(
    "text",
    [
        "tenant: {id: acme}\nmade: 2001-02-30\n",
        "tenant:\n  id: " + "9" * 5000 + "\n",
        "tenant: !!python/object:os.system x\n",
        "tenant: !custom x\n",
        "tenant: !!binary 'not base64!'\n",
        "? [a, b]\n: c\n",
        "a: 1\n---\nb: 2\n",
        "tenant: \x07\n",
    ],
)
def test_yaml_that_cannot_be_built_is_a_yaml_problem(tmp_path: Path, text: str) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(text)

    assert _problem(spec).path == "(yaml)"


# ---------------------------------------------------------------- values shown


@settings(max_examples=60, deadline=2000)
@given(
    field=st.sampled_from(
        ["tenant.id", "tenant.organization", "agent.version", "agent.healthPath", "lambda.memory"]
    ),
    value=st.one_of(
        st.text(min_size=VALUE_LIMIT, max_size=5000),
        st.lists(st.text(max_size=200), min_size=5, max_size=50),
        st.dictionaries(st.text(max_size=50), st.text(max_size=200), min_size=3, max_size=20),
        st.integers(min_value=10**150, max_value=10**300),
    ),
)
def test_a_problem_shows_at_most_the_limit_of_a_value(field: str, value: Any) -> None:
    data = base_spec()
    section, key = field.split(".", 1)
    node = data[section]
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    node[last] = value

    with pytest.raises(SpecError) as caught:
        validate_spec(data, base_dir=Path("."), origin=SecretOrigin.SPEC_FILE, environ={})

    assert_well_formed(caught.value)
    for line in str(caught.value).splitlines():
        assert len(line) <= LINE_LIMIT


def test_a_huge_unknown_key_is_clipped_in_the_path(tmp_path: Path) -> None:
    data = base_spec()
    data["tenant"]["k" * 100_000] = 1

    with pytest.raises(SpecError) as caught:
        load_spec_file(write_spec(tmp_path / "t.yaml", data), environ={})

    assert_well_formed(caught.value)


def test_shown_value_is_bounded_for_any_shape() -> None:
    nested: Any = "x" * 10_000
    for _ in range(100):
        nested = {"k": [nested, nested]}

    assert len(shown_value(nested)) <= VALUE_LIMIT
    assert shown_value("short") == "'short'"
    assert len(shown_value("y" * 10**6)) <= VALUE_LIMIT
    assert shown_value(10**5000) == "<int>"  # beyond Python's digit limit for repr


def test_a_spec_path_with_a_nul_byte_is_a_file_problem() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec_file(Path("tenant\x00.yaml"), environ={})

    (problem,) = caught.value.problems
    assert problem.path == "(file)"
