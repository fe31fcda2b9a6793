"""Whole public pages for anonymous visitors from the cache (payakumbuh_ikm/public_cache.py):
served without a query the second time, new after any change to sessions or registrations,
never for a signed-in user, one entry per language, nothing per visitor in them, and the pages
still answer with Redis away."""

import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from payakumbuh_ikm import cache as degrading
from payakumbuh_ikm import public_cache
from trainings import services
from trainings.models import RegistrationStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(reference):
    return TrainingSessionFactory(capacity=5)


def _pages(session) -> list[str]:
    return [
        reverse("home"),
        reverse("trainings:catalogue"),
        reverse("trainings:catalogue") + f"?topic={session.topic_id}&mode=",
        reverse("trainings:session-detail", args=[session.pk]),
        reverse("trainings:feed"),
        reverse("trainings:session-ics", args=[session.pk]),
    ]


def _seats_left(page: str) -> int:
    return int(re.search(r"Sisa tempat</dt><dd class=\"col-7\">(\d+)", page).group(1))


def test_the_second_anonymous_request_reads_no_query_and_answers_the_same(session, django_assert_num_queries):
    for url in _pages(session):
        first = Client().get(url)
        assert first.status_code == 200 and first.public_cache == "stored", url
        with django_assert_num_queries(0):
            second = Client().get(url)
        assert second.public_cache == "hit", url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url
        assert second.get("Content-Disposition") == first.get("Content-Disposition"), url


def test_the_query_order_does_not_matter_and_unknown_parameters_are_not_cached(session):
    url = reverse("trainings:catalogue")
    assert Client().get(url, {"topic": session.topic_id, "mode": "online"}).public_cache == "stored"
    assert Client().get(url + f"?mode=online&topic={session.topic_id}").public_cache == "hit"
    for _ in range(2):  # straight to the view, both times
        assert not hasattr(Client().get(url, {"utm_source": "wa"}), "public_cache")


def test_cached_pages_carry_no_cookie_no_csrf_token_and_still_get_the_security_headers(session):
    for url in _pages(session):
        for response in (Client().get(url), Client().get(url)):
            assert not response.cookies, (url, response.public_cache, response.cookies)
            assert "Set-Cookie" not in response.headers
            assert b"csrfmiddlewaretoken" not in response.content
            # Added by the middleware on every answer, cached or not.
            assert "default-src 'self'" in response["Content-Security-Policy"]
            assert response["X-Frame-Options"] == "DENY"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Referrer-Policy"] == "same-origin"
            # The language comes from the switch's cookie alone (Indonesian first), not Accept-Language.
            assert "Cookie" in response["Vary"] and "Accept-Language" not in response["Vary"]
        assert response.public_cache == "hit", url


def test_the_anonymous_session_page_offers_a_sign_in_link_not_a_form(session):
    page = Client().get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    assert f"{reverse('accounts:login')}?next=" in page and 'method="post"' not in page


def test_a_registration_a_cancellation_and_a_session_edit_show_on_the_next_anonymous_view(
    session, owner, django_capture_on_commit_callbacks
):
    url = reverse("trainings:session-detail", args=[session.pk])
    assert _seats_left(Client().get(url).content.decode()) == 5
    assert Client().get(url).public_cache == "hit"

    business = VerifiedBusinessFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        registration = services.registration_create(session_id=session.pk, business=business, actor=owner.user)
    assert registration.status == RegistrationStatus.CONFIRMED and callbacks
    response = Client().get(url)
    assert response.public_cache == "stored" and _seats_left(response.content.decode()) == 4

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=registration, actor=owner.user)
    assert _seats_left(Client().get(url).content.decode()) == 5

    session.title = "Foto produk dengan ponsel"
    session.save()
    assert "Foto produk dengan ponsel" in Client().get(url).content.decode()
    assert "Foto produk dengan ponsel" in Client().get(reverse("trainings:catalogue")).content.decode()


def test_the_version_changes_again_after_the_commit(session, django_capture_on_commit_callbacks):
    """A page rendered from the data before the commit (stored under the version of the moment)
    is not served after it."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        RegistrationFactory(session=session)
        during = caches["default"].get(public_cache.VERSION_KEY)
    assert during is not None and callbacks
    for callback in callbacks:
        callback()
    assert caches["default"].get(public_cache.VERSION_KEY) != during


def test_signed_in_users_never_get_a_cached_page_nor_fill_the_cache(session, owner, django_assert_num_queries):
    RegistrationFactory(session=session, business=VerifiedBusinessFactory(owner=owner), participant_name="Peserta Pemilik")
    url = reverse("trainings:session-detail", args=[session.pk])
    anonymous = Client().get(url)
    assert anonymous.public_cache == "stored"

    signed_in = Client()
    signed_in.force_login(owner.user)
    for _ in range(2):
        response = signed_in.get(url)
        assert not hasattr(response, "public_cache")  # the view itself, untouched
        page = response.content.decode()
        assert "Peserta Pemilik" in page and "csrfmiddlewaretoken" in page
    # What the owner saw was not stored: the anonymous entry is still the anonymous page.
    again = Client().get(url)
    assert again.public_cache == "hit" and "Peserta Pemilik" not in again.content.decode()
    assert "csrfmiddlewaretoken" not in again.content.decode()


def test_a_pending_message_or_a_session_cookie_goes_to_the_view(session):
    url = reverse("home")
    Client().get(url)
    client = Client()
    client.cookies["messages"] = "anything"
    assert not hasattr(client.get(url), "public_cache")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    assert not hasattr(client.get(url), "public_cache")


def test_the_english_choice_gets_the_english_entry(session):
    url = reverse("home")
    indonesian = Client().get(url)
    english = Client()
    switched = english.get(reverse("language-switch", args=["en"]), {"next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    first = english.get(url)
    assert first.public_cache == "stored" and "Register your business" in first.content.decode()
    assert english.get(url).public_cache == "hit"
    second_indonesian = Client().get(url)
    assert second_indonesian.public_cache == "hit" and second_indonesian.content == indonesian.content
    assert "Daftarkan usaha Anda" in second_indonesian.content.decode()


def test_the_language_switch_accepts_only_known_codes_and_local_targets(client):
    assert client.get(reverse("language-switch", args=["fr"])).status_code == 404
    response = client.get(reverse("language-switch", args=["en"]), {"next": "https://contoh-jahat.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "no-store" in response["Cache-Control"]
    assert client.post(reverse("language-switch", args=["en"])).status_code == 405


def test_the_menu_links_back_to_the_page_with_its_query(session):
    url = reverse("trainings:catalogue") + "?mode=online"
    page = Client().get(url).content.decode()
    assert 'href="/bahasa/en/?next=/pelatihan/%3Fmode%3Donline" rel="nofollow"' in page


def test_pages_answer_with_the_cache_down(session, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "payakumbuh_ikm.cache.DegradingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    degrading._breakers.clear()
    try:
        for url in _pages(session):
            for _ in range(2):
                response = Client().get(url)
                assert response.status_code == 200 and response.public_cache == "miss", url
        public_cache.public_pages_changed()  # a change while Redis is away is dropped, not an error
    finally:
        degrading._breakers.clear()


# --- The per-process copy (off in the test settings, on here) ----------------------------------


@pytest.fixture
def local_copy(settings):
    settings.PUBLIC_PAGE_LOCAL_SECONDS = 60
    public_cache._local.forget()
    yield public_cache._local
    public_cache._local.forget()


def test_a_page_served_again_within_the_second_comes_from_the_process_copy(session, local_copy, django_assert_num_queries):
    url = reverse("trainings:session-detail", args=[session.pk])
    first = Client().get(url)
    assert first.public_cache == "stored"
    caches["default"].clear()  # Redis forgets everything: the process's own copy answers
    with django_assert_num_queries(0):
        again = Client().get(url)
    assert again.public_cache == "hit" and again.content == first.content


def test_a_change_in_this_process_shows_at_once_with_the_copy(session, owner, local_copy):
    url = reverse("trainings:session-detail", args=[session.pk])
    assert _seats_left(Client().get(url).content.decode()) == 5
    RegistrationFactory(session=session)
    assert _seats_left(Client().get(url).content.decode()) == 4


def test_a_change_in_another_process_shows_once_the_version_is_read_again(session, local_copy):
    url = reverse("trainings:session-detail", args=[session.pk])
    Client().get(url)
    # Another worker's change: a new version in Redis only.
    caches["default"].set(public_cache.VERSION_KEY, "another-process", timeout=None)
    assert Client().get(url).public_cache == "hit"  # within the second: this process's copy
    local_copy.read_at -= 61  # the second has passed
    assert Client().get(url).public_cache == "stored"
    assert local_copy.version == "another-process"
