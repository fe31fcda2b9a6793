"""Indonesian first, English on a switch that remembers the choice."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_are_indonesian_by_default_and_english_after_the_switch(client):
    assert "Daftarkan usaha Anda" in client.get(reverse("home")).content.decode()
    # The language menu is links (no POST form, no CSRF token): follow the English one.
    link = reverse("language-switch", args=["en"]) + "?next=/"
    assert link in client.get(reverse("home")).content.decode()
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/"
    body = client.get(reverse("home")).content.decode()
    assert "Register your business" in body and 'lang="en"' in body
    # The choice is remembered on later pages.
    assert "Register your IKM business" in client.get(reverse("businesses:signup")).content.decode()


@pytest.mark.django_db
def test_a_browser_preferring_english_gets_indonesian_until_the_visitor_chooses_english(client):
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    first = client.get(reverse("home"), **english_browser)
    body = first.content.decode()
    assert 'lang="id"' in body and "Daftarkan usaha Anda" in body
    assert first["Content-Language"] == "id" and "Cookie" in first["Vary"] and "Accept-Language" not in first["Vary"]
    # The switch is on the page, the English choice shown as available, Indonesian as current.
    assert f'href="{reverse("language-switch", args=["en"])}?next=/"' in body
    assert 'hreflang="id" class="btn btn-sm btn-light" lang="id" aria-current="true"' in body

    client.get(reverse("language-switch", args=["en"]) + "?next=/", **english_browser)
    assert "Register your business" in client.get(reverse("home"), **english_browser).content.decode()
    # Remembered without the browser's preference too, and undone by choosing Indonesian again.
    assert 'lang="en"' in client.get(reverse("trainings:catalogue")).content.decode()
    client.get(reverse("language-switch", args=["id"]) + "?next=/", **english_browser)
    assert 'lang="id"' in client.get(reverse("home"), **english_browser).content.decode()


@pytest.mark.django_db
def test_an_unknown_language_in_the_cookie_falls_back_to_indonesian(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert 'lang="id"' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    import subprocess
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po"
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True)
        entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        assert entries == [], f"{flag}: {entries[:10]}"
