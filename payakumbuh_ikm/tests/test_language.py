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


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    import subprocess
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po"
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True)
        entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        assert entries == [], f"{flag}: {entries[:10]}"
