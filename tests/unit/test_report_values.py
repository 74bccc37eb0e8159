"""Property paths and value redaction behind the preview report."""

from __future__ import annotations

import pytest

from automation._report._compare import differences
from automation._report._paths import PathSyntaxError, format_path, parse_path, resolve
from automation._report._values import display_value, redact

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("spec.replicas", ("spec", "replicas")),
        (
            "spec.template.spec.containers[0].image",
            ("spec", "template", "spec", "containers", 0, "image"),
        ),
        ('data["LOG_LEVEL"]', ("data", "LOG_LEVEL")),
        (
            'metadata.labels["app.kubernetes.io/version"]',
            ("metadata", "labels", "app.kubernetes.io/version"),
        ),
        ('["a.b"][2]["q\\"uote"]', ("a.b", 2, 'q"uote')),
        ("data.LOG_LEVEL", ("data", "LOG_LEVEL")),
    ],
)
def test_engine_property_paths_parse(path: str, segments: tuple[str | int, ...]) -> None:
    assert parse_path(path) == segments


@pytest.mark.parametrize("path", ['data["open', "spec.ports[0", 'data["x"y'])
def test_malformed_paths_are_errors(path: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_path(path)


def test_paths_format_in_the_engine_syntax_and_round_trip() -> None:
    segments = ("metadata", "labels", "app.kubernetes.io/name", "x", 0)

    assert format_path(segments) == 'metadata.labels["app.kubernetes.io/name"].x[0]'
    assert parse_path(format_path(segments)) == segments
    assert parse_path(format_path(("a\\b", 'c"d'))) == ("a\\b", 'c"d')


def test_resolve_finds_values_and_reports_missing_ones() -> None:
    tree = {"spec": {"containers": [{"image": "app:1"}]}, "data": {"K": "v"}}

    assert resolve(tree, ("spec", "containers", 0, "image")) == (True, "app:1")
    assert resolve(tree, ("spec", "containers", 3, "image")) == (False, None)
    assert resolve(tree, ("data", "missing")) == (False, None)
    assert resolve(tree, ("data", "K", "deeper")) == (False, None)


def test_anything_inside_a_secret_is_secret() -> None:
    tree = redact({"data": {SECRET_SIG: SECRET, "ciphertext": "[secret]"}})

    assert resolve(tree, ("data", "OPENAI_API_KEY")) == (True, "[secret]")


@pytest.mark.parametrize(
    "secret",
    [
        {SECRET_SIG: SECRET, "ciphertext": "[secret]"},  # show_secrets off
        {SECRET_SIG: SECRET, "plaintext": '"canary-plaintext"'},  # --show-secrets
        {SECRET_SIG: "an-unfamiliar-signature", "value": "canary-plaintext"},
        "[secret]",  # older engines: a bare marker string
    ],
)
def test_every_secret_shape_redacts_to_the_marker(secret: object) -> None:
    redacted = redact({"env": [{"value": secret}], "plain": "ok"})

    assert redacted == {"env": [{"value": "[secret]"}], "plain": "ok"}
    assert "canary" not in repr(redacted)


def test_unknowns_and_assets_become_markers() -> None:
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    asset = {SECRET_SIG: "c44067f5952c0a294b673a41bacd8c17", "hash": "ab" * 32, "path": "app.zip"}

    assert redact({"id": unknown, "code": asset}) == {"id": "[unknown]", "code": "[asset app.zip]"}


def test_display_values_are_json_on_one_line_and_cut() -> None:
    assert display_value("[secret]", 20) == "[secret]"
    assert display_value("info", 20) == '"info"'
    assert display_value({"b": 1, "a": "x\ny"}, 100) == '{"a": "x\\ny", "b": 1}'
    long = display_value("x" * 500, 50)
    assert len(long) == 50 and long.endswith("…")


def test_differences_walk_maps_and_lists_to_the_leaves() -> None:
    old = {"spec": {"replicas": 1, "ports": [80]}, "__defaults": [], "gone": True}
    new = {"spec": {"replicas": 3, "ports": [80, 443]}, "__defaults": ["x"], "added": 1}

    assert list(differences(old, new)) == [
        (("added",), "add", None, 1),
        (("gone",), "delete", True, None),
        (("spec", "ports", 1), "add", None, 443),
        (("spec", "replicas"), "update", 1, 3),
    ]
