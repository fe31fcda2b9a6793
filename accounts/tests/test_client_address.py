"""The visitor's address behind the proxy: one function (accounts.lockout.client_ip) decides it,
and rate limits, the lockout and the audit trail all ask it.

Behind nginx every request arrives from the proxy's address; a counter keyed on REMOTE_ADDR is
one counter for the whole city (20 sign-ups an hour, then nobody). The proxy appends the address
it saw to X-Forwarded-For; what the client wrote to the left of it is not to be trusted.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from accounts.lockout import client_ip
from accounts.models import AuditEvent
from businesses.tests.factories import BusinessFactory

PROXY = "10.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
SIGNUP_LIMITED = "Terlalu banyak pendaftaran dari alamat ini"
RESET_LIMITED = "Terlalu banyak permintaan atur ulang kata sandi"
# A sign-up attempt (incomplete: each is counted whether or not it would succeed).
ATTEMPT = {"full_name": "Uni Ros"}


def _through_proxy(client_address: str, spoofed: str = "") -> dict:
    """The META a request has after the proxy: REMOTE_ADDR is the proxy, the client's address is
    the entry the proxy appended; ``spoofed`` is what the client sent itself."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


# --- The function --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "203.0.113.9", "198.51.100.7"),  # no proxy: the header is the client's word
        (1, PROXY, "203.0.113.9", "203.0.113.9"),
        (1, PROXY, "1.1.1.1, 8.8.8.8, 203.0.113.9", "203.0.113.9"),  # spoofed entries on the left
        (2, PROXY, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two proxies: the outer one's entry
        (2, PROXY, "203.0.113.9", PROXY),  # fewer entries than proxies: did not come through them
        (1, PROXY, "bukan-alamat", PROXY),  # not an address: never a key or an audit value
        (1, PROXY, "", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_is_the_entry_the_outermost_trusted_proxy_added(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- Rate limits behind the proxy ----------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_limit_counts_each_visitor_behind_the_proxy_not_the_proxy(client, reference, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("businesses:signup")
    # 30 visitors of the city, one attempt each, all arriving from the proxy's address.
    for i in range(30):
        response = client.post(url, ATTEMPT, **_through_proxy(f"203.0.113.{i + 1}"))
        assert SIGNUP_LIMITED not in response.content.decode(), f"visitor {i + 1} refused"
    # One visitor over the limit (20/h) is refused, however it fills in the left of the header.
    for i in range(20):
        client.post(url, ATTEMPT, **_through_proxy("198.51.100.50", spoofed=f"192.0.2.{i}"))
    response = client.post(url, ATTEMPT, **_through_proxy("198.51.100.50", spoofed="192.0.2.250"))
    assert SIGNUP_LIMITED in response.content.decode()
    # ... and its neighbour behind the same proxy is not.
    assert SIGNUP_LIMITED not in client.post(url, ATTEMPT, **_through_proxy("198.51.100.51")).content.decode()


@pytest.mark.django_db
def test_password_reset_limit_counts_each_visitor_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATELIMIT_PASSWORD_RESET_IP = "3/h"
    url = reverse("accounts:password_reset")
    for i in range(10):
        response = client.post(url, {"email": f"orang{i}@contoh.id"}, **_through_proxy(f"203.0.113.{i + 1}"))
        assert response.status_code == 302, f"visitor {i + 1} refused"
    for i in range(3):
        client.post(url, {"email": f"satu{i}@contoh.id"}, **_through_proxy("198.51.100.50", spoofed=f"192.0.2.{i}"))
    refused = client.post(url, {"email": "satu9@contoh.id"}, **_through_proxy("198.51.100.50", spoofed="192.0.2.99"))
    assert refused.status_code == 200 and RESET_LIMITED in refused.content.decode()


@pytest.mark.django_db
def test_audit_trail_records_the_visitor_not_the_proxy(client, nik_viewer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    business = BusinessFactory()
    client.force_login(nik_viewer)
    url = reverse("admin:businesses_owner_change", args=[business.owner_id])
    assert client.get(url, **_through_proxy("203.0.113.77", spoofed="1.2.3.4")).status_code == 200
    assert AuditEvent.objects.get().ip_address == "203.0.113.77"


# --- The class: nobody else reads the address ----------------------------------------------

# REMOTE_ADDR, X-Forwarded-For (as META key, header name or ratelimit "header:" key), X-Real-IP
# and RFC 7239's Forwarded (HTTP_FORWARDED).
ADDRESS_NAMES = ("remote_addr", "forwarded_for", "forwarded-for", "real_ip", "real-ip", "http_forwarded")
THE_ONE_READER = ("accounts/lockout.py", "client_ip")


def _source_files():
    """Every Python file of the portal that runs in it: tests, migrations and the virtualenv aside."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "node_modules", "staticfiles") or "tests" in parts or "migrations" in parts:
            continue
        yield path


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _functions_around(tree):
    """Each node mapped to the name of the function it is in ("" at module level)."""
    owner = {}

    def visit(node, name):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            owner[id(child)] = inner
            visit(child, inner)

    visit(tree, "")
    return owner


def test_only_client_ip_reads_remote_addr_or_x_forwarded_for():
    """A string naming the address header (request.META["REMOTE_ADDR"], request.headers
    ["X-Forwarded-For"], a ratelimit key "header:x-forwarded-for") anywhere in the portal's code
    or templates, except in the one function."""
    readers = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings, owner = _docstrings(tree), _functions_around(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if any(name in node.value.lower() for name in ADDRESS_NAMES):
                    where = (str(path.relative_to(ROOT)), owner.get(id(node), ""))
                    if where != THE_ONE_READER:
                        readers.append(f"{where[0]}:{node.lineno} in {where[1] or 'module'}")
    for template in sorted(ROOT.glob("*/templates/**/*.html")) + sorted(ROOT.glob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8").lower()
        if any(name in text for name in ADDRESS_NAMES):
            readers.append(str(template.relative_to(ROOT)))
    assert readers == []


def _ratelimit_calls():
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in ("ratelimit", "is_ratelimited", "get_usage"):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def test_every_rate_limit_keys_on_the_user_or_on_client_ip():
    """django-ratelimit's "ip" (and "user_or_ip") key asks RATELIMIT_IP_META_KEY, which is the one
    function; any other built-in key on a header or META would read the address past it."""
    assert django_settings.RATELIMIT_IP_META_KEY == "accounts.lockout.client_ip"
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "accounts.lockout.client_ip"
    calls = list(_ratelimit_calls())
    assert len(calls) >= 3  # sign-up, password reset (address and email), training registration
    for where, call in calls:
        key = next((k.value for k in call.keywords if k.arg == "key"), None)
        assert key is not None, f"{where}: a rate limit without a key"
        if isinstance(key, ast.Constant):
            assert key.value in ("ip", "user", "user_or_ip"), f"{where}: key {key.value!r}"
        else:
            # A key function: whatever it reads is under test_only_client_ip_reads_... above.
            assert isinstance(key, ast.Lambda | ast.Name | ast.Attribute), f"{where}: key {ast.dump(key)}"
