"""The build context's content hash and `.dockerignore` matching (Docker's rules)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra.components.image import DockerIgnore, context_files, context_hash, image_tag

DOCKERFILE = "FROM python:3.12.11-slim-bookworm\n"


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "agent"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "__main__.py").write_text("print('hi')\n")
    (root / "requirements.txt").write_text("httpx==0.27.2\n")
    (root / ".dockerignore").write_text("# local only\n**/__pycache__\n*.log\n.env\n")
    return root


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["*.log"], "debug.log", True),
        (["*.log"], "logs/debug.log", False),  # `*` stays in one folder, as in Docker
        (["**/*.log"], "logs/deep/debug.log", True),
        (["**/*.log"], "debug.log", True),
        (["build"], "build/lib/x.py", True),  # a matched folder excludes what is below
        (["/build"], "build/x", True),  # a leading slash is the context's root
        (["build"], "src/build/x", False),
        (["docs/*.md"], "docs/a.md", True),
        (["docs/*.md"], "docs/sub/a.md", False),
        (["*.log", "!keep.log"], "keep.log", False),
        (["!keep.log", "*.log"], "keep.log", True),  # the last match wins
        (["data", "!data/seed.csv"], "data/seed.csv", False),
        (["a?c"], "abc", True),
        (["a?c"], "a/c", False),
        (["[!x]y.txt"], "zy.txt", True),
        (["[!x]y.txt"], "xy.txt", False),
        (["# comment", "", "  spaced.txt  "], "spaced.txt", True),
        (["./tmp/../cache"], "cache/x", True),  # patterns are cleaned like paths
    ],
)
def test_dockerignore_matches_like_docker(patterns: list[str], path: str, excluded: bool) -> None:
    assert DockerIgnore(patterns).excludes(path) is excluded


def test_context_files_skip_ignored_files_and_folders(context: Path) -> None:
    (context / "app" / "__pycache__").mkdir()
    (context / "app" / "__pycache__" / "m.cpython-312.pyc").write_bytes(b"\0")
    (context / "run.log").write_text("x")
    assert list(context_files(context)) == [
        ".dockerignore",
        "app/__init__.py",
        "app/__main__.py",
        "requirements.txt",
    ]


def test_same_context_gives_the_same_hash(context: Path) -> None:
    first = context_hash(context, DOCKERFILE)
    assert first == context_hash(context, DOCKERFILE)
    assert len(first) == 64 and int(first, 16) >= 0


def test_a_copy_elsewhere_with_other_timestamps_gives_the_same_hash(
    context: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    for relative in context_files(context):
        target = copy / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((context / relative).read_bytes())
        os.utime(target, (1, 1))
    assert context_hash(copy, DOCKERFILE) == context_hash(context, DOCKERFILE)


def test_editing_one_file_changes_the_hash(context: Path) -> None:
    before = context_hash(context, DOCKERFILE)
    (context / "app" / "__main__.py").write_text("print('hello')\n")
    assert context_hash(context, DOCKERFILE) != before


def test_renaming_adding_or_chmod_changes_the_hash(context: Path) -> None:
    before = context_hash(context, DOCKERFILE)
    (context / "app" / "__main__.py").chmod(0o755)
    executable = context_hash(context, DOCKERFILE)
    assert executable != before
    (context / "app" / "__main__.py").rename(context / "app" / "main.py")
    renamed = context_hash(context, DOCKERFILE)
    assert renamed != executable
    (context / "app" / "extra.py").write_text("")
    assert context_hash(context, DOCKERFILE) != renamed


def test_ignored_files_do_not_count(context: Path) -> None:
    before = context_hash(context, DOCKERFILE)
    (context / "app" / "__pycache__").mkdir()
    (context / "app" / "__pycache__" / "m.cpython-312.pyc").write_bytes(b"\x00\x01")
    (context / "debug.log").write_text("noise")
    (context / ".env").write_text("OPENAI_API_KEY=sk-local")
    assert context_hash(context, DOCKERFILE) == before


def test_editing_dockerignore_itself_counts(context: Path) -> None:
    before = context_hash(context, DOCKERFILE)
    with (context / ".dockerignore").open("a") as handle:
        handle.write("docs\n")
    assert context_hash(context, DOCKERFILE) != before


def test_the_dockerfile_counts(context: Path) -> None:
    assert context_hash(context, DOCKERFILE) != context_hash(context, DOCKERFILE + "USER 1\n")


def test_symlinks_count_by_target(context: Path) -> None:
    (context / "link").symlink_to("requirements.txt")
    linked = context_hash(context, DOCKERFILE)
    (context / "link").unlink()
    (context / "link").symlink_to("app/__init__.py")
    assert context_hash(context, DOCKERFILE) != linked


def test_tag_is_version_plus_hash_and_valid_for_docker() -> None:
    digest = "3f9a1c0b7d2e" + "0" * 52
    assert image_tag("1.4.2", digest) == "1.4.2-3f9a1c0b7d2e"
    assert image_tag("2.0.0-rc.1+build.7", digest) == "2.0.0-rc.1_build.7-3f9a1c0b7d2e"
    long = image_tag("1.0.0-" + "a" * 200, digest)
    assert len(long) == 128 and long.endswith("-3f9a1c0b7d2e")
