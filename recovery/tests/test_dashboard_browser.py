"""The dashboard's charts drawn by a real browser (headless Chromium) with scripts allowed only
from files, as a script-src 'self' policy allows only the portal's own: the page's HTML as the
server renders it, its /static/ links pointed at the repository's static folder."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse

from recovery import aggregates
from recovery.models import Measure, Target
from recovery.selectors import month_add, period_default

from .helpers import grow_to, grow_trainings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
POLICY = """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src file:; style-src file:; img-src file: data:">"""


def _render_in_browser(html: str, tmp_path) -> str:
    static = (settings.BASE_DIR / "static").as_uri() + "/"
    html = html.replace('"/static/', f'"{static}').replace("<head>", "<head>" + POLICY, 1)
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    return result.stdout


@pytest.mark.requires_tools("chromium")
def test_every_chart_is_drawn_with_scripts_only_from_files(client, official, owner, tmp_path):
    grow_to(20, months=6)
    grow_trainings(3)
    Target.objects.create(measure=Measure.SHARE_RECOVERED, period=month_add(period_default(), -1), value=40)
    aggregates.summaries_refresh()  # what the worker does after these changes: a GET computes nothing
    client.force_login(official)
    dom = _render_in_browser(client.get(reverse("recovery:dashboard")).content.decode(), tmp_path)
    canvases = re.findall(r"<canvas[^>]*>", dom)
    assert len(canvases) == 7, dom[:500]
    assert all('data-drawn="true"' in canvas for canvas in canvases), canvases


@pytest.mark.requires_tools("chromium")
def test_the_owner_chart_is_drawn(client, owner, tmp_path):
    from .factories import MonthlyReportFactory, VerifiedBusinessFactory

    business = VerifiedBusinessFactory(owner=owner)
    for back in range(3):
        MonthlyReportFactory(business=business, period=month_add(period_default(), -back))
    client.force_login(owner.user)
    dom = _render_in_browser(client.get(reverse("recovery:business", args=[business.pk])).content.decode(), tmp_path)
    assert re.search(r'<canvas[^>]*data-chart="business"[^>]*data-drawn="true"', dom), dom[:500]
