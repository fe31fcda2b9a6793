"""Help, contact, privacy notice and terms: served to everyone from the public page cache,
edited by staff in the admin (a new version at once), linked from every footer, and rendered
from a text format in which nothing typed is raw HTML."""

import pytest
from django.test import Client
from django.urls import reverse

from businesses.tests.factories import UserFactory
from pages import markup
from pages.models import Page, PageSlug
from pages.selectors import page_get

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", PageSlug.values)
def test_each_page_has_a_default_text_in_both_languages(slug):
    page = Page.objects.get(slug=slug)
    assert len(page.body_id) > 300 and len(page.body_en) > 300
    id_page = Client().get(reverse("pages:detail", args=[slug]))
    assert id_page.status_code == 200
    assert f'<h1 class="h2">{page.title_id}</h1>' in id_page.content.decode()
    en_page = Client(headers={"cookie": "django_language=en"}).get(reverse("pages:detail", args=[slug]))
    assert f'<h1 class="h2">{page.title_en}</h1>' in en_page.content.decode()


def test_the_contact_page_gives_the_address_phone_whatsapp_and_hours():
    text = Client().get(reverse("pages:detail", args=["kontak"])).content.decode()
    for expected in ("Jl. Veteran", "Payakumbuh", 'href="tel:+', 'href="https://wa.me/62', "mailto:", "Senin sampai Kamis"):
        assert expected in text


def test_the_privacy_notice_says_the_rights_and_what_is_kept_after_deletion():
    text = Client().get(reverse("pages:detail", args=["privasi"])).content.decode()
    for expected in ("UU", "27 Tahun 2022", "Menarik persetujuan", "penghapusan", "Yang tetap disimpan setelah penghapusan"):
        assert expected in text


def test_an_unknown_page_is_404():
    assert Client().get(reverse("pages:detail", args=["rahasia"])).status_code == 404


def test_the_selector_answers_none_for_an_unknown_or_deleted_page_and_leaves_the_404_to_the_view():
    assert page_get(slug="rahasia") is None
    Page.objects.filter(slug=PageSlug.values[0]).delete()
    assert page_get(slug=PageSlug.values[0]) is None
    assert page_get(slug=PageSlug.values[1]).slug == PageSlug.values[1]


@pytest.mark.parametrize("url", ["home", "trainings:catalogue", "accounts:login"])
def test_every_footer_links_help_contact_privacy_and_terms(url):
    text = Client().get(reverse(url)).content.decode()
    for slug in PageSlug.values:
        assert f'href="{reverse("pages:detail", args=[slug])}"' in text


def test_a_page_is_served_from_the_cache_and_new_at_once_after_an_edit_in_the_admin(django_assert_num_queries):
    url = reverse("pages:detail", args=["bantuan"])
    assert Client().get(url).public_cache == "stored"
    with django_assert_num_queries(0):
        assert Client().get(url).public_cache == "hit"

    staff = Client()
    staff.force_login(UserFactory(role="staf", is_staff=True))
    contact = staff.get(reverse("admin:pages_page_change", args=[Page.objects.get(slug="kontak").pk]))
    assert "belum diverifikasi" in contact.content.decode()  # the unconfirmed contact details, said to staff only
    page = Page.objects.get(slug="bantuan")
    change = reverse("admin:pages_page_change", args=[page.pk])
    response = staff.post(
        change,
        {"title_id": "Bantuan", "body_id": "## Baru\nJam layanan diperpanjang.", "title_en": "Help", "body_en": "New hours."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    fresh = Client().get(url)
    assert fresh.public_cache == "stored"
    assert "Jam layanan diperpanjang." in fresh.content.decode()
    assert "belum diverifikasi" not in fresh.content.decode()


def test_the_admin_refuses_control_characters_and_saves_nothing():
    staff = Client()
    staff.force_login(UserFactory(role="staf", is_staff=True))
    page = Page.objects.get(slug="ketentuan")
    before = page.body_id
    response = staff.post(reverse("admin:pages_page_change", args=[page.pk]), {"title_id": "Ketentuan", "body_id": "a\x00b"})
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.body_id == before


def test_staff_cannot_add_or_delete_a_page():
    staff = Client()
    staff.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert staff.get(reverse("admin:pages_page_add")).status_code == 403
    page = Page.objects.get(slug="ketentuan")
    assert staff.get(reverse("admin:pages_page_delete", args=[page.pk])).status_code == 403


# --- The text format ---------------------------------------------------------------------------


def test_markup_escapes_every_tag_and_attribute_typed():
    html = markup.render('<script>alert(1)</script>\n<img src=x onerror="alert(1)">\n**<b>x</b>**')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in html


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//evil.example/", "vbscript:x"],
)
def test_markup_leaves_a_link_to_a_dangerous_target_as_text(target):
    html = markup.render(f"[klik]({target})")
    assert "<a " not in html and "klik" in html


def test_markup_links_cannot_break_out_of_their_attribute():
    html = markup.render('[x](https://a.example/"onmouseover="alert(1))')
    assert 'href="https://a.example/&quot;onmouseover=&quot;alert(1"' in html
    assert ' onmouseover="' not in html


def test_markup_builds_headings_lists_paragraphs_bold_and_safe_links():
    html = markup.render(
        "# Judul\n### Sub\nBaris satu\nbaris dua\n\n- a\n- b\n1. satu\n\n**tebal** [Kontak](/info/kontak/) [wa](https://wa.me/62811)"
    )
    assert "<h2>Judul</h2>" in html and "<h3>Sub</h3>" in html
    assert "<p>Baris satu<br>baris dua</p>" in html
    assert "<ul><li>a</li><li>b</li></ul><ol><li>satu</li></ol>" in html.replace("\n", "")
    assert '<a href="/info/kontak/">Kontak</a>' in html
    assert '<a href="https://wa.me/62811" rel="noopener noreferrer">wa</a>' in html
    assert "<strong>tebal</strong>" in html
