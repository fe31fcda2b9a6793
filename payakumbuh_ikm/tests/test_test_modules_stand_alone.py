"""No module imports from a test module or a conftest.py. A test file that imports another's
helpers or fixtures runs that file's module code (its fixtures, its module-scoped worlds) where
nobody looks for it, couples two tests that look independent, and makes a rename or a move in
one silently change the other; a conftest.py is pytest's to import, and importing it by name
loads it a second time. Shared helpers live in modules without the ``test_`` prefix
(``helpers.py``, ``role_world.py``, ``hostile_files.py``, ``fake_whatsapp.py``,
``factories.py``) and shared fixtures in a conftest.py."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "node_modules", ".git", "staticfiles", "media", ".quickstart"}


def _python_files() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED.intersection(path.relative_to(ROOT).parts) and "migrations" not in path.parts
    ]


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import names, with its line: ``from a.tests.test_b import c`` names
    ``a.tests.test_b``; ``from . import test_b`` and ``import a.tests.test_b`` name ``test_b``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def imports_of_test_modules(source: str) -> list[tuple[int, str]]:
    return [
        (line, module)
        for line, module in _imported_modules(ast.parse(source))
        if any(part.startswith("test_") or part == "conftest" for part in module.split("."))
    ]


def test_no_module_imports_a_test_module_or_a_conftest():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in _python_files()
        for line, module in imports_of_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "move what is shared into a helpers module or a conftest.py:\n" + "\n".join(offenders)


def test_the_check_sees_every_way_of_writing_such_an_import():
    for source in (
        "from businesses.tests.test_import_export import row",
        "from .test_import_export import row",
        "from . import test_import_export",
        "import businesses.tests.test_import_export",
        "def helper():\n    from recovery.tests.test_reports import payload",
        "from .conftest import Reply",
        "from notifications.tests.conftest import FakeMeta",
    ):
        assert imports_of_test_modules(source), source
    for source in ("from .helpers import row", "from businesses.tests.factories import OwnerFactory", "import pytest"):
        assert not imports_of_test_modules(source), source
