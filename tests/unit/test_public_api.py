"""`automation`'s public names: one list, mirrored for type checkers, every name resolving."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import automation

INIT = Path(automation.__file__)


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse(INIT.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    return {
        alias.name: node.module or ""
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_all_the_type_checking_imports_and_the_exports_agree() -> None:
    exports = automation._EXPORTS
    assert sorted(automation.__all__) == sorted(exports)
    assert _type_checking_imports() == exports


def test_every_public_name_resolves() -> None:
    for name in automation.__all__:
        assert getattr(automation, name) is not None, name


def test_importing_automation_loads_neither_pydantic_nor_the_sdk() -> None:
    code = (
        "import sys, automation;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml', 'pulumi'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
