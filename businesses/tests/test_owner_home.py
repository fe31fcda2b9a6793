"""The owner's home ("Usaha saya", where signing in leads): what to do now, without a menu.

Each verified business carries last month's report with the step it needs (send it, look at it
again, nothing once approved), and the owner's next training stands above them: the published
session of theirs that starts soonest and has not ended, seat or waiting place, never a cancelled
one, never another owner's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recovery.models import ReportStatus
from recovery.tests.factories import MonthlyReportFactory
from trainings.models import RegistrationStatus, SessionStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory

from .factories import BusinessFactory, OwnerFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

HOME = reverse("businesses:mine")


@pytest.fixture
def owner(client, reference):
    owner = OwnerFactory()
    client.force_login(owner.user)
    return owner


def _card(page: str, name: str) -> str:
    """The business's card on the page: from its name to the next card (or the page's end)."""
    start = page.index(f">{name}</a>")
    end = page.find("<article", start)
    return page[start : end if end != -1 else len(page)]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(HOME).status_code == 200
    return len(context.captured_queries)


def test_each_verified_business_shows_last_months_report_and_its_next_step(client, owner):
    unreported = VerifiedBusinessFactory(owner=owner, name="Rendang Uni Yus")
    returned = VerifiedBusinessFactory(owner=owner, name="Galamai Mak Ros")
    approved = VerifiedBusinessFactory(owner=owner, name="Batiah Ajo")
    BusinessFactory(owner=owner, name="Bordir Baru")  # awaiting verification: nothing to report yet
    MonthlyReportFactory(business=returned, status=ReportStatus.RETURNED, return_note="Omzet belum diisi.")
    MonthlyReportFactory(business=approved, status=ReportStatus.APPROVED)

    page = client.get(HOME).content.decode()

    card = _card(page, "Rendang Uni Yus")
    assert "Belum lapor" in card and "Isi laporan bulan lalu" in card
    assert reverse("recovery:report-form", args=[unreported.pk]) in card
    card = _card(page, "Galamai Mak Ros")
    assert "Perlu diperbaiki" in card and "Lihat atau perbaiki laporan" in card
    assert reverse("recovery:report-form", args=[returned.pk]) in card
    card = _card(page, "Batiah Ajo")
    assert "Disetujui" in card and reverse("recovery:report-form", args=[approved.pk]) not in card
    card = _card(page, "Bordir Baru")
    assert "Laporan bulan lalu" not in card and "/lapor/" not in card


def test_another_owners_report_is_not_taken_for_this_owners(client, owner):
    mine = VerifiedBusinessFactory(owner=owner, name="Rendang Uni Yus")
    MonthlyReportFactory(status=ReportStatus.APPROVED)  # someone else's business, same month

    card = _card(client.get(HOME).content.decode(), "Rendang Uni Yus")

    assert "Belum lapor" in card and reverse("recovery:report-form", args=[mine.pk]) in card


def test_the_next_training_is_the_soonest_of_the_owners_own_still_to_come(client, owner):
    business = VerifiedBusinessFactory(owner=owner)
    now = timezone.now()

    def session(title, days, **fields):
        return TrainingSessionFactory(title=title, starts_at=now + timedelta(days=days), **fields)

    RegistrationFactory(business=business, session=session("Kelas minggu depan", 7))
    RegistrationFactory(business=business, session=session("Kelas yang sudah lewat", -3))
    RegistrationFactory(business=business, session=session("Kelas yang dibatalkan dinas", 1, status=SessionStatus.CANCELLED))
    RegistrationFactory(
        business=business, session=session("Kelas yang saya batalkan", 1), status=RegistrationStatus.CANCELLED, cancelled_at=now
    )
    RegistrationFactory(session=session("Kelas pemilik lain", 1))  # another owner's business

    page = client.get(HOME).content.decode()

    assert "Pelatihan berikutnya" in page and "Kelas minggu depan" in page
    for other in ("Kelas yang sudah lewat", "dibatalkan dinas", "Kelas yang saya batalkan", "Kelas pemilik lain"):
        assert other not in page
    assert reverse("trainings:mine") in page


def test_cancelling_the_next_training_from_the_home_comes_back_to_the_home(client, owner):
    registration = RegistrationFactory(business=VerifiedBusinessFactory(owner=owner))
    cancel = reverse("trainings:cancel", args=[registration.pk])

    assert f'href="{cancel}?next={HOME}"' in client.get(HOME).content.decode()
    mine = reverse("trainings:mine")
    assert f'href="{cancel}?next={mine}"' in client.get(mine).content.decode()  # and to its own page there
    # Cancelled (the seat still free, so the undo is offered): "Selesai" leads back to the home.
    answer = client.post(cancel, {"next": HOME}, follow=True).content.decode()
    assert "Pendaftaran dibatalkan." in answer and f'href="{HOME}">Selesai</a>' in answer


def test_a_waiting_place_is_the_next_training_with_its_position(client, owner):
    business = VerifiedBusinessFactory(owner=owner)
    full = TrainingSessionFactory(title="Kelas penuh", capacity=1, starts_at=timezone.now() + timedelta(days=2))
    RegistrationFactory(session=full)
    RegistrationFactory(session=full, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=full, business=business, status=RegistrationStatus.WAITING)

    page = client.get(HOME).content.decode()

    assert "Kelas penuh" in page and "daftar tunggu, urutan ke-2" in page


def test_a_training_under_way_is_still_the_next_one_until_it_ends(client, owner):
    business = VerifiedBusinessFactory(owner=owner)
    RegistrationFactory(
        business=business, session=TrainingSessionFactory(title="Kelas pagi ini", starts_at=timezone.now() - timedelta(hours=1))
    )

    assert "Kelas pagi ini" in client.get(HOME).content.decode()


def test_nothing_to_come_shows_no_training_section(client, owner):
    VerifiedBusinessFactory(owner=owner)

    assert "Pelatihan berikutnya" not in client.get(HOME).content.decode()


def test_the_owner_home_keeps_its_query_count_as_reports_and_trainings_grow(client, owner):
    first = VerifiedBusinessFactory(owner=owner)
    RegistrationFactory(business=first)
    small = _queries(client)
    for _ in range(5):
        business = VerifiedBusinessFactory(owner=owner)
        MonthlyReportFactory(business=business)
        RegistrationFactory(business=business)
        RegistrationFactory(business=business, status=RegistrationStatus.WAITING)
    assert _queries(client) == small
