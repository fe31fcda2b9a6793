"""The rooms of each app keep to their job (../shared/STYLE.md), checked by reading the code: a
rule that only a reviewer remembers is broken by the next change that nobody reviews."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "businesses", "trainings", "recovery", "notifications", "payakumbuh_ikm", "safetext", "pages", "showcase")


def _modules(name: str) -> list[Path]:
    """Every module called ``name`` (``selectors.py``, or ``selectors_*.py`` beside it) in the apps."""
    return sorted(path for app in APPS for path in (ROOT / app).glob(f"{name}*.py"))


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_apps_have_selector_and_service_modules_to_check():
    # The next test passes on an empty list; this one fails if the globs stop finding them.
    assert {path.parent.name for path in _modules("selectors")} >= {"businesses", "trainings", "recovery", "pages", "showcase"}
    assert {path.parent.name for path in _modules("services")} >= {"businesses", "trainings", "recovery"}


def test_no_selector_or_service_knows_of_http():
    """A selector answers None (or raises a domain error) and a service raises a domain error
    (ValidationError, PermissionDenied); the view decides what the browser gets (a 404, a message)."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            module for module in _imported_modules(path) if module.startswith(("django.http", "django.shortcuts"))
        )
        for path in _modules("selectors") + _modules("services")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


SENDS = {"delay", "apply_async", "delay_on_commit"}
ENQUEUE = ROOT / "payakumbuh_ikm" / "enqueue.py"


def _sends(node: ast.AST) -> list[int]:
    """Lines of ``node`` that send a Celery task themselves (``x.delay(...)``, ``x.apply_async(...)``)."""
    return [
        call.lineno
        for call in ast.walk(node)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in SENDS
    ]


def _app_modules() -> list[Path]:
    return sorted(path for app in APPS for path in (ROOT / app).rglob("*.py") if not {"tests", "migrations"} & set(path.parts))


def test_only_the_enqueue_helper_sends_tasks_outside_the_workers():
    """Services send through payakumbuh_ikm.enqueue (after the commit, broker errors handled once).
    A tasks module may send the next task itself: it runs in a worker, outside any request."""
    offenders = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in _app_modules()
        if path != ENQUEUE and path.name != "tasks.py"
        for line in _sends(ast.parse(path.read_text()))
    }
    assert offenders == set()


def test_no_module_sends_a_task_from_an_on_commit_callback_of_its_own():
    offenders = set()
    for path in _app_modules():
        if path == ENQUEUE:
            continue
        for call in ast.walk(ast.parse(path.read_text())):
            named = isinstance(call, ast.Call) and getattr(call.func, "attr", getattr(call.func, "id", None)) == "on_commit"
            if named and call.args and _sends(call.args[0]):
                offenders.add(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert offenders == set()
