from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory

from businesses.tests.factories import UserFactory
from showcase.interest import interest_record, is_buyer_agent
from showcase.models import InterestCount, InterestKind

from .factories import ProductFactory, ProfileFactory

PHONE = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

pytestmark = pytest.mark.django_db


def _request(address="203.0.113.7", agent=PHONE):
    request = RequestFactory().get("/etalase/", REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


def _counts():
    return sorted(InterestCount.objects.values_list("product_id", "kind", "count"), key=str)


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "WhatsApp/2.23.20.0 A",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "TelegramBot (like TwitterBot)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 Chrome-Lighthouse",
    ],
)
def test_crawlers_preview_fetchers_and_scripts_are_not_buyers(agent, reference):
    profile = ProfileFactory()
    assert not is_buyer_agent(agent)
    assert interest_record(_request(agent=agent), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk) is False
    assert not InterestCount.objects.exists()


def test_a_visitor_counts_once_a_day_per_target_and_kind(reference):
    product = ProductFactory()
    profile = product.profile
    assert is_buyer_agent(PHONE)
    for _ in range(3):
        interest_record(_request(), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk)
        interest_record(_request(), kind=InterestKind.PRODUCT_VIEW, profile_id=profile.pk, product_id=product.pk)
        interest_record(_request(), kind=InterestKind.WHATSAPP, profile_id=profile.pk, product_id=product.pk)
    # Another visitor (another address) and the same address with another browser count again.
    interest_record(_request(address="198.51.100.2"), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk)
    interest_record(_request(agent=PHONE.replace("13", "14")), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk)
    assert _counts() == sorted([(None, "profile_view", 3), (product.pk, "product_view", 1), (product.pk, "whatsapp", 1)], key=str)


def test_a_signed_in_user_is_not_a_buyer(reference):
    profile = ProfileFactory()
    request = _request()
    request.user = UserFactory()
    assert interest_record(request, kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk) is False
    assert not InterestCount.objects.exists()


def test_the_next_day_counts_again(reference, monkeypatch):
    from django.utils import timezone

    profile = ProfileFactory()
    jakarta = ZoneInfo("Asia/Jakarta")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 5, 23, 59, tzinfo=jakarta))
    assert interest_record(_request(), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 6, 0, 1, tzinfo=jakarta))
    assert interest_record(_request(), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk)
    assert sorted(InterestCount.objects.values_list("day", "count")) == [
        (date(2026, 12, 5), 1),
        (date(2026, 12, 6), 1),
    ]


def test_without_the_cache_nothing_is_counted_rather_than_every_reload(reference, settings):
    from payakumbuh_ikm import cache as degrading

    profile = ProfileFactory()
    settings.CACHES = {
        "default": {
            "BACKEND": "payakumbuh_ikm.cache.DegradingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    degrading._breakers.clear()
    try:
        for _ in range(2):
            assert interest_record(_request(), kind=InterestKind.PROFILE_VIEW, profile_id=profile.pk) is False
    finally:
        degrading._breakers.clear()
    assert not InterestCount.objects.exists()
