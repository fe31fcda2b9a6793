"""Browser journeys: Playwright drives the system Chromium against pytest-django's live server.

Every page a journey looks at is audited where it stands (``Person.look``): axe-core runs inside
the page and the rendered HTML is kept, so ``test_pages_checked.py`` can report every serious
axe violation and every Nu Html Checker error of the whole run at once, page by page.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an event loop running in the main thread for the rest of the
# session; the tests' own ORM calls (factories, assertions) run there too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[3]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "rahasia-ikm-123"  # businesses/tests/factories.py UserFactory
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Serious and critical only: "moderate" and "minor" are reported by axe but do not fail the run.
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.map((n) => n.target.join(' '))}));
}"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # `playwright install` cannot download its own build here: the Debian package is used.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=id-ID",  # the browser's own widgets (month picker) in Indonesian, as on a local phone
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    # Reduced motion switches Bootstrap's colour transitions off: a button still fading into its
    # hover colour under the pointer after a click made axe measure a half-way colour (a
    # colour-contrast finding in one CI run out of many, on the roster's "Batalkan hadir").
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "id-ID",
        "timezone_id": "Asia/Jakarta",
        "reduced_motion": "reduce",
    }


@dataclass
class Visit:
    who: str
    url: str
    title: str
    html_file: Path
    axe: list = field(default_factory=list)


@dataclass
class Audit:
    """Every page looked at in this session, with its axe violations and its HTML on disk."""

    folder: Path
    visits: list[Visit] = field(default_factory=list)
    seen: set = field(default_factory=set)

    def record(self, page, who: str) -> None:
        parts = urlsplit(page.url)
        path = re.sub(r"^/sertifikat/[^/]+/", "/sertifikat/<kode>/", re.sub(r"/\d+(?=[/.]|$)", "/<id>", parts.path))
        path += f"?{parts.query}" if parts.query else ""
        html_file = self.folder / f"{len(self.visits):03d}.html"
        html_file.write_text(page.content(), encoding="utf-8")
        violations = page.evaluate(AXE_RUN, AXE_TAGS)
        self.visits.append(Visit(who=who, url=path, title=page.title(), html_file=html_file, axe=violations))


@pytest.fixture(scope="session")
def audit(tmp_path_factory):
    return Audit(folder=tmp_path_factory.mktemp("pages"))


@dataclass
class Person:
    """One user in their own browser context (cookies apart from the others')."""

    who: str
    page: object
    audit: Audit

    def go(self, url: str):
        self.page.goto(url)
        self.look()
        return self.page

    def look(self) -> None:
        """Audit the page as it stands now (after a navigation, a form sent, a message shown)."""
        self.page.wait_for_load_state("load")
        self.audit.record(self.page, self.who)

    def sign_in(self, login: str, password: str = PASSWORD) -> None:
        self.page.goto("/akun/masuk/")
        self.audit.record(self.page, "signed out")
        self.page.locator("#id_username").fill(login)
        self.page.locator("#id_password").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Masuk", exact=True).click()
        self.look()  # where the role starts: Usaha saya, or the registry summary

    def shoot(self, name: str) -> None:
        """docs/screenshots/<name>-desktop.png (1280 px) and -phone.png (360 px), whole page."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        before = self.page.viewport_size
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.page.screenshot(
                path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True, animations="disabled", caret="hide"
            )
        self.page.set_viewport_size(before)


@pytest.fixture
def person(new_context, audit):
    """``person("owner", phone=True)``: a fresh browser context for one role."""

    def make(who: str, *, phone: bool = False) -> Person:
        context = new_context(viewport=PHONE if phone else DESKTOP)
        context.set_default_timeout(15_000)
        # axe joins every document through the DevTools protocol, not as a <script> element:
        # a Content-Security-Policy without 'unsafe-inline' does not stop it, and the HTML kept
        # for the Nu Html Checker is the page's own.
        context.add_init_script(path=str(AXE_JS))
        return Person(who=who, page=context.new_page(), audit=audit)

    return make


def pytest_collection_modifyitems(items):
    # The page checks read what the journeys recorded: they run after every journey.
    last = [
        item for item in items if item.nodeid.endswith(("test_axe_finds_no_serious_violation", "test_nu_checker_finds_no_error"))
    ]
    for item in last:
        items.remove(item)
        items.append(item)
