"""Pages hold a constant number of queries as the registry grows (10 and 1,000 businesses)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import BusinessFactory, CertificationFactory

pytestmark = pytest.mark.django_db


def _grow_to(n):
    from businesses.models import Business, Kelurahan, Marketplace

    missing = n - Business.objects.count()
    kelurahan = list(Kelurahan.objects.all())
    shopee = Marketplace.objects.get(name="Shopee")
    for i in range(missing):
        business = BusinessFactory(kelurahan=kelurahan[i % len(kelurahan)], sells_on_marketplace=i % 2 == 0)
        if i % 2 == 0:
            business.marketplaces.add(shopee)
        if i % 3 == 0:
            CertificationFactory(business=business)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


STAFF_URLS = [
    reverse("businesses:list"),
    reverse("businesses:list") + "?kecamatan=1&status=verified&page=2",
    reverse("businesses:summary"),
    reverse("admin:businesses_business_changelist"),
    reverse("admin:businesses_business_changelist") + "?status__exact=pending&q=rendang",
    reverse("admin:businesses_owner_changelist"),
    reverse("admin:businesses_changerequest_changelist"),
    reverse("admin:businesses_duplicateflag_changelist"),
]


def test_staff_pages_keep_their_query_count_from_10_to_1000_businesses(client, staff):
    # One test builds the 1,000 rows once and measures every page on them.
    client.force_login(staff)
    _grow_to(10)
    small = {url: count_queries(client, url) for url in STAFF_URLS}
    _grow_to(1000)
    large = {url: count_queries(client, url) for url in STAFF_URLS}
    assert small == large
    assert max(large.values()) <= 14, large


def test_owner_pages_keep_their_query_count(client, reference):
    from .factories import OwnerFactory

    owner = OwnerFactory()
    client.force_login(owner.user)
    first = BusinessFactory(owner=owner)
    small_mine = count_queries(client, reverse("businesses:mine"))
    small_detail = count_queries(client, reverse("businesses:detail", args=[first.pk]))
    for _ in range(5):
        BusinessFactory(owner=owner)
    CertificationFactory.create_batch(5, business=first)
    assert count_queries(client, reverse("businesses:mine")) == small_mine
    assert count_queries(client, reverse("businesses:detail", args=[first.pk])) == small_detail
