"""The admin's list of businesses counts a large registry from PostgreSQL's row estimate when
unfiltered, and exactly whenever a filter, a search or the last pages make the exact number
matter (payakumbuh_ikm.admin_lists)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.models import Business
from payakumbuh_ikm import admin_lists
from payakumbuh_ikm.admin_lists import EstimatedCountPaginator

from .factories import BusinessFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:businesses_business_changelist")


@pytest.fixture
def registry(monkeypatch):
    """30 businesses, 10 verified, 5 to a page, analysed: "large" from 20 rows."""
    monkeypatch.setattr(admin_lists, "ESTIMATE_FROM", 20)
    monkeypatch.setattr(admin.site._registry[Business], "list_per_page", 5)
    for i in range(30):
        BusinessFactory(name=f"Usaha {i:02d}", status="verified" if i < 10 else "pending", products="rendang" if i < 10 else "")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE businesses_business")


def _list(client, user, params=None):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if 'COUNT(*) AS "__count" FROM "businesses_business"' in q["sql"]]
    return response, counts


def test_the_unfiltered_list_of_a_large_registry_is_counted_from_the_estimate(client, staff, registry):
    response, counts = _list(client, staff)
    cl = response.context["cl"]
    assert cl.paginator.estimated
    assert counts == []
    assert cl.result_count == 30  # ANALYZE just ran: the estimate is the count
    assert [b.name for b in cl.result_list] == [f"Usaha {i:02d}" for i in range(5)]
    assert "sekitar 30 usaha" in " ".join(response.content.decode().split())


def test_a_filtered_or_searched_list_is_counted_exactly(client, staff, registry):
    for params in ({"status__exact": "verified"}, {"q": "rendang"}):
        response, counts = _list(client, staff, params)
        cl = response.context["cl"]
        assert not cl.paginator.estimated
        assert len(counts) == 1
        assert cl.result_count == 10
        assert "sekitar" not in response.content.decode()


def test_the_last_pages_are_counted_exactly_and_show_their_rows(client, staff, registry):
    response, counts = _list(client, staff, {"p": 6})
    cl = response.context["cl"]
    assert not cl.paginator.estimated
    assert len(counts) == 1
    assert [b.name for b in cl.result_list] == [f"Usaha {i:02d}" for i in range(25, 30)]


def test_a_small_registry_is_counted_exactly(client, staff, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Business], "list_per_page", 5)
    for i in range(12):
        BusinessFactory(name=f"Usaha {i:02d}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE businesses_business")
    response, counts = _list(client, staff)
    assert not response.context["cl"].paginator.estimated
    assert len(counts) == 1
    assert response.context["cl"].result_count == 12


def test_a_page_that_is_not_a_number_is_still_answered_by_the_change_list(client, staff, registry):
    client.force_login(staff)
    response = client.get(URL, {"p": "x"})
    assert response.status_code in (200, 302)


def test_a_list_that_is_not_a_queryset_is_counted_exactly():
    paginator = EstimatedCountPaginator(list(range(50_000)), 10)
    assert paginator.count == 50_000
    assert not paginator.estimated


def test_the_action_checkbox_of_a_row_is_the_markup_django_renders():
    from django.contrib.admin import ModelAdmin

    business = Business(pk=1234, name='Kripik "Balado" <Uni> & Ajo')
    model_admin = admin.site._registry[Business]
    assert model_admin.action_checkbox(business) == ModelAdmin.action_checkbox(model_admin, business)


def test_the_list_decrypts_no_nik_and_the_change_page_still_shows_it_masked(client, staff, monkeypatch):
    from businesses import crypto

    business = BusinessFactory(name="Usaha 00")
    real = crypto.nik_decrypt
    decrypted = []
    monkeypatch.setattr(crypto, "nik_decrypt", lambda token: decrypted.append(token) or real(token))
    response, _counts = _list(client, staff)
    assert [b.name for b in response.context["cl"].result_list] == ["Usaha 00"]
    assert decrypted == []
    page = client.get(reverse("admin:businesses_business_change", args=[business.pk])).content.decode()
    assert business.owner.nik_masked in page and business.owner.nik not in page
