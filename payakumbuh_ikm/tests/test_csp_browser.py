"""The Content-Security-Policy in a real browser: pages, the admin and its export page run
without a single violation (an inline script, handler or style the policy would block)."""

import os

import pytest

from accounts.roles import Role
from businesses.tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + ORM in the same test
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.requires_tools(CHROMIUM),
    pytest.mark.django_db(transaction=True),
]

# Collected in the page itself: the event fires for every blocked script, handler or style.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    }


def _violations(page, path, live_server):
    page.goto(live_server.url + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # deferred scripts run and report
    return page.evaluate("window.__csp")


def test_pages_and_admin_run_without_csp_violations(page, live_server):
    UserFactory(email="admin@contoh.id", role=Role.STAFF, is_superuser=True)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(RECORD_VIOLATIONS)
    found = {}
    for path in ["/", "/akun/masuk/", "/pelatihan/"]:
        found[path] = _violations(page, path, live_server)
    page.goto(live_server.url + "/akun/masuk/")
    page.locator("#id_username").fill("admin@contoh.id")
    page.locator("#id_password").fill("rahasia-ikm-123")
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    for path in ["/admin/", "/admin/businesses/business/", "/admin/businesses/business/add/"]:
        found[path] = _violations(page, path, live_server)
    assert not any(found.values()) and not console, (found, console)
    # The detector itself: an inline style added now must be reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__csp"), "the violation listener saw nothing"


def test_admin_export_select_all_works_under_the_policy(page, live_server):
    UserFactory(email="admin@contoh.id", role=Role.STAFF, is_superuser=True)
    page.goto(live_server.url + "/akun/masuk/")
    page.locator("#id_username").fill("admin@contoh.id")
    page.locator("#id_password").fill("rahasia-ikm-123")
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    page.goto(live_server.url + "/admin/businesses/business/export/")
    toggle = page.locator("input.select-toggle").first
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    assert fields.count() > 1
    toggle.uncheck()
    assert all(not fields.nth(i).is_checked() for i in range(fields.count()))
    toggle.check()
    assert all(fields.nth(i).is_checked() for i in range(fields.count()))
