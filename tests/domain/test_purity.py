"""The domain package imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import ampshare.domain

DOMAIN = Path(ampshare.domain.__file__).parent
FORBIDDEN_STDLIB = {"asyncio", "socket", "time", "threading", "subprocess", "logging"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_only_the_standard_library() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) > 5
    for path in files:
        for name in _imports(path) - {"ampshare", "__future__"}:
            assert name in sys.stdlib_module_names, f"{path.name} imports {name}"
            assert name not in FORBIDDEN_STDLIB, f"{path.name} imports {name}: no I/O or clock"


def test_domain_imports_nothing_from_the_rest_of_ampshare() -> None:
    for path in DOMAIN.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ampshare"):
                assert (node.module or "").startswith("ampshare.domain"), path.name
