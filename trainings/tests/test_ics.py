"""The iCalendar writer against RFC 5545: CRLF, folding at 75 octets, escaping, UTC times."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from trainings import ics
from trainings.models import Mode, SessionStatus

from .factories import TopicFactory, TrainingSessionFactory


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_text_escaping():
    assert ics.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_short_lines_are_not_folded():
    assert ics.fold("SUMMARY:Pendek") == "SUMMARY:Pendek"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "Rendang Uni Yus — é ü " * 20
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line


def test_a_line_of_exactly_75_octets_stays_whole():
    assert "\r\n" not in ics.fold("X" * 75)
    assert ics.fold("X" * 76) == "X" * 75 + "\r\n X"


@pytest.mark.django_db
def test_a_session_event(reference, settings):
    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id"
    session = TrainingSessionFactory(
        title="Jualan di Shopee, Tokopedia; dan Instagram",
        topic=TopicFactory(name="Pemasaran online"),
        venue="Aula Disnakerin, Jl. Veteran",
        starts_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),  # 09.00 WIB
        ends_at=datetime(2026, 3, 2, 5, 30, tzinfo=UTC),
        status=SessionStatus.CANCELLED,
    )
    text = ics.calendar([session], url_of=lambda s: f"https://contoh/pelatihan/{s.pk}/", name="Uji")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = _unfold(text)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert f"UID:pelatihan-{session.pk}@ikm.payakumbuhkota.go.id" in lines
    assert "DTSTART:20260302T020000Z" in lines and "DTEND:20260302T053000Z" in lines
    assert "SUMMARY:Jualan di Shopee\\, Tokopedia\\; dan Instagram" in lines
    assert "LOCATION:Aula Disnakerin\\, Jl. Veteran" in lines
    assert f"URL:https://contoh/pelatihan/{session.pk}/" in lines
    assert "STATUS:CANCELLED" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    # Every line is NAME:VALUE (or NAME;PARAM:VALUE).
    assert all(":" in line and line.split(":", 1)[0].replace("-", "").isalnum() for line in lines)


@pytest.mark.django_db
def test_the_feed_lists_published_and_cancelled_sessions_to_come_with_stable_uids(client, reference):
    published = TrainingSessionFactory()
    cancelled = TrainingSessionFactory(status=SessionStatus.CANCELLED)
    draft = TrainingSessionFactory(status=SessionStatus.DRAFT)
    online = TrainingSessionFactory(mode=Mode.ONLINE, venue="", meeting_url="https://meet.example/x")
    first = client.get(reverse("trainings:feed")).content.decode()
    uids = [line for line in _unfold(first) if line.startswith("UID:")]
    assert len(uids) == 3
    assert f"pelatihan-{draft.pk}@" not in first
    assert first.count("STATUS:CANCELLED") == 1 and f"pelatihan-{cancelled.pk}@" in first
    assert "LOCATION:Daring" in _unfold(first)
    assert client.get(reverse("trainings:feed")).content.decode() == first
    assert published.pk and online.pk
