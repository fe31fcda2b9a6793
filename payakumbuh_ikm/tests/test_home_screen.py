"""Add to home screen: every page links the web app manifest, whose icons exist at their stated
sizes; the monthly report form carries what its draft script needs (no inline script)."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_portal_and_its_icons_exist_at_their_sizes():
    manifest = json.loads(open(finders.find("manifest.webmanifest"), encoding="utf-8").read())
    assert manifest["short_name"] == "IKM Payakumbuh" and manifest["display"] == "standalone"
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}
    for icon in manifest["icons"]:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        with Image.open(finders.find(icon["src"])) as image:
            assert image.size == (width, height)


def test_every_page_links_the_manifest_and_the_touch_icon(reference):
    page = Client().get(reverse("home")).content.decode()
    assert 'rel="manifest"' in page and "manifest" in page and 'rel="apple-touch-icon"' in page
    assert '<meta name="theme-color"' in page


def test_the_report_form_is_ready_for_its_draft_script_without_inline_script(reference):
    from businesses.tests.factories import OwnerFactory
    from recovery.tests.factories import VerifiedBusinessFactory

    owner = OwnerFactory()
    business = VerifiedBusinessFactory(owner=owner)
    client = Client()
    client.force_login(owner.user)
    page = client.get(reverse("recovery:report-form", args=[business.pk])).content.decode()
    assert f'data-report-draft="laporan-draf:{business.pk}"' in page
    assert "Draf tersimpan di ponsel ini" in page and "Koneksi terputus" in page
    assert "js/report-draft" in page
    assert "<script>" not in page  # the CSP allows no inline script
    assert finders.find("js/report-draft.js")
