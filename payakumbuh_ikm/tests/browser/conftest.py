"""Browser journeys: Playwright drives the system Chromium against pytest-django's live server.

Every page a journey looks at is audited where it stands (``Person.look``): axe-core runs inside
the page, the rendered HTML is kept, and the page is measured at phone width (sideways scrolling,
touch targets), so ``test_pages_checked.py`` can report every serious axe violation, every Nu Html
Checker error and every phone problem of the whole run at once, page by page.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from businesses.tests.factories import PASSWORD

# Playwright's sync API keeps an event loop running in the main thread for the rest of the
# session; the tests' own ORM calls (factories, assertions) run there too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[3]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Serious and critical only: "moderate" and "minor" are reported by axe but do not fail the run.
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  // The target, and axe's reason where it gives one (a contrast's two colours).
                  targets: v.nodes.map((n) => n.target.join(' ') + ((n.any[0] || {}).message ? ` (${n.any[0].message})` : ''))}));
}"""
# At phone width: no sideways scrolling, and every visible interactive element is a target of at
# least 44 x 44 CSS px (WCAG 2.5.5). As WCAG 2.5.8 does, a link inside running text is exempt
# (display inline, in a block that holds other text: "Inline" exception). A checkbox or radio
# button counts together with its label, which toggles it too. Visually hidden elements (the
# skip link before it has focus, Bootstrap's .visually-hidden) are not targets anyone can touch.
PHONE_RUN = """() => {
  const doc = document.documentElement;
  const found = [];
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    if (el.getAttribute('name')) s += `[name="${el.getAttribute('name')}"]`;
    else if (el.classList.length) s += '.' + [...el.classList].slice(0, 3).join('.');
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return text ? `${s} "${text.slice(0, 40)}"` : s;
  };
  if (doc.scrollWidth > doc.clientWidth) {
    // What sticks out, leaving aside what scrolls inside its own box (.table-responsive).
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      }
      return false;
    };
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      const parent = el.parentElement.getBoundingClientRect();
      return r.width > 0 && r.right > doc.clientWidth + 1 && parent.right <= doc.clientWidth + 1 && !clipped(el);
    });
    found.push({rule: 'sideways-scroll', target: `scrollWidth ${doc.scrollWidth} > ${doc.clientWidth}: `
      + wide.slice(0, 5).map((el) => `${name(el)} (right ${Math.round(el.getBoundingClientRect().right)})`).join(', ')});
  }
  const inRunningText = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
    return block && block.innerText.trim().length > el.innerText.trim().length;
  };
  // Inside a box clipped to (nearly) nothing: Bootstrap's .visually-hidden around a robots'
  // trap field keeps the field's own 208 x 30 px box, which no finger can reach.
  const insideHidden = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const box = a.getBoundingClientRect();
      if (getComputedStyle(a).overflow !== 'visible' && (box.width <= 1 || box.height <= 1)) return true;
    }
    return false;
  };
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    let r = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) continue;
    if (insideHidden(el)) continue;
    if (inRunningText(el)) continue;
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels) {
      for (const label of el.labels) {
        const l = label.getBoundingClientRect();
        const left = Math.min(r.left, l.left), top = Math.min(r.top, l.top);
        r = {width: Math.max(r.right, l.right) - left, height: Math.max(r.bottom, l.bottom) - top};
      }
    }
    const w = Math.round(r.width), h = Math.round(r.height);
    if (w < 44 || h < 44) found.push({rule: 'target-size', target: `${name(el)} ${w}x${h}`});
  }
  return found;
}"""

SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(done))))"


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
    phone: list = field(default_factory=list)


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
        self.visits.append(
            Visit(who=who, url=path, title=page.title(), html_file=html_file, axe=violations, phone=self.at_phone_width(page))
        )

    @staticmethod
    def at_phone_width(page) -> list[dict]:
        """Phone problems of the page as it stands; a page seen on a desktop is narrowed to 360 px
        for the measurement (as for its screenshots) and widened back, so every page is measured
        at phone width."""
        before = page.viewport_size
        if before["width"] != PHONE["width"]:
            page.set_viewport_size(PHONE)
            # Charts follow their box through a ResizeObserver and redraw in the next frames.
            page.evaluate(SETTLE)
        try:
            return page.evaluate(PHONE_RUN)
        finally:
            if before["width"] != PHONE["width"]:
                page.set_viewport_size(before)
                page.evaluate(SETTLE)


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

    def make(who: str, *, phone: bool = False, user_agent: str | None = None) -> Person:
        # user_agent: a visitor the showcase counts (it leaves "HeadlessChrome" out, as a bot).
        context = new_context(viewport=PHONE if phone else DESKTOP, **({"user_agent": user_agent} if user_agent else {}))
        context.set_default_timeout(15_000)
        # axe joins every document through the DevTools protocol, not as a <script> element:
        # a Content-Security-Policy without 'unsafe-inline' does not stop it, and the HTML kept
        # for the Nu Html Checker is the page's own.
        context.add_init_script(path=str(AXE_JS))
        return Person(who=who, page=context.new_page(), audit=audit)

    return make


PAGE_CHECKS = ("test_axe_finds_no_serious_violation", "test_nu_checker_finds_no_error", "test_every_page_fits_a_phone")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what they deselect
def pytest_collection_modifyitems(items):
    # The page checks read what the journeys recorded: they run after every journey, and never
    # without one (they would have nothing to check and once skipped, which hid it).
    last = [item for item in items if item.nodeid.endswith(PAGE_CHECKS)]
    if last and not any("test_journeys.py::" in item.nodeid for item in items):
        raise pytest.UsageError(
            "The page checks (test_pages_checked.py) check the pages the journeys visit: "
            "select them with payakumbuh_ikm/tests/browser/test_journeys.py, or deselect them."
        )
    for item in last:
        items.remove(item)
        items.append(item)
