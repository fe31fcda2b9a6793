"""The rooms of each app keep to their job (../shared/STYLE.md), checked by reading the code: a
rule that only a reviewer remembers is broken by the next change that nobody reviews."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every folder with an apps.py is an app (a new app is checked without anyone editing this list),
# plus safetext, a plain package the apps share.
APPS = tuple(sorted({path.parent.name for path in ROOT.glob("*/apps.py")} | {"safetext"}))


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
    assert {"businesses", "trainings", "recovery", "pages", "showcase", "spreadsheets"} <= set(APPS)
    assert {path.parent.name for path in _modules("selectors")} >= {"businesses", "trainings", "recovery", "pages", "showcase"}
    assert {path.parent.name for path in _modules("services")} >= {"businesses", "trainings", "recovery", "spreadsheets"}


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


# The on_commit callbacks that send no task, each with what it does. Any other on_commit outside
# payakumbuh_ikm/enqueue.py is a send of its own, with its own (or no) broker-error handling.
ON_COMMIT_NOT_A_SEND = {
    ("showcase/services.py", "_delete_files_on_commit"): "deletes the files of removed photos",
    ("showcase/services.py", "product_photo_add"): "writes a new photo's files",
    ("payakumbuh_ikm/public_cache.py", "_changed"): "bumps the public pages' cache version",
}


def _on_commit_calls(path: Path) -> set[tuple[str, str, int]]:
    """(module, function, line) of each ``on_commit(...)`` call in ``path``, by its outermost function."""
    found = set()
    for function in ast.parse(path.read_text()).body:
        name = getattr(function, "name", "<module>")
        for call in ast.walk(function):
            if isinstance(call, ast.Call) and getattr(call.func, "attr", getattr(call.func, "id", None)) == "on_commit":
                found.add((str(path.relative_to(ROOT)), name, call.lineno))
    return found


def test_only_the_enqueue_helper_sends_after_the_commit():
    """A send after the commit goes through enqueue_on_commit / enqueue_each_on_commit, so a broker
    outage is handled and logged in one place; the other on_commit uses are listed above."""
    calls = {call for path in _app_modules() if path != ENQUEUE for call in _on_commit_calls(path)}
    assert {f"{module}:{line} ({name})" for module, name, line in calls if (module, name) not in ON_COMMIT_NOT_A_SEND} == set()
    # A listed use that went away leaves its entry behind: drop it, so the list stays the truth.
    assert {(module, name) for module, name, _line in calls} >= set(ON_COMMIT_NOT_A_SEND)
