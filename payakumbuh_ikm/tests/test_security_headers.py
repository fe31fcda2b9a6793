"""Browser security headers on real pages, and no inline script anywhere the CSP would block."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.roles import Role
from businesses.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def _policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def _assert_hardened(response):
    policy = _policy(response)
    for directive, value in EXPECTED_CSP.items():
        assert policy.get(directive) == value, (directive, policy)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/akun/masuk/", "/pelatihan/"])
def test_public_pages_send_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    _assert_hardened(response)


@pytest.mark.django_db
def test_admin_pages_send_the_security_headers(client):
    client.force_login(UserFactory(role=Role.STAFF, is_superuser=True))
    for url in [reverse("admin:index"), reverse("admin:businesses_business_changelist")]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_hardened(response)


@pytest.mark.django_db
def test_admin_export_binds_select_all_from_a_file(client):
    # import-export writes the "Select all" box with an inline onchange the CSP blocks.
    client.force_login(UserFactory(role=Role.STAFF, is_superuser=True))
    response = client.get(reverse("admin:businesses_business_export"))
    assert response.status_code == 200
    assert "js/export-select-all.js" in response.content.decode()


@pytest.mark.django_db
def test_session_cookie_is_http_only(client):
    UserFactory(phone="+6281299900001", role=Role.OWNER)
    response = client.post(reverse("accounts:login"), {"username": "0812-9990-0001", "password": "rahasia-ikm-123"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# Templates that a browser renders. PDF templates (WeasyPrint) are never served as pages; their
# <style> blocks are not scripts and stay where they are.
_TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
_EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"href\s*=\s*[\"']\s*javascript:", re.I)


def _templates():
    for directory in _TEMPLATE_DIRS:
        if ".venv" in directory.parts:
            continue
        yield from sorted(directory.rglob("*.html"))


def test_no_template_has_an_inline_script_or_event_handler():
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern, what in [
            (_INLINE_SCRIPT, "inline <script>"),
            (_EVENT_HANDLER, "on*= handler"),
            (_JS_URL, "javascript: URL"),
        ]:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}: {match.group(0)[:80]}")
    assert not found, "The Content-Security-Policy blocks these; move them to static/js:\n" + "\n".join(found)


def test_the_scan_recognises_what_it_must_refuse():
    assert _INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert _INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not _INLINE_SCRIPT.search('<script src="/static/js/a.js" defer></script>')
    assert not _INLINE_SCRIPT.search('<script id="chart-specs" type="application/json">{}</script>')
    assert _EVENT_HANDLER.search('<button type="button" onclick="go()">')
    assert _EVENT_HANDLER.search('<input\n  onchange="x()">')
    assert not _EVENT_HANDLER.search('<button data-action="go">online</button>')


# Rendered to PDF by WeasyPrint only, never sent to a browser: their <style> is not under the CSP.
_PDF_TEMPLATES = {"attendance_sheet.html"}
_INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.I)


def test_no_page_template_has_an_inline_style():
    found = []
    for path in _templates():
        if path.name.endswith("_pdf.html") or path.name in _PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        for match in _INLINE_STYLE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:80]}")
    assert not found, "style-src 'self' blocks these; use a class in static/css:\n" + "\n".join(found)
