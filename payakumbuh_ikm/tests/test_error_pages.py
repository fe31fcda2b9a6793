"""The 403, 404 and 500 pages: the portal's own layout, in the visitor's language (Indonesian
unless the language switch chose English), never Django's plain "Server Error"."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from payakumbuh_ikm import urls as portal_urls


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("a bug in a view")


# The portal's own URLs (the layout reverses them) plus two views that fail on purpose.
urlpatterns = [path("uji/403/", _forbidden), path("uji/500/", _broken), *portal_urls.urlpatterns]
handler500 = portal_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PAGES = {
    "403": ("/uji/403/", "Halaman ini bukan untuk peran Anda", "This page is not for your role"),
    "404": ("/tidak-ada-halaman-ini/", "Halaman tidak ditemukan", "Page not found"),
    "500": ("/uji/500/", "Terjadi gangguan", "Something went wrong"),
}
# The layout every page shares (templates/base.html): the portal's stylesheet, the skip link, its
# green menu bar, the main landmark and the footer.
LAYOUT = ('href="/static/css/portal.css"', 'class="skip-link"', "navbar-portal", '<main id="isi"', "<footer")
NAME = {"id": "Portal Pemulihan IKM Payakumbuh", "en": "Payakumbuh IKM Recovery Portal"}  # in the title
HOME = {"id": "Kembali ke beranda", "en": "Back to the home page"}
OFFICE = {"id": "Dinas Tenaga Kerja dan Perindustrian", "en": "Manpower and Industry Office"}  # the footer


def _get(url: str, language: str | None):
    client = Client(raise_request_exception=False)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


@pytest.mark.parametrize("status", PAGES)
def test_error_page_is_in_the_portal_layout_and_indonesian_by_default(status):
    url, indonesian, english = PAGES[status]
    response = _get(url, None)
    body = response.content.decode()
    assert response.status_code == int(status)
    assert all(part in body for part in LAYOUT), body[:500]
    assert '<html lang="id">' in body
    assert indonesian in body and english not in body
    assert NAME["id"] in body and HOME["id"] in body and OFFICE["id"] in body


@pytest.mark.parametrize("status", PAGES)
def test_error_page_is_in_english_when_the_visitor_chose_english(status):
    url, indonesian, english = PAGES[status]
    response = _get(url, "en")
    body = response.content.decode()
    assert response.status_code == int(status)
    assert all(part in body for part in LAYOUT), body[:500]
    assert '<html lang="en">' in body
    assert english in body and indonesian not in body
    assert NAME["en"] in body and HOME["en"] in body and OFFICE["en"] in body


@pytest.mark.parametrize("status", PAGES)
def test_error_page_footer_names_the_office_from_its_one_setting(status, settings):
    settings.OFFICE_NAME = "Dinas Uji Coba Kota Payakumbuh"
    body = _get(PAGES[status][0], None).content.decode()
    assert "Dinas Uji Coba Kota Payakumbuh" in body
    assert OFFICE["id"] not in body


def test_every_page_footer_names_the_office_from_its_one_setting(settings):
    settings.OFFICE_NAME = "Dinas Uji Coba Kota Payakumbuh"
    body = _get("/", None).content.decode()
    footer = body[body.index("<footer") :]
    assert "Dinas Uji Coba Kota Payakumbuh" in footer
    assert OFFICE["id"] not in body
