"""PostgreSQL down: pages answer the friendly 503 page quickly, and work again once it is back."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from payakumbuh_ikm.middleware import DatabaseUnavailableMiddleware, server_error

ROOT = Path(__file__).resolve().parents[2]
FRIENDLY = "Layanan sedang terganggu"


def _view_raising(error):
    def view(request):
        raise error

    return view


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("connection already closed")])
def test_middleware_turns_a_database_error_into_the_503_page(error):
    request = RequestFactory().get("/pelatihan/")
    middleware = DatabaseUnavailableMiddleware(lambda r: None)
    response = middleware.process_exception(request, error)
    assert response.status_code == 503
    page = response.content.decode()
    assert FRIENDLY in page and "Traceback" not in page and "connection refused" not in page
    assert response["Retry-After"] == "30"


def test_middleware_leaves_other_errors_to_django():
    request = RequestFactory().get("/")
    assert DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, ValueError("x")) is None


def test_handler500_answers_503_for_a_database_error_raised_outside_a_view():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and FRIENDLY in response.content.decode()
    try:
        raise ValueError("bug")
    except ValueError:
        assert server_error(request).status_code == 500


# The WSGI application in a separate process, whose settings point at a database that is not
# there; the same process then points at the real test database to show the next request works.
_SCRIPT = r"""
import json, os, sys, time
from io import BytesIO
from wsgiref.util import setup_testing_defaults

import django
django.setup()
from django.core.wsgi import get_wsgi_application
from django.db import connections

app = get_wsgi_application()

def get(path):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1", "wsgi.input": BytesIO()}
    setup_testing_defaults(environ)
    seen = {}
    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)
    started = time.monotonic()
    body = b"".join(app(environ, start_response)).decode()
    return {"status": seen["status"], "body": body, "seconds": time.monotonic() - started, "headers": seen["headers"]}

results = {"down": [get(p) for p in sys.argv[1:]]}
if os.environ.get("DB_BACK_PORT"):
    connections["default"].close()
    connections["default"].settings_dict.update(PORT=os.environ["DB_BACK_PORT"], NAME=os.environ["DB_BACK_NAME"])
    results["back"] = [get(p) for p in sys.argv[1:]]
print(json.dumps(results))
"""


def _run_portal(database_url, *paths, back=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="payakumbuh_ikm.settings.test", TEST_DATABASE_URL=database_url, DJANGO_LOG_LEVEL="CRITICAL")
    if back:
        env.update(DB_BACK_PORT=str(back["PORT"] or 5432), DB_BACK_NAME=back["NAME"])
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *paths], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.django_db
def test_pages_answer_503_quickly_when_postgresql_refuses_and_work_again_when_it_is_back(settings, django_db_blocker):
    back = settings.DATABASES["default"]
    results = _run_portal(f"postgres://postgres@127.0.0.1:{_closed_port()}/pk_down", "/pelatihan/", "/", "/sehat/", back=back)
    catalogue, home, health = results["down"]
    assert catalogue["status"] == 503
    assert FRIENDLY in catalogue["body"] and "Traceback" not in catalogue["body"] and "OperationalError" not in catalogue["body"]
    assert "Set-Cookie" not in catalogue["headers"]
    # A functional bound, kept generous so a busy machine does not fail it: in practice ~0.05 s.
    assert catalogue["seconds"] < 5
    # The home page needs no database for an anonymous visitor.
    assert home["status"] == 200
    # The monitor's endpoint names the database as the part that failed, and nothing more.
    assert health["status"] == 503
    checks = json.loads(health["body"])["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError"} and checks["cache"]["ok"] is True
    assert [r["status"] for r in results["back"]] == [200, 200, 200]


def test_a_database_that_accepts_but_never_answers_gives_up_after_the_connect_timeout():
    # A socket that listens and never accepts: the TCP handshake completes in the kernel, then
    # nothing answers, as with a hung server. connect_timeout (2 s) must end the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        results = _run_portal(f"postgres://postgres@127.0.0.1:{port}/pk_down", "/pelatihan/")
    (catalogue,) = results["down"]
    assert catalogue["status"] == 503 and FRIENDLY in catalogue["body"]
    assert 1.5 < catalogue["seconds"] < 5
