"""The CLI's argument parsing fuzzed: `validate` and `schema` with random arguments and files.

Whatever the arguments, the exit code is 0 (ok), 2 (usage) or 3 (invalid spec), and no
traceback is printed. Arguments never hold a NUL byte (no process can be given one).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from automation.cli import app
from tests.unit.hostile_support import EXAMPLES

runner = CliRunner()
ALLOWED_EXITS = {0, 2, 3}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Paths a caller might pass: good and bad specs, a folder, a FIFO, nothing at all."""
    scratch = tmp_path_factory.mktemp("cli-fuzz")
    (scratch / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    (scratch / "laughs.yaml").write_text('a: &a ["lol"]\nb: [*a, *a]\n')
    (scratch / "empty.yaml").write_text("")
    os.mkfifo(scratch / "fifo.yaml")
    return [
        str(EXAMPLES / "acme.yaml"),
        str(EXAMPLES / "prod-acme.yaml"),
        str(EXAMPLES / "demo.yaml"),
        str(scratch / "binary.yaml"),
        str(scratch / "laughs.yaml"),
        str(scratch / "empty.yaml"),
        str(scratch / "fifo.yaml"),
        str(scratch),
        str(scratch / "missing.yaml"),
    ]


argument_text = st.text(st.characters(blacklist_characters="\x00"), max_size=30)
flags = st.sampled_from(
    [
        "--help",
        "-h",
        "--json",
        "--root",
        "--allow-outside-root",
        "--version",
        "--",
        "-",
        "--no-such-flag",
        "-x",
        "--root=/",
        ".",
    ]
)


@settings(
    max_examples=150,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_validate_and_schema_exit_cleanly_for_any_arguments(
    files: list[str], data: st.DataObject
) -> None:
    command = data.draw(st.sampled_from([["validate"], ["schema"], []]))
    tokens = data.draw(st.lists(st.sampled_from(files) | flags | argument_text, max_size=5))

    result = runner.invoke(app, [*command, *tokens])

    assert result.exit_code in ALLOWED_EXITS, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def test_an_invalid_spec_exits_3_and_names_its_problems(files: list[str]) -> None:
    laughs = next(path for path in files if path.endswith("laughs.yaml"))

    result = runner.invoke(app, ["validate", laughs])

    assert result.exit_code == 3
    assert "(yaml)" in result.output and "anchor" in result.output
